package io.odyssey.grid.trust;

/**
 * One drone's link keys as the grid keeps them (sealed by {@link DroneKeyVault}): the current key, the previous one
 * while a rotation's grace runs, or none at all (revoked). {@code keyId} counts the drone's changes from 1, so a
 * reader can refuse an older record played back over a newer one. Never printed with its keys.
 *
 * @param currentHex          the key that signs now, 64 hex digits; null when the drone's keys were revoked.
 * @param previousHex         the key replaced by the last rotation, still accepted until {@code previousUntilEpochS};
 *                            null when there is none.
 * @param previousUntilEpochS end of the previous key's grace (epoch seconds); 0 without a previous key.
 */
public record DroneKeyRecord(long droneId, long keyId, long createdEpochS, String currentHex, String previousHex,
                             long previousUntilEpochS)
{
    public boolean revoked()
    {
        return currentHex == null;
    }

    public String toString()
    {
        return "DroneKeyRecord[drone " + droneId + ", key " + keyId + (revoked() ? ", revoked" : "") +
            (previousHex == null ? "" : ", previous key until " + previousUntilEpochS) + "]";
    }
}
