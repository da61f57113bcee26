package io.odyssey.simulator;

import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;

import static io.odyssey.simulator.CommandSlots.COMMAND_TYPES;
import static io.odyssey.simulator.CommandSlots.slot;
import static io.odyssey.simulator.DroneFleet.DESCENT_RATE_MPS;
import static io.odyssey.simulator.DroneFleet.EMERGENCY_DESCENT_RATE_MPS;
import static io.odyssey.simulator.DroneFleet.RETURN_ALTITUDE_M;
import static io.odyssey.simulator.DroneFleet.TAKEOFF_CLEARANCE_M;
import static io.odyssey.simulator.FleetKinematics.ACCELERATION_MPS2;
import static io.odyssey.simulator.FleetKinematics.ARRIVAL_RADIUS_M;
import static io.odyssey.simulator.FleetKinematics.STOPPED_MPS;
import static io.odyssey.simulator.FleetState.COMMANDED;
import static io.odyssey.simulator.FleetState.CRUISING;
import static io.odyssey.simulator.FleetState.EMERGENCY;
import static io.odyssey.simulator.FleetState.FLIGHT_BRAKE;
import static io.odyssey.simulator.FleetState.FLIGHT_CLIMB;
import static io.odyssey.simulator.FleetState.FLIGHT_DESCEND;
import static io.odyssey.simulator.FleetState.FLIGHT_EMERGENCY;
import static io.odyssey.simulator.FleetState.FLIGHT_FLY;
import static io.odyssey.simulator.FleetState.FLIGHT_GROUNDED;
import static io.odyssey.simulator.FleetState.FLIGHT_HOVER;
import static io.odyssey.simulator.FleetState.FLIGHT_WAYPOINT_HOLD;
import static io.odyssey.simulator.FleetState.GROUNDED;
import static io.odyssey.simulator.FleetState.HOVERING;
import static io.odyssey.simulator.FleetState.LANDING;
import static io.odyssey.simulator.FleetState.NO_SLOT;
import static io.odyssey.simulator.FleetState.RETURNING;
import static io.odyssey.simulator.FleetState.TAKING_OFF;
import static io.odyssey.simulator.FleetState.WAYPOINT_FIELDS;
import static io.odyssey.simulator.FleetState.WP_ALT;
import static io.odyssey.simulator.FleetState.WP_HOLD;
import static io.odyssey.simulator.FleetState.WP_LAT;
import static io.odyssey.simulator.FleetState.WP_LEG;
import static io.odyssey.simulator.FleetState.WP_LON;
import static io.odyssey.simulator.FleetState.WP_SPEED;

/**
 * A commanded drone's flight, step by step: what it does physically ({@code flight}: climb, fly a leg, hold at a
 * waypoint, brake, descend...) and what happens when a part of it is over (a take-off reached its altitude, a
 * waypoint or home was reached, the drone landed), which ends or advances the command in its active slot. Also the
 * ways into a flight the command execution uses (leave the patrol, pick up the active command, fly home), and the
 * low-battery failsafe: whatever the drone was told fails, and it flies home on its own, as a command of its own
 * (negative id).
 */
final class CommandedFlight
{
    private final FleetKinematics kinematics;
    private final CommandSlots slots;
    private final CommandProgress commandProgress;

    private final double cruiseSpeed;
    private final double[] homeLat;
    private final double[] homeLon;
    private final double[] lat;
    private final double[] lon;
    private final double[] targetLat;
    private final double[] targetLon;
    private final double[] altitude;
    private final double[] speed;
    private final double[] climb;
    private final double[] battery;
    private final double[] waitSeconds;
    private final byte[] status;
    private final byte[] mode;
    private final byte[] flight;
    private final byte[] activeSlot;
    private final byte[] heldSlot;
    private final double[] goalAltitude;
    private final double[] climbGoal;
    private final double[] legSpeed;
    private final double[] speedSetting;
    private final double[] commandSpeed;
    private final double[] commandLength;
    private final int[] waypointIndex;
    private final int[] missionCount;
    private final double[] missionCovered;
    private final double[][] missions;
    private final long[] droneCommandNumber;
    private final boolean[] pausedAtWaypoint;
    private final byte[] slotType;
    private final int[] slotWaypoint;
    private final double[] slotTargetLat;
    private final double[] slotTargetLon;
    private final float[] slotTargetAlt;

    CommandedFlight(
        final FleetState state, final FleetKinematics kinematics, final CommandSlots slots,
        final CommandProgress commandProgress)
    {
        cruiseSpeed = state.cruiseSpeed;
        homeLat = state.homeLat;
        homeLon = state.homeLon;
        lat = state.lat;
        lon = state.lon;
        targetLat = state.targetLat;
        targetLon = state.targetLon;
        altitude = state.altitude;
        speed = state.speed;
        climb = state.climb;
        battery = state.battery;
        waitSeconds = state.waitSeconds;
        status = state.status;
        mode = state.mode;
        flight = state.flight;
        activeSlot = state.activeSlot;
        heldSlot = state.heldSlot;
        goalAltitude = state.goalAltitude;
        climbGoal = state.climbGoal;
        legSpeed = state.legSpeed;
        speedSetting = state.speedSetting;
        commandSpeed = state.commandSpeed;
        commandLength = state.commandLength;
        waypointIndex = state.waypointIndex;
        missionCount = state.missionCount;
        missionCovered = state.missionCovered;
        missions = state.missions;
        droneCommandNumber = state.droneCommandNumber;
        pausedAtWaypoint = state.pausedAtWaypoint;
        slotType = slots.slotType;
        slotWaypoint = slots.slotWaypoint;
        slotTargetLat = slots.slotTargetLat;
        slotTargetLon = slots.slotTargetLon;
        slotTargetAlt = slots.slotTargetAlt;
        this.kinematics = kinematics;
        this.slots = slots;
        this.commandProgress = commandProgress;
    }

    /**
     * Advances commanded drone {@code i} by {@code dt} seconds: the part of its flight it is in, ending it when it is
     * over; then the drain aloft, and the failsafe when the battery is too low for anything but the way home.
     */
    void step(final int i, final double dt)
    {
        final boolean wasAirborne = status[i] != GROUNDED;
        switch (flight[i])
        {
            case FLIGHT_GROUNDED:
                speed[i] = 0;
                climb[i] = 0;
                altitude[i] = 0;
                // A commanded drone charges where it landed and waits for orders.
                kinematics.recharge(i, dt);
                break;

            case FLIGHT_HOVER:
                climb[i] = 0;
                kinematics.decelerate(i, dt);
                break;

            case FLIGHT_BRAKE:
                climb[i] = 0;
                kinematics.decelerate(i, dt);
                if (speed[i] < STOPPED_MPS)
                {
                    speed[i] = 0;
                    stopped(i);
                }
                break;

            case FLIGHT_CLIMB:
                kinematics.decelerate(i, dt);
                kinematics.changeAltitude(i, climbGoal[i], dt);
                if (altitude[i] == climbGoal[i])
                {
                    climb[i] = 0;
                    climbed(i);
                }
                break;

            case FLIGHT_FLY:
            {
                final boolean there = kinematics.flyToward(i, dt, legSpeed[i]);
                if (there)
                {
                    // Over the spot: brake there while the altitude is still changing.
                    speed[i] = Math.max(0.0, speed[i] - ACCELERATION_MPS2 * dt);
                }
                kinematics.changeAltitude(i, goalAltitude[i], dt);
                if (there && altitude[i] == goalAltitude[i])
                {
                    climb[i] = 0;
                    arrived(i);
                }
                break;
            }

            case FLIGHT_WAYPOINT_HOLD:
                climb[i] = 0;
                kinematics.decelerate(i, dt);
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
                kinematics.decelerate(i, dt);
                break;
        }

        if (wasAirborne)
        {
            kinematics.drain(i, dt);
            if (status[i] != GROUNDED && !homeBound(i) && battery[i] < kinematics.returnThreshold(i))
            {
                failsafe(i);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Into a commanded flight: what the command execution and the failsafe start

    /** Ends the running and the paused command (if any) with {@code phase}. */
    void endRunningCommands(final int i, final CommandPhase phase, final CommandReason reason)
    {
        if (activeSlot[i] != NO_SLOT)
        {
            slots.answer(i, activeSlot[i], phase, reason);
            activeSlot[i] = NO_SLOT;
        }
        if (heldSlot[i] != NO_SLOT)
        {
            slots.answer(i, heldSlot[i], phase, reason);
            heldSlot[i] = NO_SLOT;
        }
    }

    /** Leaves the patrol (once): the commanded flight picks up from what the drone is doing now. */
    void commanded(final int i)
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
    void continueActive(final int i)
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

    /** Sets off toward the mission's current waypoint (climbing from the ground first). */
    void beginLeg(final int i)
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

    void returnHome(final int i)
    {
        targetLat[i] = homeLat[i];
        targetLon[i] = homeLon[i];
        goalAltitude[i] = Math.max(altitude[i], RETURN_ALTITUDE_M);
        legSpeed[i] = legSpeedFor(i, Double.NaN);
        if (kinematics.distanceHome(i) <= ARRIVAL_RADIUS_M)
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
    double legSpeedFor(final int i, final double explicit)
    {
        if (!Double.isNaN(explicit))
        {
            return explicit;
        }
        return speedSetting[i] > 0 ? speedSetting[i] : cruiseSpeed;
    }

    void startClimb(final int i)
    {
        flight[i] = FLIGHT_CLIMB;
        status[i] = TAKING_OFF;
    }

    void startFly(final int i)
    {
        flight[i] = FLIGHT_FLY;
        status[i] = slots.activeIs(i, CommandType.RETURN_HOME) ? RETURNING : CRUISING;
    }

    private void brake(final int i)
    {
        flight[i] = FLIGHT_BRAKE;
        status[i] = HOVERING;
    }

    /** Stops where it is: brakes to a hover, or, still on the ground (told to stop in the cycle it set off), stays. */
    void holdHere(final int i)
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
        if (slots.activeIs(i, CommandType.HOLD))
        {
            final int s = slot(i, activeSlot[i]);
            slotTargetLat[s] = lat[i];
            slotTargetLon[s] = lon[i];
            slotTargetAlt[s] = (float)altitude[i];
            slots.finishActive(i, CommandPhase.DONE, CommandReason.NONE);
        }
    }

    private void climbed(final int i)
    {
        if (activeSlot[i] == NO_SLOT || slots.activeIs(i, CommandType.TAKEOFF))
        {
            if (activeSlot[i] != NO_SLOT)
            {
                slots.finishActive(i, CommandPhase.DONE, CommandReason.NONE);
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
        if (slots.activeIs(i, CommandType.MISSION))
        {
            waypointReached(i);
        }
        else if (slots.activeIs(i, CommandType.RETURN_HOME))
        {
            flight[i] = FLIGHT_DESCEND;
            status[i] = LANDING;
        }
        else
        {
            if (activeSlot[i] != NO_SLOT)
            {
                slots.finishActive(i, CommandPhase.DONE, CommandReason.NONE);
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
        commandProgress.progressUpdate(i);
    }

    private void waypointHoldDone(final int i)
    {
        missionCovered[i] += missions[i][waypointIndex[i] * WAYPOINT_FIELDS + WP_HOLD] * cruiseSpeed;
        if (waypointIndex[i] + 1 >= missionCount[i])
        {
            slots.finishActive(i, CommandPhase.DONE, CommandReason.NONE);
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
        kinematics.decelerate(i, dt);
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
                slots.finishActive(i, CommandPhase.DONE, CommandReason.NONE);
            }
        }
    }

    /** Is the drone on its way home or down already (so the failsafe has nothing to add)? */
    private boolean homeBound(final int i)
    {
        return flight[i] == FLIGHT_DESCEND || flight[i] == FLIGHT_EMERGENCY || slots.activeIs(i, CommandType.RETURN_HOME);
    }

    /** Low battery aloft: whatever the drone was told fails, and it flies home on its own. */
    private void failsafe(final int i)
    {
        endRunningCommands(i, CommandPhase.FAILED, CommandReason.FAILSAFE_LOW_BATTERY);
        startFailsafeCommand(i);
        returnHome(i);
    }

    /** Opens the drone's own RETURN_HOME (STARTED_BY_DRONE, negative id) as its active command. */
    void startFailsafeCommand(final int i)
    {
        // The drone's own number, unique for this drone across restarts (see counterBase); the ground records the
        // command under an id of its own that is unique across drones (docs/api/commands.md).
        final long commandId = -(++droneCommandNumber[i]);
        final int s = slots.takeSlot(i, commandId, CommandType.RETURN_HOME, true);
        slots.target(i, s, homeLat[i], homeLon[i], 0f);
        commandLength[i] = kinematics.distanceHome(i) + altitude[i];
        activeSlot[i] = (byte)s;
        slots.answer(i, s, CommandPhase.STARTED_BY_DRONE, CommandReason.NONE);
    }
}
