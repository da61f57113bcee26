package io.odyssey.simulator;

import io.odyssey.codecs.sign.FrameSignature;

import io.odyssey.codecs.CommandFrameReader;
import io.odyssey.codecs.CommandLimits;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.DroneFlag;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.codecs.sign.FrameSignature;
import org.agrona.MutableDirectBuffer;

/**
 * The kinematics of many drones, stored as parallel primitive arrays (struct of arrays): ten thousand drones are a
 * few megabytes and stepping one allocates nothing.
 * <p>
 * <b>Autonomous patrol.</b> Each drone loops through a flight: GROUNDED at home (recharging) → TAKING_OFF to its
 * cruise altitude → CRUISING to a waypoint with a bounded turn rate → HOVERING there for a while → the next waypoint
 * of its patrol → … and, when its battery runs low, RETURNING home, LANDING and recharging. Like a real drone's
 * "smart return home", the return starts at the failsafe threshold ({@link #RETURN_BATTERY_PCT} by default) or
 * earlier when the charge needed to fly home and land (plus a margin) is more than that, so a drone far from home
 * never lands on an empty battery.
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
 * Every command the drone hears keeps a slot (the last {@link #COMMAND_SLOTS} per drone): its id, type and latest
 * phase. A resent id is answered again from its slot and never run twice. A slot whose latest phase has not been
 * reported is "dirty" and its drone waits in a queue ({@link #pollAnswerQueue()}); the publisher writes the answers
 * ({@link #writeAnswer}) and confirms each one it could send ({@link #answerSent(int)}), so an answer that met back
 * pressure is offered again, and only the latest phase of a command is ever pending (progress coalesces). The first
 * answer for a command is always its opening (ACCEPTED, REJECTED or STARTED_BY_DRONE), even when the command moved
 * on before it could be sent, so the ground sees every command open before it sees it end.
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

    /** The command types by ordinal, as the slot table keeps them. */
    private static final CommandType[] COMMAND_TYPES = CommandType.values();
    /** What {@link #onCommand} did with a command. */
    public static final int COMMAND_ACCEPTED = 0;
    public static final int COMMAND_REJECTED = 1;
    /** A resend of a command the drone already has: answered again, not run again. */
    public static final int COMMAND_DUPLICATE = 2;
    /** Parameters out of range (answered REJECTED with INVALID_PARAMETERS). */
    public static final int COMMAND_INVALID = 3;

    private static final double ACCELERATION_MPS2 = 2.5;
    private static final double TURN_RATE_DEG_S = 60.0;
    private static final double ARRIVAL_RADIUS_M = 4.0;
    private static final double STOPPED_MPS = 0.1;
    private static final double RECHARGE_PCT_S = 1.5;
    /** Battery drain aloft, % per second: hovering costs power, speed and vertical speed cost more. */
    private static final double DRAIN_HOVER_PCT_S = 0.08;
    private static final double DRAIN_PER_MPS_PCT_S = 0.006;
    private static final double DRAIN_PER_VERTICAL_MPS_PCT_S = 0.02;
    /** Charge kept beyond the estimate of the trip home: covers turning, slowing down for arrival and landing. */
    private static final double RETURN_MARGIN_PCT = 5.0;

    private static final byte GROUNDED = (byte)DroneStatus.GROUNDED.value();
    private static final byte TAKING_OFF = (byte)DroneStatus.TAKING_OFF.value();
    private static final byte CRUISING = (byte)DroneStatus.CRUISING.value();
    private static final byte HOVERING = (byte)DroneStatus.HOVERING.value();
    private static final byte LANDING = (byte)DroneStatus.LANDING.value();
    private static final byte RETURNING = (byte)DroneStatus.RETURNING.value();
    private static final byte EMERGENCY = (byte)DroneStatus.EMERGENCY.value();

    private static final byte AUTONOMOUS = 0;
    private static final byte COMMANDED = 1;

    /** What a commanded drone is doing physically; the command in its active slot says why and what comes next. */
    private static final byte FLIGHT_GROUNDED = 0;
    private static final byte FLIGHT_HOVER = 1;
    private static final byte FLIGHT_BRAKE = 2;
    private static final byte FLIGHT_CLIMB = 3;
    private static final byte FLIGHT_FLY = 4;
    private static final byte FLIGHT_WAYPOINT_HOLD = 5;
    private static final byte FLIGHT_DESCEND = 6;
    private static final byte FLIGHT_EMERGENCY = 7;

    private static final byte NO_SLOT = -1;
    private static final byte SLOT_DIRTY = 1;
    private static final byte SLOT_OPENED = 2;
    private static final byte SLOT_DRONE_STARTED = 4;

    /** Per waypoint in a mission store: latitude, longitude, altitude (resolved), speed (NaN = default), hold, leg. */
    private static final int WAYPOINT_FIELDS = 6;
    private static final int WP_LAT = 0;
    private static final int WP_LON = 1;
    private static final int WP_ALT = 2;
    private static final int WP_SPEED = 3;
    private static final int WP_HOLD = 4;
    private static final int WP_LEG = 5;

    private final int size;
    private final long firstId;
    private final double centerLat;
    private final double centerLon;
    private final double radiusM;
    private final double cruiseSpeed;
    private final double failsafeBatteryPct;
    private final double drainFactor;
    private final double commandTakeoffBatteryPct;
    /** Metres per degree of longitude at the centre: the equirectangular scale used for every drone. */
    private final double metresPerDegreeLon;
    /** Battery % per metre flown home at cruise speed, and per metre descended. */
    private final double returnPctPerMetre;
    private final double landingPctPerMetre;

    private final double[] homeLat;
    private final double[] homeLon;
    private final double[] lat;
    private final double[] lon;
    private final double[] targetLat;
    private final double[] targetLon;
    private final double[] altitude;
    private final double[] cruiseAltitude;
    private final double[] heading;
    private final double[] speed;
    private final double[] climb;
    private final double[] battery;
    private final double[] waitSeconds;
    private final byte[] status;
    private final long[] sequence;
    private final long[] random;

    // Command execution, per drone.
    private final byte[] mode;
    private final byte[] flight;
    private final byte[] activeSlot;
    private final byte[] heldSlot;
    /** Altitude the current leg ends at, and the altitude a take-off from the ground climbs to first. */
    private final double[] goalAltitude;
    private final double[] climbGoal;
    /** Top ground speed of the current leg; the SET_SPEED setting (0 = cruise); the GOTO's own speed (NaN = none). */
    private final double[] legSpeed;
    private final double[] speedSetting;
    private final double[] commandSpeed;
    /** The initial remaining distance of a non-mission command (progress = covered / this). */
    private final double[] commandLength;
    private final int[] waypointIndex;
    private final int[] missionCount;
    /** Progress measure of a mission: metres of path (a hold counts as the metres cruise speed covers in it). */
    private final double[] missionCovered;
    private final double[] missionTotal;
    /** Allocated the first time a drone gets a mission, then reused: most drones never get one. */
    private final double[][] missions;
    /** The number of each drone's latest own command; its id is the negated number. */
    private final long[] droneCommandNumber;
    /** Whether the paused mission was holding at a waypoint (so RESUME holds out the rest there). */
    private final boolean[] pausedAtWaypoint;

    // The last COMMAND_SLOTS commands of each drone, at index i * COMMAND_SLOTS + slot.
    private final long[] slotCommandId;
    private final byte[] slotType;
    private final byte[] slotPhase;
    private final byte[] slotReason;
    private final byte[] slotFlags;
    private final float[] slotProgress;
    private final int[] slotWaypoint;
    private final double[] slotTargetLat;
    private final double[] slotTargetLon;
    private final float[] slotTargetAlt;
    /** When the slot was taken (oldest goes first) and when it became dirty (answers go out in that order). */
    private final long[] slotTakenAt;
    private final long[] slotDirtyAt;
    private long slotClock;

    // Drones with answers to send, first in first out, each at most once.
    private final int[] answerQueue;
    private final boolean[] answerQueued;
    private int answerHead;
    private int answerCount;
    private int writtenSlot = NO_SLOT;
    private byte writtenPhase;
    private long answersLost;

    /** A mission as read from a command, before it is accepted: validated in here, then copied to the drone's store. */
    private final double[] missionScratch = new double[CommandLimits.MAX_WAYPOINTS * WAYPOINT_FIELDS];
    private int missionScratchCount;

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
        this.size = size;
        this.firstId = firstId;
        this.centerLat = centerLat;
        this.centerLon = centerLon;
        this.radiusM = radiusM;
        this.cruiseSpeed = cruiseSpeed;
        this.failsafeBatteryPct = failsafeBatteryPct;
        this.drainFactor = drainFactor;
        commandTakeoffBatteryPct = failsafeBatteryPct + COMMAND_TAKEOFF_MARGIN_PCT;
        metresPerDegreeLon = METRES_PER_DEGREE * Math.cos(Math.toRadians(centerLat));
        returnPctPerMetre = drainFactor * ((DRAIN_HOVER_PCT_S + DRAIN_PER_MPS_PCT_S * cruiseSpeed) / cruiseSpeed);
        landingPctPerMetre = drainFactor *
            ((DRAIN_HOVER_PCT_S + DRAIN_PER_VERTICAL_MPS_PCT_S * DESCENT_RATE_MPS) / DESCENT_RATE_MPS);

        homeLat = new double[size];
        homeLon = new double[size];
        lat = new double[size];
        lon = new double[size];
        targetLat = new double[size];
        targetLon = new double[size];
        altitude = new double[size];
        cruiseAltitude = new double[size];
        heading = new double[size];
        speed = new double[size];
        climb = new double[size];
        battery = new double[size];
        waitSeconds = new double[size];
        status = new byte[size];
        sequence = new long[size];
        random = new long[size];

        mode = new byte[size];
        flight = new byte[size];
        activeSlot = new byte[size];
        heldSlot = new byte[size];
        goalAltitude = new double[size];
        climbGoal = new double[size];
        legSpeed = new double[size];
        speedSetting = new double[size];
        commandSpeed = new double[size];
        commandLength = new double[size];
        waypointIndex = new int[size];
        missionCount = new int[size];
        missionCovered = new double[size];
        missionTotal = new double[size];
        missions = new double[size][];
        droneCommandNumber = new long[size];
        pausedAtWaypoint = new boolean[size];

        final int slots = size * COMMAND_SLOTS;
        slotCommandId = new long[slots];
        slotType = new byte[slots];
        slotPhase = new byte[slots];
        slotReason = new byte[slots];
        slotFlags = new byte[slots];
        slotProgress = new float[slots];
        slotWaypoint = new int[slots];
        slotTargetLat = new double[slots];
        slotTargetLon = new double[slots];
        slotTargetAlt = new float[slots];
        slotTakenAt = new long[slots];
        slotDirtyAt = new long[slots];
        answerQueue = new int[size];
        answerQueued = new boolean[size];

        for (int i = 0; i < size; i++)
        {
            // Seeded by (seed, id) alone, never by index or fleet size: drone 17 flies the same path in any fleet.
            random[i] = mix(seed ^ mix(firstId + i));
            pointInArea(i);
            homeLat[i] = targetLat[i];
            homeLon[i] = targetLon[i];
            lat[i] = homeLat[i];
            lon[i] = homeLon[i];
            heading[i] = normaliseDegrees(360.0 * nextDouble(i));
            battery[i] = 60.0 + 40.0 * nextDouble(i);
            status[i] = GROUNDED;
            // Staggered first take-off so a fresh fleet is airborne within seconds but not in lock step.
            waitSeconds[i] = 8.0 * nextDouble(i);
            activeSlot[i] = NO_SLOT;
            heldSlot[i] = NO_SLOT;
            commandSpeed[i] = Double.NaN;
        }
    }

    public int size()
    {
        return size;
    }

    public long droneId(final int index)
    {
        return firstId + index;
    }

    /** Index of drone {@code droneId}, or -1 when this fleet does not fly it. */
    public int indexOf(final long droneId)
    {
        final long index = droneId - firstId;
        return droneId >= firstId && index < size ? (int)index : -1;
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
        java.util.Arrays.fill(sequence, base);
        java.util.Arrays.fill(droneCommandNumber, base);
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
        if (mode[index] == COMMANDED)
        {
            stepCommanded(index, dt);
        }
        else
        {
            stepAutonomous(index, dt);
        }
        return ++sequence[index];
    }

    private void stepAutonomous(final int i, final double dt)
    {
        final DroneStatus current = DroneStatus.get(status[i]);
        switch (current)
        {
            case GROUNDED:
                speed[i] = 0;
                climb[i] = 0;
                altitude[i] = 0;
                battery[i] = Math.min(100.0, battery[i] + RECHARGE_PCT_S * dt);
                waitSeconds[i] -= dt;
                if (waitSeconds[i] <= 0 && battery[i] >= TAKEOFF_BATTERY_PCT)
                {
                    cruiseAltitude[i] = MIN_CRUISE_ALTITUDE_M + (MAX_CRUISE_ALTITUDE_M - MIN_CRUISE_ALTITUDE_M) * nextDouble(i);
                    status[i] = TAKING_OFF;
                }
                break;

            case TAKING_OFF:
                decelerate(i, dt);
                climb[i] = CLIMB_RATE_MPS;
                altitude[i] = Math.min(cruiseAltitude[i], altitude[i] + CLIMB_RATE_MPS * dt);
                if (altitude[i] >= cruiseAltitude[i])
                {
                    climb[i] = 0;
                    pointInArea(i);
                    status[i] = CRUISING;
                }
                break;

            case CRUISING:
                climb[i] = 0;
                if (flyToward(i, dt, cruiseSpeed))
                {
                    waitSeconds[i] = 3.0 + 12.0 * nextDouble(i);
                    status[i] = HOVERING;
                }
                break;

            case HOVERING:
                climb[i] = 0;
                decelerate(i, dt);
                waitSeconds[i] -= dt;
                if (waitSeconds[i] <= 0)
                {
                    pointInArea(i);
                    status[i] = CRUISING;
                }
                break;

            case RETURNING:
                climb[i] = 0;
                targetLat[i] = homeLat[i];
                targetLon[i] = homeLon[i];
                if (flyToward(i, dt, cruiseSpeed))
                {
                    status[i] = LANDING;
                }
                break;

            case LANDING:
                decelerate(i, dt);
                climb[i] = -DESCENT_RATE_MPS;
                altitude[i] = Math.max(0, altitude[i] - DESCENT_RATE_MPS * dt);
                if (altitude[i] <= 0)
                {
                    climb[i] = 0;
                    speed[i] = 0;
                    waitSeconds[i] = 5.0 + 10.0 * nextDouble(i);
                    status[i] = GROUNDED;
                    if (activeSlot[i] != NO_SLOT)
                    {
                        finishActive(i, CommandPhase.DONE, CommandReason.NONE);
                    }
                }
                break;

            default:
                decelerate(i, dt);
                break;
        }

        if (current != DroneStatus.GROUNDED)
        {
            drain(i, dt);
            if ((current == DroneStatus.CRUISING || current == DroneStatus.HOVERING || current == DroneStatus.TAKING_OFF) &&
                battery[i] < returnThreshold(i))
            {
                status[i] = RETURNING;
                startFailsafeCommand(i);
            }
        }
    }

    private void stepCommanded(final int i, final double dt)
    {
        final boolean wasAirborne = status[i] != GROUNDED;
        switch (flight[i])
        {
            case FLIGHT_GROUNDED:
                speed[i] = 0;
                climb[i] = 0;
                altitude[i] = 0;
                // A commanded drone charges where it landed and waits for orders.
                battery[i] = Math.min(100.0, battery[i] + RECHARGE_PCT_S * dt);
                break;

            case FLIGHT_HOVER:
                climb[i] = 0;
                decelerate(i, dt);
                break;

            case FLIGHT_BRAKE:
                climb[i] = 0;
                decelerate(i, dt);
                if (speed[i] < STOPPED_MPS)
                {
                    speed[i] = 0;
                    stopped(i);
                }
                break;

            case FLIGHT_CLIMB:
                decelerate(i, dt);
                changeAltitude(i, climbGoal[i], dt);
                if (altitude[i] == climbGoal[i])
                {
                    climb[i] = 0;
                    climbed(i);
                }
                break;

            case FLIGHT_FLY:
            {
                final boolean there = flyToward(i, dt, legSpeed[i]);
                if (there)
                {
                    // Over the spot: brake there while the altitude is still changing.
                    speed[i] = Math.max(0.0, speed[i] - ACCELERATION_MPS2 * dt);
                }
                changeAltitude(i, goalAltitude[i], dt);
                if (there && altitude[i] == goalAltitude[i])
                {
                    climb[i] = 0;
                    arrived(i);
                }
                break;
            }

            case FLIGHT_WAYPOINT_HOLD:
                climb[i] = 0;
                decelerate(i, dt);
                waitSeconds[i] -= dt;
                if (waitSeconds[i] <= 0)
                {
                    waypointHoldDone(i);
                }
                break;

            case FLIGHT_DESCEND:
                descend(i, DESCENT_RATE_MPS, dt);
                break;

            case FLIGHT_EMERGENCY:
                descend(i, EMERGENCY_DESCENT_RATE_MPS, dt);
                break;

            default:
                decelerate(i, dt);
                break;
        }

        if (wasAirborne)
        {
            drain(i, dt);
            if (status[i] != GROUNDED && !homeBound(i) && battery[i] < returnThreshold(i))
            {
                failsafe(i);
            }
        }
    }

    private void drain(final int i, final double dt)
    {
        final double drainPerSecond = DRAIN_HOVER_PCT_S + DRAIN_PER_MPS_PCT_S * speed[i] +
            DRAIN_PER_VERTICAL_MPS_PCT_S * Math.abs(climb[i]);
        battery[i] = Math.max(0.0, battery[i] - drainPerSecond * drainFactor * dt);
    }

    /** Battery % below which drone {@code i} must head home now: the fixed threshold, or the trip home if more. */
    double returnThreshold(final int i)
    {
        final double tripHome = distanceHome(i) * returnPctPerMetre + altitude[i] * landingPctPerMetre + RETURN_MARGIN_PCT;
        return Math.max(failsafeBatteryPct, tripHome);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Commands in

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
        final long commandId = command.commandId();
        final int known = findSlot(i, commandId);
        if (known != NO_SLOT)
        {
            markDirty(i, known);
            return COMMAND_DUPLICATE;
        }

        final CommandType type = command.type();
        if (command.repeatAnswerOnly())
        {
            // Asked only to repeat an answer the ground lost: a command this drone no longer has (evicted, or the
            // drone restarted) is not started now, it has failed.
            answer(i, takeSlot(i, commandId, type, false), CommandPhase.FAILED, CommandReason.NO_SUCH_COMMAND);
            return COMMAND_REJECTED;
        }
        final long expiresAt = command.expiresAtNanos();
        if (nowEpochNanos != 0 && expiresAt > 0 && nowEpochNanos > expiresAt)
        {
            reject(i, takeSlot(i, commandId, type, false), CommandReason.EXPIRED);
            return COMMAND_REJECTED;
        }
        final boolean valid = validParameters(command, type);
        final int s = takeSlot(i, commandId, type, false);
        if (!valid)
        {
            reject(i, s, CommandReason.INVALID_PARAMETERS);
            return COMMAND_INVALID;
        }
        final CommandReason refusal = refusal(i, type, command);
        if (refusal != CommandReason.NONE)
        {
            reject(i, s, refusal);
            return COMMAND_REJECTED;
        }
        execute(i, s, type, command);
        // After execute: what it ended (superseded, cancelled) is reported before the new command opens.
        markDirty(i, s);
        return COMMAND_ACCEPTED;
    }

    private boolean validParameters(final CommandFrameReader command, final CommandType type)
    {
        switch (type)
        {
            case TAKEOFF:
                return isAltitudeOrNaN(command.altitude());

            case GOTO:
                return CommandLimits.isLatitude(command.latitude()) && CommandLimits.isLongitude(command.longitude()) &&
                    isAltitudeOrNaN(command.altitude()) && isSpeedOrNaN(command.speed());

            case SET_SPEED:
                return isSpeed(command.speed());

            case MISSION:
                return readMission(command);

            default:
                return true;
        }
    }

    /** Reads (the only pass over the group) and checks a mission's waypoints into {@link #missionScratch}. */
    private boolean readMission(final CommandFrameReader command)
    {
        final int count = command.waypointCount();
        missionScratchCount = 0;
        if (count < 1 || count > CommandLimits.MAX_WAYPOINTS)
        {
            return false;
        }
        int at = 0;
        while (command.nextWaypoint())
        {
            final float hold = command.waypointHoldSeconds();
            if (!CommandLimits.isLatitude(command.waypointLatitude()) || !CommandLimits.isLongitude(command.waypointLongitude()) ||
                !isAltitudeOrNaN(command.waypointAltitude()) || !isSpeedOrNaN(command.waypointSpeed()) ||
                !(Float.isNaN(hold) || CommandLimits.isHold(hold)))
            {
                return false;
            }
            missionScratch[at + WP_LAT] = command.waypointLatitude();
            missionScratch[at + WP_LON] = command.waypointLongitude();
            missionScratch[at + WP_ALT] = command.waypointAltitude();
            missionScratch[at + WP_SPEED] = command.waypointSpeed();
            missionScratch[at + WP_HOLD] = Float.isNaN(hold) ? 0.0 : hold;
            at += WAYPOINT_FIELDS;
        }
        missionScratchCount = count;
        return true;
    }

    /** Why drone {@code i} cannot do {@code type} now, or NONE. */
    private CommandReason refusal(final int i, final CommandType type, final CommandFrameReader command)
    {
        final boolean airborne = status[i] != GROUNDED;
        final boolean lowAloft = airborne && battery[i] < returnThreshold(i);
        final boolean tooLowToTakeOff = !airborne && battery[i] < commandTakeoffBatteryPct;
        switch (type)
        {
            case TAKEOFF:
                if (airborne)
                {
                    return CommandReason.ALREADY_AIRBORNE;
                }
                return tooLowToTakeOff ? CommandReason.BATTERY_TOO_LOW : CommandReason.NONE;

            case GOTO:
            case MISSION:
                return lowAloft || tooLowToTakeOff ? CommandReason.BATTERY_TOO_LOW : CommandReason.NONE;

            case HOLD:
                if (!airborne)
                {
                    return CommandReason.NOT_AIRBORNE;
                }
                // Holding would only pause the way home; the failsafe would start it again at once.
                return lowAloft ? CommandReason.BATTERY_TOO_LOW : CommandReason.NONE;

            case RESUME:
                if (!airborne)
                {
                    return CommandReason.NOT_AIRBORNE;
                }
                if (lowAloft)
                {
                    return CommandReason.BATTERY_TOO_LOW;
                }
                return heldSlot[i] == NO_SLOT && activeSlot[i] != NO_SLOT ? CommandReason.NOTHING_TO_RESUME :
                    CommandReason.NONE;

            case RETURN_HOME:
                return tooLowToTakeOff && distanceHome(i) > ARRIVAL_RADIUS_M ? CommandReason.BATTERY_TOO_LOW :
                    CommandReason.NONE;

            case LAND:
            case STOP:
                return airborne ? CommandReason.NONE : CommandReason.NOT_AIRBORNE;

            case CANCEL:
            {
                // Only what runs or is paused can be cancelled; anything else is over, or was never heard.
                final int target = findSlot(i, command.targetCommandId());
                return target != NO_SLOT && (target == activeSlot[i] || target == heldSlot[i]) ? CommandReason.NONE :
                    CommandReason.NO_SUCH_COMMAND;
            }

            default:
                return CommandReason.NONE;
        }
    }

    private void execute(final int i, final int s, final CommandType type, final CommandFrameReader command)
    {
        final boolean airborne = status[i] != GROUNDED;
        switch (type)
        {
            case TAKEOFF:
            {
                takeCommand(i, s);
                final float wanted = command.altitude();
                goalAltitude[i] = Float.isNaN(wanted) ? DEFAULT_TAKEOFF_ALTITUDE_M : wanted;
                climbGoal[i] = goalAltitude[i];
                targetLat[i] = lat[i];
                targetLon[i] = lon[i];
                commandLength[i] = goalAltitude[i];
                target(i, s, lat[i], lon[i], goalAltitude[i]);
                startClimb(i);
                break;
            }

            case GOTO:
            {
                takeCommand(i, s);
                final float wanted = command.altitude();
                goalAltitude[i] = !Float.isNaN(wanted) ? wanted : airborne ? altitude[i] : DEFAULT_TAKEOFF_ALTITUDE_M;
                targetLat[i] = command.latitude();
                targetLon[i] = command.longitude();
                commandSpeed[i] = command.speed();
                legSpeed[i] = legSpeedFor(i, commandSpeed[i]);
                commandLength[i] = distanceTo(i, targetLat[i], targetLon[i]) + Math.abs(goalAltitude[i] - altitude[i]);
                target(i, s, targetLat[i], targetLon[i], goalAltitude[i]);
                if (airborne)
                {
                    startFly(i);
                }
                else
                {
                    climbGoal[i] = Math.min(goalAltitude[i], TAKEOFF_CLEARANCE_M);
                    startClimb(i);
                }
                break;
            }

            case MISSION:
                takeCommand(i, s);
                storeMission(i, s, airborne);
                waypointIndex[i] = 0;
                beginLeg(i);
                break;

            case HOLD:
            {
                commanded(i);
                final int running = activeSlot[i];
                if (running != NO_SLOT)
                {
                    if (slotType[slot(i, running)] == CommandType.HOLD.ordinal())
                    {
                        answer(i, running, CommandPhase.CANCELLED, CommandReason.SUPERSEDED);
                    }
                    else
                    {
                        // Paused, not ended: as far as the drone is concerned it is still in progress.
                        heldSlot[i] = (byte)running;
                        pausedAtWaypoint[i] = flight[i] == FLIGHT_WAYPOINT_HOLD;
                    }
                }
                activeSlot[i] = (byte)s;
                target(i, s, lat[i], lon[i], altitude[i]);
                holdHere(i);
                break;
            }

            case RESUME:
                if (heldSlot[i] != NO_SLOT)
                {
                    commanded(i);
                    if (activeSlot[i] != NO_SLOT)
                    {
                        answer(i, activeSlot[i], CommandPhase.CANCELLED, CommandReason.SUPERSEDED);
                    }
                    activeSlot[i] = heldSlot[i];
                    heldSlot[i] = NO_SLOT;
                    continueActive(i);
                }
                else if (mode[i] == COMMANDED)
                {
                    // Nothing paused and nothing running: back to its own patrol, from where it is.
                    mode[i] = AUTONOMOUS;
                    status[i] = HOVERING;
                    waitSeconds[i] = 0;
                }
                answer(i, s, CommandPhase.DONE, CommandReason.NONE);
                break;

            case RETURN_HOME:
                takeCommand(i, s);
                target(i, s, homeLat[i], homeLon[i], 0f);
                if (!airborne && distanceHome(i) <= ARRIVAL_RADIUS_M)
                {
                    finishActive(i, CommandPhase.DONE, CommandReason.NONE);
                }
                else
                {
                    commandLength[i] = distanceHome(i) + altitude[i];
                    returnHome(i);
                }
                break;

            case LAND:
                takeCommand(i, s);
                target(i, s, lat[i], lon[i], 0f);
                commandLength[i] = altitude[i];
                flight[i] = FLIGHT_DESCEND;
                status[i] = LANDING;
                break;

            case STOP:
                commanded(i);
                endRunningCommands(i, CommandPhase.CANCELLED, CommandReason.EMERGENCY_STOP);
                activeSlot[i] = (byte)s;
                target(i, s, lat[i], lon[i], 0f);
                commandLength[i] = altitude[i];
                flight[i] = FLIGHT_EMERGENCY;
                status[i] = EMERGENCY;
                break;

            case SET_SPEED:
                commanded(i);
                speedSetting[i] = command.speed();
                legSpeed[i] = speedSetting[i];
                answer(i, s, CommandPhase.DONE, CommandReason.NONE);
                break;

            case CANCEL:
            {
                commanded(i);
                final int target = findSlot(i, command.targetCommandId());
                answer(i, target, CommandPhase.CANCELLED, CommandReason.CANCELLED_BY_OPERATOR);
                if (target == activeSlot[i])
                {
                    activeSlot[i] = NO_SLOT;
                    holdHere(i);
                }
                else
                {
                    heldSlot[i] = NO_SLOT;
                }
                answer(i, s, CommandPhase.DONE, CommandReason.NONE);
                break;
            }

            default:
                break;
        }
    }

    /** A movement command takes over: whatever ran or was paused is superseded. */
    private void takeCommand(final int i, final int s)
    {
        commanded(i);
        endRunningCommands(i, CommandPhase.CANCELLED, CommandReason.SUPERSEDED);
        activeSlot[i] = (byte)s;
        commandSpeed[i] = Double.NaN;
    }

    /** Ends the running and the paused command (if any) with {@code phase}. */
    private void endRunningCommands(final int i, final CommandPhase phase, final CommandReason reason)
    {
        if (activeSlot[i] != NO_SLOT)
        {
            answer(i, activeSlot[i], phase, reason);
            activeSlot[i] = NO_SLOT;
        }
        if (heldSlot[i] != NO_SLOT)
        {
            answer(i, heldSlot[i], phase, reason);
            heldSlot[i] = NO_SLOT;
        }
    }

    /** Leaves the patrol (once): the commanded flight picks up from what the drone is doing now. */
    private void commanded(final int i)
    {
        if (mode[i] == COMMANDED)
        {
            return;
        }
        mode[i] = COMMANDED;
        if (status[i] == GROUNDED)
        {
            flight[i] = FLIGHT_GROUNDED;
        }
        else if (activeSlot[i] != NO_SLOT)
        {
            // Its own failsafe return, now flown by the commanded logic.
            continueActive(i);
        }
        else
        {
            brake(i);
        }
    }

    /** Picks up the active command from the drone's current state: after a RESUME, or when leaving the patrol. */
    private void continueActive(final int i)
    {
        final int s = slot(i, activeSlot[i]);
        switch (COMMAND_TYPES[slotType[s]])
        {
            case TAKEOFF:
                targetLat[i] = slotTargetLat[s];
                targetLon[i] = slotTargetLon[s];
                goalAltitude[i] = slotTargetAlt[s];
                climbGoal[i] = slotTargetAlt[s];
                startClimb(i);
                break;

            case GOTO:
                targetLat[i] = slotTargetLat[s];
                targetLon[i] = slotTargetLon[s];
                goalAltitude[i] = slotTargetAlt[s];
                legSpeed[i] = legSpeedFor(i, commandSpeed[i]);
                startFly(i);
                break;

            case MISSION:
                if (pausedAtWaypoint[i])
                {
                    // The rest of the waypoint's hold (HOLD and hovering leave waitSeconds alone).
                    flight[i] = FLIGHT_WAYPOINT_HOLD;
                    status[i] = HOVERING;
                }
                else
                {
                    beginLeg(i);
                }
                break;

            case RETURN_HOME:
                returnHome(i);
                break;

            case LAND:
                flight[i] = FLIGHT_DESCEND;
                status[i] = LANDING;
                break;

            case STOP:
                flight[i] = FLIGHT_EMERGENCY;
                status[i] = EMERGENCY;
                break;

            default:
                brake(i);
                break;
        }
    }

    private void storeMission(final int i, final int s, final boolean airborne)
    {
        if (missions[i] == null)
        {
            missions[i] = new double[CommandLimits.MAX_WAYPOINTS * WAYPOINT_FIELDS];
        }
        final double[] mission = missions[i];
        final int count = missionScratchCount;
        System.arraycopy(missionScratch, 0, mission, 0, count * WAYPOINT_FIELDS);
        missionCount[i] = count;

        // Resolve "keep the altitude" along the path, and size each leg (horizontal + vertical metres) for progress.
        double fromLat = lat[i];
        double fromLon = lon[i];
        double fromAlt = altitude[i];
        double previousAlt = airborne ? altitude[i] : DEFAULT_TAKEOFF_ALTITUDE_M;
        double total = 0;
        for (int k = 0, at = 0; k < count; k++, at += WAYPOINT_FIELDS)
        {
            if (Double.isNaN(mission[at + WP_ALT]))
            {
                mission[at + WP_ALT] = previousAlt;
            }
            previousAlt = mission[at + WP_ALT];
            final double leg = distance(fromLat, fromLon, mission[at + WP_LAT], mission[at + WP_LON]) +
                Math.abs(mission[at + WP_ALT] - fromAlt);
            mission[at + WP_LEG] = leg;
            total += leg + mission[at + WP_HOLD] * cruiseSpeed;
            fromLat = mission[at + WP_LAT];
            fromLon = mission[at + WP_LON];
            fromAlt = mission[at + WP_ALT];
        }
        missionTotal[i] = total;
        missionCovered[i] = 0;
        final int last = (count - 1) * WAYPOINT_FIELDS;
        target(i, s, mission[last + WP_LAT], mission[last + WP_LON], mission[last + WP_ALT]);
    }

    /** Sets off toward the mission's current waypoint (climbing from the ground first). */
    private void beginLeg(final int i)
    {
        final double[] mission = missions[i];
        final int at = waypointIndex[i] * WAYPOINT_FIELDS;
        targetLat[i] = mission[at + WP_LAT];
        targetLon[i] = mission[at + WP_LON];
        goalAltitude[i] = mission[at + WP_ALT];
        legSpeed[i] = legSpeedFor(i, mission[at + WP_SPEED]);
        slotWaypoint[slot(i, activeSlot[i])] = waypointIndex[i];
        if (status[i] == GROUNDED)
        {
            climbGoal[i] = Math.min(goalAltitude[i], TAKEOFF_CLEARANCE_M);
            startClimb(i);
        }
        else
        {
            startFly(i);
        }
    }

    private void returnHome(final int i)
    {
        targetLat[i] = homeLat[i];
        targetLon[i] = homeLon[i];
        goalAltitude[i] = Math.max(altitude[i], RETURN_ALTITUDE_M);
        legSpeed[i] = legSpeedFor(i, Double.NaN);
        if (distanceHome(i) <= ARRIVAL_RADIUS_M)
        {
            flight[i] = FLIGHT_DESCEND;
            status[i] = LANDING;
        }
        else if (status[i] == GROUNDED)
        {
            climbGoal[i] = Math.min(goalAltitude[i], TAKEOFF_CLEARANCE_M);
            startClimb(i);
        }
        else
        {
            startFly(i);
        }
    }

    /** An explicit speed wins; otherwise the drone's SET_SPEED setting; otherwise cruise speed. */
    private double legSpeedFor(final int i, final double explicit)
    {
        if (!Double.isNaN(explicit))
        {
            return explicit;
        }
        return speedSetting[i] > 0 ? speedSetting[i] : cruiseSpeed;
    }

    private void startClimb(final int i)
    {
        flight[i] = FLIGHT_CLIMB;
        status[i] = TAKING_OFF;
    }

    private void startFly(final int i)
    {
        flight[i] = FLIGHT_FLY;
        status[i] = activeIs(i, CommandType.RETURN_HOME) ? RETURNING : CRUISING;
    }

    private void brake(final int i)
    {
        flight[i] = FLIGHT_BRAKE;
        status[i] = HOVERING;
    }

    /** Stops where it is: brakes to a hover, or, still on the ground (told to stop in the cycle it set off), stays. */
    private void holdHere(final int i)
    {
        if (altitude[i] <= 0)
        {
            speed[i] = 0;
            climb[i] = 0;
            flight[i] = FLIGHT_GROUNDED;
            status[i] = GROUNDED;
        }
        else
        {
            brake(i);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Commanded flight: what happens when a part of it is over

    private void stopped(final int i)
    {
        flight[i] = FLIGHT_HOVER;
        if (activeIs(i, CommandType.HOLD))
        {
            final int s = slot(i, activeSlot[i]);
            slotTargetLat[s] = lat[i];
            slotTargetLon[s] = lon[i];
            slotTargetAlt[s] = (float)altitude[i];
            finishActive(i, CommandPhase.DONE, CommandReason.NONE);
        }
    }

    private void climbed(final int i)
    {
        if (activeSlot[i] == NO_SLOT || activeIs(i, CommandType.TAKEOFF))
        {
            if (activeSlot[i] != NO_SLOT)
            {
                finishActive(i, CommandPhase.DONE, CommandReason.NONE);
            }
            brake(i);
        }
        else
        {
            startFly(i);
        }
    }

    private void arrived(final int i)
    {
        if (activeIs(i, CommandType.MISSION))
        {
            waypointReached(i);
        }
        else if (activeIs(i, CommandType.RETURN_HOME))
        {
            flight[i] = FLIGHT_DESCEND;
            status[i] = LANDING;
        }
        else
        {
            if (activeSlot[i] != NO_SLOT)
            {
                finishActive(i, CommandPhase.DONE, CommandReason.NONE);
            }
            brake(i);
        }
    }

    private void waypointReached(final int i)
    {
        final int s = slot(i, activeSlot[i]);
        final int at = waypointIndex[i] * WAYPOINT_FIELDS;
        missionCovered[i] += missions[i][at + WP_LEG];
        slotWaypoint[s] = waypointIndex[i];
        final double hold = missions[i][at + WP_HOLD];
        if (hold > 0)
        {
            waitSeconds[i] = hold;
            flight[i] = FLIGHT_WAYPOINT_HOLD;
            status[i] = HOVERING;
        }
        else
        {
            waypointHoldDone(i);
        }
        // Every waypoint reached is reported (the last one by the mission's DONE).
        progressUpdate(i);
    }

    private void waypointHoldDone(final int i)
    {
        missionCovered[i] += missions[i][waypointIndex[i] * WAYPOINT_FIELDS + WP_HOLD] * cruiseSpeed;
        if (waypointIndex[i] + 1 >= missionCount[i])
        {
            finishActive(i, CommandPhase.DONE, CommandReason.NONE);
            brake(i);
        }
        else
        {
            waypointIndex[i]++;
            beginLeg(i);
        }
    }

    private void descend(final int i, final double rate, final double dt)
    {
        decelerate(i, dt);
        climb[i] = -rate;
        altitude[i] = Math.max(0, altitude[i] - rate * dt);
        if (altitude[i] <= 0)
        {
            climb[i] = 0;
            speed[i] = 0;
            status[i] = GROUNDED;
            flight[i] = FLIGHT_GROUNDED;
            if (activeSlot[i] != NO_SLOT)
            {
                final int s = slot(i, activeSlot[i]);
                if (slotType[s] != CommandType.RETURN_HOME.ordinal())
                {
                    // Landed where it came down, which the drone only knows now.
                    slotTargetLat[s] = lat[i];
                    slotTargetLon[s] = lon[i];
                }
                finishActive(i, CommandPhase.DONE, CommandReason.NONE);
            }
        }
    }

    /** Is the drone on its way home or down already (so the failsafe has nothing to add)? */
    private boolean homeBound(final int i)
    {
        return flight[i] == FLIGHT_DESCEND || flight[i] == FLIGHT_EMERGENCY || activeIs(i, CommandType.RETURN_HOME);
    }

    /** Low battery aloft: whatever the drone was told fails, and it flies home on its own. */
    private void failsafe(final int i)
    {
        endRunningCommands(i, CommandPhase.FAILED, CommandReason.FAILSAFE_LOW_BATTERY);
        startFailsafeCommand(i);
        returnHome(i);
    }

    /** Opens the drone's own RETURN_HOME (STARTED_BY_DRONE, negative id) as its active command. */
    private void startFailsafeCommand(final int i)
    {
        // The drone's own number, unique for this drone across restarts (see counterBase); the ground records the
        // command under an id of its own that is unique across drones (docs/api/commands.md).
        final long commandId = -(++droneCommandNumber[i]);
        final int s = takeSlot(i, commandId, CommandType.RETURN_HOME, true);
        target(i, s, homeLat[i], homeLon[i], 0f);
        commandLength[i] = distanceHome(i) + altitude[i];
        activeSlot[i] = (byte)s;
        answer(i, s, CommandPhase.STARTED_BY_DRONE, CommandReason.NONE);
    }

    private void finishActive(final int i, final CommandPhase phase, final CommandReason reason)
    {
        answer(i, activeSlot[i], phase, reason);
        activeSlot[i] = NO_SLOT;
    }

    private boolean activeIs(final int i, final CommandType type)
    {
        return activeSlot[i] != NO_SLOT && slotType[slot(i, activeSlot[i])] == type.ordinal();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Progress

    /**
     * Refreshes the progress of drone {@code i}'s running command and queues it as IN_PROGRESS; called about once a
     * second of real time by the publisher (and at each waypoint reached). Nothing when no command runs.
     */
    public void progressUpdate(final int i)
    {
        final int active = activeSlot[i];
        if (active == NO_SLOT)
        {
            return;
        }
        final int s = slot(i, active);
        slotProgress[s] = Math.max(slotProgress[s], (float)progress(i, s));
        slotPhase[s] = (byte)CommandPhase.IN_PROGRESS.value();
        markDirty(i, active);
    }

    /** Percent of command slot {@code s} (absolute index) that drone {@code i} has done, 0..100. */
    private double progress(final int i, final int s)
    {
        final double covered;
        final double total;
        switch (COMMAND_TYPES[slotType[s]])
        {
            case MISSION:
                total = missionTotal[i];
                if (flight[i] == FLIGHT_WAYPOINT_HOLD)
                {
                    final double hold = missions[i][waypointIndex[i] * WAYPOINT_FIELDS + WP_HOLD];
                    covered = missionCovered[i] + (hold - Math.max(0, waitSeconds[i])) * cruiseSpeed;
                }
                else
                {
                    final double leg = missions[i][waypointIndex[i] * WAYPOINT_FIELDS + WP_LEG];
                    covered = missionCovered[i] + Math.max(0, leg - remainingLeg(i));
                }
                break;

            case TAKEOFF:
            case GOTO:
                total = commandLength[i];
                covered = total - remainingLeg(i);
                break;

            case RETURN_HOME:
                total = commandLength[i];
                covered = total - distanceHome(i) - altitude[i];
                break;

            case LAND:
            case STOP:
                total = commandLength[i];
                covered = total - altitude[i];
                break;

            default:
                return 0;
        }
        return total <= 0 ? 0 : Math.max(0, Math.min(100, 100.0 * covered / total));
    }

    private double remainingLeg(final int i)
    {
        return distanceTo(i, targetLat[i], targetLon[i]) + Math.abs(goalAltitude[i] - altitude[i]);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Command slots and answers

    private static int slot(final int i, final int s)
    {
        return i * COMMAND_SLOTS + s;
    }

    /** Slot (0 .. COMMAND_SLOTS - 1) of drone {@code i} holding {@code commandId}, or NO_SLOT. */
    private int findSlot(final int i, final long commandId)
    {
        if (commandId == 0)
        {
            return NO_SLOT;
        }
        final int base = slot(i, 0);
        for (int s = 0; s < COMMAND_SLOTS; s++)
        {
            if (slotCommandId[base + s] == commandId)
            {
                return s;
            }
        }
        return NO_SLOT;
    }

    /**
     * A slot for a new command: a free one, else the oldest that is neither running, paused nor waiting to be
     * answered, else the oldest that is neither running nor paused (its unsent answer is lost, and counted).
     */
    private int takeSlot(final int i, final long commandId, final CommandType type, final boolean droneStarted)
    {
        final int base = slot(i, 0);
        int chosen = NO_SLOT;
        int fallback = NO_SLOT;
        for (int s = 0; s < COMMAND_SLOTS; s++)
        {
            final int at = base + s;
            if (slotCommandId[at] == 0)
            {
                chosen = s;
                break;
            }
            if (s == activeSlot[i] || s == heldSlot[i])
            {
                continue;
            }
            if ((slotFlags[at] & SLOT_DIRTY) == 0 && (chosen == NO_SLOT || slotTakenAt[at] < slotTakenAt[base + chosen]))
            {
                chosen = s;
            }
            if (fallback == NO_SLOT || slotTakenAt[at] < slotTakenAt[base + fallback])
            {
                fallback = s;
            }
        }
        if (chosen == NO_SLOT)
        {
            chosen = fallback;
            answersLost++;
        }
        final int at = base + chosen;
        slotCommandId[at] = commandId;
        slotType[at] = (byte)type.ordinal();
        slotPhase[at] = (byte)(droneStarted ? CommandPhase.STARTED_BY_DRONE : CommandPhase.ACCEPTED).value();
        slotReason[at] = (byte)CommandReason.NONE.value();
        slotFlags[at] = droneStarted ? SLOT_DRONE_STARTED : 0;
        slotProgress[at] = 0f;
        slotWaypoint[at] = type == CommandType.MISSION ? 0 : -1;
        slotTargetLat[at] = Double.NaN;
        slotTargetLon[at] = Double.NaN;
        slotTargetAlt[at] = Float.NaN;
        slotTakenAt[at] = ++slotClock;
        return chosen;
    }

    private void target(final int i, final int s, final double latitude, final double longitude, final double alt)
    {
        final int at = slot(i, s);
        slotTargetLat[at] = latitude;
        slotTargetLon[at] = longitude;
        slotTargetAlt[at] = (float)alt;
    }

    private void reject(final int i, final int s, final CommandReason reason)
    {
        answer(i, s, CommandPhase.REJECTED, reason);
    }

    /** Records the latest phase of drone {@code i}'s command in slot {@code s} and queues it to be reported. */
    private void answer(final int i, final int s, final CommandPhase phase, final CommandReason reason)
    {
        final int at = slot(i, s);
        slotPhase[at] = (byte)phase.value();
        slotReason[at] = (byte)reason.value();
        if (phase == CommandPhase.DONE)
        {
            slotProgress[at] = 100f;
        }
        markDirty(i, s);
    }

    private void markDirty(final int i, final int s)
    {
        final int at = slot(i, s);
        slotFlags[at] |= SLOT_DIRTY;
        slotDirtyAt[at] = ++slotClock;
        queueAnswers(i);
    }

    /** Puts drone {@code i} at the back of the answer queue unless it is queued already. */
    public void queueAnswers(final int i)
    {
        if (!answerQueued[i])
        {
            answerQueue[(answerHead + answerCount) % size] = i;
            answerCount++;
            answerQueued[i] = true;
        }
    }

    /** Number of drones waiting in the answer queue. */
    public int answersQueued()
    {
        return answerCount;
    }

    /** Takes the drone at the head of the answer queue; call only when {@link #answersQueued()} is positive. */
    public int pollAnswerQueue()
    {
        final int i = answerQueue[answerHead];
        answerHead = (answerHead + 1) % size;
        answerCount--;
        answerQueued[i] = false;
        return i;
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
        final int base = slot(i, 0);
        int due = NO_SLOT;
        for (int s = 0; s < COMMAND_SLOTS; s++)
        {
            final int at = base + s;
            if ((slotFlags[at] & SLOT_DIRTY) != 0 && (due == NO_SLOT || slotDirtyAt[at] < slotDirtyAt[base + due]))
            {
                due = s;
            }
        }
        writtenSlot = due;
        if (due == NO_SLOT)
        {
            return 0;
        }
        final int at = base + due;
        final boolean opening = (slotFlags[at] & SLOT_OPENED) == 0;
        final CommandPhase latest = CommandPhase.get(slotPhase[at]);
        final CommandPhase phase;
        final CommandReason reason;
        // A refusal, or a command the drone no longer has, opens with its own phase: it was never accepted.
        if (!opening || latest == CommandPhase.REJECTED ||
            (latest == CommandPhase.FAILED && slotReason[at] == (byte)CommandReason.NO_SUCH_COMMAND.value()))
        {
            phase = latest;
            reason = CommandReason.get(slotReason[at]);
        }
        else if ((slotFlags[at] & SLOT_DRONE_STARTED) != 0)
        {
            phase = CommandPhase.STARTED_BY_DRONE;
            reason = CommandReason.FAILSAFE_LOW_BATTERY;
        }
        else
        {
            phase = CommandPhase.ACCEPTED;
            reason = CommandReason.NONE;
        }
        writtenPhase = (byte)phase.value();
        final float progress = phase == latest ? slotProgress[at] : 0f;
        return writer.commandStatus(buffer, offset, droneId(i), slotCommandId[at], sentAtNanos, phase, reason, progress,
            slotWaypoint[at], COMMAND_TYPES[slotType[at]], slotTargetLat[at], slotTargetLon[at], slotTargetAlt[at]);
    }

    /** The answer last written by {@link #writeAnswer} for drone {@code i} was sent. */
    public void answerSent(final int i)
    {
        if (writtenSlot == NO_SLOT)
        {
            return;
        }
        final int at = slot(i, writtenSlot);
        slotFlags[at] |= SLOT_OPENED;
        if (slotPhase[at] == writtenPhase)
        {
            slotFlags[at] &= ~SLOT_DIRTY;
        }
        writtenSlot = NO_SLOT;
    }

    /** Answers overwritten before they could be sent (a drone given more commands than it has slots, while cut off). */
    public long answersLost()
    {
        return answersLost;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Kinematics

    /**
     * Encodes drone {@code i}'s current state as a telemetry frame with its current sequence number.
     *
     * @return the encoded length.
     */
    public int writeTelemetry(
        final int i, final TelemetryFrameWriter writer, final MutableDirectBuffer buffer, final int offset,
        final long sentAtNanos)
    {
        return writer.telemetry(buffer, offset, droneId(i), sequence[i], sentAtNanos, lat[i], lon[i],
            (float)altitude[i], headingDegrees(i), (float)speed[i], (float)battery[i], status(i), flags(i),
            (float)climb[i]);
    }

    /** Turns toward the target at a bounded rate, accelerates to {@code topSpeed}, and moves; true when arrived. */
    private boolean flyToward(final int i, final double dt, final double topSpeed)
    {
        final double east = (targetLon[i] - lon[i]) * metresPerDegreeLon;
        final double north = (targetLat[i] - lat[i]) * METRES_PER_DEGREE;
        final double distance = Math.sqrt(east * east + north * north);
        if (distance <= Math.max(ARRIVAL_RADIUS_M, speed[i] * dt))
        {
            lat[i] = targetLat[i];
            lon[i] = targetLon[i];
            return true;
        }

        final double bearing = Math.toDegrees(Math.atan2(east, north));
        final double turn = normaliseSigned(bearing - heading[i]);
        final double maxTurn = TURN_RATE_DEG_S * dt;
        heading[i] = normaliseDegrees(heading[i] + Math.max(-maxTurn, Math.min(maxTurn, turn)));

        // Slow down for the final approach so drones do not overshoot and circle.
        final double wanted = Math.min(topSpeed, Math.max(2.0, distance / 3.0));
        final double change = ACCELERATION_MPS2 * dt;
        speed[i] = speed[i] < wanted ? Math.min(wanted, speed[i] + change) : Math.max(wanted, speed[i] - change);
        move(i, speed[i] * dt);
        return false;
    }

    /** Climbs or descends toward {@code goal} at the climb or descent rate, stopping exactly on it. */
    private void changeAltitude(final int i, final double goal, final double dt)
    {
        final double difference = goal - altitude[i];
        if (difference > 0)
        {
            final double step = CLIMB_RATE_MPS * dt;
            climb[i] = difference <= step ? difference / dt : CLIMB_RATE_MPS;
            altitude[i] = difference <= step ? goal : altitude[i] + step;
        }
        else if (difference < 0)
        {
            final double step = DESCENT_RATE_MPS * dt;
            climb[i] = -difference <= step ? difference / dt : -DESCENT_RATE_MPS;
            altitude[i] = -difference <= step ? goal : altitude[i] - step;
        }
        else
        {
            climb[i] = 0;
        }
    }

    /** Brakes toward a stop, drifting along the heading meanwhile. */
    private void decelerate(final int i, final double dt)
    {
        speed[i] = Math.max(0.0, speed[i] - ACCELERATION_MPS2 * dt);
        if (speed[i] > 0)
        {
            move(i, speed[i] * dt);
        }
    }

    private void move(final int i, final double metres)
    {
        final double headingRad = Math.toRadians(heading[i]);
        lat[i] += metres * Math.cos(headingRad) / METRES_PER_DEGREE;
        lon[i] += metres * Math.sin(headingRad) / metresPerDegreeLon;
    }

    private double distanceHome(final int i)
    {
        return distanceTo(i, homeLat[i], homeLon[i]);
    }

    private double distanceTo(final int i, final double latitude, final double longitude)
    {
        return distance(lat[i], lon[i], latitude, longitude);
    }

    private double distance(final double fromLat, final double fromLon, final double toLat, final double toLon)
    {
        final double east = (toLon - fromLon) * metresPerDegreeLon;
        final double north = (toLat - fromLat) * METRES_PER_DEGREE;
        return Math.sqrt(east * east + north * north);
    }

    /** A uniformly distributed point within the patrol area, written to the drone's target. */
    private void pointInArea(final int i)
    {
        final double r = radiusM * Math.sqrt(nextDouble(i));
        final double angle = 2.0 * Math.PI * nextDouble(i);
        targetLat[i] = centerLat + r * Math.cos(angle) / METRES_PER_DEGREE;
        targetLon[i] = centerLon + r * Math.sin(angle) / metresPerDegreeLon;
    }

    /**
     * SplitMix64 (the generator behind {@link java.util.SplittableRandom}) with its state in one long per drone, so
     * the fleet holds no random-number object per drone.
     */
    private double nextDouble(final int i)
    {
        random[i] += 0x9E3779B97F4A7C15L;
        return (mix(random[i]) >>> 11) * 0x1.0p-53;
    }

    private static long mix(final long value)
    {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static double normaliseDegrees(final double degrees)
    {
        double value = degrees % 360.0;
        if (value < 0)
        {
            value += 360.0;
        }
        return value >= 360.0 ? 0.0 : value;
    }

    private static double normaliseSigned(final double degrees)
    {
        final double value = normaliseDegrees(degrees);
        return value > 180.0 ? value - 360.0 : value;
    }

    private static boolean isAltitudeOrNaN(final float value)
    {
        return Float.isNaN(value) || CommandLimits.isAltitude(value);
    }

    private static boolean isSpeedOrNaN(final float value)
    {
        return Float.isNaN(value) || isSpeed(value);
    }

    private static boolean isSpeed(final float value)
    {
        return CommandLimits.isSpeed(value);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // State, for the publisher and tests

    public double latitude(final int i)
    {
        return lat[i];
    }

    public double longitude(final int i)
    {
        return lon[i];
    }

    public double altitude(final int i)
    {
        return altitude[i];
    }

    public double heading(final int i)
    {
        return heading[i];
    }

    /**
     * Heading as sent, in [0, 360): a double just below 360 rounds to 360f as a float, which the reader rejects.
     */
    public float headingDegrees(final int i)
    {
        return wireHeading(heading[i]);
    }

    static float wireHeading(final double degrees)
    {
        final float value = (float)degrees;
        return value >= 360f ? 0f : value;
    }

    public double speed(final int i)
    {
        return speed[i];
    }

    public double climbRate(final int i)
    {
        return climb[i];
    }

    public double battery(final int i)
    {
        return battery[i];
    }

    public DroneStatus status(final int i)
    {
        return DroneStatus.get(status[i]);
    }

    /** Sequence number of the drone's last telemetry step, 0 before the first. */
    public long sequence(final int i)
    {
        return sequence[i];
    }

    public double homeLatitude(final int i)
    {
        return homeLat[i];
    }

    public double homeLongitude(final int i)
    {
        return homeLon[i];
    }

    /** Whether drone {@code i} left its patrol to follow commands. */
    public boolean isCommanded(final int i)
    {
        return mode[i] == COMMANDED;
    }

    /** Telemetry flags of drone {@code i}: always SIMULATED, LOW_BATTERY below {@link #LOW_BATTERY_PCT}. */
    public byte flags(final int i)
    {
        return (byte)(DroneFlag.SIMULATED | (battery[i] < LOW_BATTERY_PCT ? DroneFlag.LOW_BATTERY : 0));
    }

    /** The battery % a grounded drone needs before it takes off on command. */
    public double commandTakeoffBatteryPct()
    {
        return commandTakeoffBatteryPct;
    }

    /** The waypoint drone {@code i}'s running mission flies to (0-based), or -1 when no mission runs (or it is paused). */
    public int missionWaypoint(final int i)
    {
        return activeIs(i, CommandType.MISSION) ? waypointIndex[i] : -1;
    }

    /** The latest phase of drone {@code i}'s command {@code commandId}; null once the drone no longer holds it. */
    public CommandPhase commandPhase(final int i, final long commandId)
    {
        final int s = findSlot(i, commandId);
        return s == NO_SLOT ? null : CommandPhase.get((short)(slotPhase[slot(i, s)] & 0xFF));
    }
}
