package io.odyssey.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * JSON documents written with Jackson's streaming generator into a string: for the cold paths (REST answers, alert
 * messages). The per-change drone JSON of the fan-out has its own allocation-conscious writer ({@link DroneJson}).
 */
public final class JsonText
{
    private static final JsonFactory FACTORY = new JsonFactory();

    /** Writes a document. */
    public interface Body
    {
        void write(JsonGenerator out) throws IOException;
    }

    private JsonText()
    {
    }

    public static String of(final Body body)
    {
        final StringWriter text = new StringWriter();
        try (JsonGenerator out = FACTORY.createGenerator(text))
        {
            body.write(out);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex); // a StringWriter does not fail
        }
        return text.toString();
    }
}
