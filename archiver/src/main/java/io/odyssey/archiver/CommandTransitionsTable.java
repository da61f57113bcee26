package io.odyssey.archiver;

import com.fasterxml.jackson.databind.JsonNode;
import io.odyssey.journal.CommandJournal;
import io.odyssey.journal.JournalLayout;
import io.odyssey.runtime.Counter;
import net.openhft.chronicle.queue.ExcerptTailer;

import java.nio.charset.StandardCharsets;

/**
 * Command-ledger transitions ({@link CommandJournal}, one JSON object per entry) as rows of
 * {@code command_transitions}; the views {@code commands} and {@code command_audit} are built on it. Commands are rare
 * next to telemetry, so this table parses each entry into a tree rather than keeping the hot-path discipline.
 */
final class CommandTransitionsTable implements ArchiveTable
{
    static final String COLUMNS = "command_id, seq, state, time, reason, drone_id, command_type, params, issued_by, " +
        "issued_from, issued_at, expires_at, idempotency_key, node, source, journal_index";

    private final byte[] source;
    private final Counter rows;
    private final long[] index = new long[1];
    private JsonNode entry;
    private String unreadable;

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
        final String text = CommandJournal.readNext(tailer, index);
        if (text == null)
        {
            return false;
        }
        try
        {
            entry = CommandJournal.parse(text);
            unreadable = null;
        }
        catch (final java.io.IOException ex)
        {
            entry = null;
            unreadable = "not JSON: " + ex.getMessage();
        }
        return true;
    }

    public long index()
    {
        return index[0];
    }

    public long receivedAtNanos()
    {
        return entry == null ? 0 : nanos("atNs");
    }

    public boolean encode(final PgBinaryCopy copy)
    {
        if (entry == null)
        {
            return false;
        }
        if (!entry.hasNonNull("commandId") || !entry.hasNonNull("state") || !entry.hasNonNull("droneId"))
        {
            unreadable = "a transition without commandId, state or droneId";
            return false;
        }
        copy.row(fields())
            .int8(Long.parseLong(entry.get("commandId").asText()))
            .int8(entry.path("seq").asLong())
            .text(utf8("state"))
            .timestampFromEpochNanos(nanos("atNs"));
        textOrNull(copy, "reason");
        copy.int8(entry.get("droneId").asLong()).text(utf8("type"));
        textOrNull(copy, "params");
        textOrNull(copy, "issuedBy");
        textOrNull(copy, "issuedFrom");
        copy.timestampFromEpochNanos(nanos("issuedAtNs"));
        if (nanos("expiresAtNs") == 0)
        {
            copy.nullField();
        }
        else
        {
            copy.timestampFromEpochNanos(nanos("expiresAtNs"));
        }
        textOrNull(copy, "idempotencyKey");
        textOrNull(copy, "node");
        copy.text(source).int8(index[0]);
        return true;
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

    private long nanos(final String field)
    {
        try
        {
            return entry.hasNonNull(field) ? Long.parseLong(entry.get(field).asText()) : 0L;
        }
        catch (final NumberFormatException ex)
        {
            return 0L;
        }
    }

    public long sentAtNanos()
    {
        return 0;
    }

    public String unreadableReason()
    {
        return unreadable;
    }

    public Counter rows()
    {
        return rows;
    }
}
