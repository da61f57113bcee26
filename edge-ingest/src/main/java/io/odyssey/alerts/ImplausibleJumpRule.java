package io.odyssey.alerts;

import io.odyssey.geo.Geodesy;
import io.odyssey.journal.AlertType;

/**
 * IMPLAUSIBLE_JUMP: a drone that moved faster between two frames than a drone can fly (by the frames' own send
 * times, taken as at least a second apart), cleared by the next plausible move.
 */
final class ImplausibleJumpRule
{
    private final AlertRules rules;

    ImplausibleJumpRule(final AlertRules rules)
    {
        this.rules = rules;
    }

    void check(
        final DroneAlerts alerts, final int slot, final double fromLat, final double fromLon, final long fromSentNanos,
        final double lat, final double lon, final long sentNanos, final long at, final long index)
    {
        final long dtNanos = sentNanos - fromSentNanos;
        if (dtNanos <= 0)
        {
            return;
        }
        // Over at least a second: frames a sender sends back to back after a stall (or stamps as they arrive, as the
        // MAVLink edge does) are microseconds apart, so a metre of honest flight or of GNSS noise came out at 10 km/s
        // (seen on a running stack: eleven false alerts in ten minutes at 50 drones). No drone flies farther than the
        // limit in under a second, so a move beyond it within one is still a jump; a shorter one cannot be told from
        // jitter anyway.
        final double speed = Geodesy.distanceM(fromLat, fromLon, lat, lon) / (Math.max(dtNanos, 1_000_000_000L) / 1e9);
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
