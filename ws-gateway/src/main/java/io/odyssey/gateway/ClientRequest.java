package io.odyssey.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;

import java.io.IOException;

/**
 * A message a client sent on {@code /ws/fleet}, parsed with Jackson's streaming parser straight from the UTF-8 bytes:
 * {@code subscribe} (with its box, or none for the whole fleet), {@code ping}, flow control ({@code flow} with its
 * window, {@code ack} with a frame number), or an error to answer with.
 * Unknown fields are ignored, so clients may send more than this gateway understands.
 *
 * @param kind         what to do.
 * @param bbox         for {@link Kind#SUBSCRIBE}: the box, or null for the whole fleet.
 * @param errorCode    for {@link Kind#ERROR}: {@code BAD_JSON}, {@code UNKNOWN_TYPE}, {@code BAD_BBOX},
 *                     {@code BAD_FLOW} or {@code BAD_ACK}.
 * @param errorMessage for {@link Kind#ERROR}: what was wrong, for the client's developer.
 * @param number       for {@link Kind#FLOW} the window (1..{@link ClientSession#MAX_WINDOW}), for {@link Kind#ACK} the
 *                     frame (positive).
 */
record ClientRequest(ClientRequest.Kind kind, BoundingBox bbox, String errorCode, String errorMessage, long number)
{
    enum Kind
    {
        SUBSCRIBE, PING, FLOW, ACK, ERROR
    }

    static final String BAD_JSON = "BAD_JSON";
    static final String UNKNOWN_TYPE = "UNKNOWN_TYPE";
    static final String BAD_BBOX = "BAD_BBOX";
    static final String TOO_LARGE = "TOO_LARGE";
    static final String BAD_FLOW = "BAD_FLOW";
    static final String BAD_ACK = "BAD_ACK";
    static final String RATE_LIMITED = "RATE_LIMITED";

    private static final String BBOX_SHAPE = "bbox must be [west, south, east, north] in degrees, or null";
    private static final ClientRequest PING = new ClientRequest(Kind.PING, null, null, null, 0);
    /** The largest integer a JavaScript client can send exactly; frame numbers never get near it. */
    private static final long MAX_SAFE_INTEGER = (1L << 53) - 1;
    private static final JsonFactory JSON = JsonFactory.builder()
        // The message is at most ODYSSEY_WS_MAX_MESSAGE_BYTES already; also refuse absurd nesting early.
        .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build())
        // A field named twice is refused, in unknown fields too: which value a parser keeps is its own choice, and
        // the gateway's must not differ from what a proxy or a log read (the REST API refuses the same way).
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();

    static ClientRequest error(final String code, final String message)
    {
        return new ClientRequest(Kind.ERROR, null, code, message, 0);
    }

    /** @param utf8 the message's bytes, {@code length} of them from 0. */
    static ClientRequest parse(final byte[] utf8, final int length)
    {
        String type = null;
        boolean hasBox = false;
        double[] box = null;
        String boxError = null;
        long window = -1;
        long frame = -1;
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
                else if ("window".equals(field))
                {
                    window = positiveInteger(parser, value);
                }
                else if ("frame".equals(field))
                {
                    frame = positiveInteger(parser, value);
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
        catch (final JsonProcessingException ex)
        {
            final String reason = ParserErrors.reason(ex);
            return error(BAD_JSON, reason.isEmpty() ? "not valid JSON" : "not valid JSON: " + reason);
        }
        catch (final IOException | RuntimeException ex)
        {
            return error(BAD_JSON, "not valid JSON");
        }

        if ("ping".equals(type))
        {
            return PING;
        }
        if ("flow".equals(type))
        {
            return window >= 1 && window <= ClientSession.MAX_WINDOW ? new ClientRequest(Kind.FLOW, null, null, null, window) :
                error(BAD_FLOW, "flow needs a window: an integer from 1 to " + ClientSession.MAX_WINDOW);
        }
        if ("ack".equals(type))
        {
            return frame >= 1 ? new ClientRequest(Kind.ACK, null, null, null, frame) :
                error(BAD_ACK, "ack needs a frame: the positive integer of the newest frame applied");
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
            return new ClientRequest(Kind.SUBSCRIBE, null, null, null, 0);
        }
        try
        {
            return new ClientRequest(Kind.SUBSCRIBE, new BoundingBox(box[0], box[1], box[2], box[3]), null, null, 0);
        }
        catch (final IllegalArgumentException ex)
        {
            return error(BAD_BBOX, ex.getMessage());
        }
    }

    /** @return the value when it is a positive integer a client can send exactly (JSON 5 or 5.0), -1 otherwise. */
    private static long positiveInteger(final JsonParser parser, final JsonToken value) throws IOException
    {
        if (value == JsonToken.VALUE_NUMBER_INT && parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER)
        {
            final long number = parser.getLongValue();
            return number >= 1 && number <= MAX_SAFE_INTEGER ? number : -1;
        }
        if (value == JsonToken.VALUE_NUMBER_FLOAT)
        {
            final double number = parser.getDoubleValue();
            return number >= 1 && number <= MAX_SAFE_INTEGER && number == Math.rint(number) ? (long)number : -1;
        }
        parser.skipChildren();
        return -1;
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

    /** The first 64 characters (code points: a pair of surrogates is never cut in two) and "...", if there are more. */
    private static String abbreviate(final String text)
    {
        return text.codePointCount(0, text.length()) <= 64 ? text : text.substring(0, text.offsetByCodePoints(0, 64)) + "...";
    }
}
