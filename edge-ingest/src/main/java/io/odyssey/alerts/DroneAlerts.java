package io.odyssey.alerts;

import io.odyssey.journal.AlertType;

/**
 * The alerts of the drones an {@link AlertEngine} holds, by slot: what its per-drone rules ({@link LowBatteryRule},
 * {@link ImplausibleJumpRule}, {@link GeofenceRule}) read and change. Raising or clearing reports to the engine's sink.
 */
interface DroneAlerts
{
    boolean isActive(int slot, AlertType type);

    void raise(int slot, AlertType type, long at, long index, double value);

    void clear(int slot, AlertType type, long at, long index, double value);
}
