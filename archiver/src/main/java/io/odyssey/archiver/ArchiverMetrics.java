package io.odyssey.archiver;

import io.odyssey.journal.JournalLayout;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.LatencyHop;
import io.odyssey.runtime.Metrics;

import java.util.List;

/** The archiver's counters and latency hop, registered once with stable names. */
final class ArchiverMetrics
{
    /** The journals an archiver reads: the {@code queue} label of the dead-letter counters. */
    static final List<String> QUEUES = List.of(JournalLayout.TELEMETRY, JournalLayout.ALERTS, JournalLayout.COMMANDS);

    final Metrics metrics = new Metrics("archiver");
    final Counter rows = metrics.counter("odyssey_archiver_rows_total", "Telemetry rows committed to the database");
    final Counter alertEvents = metrics.counter(
        "odyssey_archiver_alert_events_total", "Alert raises and clears committed to the database");
    final Counter commandTransitions = metrics.counter(
        "odyssey_archiver_command_transitions_total", "Command-ledger transitions committed to the database");
    final Counter batches = metrics.counter("odyssey_archiver_batches_total", "Transactions committed (rows + journal position)");
    final Counter dbFailures = metrics.counter(
        "odyssey_archiver_db_failures_total", "Failed connection attempts or transactions (retried with back-off)");
    final Counter duplicates = metrics.counter("odyssey_archiver_duplicates_skipped_total",
        "Rows already in the database (same drone, sequence and time), skipped");
    final Counter defaultRowsMoved = metrics.counter("odyssey_archiver_default_partition_rows_moved_total",
        "Telemetry rows moved out of the default partition into the daily partition made for their day (rows dated " +
        "days ahead, which would otherwise stop that day's partition from being made)");
    final Counter defaultRowsDeleted = metrics.counter("odyssey_archiver_default_partition_rows_deleted_total",
        "Telemetry rows of the default partition older than the retention, deleted as their day's partition would be");
    /** What partition maintenance did with rows of the default partition, counted. */
    final TelemetryPartitions.Strays partitionStrays = new TelemetryPartitions.Strays()
    {
        public void moved(final long rows)
        {
            defaultRowsMoved.add(rows);
        }

        public void deleted(final long rows)
        {
            defaultRowsDeleted.add(rows);
        }
    };
    /** Per queue and reason, all registered up front (one block of the family, zeros included). */
    private final Counter[][] deadLetters = new Counter[QUEUES.size()][DeadLetterReason.values().length];
    final LatencyHop archived = metrics.hop("archived", "drone send -> row committed in the database");

    ArchiverMetrics()
    {
        for (int q = 0; q < QUEUES.size(); q++)
        {
            for (final DeadLetterReason reason : DeadLetterReason.values())
            {
                deadLetters[q][reason.ordinal()] = metrics.counter("odyssey_archiver_dead_letters_total",
                    "Journal entries the database could not take, moved to the dead_letters table (archiving goes on)",
                    "queue=\"" + QUEUES.get(q) + "\",reason=\"" + reason.label() + "\"");
            }
        }
    }

    Counter deadLetters(final String queue, final DeadLetterReason reason)
    {
        return deadLetters[QUEUES.indexOf(queue)][reason.ordinal()];
    }

    /** Dead letters of every queue and reason. */
    long deadLettersTotal()
    {
        long total = 0;
        for (final Counter[] queue : deadLetters)
        {
            for (final Counter counter : queue)
            {
                total += counter.get();
            }
        }
        return total;
    }
}
