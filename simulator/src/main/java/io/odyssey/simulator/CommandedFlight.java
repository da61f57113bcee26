package io.odyssey.simulator;

import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;

import static io.odyssey.simulator.CommandSlots.slot;
import static io.odyssey.simulator.DroneFleet.DESCENT_RATE_MPS;
import static io.odyssey.simulator.DroneFleet.EMERGENCY_DESCENT_RATE_MPS;
import static io.odyssey.simulator.FleetKinematics.ACCELERATION_MPS2;
import static io.odyssey.simulator.FleetKinematics.STOPPED_MPS;
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
import static io.odyssey.simulator.FleetState.WAYPOINT_FIELDS;
import static io.odyssey.simulator.FleetState.WP_HOLD;
import static io.odyssey.simulator.FleetState.WP_LEG;

/**
 * A commanded drone's flight, step by step: what it does physically in the part of its flight it is in ({@code
 * flight}: climb, fly a leg, hold at a waypoint, brake, descend...) and what happens when that part is over (a take-off
 * reached its altitude, a waypoint or home was reached, the drone landed), which ends or advances the command in its
 * active slot and enters the next part ({@link FlightPhases}). After each step aloft the battery is drained and the
 * {@link LowBatteryFailsafe} asked whether the drone must go home now.
 */
final class CommandedFlight
{
    private final FleetState state;
    private final FleetKinematics kinematics;
    private final CommandSlots slots;
    private final CommandProgress commandProgress;
    private final FlightPhases phases;
    private final LowBatteryFailsafe failsafe;

    CommandedFlight(
        final FleetState state, final FleetKinematics kinematics, final CommandSlots slots,
        final CommandProgress commandProgress, final FlightPhases phases, final LowBatteryFailsafe failsafe)
    {
        this.state = state;
        this.kinematics = kinematics;
        this.slots = slots;
        this.commandProgress = commandProgress;
        this.phases = phases;
        this.failsafe = failsafe;
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
            failsafe.checkCommanded(i);
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
            phases.brake(i);
        }
        else
        {
            phases.startFly(i);
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
            phases.brake(i);
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
            phases.brake(i);
        }
        else
        {
            state.waypointIndex[i]++;
            phases.beginLeg(i);
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
}
