package io.odyssey.drill;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.odyssey.journal.AlertType;
import io.odyssey.journal.AlertJournal;
import io.odyssey.journal.JournalLayout;
import io.odyssey.journal.TelemetryJournal;
import io.odyssey.stack.Http;
import io.odyssey.stack.LocalStack;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Issue 10, item 2: one idempotency key with a NUL was accepted, and the archiver then failed on every retry and archived
 * no command transition after it. The drill sends that request, then writes poison entries straight into an ingest
 * node's journals (Chronicle Queue takes appenders from other processes), one per journal the archiver reads and of each
 * kind of harm: text PostgreSQL cannot hold, a command id that is no number, an entry that is not JSON, telemetry that is
 * not a frame, an alert of an unknown type. Good entries follow each. The archiver must stay up, store every good entry
 * after the poison, and keep each poison entry (dead letters, with its cause) or at least count it.
 */
final class PoisonEntryDrill implements Drill
{
    private static final Duration ARCHIVED_WITHIN = Duration.ofSeconds(60);
    /** Alerts the drill journals itself: a drone id no simulator flies. */
    private static final long ALERT_DRONE = 999_999_001L;

    public String name()
    {
        return "poison-entry";
    }

    public String summary()
    {
        return "A command with a NUL in its idempotency key through REST (must be refused with 400), then poison " +
            "entries written into ingest-1's command, telemetry and alert journals, each followed by good ones: the " +
            "archiver must stay healthy, archive every good entry after them, and keep or count every poison entry.";
    }

    public void run(final DrillContext context) throws Exception
    {
        final LocalStack stack = context.stack();
        final DrillReport report = context.report();

        final Http.Response nul = context.command(stack.operatorToken(),
            "{\"droneId\":1,\"type\":\"set-speed\",\"speed\":12,\"idempotencyKey\":\"drill-\\u0000-poison\"}");
        report.check("a NUL in an idempotency key is refused with 400", nul.status() == 400,
            nul.describe() + " " + abbreviate(nul.body()));

        final String archiver = "archiver-1";
        final double deadBefore = deadLetterCount(stack, archiver);
        final long deadRowsBefore = deadLetterRows(stack);
        final Path journal = stack.journalDir(1);
        final long now = Accounting.epochNanos(Instant.now());
        final String poisonId = String.valueOf(9_000_000_000_000L + ThreadLocalRandom.current().nextInt(1_000_000));
        final List<byte[]> commandPoison = List.of(
            transition(poisonId, "drill\u0000poison", now).getBytes(StandardCharsets.UTF_8),
            transition("not-a-number", "drill", now).getBytes(StandardCharsets.UTF_8),
            new byte[] {(byte)0xFF, (byte)0xFE, 'n', 'o', 't', ' ', 'J', 'S', 'O', 'N'});
        try (SingleChronicleQueue commands = Journals.open(journal, JournalLayout.COMMANDS))
        {
            final ExcerptAppender appender = commands.createAppender();
            for (final byte[] entry : commandPoison)
            {
                try (DocumentContext document = appender.writingDocument())
                {
                    document.wire().bytes().write(entry);
                }
            }
        }
        try (TelemetryJournal telemetry = new TelemetryJournal(journal, RollCycles.FAST_HOURLY))
        {
            final byte[] garbage = "not an SBE telemetry frame".getBytes(StandardCharsets.US_ASCII);
            telemetry.appendTelemetry(new UnsafeBuffer(garbage), 0, garbage.length, now);
        }
        try (AlertJournal alerts = new AlertJournal(journal, RollCycles.FAST_HOURLY))
        {
            alerts.append(JournalLayout.ALERT_RAISED, 99, ALERT_DRONE, 0, now, 0, 0, 1.0);
            // Good ones after it: a raise and its clear, for a drone no simulator flies.
            alerts.append(JournalLayout.ALERT_RAISED, AlertType.LOW_BATTERY.ordinal(), ALERT_DRONE, 0, now, 0, 0, 5.0);
            alerts.append(JournalLayout.ALERT_CLEARED, AlertType.LOW_BATTERY.ordinal(), ALERT_DRONE, 0, now + 1_000_000,
                0, 0, 30.0);
        }
        final int poisoned = commandPoison.size() + 2;
        report.say("wrote " + poisoned + " poison entries into " + journal + " (3 commands, 1 telemetry, 1 alert)");

        // A good command after the poison: ingest relays it and journals its transitions.
        final Http.Response good = context.command(stack.operatorToken(),
            "{\"droneId\":2,\"type\":\"set-speed\",\"speed\":12}");
        final String goodId = good.status() == 202 ? DrillContext.JSON.readTree(good.body()).get("id").asText() : null;
        report.check("a command after the poison was accepted", goodId != null, good.describe());

        final long commandsMs = goodId == null ? -1 : Waits.until(ARCHIVED_WITHIN, () ->
            ArchiveDatabase.count(stack, "SELECT count(*) FROM command_transitions WHERE command_id = " + goodId +
                " AND state = 'completed'") == 1);
        report.check("the command after the poison was archived through to 'completed'", commandsMs >= 0,
            Waits.ms(commandsMs));
        final long alertsMs = Waits.until(ARCHIVED_WITHIN, () ->
            ArchiveDatabase.count(stack, "SELECT count(*) FROM alert_events WHERE drone_id = " + ALERT_DRONE) == 2);
        report.check("the alerts after the poison were archived", alertsMs >= 0, Waits.ms(alertsMs));
        final long telemetryMs = Waits.until(ARCHIVED_WITHIN, () ->
            stack.metric(archiver, "odyssey_archiver_lag_entries") == 0);
        report.check("telemetry archiving went on past the poison (lag back to 0)", telemetryMs >= 0,
            "lag " + (long)stack.metric(archiver, "odyssey_archiver_lag_entries") + " entries");
        final long commandLagMs = Waits.until(ARCHIVED_WITHIN, () ->
            stack.metric(archiver, "odyssey_archiver_commands_lag_entries") == 0 &&
                stack.metric(archiver, "odyssey_archiver_alerts_lag_entries") == 0);
        report.check("no command or alert entry is left behind the poison (their lag back to 0)", commandLagMs >= 0,
            "commands lag " + (long)stack.metric(archiver, "odyssey_archiver_commands_lag_entries") + ", alerts lag " +
                (long)stack.metric(archiver, "odyssey_archiver_alerts_lag_entries"));
        final Http.Response health = stack.health(archiver);
        report.check("the archiver stayed healthy", health.status() == 200, health.describe() + " " + abbreviate(health.body()));

        final long deadRowsAfter = deadLetterRows(stack);
        final long deadRows = deadRowsAfter < 0 ? -1 : deadRowsAfter - Math.max(0, deadRowsBefore);
        final double deadCounted = deadLetterCount(stack, archiver) - deadBefore;
        report.count("poison entries", poisoned);
        report.count("dead letters", deadRows);
        report.count("counted", (long)deadCounted);
        report.check("every poison entry is kept as a dead letter with its cause", deadRows >= poisoned,
            deadRows < 0 ? "the archive has no dead-letter table" : deadRows + " dead letters for " + poisoned +
                " poison entries; " + deadLetterCauses(stack));
        // Unreadable entries are dead letters too (odyssey_archiver_dead_letters_total{reason="unreadable"}).
        report.check("every poison entry was counted on /metrics", deadCounted >= poisoned,
            (long)deadCounted + " dead letters counted");
    }

    private static String transition(final String commandId, final String reason, final long atNanos)
    {
        final ObjectNode json = DrillContext.JSON.createObjectNode();
        json.put("commandId", commandId);
        json.put("seq", 0);
        json.put("droneId", 1);
        json.put("type", "hold");
        json.put("params", "{}");
        json.put("state", "issued");
        json.put("atNs", Long.toString(atNanos));
        json.put("reason", reason);
        json.put("issuedBy", "drill");
        json.put("issuedFrom", "127.0.0.1");
        json.put("issuedAtNs", Long.toString(atNanos));
        json.put("expiresAtNs", Long.toString(atNanos + 300_000_000_000L));
        json.putNull("idempotencyKey");
        json.put("node", "ingest-1");
        return json.toString();
    }

    /** The archiver's dead-letter counters (all reasons and queues). */
    private static double deadLetterCount(final LocalStack stack, final String archiver)
    {
        final double count = stack.metric(archiver, sample -> sample.name().contains("dead_letter"));
        return Double.isNaN(count) ? 0 : count;
    }

    /** Rows in the archive's dead-letter table, -1 when it has none. */
    private static long deadLetterRows(final LocalStack stack) throws Exception
    {
        final String table = deadLetterTable(stack);
        return table == null ? -1 : ArchiveDatabase.count(stack, "SELECT count(*) FROM " + table);
    }

    private static String deadLetterTable(final LocalStack stack) throws Exception
    {
        try (Connection db = ArchiveDatabase.connect(stack); Statement sql = db.createStatement(); ResultSet rows = sql.executeQuery(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND " +
                "table_name LIKE '%dead%letter%' ORDER BY 1"))
        {
            return rows.next() ? rows.getString(1) : null;
        }
    }

    private static String deadLetterCauses(final LocalStack stack)
    {
        try
        {
            final String table = deadLetterTable(stack);
            if (table == null)
            {
                return "";
            }
            final List<String> rows = new ArrayList<>();
            try (Connection db = ArchiveDatabase.connect(stack); Statement sql = db.createStatement();
                ResultSet result = sql.executeQuery("SELECT * FROM " + table))
            {
                final int columns = result.getMetaData().getColumnCount();
                while (result.next())
                {
                    final StringBuilder row = new StringBuilder();
                    for (int c = 1; c <= columns; c++)
                    {
                        if (!"bytea".equals(result.getMetaData().getColumnTypeName(c)))
                        {
                            row.append(c > 1 ? " | " : "").append(abbreviate(String.valueOf(result.getObject(c))));
                        }
                    }
                    rows.add(row.toString());
                }
            }
            return "dead letters: " + rows;
        }
        catch (final Exception ex)
        {
            return "dead letters unreadable: " + ex.getMessage();
        }
    }

    static String abbreviate(final String text)
    {
        final String flat = text == null ? "" : text.replace('\n', ' ');
        return flat.length() <= 200 ? flat : flat.substring(0, 200) + "...";
    }
}
