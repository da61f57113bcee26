package io.odyssey.gateway.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.odyssey.gateway.ParserErrors;
import io.odyssey.gateway.Problem;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.SafeText;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import io.undertow.util.PathTemplateMatch;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Deque;

/**
 * Reading a request of the command & control API and answering it: the body (UTF-8 JSON, read whole by
 * {@link RequestBodies} before a handler runs), query and path parameters, numbers in range, text that may be stored,
 * the caller and its role. Every wrong input is a {@link Problem} naming the parameter; nothing here is lenient.
 */
final class Requests
{
    /** The request's body, attached by {@link ControlApi} once {@link RequestBodies} has read it whole. */
    static final AttachmentKey<byte[]> BODY = AttachmentKey.create(byte[].class);

    private Requests()
    {
    }

    /** Who is asking (authenticated by the {@link Guard} in front of the API). */
    static Principal principal(final HttpServerExchange exchange)
    {
        return exchange.getAttachment(Guard.PRINCIPAL);
    }

    /** A parameter of the route's path template ({@code {droneId}}), as the (decoded) path gave it. */
    static String pathParameter(final HttpServerExchange exchange, final String name)
    {
        return exchange.getAttachment(PathTemplateMatch.ATTACHMENT_KEY).getParameters().get(name);
    }

    /** A query parameter, null when absent or empty. */
    static String query(final HttpServerExchange exchange, final String name)
    {
        final Deque<String> values = exchange.getQueryParameters().get(name);
        return values == null || values.isEmpty() || values.peekFirst().isEmpty() ? null : values.peekFirst();
    }

    /** The body, one JSON object. */
    static JsonNode body(final HttpServerExchange exchange)
    {
        final JsonNode body = parse(utf8(exchange.getAttachment(BODY)));
        if (!body.isObject())
        {
            throw new Problem(400, "the body is one JSON object");
        }
        return body;
    }

    /** The body, or an empty object when there is none. */
    static JsonNode optionalBody(final HttpServerExchange exchange)
    {
        final byte[] bytes = exchange.getAttachment(BODY);
        return bytes == null || bytes.length == 0 ? CommandJson.JSON.createObjectNode() : body(exchange);
    }

    /** Text as UTF-8: bytes that are not UTF-8 are refused, never silently replaced. */
    static String utf8(final byte[] bytes)
    {
        try
        {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        }
        catch (final CharacterCodingException ex)
        {
            throw new Problem(400, "INVALID_TEXT", "the body is not valid UTF-8", null);
        }
    }

    static JsonNode parse(final String text)
    {
        try
        {
            return CommandJson.JSON.readTree(text);
        }
        catch (final IOException ex)
        {
            throw new Problem(400, "the body is not valid JSON: " + ParserErrors.reason(ex));
        }
    }

    /**
     * {@code value} when it may be stored, shown and logged as it is ({@link SafeText}: no control characters, no
     * lone surrogates, at most {@code maxLength} characters); otherwise the request is refused, naming the field, and
     * counted on {@code refused}.
     */
    static String checkedText(final Counter refused, final String field, final String value, final int maxLength)
    {
        final String violation = SafeText.violation(value, maxLength);
        if (violation != null)
        {
            refused.increment();
            throw new Problem(400, "INVALID_TEXT", field + " " + violation, null);
        }
        return value;
    }

    /**
     * An integer field as the contract has it: a JSON integer, never text ({@code "droneId":"1"} was taken for 1, so
     * whatever read the body as typed saw something else than what was ordered); null when the field is absent.
     */
    static Long integerField(final JsonNode node, final String field)
    {
        final JsonNode value = node.get(field);
        if (value == null)
        {
            return null;
        }
        return integerValue(value, field);
    }

    /** {@link #integerField} of an array's element or a value already taken out of the body. */
    static long integerValue(final JsonNode value, final String field)
    {
        if (!value.isIntegralNumber() || !value.canConvertToLong())
        {
            throw new Problem(400, field + " must be an integer (a JSON number, not text), not " + abbreviated(value));
        }
        return value.longValue();
    }

    /** A text field as the contract has it: a JSON string, never a number taken as its digits; null when absent. */
    static String textField(final JsonNode node, final String field)
    {
        final JsonNode value = node.get(field);
        if (value == null || value.isNull())
        {
            return null;
        }
        if (!value.isTextual())
        {
            throw new Problem(400, field + " must be a string, not " + abbreviated(value));
        }
        return value.textValue();
    }

    private static String abbreviated(final JsonNode value)
    {
        final String text = value.toString();
        return text.length() <= 40 ? text : text.substring(0, 40) + "...";
    }

    static double required(final JsonNode node, final String field, final double min, final double max)
    {
        if (!node.hasNonNull(field))
        {
            throw new Problem(400, field + " is required");
        }
        return inRange(node.get(field), field, min, max);
    }

    static double optional(final JsonNode node, final String field, final double min, final double max, final double dflt)
    {
        return node.hasNonNull(field) ? inRange(node.get(field), field, min, max) : dflt;
    }

    private static double inRange(final JsonNode value, final String field, final double min, final double max)
    {
        final double number = value.isNumber() ? value.asDouble() : Double.NaN;
        if (!(number >= min && number <= max))
        {
            throw new Problem(400, field + " must be a number from " + trim(min) + " to " + trim(max) + ", not " + value);
        }
        return number;
    }

    /** 500 rather than 500.0. */
    static String trim(final double value)
    {
        return value == Math.rint(value) ? Long.toString((long)value) : Double.toString(value);
    }

    /** A drone id from a body: a JSON integer (never text), positive. */
    static long droneId(final JsonNode value, final String field)
    {
        final long id = integerValue(value, field);
        if (id <= 0)
        {
            throw new Problem(400, field + " must be a positive integer, not " + id);
        }
        return id;
    }

    static long droneId(final String text)
    {
        try
        {
            final long id = Long.parseLong(text);
            if (id > 0)
            {
                return id;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // Answered below.
        }
        throw new Problem(400, "a drone id is a positive integer, not '" + text + "'");
    }

    /** {@code count} comma-separated numbers, null when {@code text} is. */
    static double[] numbers(final String text, final int count, final String name, final String shape)
    {
        if (text == null)
        {
            return null;
        }
        final String[] parts = text.split(",");
        if (parts.length != count)
        {
            throw new Problem(400, name + " is " + shape);
        }
        final double[] values = new double[count];
        try
        {
            for (int i = 0; i < count; i++)
            {
                values[i] = Double.parseDouble(parts[i].trim());
            }
        }
        catch (final NumberFormatException ex)
        {
            throw new Problem(400, name + " is " + shape);
        }
        return values;
    }

    static int integer(final String text, final int dflt, final int min, final int max, final String name)
    {
        if (text == null)
        {
            return dflt;
        }
        try
        {
            final int value = Integer.parseInt(text.trim());
            if (value >= min && value <= max)
            {
                return value;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // Answered below.
        }
        throw new Problem(400, name + " must be an integer from " + min + " to " + max);
    }

    /** A request's path as a log line may hold it: decoded from the URL, it may carry a newline ("%0A"). */
    static String loggable(final String path)
    {
        return SafeText.sanitised(path, 200);
    }

    /** The caller's address, as the ledger records who issued a command from where. */
    static String sourceOf(final HttpServerExchange exchange)
    {
        return exchange.getSourceAddress() == null ? "unknown" : exchange.getSourceAddress().getAddress().getHostAddress();
    }

    /** Answers {@code body} (JSON) with {@code status}. */
    static void send(final HttpServerExchange exchange, final int status, final Object body)
    {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.getResponseSender().send(body.toString());
    }

    /** Answers 204: done, nothing to say. */
    static void noContent(final HttpServerExchange exchange)
    {
        exchange.setStatusCode(204);
        exchange.endExchange();
    }
}
