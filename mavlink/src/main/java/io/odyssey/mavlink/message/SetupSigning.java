package io.odyssey.mavlink.message;

/**
 * SETUP_SIGNING: gives a vehicle its MAVLink 2 signing key and the timestamp its signing clock starts from. It carries
 * the secret key in the clear, so it is only ever sent over a trusted link (USB, a serial telemetry radio in a lab);
 * a vehicle never sends it, and the edge does not take it (it is not in {@link io.odyssey.mavlink.MavlinkMessages}).
 * An all-zero key with a zero timestamp turns signing off on the vehicle.
 */
public final class SetupSigning extends MessageFlyweight
{
    public static final int ID = 256;
    public static final int CRC_EXTRA = 71;
    public static final int LENGTH = 42;
    /** The key's length on the wire: MAVLink keys are 32 bytes. */
    public static final int KEY_LENGTH = 32;
    private static final int KEY_OFFSET = 10;

    public SetupSigning()
    {
        super(ID, CRC_EXTRA, LENGTH);
    }

    /** The signing timestamp (10 us units since 2015-01-01 UTC) the vehicle's signing clock starts from. */
    public long initialTimestamp()
    {
        return u64(0);
    }

    public SetupSigning initialTimestamp(final long value)
    {
        put64(0, value);
        return this;
    }

    public int targetSystem()
    {
        return u8(8);
    }

    public SetupSigning targetSystem(final int value)
    {
        put8(8, value);
        return this;
    }

    public int targetComponent()
    {
        return u8(9);
    }

    public SetupSigning targetComponent(final int value)
    {
        put8(9, value);
        return this;
    }

    /** Copies the secret key into {@code destination} (at least {@link #KEY_LENGTH} bytes). */
    public void copySecretKey(final byte[] destination)
    {
        buffer.getBytes(KEY_OFFSET, destination, 0, KEY_LENGTH);
    }

    public SetupSigning secretKey(final byte[] key)
    {
        if (key.length != KEY_LENGTH)
        {
            throw new IllegalArgumentException("a MAVLink signing key is " + KEY_LENGTH + " bytes, not " + key.length);
        }
        buffer.putBytes(KEY_OFFSET, key);
        return this;
    }
}
