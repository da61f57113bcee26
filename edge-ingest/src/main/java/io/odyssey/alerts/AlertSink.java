package io.odyssey.alerts;

/**
 * Where the {@link AlertEngine} reports. Every alert is raised once and cleared once; both carry the journal index of
 * the entry that caused them (for a lost link: the drone's last frame before the silence) and the data time at which
 * the condition began or ended.
 */
public interface AlertSink
{
    /**
     * @param otherDroneId the second drone of a loss of separation, 0 otherwise.
     * @param value        the measurement behind it: battery %, seconds silent, metres apart, implied m/s; NaN for a
     *                     geofence breach.
     */
    void raised(AlertType type, long droneId, long otherDroneId, long atNanos, long journalIndex, double value);

    void cleared(AlertType type, long droneId, long otherDroneId, long atNanos, long journalIndex, double value);
}
