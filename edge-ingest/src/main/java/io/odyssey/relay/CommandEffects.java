package io.odyssey.relay;

import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.geo.Geodesy;

/**
 * When a command counts as done: the drone saying so is not enough, its telemetry must show the effect, and the
 * telemetry must be newer than the drone's word. One rule per command type, all of them here.
 */
public final class CommandEffects
{
    /** Horizontal distance to the target that counts as arrived, metres. */
    public static final double ARRIVAL_TOLERANCE_M = 10.0;
    /** Vertical distance to the target altitude that counts as arrived, metres. */
    public static final double ALTITUDE_TOLERANCE_M = 5.0;
    /** Ground speed that counts as stopped, m/s. */
    public static final double STOPPED_MPS = 0.5;
    /** Altitude that counts as on the ground, metres. */
    public static final double GROUNDED_ALTITUDE_M = 0.5;

    private CommandEffects()
    {
    }

    /**
     * @param state the drone's latest state; the effect counts only if it was taken after the drone reported done.
     */
    public static boolean seen(final CommandRecord command, final DroneState state)
    {
        if (state == null || command.doneAtNanos() == 0 || state.ingestNanos() < command.doneAtNanos())
        {
            return false;
        }
        if (command.type() == null)
        {
            return false;
        }
        return switch (command.type())
        {
            case GOTO, MISSION -> atTarget(command, state);
            case TAKEOFF -> !grounded(state) && altitudeReached(command, state);
            case HOLD -> state.groundSpeed() <= STOPPED_MPS;
            case LAND, STOP -> grounded(state);
            case RETURN_HOME -> grounded(state) && horizontallyAtTarget(command, state);
            case RESUME -> state.groundSpeed() > STOPPED_MPS || state.droneStatus() == DroneStatus.CRUISING ||
                state.droneStatus() == DroneStatus.TAKING_OFF;
            // Done at the drone's word, checked against telemetry no further than "it flies no faster than asked".
            case SET_SPEED -> true;
            // The cancelled command being final is checked by the relay, which knows it.
            case CANCEL -> true;
        };
    }

    static boolean grounded(final DroneState state)
    {
        return state.droneStatus() == DroneStatus.GROUNDED && state.altitude() <= GROUNDED_ALTITUDE_M;
    }

    private static boolean atTarget(final CommandRecord command, final DroneState state)
    {
        return horizontallyAtTarget(command, state) && altitudeReached(command, state);
    }

    private static boolean horizontallyAtTarget(final CommandRecord command, final DroneState state)
    {
        return !Double.isNaN(command.targetLatitude()) &&
            Geodesy.distanceM(state.latitude(), state.longitude(), command.targetLatitude(),
                command.targetLongitude()) <= ARRIVAL_TOLERANCE_M;
    }

    private static boolean altitudeReached(final CommandRecord command, final DroneState state)
    {
        return Float.isNaN(command.targetAltitude()) ||
            Math.abs(state.altitude() - command.targetAltitude()) <= ALTITUDE_TOLERANCE_M;
    }
}
