package io.odyssey.alerts;

import io.odyssey.geo.Geodesy;
import io.odyssey.journal.AlertType;

/**
 * IMPLAUSIBLE_JUMP: a drone that moved faster between two frames than a drone can fly (by the frames' own send
 * times), cleared by the next plausible move.
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
        final double speed = Geodesy.distanceM(fromLat, fromLon, lat, lon) / (dtNanos / 1e9);
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
