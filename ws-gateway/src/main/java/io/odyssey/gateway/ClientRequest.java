package io.odyssey.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;

import java.io.IOException;

/**
 * A message a client sent on {@code /ws/fleet}, parsed with Jackson's streaming parser straight from the UTF-8 bytes:
 * {@code subscribe} (with its box, or none for the whole fleet), {@code ping}, or an error to answer with.
 * Unknown fields are ignored, so clients may send more than this gateway understands.
 *
 * @param kind         what to do.
 * @param bbox         for {@link Kind#SUBSCRIBE}: the box, or null for the whole fleet.
 * @param errorCode    for {@link Kind#ERROR}: {@code BAD_JSON}, {@code UNKNOWN_TYPE} or {@code BAD_BBOX}.
 * @param errorMessage for {@link Kind#ERROR}: what was wrong, for the client's developer.
 */
record ClientRequest(ClientRequest.Kind kind, BoundingBox bbox, String errorCode, String errorMessage)
{
    enum Kind
    {
        SUBSCRIBE, PING, ERROR
    }

    static final String BAD_JSON = "BAD_JSON";
    static final String UNKNOWN_TYPE = "UNKNOWN_TYPE";
    static final String BAD_BBOX = "BAD_BBOX";
    static final String TOO_LARGE = "TOO_LARGE";

    private static final String BBOX_SHAPE = "bbox must be [west, south, east, north] in degrees, or null";
    private static final ClientRequest PING = new ClientRequest(Kind.PING, null, null, null);
    private static final JsonFactory JSON = JsonFactory.builder()
        // The message is at most ODYSSEY_WS_MAX_MESSAGE_BYTES already; also refuse absurd nesting early.
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build())
        .build();

    static ClientRequest error(final String code, final String message)
    {
        return new ClientRequest(Kind.ERROR, null, code, message);
    }

    /** @param utf8 the message's bytes, {@code length} of them from 0. */
    static ClientRequest parse(final byte[] utf8, final int length)
    {
        String type = null;
        boolean hasBox = false;
        double[] box = null;
        String boxError = null;
        try (JsonParser parser = JSON.createParser(utf8, 0, length))
        {
            if (parser.nextToken() != JsonToken.START_OBJECT)
            {
                return error(BAD_JSON, "expected a JSON object");
            }
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME)
            {
                final String field = parser.currentName();
                final JsonToken value = parser.nextToken();
                if ("type".equals(field))
                {
                    type = value == JsonToken.VALUE_STRING ? parser.getText() : null;
                    parser.skipChildren();
                }
                else if ("bbox".equals(field))
                {
                    hasBox = true;
                    box = null;
                    boxError = null;
                    if (value == JsonToken.START_ARRAY)
                    {
                        box = readBox(parser);
                        boxError = box == null ? BBOX_SHAPE : null;
                    }
                    else if (value != JsonToken.VALUE_NULL)
                    {
                        parser.skipChildren();
                        boxError = BBOX_SHAPE;
                    }
                }
                else
                {
                    parser.skipChildren();
                }
            }
            if (token != JsonToken.END_OBJECT || parser.nextToken() != null)
            {
                return error(BAD_JSON, "expected exactly one JSON object");
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            return error(BAD_JSON, "not valid JSON");
        }

        if ("ping".equals(type))
        {
            return PING;
        }
        if (!"subscribe".equals(type))
        {
            return error(UNKNOWN_TYPE, type == null ? "missing \"type\"" : "unknown type '" + abbreviate(type) + "'");
        }
        if (!hasBox)
        {
            return error(BAD_BBOX, "subscribe needs a bbox: [west, south, east, north] or null for the whole fleet");
        }
        if (boxError != null)
        {
            return error(BAD_BBOX, boxError);
        }
        if (box == null)
        {
            return new ClientRequest(Kind.SUBSCRIBE, null, null, null);
        }
        try
        {
            return new ClientRequest(Kind.SUBSCRIBE, new BoundingBox(box[0], box[1], box[2], box[3]), null, null);
        }
        catch (final IllegalArgumentException ex)
        {
            return error(BAD_BBOX, ex.getMessage());
        }
    }

    /** @return the four numbers, or null when the array is anything else (the parser is then past the array). */
    private static double[] readBox(final JsonParser parser) throws IOException
    {
        final double[] box = new double[4];
        int count = 0;
        boolean valid = true;
        JsonToken token;
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY)
        {
            if (token == null)
            {
                throw new IOException("unterminated array");
            }
            if ((token == JsonToken.VALUE_NUMBER_INT || token == JsonToken.VALUE_NUMBER_FLOAT) && count < 4)
            {
                box[count++] = parser.getDoubleValue();
            }
            else
            {
                valid = false;
                parser.skipChildren();
            }
        }
        return valid && count == 4 ? box : null;
    }

    private static String abbreviate(final String text)
    {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }
}
