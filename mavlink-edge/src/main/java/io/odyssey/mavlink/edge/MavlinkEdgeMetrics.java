package io.odyssey.mavlink.edge;

import io.odyssey.runtime.Counter;
import io.odyssey.runtime.Metrics;

/** The edge's counters, registered once with stable names. */
final class MavlinkEdgeMetrics
{
    final Metrics metrics = new Metrics("mavlink-edge");
    final Counter datagrams = metrics.counter("odyssey_mavlink_datagrams_received_total", "UDP datagrams received");
    final Counter framesAccepted = metrics.counter("odyssey_mavlink_frames_accepted_total",
        "MAVLink frames taken: well formed, from a registered vehicle, signed as it must be");
    /** By {@link Refusal#ordinal()}. */
    final Counter[] refused = new Counter[Refusal.values().length];
    final Counter otherComponents = metrics.counter("odyssey_mavlink_frames_other_components_total",
        "Verified frames from a vehicle's components other than its autopilot (camera, gimbal...): not flight state");
    final Counter telemetrySent = metrics.counter("odyssey_mavlink_telemetry_sent_total",
        "Odyssey telemetry frames sent to ingest (one per GLOBAL_POSITION_INT of a vehicle with a heartbeat and a battery)");
    final Counter heartbeatsSent = metrics.counter("odyssey_mavlink_heartbeats_sent_total", "Odyssey heartbeats sent to ingest");
    final Counter heartbeatsCoalesced = metrics.counter("odyssey_mavlink_heartbeats_coalesced_total",
        "Vehicle HEARTBEATs taken (state, liveness) but not sent on as an Odyssey heartbeat: within 100 ms of the last sent");
    final Counter offersFailed = metrics.counter("odyssey_mavlink_offers_failed_total",
        "Frames not sent because no ingest endpoint took them (not connected or back pressure): the next position replaces them");
    final Counter positionsWithoutState = metrics.counter("odyssey_mavlink_positions_without_state_total",
        "Positions not sent because the vehicle has not yet said its state (HEARTBEAT) or its battery (SYS_STATUS, BATTERY_STATUS)");
    final Counter vehiclesLost = metrics.counter("odyssey_mavlink_vehicles_lost_total",
        "Vehicles whose HEARTBEAT stopped for the heartbeat timeout");

    final Counter ordersReceived = metrics.counter("odyssey_mavlink_orders_received_total",
        "Verified Odyssey command frames for a vehicle (resends of one order included)");
    final Counter ordersRefusedBusy = metrics.counter("odyssey_mavlink_orders_refused_busy_total",
        "Orders refused because the vehicle had another in the MAVLink command protocol (one at a time, no queue)");
    final Counter ordersOverSendLimit = metrics.counter("odyssey_mavlink_orders_over_send_limit_total",
        "Orders failed 'vehicle no final answer': still in the MAVLink command protocol at its time limit (IN_PROGRESS without end, a mission item asked for again and again)");
    final Counter commandRetries = metrics.counter("odyssey_mavlink_command_retries_total",
        "MAVLink commands (or mission counts and items) sent again after no answer within the ACK timeout, or an ACK timeout after a TEMPORARILY_REJECTED");
    final Counter commandsTemporarilyRejected = metrics.counter("odyssey_mavlink_commands_temporarily_rejected_total",
        "COMMAND_ACKs TEMPORARILY_REJECTED (the command is asked again after the ACK timeout, within the attempts)");
    final Counter strayAnswers = metrics.counter("odyssey_mavlink_stray_answers_total",
        "COMMAND_ACK and mission answers that match no command in flight (late answers to retries, another ground station's)");
    final Counter vehicleSendsFailed = metrics.counter("odyssey_mavlink_vehicle_sends_failed_total",
        "MAVLink frames for a vehicle not sent: its address is not known yet, or the socket refused them");
    final Counter vehiclesRebooted = metrics.counter("odyssey_mavlink_vehicles_rebooted_total",
        "Vehicles whose boot clock (GLOBAL_POSITION_INT.time_boot_ms) went back: they started again, their orders ended");
    final Counter statusesSent = metrics.counter("odyssey_mavlink_command_statuses_sent_total",
        "Odyssey command statuses sent to ingest for the vehicles' orders");
    /** By reason: each {@link io.odyssey.codecs.RejectReason}, unknown vehicle, malformed. */
    private final java.util.Map<String, Counter> commandFramesRefused = new java.util.HashMap<>();

    MavlinkEdgeMetrics()
    {
        for (final io.odyssey.codecs.RejectReason reason : io.odyssey.codecs.RejectReason.values())
        {
            commandFrameCounter(reason.name());
        }
        commandFrameCounter(OrderIntake.UNKNOWN_VEHICLE);
        commandFrameCounter(OrderIntake.MALFORMED);
        for (final Refusal refusal : Refusal.values())
        {
            refused[refusal.ordinal()] = metrics.counter("odyssey_mavlink_frames_refused_total",
                "MAVLink frames refused, by reason", "reason=\"" + refusal.label() + "\"");
        }
    }

    private void commandFrameCounter(final String reason)
    {
        commandFramesRefused.put(reason, metrics.counter("odyssey_mavlink_command_frames_refused_total",
            "Odyssey command frames for the vehicles refused, by reason",
            "reason=\"" + reason.toLowerCase(java.util.Locale.ROOT) + "\""));
    }

    void commandFrameRefused(final String reason)
    {
        commandFramesRefused.get(reason).increment();
    }

    long commandFramesRefused(final String reason)
    {
        return commandFramesRefused.get(reason).get();
    }

    void refused(final Refusal refusal)
    {
        refused[refusal.ordinal()].increment();
    }
}
