package io.odyssey.simulator;

import io.odyssey.codecs.CommandFrameReader;
import io.odyssey.codecs.CommandLimits;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.DroneFlag;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.codecs.sign.FrameSignature;
import org.agrona.MutableDirectBuffer;

import static io.odyssey.simulator.FleetKinematics.mix;
import static io.odyssey.simulator.FleetState.COMMANDED;
import static io.odyssey.simulator.FleetState.GROUNDED;

/**
 * Many simulated drones, and the one door the simulator's threads use to them. The fleet's state is parallel
 * primitive arrays ({@link FleetState}, struct of arrays): ten thousand drones are a few megabytes and stepping one
 * allocates nothing. Each idea is a part of its own, on those columns: {@link FleetKinematics} (how a drone moves and
 * spends its battery), {@link AutonomousPatrol}, {@link CommandAcceptance} (validation against CommandLimits,
 * refusals, resends), {@link CommandExecution} (what an accepted command does), {@link FlightPhases} (how a commanded
 * drone enters each part of its flight, the way home included), {@link CommandedFlight} (flying it, step by step),
 * {@link LowBatteryFailsafe} (its own return home), {@link CommandProgress}, and {@link CommandSlots} (the slot table
 * and answer queue).
 * <p>
 * Left alone, a drone flies its own patrol ({@link AutonomousPatrol}) and flies home on its own when its battery runs
 * low (at the failsafe threshold, {@link #RETURN_BATTERY_PCT} by default, or earlier when home is far).
 * <p>
 * Waypoints, holds and altitudes come from a per-drone random stream seeded by (seed, drone id), and every step
 * advances a drone by the time step it is given, so a drone flies the same path whatever the wall clock, the number of
 * drones or the number of processes. Positions move on a local equirectangular (east/north in metres) approximation
 * around the centre of the patrol area, accurate to well under a metre over a few kilometres.
 * <p>
 * <b>Commands.</b> A drone that accepts a command ({@link #onCommand(int, CommandFrameReader)}) leaves its patrol for good
 * ("commanded") and does only what it is told: one command runs at a time ({@code activeSlot}), a HOLD pauses it
 * ({@code heldSlot}) until RESUME, a new movement command supersedes it; between commands the drone hovers, or stays
 * on the ground after a landing. RESUME with nothing paused sends it back to its patrol. Its low-battery failsafe
 * still applies: it fails what it was doing and flies home on its own, as a command of its own (negative id).
 * <p>
 * Every command the drone hears keeps a slot (the last {@link #COMMAND_SLOTS} per drone), so a resend is answered again
 * and never run twice; the publisher takes the drones with answers to send from a queue ({@link #pollAnswerQueue()}),
 * writes them ({@link #writeAnswer}) and confirms each one it could send ({@link #answerSent(int)}).
 */
public final class DroneFleet
{
    public static final double METRES_PER_DEGREE = 111_320.0;
    /** Default failsafe threshold: below this the drone gives up its patrol and flies home (earlier if home is far). */
    public static final double RETURN_BATTERY_PCT = 25.0;
    /** Below this the LOW_BATTERY flag is set. */
    public static final double LOW_BATTERY_PCT = 20.0;
    /** A grounded patrolling drone recharges to at least this before it takes off again. */
    public static final double TAKEOFF_BATTERY_PCT = 60.0;
    /** A commanded take-off needs this much charge above the failsafe threshold, or it would turn back at once. */
    public static final double COMMAND_TAKEOFF_MARGIN_PCT = 10.0;
    /** Lowest and highest cruise altitude above home, metres. */
    public static final double MIN_CRUISE_ALTITUDE_M = 40.0;
    public static final double MAX_CRUISE_ALTITUDE_M = 120.0;
    /** Vertical speeds, m/s. */
    public static final double CLIMB_RATE_MPS = 3.0;
    public static final double DESCENT_RATE_MPS = 2.0;
    /** An emergency stop comes down faster than a landing. */
    public static final double EMERGENCY_DESCENT_RATE_MPS = 3.0;

    /** TAKEOFF without an altitude, or GOTO/MISSION without one from the ground, climbs to this (the contract's). */
    public static final double DEFAULT_TAKEOFF_ALTITUDE_M = CommandLimits.DEFAULT_TAKEOFF_ALTITUDE_M;
    /** A drone sent somewhere from the ground climbs straight up to this before it sets off (then climbs on the way). */
    public static final double TAKEOFF_CLEARANCE_M = 10.0;
    /** A commanded return home flies at least this high. */
    public static final double RETURN_ALTITUDE_M = MIN_CRUISE_ALTITUDE_M;
    /** Commands remembered per drone, for answering resends: the running and paused ones and the latest others. */
    public static final int COMMAND_SLOTS = 8;
    /** Last counter base handed out in this JVM ({@link #bootCounterBase()}): strictly growing. */
    private static final java.util.concurrent.atomic.AtomicLong LAST_COUNTER_BASE = new java.util.concurrent.atomic.AtomicLong();

    /** What {@link #onCommand} did with a command. */
    public static final int COMMAND_ACCEPTED = 0;
    public static final int COMMAND_REJECTED = 1;
    /** A resend of a command the drone already has: answered again, not run again. */
    public static final int COMMAND_DUPLICATE = 2;
    /** Parameters out of range (answered REJECTED with INVALID_PARAMETERS). */
    public static final int COMMAND_INVALID = 3;
    private final FleetState state;
    private final FleetKinematics kinematics;
    private final CommandSlots slots;
    private final CommandProgress commandProgress;
    private final CommandedFlight commandedFlight;
    private final CommandAcceptance acceptance;
    private final AutonomousPatrol patrol;

    /**
     * A fleet with the default failsafe threshold and battery drain.
     *
     * @param size        number of drones, ids {@code firstId .. firstId + size - 1}.
     * @param seed        seed of every drone's random stream (mixed with the drone's id).
     * @param radiusM     radius of the patrol area around the centre: homes and waypoints lie inside it.
     * @param cruiseSpeed cruise ground speed, m/s.
     */
    public DroneFleet(
        final int size, final long firstId, final long seed, final double centerLat, final double centerLon,
        final double radiusM, final double cruiseSpeed)
    {
        this(size, firstId, seed, centerLat, centerLon, radiusM, cruiseSpeed, RETURN_BATTERY_PCT, 1.0);
    }

    /**
     * @param failsafeBatteryPct battery % below which an airborne drone flies home on its own (earlier if home is far).
     * @param drainFactor        multiplies the battery drain aloft (1 = normal, 0 = never runs down).
     */
    public DroneFleet(
        final int size, final long firstId, final long seed, final double centerLat, final double centerLon,
        final double radiusM, final double cruiseSpeed, final double failsafeBatteryPct, final double drainFactor)
    {
        state = new FleetState(
            size, firstId, centerLat, centerLon, radiusM, cruiseSpeed, failsafeBatteryPct, drainFactor);
        kinematics = new FleetKinematics(state);
        slots = new CommandSlots(state);
        commandProgress = new CommandProgress(state, kinematics, slots);
        final FlightPhases phases = new FlightPhases(state, kinematics, slots);
        final LowBatteryFailsafe failsafe = new LowBatteryFailsafe(state, kinematics, slots, phases);
        commandedFlight = new CommandedFlight(state, kinematics, slots, commandProgress, phases, failsafe);
        acceptance = new CommandAcceptance(
            state, kinematics, slots, new CommandExecution(state, kinematics, slots, phases));
        patrol = new AutonomousPatrol(state, kinematics, slots, failsafe);

        for (int i = 0; i < size; i++)
        {
            // Seeded by (seed, id) alone, never by index or fleet size: drone 17 flies the same path in any fleet.
            state.random[i] = mix(seed ^ mix(firstId + i));
            kinematics.pointInArea(i);
            state.homeLat[i] = state.targetLat[i];
            state.homeLon[i] = state.targetLon[i];
            state.lat[i] = state.homeLat[i];
            state.lon[i] = state.homeLon[i];
            state.heading[i] = normaliseDegrees(360.0 * kinematics.nextDouble(i));
            state.battery[i] = 60.0 + 40.0 * kinematics.nextDouble(i);
            state.status[i] = GROUNDED;
            // Staggered first take-off so a fresh fleet is airborne within seconds but not in lock step.
            state.waitSeconds[i] = 8.0 * kinematics.nextDouble(i);
        }
    }

    public int size()
    {
        return state.size;
    }

    public long droneId(final int index)
    {
        return state.droneId(index);
    }

    /** Index of drone {@code droneId}, or -1 when this fleet does not fly it. */
    public int indexOf(final long droneId)
    {
        final long index = droneId - state.firstId;
        return droneId >= state.firstId && index < state.size ? (int)index : -1;
    }

    /**
     * Where every drone's counters start: its telemetry sequence and the numbers of its own commands (a failsafe return
     * home is {@code -number}). 0 unless set (reproducible runs); a process sets {@link #bootCounterBase()} before the
     * first step, so that its drones carry on above everything an earlier run of the same drones sent: a restarted
     * simulator's telemetry is newer than its last run's (ingest keeps only newer sequences), and its own commands
     * never reuse an id the ground has already seen from that drone.
     */
    public DroneFleet counterBase(final long base)
    {
        java.util.Arrays.fill(state.sequence, base);
        java.util.Arrays.fill(state.droneCommandNumber, base);
        return this;
    }

    /**
     * The boot time in milliseconds of the signing clock ({@link FrameSignature#EPOCH_UNIX_SECONDS}, about 3.7e11 in
     * 2026), and above any base handed out before in this JVM. A drone uses far less than one counter value per
     * millisecond (100 frames a second at most), so a run never reaches the next run's base, and its sequences stay
     * under what ingest accepts from a signed frame (one per millisecond of signed time since that epoch). Assumes the
     * host's clock does not step back between runs.
     */
    public static long bootCounterBase()
    {
        return bootCounterBase(System.currentTimeMillis());
    }

    /** {@link #bootCounterBase()} for a boot at {@code epochMillis}. */
    static long bootCounterBase(final long epochMillis)
    {
        final long now = FrameSignature.timestampOf(epochMillis * 1_000_000L) / 100;
        return LAST_COUNTER_BASE.updateAndGet(last -> Math.max(now, last + 1));
    }

    /**
     * Advances drone {@code index} by {@code dt} seconds of simulated time.
     *
     * @return its next telemetry sequence number: one more than the last (the counter base + 1 for the first step).
     */
    public long step(final int index, final double dt)
    {
        if (state.mode[index] == COMMANDED)
        {
            commandedFlight.step(index, dt);
        }
        else
        {
            patrol.step(index, dt);
        }
        return ++state.sequence[index];
    }

    /** Battery % below which drone {@code i} must head home now: the fixed threshold, or the trip home if more. */
    double returnThreshold(final int i)
    {
        return kinematics.returnThreshold(i);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Commands in, answers out

    /**
     * Acts on a command for drone {@code i} (the caller checked the frame's structure and that the drone is ours) and
     * queues its answer.
     *
     * @return {@link #COMMAND_ACCEPTED}, {@link #COMMAND_REJECTED}, {@link #COMMAND_DUPLICATE} or
     * {@link #COMMAND_INVALID}.
     */
    public int onCommand(final int i, final CommandFrameReader command)
    {
        return onCommand(i, command, 0L);
    }

    /**
     * @param nowEpochNanos the drone's clock, for the command's expiry (0 = do not check).
     */
    public int onCommand(final int i, final CommandFrameReader command, final long nowEpochNanos)
    {
        return acceptance.onCommand(i, command, nowEpochNanos);
    }

    /**
     * Refreshes the progress of drone {@code i}'s running command and queues it as IN_PROGRESS; called about once a
     * second of real time by the publisher (and at each waypoint reached). Nothing when no command runs.
     */
    public void progressUpdate(final int i)
    {
        commandProgress.progressUpdate(i);
    }

    /** Puts drone {@code i} at the back of the answer queue unless it is queued already. */
    public void queueAnswers(final int i)
    {
        slots.queueAnswers(i);
    }

    /** Number of drones waiting in the answer queue. */
    public int answersQueued()
    {
        return slots.answersQueued();
    }

    /** Takes the drone at the head of the answer queue; call only when {@link #answersQueued()} is positive. */
    public int pollAnswerQueue()
    {
        return slots.pollAnswerQueue();
    }

    /**
     * Encodes drone {@code i}'s next answer (of the command that became due first): the command's opening phase if
     * that has not been sent yet, else its latest phase. {@link #answerSent(int)} confirms it went out.
     *
     * @return the encoded length, or 0 when the drone has nothing to answer.
     */
    public int writeAnswer(
        final int i, final TelemetryFrameWriter writer, final MutableDirectBuffer buffer, final int offset,
        final long sentAtNanos)
    {
        return slots.writeAnswer(i, writer, buffer, offset, sentAtNanos);
    }

    /** The answer last written by {@link #writeAnswer} for drone {@code i} was sent. */
    public void answerSent(final int i)
    {
        slots.answerSent(i);
    }

    /** Answers overwritten before they could be sent (a drone given more commands than it has slots, while cut off). */
    public long answersLost()
    {
        return slots.answersLost();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Telemetry

    /**
     * Encodes drone {@code i}'s current state as a telemetry frame with its current sequence number.
     *
     * @return the encoded length.
     */
    public int writeTelemetry(
        final int i, final TelemetryFrameWriter writer, final MutableDirectBuffer buffer, final int offset,
        final long sentAtNanos)
    {
        return writer.telemetry(buffer, offset, droneId(i), state.sequence[i], sentAtNanos, state.lat[i], state.lon[i],
            (float)state.altitude[i], headingDegrees(i), (float)state.speed[i], (float)state.battery[i], status(i),
            flags(i),
            (float)state.climb[i]);
    }

    static double normaliseDegrees(final double degrees)
    {
        return FleetKinematics.normaliseDegrees(degrees);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // State, for the publisher and tests

    public double latitude(final int i)
    {
        return state.lat[i];
    }

    public double longitude(final int i)
    {
        return state.lon[i];
    }

    public double altitude(final int i)
    {
        return state.altitude[i];
    }

    public double heading(final int i)
    {
        return state.heading[i];
    }

    /**
     * Heading as sent, in [0, 360): a double just below 360 rounds to 360f as a float, which the reader rejects.
     */
    public float headingDegrees(final int i)
    {
        return wireHeading(state.heading[i]);
    }

    static float wireHeading(final double degrees)
    {
        return FleetKinematics.wireHeading(degrees);
    }

    public double speed(final int i)
    {
        return state.speed[i];
    }

    public double climbRate(final int i)
    {
        return state.climb[i];
    }

    public double battery(final int i)
    {
        return state.battery[i];
    }

    public DroneStatus status(final int i)
    {
        return DroneStatus.get(state.status[i]);
    }

    /** Sequence number of the drone's last telemetry step, 0 before the first. */
    public long sequence(final int i)
    {
        return state.sequence[i];
    }

    public double homeLatitude(final int i)
    {
        return state.homeLat[i];
    }

    public double homeLongitude(final int i)
    {
        return state.homeLon[i];
    }

    /** Whether drone {@code i} left its patrol to follow commands. */
    public boolean isCommanded(final int i)
    {
        return state.mode[i] == COMMANDED;
    }

    /** Telemetry flags of drone {@code i}: always SIMULATED, LOW_BATTERY below {@link #LOW_BATTERY_PCT}. */
    public byte flags(final int i)
    {
        return (byte)(DroneFlag.SIMULATED | (state.battery[i] < LOW_BATTERY_PCT ? DroneFlag.LOW_BATTERY : 0));
    }

    public double commandTakeoffBatteryPct()
    {
        return state.commandTakeoffBatteryPct;
    }

    /** The waypoint drone {@code i}'s running mission flies to (0-based), or -1 when no mission runs (or it is paused). */
    public int missionWaypoint(final int i)
    {
        return slots.activeIs(i, CommandType.MISSION) ? state.waypointIndex[i] : -1;
    }

    /** The latest phase of drone {@code i}'s command {@code commandId}; null once the drone no longer holds it. */
    public CommandPhase commandPhase(final int i, final long commandId)
    {
        return slots.commandPhase(i, commandId);
    }
}
