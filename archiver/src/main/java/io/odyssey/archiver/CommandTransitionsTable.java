package io.odyssey.archiver;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.odyssey.journal.CommandJournal;
import io.odyssey.journal.JournalLayout;
import io.odyssey.runtime.Counter;
import net.openhft.chronicle.queue.ExcerptTailer;

import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * Command-ledger transitions ({@link CommandJournal}, one JSON object per entry) as rows of
 * {@code command_transitions}; the views {@code commands} and {@code command_audit} are built on it. Commands are rare
 * next to telemetry, so this table parses each entry into a tree rather than keeping the hot-path discipline.
 * <p>
 * Every field is checked before the row is encoded: text PostgreSQL cannot store (U+0000, invalid UTF-8, lone
 * surrogates), numbers that are not 64-bit integers, and parameters that are not JSON the views can cast to
 * {@code jsonb} (which would break every query of {@code commands}, not just this row) are refused with their reason.
 */
final class CommandTransitionsTable implements ArchiveTable
{
    static final String COLUMNS = "command_id, seq, state, time, reason, drone_id, command_type, params, issued_by, " +
        "issued_from, issued_at, expires_at, idempotency_key, node, source, journal_index";
    private static final String[] OPTIONAL_TEXT = {"reason", "params", "issuedBy", "issuedFrom", "idempotencyKey", "node"};
    private static final String[] REQUIRED_TEXT = {"state", "type"};
    /** PostgreSQL's {@code numeric} (what {@code jsonb} numbers are): digits before and after the decimal point. */
    private static final int NUMERIC_MAX_INTEGER_DIGITS = 131_072;
    private static final int NUMERIC_MAX_FRACTION_DIGITS = 16_383;
    /** Strict where PostgreSQL is: trailing text after the value is not JSON to it; numbers kept exact for the check. */
    private static final ObjectMapper STRICT = new ObjectMapper()
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);

    private final byte[] source;
    private final Counter rows;
    private final long[] index = new long[1];
    private JsonNode entry;
    private DeadLetterReason refusal;
    private String refusalCause;

    CommandTransitionsTable(final String archiverName, final Counter rows)
    {
        this.source = archiverName.getBytes(StandardCharsets.UTF_8);
        this.rows = rows;
    }

    public String queue()
    {
        return JournalLayout.COMMANDS;
    }

    public String table()
    {
        return "command_transitions";
    }

    public String columns()
    {
        return COLUMNS;
    }

    public int fields()
    {
        return 16;
    }

    public String positionName(final String archiverName)
    {
        return archiverName + ":" + JournalLayout.COMMANDS;
    }

    public boolean readNext(final ExcerptTailer tailer)
    {
        final byte[] bytes = CommandJournal.readNextBytes(tailer, index);
        if (bytes == null)
        {
            return false;
        }
        entry = null;
        refusal = null;
        try
        {
            final JsonNode parsed = STRICT.readTree(StorableText.decodeUtf8(bytes));
            if (parsed == null || !parsed.isObject())
            {
                refuse(DeadLetterReason.UNREADABLE, "not a JSON object");
            }
            else
            {
                entry = parsed;
            }
        }
        catch (final CharacterCodingException ex)
        {
            refuse(DeadLetterReason.INVALID_TEXT, "not valid UTF-8");
        }
        catch (final JsonProcessingException ex)
        {
            refuse(DeadLetterReason.UNREADABLE, "not JSON: " + ex.getOriginalMessage());
        }
        return true;
    }

    public long index()
    {
        return index[0];
    }

    public long receivedAtNanos()
    {
        return entry == null ? 0 : longValue("atNs");
    }

    public boolean encode(final PgBinaryCopy copy)
    {
        if (entry == null || !valid())
        {
            return false;
        }
        copy.row(fields())
            .int8(longValue("commandId"))
            .int8(longValue("seq"))
            .text(utf8("state"))
            .timestampFromEpochNanos(longValue("atNs"));
        textOrNull(copy, "reason");
        copy.int8(longValue("droneId")).text(utf8("type"));
        textOrNull(copy, "params");
        textOrNull(copy, "issuedBy");
        textOrNull(copy, "issuedFrom");
        copy.timestampFromEpochNanos(longValue("issuedAtNs"));
        if (longValue("expiresAtNs") == 0)
        {
            copy.nullField();
        }
        else
        {
            copy.timestampFromEpochNanos(longValue("expiresAtNs"));
        }
        textOrNull(copy, "idempotencyKey");
        textOrNull(copy, "node");
        copy.text(source).int8(index[0]);
        return true;
    }

    /** Checks every field the row needs before any of it is encoded. */
    private boolean valid()
    {
        for (final String field : new String[]{"commandId", "seq", "droneId", "atNs", "issuedAtNs"})
        {
            if (!entry.hasNonNull(field))
            {
                return refuse(DeadLetterReason.UNREADABLE, "a transition without " + field);
            }
            if (parseLong(entry.get(field)) == null)
            {
                return refuse(DeadLetterReason.OUT_OF_RANGE, field + " is not a 64-bit integer: " + entry.get(field));
            }
        }
        if (entry.hasNonNull("expiresAtNs") && parseLong(entry.get("expiresAtNs")) == null)
        {
            return refuse(DeadLetterReason.OUT_OF_RANGE, "expiresAtNs is not a 64-bit integer: " + entry.get("expiresAtNs"));
        }
        for (final String field : REQUIRED_TEXT)
        {
            if (!entry.hasNonNull(field))
            {
                return refuse(DeadLetterReason.UNREADABLE, "a transition without " + field);
            }
        }
        for (final String field : REQUIRED_TEXT)
        {
            if (!storable(field))
            {
                return false;
            }
        }
        for (final String field : OPTIONAL_TEXT)
        {
            if (entry.hasNonNull(field) && !storable(field))
            {
                return false;
            }
        }
        return !entry.hasNonNull("params") || validParams(entry.get("params").asText());
    }

    private boolean storable(final String field)
    {
        final String problem = StorableText.problem(entry.get(field).asText());
        return problem == null || refuse(DeadLetterReason.INVALID_TEXT, field + " " + problem);
    }

    /** The views cast {@code params} to {@code jsonb}: it must be JSON that PostgreSQL takes. */
    private boolean validParams(final String params)
    {
        final JsonNode tree;
        try
        {
            tree = STRICT.readTree(params);
        }
        catch (final JsonProcessingException ex)
        {
            return refuse(DeadLetterReason.INVALID_JSON, "params are not JSON: " + ex.getOriginalMessage());
        }
        if (tree == null || tree.isMissingNode())
        {
            return refuse(DeadLetterReason.INVALID_JSON, "params are empty");
        }
        final String problem = jsonbProblem(tree);
        return problem == null || refuse(DeadLetterReason.INVALID_JSON, "params " + problem);
    }

    /** What jsonb refuses in a tree Jackson accepted: U+0000 or lone surrogates in strings, numbers beyond numeric. */
    private static String jsonbProblem(final JsonNode node)
    {
        if (node.isTextual())
        {
            final String problem = StorableText.problem(node.textValue());
            return problem == null ? null : "hold a string that " + problem;
        }
        if (node.isNumber())
        {
            final BigDecimal value = node.decimalValue();
            return value.precision() - value.scale() > NUMERIC_MAX_INTEGER_DIGITS ||
                value.scale() > NUMERIC_MAX_FRACTION_DIGITS ? "hold a number beyond PostgreSQL's numeric range" : null;
        }
        if (node.isObject())
        {
            for (final Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); )
            {
                final Map.Entry<String, JsonNode> field = fields.next();
                final String keyProblem = StorableText.problem(field.getKey());
                if (keyProblem != null)
                {
                    return "hold a key that " + keyProblem;
                }
                final String problem = jsonbProblem(field.getValue());
                if (problem != null)
                {
                    return problem;
                }
            }
        }
        else if (node.isArray())
        {
            for (final JsonNode element : node)
            {
                final String problem = jsonbProblem(element);
                if (problem != null)
                {
                    return problem;
                }
            }
        }
        return null;
    }

    private boolean refuse(final DeadLetterReason reason, final String cause)
    {
        refusal = reason;
        refusalCause = cause;
        return false;
    }

    private void textOrNull(final PgBinaryCopy copy, final String field)
    {
        if (entry.hasNonNull(field))
        {
            copy.text(utf8(field));
        }
        else
        {
            copy.nullField();
        }
    }

    private byte[] utf8(final String field)
    {
        return entry.path(field).asText().getBytes(StandardCharsets.UTF_8);
    }

    /** A field checked by {@link #valid()}; 0 when absent or not a number. */
    private long longValue(final String field)
    {
        final Long value = entry.hasNonNull(field) ? parseLong(entry.get(field)) : null;
        return value == null ? 0L : value;
    }

    /** A 64-bit integer written as a JSON integer or as a string of digits (the journal writes big ones as strings). */
    private static Long parseLong(final JsonNode node)
    {
        if (node.isIntegralNumber())
        {
            return node.canConvertToLong() ? node.longValue() : null;
        }
        if (node.isTextual())
        {
            try
            {
                return Long.parseLong(node.textValue());
            }
            catch (final NumberFormatException ex)
            {
                return null;
            }
        }
        return null;
    }

    public long sentAtNanos()
    {
        return 0;
    }

    public DeadLetterReason refusal()
    {
        return refusal;
    }

    public String refusalCause()
    {
        return refusalCause;
    }

    public Counter rows()
    {
        return rows;
    }
}
