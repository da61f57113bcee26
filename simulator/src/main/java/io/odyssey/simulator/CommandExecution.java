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
 * paused sends the drone back to its patrol; SET_SPEED and CANCEL act at once. The flight itself is
 * {@link CommandedFlight}'s.
 */
final class CommandExecution
{
    private final FleetKinematics kinematics;
    private final CommandSlots slots;
    private final CommandedFlight commandedFlight;

    private final double cruiseSpeed;
    private final double[] homeLat;
    private final double[] homeLon;
    private final double[] lat;
    private final double[] lon;
    private final double[] targetLat;
    private final double[] targetLon;
    private final double[] altitude;
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
    private final double[] missionTotal;
    private final double[][] missions;
    private final boolean[] pausedAtWaypoint;
    private final byte[] slotType;

    CommandExecution(
        final FleetState state, final FleetKinematics kinematics, final CommandSlots slots,
        final CommandedFlight commandedFlight)
    {
        cruiseSpeed = state.cruiseSpeed;
        homeLat = state.homeLat;
        homeLon = state.homeLon;
        lat = state.lat;
        lon = state.lon;
        targetLat = state.targetLat;
        targetLon = state.targetLon;
        altitude = state.altitude;
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
        missionTotal = state.missionTotal;
        missions = state.missions;
        pausedAtWaypoint = state.pausedAtWaypoint;
        slotType = slots.slotType;
        this.kinematics = kinematics;
        this.slots = slots;
        this.commandedFlight = commandedFlight;
    }

    void execute(
        final int i, final int s, final CommandType type, final CommandFrameReader command, final double[] waypoints,
        final int waypointCount)
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
                slots.target(i, s, lat[i], lon[i], goalAltitude[i]);
                commandedFlight.startClimb(i);
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
                legSpeed[i] = commandedFlight.legSpeedFor(i, commandSpeed[i]);
                commandLength[i] = kinematics.distanceTo(i, targetLat[i], targetLon[i]) + Math.abs(goalAltitude[i] - altitude[i]);
                slots.target(i, s, targetLat[i], targetLon[i], goalAltitude[i]);
                if (airborne)
                {
                    commandedFlight.startFly(i);
                }
                else
                {
                    climbGoal[i] = Math.min(goalAltitude[i], TAKEOFF_CLEARANCE_M);
                    commandedFlight.startClimb(i);
                }
                break;
            }

            case MISSION:
                takeCommand(i, s);
                storeMission(i, s, airborne, waypoints, waypointCount);
                waypointIndex[i] = 0;
                commandedFlight.beginLeg(i);
                break;

            case HOLD:
            {
                commandedFlight.commanded(i);
                final int running = activeSlot[i];
                if (running != NO_SLOT)
                {
                    if (slotType[slot(i, running)] == CommandType.HOLD.ordinal())
                    {
                        slots.answer(i, running, CommandPhase.CANCELLED, CommandReason.SUPERSEDED);
                    }
                    else
                    {
                        // Paused, not ended: as far as the drone is concerned it is still in progress.
                        heldSlot[i] = (byte)running;
                        pausedAtWaypoint[i] = flight[i] == FLIGHT_WAYPOINT_HOLD;
                    }
                }
                activeSlot[i] = (byte)s;
                slots.target(i, s, lat[i], lon[i], altitude[i]);
                commandedFlight.holdHere(i);
                break;
            }

            case RESUME:
                if (heldSlot[i] != NO_SLOT)
                {
                    commandedFlight.commanded(i);
                    if (activeSlot[i] != NO_SLOT)
                    {
                        slots.answer(i, activeSlot[i], CommandPhase.CANCELLED, CommandReason.SUPERSEDED);
                    }
                    activeSlot[i] = heldSlot[i];
                    heldSlot[i] = NO_SLOT;
                    commandedFlight.continueActive(i);
                }
                else if (mode[i] == COMMANDED)
                {
                    // Nothing paused and nothing running: back to its own patrol, from where it is.
                    mode[i] = AUTONOMOUS;
                    status[i] = HOVERING;
                    waitSeconds[i] = 0;
                }
                slots.answer(i, s, CommandPhase.DONE, CommandReason.NONE);
                break;

            case RETURN_HOME:
                takeCommand(i, s);
                slots.target(i, s, homeLat[i], homeLon[i], 0f);
                if (!airborne && kinematics.distanceHome(i) <= ARRIVAL_RADIUS_M)
                {
                    slots.finishActive(i, CommandPhase.DONE, CommandReason.NONE);
                }
                else
                {
                    commandLength[i] = kinematics.distanceHome(i) + altitude[i];
                    commandedFlight.returnHome(i);
                }
                break;

            case LAND:
                takeCommand(i, s);
                slots.target(i, s, lat[i], lon[i], 0f);
                commandLength[i] = altitude[i];
                flight[i] = FLIGHT_DESCEND;
                status[i] = LANDING;
                break;

            case STOP:
                commandedFlight.commanded(i);
                commandedFlight.endRunningCommands(i, CommandPhase.CANCELLED, CommandReason.EMERGENCY_STOP);
                activeSlot[i] = (byte)s;
                slots.target(i, s, lat[i], lon[i], 0f);
                commandLength[i] = altitude[i];
                flight[i] = FLIGHT_EMERGENCY;
                status[i] = EMERGENCY;
                break;

            case SET_SPEED:
                commandedFlight.commanded(i);
                speedSetting[i] = command.speed();
                legSpeed[i] = speedSetting[i];
                slots.answer(i, s, CommandPhase.DONE, CommandReason.NONE);
                break;

            case CANCEL:
            {
                commandedFlight.commanded(i);
                final int target = slots.findSlot(i, command.targetCommandId());
                slots.answer(i, target, CommandPhase.CANCELLED, CommandReason.CANCELLED_BY_OPERATOR);
                if (target == activeSlot[i])
                {
                    activeSlot[i] = NO_SLOT;
                    commandedFlight.holdHere(i);
                }
                else
                {
                    heldSlot[i] = NO_SLOT;
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
        commandedFlight.commanded(i);
        commandedFlight.endRunningCommands(i, CommandPhase.CANCELLED, CommandReason.SUPERSEDED);
        activeSlot[i] = (byte)s;
        commandSpeed[i] = Double.NaN;
    }

    /**
     * Copies the mission the acceptance read and checked ({@code count} waypoints of {@link FleetState#WAYPOINT_FIELDS}
     * values) to drone {@code i}'s store.
     */
    private void storeMission(
        final int i, final int s, final boolean airborne, final double[] waypoints, final int count)
    {
        if (missions[i] == null)
        {
            missions[i] = new double[CommandLimits.MAX_WAYPOINTS * WAYPOINT_FIELDS];
        }
        final double[] mission = missions[i];
        System.arraycopy(waypoints, 0, mission, 0, count * WAYPOINT_FIELDS);
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
            final double leg = kinematics.distance(fromLat, fromLon, mission[at + WP_LAT], mission[at + WP_LON]) +
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
        slots.target(i, s, mission[last + WP_LAT], mission[last + WP_LON], mission[last + WP_ALT]);
    }
}
