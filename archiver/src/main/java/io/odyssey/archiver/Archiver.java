package io.odyssey.archiver;

import io.odyssey.journal.JournalLayout;
import io.odyssey.runtime.Health;
import io.odyssey.runtime.HealthCheck;
import io.odyssey.runtime.JdbcUrls;
import io.odyssey.runtime.SecretFile;
import io.odyssey.runtime.StatusServer;
import io.odyssey.runtime.WritableDirectory;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A running archiver: the database (the configured one, or an embedded PostgreSQL), its schema brought up to date,
 * the ingest node's telemetry journal, the {@link JournalArchiver} thread, and the status endpoint.
 * <p>
 * Health: {@code database} is DOWN while the last attempt failed, {@code lag} is DOWN while the oldest unarchived
 * entry is older than {@code ODYSSEY_ARCHIVER_MAX_LAG_S}. Start-up waits for neither: with the database down the
 * archiver starts, reports it, and catches up when it returns (the schema is migrated on the first connection).
 */
public final class Archiver implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Archiver.class);
    private static final long STOP_TIMEOUT_MS = 10_000;

    private final ArchiverConfig config;
    private final EmbeddedDatabase embedded;
    private final SingleChronicleQueue queue;
    private final SingleChronicleQueue alertQueue;
    private final JournalArchiver archiver;
    private final JournalArchiver alertArchiver;
    private final SingleChronicleQueue commandQueue;
    private final JournalArchiver commandArchiver;
    private final Thread commandThread;
    private final Thread thread;
    private final Thread alertThread;
    private final StatusServer status;
    private final ArchiverMetrics metrics;
    private final String jdbcUrl;
    private boolean closed;

    private Archiver(
        final ArchiverConfig config,
        final EmbeddedDatabase embedded,
        final SingleChronicleQueue queue,
        final SingleChronicleQueue alertQueue,
        final JournalArchiver archiver,
        final JournalArchiver alertArchiver,
        final Thread thread,
        final Thread alertThread,
        final StatusServer status,
        final ArchiverMetrics metrics,
        final String jdbcUrl,
        final SingleChronicleQueue commandQueue,
        final JournalArchiver commandArchiver,
        final Thread commandThread)
    {
        this.commandQueue = commandQueue;
        this.commandArchiver = commandArchiver;
        this.commandThread = commandThread;
        this.config = config;
        this.embedded = embedded;
        this.queue = queue;
        this.alertQueue = alertQueue;
        this.archiver = archiver;
        this.alertArchiver = alertArchiver;
        this.thread = thread;
        this.alertThread = alertThread;
        this.status = status;
        this.metrics = metrics;
        this.jdbcUrl = jdbcUrl;
    }

    public static Archiver launch(final ArchiverConfig config) throws Exception
    {
        config.conclude();
        // It records how far it has archived beside the journal (for retention), and the embedded database keeps its
        // files in its own directory: either unwritable is a reason not to start.
        WritableDirectory.require(ArchiverConfig.JOURNAL_DIR, config.journalRoot());
        if (config.embeddedDatabase())
        {
            WritableDirectory.require(ArchiverConfig.EMBEDDED_DB_DIR, Path.of(config.embeddedDbDir));
        }
        final ArchiverMetrics metrics = new ArchiverMetrics();
        EmbeddedDatabase embedded = null;
        SingleChronicleQueue queue = null;
        SingleChronicleQueue alertQueue = null;
        SingleChronicleQueue commandQueue = null;
        StatusServer status = null;
        try
        {
            if (config.embeddedDatabase())
            {
                // The superuser's password, generated once and kept owner-only: the database asks every connection for it.
                final String password = java.util.HexFormat.of().formatHex(SecretFile.readOrCreate(
                    ArchiverConfig.EMBEDDED_DB_PASSWORD_FILE, config.embeddedDbPasswordPath(), 16));
                embedded = EmbeddedDatabase.start(Path.of(config.embeddedDbDir).toAbsolutePath(), config.embeddedDbPort,
                    "fast".equals(config.embeddedDbDurability), password);
                // The superuser makes the two roles (once; later starts find them) and is used for nothing else: the
                // archiver works as its own role, the gateway's history API reads as the other. Their passwords are
                // generated once beside the data, owner-only, where ./odyssey up finds them for the other processes.
                final String archiverPassword = java.util.HexFormat.of().formatHex(SecretFile.readOrCreate(
                    ArchiverConfig.EMBEDDED_DB_DIR, config.embeddedArchiverPasswordPath(), 16));
                final String historyPassword = java.util.HexFormat.of().formatHex(SecretFile.readOrCreate(
                    ArchiverConfig.EMBEDDED_DB_DIR, config.embeddedHistoryPasswordPath(), 16));
                embedded.prepareRoles(password, DatabaseRoles.archiverRole(config, archiverPassword),
                    DatabaseRoles.historyRole(config, historyPassword));
                config.dbPassword = archiverPassword;
            }
            final String url = embedded != null ? embedded.jdbcUrl() : config.dbUrl;
            final Path telemetryDir = config.journalRoot().resolve(JournalLayout.TELEMETRY);
            Files.createDirectories(telemetryDir);
            // The roll cycle is the writer's: an existing queue's metadata overrides this default.
            queue = SingleChronicleQueueBuilder.single(telemetryDir.toFile()).rollCycle(RollCycles.FAST_HOURLY).build();
            final Path alertsDir = config.journalRoot().resolve(JournalLayout.ALERTS);
            Files.createDirectories(alertsDir);
            alertQueue = SingleChronicleQueueBuilder.single(alertsDir.toFile()).rollCycle(RollCycles.FAST_HOURLY).build();

            final Path commandsDir = config.journalRoot().resolve(JournalLayout.COMMANDS);
            Files.createDirectories(commandsDir);
            commandQueue = SingleChronicleQueueBuilder.single(commandsDir.toFile()).rollCycle(RollCycles.FAST_HOURLY).build();

            final Migrations migrations = new Migrations(config.retentionDays);
            // The schema first (once per process), so a failed migration leaves no connection behind.
            final JournalArchiver.ConnectionFactory connections = () ->
            {
                migrations.ensure(url, config);
                return connect(url, config);
            };
            final JournalArchiver archiver = new JournalArchiver(config, connections, queue,
                new TelemetryTable(metrics.rows, metrics.partitionStrays), metrics);
            final JournalArchiver alertArchiver = new JournalArchiver(config, connections, alertQueue,
                new AlertEventsTable(config.name, metrics.alertEvents), metrics);
            final JournalArchiver commandArchiver = new JournalArchiver(config, connections, commandQueue,
                new CommandTransitionsTable(config.name, metrics.commandTransitions), metrics);
            metrics.metrics.gauge("odyssey_archiver_commands_lag_entries",
                "Command journal entries not yet in the database", commandArchiver::lagEntries);

            metrics.metrics.gauge("odyssey_archiver_lag_entries", "Journal entries not yet in the database",
                archiver::lagEntries);
            metrics.metrics.gauge("odyssey_archiver_lag_seconds", "Age of the oldest entry not yet in the database",
                () -> archiver.lagNanos() / 1e9);
            metrics.metrics.gauge("odyssey_archiver_alerts_lag_entries", "Alert journal entries not yet in the database",
                alertArchiver::lagEntries);
            metrics.metrics.gauge("odyssey_archiver_db_connected", "1 while connected to the database",
                () -> archiver.connected() && alertArchiver.connected() ? 1 : 0);
            // Live while its threads make progress (waits on the database allowed for); the database and the lag are
            // readiness: an archiver waiting for its database catches up by itself once it is back.
            final Health health = new Health(metrics.metrics.role());
            for (final JournalArchiver loop : new JournalArchiver[]{archiver, alertArchiver, commandArchiver})
            {
                health.live(loop.progress().name(), loop.progress());
            }
            health.ready("database", () ->
            {
                final JournalArchiver down = !archiver.connected() ? archiver : !alertArchiver.connected() ? alertArchiver :
                    !commandArchiver.connected() ? commandArchiver : null;
                return down == null ? HealthCheck.Result.up(JdbcUrls.redacted(url)) : HealthCheck.Result.down(JdbcUrls.redacted(url) + ": " +
                    (down.lastError() == null ? "connecting" : down.lastError()));
            });
            health.ready("lag", () ->
            {
                final long lagS = TimeUnit.NANOSECONDS.toSeconds(archiver.lagNanos());
                final String detail = archiver.lagEntries() + " entries, " + lagS + " s behind";
                return lagS > config.maxLagS ? HealthCheck.Result.down(detail) : HealthCheck.Result.up(detail);
            });
            final Thread thread = new Thread(archiver, "archiver-" + config.name);
            thread.start();
            final Thread alertThread = new Thread(alertArchiver, "archiver-" + config.name + "-alerts");
            alertThread.start();
            final Thread commandThread = new Thread(commandArchiver, "archiver-" + config.name + "-commands");
            commandThread.start();
            status = new StatusServer(config.statusHost, config.statusPort, metrics.metrics, health);
            LOG.info("archiver '{}' tailing {} into {}", config.name, telemetryDir, JdbcUrls.redacted(url));
            return new Archiver(config, embedded, queue, alertQueue, archiver, alertArchiver, thread, alertThread, status,
                metrics, url, commandQueue, commandArchiver, commandThread);
        }
        catch (final Exception | Error ex)
        {
            CloseHelper.quietCloseAll(status, queue, alertQueue, commandQueue, embedded);
            throw ex;
        }
    }

    static Connection connect(final String url, final ArchiverConfig config) throws SQLException
    {
        final Properties properties = new Properties();
        properties.setProperty("user", config.dbUser);
        properties.setProperty("password", config.dbPassword);
        // A database that went away must fail fast, not hang the loop: the journal is the buffer.
        properties.setProperty("connectTimeout", "5");
        properties.setProperty("socketTimeout", "60");
        properties.setProperty("tcpKeepAlive", "true");
        properties.setProperty("ApplicationName", "odyssey-" + config.name);
        return DriverManager.getConnection(url, properties);
    }


    /** Rows committed so far by this process. */
    public long rowsArchived()
    {
        return metrics.rows.get();
    }

    /** Command-ledger transitions committed so far by this process. */
    public long commandTransitionsArchived()
    {
        return metrics.commandTransitions.get();
    }

    /** Alert raises and clears committed so far by this process. */
    public long alertEventsArchived()
    {
        return metrics.alertEvents.get();
    }

    /** Journal entries (of every queue) moved to the dead letters by this process. */
    public long deadLetters()
    {
        return metrics.deadLettersTotal();
    }

    public long duplicatesSkipped()
    {
        return metrics.duplicates.get();
    }

    public long databaseFailures()
    {
        return metrics.dbFailures.get();
    }

    public long lagEntries()
    {
        return archiver.lagEntries();
    }

    public boolean databaseConnected()
    {
        return archiver.connected();
    }

    public String jdbcUrl()
    {
        return jdbcUrl;
    }

    public int statusPort()
    {
        return status.port();
    }

    public void close() throws Exception
    {
        if (closed)
        {
            return;
        }
        closed = true;
        CloseHelper.quietClose(status);
        archiver.stop();
        alertArchiver.stop();
        commandArchiver.stop();
        for (final Thread worker : new Thread[]{thread, alertThread, commandThread})
        {
            worker.join(STOP_TIMEOUT_MS);
            if (worker.isAlive())
            {
                LOG.warn("archiver thread {} did not stop within {} ms", worker.getName(), STOP_TIMEOUT_MS);
            }
        }
        CloseHelper.quietClose(queue);
        CloseHelper.quietClose(alertQueue);
        CloseHelper.quietClose(commandQueue);
        CloseHelper.quietClose(embedded);
    }
}
