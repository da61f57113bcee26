package io.odyssey.archiver;

import io.odyssey.alerts.AlertType;
import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.grid.commands.CommandRecord;
import io.odyssey.grid.commands.CommandUpdate;
import io.odyssey.journal.AlertJournal;
import io.odyssey.journal.CommandJournal;
import io.odyssey.journal.JournalLayout;
import io.odyssey.journal.TelemetryJournal;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Poison entries against a real PostgreSQL: an entry the database cannot take, in any journal the archiver reads,
 * goes to {@code dead_letters} with its cause and its bytes, is counted, and everything around it is archived exactly
 * once; the archiver stays healthy and its position moves past it, and a restart (even one that lost its position)
 * does not store it twice.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ArchiverPoisonIT
{
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static final long REFUSED_DRONE = 666;
    private static LocalPostgres postgres;

    @TempDir
    Path journalRoot;

    private final HttpClient http = HttpClient.newHttpClient();
    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
    private final TelemetryFrameWriter writer = new TelemetryFrameWriter();
    private String url;
    private long sequence;

    @BeforeAll
    static void startDatabase() throws Exception
    {
        postgres = LocalPostgres.start();
    }

    @AfterAll
    static void stopDatabase() throws Exception
    {
        if (postgres != null)
        {
            postgres.close();
        }
    }

    @BeforeEach
    void freshDatabase() throws SQLException
    {
        url = postgres.createDatabase("archiver_poison_it_" + DATABASES.incrementAndGet());
    }

    @Test
    void shouldDeadLetterACommandTransitionWithANulAndArchiveEveryOtherOnceAcrossRestarts() throws Exception
    {
        final long t0 = System.currentTimeMillis() * 1_000_000L;
        final long lastIndex;
        try (CommandJournal journal = new CommandJournal(journalRoot, RollCycles.FAST_HOURLY))
        {
            journal.append(sent(command(101, "k-101", t0)), 0, "ingest-1");
            // What the API once accepted: an idempotency key holding U+0000, which no text column can store.
            journal.append(command(102, "bad\u0000key", t0), 0, "ingest-1");
            journal.append(sent(command(103, "k-103", t0)), 0, "ingest-1");
            lastIndex = journal.queue().lastIndex();
            try (Archiver archiver = Archiver.launch(config()))
            {
                await().atMost(60, TimeUnit.SECONDS).until(() -> archiver.commandTransitionsArchived() == 4 &&
                    archiver.deadLetters() == 1);
                // Every archiver thread connected, and a dead letter is not an outage.
                await().atMost(30, TimeUnit.SECONDS).until(() -> status(archiver, "/health").statusCode() == 200);
                assertThat(status(archiver, "/metrics").body())
                    .contains("odyssey_archiver_dead_letters_total{role=\"archiver\",queue=\"commands\",reason=\"invalid_text\"} 1\n")
                    .contains("odyssey_archiver_dead_letters_total{role=\"archiver\",queue=\"telemetry\",reason=\"invalid_text\"} 0\n");
                await().atMost(20, TimeUnit.SECONDS).until(() -> queryLong(
                    "SELECT journal_index FROM archiver_position WHERE name = 'archiver-poison:commands'") == lastIndex);
            }
            assertThat(queryLong("SELECT count(*) FROM command_transitions")).isEqualTo(4);
            assertThat(queryLong("SELECT count(DISTINCT command_id) FROM command_transitions")).isEqualTo(2);
            assertThat(queryLong("SELECT count(*) FROM command_transitions WHERE command_id = 102")).isZero();
            assertThat(queryString("SELECT queue || ' ' || reason || ' ' || cause FROM dead_letters"))
                .isEqualTo("commands invalid_text idempotencyKey contains U+0000 at character 3");
            assertThat(new String(queryBytes("SELECT entry FROM dead_letters"), StandardCharsets.UTF_8))
                .as("the entry as journaled").contains("\"commandId\":\"102\"").contains("\"idempotencyKey\":\"bad\\u0000key\"");
            assertThat(queryLong("SELECT journal_index FROM dead_letters")).isEqualTo(journalIndexOfEntry(journal.queue(), 2));

            // A restart: only what is new is archived; the dead letter stays one.
            journal.append(sent(command(104, "k-104", t0)), 0, "ingest-1");
            try (Archiver archiver = Archiver.launch(config()))
            {
                await().atMost(60, TimeUnit.SECONDS).until(() -> archiver.commandTransitionsArchived() == 2);
                assertThat(archiver.deadLetters()).isZero();
            }
            // A restart that lost its position (a restored backup) reads the journal again from its start.
            execute("UPDATE archiver_position SET journal_index = -1 WHERE name = 'archiver-poison:commands'");
            try (Archiver archiver = Archiver.launch(config()))
            {
                await().atMost(60, TimeUnit.SECONDS).until(() -> archiver.duplicatesSkipped() == 7);
                assertThat(archiver.commandTransitionsArchived()).isZero();
                assertThat(archiver.deadLetters()).as("the dead letter was there already").isZero();
            }
        }
        assertThat(queryLong("SELECT count(*) FROM command_transitions")).isEqualTo(6);
        assertThat(queryLong("SELECT count(*) FROM dead_letters")).as("never stored twice").isEqualTo(1);
        assertThat(queryLong("SELECT count(*) FROM commands")).as("the views still answer").isEqualTo(3);
    }

    @Test
    void shouldFindTelemetryRowsTheDatabaseRefusesInsideABatchAndStoreTheRest() throws Exception
    {
        migrate();
        // A refusal nothing in the archiver can predict (here a constraint an operator added; in the field e.g. a
        // TimescaleDB limit): found by splitting the batch, not by a check of ours.
        execute("ALTER TABLE telemetry ADD CONSTRAINT no_drone_666 CHECK (drone_id <> " + REFUSED_DRONE + ")");
        final List<Long> refusedIndexes = new ArrayList<>();
        try (TelemetryJournal journal = new TelemetryJournal(journalRoot, RollCycles.FAST_HOURLY))
        {
            append(journal, 41, 50);
            refusedIndexes.add(append(journal, REFUSED_DRONE, 1));
            append(journal, 41, 50);
            refusedIndexes.add(append(journal, REFUSED_DRONE, 1));
            final long last = append(journal, 41, 20);
            try (Archiver archiver = Archiver.launch(config()))
            {
                await().atMost(60, TimeUnit.SECONDS).until(() -> archiver.rowsArchived() == 120 && archiver.deadLetters() == 2);
                await().atMost(20, TimeUnit.SECONDS).until(() -> archiver.lagEntries() == 0);
                await().atMost(30, TimeUnit.SECONDS).until(() -> status(archiver, "/health").statusCode() == 200);
                assertThat(status(archiver, "/metrics").body()).contains(
                    "odyssey_archiver_dead_letters_total{role=\"archiver\",queue=\"telemetry\",reason=\"refused_by_database\"} 2\n");
                assertThat(queryLong("SELECT journal_index FROM archiver_position WHERE name = 'archiver-poison'"))
                    .isEqualTo(last);
            }
        }
        assertThat(queryLong("SELECT count(*) FROM telemetry")).isEqualTo(120);
        assertThat(queryLong("SELECT count(DISTINCT seq) FROM telemetry")).isEqualTo(120);
        assertThat(queryLong("SELECT count(*) FROM dead_letters WHERE queue = 'telemetry' AND reason = 'refused_by_database' " +
            "AND cause LIKE '23514: %no_drone_666%'")).isEqualTo(2);
        assertThat(queryLong("SELECT min(journal_index) FROM dead_letters")).isEqualTo(refusedIndexes.get(0));
        assertThat(queryLong("SELECT max(journal_index) FROM dead_letters")).isEqualTo(refusedIndexes.get(1));
        // The bytes are the journal entry: receive time, then the frame, which still reads as drone 666's telemetry.
        final byte[] entry = queryBytes("SELECT entry FROM dead_letters ORDER BY journal_index LIMIT 1");
        final TelemetryFrameReader reader = new TelemetryFrameReader();
        assertThat(reader.read(new UnsafeBuffer(entry), JournalLayout.TELEMETRY_FRAME_OFFSET,
            entry.length - JournalLayout.TELEMETRY_FRAME_OFFSET)).isEqualTo(TelemetryFrameReader.TELEMETRY);
        assertThat(reader.telemetry().droneId()).isEqualTo(REFUSED_DRONE);
        assertThat(ByteBuffer.wrap(entry).order(ByteOrder.LITTLE_ENDIAN).getLong(0)).as("receive time").isPositive();
    }

    @Test
    void shouldDeadLetterUnreadableAlertEntriesAndArchiveTheOthers() throws Exception
    {
        final long t0 = System.currentTimeMillis() * 1_000_000L;
        try (AlertJournal alerts = new AlertJournal(journalRoot, RollCycles.FAST_HOURLY))
        {
            alerts.append(JournalLayout.ALERT_RAISED, AlertType.LOW_BATTERY.ordinal(), 5, 0, t0, 100, 100, 19.5);
            alerts.append(JournalLayout.ALERT_RAISED, 99, 5, 0, t0, 101, 101, 1.0);
            appendRaw(alerts.queue(), new byte[]{JournalLayout.ALERT_CLEARED, 1, 2});
            alerts.append(JournalLayout.ALERT_CLEARED, AlertType.LOW_BATTERY.ordinal(), 5, 0, t0 + 1_000_000_000L, 102,
                102, 26.0);
            try (Archiver archiver = Archiver.launch(config()))
            {
                await().atMost(60, TimeUnit.SECONDS).until(() -> archiver.alertEventsArchived() == 2 &&
                    archiver.deadLetters() == 2);
                assertThat(status(archiver, "/metrics").body()).contains(
                    "odyssey_archiver_dead_letters_total{role=\"archiver\",queue=\"alerts\",reason=\"unreadable\"} 2\n");
            }
        }
        assertThat(queryLong("SELECT count(*) FROM alerts WHERE alert_type = 'LOW_BATTERY' AND cleared_at IS NOT NULL"))
            .isEqualTo(1);
        assertThat(queryString("SELECT string_agg(cause, ' | ' ORDER BY journal_index) FROM dead_letters " +
            "WHERE queue = 'alerts' AND reason = 'unreadable'")).isEqualTo("unknown alert type 99 | a truncated alert entry");
        assertThat(queryLong("SELECT length(entry) FROM dead_letters ORDER BY journal_index DESC LIMIT 1")).isEqualTo(3);
    }

    private static CommandRecord command(final long id, final String idempotencyKey, final long t0)
    {
        return CommandRecord.issued(id, 12, "hold", "{}", idempotencyKey, "ops", "10.0.0.7", t0, t0 + 300_000_000_000L);
    }

    private static CommandRecord sent(final CommandRecord command)
    {
        return CommandUpdate.sent("ingest-1", command.issuedAtNanos() + 1_000_000L).apply(command);
    }

    /** The index of the n-th entry (0-based) of a queue. */
    private static long journalIndexOfEntry(final SingleChronicleQueue queue, final int n)
    {
        final var tailer = queue.createTailer();
        long index = -1;
        for (int i = 0; i <= n; i++)
        {
            try (DocumentContext entry = tailer.readingDocument())
            {
                index = entry.index();
            }
        }
        return index;
    }

    private static void appendRaw(final SingleChronicleQueue queue, final byte[] bytes)
    {
        final ExcerptAppender appender = queue.createAppender();
        try (DocumentContext entry = appender.writingDocument())
        {
            entry.wire().bytes().write(bytes);
        }
    }

    /** The schema, as the archiver lays it out on its first connection. */
    private void migrate() throws Exception
    {
        try (Archiver ignored = Archiver.launch(config()))
        {
            await().atMost(60, TimeUnit.SECONDS).ignoreExceptions().until(() ->
                queryLong("SELECT count(*) FROM archiver_position") == 3);
        }
    }

    /** @return the journal index of the last frame appended. */
    private long append(final TelemetryJournal journal, final long drone, final int count)
    {
        long index = -1;
        for (int i = 0; i < count; i++)
        {
            final long sentAt = System.currentTimeMillis() * 1_000_000L;
            final int length = writer.telemetry(frame, 0, drone, ++sequence, sentAt, 52.5, 13.4, 100f, 90f, 10f, 70f,
                DroneStatus.CRUISING, (byte)0, 0f);
            index = journal.appendTelemetry(frame, 0, length, sentAt + 1_000_000L);
        }
        return index;
    }

    private ArchiverConfig config()
    {
        final ArchiverConfig config = new ArchiverConfig();
        config.name = "archiver-poison";
        config.journalDir = journalRoot.toString();
        config.dbUrl = url;
        config.dbUser = "postgres";
        config.statusPort = 0;
        config.batchRows = 128;
        config.maxRetryMs = 500;
        return config;
    }

    private HttpResponse<String> status(final Archiver archiver, final String path) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + archiver.statusPort() + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private Connection connect() throws SQLException
    {
        return DriverManager.getConnection(url, "postgres", "");
    }

    private long queryLong(final String query) throws SQLException
    {
        try (Connection connection = connect(); Statement sql = connection.createStatement();
            ResultSet row = sql.executeQuery(query))
        {
            row.next();
            return row.getLong(1);
        }
    }

    private String queryString(final String query) throws SQLException
    {
        try (Connection connection = connect(); Statement sql = connection.createStatement();
            ResultSet row = sql.executeQuery(query))
        {
            row.next();
            return row.getString(1);
        }
    }

    private byte[] queryBytes(final String query) throws SQLException
    {
        try (Connection connection = connect(); Statement sql = connection.createStatement();
            ResultSet row = sql.executeQuery(query))
        {
            row.next();
            return row.getBytes(1);
        }
    }

    private void execute(final String statement) throws SQLException
    {
        try (Connection connection = connect(); Statement sql = connection.createStatement())
        {
            sql.execute(statement);
        }
    }
}
