package io.odyssey.system;

import io.odyssey.archiver.Archiver;
import io.odyssey.archiver.ArchiverConfig;
import io.odyssey.archiver.LocalPostgres;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.journal.TelemetryJournal;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;

import static io.odyssey.system.DeploymentFiles.ROOT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The backup and restore procedure of docs/operations.md ("Backups"), tried with its scripts against the machine's
 * PostgreSQL + PostGIS and a real journal and archiver: the archive is dumped and the journal saved, more telemetry
 * arrives, the database is lost; the dump restored into a new database holds what it held, and the archiver, pointed
 * at it and at the journal, fills in what came after the dump (nothing twice). The saved journal, restored into an
 * empty directory, is read to the last frame by an archiver of its own.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class BackupRestoreIT
{
    private static final Instant T0 = Instant.now().minus(20, ChronoUnit.MINUTES).truncatedTo(ChronoUnit.SECONDS);
    private static final String ARCHIVER = "archiver-backup-it";

    @TempDir
    static Path dir;
    private static LocalPostgres postgres;

    @BeforeAll
    static void start() throws Exception
    {
        postgres = LocalPostgres.start();
    }

    @AfterAll
    static void stop() throws Exception
    {
        if (postgres != null)
        {
            postgres.close();
        }
    }

    @Test
    void shouldRestoreTheArchiveAndTheJournalAndLetTheArchiverCatchUpExactlyOnce() throws Exception
    {
        final String source = postgres.createDatabase("backup_source");
        final Path journal = dir.resolve("journal");
        append(journal, 0, 100);
        archive(source, journal, ARCHIVER, 200);

        final Path dump = dir.resolve("archive.dump");
        final Path saved = dir.resolve("journal.tar.gz");
        assertThat(script("backup-archive", "dump", "--url", libpq(source), "--out", dump.toString()))
            .contains("telemetry rows 200", "archiver " + ARCHIVER + " at journal index");
        assertThat(script("backup-journal", "save", "--journal", journal.toString(), "--out", saved.toString()))
            .contains("saved to " + saved);

        // Life goes on after the backup, then the database is lost.
        append(journal, 100, 25);
        archive(source, journal, ARCHIVER, 50);
        assertThat(count(source, "SELECT count(*) FROM telemetry")).isEqualTo(250);

        final String restored = postgres.createDatabase("backup_restored");
        assertThat(script("backup-archive", "restore", "--url", libpq(restored), "--in", dump.toString()))
            .contains("telemetry rows 200");
        assertThat(count(restored, "SELECT count(*) FROM telemetry")).isEqualTo(200);
        // The archiver resumes at the restored position: the 50 frames after the dump, none of the 200 again.
        archive(restored, journal, ARCHIVER, 50);
        assertThat(count(restored, "SELECT count(*) FROM telemetry")).isEqualTo(250);
        assertThat(count(restored, "SELECT count(DISTINCT (drone_id, seq)) FROM telemetry")).isEqualTo(250);
        // A restore never lands on a database that holds an archive already.
        final DeploymentFiles.Output again = DeploymentFiles.execute(ROOT, ROOT.resolve("scripts/backup-archive").toString(),
            "restore", "--url", libpq(restored), "--in", dump.toString());
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("not empty");

        // The saved journal is whole: restored into an empty directory, a fresh archiver reads all 200 frames from it.
        final Path restoredJournal = dir.resolve("restored-journal");
        assertThat(script("backup-journal", "restore", "--in", saved.toString(), "--journal", restoredJournal.toString()))
            .contains("restored into " + restoredJournal);
        final String check = postgres.createDatabase("backup_journal_check");
        archive(check, restoredJournal, "archiver-journal-check", 200);
        assertThat(count(check, "SELECT count(*) FROM telemetry")).isEqualTo(200);
        assertThat(count(check, "SELECT max(seq) FROM telemetry")).isEqualTo(100);
    }

    /** Two drones, {@code frames} frames each, sequences from {@code first + 1}, one second apart. */
    private static void append(final Path journal, final int first, final int frames)
    {
        final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
        final TelemetryFrameWriter writer = new TelemetryFrameWriter();
        try (TelemetryJournal telemetry = new TelemetryJournal(journal, RollCycles.FAST_HOURLY))
        {
            for (int i = first; i < first + frames; i++)
            {
                final Instant at = T0.plusSeconds(i);
                final long nanos = at.getEpochSecond() * 1_000_000_000L;
                for (final long drone : new long[]{7, 8})
                {
                    telemetry.appendTelemetry(frame, 0, writer.telemetry(frame, 0, drone, i + 1, nanos, 52.5 + i * 0.0001,
                        13.4, 40f, 90f, 10f, 90f - i * 0.1f, DroneStatus.CRUISING, (byte)0, 0f), nanos + 1_000_000L);
                }
            }
        }
    }

    /** Runs the archiver on a journal until it has archived {@code rows} rows in this run. */
    private static void archive(final String url, final Path journal, final String name, final long rows) throws Exception
    {
        final ArchiverConfig config = new ArchiverConfig();
        config.name = name;
        config.journalDir = journal.toString();
        config.dbUrl = url;
        config.dbUser = "postgres";
        config.statusPort = 0;
        try (Archiver archiver = Archiver.launch(config))
        {
            await().atMost(90, TimeUnit.SECONDS).until(() -> archiver.rowsArchived() >= rows);
            assertThat(archiver.rowsArchived()).isEqualTo(rows);
        }
    }

    private static long count(final String url, final String query) throws Exception
    {
        try (Connection db = DriverManager.getConnection(url, "postgres", "");
            Statement sql = db.createStatement();
            ResultSet row = sql.executeQuery(query))
        {
            row.next();
            return row.getLong(1);
        }
    }

    /** The JDBC URL as libpq (pg_dump, psql) takes it. */
    private static String libpq(final String jdbcUrl)
    {
        return jdbcUrl.replace("jdbc:postgresql://", "postgresql://postgres@");
    }

    private static String script(final String name, final String... arguments) throws Exception
    {
        final String[] command = new String[arguments.length + 1];
        command[0] = ROOT.resolve("scripts/" + name).toString();
        System.arraycopy(arguments, 0, command, 1, arguments.length);
        final DeploymentFiles.Output output = DeploymentFiles.execute(ROOT, command);
        assertThat(output.exitCode()).as("%s: %s%s", name, output.out(), output.err()).isZero();
        return output.out();
    }
}
