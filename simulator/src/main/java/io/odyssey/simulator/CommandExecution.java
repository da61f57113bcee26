package io.odyssey.simulator;

import io.odyssey.codecs.CommandFrameReader;
import io.odyssey.codecs.CommandLimits;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;

import static io.odyssey.simulator.CommandSlots.slot;
import static io.odyssey.simulator.DroneFleet.DEFAULT_TAKEOFF_ALTITUDE_M;
import static io.odyssey.simulator.DroneFleet.TAKEOFF_CLEARANCE_M;
import static io.odyssey.simulator.FleetKinematics.ARRIVAL_RADIUS_M;
import static io.odyssey.simulator.FleetState.AUTONOMOUS;
import static io.odyssey.simulator.FleetState.COMMANDED;
import static io.odyssey.simulator.FleetState.EMERGENCY;
import static io.odyssey.simulator.FleetState.FLIGHT_DESCEND;
import static io.odyssey.simulator.FleetState.FLIGHT_EMERGENCY;
import static io.odyssey.simulator.FleetState.FLIGHT_WAYPOINT_HOLD;
import static io.odyssey.simulator.FleetState.GROUNDED;
import static io.odyssey.simulator.FleetState.HOVERING;
import static io.odyssey.simulator.FleetState.LANDING;
import static io.odyssey.simulator.FleetState.NO_SLOT;
import static io.odyssey.simulator.FleetState.WAYPOINT_FIELDS;
import static io.odyssey.simulator.FleetState.WP_ALT;
import static io.odyssey.simulator.FleetState.WP_HOLD;
import static io.odyssey.simulator.FleetState.WP_LAT;
import static io.odyssey.simulator.FleetState.WP_LEG;
import static io.odyssey.simulator.FleetState.WP_LON;

/**
 * What an accepted command does to a drone: a movement command (TAKEOFF, GOTO, MISSION, RETURN_HOME, LAND, STOP)
 * takes over and supersedes what ran or was paused; HOLD pauses the running command until RESUME; RESUME with nothing
 * paused sends the drone back to its patrol; SET_SPEED and CANCEL act at once. It starts the part of the flight the
 * command calls for ({@link FlightPhases}); flying it is {@link CommandedFlight}'s.
 */
final class CommandExecution
{
    private final FleetState state;
    private final FleetKinematics kinematics;
    private final CommandSlots slots;
    private final FlightPhases phases;

    CommandExecution(
        final FleetState state, final FleetKinematics kinematics, final CommandSlots slots, final FlightPhases phases)
    {
        this.state = state;
        this.kinematics = kinematics;
        this.slots = slots;
        this.phases = phases;
    }

    void execute(
        final int i, final int s, final CommandType type, final CommandFrameReader command, final double[] waypoints,
        final int waypointCount)
    {
        final boolean airborne = state.status[i] != GROUNDED;
        switch (type)
        {
            case TAKEOFF:
            {
                takeCommand(i, s);
                final float wanted = command.altitude();
                state.goalAltitude[i] = Float.isNaN(wanted) ? DEFAULT_TAKEOFF_ALTITUDE_M : wanted;
                state.climbGoal[i] = state.goalAltitude[i];
                state.targetLat[i] = state.lat[i];
                state.targetLon[i] = state.lon[i];
                state.commandLength[i] = state.goalAltitude[i];
                slots.target(i, s, state.lat[i], state.lon[i], state.goalAltitude[i]);
                phases.startClimb(i);
                break;
            }

            case GOTO:
            {
                takeCommand(i, s);
                final float wanted = command.altitude();
                state.goalAltitude[i] =
                    !Float.isNaN(wanted) ? wanted : airborne ? state.altitude[i] : DEFAULT_TAKEOFF_ALTITUDE_M;
                state.targetLat[i] = command.latitude();
                state.targetLon[i] = command.longitude();
                state.commandSpeed[i] = command.speed();
                state.legSpeed[i] = phases.legSpeedFor(i, state.commandSpeed[i]);
                state.commandLength[i] = kinematics.remainingLeg(i);
                slots.target(i, s, state.targetLat[i], state.targetLon[i], state.goalAltitude[i]);
                if (airborne)
                {
                    phases.startFly(i);
                }
                else
                {
                    state.climbGoal[i] = Math.min(state.goalAltitude[i], TAKEOFF_CLEARANCE_M);
                    phases.startClimb(i);
                }
                break;
            }

            case MISSION:
                takeCommand(i, s);
                storeMission(i, s, airborne, waypoints, waypointCount);
                state.waypointIndex[i] = 0;
                phases.beginLeg(i);
                break;

            case HOLD:
            {
                phases.commanded(i);
                final int running = state.activeSlot[i];
                if (running != NO_SLOT)
                {
                    if (slots.slotType[slot(i, running)] == CommandType.HOLD.ordinal())
                    {
                        slots.answer(i, running, CommandPhase.CANCELLED, CommandReason.SUPERSEDED);
                    }
                    else
                    {
                        // Paused, not ended: as far as the drone is concerned it is still in progress.
                        state.heldSlot[i] = (byte)running;
                        state.pausedAtWaypoint[i] = state.flight[i] == FLIGHT_WAYPOINT_HOLD;
                    }
                }
                state.activeSlot[i] = (byte)s;
                slots.target(i, s, state.lat[i], state.lon[i], state.altitude[i]);
                phases.holdHere(i);
                break;
            }

            case RESUME:
                if (state.heldSlot[i] != NO_SLOT)
                {
                    phases.commanded(i);
                    if (state.activeSlot[i] != NO_SLOT)
                    {
                        slots.answer(i, state.activeSlot[i], CommandPhase.CANCELLED, CommandReason.SUPERSEDED);
                    }
                    state.activeSlot[i] = state.heldSlot[i];
                    state.heldSlot[i] = NO_SLOT;
                    phases.continueActive(i);
                }
                else if (state.mode[i] == COMMANDED)
                {
                    // Nothing paused and nothing running: back to its own patrol, from where it is.
                    state.mode[i] = AUTONOMOUS;
                    state.status[i] = HOVERING;
                    state.waitSeconds[i] = 0;
                }
                slots.answer(i, s, CommandPhase.DONE, CommandReason.NONE);
                break;

            case RETURN_HOME:
                takeCommand(i, s);
                slots.target(i, s, state.homeLat[i], state.homeLon[i], 0f);
                if (!airborne && kinematics.distanceHome(i) <= ARRIVAL_RADIUS_M)
                {
                    slots.finishActive(i, CommandPhase.DONE, CommandReason.NONE);
                }
                else
                {
                    state.commandLength[i] = kinematics.distanceHome(i) + state.altitude[i];
                    phases.returnHome(i);
                }
                break;

            case LAND:
                takeCommand(i, s);
                comeDownHere(i, s, FLIGHT_DESCEND, LANDING);
                break;

            case STOP:
                phases.commanded(i);
                slots.endRunningCommands(i, CommandPhase.CANCELLED, CommandReason.EMERGENCY_STOP);
                state.activeSlot[i] = (byte)s;
                comeDownHere(i, s, FLIGHT_EMERGENCY, EMERGENCY);
                break;

            case SET_SPEED:
                phases.commanded(i);
                state.speedSetting[i] = command.speed();
                state.legSpeed[i] = state.speedSetting[i];
                slots.answer(i, s, CommandPhase.DONE, CommandReason.NONE);
                break;

            case CANCEL:
            {
                phases.commanded(i);
                final int target = slots.findSlot(i, command.targetCommandId());
                slots.answer(i, target, CommandPhase.CANCELLED, CommandReason.CANCELLED_BY_OPERATOR);
                if (target == state.activeSlot[i])
                {
                    state.activeSlot[i] = NO_SLOT;
                    phases.holdHere(i);
                }
                else
                {
                    state.heldSlot[i] = NO_SLOT;
                }
                slots.answer(i, s, CommandPhase.DONE, CommandReason.NONE);
                break;
            }

            default:
                break;
        }
    }

    /** A movement command takes over: whatever ran or was paused is superseded. */
    private void takeCommand(final int i, final int s)
    {
        phases.commanded(i);
        slots.endRunningCommands(i, CommandPhase.CANCELLED, CommandReason.SUPERSEDED);
        state.activeSlot[i] = (byte)s;
        state.commandSpeed[i] = Double.NaN;
    }

    /** Landing and an emergency stop both come straight down where the drone is; only how it flies differs. */
    private void comeDownHere(final int i, final int s, final byte flight, final byte status)
    {
        slots.target(i, s, state.lat[i], state.lon[i], 0f);
        state.commandLength[i] = state.altitude[i];
        state.flight[i] = flight;
        state.status[i] = status;
    }

    /**
     * Copies the mission the acceptance read and checked ({@code count} waypoints of {@link FleetState#WAYPOINT_FIELDS}
     * values) to drone {@code i}'s store.
     */
    private void storeMission(
        final int i, final int s, final boolean airborne, final double[] waypoints, final int count)
    {
        if (state.missions[i] == null)
        {
            state.missions[i] = new double[CommandLimits.MAX_WAYPOINTS * WAYPOINT_FIELDS];
        }
        final double[] mission = state.missions[i];
        System.arraycopy(waypoints, 0, mission, 0, count * WAYPOINT_FIELDS);
        state.missionCount[i] = count;

        // Resolve "keep the altitude" along the path, and size each leg (horizontal + vertical metres) for progress.
        double fromLat = state.lat[i];
        double fromLon = state.lon[i];
        double fromAlt = state.altitude[i];
        double previousAlt = airborne ? state.altitude[i] : DEFAULT_TAKEOFF_ALTITUDE_M;
        double total = 0;
        for (int k = 0, at = 0; k < count; k++, at += WAYPOINT_FIELDS)
        {
            if (Double.isNaN(mission[at + WP_ALT]))
            {
                mission[at + WP_ALT] = previousAlt;
            }
            previousAlt = mission[at + WP_ALT];
            final double leg = kinematics.distance(fromLat, fromLon, mission[at + WP_LAT], mission[at + WP_LON]) +
                Math.abs(mission[at + WP_ALT] - fromAlt);
            mission[at + WP_LEG] = leg;
            total += leg + mission[at + WP_HOLD] * state.cruiseSpeed;
            fromLat = mission[at + WP_LAT];
            fromLon = mission[at + WP_LON];
            fromAlt = mission[at + WP_ALT];
        }
        state.missionTotal[i] = total;
        state.missionCovered[i] = 0;
        final int last = (count - 1) * WAYPOINT_FIELDS;
        slots.target(i, s, mission[last + WP_LAT], mission[last + WP_LON], mission[last + WP_ALT]);
    }
}
