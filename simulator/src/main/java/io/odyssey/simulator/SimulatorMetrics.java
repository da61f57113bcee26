package io.odyssey.simulator;

import io.odyssey.runtime.Counter;
import io.odyssey.runtime.Metrics;

/** The simulator's counters, registered once with stable names. */
final class SimulatorMetrics
{
    final Metrics metrics = new Metrics("simulator");
    final Counter framesSent = metrics.counter("odyssey_sim_frames_sent_total", "Telemetry frames published");
    final Counter heartbeatsSent = metrics.counter("odyssey_sim_heartbeats_sent_total", "Heartbeats published");
    /** By {@link DropCause#ordinal()}; telemetry and heartbeat frames alike. */
    final Counter[] dropped = new Counter[DropCause.values().length];
    final Counter roundsSkipped = metrics.counter(
        "odyssey_sim_rounds_skipped_total", "Send rounds skipped to rejoin the schedule after a stall");

    SimulatorMetrics()
    {
        for (final DropCause cause : DropCause.values())
        {
            dropped[cause.ordinal()] = metrics.counter("odyssey_sim_frames_dropped_total",
                "Frames (telemetry and heartbeats) dropped because they could not be published",
                "cause=\"" + cause.label() + "\"");
        }
    }

    long dropped(final DropCause cause)
    {
        return dropped[cause.ordinal()].get();
    }

    long droppedTotal()
    {
        long total = 0;
        for (final Counter counter : dropped)
        {
            total += counter.get();
        }
        return total;
    }
}
