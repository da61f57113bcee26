package io.odyssey.alerts;

import io.odyssey.journal.AlertType;

/** GEOFENCE_BREACH: a drone outside every keep-in fence (when there is one) or inside a keep-out fence. */
final class GeofenceRule
{
    private final AlertRules rules;

    GeofenceRule(final AlertRules rules)
    {
        this.rules = rules;
    }

    void check(final DroneAlerts alerts, final int slot, final double lat, final double lon, final long at,
        final long index)
    {
        if (rules.keepIn().isEmpty() && rules.keepOut().isEmpty())
        {
            return;
        }
        final boolean breach = outOfBounds(lat, lon);
        if (breach && !alerts.isActive(slot, AlertType.GEOFENCE_BREACH))
        {
            alerts.raise(slot, AlertType.GEOFENCE_BREACH, at, index, Double.NaN);
        }
        else if (!breach && alerts.isActive(slot, AlertType.GEOFENCE_BREACH))
        {
            alerts.clear(slot, AlertType.GEOFENCE_BREACH, at, index, Double.NaN);
        }
    }

    private boolean outOfBounds(final double lat, final double lon)
    {
        boolean inside = rules.keepIn().isEmpty();
        for (int i = 0, n = rules.keepIn().size(); i < n && !inside; i++)
        {
            inside = rules.keepIn().get(i).contains(lat, lon);
        }
        if (!inside)
        {
            return true;
        }
        for (int i = 0, n = rules.keepOut().size(); i < n; i++)
        {
            if (rules.keepOut().get(i).contains(lat, lon))
            {
                return true;
            }
        }
        return false;
    }
}
