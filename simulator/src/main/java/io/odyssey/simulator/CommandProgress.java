package io.odyssey.simulator;

import io.odyssey.codecs.sbe.CommandPhase;

import static io.odyssey.simulator.CommandSlots.COMMAND_TYPES;
import static io.odyssey.simulator.CommandSlots.slot;
import static io.odyssey.simulator.FleetState.FLIGHT_WAYPOINT_HOLD;
import static io.odyssey.simulator.FleetState.NO_SLOT;
import static io.odyssey.simulator.FleetState.WAYPOINT_FIELDS;
import static io.odyssey.simulator.FleetState.WP_HOLD;
import static io.odyssey.simulator.FleetState.WP_LEG;

/**
 * How far a drone's running command has got, as the percentage its IN_PROGRESS answers carry: metres of path covered
 * (a mission's holds count as the metres cruise speed covers in them) over the command's length.
 */
final class CommandProgress
{
    private final FleetKinematics kinematics;
    private final CommandSlots slots;

    private final double cruiseSpeed;
    private final double[] targetLat;
    private final double[] targetLon;
    private final double[] altitude;
    private final double[] waitSeconds;
    private final byte[] flight;
    private final byte[] activeSlot;
    private final double[] goalAltitude;
    private final double[] commandLength;
    private final int[] waypointIndex;
    private final double[] missionCovered;
    private final double[] missionTotal;
    private final double[][] missions;
    private final byte[] slotType;
    private final byte[] slotPhase;
    private final float[] slotProgress;

    CommandProgress(final FleetState state, final FleetKinematics kinematics, final CommandSlots slots)
    {
        cruiseSpeed = state.cruiseSpeed;
        targetLat = state.targetLat;
        targetLon = state.targetLon;
        altitude = state.altitude;
        waitSeconds = state.waitSeconds;
        flight = state.flight;
        activeSlot = state.activeSlot;
        goalAltitude = state.goalAltitude;
        commandLength = state.commandLength;
        waypointIndex = state.waypointIndex;
        missionCovered = state.missionCovered;
        missionTotal = state.missionTotal;
        missions = state.missions;
        slotType = slots.slotType;
        slotPhase = slots.slotPhase;
        slotProgress = slots.slotProgress;
        this.kinematics = kinematics;
        this.slots = slots;
    }

    /**
     * Refreshes the progress of drone {@code i}'s running command and queues it as IN_PROGRESS; called about once a
     * second of real time by the publisher (and at each waypoint reached). Nothing when no command runs.
     */
    void progressUpdate(final int i)
    {
        final int active = activeSlot[i];
        if (active == NO_SLOT)
        {
            return;
        }
        final int s = slot(i, active);
        slotProgress[s] = Math.max(slotProgress[s], (float)progress(i, s));
        slotPhase[s] = (byte)CommandPhase.IN_PROGRESS.value();
        slots.markDirty(i, active);
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
                covered = total - kinematics.distanceHome(i) - altitude[i];
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
        return kinematics.distanceTo(i, targetLat[i], targetLon[i]) + Math.abs(goalAltitude[i] - altitude[i]);
    }
}
