package io.odyssey.ingest;

import io.odyssey.journal.AlertJournal;
import io.odyssey.journal.CommandJournal;
import io.odyssey.journal.JournalNotWritableException;
import io.odyssey.journal.JournalRetention;
import io.odyssey.journal.TelemetryJournal;
import io.odyssey.runtime.Component;
import io.odyssey.runtime.ConfigurationException;
import io.odyssey.runtime.WritableDirectory;
import org.agrona.CloseHelper;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The node's journals under one root: telemetry (with its quarantine), alerts and commands, and the retention that
 * deletes their old cycles (run by {@link Housekeeping}). Telemetry is appended by the ingest thread; the journal's
 * health is reported there, where failing appends are seen first.
 */
final class IngestJournals implements Component
{
    private final Path root;
    private final EdgeIngestConfig config;
    private final IngestMetrics metrics;
    private TelemetryJournal telemetry;
    private AlertJournal alerts;
    private CommandJournal commands;
    private long telemetryEndAtStart;
    private JournalRetention retention;

    IngestJournals(final Path root, final EdgeIngestConfig config, final IngestMetrics metrics)
    {
        this.root = root;
        this.config = config;
        this.metrics = metrics;
    }

    public String name()
    {
        return "journals";
    }

    public void start() throws IOException
    {
        telemetry = openTelemetry();
        // Where the alert monitor begins on a journal it has never evaluated: after what was there before us.
        telemetryEndAtStart = telemetry.telemetryQueue().lastIndex();
        alerts = new AlertJournal(root, config.rollCycle());
        commands = new CommandJournal(root, config.rollCycle());
        retention = new JournalRetention(root, config.journalRetentionHours, System::currentTimeMillis,
            telemetry.telemetryQueue(), telemetry.quarantineQueue(), alerts.queue(), commands.queue());
        metrics.metrics.gauge("odyssey_ingest_journal_stale_archiver_records",
            "Archiver records not written for longer than the journal retention: each holds its queue's cycles back " +
                "(an archiver retired or renamed: delete its record)", () -> retention.staleRecords());
        // A full journal disk stops journaling (the frames still reach the map, unjournaled): say so before it is full.
        final FileStore store = Files.getFileStore(root);
        metrics.metrics.gauge("odyssey_ingest_journal_disk_free_bytes",
            "Bytes this node's journal directory can still use on its file system", () -> usableBytes(store));
        metrics.metrics.gauge("odyssey_ingest_journal_disk_size_bytes",
            "Size of the file system holding this node's journal directory", () -> totalBytes(store));
    }

    private TelemetryJournal openTelemetry()
    {
        try
        {
            return new TelemetryJournal(root, config.rollCycle());
        }
        catch (final JournalNotWritableException ex)
        {
            throw new ConfigurationException(EdgeIngestConfig.JOURNAL_DIR.envName() + ": " + ex.getMessage() + " as " +
                WritableDirectory.currentUser());
        }
    }

    public String describe()
    {
        return "at " + root + " (roll cycle " + config.journalRollCycle + ", retention " +
            (config.journalRetentionHours == 0 ? "forever" : config.journalRetentionHours + " h") + ")";
    }

    Path root()
    {
        return root;
    }

    TelemetryJournal telemetry()
    {
        return telemetry;
    }

    AlertJournal alerts()
    {
        return alerts;
    }

    CommandJournal commands()
    {
        return commands;
    }

    /** Deletes the cycles past the retention (none when it keeps everything); how many it deleted. */
    long deleteExpired()
    {
        return retention.run();
    }

    /** The telemetry journal's last index when this node started. */
    long telemetryEndAtStart()
    {
        return telemetryEndAtStart;
    }

    public void stop()
    {
        CloseHelper.quietCloseAll(commands, alerts, telemetry);
    }

    /** NaN when the file system cannot say (a scrape shows the gap rather than a made-up figure). */
    private static double usableBytes(final FileStore store)
    {
        try
        {
            return store.getUsableSpace();
        }
        catch (final IOException ex)
        {
            return Double.NaN;
        }
    }

    private static double totalBytes(final FileStore store)
    {
        try
        {
            return store.getTotalSpace();
        }
        catch (final IOException ex)
        {
            return Double.NaN;
        }
    }
}
