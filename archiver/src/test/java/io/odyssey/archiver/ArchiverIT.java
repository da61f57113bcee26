package io.odyssey.archiver;

import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.testing.FailOnErrorLog;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.journal.AlertType;
import io.odyssey.relay.CommandJournalEntries;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.grid.ledger.CommandUpdate;
import io.odyssey.journal.AlertJournal;
import io.odyssey.journal.CommandJournal;
import io.odyssey.journal.JournalLayout;
import io.odyssey.journal.JournalRetention;
import io.odyssey.journal.TelemetryJournal;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The archiver against a real PostgreSQL with PostGIS (the machine's server, started in a temporary directory): every
 * journaled frame becomes exactly one row, across restarts, a database outage, a lost position and bad entries.
 * Poison entries (one the database cannot take, in any journal) go to {@code dead_letters} with their cause and bytes,
 * are counted, and everything around them is archived exactly once; the archiver stays healthy, its position moves
 * past them, and a restart (even one that lost its position) does not store them twice.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ArchiverIT
{
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static final long REFUSED_DRONE = 666;
    private static LocalPostgres postgres;

    @TempDir
    Path journalRoot;

    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
    private final TelemetryFrameWriter writer = new TelemetryFrameWriter();
    private final HttpClient http = HttpClient.newHttpClient();
    private String url;
    private long sequence;

    private final List<String> counted = new ArrayList<>();
    private final TelemetryPartitions.Strays strays = new TelemetryPartitions.Strays()
    {
        public void moved(final long rows)
        {
            counted.add("moved " + rows);
        }

        public void deleted(final long rows)
        {
            counted.add("deleted " + rows);
        }
    };

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
        url = postgres.createDatabase("archiver_it_" + DATABASES.incrementAndGet());
    }

    @Test
    void shouldArchiveEveryJournaledFrameOnceWithItsValuesAndPositionAcrossARestart() throws Exception
    {
        try (TelemetryJournal journal = journal())
        {
            // Entries of the layout before the clocked one (a journal an older ingest wrote), then clocked ones.
            clocked = false;
            append(journal, 7, 500, 52.52, 13.405);
            clocked = true;
            try (Archiver archiver = Archiver.launch(config()))
            {
                awaitRows(500);
                assertThat(archiver.rowsArchived()).isEqualTo(500);
                assertThat(archiver.databaseConnected()).isTrue();
            }
            append(journal, 8, 300, 48.85, 2.35);
            try (Archiver archiver = Archiver.launch(config()))
            {
                awaitRows(800);
                assertThat(archiver.rowsArchived()).as("only the new entries, after the restart").isEqualTo(300);
                assertThat(archiver.duplicatesSkipped()).isZero();
            }
        }
        assertThat(queryLong("SELECT count(DISTINCT (drone_id, seq)) FROM telemetry")).isEqualTo(800);
        try (Connection connection = connect(); Statement sql = connection.createStatement();
            ResultSet row = sql.executeQuery("SELECT t.lat, t.lon, t.alt_m, t.battery_pct, s.name, t.seq, " +
                "extract(epoch FROM t.received_at - t.time) FROM telemetry t JOIN drone_status s ON s.code = t.status " +
                "WHERE drone_id = 8 ORDER BY seq DESC LIMIT 1"))
        {
            assertThat(row.next()).isTrue();
            assertThat(row.getDouble(1)).isEqualTo(48.85);
            assertThat(row.getDouble(2)).isEqualTo(2.35);
            assertThat(row.getFloat(3)).isEqualTo(120f);
            assertThat(row.getFloat(4)).isEqualTo(77.5f);
            assertThat(row.getString(5)).isEqualTo("CRUISING");
            assertThat(row.getLong(6)).isEqualTo(800);
            assertThat(row.getDouble(7)).as("received 2 ms after sent").isBetween(0.0019, 0.0021);
        }
        // PostGIS: the position is a geography, and a radius query finds the drone.
        assertThat(queryLong("SELECT count(*) FROM telemetry WHERE ST_DWithin(position, " +
            "ST_SetSRID(ST_MakePoint(13.405, 52.52), 4326)::geography, 100)")).isEqualTo(500);
        // Without TimescaleDB: native daily partitions, today's among them.
        assertThat(queryLong("SELECT count(*) FROM pg_partitioned_table WHERE partrelid = 'telemetry'::regclass")).isEqualTo(1);
        assertThat(queryLong("SELECT count(*) FROM pg_inherits WHERE inhparent = 'telemetry'::regclass")).isGreaterThanOrEqualTo(5);
        assertThat(queryLong("SELECT count(*) FROM ONLY telemetry_default")).as("nothing outside the daily partitions").isZero();
        // Retention of the journal knows how far this archiver got.
        assertThat(Files.readString(journalRoot.resolve(JournalRetention.ARCHIVED_DIR).resolve("telemetry").resolve("archiver-it.index")))
            .isEqualTo(Long.toString(queryLong("SELECT journal_index FROM archiver_position WHERE name = 'archiver-it'")));
    }

    @Test
    void shouldKeepGoingThroughADatabaseOutageAndCatchUpWithNothingLostOrDoubled() throws Exception
    {
        try (TelemetryJournal journal = journal(); Archiver archiver = Archiver.launch(config()))
        {
            append(journal, 11, 200, 40.0, -3.7);
            awaitRows(200);

            postgres.stopServer();
            try
            {
                append(journal, 11, 1_000, 40.1, -3.6);
                await().atMost(30, TimeUnit.SECONDS).until(() -> !archiver.databaseConnected() &&
                    archiver.databaseFailures() > 0 && archiver.lagEntries() == 1_000);
                final HttpResponse<String> health = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + archiver.statusPort() + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode()).isEqualTo(503);
                assertThat(health.body()).contains("\"database\":{\"healthy\":false");
                final String metrics = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + archiver.statusPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
                assertThat(metrics).contains("odyssey_archiver_lag_entries{role=\"archiver\"} 1000");
            }
            finally
            {
                postgres.startServer();
            }
            awaitRows(1_200);
            await().atMost(30, TimeUnit.SECONDS).until(() -> archiver.databaseConnected() && archiver.lagEntries() == 0);
        }
        assertThat(queryLong("SELECT count(DISTINCT seq) FROM telemetry WHERE drone_id = 11")).isEqualTo(1_200);
        assertThat(queryLong("SELECT max(seq) FROM telemetry WHERE drone_id = 11")).isEqualTo(1_200);
    }

    @Test
    void shouldSkipRowsAlreadyStoredWhenThePositionWasLostAndCountThem() throws Exception
    {
        try (TelemetryJournal journal = journal())
        {
            append(journal, 21, 150, 35.0, 139.0);
            try (Archiver ignored = Archiver.launch(config()))
            {
                awaitRows(150);
            }
            // As after restoring an older backup of the position table: the journal is read again from its start.
            execute("UPDATE archiver_position SET journal_index = -1");
            append(journal, 21, 50, 35.1, 139.1);
            try (Archiver archiver = Archiver.launch(config()))
            {
                awaitRows(200);
                await().atMost(20, TimeUnit.SECONDS).until(() -> archiver.lagEntries() == 0);
                assertThat(archiver.duplicatesSkipped()).isEqualTo(150);
                assertThat(archiver.rowsArchived()).isEqualTo(50);
            }
        }
        assertThat(queryLong("SELECT count(*) FROM telemetry")).isEqualTo(200);
    }

    @Test
    void shouldArchiveAlertRaisesAndClearsExactlyOnceAndPairThem() throws Exception
    {
        final long t0 = System.currentTimeMillis() * 1_000_000L;
        try (AlertJournal alerts = new AlertJournal(journalRoot, RollCycles.FAST_HOURLY))
        {
            alerts.append(JournalLayout.ALERT_RAISED, AlertType.LOW_BATTERY.ordinal(), 5, 0, t0, 100, 100, 19.5);
            alerts.append(JournalLayout.ALERT_RAISED, AlertType.LOSS_OF_SEPARATION.ordinal(), 3, 4, t0 + 1_000_000_000L,
                101, 101, 12.0);
            alerts.append(JournalLayout.ALERT_RAISED, AlertType.GEOFENCE_BREACH.ordinal(), 6, 0, t0 + 2_000_000_000L,
                102, 102, Double.NaN);
            alerts.append(JournalLayout.ALERT_CLEARED, AlertType.LOW_BATTERY.ordinal(), 5, 0, t0 + 3_000_000_000L,
                103, 103, 25.0);
            try (Archiver archiver = Archiver.launch(config()))
            {
                await().atMost(60, TimeUnit.SECONDS).until(() -> archiver.alertEventsArchived() == 4);
            }
            alerts.append(JournalLayout.ALERT_CLEARED, AlertType.LOSS_OF_SEPARATION.ordinal(), 3, 4, t0 + 4_000_000_000L,
                104, 104, 40.0);
            try (Archiver archiver = Archiver.launch(config()))
            {
                await().atMost(60, TimeUnit.SECONDS).until(() -> archiver.alertEventsArchived() == 1);
            }
        }
        assertThat(queryLong("SELECT count(*) FROM alert_events")).isEqualTo(5);
        assertThat(queryLong("SELECT count(*) FROM alerts")).isEqualTo(3);
        assertThat(queryLong("SELECT count(*) FROM alerts WHERE cleared_at IS NULL")).as("the breach is still on").isEqualTo(1);
        assertThat(queryLong("SELECT extract(epoch FROM cleared_at - raised_at)::bigint FROM alerts " +
            "WHERE alert_type = 'LOSS_OF_SEPARATION' AND drone_id = 3 AND other_drone_id = 4")).isEqualTo(3);
        assertThat(queryLong("SELECT raised_by FROM alerts WHERE alert_type = 'LOW_BATTERY'")).isEqualTo(100);
        assertThat(queryLong("SELECT count(*) FROM alert_events WHERE alert_type = 'GEOFENCE_BREACH' AND value IS NULL " +
            "AND source = 'archiver-it'")).isEqualTo(1);
    }

    @Test
    void shouldArchiveCommandTransitionsOnceEvenWhenJournaledTwiceAndAnswerTheAudit() throws Exception
    {
        final long t0 = System.currentTimeMillis() * 1_000_000L;
        CommandRecord command = CommandRecord.issued(9001, 12, CommandType.GOTO,
            CommandParameters.goTo(52.5, 13.4, Double.NaN, Double.NaN), "k-1", "ops",
            "10.0.0.7", t0, t0 + 300_000_000_000L);
        command = CommandUpdate.sent("ingest-1", t0 + 1_000_000L).apply(command);
        command = CommandUpdate.progress(CommandState.ACCEPTED, t0 + 4_000_000L, 0f, -1, 52.5, 13.4, 60f).apply(command);
        try (CommandJournal journal = new CommandJournal(journalRoot, RollCycles.FAST_HOURLY))
        {
            CommandJournalEntries.append(journal, command, 0, "ingest-1");
            // A node that died between its append and noting it in the ledger: the next one journals them again.
            CommandJournalEntries.append(journal, command, 1, "ingest-2");
            command = CommandUpdate.doneReported(t0 + 9_000_000_000L, 52.5, 13.4, 60f).apply(command);
            command = CommandUpdate.moveTo(CommandState.COMPLETED, t0 + 9_500_000_000L, null).apply(command);
            CommandJournalEntries.append(journal, command, 3, "ingest-2");
            try (Archiver archiver = Archiver.launch(config()))
            {
                await().atMost(60, TimeUnit.SECONDS).until(() -> archiver.commandTransitionsArchived() +
                    archiver.duplicatesSkipped() >= 7);
            }
        }
        assertThat(queryLong("SELECT count(*) FROM command_transitions WHERE command_id = 9001")).isEqualTo(5);
        assertThat(queryLong("SELECT count(*) FROM commands WHERE command_id = 9001 AND state = 'completed' " +
            "AND issued_by = 'ops' AND issued_from = '10.0.0.7' AND params->>'lat' = '52.5'")).isEqualTo(1);
        assertThat(queryLong("SELECT extract(milliseconds FROM time_to_ack)::bigint FROM command_audit WHERE command_id = 9001"))
            .isEqualTo(4);
        assertThat(queryLong("SELECT (extract(epoch FROM time_to_effect) * 1000)::bigint FROM command_audit " +
            "WHERE command_id = 9001")).isEqualTo(9_500);
    }

    @Test
    void shouldDeadLetterACommandTransitionWithANulAndArchiveEveryOtherOnceAcrossRestarts() throws Exception
    {
        final long t0 = System.currentTimeMillis() * 1_000_000L;
        final long lastIndex;
        try (CommandJournal journal = new CommandJournal(journalRoot, RollCycles.FAST_HOURLY))
        {
            CommandJournalEntries.append(journal, sent(command(101, "k-101", t0)), 0, "ingest-1");
            // What the API once accepted: an idempotency key holding U+0000, which no text column can store.
            CommandJournalEntries.append(journal, command(102, "bad\u0000key", t0), 0, "ingest-1");
            CommandJournalEntries.append(journal, sent(command(103, "k-103", t0)), 0, "ingest-1");
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
                    "SELECT journal_index FROM archiver_position WHERE name = 'archiver-it:commands'") == lastIndex);
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
            CommandJournalEntries.append(journal, sent(command(104, "k-104", t0)), 0, "ingest-1");
            try (Archiver archiver = Archiver.launch(config()))
            {
                await().atMost(60, TimeUnit.SECONDS).until(() -> archiver.commandTransitionsArchived() == 2);
                assertThat(archiver.deadLetters()).isZero();
            }
            // A restart that lost its position (a restored backup) reads the journal again from its start.
            execute("UPDATE archiver_position SET journal_index = -1 WHERE name = 'archiver-it:commands'");
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
            append(journal, 41, 50, 52.5, 13.4);
            refusedIndexes.add(append(journal, REFUSED_DRONE, 1, 52.5, 13.4));
            append(journal, 41, 50, 52.5, 13.4);
            refusedIndexes.add(append(journal, REFUSED_DRONE, 1, 52.5, 13.4));
            final long last = append(journal, 41, 20, 52.5, 13.4);
            try (Archiver archiver = Archiver.launch(config()))
            {
                await().atMost(60, TimeUnit.SECONDS).until(() -> archiver.rowsArchived() == 120 && archiver.deadLetters() == 2);
                await().atMost(20, TimeUnit.SECONDS).until(() -> archiver.lagEntries() == 0);
                await().atMost(30, TimeUnit.SECONDS).until(() -> status(archiver, "/health").statusCode() == 200);
                assertThat(status(archiver, "/metrics").body()).contains(
                    "odyssey_archiver_dead_letters_total{role=\"archiver\",queue=\"telemetry\",reason=\"refused_by_database\"} 2\n");
                assertThat(queryLong("SELECT journal_index FROM archiver_position WHERE name = 'archiver-it'"))
                    .isEqualTo(last);
            }
        }
        assertThat(queryLong("SELECT count(*) FROM telemetry")).isEqualTo(120);
        assertThat(queryLong("SELECT count(DISTINCT seq) FROM telemetry")).isEqualTo(120);
        assertThat(queryLong("SELECT count(*) FROM dead_letters WHERE queue = 'telemetry' AND reason = 'refused_by_database' " +
            "AND cause LIKE '23514: %no_drone_666%'")).isEqualTo(2);
        assertThat(queryLong("SELECT min(journal_index) FROM dead_letters")).isEqualTo(refusedIndexes.get(0));
        assertThat(queryLong("SELECT max(journal_index) FROM dead_letters")).isEqualTo(refusedIndexes.get(1));
        // The bytes are the journal entry: receive time, clock tag, run, monotonic time, then the frame, which still
        // reads as drone 666's telemetry.
        final byte[] entry = queryBytes("SELECT entry FROM dead_letters ORDER BY journal_index LIMIT 1");
        assertThat(ByteBuffer.wrap(entry).order(ByteOrder.LITTLE_ENDIAN).getLong(JournalLayout.TELEMETRY_CLOCK_TAG_OFFSET))
            .isEqualTo(JournalLayout.TELEMETRY_CLOCK_TAG);
        final TelemetryFrameReader reader = new TelemetryFrameReader();
        assertThat(reader.read(new UnsafeBuffer(entry), JournalLayout.TELEMETRY_CLOCKED_FRAME_OFFSET,
            entry.length - JournalLayout.TELEMETRY_CLOCKED_FRAME_OFFSET)).isEqualTo(TelemetryFrameReader.TELEMETRY);
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

    @Test
    void shouldSetAnUnreadableJournalEntryAsideAndArchiveTheRest() throws Exception
    {
        try (TelemetryJournal journal = journal())
        {
            append(journal, 31, 10, 1.0, 1.0);
            final UnsafeBuffer garbage = new UnsafeBuffer(new byte[]{1, 2, 3, 4, 5});
            journal.appendTelemetry(garbage, 0, 5, System.currentTimeMillis() * 1_000_000L);
            append(journal, 31, 10, 1.1, 1.1);
            try (Archiver archiver = Archiver.launch(config()))
            {
                awaitRows(20);
                await().atMost(20, TimeUnit.SECONDS).until(() -> archiver.lagEntries() == 0);
                assertThat(archiver.rowsArchived()).isEqualTo(20);
                assertThat(archiver.deadLetters()).isEqualTo(1);
            }
        }
        assertThat(queryLong("SELECT count(*) FROM dead_letters WHERE queue = 'telemetry' AND reason = 'unreadable' " +
            "AND cause = 'not a valid telemetry frame: TRUNCATED' AND length(entry) = 13")).isEqualTo(1);
    }

    // Daily partitions as the archiver's own role, without TimescaleDB: a row dated days ahead sits in the default
    // partition until its day, and must not keep that day's partition from being made (the whole fleet's telemetry of
    // that day would follow it there, out of reach of retention).

    @Test
    void shouldMakeTheTelemetryPartitionOfADayWhenTheDefaultPartitionHoldsARowOfThatDayMovingTheRowIntoIt() throws Exception
    {
        final LocalPostgres.ArchiveDatabase database = postgres.createArchiveDatabase("partitions_future");
        final LocalDate today = LocalDate.now(ZoneOffset.UTC);
        final LocalDate future = today.plusDays(5);
        try (Connection archiver = migratedArchive(database))
        {
            TelemetryPartitions.maintain(archiver, today, 0, strays);
            insert(archiver, 1, future + " 12:00:00+00");
            insert(archiver, 2, today + " 12:00:00+00");
            assertThat(partitionOf(archiver, 1)).as("beyond the partitions made ahead").isEqualTo("telemetry_default");

            // Three days later that day's partition is due.
            TelemetryPartitions.maintain(archiver, today.plusDays(3), 0, strays);

            final String partition = "telemetry_p" + future.toString().replace("-", "");
            assertThat(partitionOf(archiver, 1)).isEqualTo(partition);
            assertThat(queryLong(archiver, "SELECT count(*) FROM telemetry_default")).isZero();
            assertThat(queryLong(archiver, "SELECT count(*) FROM telemetry")).as("nothing lost, nothing doubled").isEqualTo(2);
            assertThat(counted).containsExactly("moved 1");
            // The day's other rows go where they belong, and the history role reads the partition like any other.
            insert(archiver, 3, future + " 13:00:00+00");
            assertThat(partitionOf(archiver, 3)).isEqualTo(partition);
            try (Connection history = DriverManager.getConnection(database.url(), database.historyUser(),
                database.historyPassword()))
            {
                assertThat(queryLong(history, "SELECT count(*) FROM " + partition)).isEqualTo(2);
            }
        }
    }

    @Test
    void shouldDeleteRowsOfTheDefaultPartitionOlderThanTheRetention() throws Exception
    {
        final LocalPostgres.ArchiveDatabase database = postgres.createArchiveDatabase("partitions_old");
        final LocalDate today = LocalDate.now(ZoneOffset.UTC);
        try (Connection archiver = migratedArchive(database))
        {
            TelemetryPartitions.maintain(archiver, today, 0, strays);
            insert(archiver, 1, today.minusDays(30) + " 12:00:00+00");
            insert(archiver, 2, today.minusDays(3) + " 12:00:00+00");
            assertThat(partitionOf(archiver, 1)).isEqualTo("telemetry_default");

            TelemetryPartitions.maintain(archiver, today, 7, strays);

            assertThat(queryLong(archiver, "SELECT count(*) FROM telemetry WHERE drone_id = 1")).isZero();
            assertThat(queryLong(archiver, "SELECT count(*) FROM telemetry WHERE drone_id = 2"))
                .as("within the retention: kept, in the default partition").isEqualTo(1);
            assertThat(counted).containsExactly("deleted 1");
        }
    }

    private static Connection migratedArchive(final LocalPostgres.ArchiveDatabase database) throws SQLException
    {
        final ArchiverConfig config = new ArchiverConfig();
        config.dbUrl = database.url();
        config.dbUser = database.archiverUser();
        config.dbPassword = database.archiverPassword();
        new Migrations(0).ensure(database.url(), config);
        return DriverManager.getConnection(database.url(), database.archiverUser(), database.archiverPassword());
    }

    private static void insert(final Connection connection, final long droneId, final String time) throws SQLException
    {
        try (Statement sql = connection.createStatement())
        {
            sql.execute("INSERT INTO telemetry (" + TelemetryTable.COLUMNS + ") VALUES ('" + time + "', '" + time +
                "', " + droneId + ", 1, 52.5, 13.4, 50, 90, 10, 0, 80, 2, 0, " + droneId + ")");
        }
    }

    private static String partitionOf(final Connection connection, final long droneId) throws SQLException
    {
        try (Statement sql = connection.createStatement();
            ResultSet row = sql.executeQuery("SELECT tableoid::regclass::text FROM telemetry WHERE drone_id = " + droneId))
        {
            assertThat(row.next()).as("drone " + droneId + " archived").isTrue();
            return row.getString(1);
        }
    }

    private static long queryLong(final Connection connection, final String query) throws SQLException
    {
        try (Statement sql = connection.createStatement(); ResultSet row = sql.executeQuery(query))
        {
            row.next();
            return row.getLong(1);
        }
    }

    private static CommandRecord command(final long id, final String idempotencyKey, final long t0)
    {
        return CommandRecord.issued(
            id, 12, CommandType.HOLD, CommandParameters.NONE, idempotencyKey, "ops", "10.0.0.7", t0,
            t0 + 300_000_000_000L);
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

    private ArchiverConfig config()
    {
        final ArchiverConfig config = new ArchiverConfig();
        config.name = "archiver-it";
        config.journalDir = journalRoot.toString();
        config.dbUrl = url;
        config.dbUser = "postgres";
        config.statusPort = 0;
        config.batchRows = 128;
        config.maxRetryMs = 500;
        return config;
    }

    private TelemetryJournal journal()
    {
        return new TelemetryJournal(journalRoot, RollCycles.FAST_HOURLY);
    }

    /** Whether {@link #append} writes clocked entries, as ingest does, or ones of the layout before. */
    private boolean clocked = true;

    /**
     * Appends frames as ingest would: sent 2 ms before they were received, sequences continuing per test.
     *
     * @return the journal index of the last frame appended.
     */
    private long append(final TelemetryJournal journal, final long drone, final int count, final double lat,
        final double lon)
    {
        long index = -1;
        for (int i = 0; i < count; i++)
        {
            final long sentAt = System.currentTimeMillis() * 1_000_000L;
            final int length = writer.telemetry(frame, 0, drone, ++sequence, sentAt, lat, lon, 120f, 90f, 12f, 77.5f,
                DroneStatus.CRUISING, (byte)0, 0.5f);
            index = clocked ? journal.appendTelemetry(frame, 0, length, sentAt + 2_000_000L, System.nanoTime()) :
                journal.appendTelemetry(frame, 0, length, sentAt + 2_000_000L);
        }
        return index;
    }

    private void awaitRows(final long rows)
    {
        await().atMost(60, TimeUnit.SECONDS).pollInterval(100, TimeUnit.MILLISECONDS).until(() ->
        {
            try
            {
                return queryLong("SELECT count(*) FROM telemetry") >= rows;
            }
            catch (final SQLException ex)
            {
                return false; // not migrated yet, or the server is restarting
            }
        });
        assertThat(uncheckedCount()).isEqualTo(rows);
    }

    private long uncheckedCount()
    {
        try
        {
            return queryLong("SELECT count(*) FROM telemetry");
        }
        catch (final SQLException ex)
        {
            throw new IllegalStateException(ex);
        }
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
        try (Connection connection = connect())
        {
            return queryLong(connection, query);
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
