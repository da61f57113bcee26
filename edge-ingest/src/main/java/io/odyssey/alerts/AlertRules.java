package io.odyssey.alerts;

import io.odyssey.geo.Polygon;
import java.util.List;

/**
 * The thresholds of every alert, and the geofences.
 *
 * @param lowBatteryPct        raise LOW_BATTERY below this.
 * @param batteryHysteresisPct clear it only at {@code lowBatteryPct + batteryHysteresisPct} or above (no flapping).
 * @param lostLinkNanos        raise LOST_LINK after this long without telemetry.
 * @param separationHorizontalM minimum horizontal distance between two airborne drones...
 * @param separationVerticalM  ...unless at least this far apart vertically.
 * @param maxPlausibleSpeedMps an implied speed above this (from a frame at most a second older, over at least a second) is an implausible jump.
 * @param keepIn               polygons the fleet must stay inside (any of them); empty = no keep-in constraint.
 * @param keepOut              polygons no drone may enter.
 * @param droneExpiryNanos     a drone silent this long (data time; longer than {@code lostLinkNanos}) is forgotten:
 *                             its alerts clear and its slot is freed; 0 = never.
 */
public record AlertRules(
    double lowBatteryPct,
    double batteryHysteresisPct,
    long lostLinkNanos,
    double separationHorizontalM,
    double separationVerticalM,
    double maxPlausibleSpeedMps,
    List<Polygon> keepIn,
    List<Polygon> keepOut,
    long droneExpiryNanos)
{
    public AlertRules
    {
        keepIn = List.copyOf(keepIn);
        keepOut = List.copyOf(keepOut);
    }
}
