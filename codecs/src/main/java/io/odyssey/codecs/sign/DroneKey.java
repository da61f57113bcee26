package io.odyssey.codecs.sign;

/**
 * One drone's 32-byte link key, held as the two HMAC pads derived from it (RFC 2104), so signing and verifying need
 * nothing per frame. Never printed: {@link #toString()} names the drone only.
 */
public final class DroneKey
{
    public static final int LENGTH = 32;
    private static final int BLOCK = 64;

    private final long droneId;
    final byte[] innerPad = new byte[BLOCK];
    final byte[] outerPad = new byte[BLOCK];

    /** @param key exactly {@link #LENGTH} bytes; copied into the pads, the caller may wipe its array afterwards. */
    public DroneKey(final long droneId, final byte[] key)
    {
        if (key.length != LENGTH)
        {
            throw new IllegalArgumentException("a drone key has " + LENGTH + " bytes, not " + key.length);
        }
        this.droneId = droneId;
        for (int i = 0; i < BLOCK; i++)
        {
            final byte k = i < key.length ? key[i] : 0;
            innerPad[i] = (byte)(k ^ 0x36);
            outerPad[i] = (byte)(k ^ 0x5c);
        }
    }

    /**
     * A copy of the 32 key bytes, for links that hash the key itself rather than an HMAC of it: MAVLink 2 signing
     * (SHA-256 of key and frame) uses the drone's link key as is, so one key per drone serves both its links. A cold
     * path (a key change); the caller keeps the copy away from logs.
     */
    public byte[] keyBytes()
    {
        final byte[] key = new byte[LENGTH];
        for (int i = 0; i < LENGTH; i++)
        {
            key[i] = (byte)(innerPad[i] ^ 0x36);
        }
        return key;
    }

    public long droneId()
    {
        return droneId;
    }

    /** Same key material (constant time over the pads). */
    public boolean sameKeyAs(final DroneKey other)
    {
        return other != null && java.security.MessageDigest.isEqual(innerPad, other.innerPad);
    }

    public String toString()
    {
        return "DroneKey[drone " + droneId + "]";
    }
}
