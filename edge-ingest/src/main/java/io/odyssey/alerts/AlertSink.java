package io.odyssey.alerts;

import io.odyssey.journal.AlertType;

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

    /**
     * A loss of separation with another node's drone (see {@link AlertEngine#onRemote}): by default reported as any
     * other; the live monitor journals it apart, since a replay of this node's journal alone cannot reproduce it.
     */
    default void raisedAcrossNodes(final AlertType type, final long droneId, final long otherDroneId, final long atNanos,
        final long journalIndex, final double value)
    {
        raised(type, droneId, otherDroneId, atNanos, journalIndex, value);
    }

    default void clearedAcrossNodes(final AlertType type, final long droneId, final long otherDroneId, final long atNanos,
        final long journalIndex, final double value)
    {
        cleared(type, droneId, otherDroneId, atNanos, journalIndex, value);
    }

    /**
     * The drone is now heard by another ingest node: this engine cleared its alerts and forgot it (no lost link is
     * raised for a drone that merely moved).
     */
    default void handedOver(final long droneId, final long atNanos, final long journalIndex)
    {
    }

    /**
     * The drone was silent past the expiry ({@link AlertRules#droneExpiryNanos()}): its alerts were cleared (reported
     * through {@link #cleared}) and the engine forgot it.
     */
    default void expired(final long droneId, final long atNanos, final long journalIndex)
    {
    }

    /** Asked before a lost link is raised: false when the drone is now another node's (it moved, it is not lost). */
    interface LinkGuard
    {
        LinkGuard ALWAYS_OURS = droneId -> true;

        boolean stillOurs(long droneId);
    }
}
