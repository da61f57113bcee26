package io.odyssey.simulator;

import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;

import static io.odyssey.simulator.FleetState.FLIGHT_DESCEND;
import static io.odyssey.simulator.FleetState.FLIGHT_EMERGENCY;
import static io.odyssey.simulator.FleetState.GROUNDED;

/**
 * The drone's own return home when its battery is too low for anything but the way home (the fixed threshold, or the
 * charge the trip home needs if more: {@link FleetKinematics#returnThreshold}). It opens as a command of its own
 * (RETURN_HOME, STARTED_BY_DRONE, negative id), so the ground sees it: from the patrol ({@link AutonomousPatrol}) and,
 * failing whatever the drone was told, from a commanded flight ({@link CommandedFlight}), which then flies it home
 * the way a RETURN_HOME command does ({@link FlightPhases#returnHome}).
 */
final class LowBatteryFailsafe
{
    private final FleetState state;
    private final FleetKinematics kinematics;
    private final CommandSlots slots;
    private final FlightPhases phases;

    LowBatteryFailsafe(
        final FleetState state, final FleetKinematics kinematics, final CommandSlots slots, final FlightPhases phases)
    {
        this.state = state;
        this.kinematics = kinematics;
        this.slots = slots;
        this.phases = phases;
    }

    /** After a commanded drone's step aloft: too low a battery, and not on its way home or down already? Home. */
    void checkCommanded(final int i)
    {
        if (state.status[i] != GROUNDED && !homeBound(i) && state.battery[i] < kinematics.returnThreshold(i))
        {
            slots.endRunningCommands(i, CommandPhase.FAILED, CommandReason.FAILSAFE_LOW_BATTERY);
            startFailsafeCommand(i);
            phases.returnHome(i);
        }
    }

    /** Is the drone on its way home or down already (so the failsafe has nothing to add)? */
    private boolean homeBound(final int i)
    {
        return state.flight[i] == FLIGHT_DESCEND || state.flight[i] == FLIGHT_EMERGENCY ||
            slots.activeIs(i, CommandType.RETURN_HOME);
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
