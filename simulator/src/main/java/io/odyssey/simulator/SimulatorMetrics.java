package io.odyssey.simulator;

import io.odyssey.runtime.Counter;
import io.odyssey.runtime.Metrics;

/** The simulator's counters, registered once with stable names. */
final class SimulatorMetrics
{
    final Metrics metrics = new Metrics("simulator");
    final Counter framesSent = metrics.counter("odyssey_sim_frames_sent_total", "Telemetry frames published");
    final Counter heartbeatsSent = metrics.counter("odyssey_sim_heartbeats_sent_total", "Heartbeats published");
    final Counter backPressured = metrics.counter(
        "odyssey_sim_frames_dropped_total", "Frames dropped because they could not be published", "cause=\"back_pressured\"");
    final Counter notConnected = metrics.counter(
        "odyssey_sim_frames_dropped_total", "Frames dropped because they could not be published", "cause=\"not_connected\"");
    final Counter otherFailures = metrics.counter(
        "odyssey_sim_frames_dropped_total", "Frames dropped because they could not be published", "cause=\"closed\"");
    final Counter roundsSkipped = metrics.counter(
        "odyssey_sim_rounds_skipped_total", "Send rounds skipped to rejoin the schedule after a stall");
}
