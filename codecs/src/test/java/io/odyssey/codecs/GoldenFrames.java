package io.odyssey.codecs;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Loads the hex test vectors kept in {@code src/test/resources/golden} (whitespace and {@code #} comments ignored). */
public final class GoldenFrames
{
    private GoldenFrames()
    {
    }

    public static UnsafeBuffer load(final String name)
    {
        try (InputStream in = GoldenFrames.class.getResourceAsStream("/golden/" + name))
        {
            if (in == null)
            {
                throw new IllegalArgumentException("no golden frame " + name);
            }
            final StringBuilder hex = new StringBuilder();
            for (final String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n"))
            {
                final int comment = line.indexOf('#');
                hex.append((comment >= 0 ? line.substring(0, comment) : line).replaceAll("\\s+", ""));
            }
            return new UnsafeBuffer(HexFormat.of().parseHex(hex));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    public static String hex(final UnsafeBuffer buffer, final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
