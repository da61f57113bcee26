package io.odyssey.codecs;


import io.odyssey.codecs.sbe.CommandReason;
import java.util.List;

/**
 * What a command says beyond its {@link CommandType}, typed: validated once where it enters (the gateway, a drone's
 * frame) and then carried as it is through the ledger to the frame a drone reads. Fields a type does not use are NaN,
 * 0 or empty; which fields each type uses is the contract (docs/api/commands.md).
 *
 * @param latitude        GOTO target, WGS84 degrees; NaN otherwise.
 * @param longitude       GOTO target, WGS84 degrees; NaN otherwise.
 * @param altitude        GOTO/TAKEOFF altitude above home, metres; NaN = keep the current one.
 * @param speed           GOTO/SET_SPEED ground speed, m/s; NaN = cruise speed.
 * @param targetCommandId CANCEL: the ledger id of the command to cancel; 0 otherwise.
 * @param waypoints       MISSION: the waypoints in order; empty otherwise.
 * @param droneCommandId  a command a drone started itself: the drone's own (negative) number for it; 0 otherwise.
 * @param startedBecause  a command a drone started itself: why it did ({@code NONE} if it did not say); null otherwise.
 */
public record CommandParameters(
    double latitude,
    double longitude,
    double altitude,
    double speed,
    long targetCommandId,
    List<Waypoint> waypoints,
    long droneCommandId,
    CommandReason startedBecause)
{
    public static final CommandParameters NONE = new CommandParameters(
        Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0L, List.of(), 0L, null);

    public CommandParameters
    {
        waypoints = List.copyOf(waypoints);
    }

    public static CommandParameters takeoff(final double altitude)
    {
        return new CommandParameters(Double.NaN, Double.NaN, altitude, Double.NaN, 0L, List.of(), 0L, null);
    }

    public static CommandParameters goTo(final double latitude, final double longitude, final double altitude,
        final double speed)
    {
        return new CommandParameters(latitude, longitude, altitude, speed, 0L, List.of(), 0L, null);
    }

    public static CommandParameters mission(final List<Waypoint> waypoints)
    {
        return new CommandParameters(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0L, waypoints, 0L, null);
    }

    public static CommandParameters setSpeed(final double speed)
    {
        return new CommandParameters(Double.NaN, Double.NaN, Double.NaN, speed, 0L, List.of(), 0L, null);
    }

    public static CommandParameters cancel(final long targetCommandId)
    {
        return new CommandParameters(Double.NaN, Double.NaN, Double.NaN, Double.NaN, targetCommandId, List.of(), 0L,
            null);
    }

    /** A command the drone started on its own, numbered {@code droneCommandId} by the drone. */
    public static CommandParameters startedByDrone(final long droneCommandId, final CommandReason because)
    {
        return new CommandParameters(Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0L, List.of(), droneCommandId,
            because == null ? CommandReason.NONE : because);
    }

    public boolean startedByDrone()
    {
        return startedBecause != null;
    }
}
