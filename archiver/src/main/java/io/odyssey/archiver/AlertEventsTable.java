package io.odyssey.archiver;

import io.odyssey.journal.AlertType;
import io.odyssey.journal.AlertJournal;
import io.odyssey.journal.JournalLayout;
import io.odyssey.runtime.Counter;
import net.openhft.chronicle.queue.ExcerptTailer;

import java.nio.charset.StandardCharsets;

/**
 * Alert raises and clears as rows of {@code alert_events} (the view {@code alerts} pairs each raise with its clear).
 * The text columns come from a fixed set of names, encoded once.
 */
final class AlertEventsTable implements ArchiveTable
{
    static final String COLUMNS = "time, event, alert_type, drone_id, other_drone_id, telemetry_index, value, source, " +
        "journal_index";
    private static final byte[] RAISED = "raised".getBytes(StandardCharsets.UTF_8);
    private static final byte[] CLEARED = "cleared".getBytes(StandardCharsets.UTF_8);
    private static final byte[] HANDED_OVER = "handed_over".getBytes(StandardCharsets.UTF_8);
    private static final byte[][] TYPES;

    static
    {
        TYPES = new byte[AlertType.values().length][];
        for (final AlertType type : AlertType.values())
        {
            TYPES[type.ordinal()] = type.name().getBytes(StandardCharsets.UTF_8);
        }
    }

    private final AlertJournal.Entry entry = new AlertJournal.Entry();
    private final byte[] source;
    private final Counter rows;

    AlertEventsTable(final String archiverName, final Counter rows)
    {
        this.source = archiverName.getBytes(StandardCharsets.UTF_8);
        this.rows = rows;
    }

    public String queue()
    {
        return JournalLayout.ALERTS;
    }

    public String table()
    {
        return "alert_events";
    }

    public String columns()
    {
        return COLUMNS;
    }

    public int fields()
    {
        return 9;
    }

    public String positionName(final String archiverName)
    {
        return archiverName + ":" + JournalLayout.ALERTS;
    }

    public boolean readNext(final ExcerptTailer tailer)
    {
        return entry.readNext(tailer);
    }

    public long index()
    {
        return entry.index();
    }

    public long receivedAtNanos()
    {
        return entry.atNanos();
    }

    public boolean encode(final PgBinaryCopy copy)
    {
        if (!entry.complete() || entry.type() < 0 || entry.type() >= TYPES.length || eventName() == null)
        {
            return false;
        }
        copy.row(fields())
            .timestampFromEpochNanos(entry.atNanos())
            .text(eventName())
            .text(TYPES[entry.type()])
            .int8(entry.droneId());
        if (entry.otherDroneId() == 0)
        {
            copy.nullField();
        }
        else
        {
            copy.int8(entry.otherDroneId());
        }
        copy.int8(entry.telemetryIndex());
        if (Double.isNaN(entry.value()))
        {
            copy.nullField();
        }
        else
        {
            copy.float8(entry.value());
        }
        copy.text(source).int8(entry.index());
        return true;
    }

    public long sentAtNanos()
    {
        return 0;
    }

    /** The {@code event} column for the entry's event code; null for a code this archiver does not know. */
    private byte[] eventName()
    {
        return switch (entry.event())
        {
            case JournalLayout.ALERT_RAISED, JournalLayout.ALERT_RAISED_ACROSS_NODES -> RAISED;
            case JournalLayout.ALERT_CLEARED, JournalLayout.ALERT_CLEARED_ACROSS_NODES -> CLEARED;
            case JournalLayout.ALERT_HANDED_OVER -> HANDED_OVER;
            default -> null;
        };
    }

    public DeadLetterReason refusal()
    {
        return DeadLetterReason.UNREADABLE;
    }

    public String refusalCause()
    {
        if (!entry.complete())
        {
            return "a truncated alert entry";
        }
        return entry.type() < 0 || entry.type() >= TYPES.length ? "unknown alert type " + entry.type() :
            "unknown alert event " + entry.event();
    }

    public Counter rows()
    {
        return rows;
    }
}
