package io.odyssey.archiver;

import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.journal.TelemetryJournal;
import io.odyssey.testing.FailOnErrorLog;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Exactly once under crashes: the archiver runs as a child process ({@code java -jar}) and is killed with
 * {@code kill -9} at random moments, over and over, while frames keep arriving in the journal. Afterwards the database
 * holds every journaled frame exactly once.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ArchiverCrashIT
{
    private static final int DRONES = 500;
    private static final int KILLS = 8;

    @TempDir
    Path journal;

    @Test
    void shouldStoreEveryFrameExactlyOnceThroughRepeatedKills() throws Exception
    {
        try (LocalPostgres postgres = LocalPostgres.start())
        {
            final String url = postgres.createDatabase("archiver_crash_it");
            final AtomicLong appended = new AtomicLong();
            final Thread writer = new Thread(() -> appendFrames(appended, 40_000), "journal-writer");
            writer.start();

            final Random random = new Random(1234);
            for (int kill = 0; kill < KILLS; kill++)
            {
                final Process archiver = startArchiver(url);
                // A random moment: between, and inside, the archiver's transactions.
                Thread.sleep(600 + random.nextInt(1_200));
                archiver.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            writer.join();

            final Process last = startArchiver(url);
            try
            {
                // Done when the archiver's committed position accounts for every frame. On a loaded machine none of
                // the killed runs may have lived long enough to create the schema: until this one has, there is no
                // table to ask.
                await().atMost(180, TimeUnit.SECONDS).pollInterval(250, TimeUnit.MILLISECONDS)
                    .ignoreExceptionsInstanceOf(java.sql.SQLException.class).until(() ->
                    count(url, "SELECT coalesce(max(rows_archived), 0) FROM archiver_position WHERE name = 'archiver-crash'")
                        >= appended.get());
            }
            finally
            {
                last.destroy();
                last.waitFor(20, TimeUnit.SECONDS);
            }
            assertThat(count(url, "SELECT count(*) FROM telemetry")).isEqualTo(appended.get());
            assertThat(count(url, "SELECT count(DISTINCT (drone_id, seq)) FROM telemetry")).isEqualTo(appended.get());
            assertThat(count(url, "SELECT rows_archived FROM archiver_position WHERE name = 'archiver-crash'"))
                .as("the position row counted every committed row once").isEqualTo(appended.get());
        }
    }

    private void appendFrames(final AtomicLong appended, final int total)
    {
        final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
        final TelemetryFrameWriter writer = new TelemetryFrameWriter();
        try (TelemetryJournal telemetry = new TelemetryJournal(journal, RollCycles.FAST_HOURLY))
        {
            for (int i = 0; i < total; i++)
            {
                final long now = System.currentTimeMillis() * 1_000_000L;
                telemetry.appendTelemetry(frame, 0, writer.telemetry(frame, 0, 1 + i % DRONES, 1 + i / DRONES, now,
                    52.0 + (i % DRONES) * 1e-4, 13.0, 100f, 90f, 10f, 80f, DroneStatus.CRUISING, (byte)0, 0f), now);
                appended.incrementAndGet();
                if (i % 100 == 99)
                {
                    Thread.sleep(25); // ~4k frames/s: the journal keeps growing through all the kills
                }
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private Process startArchiver(final String url) throws Exception
    {
        final ProcessBuilder builder = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar",
            new File("target/odyssey-archiver.jar").getAbsolutePath());
        builder.environment().keySet().removeIf(key -> key.startsWith("ODYSSEY_"));
        builder.environment().put("ODYSSEY_ARCHIVER_NAME", "archiver-crash");
        builder.environment().put("ODYSSEY_ARCHIVER_JOURNAL_DIR", journal.toString());
        builder.environment().put("ODYSSEY_ARCHIVER_DB_URL", url);
        // The test server's superuser (it trusts local logins): this test is about crashes, not roles.
        builder.environment().put("ODYSSEY_ARCHIVER_DB_USER", "postgres");
        builder.environment().put("ODYSSEY_ARCHIVER_STATUS_PORT", "0");
        // Small batches: many commits, so the kills land between and inside transactions.
        builder.environment().put("ODYSSEY_ARCHIVER_BATCH_ROWS", "300");
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(new File("target/archiver-crash-it.log")));
        return builder.start();
    }

    private static long count(final String url, final String query) throws Exception
    {
        try (Connection connection = DriverManager.getConnection(url, "postgres", "");
            Statement sql = connection.createStatement(); ResultSet row = sql.executeQuery(query))
        {
            row.next();
            return row.getLong(1);
        }
    }
}
