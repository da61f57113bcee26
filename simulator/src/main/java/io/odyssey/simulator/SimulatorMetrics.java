package io.odyssey.simulator;

import io.odyssey.runtime.Counter;
import io.odyssey.runtime.Metrics;

/** The simulator's counters, registered once with stable names. */
final class SimulatorMetrics
{
    /** Outcomes of {@link #commandsReceived}, by index. */
    static final int ACCEPTED = 0;
    static final int REJECTED = 1;
    static final int DUPLICATE = 2;
    private static final String[] OUTCOMES = {"accepted", "rejected", "duplicate"};

    final Metrics metrics = new Metrics("simulator");
    final Counter framesSent = metrics.counter("odyssey_sim_frames_sent_total", "Telemetry frames published");
    final Counter heartbeatsSent = metrics.counter("odyssey_sim_heartbeats_sent_total", "Heartbeats published");
    /** By {@link DropCause#ordinal()}; telemetry and heartbeat frames alike. */
    final Counter[] dropped = new Counter[DropCause.values().length];
    final Counter mavlinkSent = metrics.counter("odyssey_sim_mavlink_datagrams_sent_total",
        "Datagrams of MAVLink frames the MAVLink drones sent to the MAVLink edge (one per telemetry step)");
    final Counter mavlinkFailed = metrics.counter("odyssey_sim_mavlink_datagrams_failed_total",
        "MAVLink drone steps not sent (no key for the drone, or the edge not reachable)");
    final Counter mavlinkCommandsExecuted = metrics.counter("odyssey_sim_mavlink_commands_executed_total",
        "MAVLink commands the MAVLink drones acted on (a retry of one already done is not counted here)");
    final Counter mavlinkCommandsRepeated = metrics.counter("odyssey_sim_mavlink_commands_repeated_total",
        "Retries of a MAVLink command already acted on (same command, confirmation above 0): answered again, not executed");
    final Counter mavlinkAcksDropped = metrics.counter("odyssey_sim_mavlink_acks_dropped_total",
        "COMMAND_ACKs not sent by the ODYSSEY_SIM_MAVLINK_DROP_ACKS test hook");
    final Counter mavlinkCommandsBusy = metrics.counter("odyssey_sim_mavlink_commands_busy_total",
        "Commands answered TEMPORARILY_REJECTED and not acted on by the ODYSSEY_SIM_MAVLINK_BUSY_COMMANDS test hook");
    final Counter mavlinkModeSwitches = metrics.counter("odyssey_sim_mavlink_mode_switches_total",
        "Flight mode switches the MAVLink drones made by themselves (ODYSSEY_SIM_MAVLINK_MODE_SWITCHES: a pilot's RC, a failsafe)");
    final Counter mavlinkFramesRefused = metrics.counter("odyssey_sim_mavlink_frames_refused_total",
        "MAVLink frames to the MAVLink drones refused: not well formed, for no drone here, not signed with its key, replayed");
    final Counter roundsSkipped = metrics.counter(
        "odyssey_sim_rounds_skipped_total", "Send rounds skipped to rejoin the schedule after a stall");

    /** Valid commands for our drones, by outcome ({@link #ACCEPTED}, {@link #REJECTED}, {@link #DUPLICATE}). */
    final Counter[] commandsReceived = new Counter[OUTCOMES.length];
    /** By {@link InvalidCommandCause#ordinal()}. */
    final Counter[] commandFramesInvalid = new Counter[InvalidCommandCause.values().length];
    final Counter statusesSent = metrics.counter(
        "odyssey_sim_command_statuses_sent_total", "Command statuses (acks, progress, results) published");
    /** By {@link DropCause#ordinal()}: offers of a command status that failed; the status is offered again. */
    final Counter[] statusOffersFailed = new Counter[DropCause.values().length];
    final Counter statusesLost = metrics.counter("odyssey_sim_command_statuses_lost_total",
        "Command statuses never sent: overwritten while unsent because a drone got more commands than it remembers");

    SimulatorMetrics()
    {
        for (final DropCause cause : DropCause.values())
        {
            dropped[cause.ordinal()] = metrics.counter("odyssey_sim_frames_dropped_total",
                "Frames (telemetry and heartbeats) dropped because they could not be published",
                "cause=\"" + cause.label() + "\"");
        }
        for (int outcome = 0; outcome < OUTCOMES.length; outcome++)
        {
            commandsReceived[outcome] = metrics.counter("odyssey_sim_commands_received_total",
                "Valid commands for this process's drones, by what the drone did (a duplicate is answered, not run)",
                "outcome=\"" + OUTCOMES[outcome] + "\"");
        }
        for (final InvalidCommandCause cause : InvalidCommandCause.values())
        {
            commandFramesInvalid[cause.ordinal()] = metrics.counter("odyssey_sim_command_frames_invalid_total",
                "Command frames not acted on (invalid_parameters is answered REJECTED; the others are dropped)",
                "cause=\"" + cause.label() + "\"");
        }
        for (final DropCause cause : DropCause.values())
        {
            statusOffersFailed[cause.ordinal()] = metrics.counter("odyssey_sim_command_status_offers_failed_total",
                "Command status offers that failed; the status stays pending and is offered again",
                "cause=\"" + cause.label() + "\"");
        }
    }

    long dropped(final DropCause cause)
    {
        return dropped[cause.ordinal()].get();
    }

    long droppedTotal()
    {
        return sum(dropped);
    }

    long commandsReceived()
    {
        return sum(commandsReceived);
    }

    long commandFramesInvalid()
    {
        return sum(commandFramesInvalid);
    }

    long statusOffersFailed()
    {
        return sum(statusOffersFailed);
    }

    private static long sum(final Counter[] counters)
    {
        long total = 0;
        for (final Counter counter : counters)
        {
            total += counter.get();
        }
        return total;
    }
}
