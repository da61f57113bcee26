package io.odyssey.archiver;

import io.odyssey.runtime.Counter;
import io.odyssey.runtime.LatencyHop;
import io.odyssey.runtime.Metrics;

/** The archiver's counters and latency hop, registered once with stable names. */
final class ArchiverMetrics
{
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
    final Counter unreadable = metrics.counter(
        "odyssey_archiver_unreadable_total", "Journal entries that were not a readable telemetry frame, skipped");
    final LatencyHop archived = metrics.hop("archived", "drone send -> row committed in the database");
}
