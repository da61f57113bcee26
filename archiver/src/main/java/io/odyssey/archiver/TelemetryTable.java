package io.odyssey.archiver;

import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.codecs.sbe.TelemetryDecoder;
import io.odyssey.journal.JournalEntry;
import io.odyssey.journal.JournalLayout;
import io.odyssey.runtime.Counter;
import net.openhft.chronicle.queue.ExcerptTailer;

import java.sql.Connection;
import java.sql.SQLException;

/** Accepted telemetry frames as rows of {@code telemetry}; nothing allocated per row. */
final class TelemetryTable implements ArchiveTable
{
    static final String COLUMNS = "time, received_at, drone_id, seq, lat, lon, alt_m, heading_deg, speed_mps, " +
        "climb_mps, battery_pct, status, flags, journal_index";

    private final JournalEntry entry = JournalEntry.telemetry();
    private final TelemetryFrameReader reader = new TelemetryFrameReader();
    private final Counter rows;
    private final TelemetryPartitions.Strays strays;

    TelemetryTable(final Counter rows, final TelemetryPartitions.Strays strays)
    {
        this.rows = rows;
        this.strays = strays;
    }

    public String queue()
    {
        return JournalLayout.TELEMETRY;
    }

    public String table()
    {
        return "telemetry";
    }

    public String columns()
    {
        return COLUMNS;
    }

    public int fields()
    {
        return 14;
    }

    /** The archiver's own name: the telemetry position predates the other queues. */
    public String positionName(final String archiverName)
    {
        return archiverName;
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
        return entry.receivedAtNanos();
    }

    public boolean encode(final PgBinaryCopy copy)
    {
        if (reader.read(entry.frame(), 0, entry.frameLength()) != TelemetryFrameReader.TELEMETRY)
        {
            // Everything a frame the reader accepts holds fits its column (any long is a valid timestamp, NaN a valid
            // real): only an unreadable entry is refused here; the database's own refusals are found by the archiver.
            return false;
        }
        final TelemetryDecoder t = reader.telemetry();
        copy.row(fields())
            .timestampFromEpochNanos(t.sentAtNanos())
            .timestampFromEpochNanos(entry.receivedAtNanos())
            .int8(t.droneId())
            .int8(t.sequence())
            .float8(t.latitude())
            .float8(t.longitude())
            .float4(t.altitude())
            .float4(t.heading())
            .float4(t.groundSpeed())
            .float4(reader.climbRate())
            .float4(t.battery())
            .int2((short)reader.statusCode())
            .int2((short)(t.flags().getRaw() & 0xFF))
            .int8(entry.index());
        return true;
    }

    public long sentAtNanos()
    {
        return reader.telemetry().sentAtNanos();
    }

    public DeadLetterReason refusal()
    {
        return DeadLetterReason.UNREADABLE;
    }

    public String refusalCause()
    {
        return entry.frameLength() == 0 ? "an empty or truncated journal entry" :
            "not a valid telemetry frame: " + reader.rejectReason();
    }

    public Counter rows()
    {
        return rows;
    }

    public void maintain(final Connection connection, final int retentionDays) throws SQLException
    {
        TelemetryPartitions.maintain(connection, TelemetryPartitions.todayUtc(), retentionDays, strays);
    }
}
