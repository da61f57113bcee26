package io.odyssey.alerts;

import io.odyssey.geo.Geodesy;
import io.odyssey.journal.AlertType;

/**
 * IMPLAUSIBLE_JUMP: a drone that moved faster than a drone can fly (by the frames' own send times), cleared by the next
 * plausible move. Measured from an anchor, a frame at most a second older, never between two frames alone: frames a
 * sender sends back to back after a stall (or stamps as they arrive, as the MAVLink edge does) are microseconds apart,
 * so a metre of honest flight or of GNSS noise came out at 10 km/s (seen on a running stack: eleven false alerts in ten
 * minutes at 50 drones). Over the anchor's window the distance is taken as covered in at least a second, so jitter
 * cannot make a jump; and since the anchor holds for up to a second, a forged track made of steps each just under the
 * limit's distance still adds up past it within the window (taking each step over a second would let 149 m every
 * 100 ms through: 1,490 m/s). Allocation-free: three arrays per slot, made once.
 */
final class ImplausibleJumpRule
{
    /** The anchor moves to a frame once that frame is at least this much later (send times). */
    static final long WINDOW_NANOS = 1_000_000_000L;

    private final AlertRules rules;
    private final double[] anchorLat;
    private final double[] anchorLon;
    private final long[] anchorSent;

    ImplausibleJumpRule(final AlertRules rules, final int slots)
    {
        this.rules = rules;
        this.anchorLat = new double[slots];
        this.anchorLon = new double[slots];
        this.anchorSent = new long[slots];
    }

    /** A drone's first frame in this slot (a new drone, or one first heard here): the anchor, nothing to compare. */
    void start(final int slot, final double lat, final double lon, final long sentNanos)
    {
        anchorLat[slot] = lat;
        anchorLon[slot] = lon;
        anchorSent[slot] = sentNanos;
    }

    void check(
        final DroneAlerts alerts, final int slot, final double lat, final double lon, final long sentNanos, final long at,
        final long index)
    {
        final long dtNanos = sentNanos - anchorSent[slot];
        if (dtNanos <= 0)
        {
            // A send time before the anchor's (the drone's clock stepped back): nothing to measure, start again here.
            if (dtNanos < 0)
            {
                start(slot, lat, lon, sentNanos);
            }
            return;
        }
        final double speed = Geodesy.distanceM(anchorLat[slot], anchorLon[slot], lat, lon) /
            (Math.max(dtNanos, WINDOW_NANOS) / 1e9);
        if (dtNanos >= WINDOW_NANOS)
        {
            start(slot, lat, lon, sentNanos);
        }
        if (speed > rules.maxPlausibleSpeedMps())
        {
            if (!alerts.isActive(slot, AlertType.IMPLAUSIBLE_JUMP))
            {
                alerts.raise(slot, AlertType.IMPLAUSIBLE_JUMP, at, index, speed);
            }
        }
        else if (alerts.isActive(slot, AlertType.IMPLAUSIBLE_JUMP))
        {
            alerts.clear(slot, AlertType.IMPLAUSIBLE_JUMP, at, index, speed);
        }
    }
}
