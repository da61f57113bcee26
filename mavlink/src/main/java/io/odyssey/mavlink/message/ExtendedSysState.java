package io.odyssey.mavlink.message;

/** EXTENDED_SYS_STATE: on the ground, taking off, in air or landing. */
public final class ExtendedSysState extends MessageFlyweight
{
    public static final int ID = 245;
    public static final int CRC_EXTRA = 130;
    public static final int LENGTH = 2;

    public ExtendedSysState()
    {
        super(ID, CRC_EXTRA, LENGTH);
    }

    /** MAV_VTOL_STATE. */
    public int vtolState()
    {
        return u8(0);
    }

    public ExtendedSysState vtolState(final int value)
    {
        put8(0, value);
        return this;
    }

    /** MAV_LANDED_STATE. */
    public int landedState()
    {
        return u8(1);
    }

    public ExtendedSysState landedState(final int value)
    {
        put8(1, value);
        return this;
    }
}
