package io.odyssey.simulator;

import io.odyssey.codecs.CommandType;

import static io.odyssey.simulator.CommandSlots.COMMAND_TYPES;
import static io.odyssey.simulator.CommandSlots.slot;
import static io.odyssey.simulator.DroneFleet.RETURN_ALTITUDE_M;
import static io.odyssey.simulator.DroneFleet.TAKEOFF_CLEARANCE_M;
import static io.odyssey.simulator.FleetKinematics.ARRIVAL_RADIUS_M;
import static io.odyssey.simulator.FleetState.COMMANDED;
import static io.odyssey.simulator.FleetState.CRUISING;
import static io.odyssey.simulator.FleetState.EMERGENCY;
import static io.odyssey.simulator.FleetState.FLIGHT_BRAKE;
import static io.odyssey.simulator.FleetState.FLIGHT_CLIMB;
import static io.odyssey.simulator.FleetState.FLIGHT_DESCEND;
import static io.odyssey.simulator.FleetState.FLIGHT_EMERGENCY;
import static io.odyssey.simulator.FleetState.FLIGHT_FLY;
import static io.odyssey.simulator.FleetState.FLIGHT_GROUNDED;
import static io.odyssey.simulator.FleetState.FLIGHT_WAYPOINT_HOLD;
import static io.odyssey.simulator.FleetState.GROUNDED;
import static io.odyssey.simulator.FleetState.HOVERING;
import static io.odyssey.simulator.FleetState.LANDING;
import static io.odyssey.simulator.FleetState.NO_SLOT;
import static io.odyssey.simulator.FleetState.RETURNING;
import static io.odyssey.simulator.FleetState.TAKING_OFF;
import static io.odyssey.simulator.FleetState.WAYPOINT_FIELDS;
import static io.odyssey.simulator.FleetState.WP_ALT;
import static io.odyssey.simulator.FleetState.WP_LAT;
import static io.odyssey.simulator.FleetState.WP_LON;
import static io.odyssey.simulator.FleetState.WP_SPEED;

/**
 * How a commanded drone enters each part of its flight ({@code flight}: climb, fly a leg, brake, hover, descend...),
 * with the target, goal altitude, leg speed and status that go with it: what the command execution starts, what the
 * flight moves on to when a part is over ({@link CommandedFlight}), and the way home that a RETURN_HOME command and the
 * low-battery failsafe ({@link LowBatteryFailsafe}) share. Nothing here moves the drone; that is the flight's step.
 */
final class FlightPhases
{
    private final FleetState state;
    private final FleetKinematics kinematics;
    private final CommandSlots slots;

    FlightPhases(final FleetState state, final FleetKinematics kinematics, final CommandSlots slots)
    {
        this.state = state;
        this.kinematics = kinematics;
        this.slots = slots;
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

    /**
     * Heads home at cruise speed, at least at the return altitude, and lands there; from the ground it climbs to
     * clearance first, and over home it only comes down.
     */
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

    void brake(final int i)
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
}
