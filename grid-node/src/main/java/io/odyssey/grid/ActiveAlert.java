package io.odyssey.grid;

/**
 * An alert that is raised and not yet cleared, as kept in the grid's {@code alerts} map (key: {@link #key}) for the
 * gateway and the dashboard. The authoritative history of raises and clears is the ingest node's alert journal, which
 * the archiver stores.
 *
 * @param type           the alert type's name (io.odyssey.journal.AlertType).
 * @param otherDroneId   the second drone of a loss of separation, 0 otherwise.
 * @param raisedAtNanos  data time (epoch ns) at which the condition began.
 * @param journalIndex   the telemetry journal index of the entry that caused it, on {@code ingestNode}.
 * @param value          the measurement behind it (battery %, seconds, metres, m/s); NaN when there is none.
 */
public record ActiveAlert(
    String type,
    long droneId,
    long otherDroneId,
    long raisedAtNanos,
    long journalIndex,
    double value,
    String ingestNode)
{
    /** One alert per type and drone (and other drone): raising it again replaces nothing, it was never cleared. */
    public static String key(final String type, final long droneId, final long otherDroneId)
    {
        return otherDroneId == 0 ? type + ":" + droneId : type + ":" + droneId + ":" + otherDroneId;
    }

    public String key()
    {
        return key(type, droneId, otherDroneId);
    }
}
