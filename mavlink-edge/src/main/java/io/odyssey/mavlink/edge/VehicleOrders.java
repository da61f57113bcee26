package io.odyssey.mavlink.edge;

import io.odyssey.codecs.CommandFrameReader;
import io.odyssey.codecs.CommandLimits;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;
import io.odyssey.codecs.sign.FrameSignature;
import io.odyssey.geo.Geodesy;
import io.odyssey.mavlink.MavlinkCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The orders of the MAVLink vehicles (docs/api/mavlink.md, "Orders"): each Odyssey command becomes MAVLink commands
 * ({@link OrderPlan}) sent with the command protocol (COMMAND_ACK awaited, retries with the confirmation field, a
 * bounded number of attempts), or a mission upload; the vehicle's answers become Odyssey command statuses; an order is
 * done only when the vehicle's telemetry shows its effect; a vehicle that reboots, goes silent or changes mode by itself
 * ends its orders with the reason.
 * <p>
 * Per vehicle at most one order is in the command protocol at a time, and for a bounded time ({@link #SEND_LIMIT});
 * another that comes meanwhile is refused ({@code vehicle busy}), never queued: a queue would send an order the operator
 * may have given up on. Only STOP, and a CANCEL of that very order, take the protocol over from it: the ground must be
 * able to abort whatever the vehicle is being told. Once the vehicle has accepted it, the order runs until its effect
 * shows, and a new accepted order takes over from it (superseded), as on simulated drones; HOLD pauses it and RESUME
 * takes it up again.
 * <p>
 * On the edge's one thread; state preallocated per vehicle on its first order, nothing allocated per message.
 */
final class VehicleOrders
{
    private static final Logger LOG = LoggerFactory.getLogger(VehicleOrders.class);

    /** What the vehicles are sent. */
    interface VehicleLink
    {
        void commandLong(int systemId, int command, int confirmation, float p1, float p2, float p3, float p4, float p5,
            float p6, float p7);

        void commandInt(int systemId, int command, int frame, float p1, float p2, float p3, float p4, int x, int y,
            float z);

        void missionCount(int systemId, int count);

        void missionItem(int systemId, int seq, int command, int frame, float p1, float p2, float p3, float p4, int x,
            int y, float z);
    }

    /** Where the orders' statuses go (to ingest, as the drone's command statuses). */
    interface StatusSink
    {
        void status(long droneId, long commandId, CommandPhase phase, CommandReason reason, float progress,
            int waypointIndex, CommandType type, double latitude, double longitude, float altitude);
    }

    /** Horizontal distance to a target that counts as there: inside what the ledger checks (10 m). */
    static final double ARRIVAL_M = 5.0;
    /** Vertical distance to a target altitude that counts as there: inside what the ledger checks (5 m). */
    static final double ALTITUDE_M = 2.0;
    static final double STOPPED_MPS = 0.5;
    static final double GROUNDED_ALTITUDE_M = 0.5;
    /** A vehicle's mode is judged only this long after it accepted an order: switching takes it a moment. */
    static final long MODE_SETTLE_NS = TimeUnit.SECONDS.toNanos(2);
    /** How often a running order's progress goes to the ledger. */
    static final long PROGRESS_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    /** A boot clock that went back this far means the vehicle started again (not a reordered datagram). */
    static final long REBOOT_BACKSTEP_MS = 2_000;
    /** An IN_PROGRESS ACK means the vehicle works on it: the final ACK may take this many ACK timeouts more. */
    static final int IN_PROGRESS_PATIENCE = 10;
    /**
     * The longest an order may stay in the command protocol, in ACK timeouts per attempt (50 s at the defaults; a
     * mission upload one ACK timeout more per item). An answer resets the ACK timeout, not this: a vehicle that says
     * IN_PROGRESS again and again, or asks for a mission item again and again (a buggy autopilot, a link that loses
     * most of an upload), would otherwise hold its one order slot for ever, every other order refused busy.
     */
    static final int SEND_LIMIT = IN_PROGRESS_PATIENCE;
    /** Finished orders per vehicle whose last word is repeated when the ground asks again (a lost answer). */
    static final int RECENT = 4;

    private final VehicleRegistry registry;
    /** Where each vehicle's own command numbers start ({@link #ownCommandBase}): above every earlier run's. */
    private final long ownCommandBase;
    private final VehicleLink link;
    private final StatusSink sink;
    private final long ackTimeoutNs;
    private final int maxAttempts;
    private final MavlinkEdgeMetrics metrics;
    private final Vehicle[] vehicles = new Vehicle[VehicleRegistry.MAX_SYSTEM_ID + 1];

    VehicleOrders(final VehicleRegistry registry, final VehicleLink link, final StatusSink sink,
        final long ackTimeoutMs, final int maxAttempts, final MavlinkEdgeMetrics metrics)
    {
        // Own commands numbered from -1: the tests that read those numbers; the edge itself starts at its clock.
        this(registry, link, sink, ackTimeoutMs, maxAttempts, metrics, 0);
    }

    /**
     * Where the numbers of the vehicles' own commands start for an edge started at {@code epochNanos} (its signing
     * clock): the milliseconds of that clock, about 3.7e11 in 2026, far below 2^53. The ingest node derives such a
     * command's ledger id from (drone, number) and the archive keeps every id for good, while the ledger forgets final
     * commands (all of them when the grid restarts): numbers that started at -1 at every start of the edge gave a
     * restarted edge's returns home the ids of the last run's, whose transitions the archive then skipped as
     * duplicates. A vehicle starts far fewer than one of its own commands a millisecond, so a run's numbers stay
     * below the next run's base, as the simulator's do (DroneFleet.bootCounterBase).
     */
    static long ownCommandBase(final long epochNanos)
    {
        return FrameSignature.timestampOf(epochNanos) / 100;
    }

    VehicleOrders(final VehicleRegistry registry, final VehicleLink link, final StatusSink sink,
        final long ackTimeoutMs, final int maxAttempts, final MavlinkEdgeMetrics metrics, final long ownCommandBase)
    {
        this.registry = registry;
        this.ownCommandBase = ownCommandBase;
        this.metrics = metrics;
        this.link = link;
        this.sink = sink;
        this.ackTimeoutNs = TimeUnit.MILLISECONDS.toNanos(ackTimeoutMs);
        this.maxAttempts = maxAttempts;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Orders in

    /** An order for vehicle {@code systemId} (the caller verified the frame: signed with its drone's key, fresh). */
    void onOrder(final int systemId, final CommandFrameReader command, final long nowNs, final long nowEpochNs)
    {
        final Vehicle v = vehicle(systemId);
        final long id = command.commandId();
        final Order known = v.find(id);
        if (known != null)
        {
            // The ground sends again until it hears an answer: say the latest word, start nothing.
            if (known.phase != null)
            {
                say(v, known);
            }
            return;
        }
        final int recent = v.recent(id);
        if (recent >= 0)
        {
            sink.status(v.droneId, id, v.recentPhase[recent], v.recentReason[recent], v.recentProgress[recent], -1,
                v.recentType[recent], v.recentLat[recent], v.recentLon[recent], v.recentAlt[recent]);
            return;
        }
        final CommandType type = command.type();
        if (command.repeatAnswerOnly())
        {
            finishUnknown(v, id, type, CommandPhase.FAILED, CommandReason.NO_SUCH_COMMAND);
            return;
        }
        final long expiresAt = command.expiresAtNanos();
        if (expiresAt > 0 && nowEpochNs > expiresAt)
        {
            finishUnknown(v, id, type, CommandPhase.REJECTED, CommandReason.EXPIRED);
            return;
        }
        if (!v.live)
        {
            finishUnknown(v, id, type, CommandPhase.REJECTED, CommandReason.VEHICLE_SILENT);
            return;
        }
        final Order inProtocol = v.sending;
        if (inProtocol != null)
        {
            if (!takesOver(type, command.targetCommandId(), inProtocol))
            {
                metrics.ordersRefusedBusy.increment();
                finishUnknown(v, id, type, CommandPhase.REJECTED, CommandReason.VEHICLE_BUSY);
                return;
            }
            // Not sent again from now on (its late answers are stray); the vehicle may have acted on it, and what
            // follows (a landing, a hold) is what it gets last. Before the plan: its slot may be the only free one, and
            // neither STOP nor CANCEL has a parameter the plan could refuse.
            v.sending = null;
            finish(v, inProtocol, CommandPhase.CANCELLED,
                type == CommandType.STOP ? CommandReason.EMERGENCY_STOP : CommandReason.CANCELLED_BY_OPERATOR);
        }
        final Order order = v.free();
        order.reset(id, type);
        if (!OrderPlan.plan(order, command, v.autopilot, v))
        {
            finish(v, order, CommandPhase.REJECTED, CommandReason.INVALID_PARAMETERS);
            return;
        }
        if (type == CommandType.CANCEL && inProtocol == null && v.cancelTarget(command.targetCommandId()) == null)
        {
            finish(v, order, CommandPhase.REJECTED, CommandReason.NO_SUCH_COMMAND);
            return;
        }
        v.sending = order;
        order.sendLimitNs = nowNs + sendLimitNs(order);
        sendStep(v, order, nowNs);
    }

    private long sendLimitNs(final Order o)
    {
        return (SEND_LIMIT * (long)maxAttempts + o.itemCount) * ackTimeoutNs;
    }

    /**
     * Whether an order may take the command protocol from the one in it rather than be refused busy: a stop always,
     * a cancel of that very order. Both are the operator's way out of an order the vehicle does not finish answering.
     */
    private static boolean takesOver(final CommandType type, final long targetCommandId, final Order inProtocol)
    {
        return type == CommandType.STOP ||
            type == CommandType.CANCEL && targetCommandId != 0 && targetCommandId == inProtocol.commandId;
    }

    private void finishUnknown(final Vehicle v, final long id, final CommandType type, final CommandPhase phase,
        final CommandReason reason)
    {
        final Order order = v.scratch;
        order.reset(id, type);
        finish(v, order, phase, reason);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The command protocol

    private void sendStep(final Vehicle v, final Order o, final long nowNs)
    {
        o.deadlineNs = nowNs + ackTimeoutNs;
        o.attempts++;
        final int step = o.step;
        if (o.stepCommand[step] == OrderPlan.UPLOAD)
        {
            if (o.requested < 0)
            {
                link.missionCount(v.systemId, o.itemCount);
            }
            else
            {
                sendItem(v, o, o.requested);
            }
            return;
        }
        // The confirmation counts the retries: a vehicle that executed the first and lost its ACK sees a repeat.
        final int confirmation = Math.min(255, o.attempts - 1 - o.firstOfTransmission);
        if (o.stepInt[step])
        {
            link.commandInt(v.systemId, o.stepCommand[step], MavlinkCommands.FRAME_GLOBAL_RELATIVE_ALT_INT,
                o.stepParam[step][0], o.stepParam[step][1], o.stepParam[step][2], o.stepParam[step][3],
                (int)Math.round(o.targetLat * 1e7), (int)Math.round(o.targetLon * 1e7), o.stepParam[step][6]);
        }
        else
        {
            final float[] p = o.stepParam[step];
            link.commandLong(v.systemId, o.stepCommand[step], confirmation, p[0], p[1], p[2], p[3], p[4], p[5], p[6]);
        }
    }

    private void sendItem(final Vehicle v, final Order o, final int seq)
    {
        link.missionItem(v.systemId, seq, o.itemCommand[seq], MavlinkCommands.FRAME_GLOBAL_RELATIVE_ALT_INT,
            o.itemP1[seq], o.itemP2[seq], 0f, Float.NaN, o.itemX[seq], o.itemY[seq], o.itemZ[seq]);
    }

    /** Retries and timeouts; call every few milliseconds. @return work done. */
    int tick(final long nowNs)
    {
        int work = 0;
        for (int systemId = 1; systemId < vehicles.length; systemId++)
        {
            final Vehicle v = vehicles[systemId];
            if (v == null)
            {
                continue;
            }
            final Order o = v.sending;
            if (o != null && nowNs - o.sendLimitNs >= 0)
            {
                work++;
                v.sending = null;
                metrics.ordersOverSendLimit.increment();
                LOG.warn("vehicle {} (drone {}) still had order {} ({}) in the command protocol after {} ms, answering " +
                    "but never finishing (IN_PROGRESS without end, a mission item asked for again and again): it fails",
                    systemId, v.droneId, o.commandId, o.type.wireName(), TimeUnit.NANOSECONDS.toMillis(sendLimitNs(o)));
                finish(v, o, CommandPhase.FAILED, CommandReason.VEHICLE_NO_FINAL_ANSWER);
            }
            else if (o != null && nowNs - o.deadlineNs >= 0)
            {
                work++;
                if (o.attempts >= maxAttempts)
                {
                    v.sending = null;
                    if (o.temporarilyRejected)
                    {
                        // The vehicle's last word was "not now", and the attempts are spent: its reason, not silence.
                        finish(v, o, CommandPhase.REJECTED, CommandReason.VEHICLE_TEMPORARILY_REJECTED);
                    }
                    else
                    {
                        finish(v, o, CommandPhase.FAILED, CommandReason.VEHICLE_NO_ANSWER);
                    }
                }
                else
                {
                    metrics.commandRetries.increment();
                    sendStep(v, o, nowNs);
                }
            }
            if (v.running != null && nowNs - v.progressDueNs >= 0)
            {
                v.progressDueNs = nowNs + PROGRESS_INTERVAL_NS;
                progress(v, v.running);
                say(v, v.running);
                work++;
            }
        }
        return work;
    }

    void onCommandAck(final int systemId, final int command, final int result, final int progress, final long nowNs)
    {
        final Vehicle v = vehicles[systemId];
        final Order o = v == null ? null : v.sending;
        if (o == null || o.stepCommand[o.step] != command)
        {
            // A late answer to a retry already answered, or to a command another ground station sent.
            metrics.strayAnswers.increment();
            return;
        }
        switch (result)
        {
            case MavlinkCommands.RESULT_ACCEPTED -> nextStep(v, o, nowNs);
            case MavlinkCommands.RESULT_IN_PROGRESS ->
            {
                // Working on it: no retry (it would start again), wait longer for the final answer.
                o.deadlineNs = nowNs + IN_PROGRESS_PATIENCE * ackTimeoutNs;
                o.attempts = Math.max(o.attempts, maxAttempts - 1);
                if (o.step == o.steps - 1 && progress >= 0 && progress <= 100)
                {
                    o.progress = progress;
                }
            }
            case MavlinkCommands.RESULT_TEMPORARILY_REJECTED ->
            {
                metrics.commandsTemporarilyRejected.increment();
                if (o.attempts >= maxAttempts)
                {
                    v.sending = null;
                    finish(v, o, CommandPhase.REJECTED, CommandReason.VEHICLE_TEMPORARILY_REJECTED);
                }
                else
                {
                    // "Not now" (busy, an upload under way): the protocol says ask again after a delay, within the
                    // attempts. The vehicle did not act on it, so the next send is a new transmission (confirmation
                    // 0): a vehicle must not take it for a repeat of one it acted on.
                    o.temporarilyRejected = true;
                    o.firstOfTransmission = o.attempts;
                    o.deadlineNs = nowNs + ackTimeoutNs;
                }
            }
            default ->
            {
                v.sending = null;
                finish(v, o, CommandPhase.REJECTED, reasonOf(result));
            }
        }
    }

    /** The ledger's reason for a MAV_RESULT other than ACCEPTED and IN_PROGRESS. */
    static CommandReason reasonOf(final int result)
    {
        return switch (result)
        {
            case MavlinkCommands.RESULT_TEMPORARILY_REJECTED -> CommandReason.VEHICLE_TEMPORARILY_REJECTED;
            case MavlinkCommands.RESULT_DENIED -> CommandReason.VEHICLE_DENIED;
            case MavlinkCommands.RESULT_FAILED -> CommandReason.VEHICLE_FAILED;
            case MavlinkCommands.RESULT_CANCELLED -> CommandReason.VEHICLE_CANCELLED;
            // UNSUPPORTED, COMMAND_LONG_ONLY, COMMAND_INT_ONLY, UNSUPPORTED_MAV_FRAME and any newer one.
            default -> CommandReason.VEHICLE_UNSUPPORTED;
        };
    }

    void onMissionRequest(final int systemId, final int seq, final long nowNs)
    {
        final Vehicle v = vehicles[systemId];
        final Order o = v == null ? null : v.sending;
        if (o == null || o.stepCommand[o.step] != OrderPlan.UPLOAD || seq < 0 || seq >= o.itemCount)
        {
            metrics.strayAnswers.increment();
            return;
        }
        // Each request is progress: the attempts bound a vehicle that stops asking, not a long mission.
        o.requested = seq;
        o.attempts = 1;
        o.deadlineNs = nowNs + ackTimeoutNs;
        sendItem(v, o, seq);
    }

    void onMissionAck(final int systemId, final int type, final int missionType, final long nowNs)
    {
        final Vehicle v = vehicles[systemId];
        final Order o = v == null ? null : v.sending;
        if (o == null || o.stepCommand[o.step] != OrderPlan.UPLOAD || missionType != MavlinkCommands.MISSION_TYPE_MISSION)
        {
            metrics.strayAnswers.increment();
            return;
        }
        if (type == MavlinkCommands.MISSION_ACCEPTED)
        {
            nextStep(v, o, nowNs);
        }
        else
        {
            v.sending = null;
            finish(v, o, CommandPhase.REJECTED, CommandReason.VEHICLE_MISSION_REFUSED);
        }
    }

    private void nextStep(final Vehicle v, final Order o, final long nowNs)
    {
        o.step++;
        o.attempts = 0;
        o.firstOfTransmission = 0;
        o.temporarilyRejected = false;
        if (o.step < o.steps)
        {
            sendStep(v, o, nowNs);
            return;
        }
        v.sending = null;
        accepted(v, o, nowNs);
    }

    private void accepted(final Vehicle v, final Order o, final long nowNs)
    {
        o.phase = CommandPhase.ACCEPTED;
        o.acceptedAtNs = nowNs;
        v.lastAcceptedNs = nowNs;
        say(v, o);
        switch (o.type)
        {
            case SET_SPEED -> finish(v, o, CommandPhase.DONE, CommandReason.NONE);
            case CANCEL ->
            {
                final Order target = v.cancelTarget(o.targetCommandId);
                if (target != null)
                {
                    v.drop(target);
                    finish(v, target, CommandPhase.CANCELLED, CommandReason.CANCELLED_BY_OPERATOR);
                }
                finish(v, o, CommandPhase.DONE, CommandReason.NONE);
            }
            case RESUME ->
            {
                if (v.held != null)
                {
                    if (v.running != null)
                    {
                        final Order hold = v.running;
                        v.running = null;
                        finish(v, hold, CommandPhase.CANCELLED, CommandReason.SUPERSEDED);
                    }
                    v.running = v.held;
                    v.held = null;
                    v.running.acceptedAtNs = nowNs;
                }
                finish(v, o, CommandPhase.DONE, CommandReason.NONE);
            }
            case HOLD ->
            {
                final Order running = v.running;
                if (running != null && running.type == CommandType.HOLD)
                {
                    v.running = null;
                    finish(v, running, CommandPhase.CANCELLED, CommandReason.SUPERSEDED);
                }
                else if (running != null)
                {
                    // Paused, not ended: RESUME takes it up again.
                    if (v.held != null)
                    {
                        final Order older = v.held;
                        v.held = null;
                        finish(v, older, CommandPhase.CANCELLED, CommandReason.SUPERSEDED);
                    }
                    v.held = running;
                }
                run(v, o, nowNs);
            }
            default ->
            {
                final CommandReason why = o.type == CommandType.STOP ? CommandReason.EMERGENCY_STOP : CommandReason.SUPERSEDED;
                endRunning(v, CommandPhase.CANCELLED, why);
                run(v, o, nowNs);
            }
        }
    }

    private void run(final Vehicle v, final Order o, final long nowNs)
    {
        v.running = o;
        o.phase = CommandPhase.IN_PROGRESS;
        o.startDistance = v.positionKnown ? remaining(v, o) : Double.NaN;
        v.progressDueNs = nowNs;
        checkEffect(v);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // What the vehicle says about itself

    void onHeartbeat(final int systemId, final int autopilot, final int baseMode, final long customMode, final long nowNs)
    {
        final Vehicle v = vehicle(systemId);
        v.live = true;
        v.autopilot = autopilot;
        v.armed = (baseMode & MavlinkCommands.MODE_FLAG_SAFETY_ARMED) != 0;
        final FlightStatus.Mode mode = FlightStatus.mode(autopilot, customMode);
        final Order o = v.running;
        // A vehicle disarms as it touches down and shows its ground mode, often in the datagram before the position
        // that says it is down: that ends a landing or a return home by landing (checkEffect), not by a pilot.
        final boolean touchedDown = !v.armed && o != null && endsOnTheGround(o.type);
        if (o != null && !touchedDown && nowNs - o.acceptedAtNs >= MODE_SETTLE_NS &&
            (takenOver(o.type, mode) || o.commandId < 0 && mode != FlightStatus.Mode.RETURN && mode != FlightStatus.Mode.LAND))
        {
            // A pilot's RC switch, a failsafe: the vehicle no longer flies this order (nor its own return home).
            endAll(v, CommandPhase.CANCELLED, CommandReason.MODE_CHANGED_BY_VEHICLE);
        }
        if (v.running == null && v.held != null && v.sending == null && nowNs - MODE_SETTLE_NS >= v.lastAcceptedNs &&
            takenOver(CommandType.HOLD, mode))
        {
            // Paused, and the hold that paused it done (the vehicle stopped): judged as that hold. A pilot, a failsafe's
            // landing or return leaves nothing to resume; kept, it stayed in progress in the ledger for good (the
            // vehicle still talks, so lost contact never ends it), holding one of the drone's active commands. Not
            // while an order is in the protocol: a resume of a return home or a landing switches to RTL or LAND
            // before its ACK arrives (and the protocol's own limit ends that order in time).
            endRunning(v, CommandPhase.CANCELLED, CommandReason.MODE_CHANGED_BY_VEHICLE);
        }
        // Not while an order of ours may still be switching it (a cancelled return home on its way to a hold).
        if (mode == FlightStatus.Mode.RETURN && v.running == null && v.sending == null && v.armed && v.positionKnown &&
            !landed(v) && nowNs - MODE_SETTLE_NS >= v.lastAcceptedNs)
        {
            startOwnReturn(v, nowNs);
        }
    }

    /**
     * The vehicle flies home in RTL without an order of ours (a failsafe: low battery, lost RC or data link, a geofence
     * of its own; or a pilot's switch): the ledger hears of it as a simulated drone's own low-battery return, as a
     * command the drone started itself (numbered -(base + 1), -(base + 2), ... per vehicle from the edge's
     * {@link #ownCommandBase}, as the ingest node's DroneCommandIds expect),
     * and follows it to its end like one of ours: completed when the vehicle has landed at home.
     */
    private void startOwnReturn(final Vehicle v, final long nowNs)
    {
        final Order o = v.free();
        o.reset(-(++v.ownCommands), CommandType.RETURN_HOME);
        if (v.homeKnown)
        {
            o.targetLat = v.homeLat;
            o.targetLon = v.homeLon;
        }
        o.targetAlt = 0f;
        o.acceptedAtNs = nowNs;
        o.phase = CommandPhase.STARTED_BY_DRONE;
        o.reason = CommandReason.MODE_CHANGED_BY_VEHICLE;
        say(v, o);
        o.reason = CommandReason.NONE;
        o.phase = CommandPhase.IN_PROGRESS;
        o.startDistance = remaining(v, o);
        v.running = o;
        // Its first progress a beat later, after the ingest node has recorded the start.
        v.progressDueNs = nowNs + PROGRESS_INTERVAL_NS;
    }

    /** Orders that end with the vehicle landed (and so disarmed, whatever mode it then shows). */
    private static boolean endsOnTheGround(final CommandType type)
    {
        return type == CommandType.LAND || type == CommandType.STOP || type == CommandType.RETURN_HOME;
    }

    /** Whether a vehicle in {@code mode} has left an order of {@code type} (a mode the order itself does not lead to). */
    static boolean takenOver(final CommandType type, final FlightStatus.Mode mode)
    {
        return switch (mode)
        {
            case MANUAL -> true;
            case RETURN -> type != CommandType.RETURN_HOME;
            case LAND -> type != CommandType.LAND && type != CommandType.STOP && type != CommandType.RETURN_HOME;
            default -> false;
        };
    }

    /**
     * A position (GLOBAL_POSITION_INT) and what the vehicle says of its ground state.
     *
     * @param timeBootMs the vehicle's clock since it booted: going back means it started again.
     */
    void onPosition(final int systemId, final long timeBootMs, final double latitude, final double longitude,
        final float relativeAltitude, final float amslAltitude, final float groundSpeed, final boolean grounded)
    {
        final Vehicle v = vehicle(systemId);
        if (v.positionKnown && timeBootMs + REBOOT_BACKSTEP_MS < v.timeBootMs)
        {
            metrics.vehiclesRebooted.increment();
            LOG.warn("vehicle {} (drone {}) rebooted: its boot clock went from {} ms to {} ms; its orders end", systemId,
                v.droneId, v.timeBootMs, timeBootMs);
            endAll(v, CommandPhase.FAILED, CommandReason.VEHICLE_REBOOTED);
        }
        v.timeBootMs = timeBootMs;
        v.positionKnown = true;
        v.latitude = latitude;
        v.longitude = longitude;
        v.altitude = relativeAltitude;
        v.homeAmsl = amslAltitude - relativeAltitude;
        v.groundSpeed = groundSpeed;
        v.grounded = grounded;
        if (grounded)
        {
            // Where PX4 and ArduPilot set home: where the vehicle arms.
            v.homeKnown = true;
            v.homeLat = latitude;
            v.homeLon = longitude;
        }
        if (v.running != null)
        {
            checkEffect(v);
        }
    }

    void onMissionCurrent(final int systemId, final int seq)
    {
        final Vehicle v = vehicles[systemId];
        final Order o = v == null ? null : v.running;
        if (o != null && o.type == CommandType.MISSION && seq >= 0 && seq < o.itemCount && o.itemWaypoint[seq] >= 0)
        {
            o.waypointIndex = o.itemWaypoint[seq];
        }
    }

    void onMissionItemReached(final int systemId, final int seq)
    {
        final Vehicle v = vehicles[systemId];
        final Order o = v == null ? null : v.running;
        if (o != null && o.type == CommandType.MISSION && seq >= 0 && seq < o.itemCount)
        {
            if (o.itemWaypoint[seq] >= 0)
            {
                o.waypointIndex = o.itemWaypoint[seq];
            }
            if (seq == o.lastNavItem)
            {
                o.lastReached = true;
                checkEffect(v);
            }
        }
    }

    /** The vehicle's HEARTBEAT stopped for the heartbeat timeout. */
    void onLost(final int systemId)
    {
        final Vehicle v = vehicles[systemId];
        if (v != null)
        {
            v.live = false;
            endAll(v, CommandPhase.FAILED, CommandReason.VEHICLE_SILENT);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Effects

    private void checkEffect(final Vehicle v)
    {
        final Order o = v.running;
        if (!v.positionKnown)
        {
            return;
        }
        final boolean done = switch (o.type)
        {
            case TAKEOFF -> !v.grounded && Math.abs(v.altitude - o.targetAlt) <= ALTITUDE_M;
            case GOTO -> at(v, o.targetLat, o.targetLon) && Math.abs(v.altitude - o.targetAlt) <= ALTITUDE_M;
            case MISSION -> o.lastReached && at(v, o.targetLat, o.targetLon) &&
                (Float.isNaN(o.targetAlt) || Math.abs(v.altitude - o.targetAlt) <= ALTITUDE_M);
            case HOLD -> v.groundSpeed <= STOPPED_MPS;
            case LAND, STOP -> landed(v);
            case RETURN_HOME -> landed(v) && (!v.homeKnown || at(v, o.targetLat, o.targetLon));
            default -> true;
        };
        if (done)
        {
            if (o.type == CommandType.RETURN_HOME && Double.isNaN(o.targetLat))
            {
                o.targetLat = v.latitude;
                o.targetLon = v.longitude;
            }
            v.running = null;
            finish(v, o, CommandPhase.DONE, CommandReason.NONE);
        }
    }

    private static boolean landed(final Vehicle v)
    {
        return (v.grounded || !v.armed) && v.altitude <= GROUNDED_ALTITUDE_M;
    }

    private static boolean at(final Vehicle v, final double latitude, final double longitude)
    {
        return !Double.isNaN(latitude) && Geodesy.distanceM(v.latitude, v.longitude, latitude, longitude) <= ARRIVAL_M;
    }

    private static double remaining(final Vehicle v, final Order o)
    {
        final double horizontal = Double.isNaN(o.targetLat) ? 0 :
            Geodesy.distanceM(v.latitude, v.longitude, o.targetLat, o.targetLon);
        final double vertical = Float.isNaN(o.targetAlt) ? 0 : Math.abs(v.altitude - o.targetAlt);
        return horizontal + vertical;
    }

    private void progress(final Vehicle v, final Order o)
    {
        if (o.type == CommandType.MISSION)
        {
            o.progress = 100f * o.waypointIndex / Math.max(1, o.waypoints);
        }
        else if (v.positionKnown && o.startDistance > 0)
        {
            o.progress = (float)Math.max(0, Math.min(99, 100 * (1 - remaining(v, o) / o.startDistance)));
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Ends

    private void endRunning(final Vehicle v, final CommandPhase phase, final CommandReason reason)
    {
        if (v.running != null)
        {
            final Order o = v.running;
            v.running = null;
            finish(v, o, phase, reason);
        }
        if (v.held != null)
        {
            final Order o = v.held;
            v.held = null;
            finish(v, o, phase, reason);
        }
    }

    private void endAll(final Vehicle v, final CommandPhase phase, final CommandReason reason)
    {
        if (v.sending != null)
        {
            final Order o = v.sending;
            v.sending = null;
            finish(v, o, phase, reason);
        }
        endRunning(v, phase, reason);
    }

    private void finish(final Vehicle v, final Order o, final CommandPhase phase, final CommandReason reason)
    {
        o.phase = phase;
        o.reason = reason;
        if (phase == CommandPhase.DONE)
        {
            o.progress = 100f;
        }
        say(v, o);
        v.remember(o);
        o.commandId = 0;
    }

    private void say(final Vehicle v, final Order o)
    {
        sink.status(v.droneId, o.commandId, o.phase, o.reason, o.progress, o.type == CommandType.MISSION ? o.waypointIndex : -1,
            o.type, o.targetLat, o.targetLon, o.targetAlt);
    }

    private Vehicle vehicle(final int systemId)
    {
        Vehicle v = vehicles[systemId];
        if (v == null)
        {
            // Once per vehicle, on its first frame or order (not per message).
            v = new Vehicle(systemId, registry.droneId(systemId));
            v.ownCommands = ownCommandBase;
            vehicles[systemId] = v;
        }
        return v;
    }

    /** For tests and /metrics: orders in the command protocol or running. */
    int activeOrders()
    {
        int count = 0;
        for (final Vehicle v : vehicles)
        {
            if (v != null)
            {
                count += (v.sending != null ? 1 : 0) + (v.running != null ? 1 : 0) + (v.held != null ? 1 : 0);
            }
        }
        return count;
    }

    /** An order's state: reused (three per vehicle, a fourth for refusals), never allocated per message. */
    static final class Order
    {
        static final int MAX_STEPS = 3;
        /** A waypoint may need a speed change before it, and ArduPilot's item 0 is home. */
        static final int MAX_ITEMS = 2 * CommandLimits.MAX_WAYPOINTS + 1;

        long commandId;
        CommandType type;
        CommandPhase phase;
        CommandReason reason;
        float progress;
        int waypointIndex;
        double targetLat;
        double targetLon;
        float targetAlt;
        long targetCommandId;

        final int[] stepCommand = new int[MAX_STEPS];
        final boolean[] stepInt = new boolean[MAX_STEPS];
        final float[][] stepParam = new float[MAX_STEPS][7];
        int steps;
        int step;
        /** Sends of the current step, the budget of the command protocol. */
        int attempts;
        /** The attempts before the current transmission: the confirmation field counts the sends since. */
        int firstOfTransmission;
        /** Whether the vehicle's last answer to the current step was TEMPORARILY_REJECTED. */
        boolean temporarilyRejected;
        long deadlineNs;
        /** When it leaves the protocol failed whatever the vehicle still says ({@link #SEND_LIMIT}). */
        long sendLimitNs;
        long acceptedAtNs;
        double startDistance;

        final int[] itemCommand = new int[MAX_ITEMS];
        final float[] itemP1 = new float[MAX_ITEMS];
        final float[] itemP2 = new float[MAX_ITEMS];
        final int[] itemX = new int[MAX_ITEMS];
        final int[] itemY = new int[MAX_ITEMS];
        final float[] itemZ = new float[MAX_ITEMS];
        /** The Odyssey waypoint an item flies to; -1 for a speed change or home. */
        final int[] itemWaypoint = new int[MAX_ITEMS];
        int itemCount;
        int lastNavItem;
        int waypoints;
        int requested;
        boolean lastReached;

        void reset(final long id, final CommandType type)
        {
            commandId = id;
            this.type = type;
            phase = null;
            reason = CommandReason.NONE;
            progress = 0f;
            waypointIndex = -1;
            targetLat = Double.NaN;
            targetLon = Double.NaN;
            targetAlt = Float.NaN;
            targetCommandId = 0;
            steps = 0;
            step = 0;
            attempts = 0;
            firstOfTransmission = 0;
            temporarilyRejected = false;
            deadlineNs = 0;
            sendLimitNs = 0;
            acceptedAtNs = 0;
            startDistance = Double.NaN;
            itemCount = 0;
            lastNavItem = -1;
            waypoints = 0;
            requested = -1;
            lastReached = false;
        }

        /** Adds a COMMAND_LONG (or COMMAND_INT, whose x, y are the target's) step. */
        void step(final int command, final boolean asInt, final float p1, final float p2, final float p3, final float p4,
            final float p5, final float p6, final float p7)
        {
            stepCommand[steps] = command;
            stepInt[steps] = asInt;
            final float[] p = stepParam[steps];
            p[0] = p1;
            p[1] = p2;
            p[2] = p3;
            p[3] = p4;
            p[4] = p5;
            p[5] = p6;
            p[6] = p7;
            steps++;
        }

        void item(final int command, final float p1, final float p2, final double latitude, final double longitude,
            final float altitude, final int waypoint)
        {
            itemCommand[itemCount] = command;
            itemP1[itemCount] = p1;
            itemP2[itemCount] = p2;
            itemX[itemCount] = (int)Math.round(latitude * 1e7);
            itemY[itemCount] = (int)Math.round(longitude * 1e7);
            itemZ[itemCount] = altitude;
            itemWaypoint[itemCount] = waypoint;
            itemCount++;
        }
    }

    /** One vehicle's orders and what the orders need of its state. */
    static final class Vehicle
    {
        final int systemId;
        final long droneId;
        private final Order[] pool = {new Order(), new Order(), new Order()};
        final Order scratch = new Order();
        Order sending;
        Order running;
        Order held;
        long progressDueNs;
        /** The number of the last command the vehicle started itself (its own return home), from the edge's base. */
        long ownCommands;
        /** When the vehicle last accepted an order of ours: its mode may lag behind it for a moment. */
        long lastAcceptedNs = Long.MIN_VALUE;

        boolean live;
        int autopilot;
        boolean armed;
        boolean positionKnown;
        long timeBootMs;
        double latitude;
        double longitude;
        float altitude;
        float homeAmsl;
        float groundSpeed;
        boolean grounded;
        boolean homeKnown;
        double homeLat;
        double homeLon;

        private final long[] recentId = new long[RECENT];
        final CommandPhase[] recentPhase = new CommandPhase[RECENT];
        final CommandReason[] recentReason = new CommandReason[RECENT];
        final CommandType[] recentType = new CommandType[RECENT];
        final float[] recentProgress = new float[RECENT];
        final double[] recentLat = new double[RECENT];
        final double[] recentLon = new double[RECENT];
        final float[] recentAlt = new float[RECENT];
        private int recentNext;

        Vehicle(final int systemId, final long droneId)
        {
            this.systemId = systemId;
            this.droneId = droneId;
        }

        Order find(final long id)
        {
            return sending != null && sending.commandId == id ? sending : running != null && running.commandId == id ?
                running : held != null && held.commandId == id ? held : null;
        }

        Order free()
        {
            for (final Order o : pool)
            {
                if (o != sending && o != running && o != held)
                {
                    return o;
                }
            }
            throw new IllegalStateException("no free order slot");
        }

        Order cancelTarget(final long id)
        {
            return id == 0 ? null : running != null && running.commandId == id ? running :
                held != null && held.commandId == id ? held : null;
        }

        void drop(final Order o)
        {
            if (running == o)
            {
                running = null;
            }
            if (held == o)
            {
                held = null;
            }
        }

        int recent(final long id)
        {
            for (int i = 0; i < RECENT; i++)
            {
                if (recentId[i] == id && id != 0)
                {
                    return i;
                }
            }
            return -1;
        }

        void remember(final Order o)
        {
            final int at = recentNext;
            recentNext = (recentNext + 1) % RECENT;
            recentId[at] = o.commandId;
            recentPhase[at] = o.phase;
            recentReason[at] = o.reason;
            recentType[at] = o.type;
            recentProgress[at] = o.progress;
            recentLat[at] = o.targetLat;
            recentLon[at] = o.targetLon;
            recentAlt[at] = o.targetAlt;
        }
    }
}
