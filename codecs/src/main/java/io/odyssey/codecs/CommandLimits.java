package io.odyssey.codecs;

/**
 * The bounds of a command's parameters, part of the wire contract: what a drone accepts is what the gateway lets
 * through, what the CLI and the dashboard check before sending (the gateway serves these numbers in
 * {@code /config.json}), and what docs/api/openapi.yaml states. One place, so that no caller allows an order another
 * refuses.
 */
public final class CommandLimits
{
    /** Altitude above home of a takeoff, a goto or a waypoint, metres. */
    public static final double MIN_ALTITUDE_M = 1.0;
    public static final double MAX_ALTITUDE_M = 500.0;
    /** A takeoff without an altitude climbs to this one. */
    public static final double DEFAULT_TAKEOFF_ALTITUDE_M = 30.0;
    /** Ground speed of a goto, a waypoint or set-speed, m/s. */
    public static final double MIN_SPEED_MPS = 1.0;
    public static final double MAX_SPEED_MPS = 60.0;
    /** Waypoints of one mission (at least one). */
    public static final int MAX_WAYPOINTS = 100;
    /** Time to hover at a waypoint, seconds. */
    public static final double MIN_HOLD_S = 0.0;
    public static final double MAX_HOLD_S = 3600.0;

    private CommandLimits()
    {
    }

    public static boolean isAltitude(final double metres)
    {
        return metres >= MIN_ALTITUDE_M && metres <= MAX_ALTITUDE_M;
    }

    public static boolean isSpeed(final double metresPerSecond)
    {
        return metresPerSecond >= MIN_SPEED_MPS && metresPerSecond <= MAX_SPEED_MPS;
    }

    public static boolean isHold(final double seconds)
    {
        return seconds >= MIN_HOLD_S && seconds <= MAX_HOLD_S;
    }

    public static boolean isLatitude(final double degrees)
    {
        return degrees >= -90.0 && degrees <= 90.0;
    }

    public static boolean isLongitude(final double degrees)
    {
        return degrees >= -180.0 && degrees <= 180.0;
    }
}
