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
    private final FleetState state;
    private final FleetKinematics kinematics;
    private final CommandSlots slots;

    CommandProgress(final FleetState state, final FleetKinematics kinematics, final CommandSlots slots)
    {
        this.state = state;
        this.kinematics = kinematics;
        this.slots = slots;
    }

    /**
     * Refreshes the progress of drone {@code i}'s running command and queues it as IN_PROGRESS; called about once a
     * second of real time by the publisher (and at each waypoint reached). Nothing when no command runs.
     */
    void progressUpdate(final int i)
    {
        final int active = state.activeSlot[i];
        if (active == NO_SLOT)
        {
            return;
        }
        final int s = slot(i, active);
        slots.slotProgress[s] = Math.max(slots.slotProgress[s], (float)progress(i, s));
        slots.slotPhase[s] = (byte)CommandPhase.IN_PROGRESS.value();
        slots.markDirty(i, active);
    }

    /** Percent of command slot {@code s} (absolute index) that drone {@code i} has done, 0..100. */
    private double progress(final int i, final int s)
    {
        final double covered;
        final double total;
        switch (COMMAND_TYPES[slots.slotType[s]])
        {
            case MISSION:
                total = state.missionTotal[i];
                if (state.flight[i] == FLIGHT_WAYPOINT_HOLD)
                {
                    final double hold = state.missions[i][state.waypointIndex[i] * WAYPOINT_FIELDS + WP_HOLD];
                    covered = state.missionCovered[i] + (hold - Math.max(0, state.waitSeconds[i])) * state.cruiseSpeed;
                }
                else
                {
                    final double leg = state.missions[i][state.waypointIndex[i] * WAYPOINT_FIELDS + WP_LEG];
                    covered = state.missionCovered[i] + Math.max(0, leg - kinematics.remainingLeg(i));
                }
                break;

            case TAKEOFF:
            case GOTO:
                total = state.commandLength[i];
                covered = total - kinematics.remainingLeg(i);
                break;

            case RETURN_HOME:
                total = state.commandLength[i];
                covered = total - kinematics.distanceHome(i) - state.altitude[i];
                break;

            case LAND:
            case STOP:
                total = state.commandLength[i];
                covered = total - state.altitude[i];
                break;

            default:
                return 0;
        }
        return total <= 0 ? 0 : Math.max(0, Math.min(100, 100.0 * covered / total));
    }
}
