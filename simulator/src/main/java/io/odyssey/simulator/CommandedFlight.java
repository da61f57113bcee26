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
    private final FleetState state;
    private final FleetKinematics kinematics;
    private final CommandSlots slots;
    private final CommandProgress commandProgress;

    CommandedFlight(
        final FleetState state, final FleetKinematics kinematics, final CommandSlots slots,
        final CommandProgress commandProgress)
    {
        this.state = state;
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
        final boolean wasAirborne = state.status[i] != GROUNDED;
        switch (state.flight[i])
        {
            case FLIGHT_GROUNDED:
                state.speed[i] = 0;
                state.climb[i] = 0;
                state.altitude[i] = 0;
                // A commanded drone charges where it landed and waits for orders.
                kinematics.recharge(i, dt);
                break;

            case FLIGHT_HOVER:
                state.climb[i] = 0;
                kinematics.decelerate(i, dt);
                break;

            case FLIGHT_BRAKE:
                state.climb[i] = 0;
                kinematics.decelerate(i, dt);
                if (state.speed[i] < STOPPED_MPS)
                {
                    state.speed[i] = 0;
                    stopped(i);
                }
                break;

            case FLIGHT_CLIMB:
                kinematics.decelerate(i, dt);
                kinematics.changeAltitude(i, state.climbGoal[i], dt);
                if (state.altitude[i] == state.climbGoal[i])
                {
                    state.climb[i] = 0;
                    climbed(i);
                }
                break;

            case FLIGHT_FLY:
            {
                final boolean there = kinematics.flyToward(i, dt, state.legSpeed[i]);
                if (there)
                {
                    // Over the spot: brake there while the altitude is still changing.
                    state.speed[i] = Math.max(0.0, state.speed[i] - ACCELERATION_MPS2 * dt);
                }
                kinematics.changeAltitude(i, state.goalAltitude[i], dt);
                if (there && state.altitude[i] == state.goalAltitude[i])
                {
                    state.climb[i] = 0;
                    arrived(i);
                }
                break;
            }

            case FLIGHT_WAYPOINT_HOLD:
                state.climb[i] = 0;
                kinematics.decelerate(i, dt);
                state.waitSeconds[i] -= dt;
                if (state.waitSeconds[i] <= 0)
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
            if (state.status[i] != GROUNDED && !homeBound(i) && state.battery[i] < kinematics.returnThreshold(i))
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
        if (state.activeSlot[i] != NO_SLOT)
        {
            slots.answer(i, state.activeSlot[i], phase, reason);
            state.activeSlot[i] = NO_SLOT;
        }
        if (state.heldSlot[i] != NO_SLOT)
        {
            slots.answer(i, state.heldSlot[i], phase, reason);
            state.heldSlot[i] = NO_SLOT;
        }
    }

    /** Leaves the patrol (once): the commanded flight picks up from what the drone is doing now. */
    void commanded(final int i)
    {
        if (state.mode[i] == COMMANDED)
        {
            return;
        }
        state.mode[i] = COMMANDED;
        if (state.status[i] == GROUNDED)
        {
            state.flight[i] = FLIGHT_GROUNDED;
        }
        else if (state.activeSlot[i] != NO_SLOT)
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
        final int s = slot(i, state.activeSlot[i]);
        switch (COMMAND_TYPES[slots.slotType[s]])
        {
            case TAKEOFF:
                state.targetLat[i] = slots.slotTargetLat[s];
                state.targetLon[i] = slots.slotTargetLon[s];
                state.goalAltitude[i] = slots.slotTargetAlt[s];
                state.climbGoal[i] = slots.slotTargetAlt[s];
                startClimb(i);
                break;

            case GOTO:
                state.targetLat[i] = slots.slotTargetLat[s];
                state.targetLon[i] = slots.slotTargetLon[s];
                state.goalAltitude[i] = slots.slotTargetAlt[s];
                state.legSpeed[i] = legSpeedFor(i, state.commandSpeed[i]);
                startFly(i);
                break;

            case MISSION:
                if (state.pausedAtWaypoint[i])
                {
                    // The rest of the waypoint's hold (HOLD and hovering leave waitSeconds alone).
                    state.flight[i] = FLIGHT_WAYPOINT_HOLD;
                    state.status[i] = HOVERING;
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
                state.flight[i] = FLIGHT_DESCEND;
                state.status[i] = LANDING;
                break;

            case STOP:
                state.flight[i] = FLIGHT_EMERGENCY;
                state.status[i] = EMERGENCY;
                break;

            default:
                brake(i);
                break;
        }
    }

    /** Sets off toward the mission's current waypoint (climbing from the ground first). */
    void beginLeg(final int i)
    {
        final double[] mission = state.missions[i];
        final int at = state.waypointIndex[i] * WAYPOINT_FIELDS;
        state.targetLat[i] = mission[at + WP_LAT];
        state.targetLon[i] = mission[at + WP_LON];
        state.goalAltitude[i] = mission[at + WP_ALT];
        state.legSpeed[i] = legSpeedFor(i, mission[at + WP_SPEED]);
        slots.slotWaypoint[slot(i, state.activeSlot[i])] = state.waypointIndex[i];
        if (state.status[i] == GROUNDED)
        {
            state.climbGoal[i] = Math.min(state.goalAltitude[i], TAKEOFF_CLEARANCE_M);
            startClimb(i);
        }
        else
        {
            startFly(i);
        }
    }

    void returnHome(final int i)
    {
        state.targetLat[i] = state.homeLat[i];
        state.targetLon[i] = state.homeLon[i];
        state.goalAltitude[i] = Math.max(state.altitude[i], RETURN_ALTITUDE_M);
        state.legSpeed[i] = legSpeedFor(i, Double.NaN);
        if (kinematics.distanceHome(i) <= ARRIVAL_RADIUS_M)
        {
            state.flight[i] = FLIGHT_DESCEND;
            state.status[i] = LANDING;
        }
        else if (state.status[i] == GROUNDED)
        {
            state.climbGoal[i] = Math.min(state.goalAltitude[i], TAKEOFF_CLEARANCE_M);
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
        return state.speedSetting[i] > 0 ? state.speedSetting[i] : state.cruiseSpeed;
    }

    void startClimb(final int i)
    {
        state.flight[i] = FLIGHT_CLIMB;
        state.status[i] = TAKING_OFF;
    }

    void startFly(final int i)
    {
        state.flight[i] = FLIGHT_FLY;
        state.status[i] = slots.activeIs(i, CommandType.RETURN_HOME) ? RETURNING : CRUISING;
    }

    private void brake(final int i)
    {
        state.flight[i] = FLIGHT_BRAKE;
        state.status[i] = HOVERING;
    }

    /** Stops where it is: brakes to a hover, or, still on the ground (told to stop in the cycle it set off), stays. */
    void holdHere(final int i)
    {
        if (state.altitude[i] <= 0)
        {
            state.speed[i] = 0;
            state.climb[i] = 0;
            state.flight[i] = FLIGHT_GROUNDED;
            state.status[i] = GROUNDED;
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
        state.flight[i] = FLIGHT_HOVER;
        if (slots.activeIs(i, CommandType.HOLD))
        {
            final int s = slot(i, state.activeSlot[i]);
            slots.slotTargetLat[s] = state.lat[i];
            slots.slotTargetLon[s] = state.lon[i];
            slots.slotTargetAlt[s] = (float)state.altitude[i];
            slots.finishActive(i, CommandPhase.DONE, CommandReason.NONE);
        }
    }

    private void climbed(final int i)
    {
        if (state.activeSlot[i] == NO_SLOT || slots.activeIs(i, CommandType.TAKEOFF))
        {
            if (state.activeSlot[i] != NO_SLOT)
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
            state.flight[i] = FLIGHT_DESCEND;
            state.status[i] = LANDING;
        }
        else
        {
            if (state.activeSlot[i] != NO_SLOT)
            {
                slots.finishActive(i, CommandPhase.DONE, CommandReason.NONE);
            }
            brake(i);
        }
    }

    private void waypointReached(final int i)
    {
        final int s = slot(i, state.activeSlot[i]);
        final int at = state.waypointIndex[i] * WAYPOINT_FIELDS;
        state.missionCovered[i] += state.missions[i][at + WP_LEG];
        slots.slotWaypoint[s] = state.waypointIndex[i];
        final double hold = state.missions[i][at + WP_HOLD];
        if (hold > 0)
        {
            state.waitSeconds[i] = hold;
            state.flight[i] = FLIGHT_WAYPOINT_HOLD;
            state.status[i] = HOVERING;
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
        final double hold = state.missions[i][state.waypointIndex[i] * WAYPOINT_FIELDS + WP_HOLD];
        state.missionCovered[i] += hold * state.cruiseSpeed;
        if (state.waypointIndex[i] + 1 >= state.missionCount[i])
        {
            slots.finishActive(i, CommandPhase.DONE, CommandReason.NONE);
            brake(i);
        }
        else
        {
            state.waypointIndex[i]++;
            beginLeg(i);
        }
    }

    private void descend(final int i, final double rate, final double dt)
    {
        kinematics.decelerate(i, dt);
        state.climb[i] = -rate;
        state.altitude[i] = Math.max(0, state.altitude[i] - rate * dt);
        if (state.altitude[i] <= 0)
        {
            state.climb[i] = 0;
            state.speed[i] = 0;
            state.status[i] = GROUNDED;
            state.flight[i] = FLIGHT_GROUNDED;
            if (state.activeSlot[i] != NO_SLOT)
            {
                final int s = slot(i, state.activeSlot[i]);
                if (slots.slotType[s] != CommandType.RETURN_HOME.ordinal())
                {
                    // Landed where it came down, which the drone only knows now.
                    slots.slotTargetLat[s] = state.lat[i];
                    slots.slotTargetLon[s] = state.lon[i];
                }
                slots.finishActive(i, CommandPhase.DONE, CommandReason.NONE);
            }
        }
    }

    /** Is the drone on its way home or down already (so the failsafe has nothing to add)? */
    private boolean homeBound(final int i)
    {
        return state.flight[i] == FLIGHT_DESCEND || state.flight[i] == FLIGHT_EMERGENCY ||
            slots.activeIs(i, CommandType.RETURN_HOME);
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
        final long commandId = -(++state.droneCommandNumber[i]);
        final int s = slots.takeSlot(i, commandId, CommandType.RETURN_HOME, true);
        slots.target(i, s, state.homeLat[i], state.homeLon[i], 0f);
        state.commandLength[i] = kinematics.distanceHome(i) + state.altitude[i];
        state.activeSlot[i] = (byte)s;
        slots.answer(i, s, CommandPhase.STARTED_BY_DRONE, CommandReason.NONE);
    }
}
