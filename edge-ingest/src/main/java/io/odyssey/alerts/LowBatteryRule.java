package io.odyssey.alerts;

import io.odyssey.journal.AlertType;

/** LOW_BATTERY: raised below the threshold, cleared only once the battery is the hysteresis above it again. */
final class LowBatteryRule
{
    private final AlertRules rules;

    LowBatteryRule(final AlertRules rules)
    {
        this.rules = rules;
    }

    void check(final DroneAlerts alerts, final int slot, final float battery, final long at, final long index)
    {
        if (!alerts.isActive(slot, AlertType.LOW_BATTERY))
        {
            if (battery < rules.lowBatteryPct())
            {
                alerts.raise(slot, AlertType.LOW_BATTERY, at, index, battery);
            }
        }
        else if (battery >= rules.lowBatteryPct() + rules.batteryHysteresisPct())
        {
            alerts.clear(slot, AlertType.LOW_BATTERY, at, index, battery);
        }
    }
}
