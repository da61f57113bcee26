package io.odyssey.grid.ledger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.odyssey.runtime.SafeText;

/**
 * The ledger's last guard on text ({@link SafeText}): whatever wrote a command (a gateway, a relay, a drone's
 * answer, or anything else that reaches the grid), the ledger holds only text the archive can store and a log can
 * show. At the ledger, text is repaired rather than refused: refusing there would stall a relay on one bad value.
 * The REST API refuses such text outright, so this only ever changes what came another way.
 */
final class LedgerText
{
    static final int MAX_TYPE = 32;
    /** An API key (128) plus "/" and a drone id: a multi-drone request keys each drone's command so. */
    static final int MAX_KEY = 160;
    static final int MAX_NAME = 128;
    static final int MAX_REASON = 1_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private LedgerText()
    {
    }

    /** {@code text} made storable: the same instance when it was already. */
    static String field(final String text, final int maxCodePoints)
    {
        return SafeText.sanitised(text, maxCodePoints);
    }

    /**
     * A JSON document whose string values are made storable. An escaped control character ({@code "\u0000"}) is
     * as bad as a raw one: it becomes the character itself wherever the JSON is read, and PostgreSQL's jsonb refuses
     * it. Not cut to a length: the parameters' size is bounded where they are built, and a cut document is no JSON.
     */
    static String json(final String json)
    {
        if (json == null || (json.indexOf('\\') < 0 && SafeText.isSafe(json, Integer.MAX_VALUE)))
        {
            return json;
        }
        try
        {
            final JsonNode parsed = JSON.readTree(json);
            final String repaired = repaired(parsed).toString();
            return repaired.equals(parsed.toString()) ? json : repaired;
        }
        catch (final JsonProcessingException ex)
        {
            return SafeText.sanitised(json, Integer.MAX_VALUE);
        }
    }

    /** {@code node} with every name and string made storable (the same node when it holds no text). */
    private static JsonNode repaired(final JsonNode node)
    {
        if (node.isTextual())
        {
            final String text = node.asText();
            final String safe = SafeText.sanitised(text, MAX_REASON);
            return safe == text ? node : TextNode.valueOf(safe);
        }
        if (node.isObject())
        {
            final ObjectNode out = JSON.createObjectNode();
            node.fields().forEachRemaining(field ->
                out.set(SafeText.sanitised(field.getKey(), MAX_REASON), repaired(field.getValue())));
            return out;
        }
        if (node.isArray())
        {
            final ArrayNode out = JSON.createArrayNode();
            node.forEach(value -> out.add(repaired(value)));
            return out;
        }
        return node;
    }
}
