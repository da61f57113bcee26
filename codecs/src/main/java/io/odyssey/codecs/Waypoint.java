package io.odyssey.codecs;

/**
 * One waypoint of a mission.
 *
 * @param altitude    metres above home; NaN = keep the current altitude.
 * @param speed       ground speed towards it, m/s; NaN = cruise speed.
 * @param holdSeconds time to hover there; NaN = not given (no hover).
 */
public record Waypoint(double latitude, double longitude, double altitude, double speed, double holdSeconds)
{
}
