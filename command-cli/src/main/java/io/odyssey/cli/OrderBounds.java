package io.odyssey.cli;

import io.odyssey.codecs.CommandLimits;

import java.math.BigDecimal;

/**
 * The bounds of an order's parameters as the wire contract states them ({@link CommandLimits}: what the gateway lets
 * through and the drones take), checked before anything is sent, so an order the gateway would refuse is a usage
 * error (exit 2) naming the bound instead of a round trip and a 400.
 */
final class OrderBounds
{
    private OrderBounds()
    {
    }

    /** Null when {@code metres} is an altitude a drone takes, else why not. */
    static String altitude(final String what, final double metres)
    {
        return CommandLimits.isAltitude(metres) ? null :
            outside(what, metres, CommandLimits.MIN_ALTITUDE_M, CommandLimits.MAX_ALTITUDE_M, "m above home");
    }

    /** Null when {@code metresPerSecond} is a speed a drone takes, else why not. */
    static String speed(final String what, final double metresPerSecond)
    {
        return CommandLimits.isSpeed(metresPerSecond) ? null :
            outside(what, metresPerSecond, CommandLimits.MIN_SPEED_MPS, CommandLimits.MAX_SPEED_MPS, "m/s");
    }

    /** Null when a drone hovers {@code seconds} at a waypoint, else why not. */
    static String hold(final String what, final double seconds)
    {
        return CommandLimits.isHold(seconds) ? null :
            outside(what, seconds, CommandLimits.MIN_HOLD_S, CommandLimits.MAX_HOLD_S, "s");
    }

    /** Null when a mission may have a waypoint number {@code count}, else why not. */
    static String waypointCount(final int count)
    {
        return count <= CommandLimits.MAX_WAYPOINTS ? null :
            "waypoint " + count + ": a mission has at most " + CommandLimits.MAX_WAYPOINTS + " waypoints";
    }

    private static String outside(final String what, final double value, final double min, final double max,
        final String unit)
    {
        return what + " " + plain(value) + " is outside " + plain(min) + ".." + plain(max) + " " + unit;
    }

    /** 500 rather than 500.0, 12.5 as given. */
    private static String plain(final double value)
    {
        return Double.isFinite(value) ? BigDecimal.valueOf(value).stripTrailingZeros().toPlainString() :
            Double.toString(value);
    }
}
