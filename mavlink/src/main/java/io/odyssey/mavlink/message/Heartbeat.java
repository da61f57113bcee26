package io.odyssey.mavlink.message;

/** HEARTBEAT: what the vehicle is, its autopilot, armed/mode flags and state; sent at 1 Hz, its absence means the link is lost. */
public final class Heartbeat extends MessageFlyweight
{
    public static final int ID = 0;
    public static final int CRC_EXTRA = 50;
    public static final int LENGTH = 9;

    public Heartbeat()
    {
        super(ID, CRC_EXTRA, LENGTH);
    }

    /** autopilot-specific flight mode. */
    public long customMode()
    {
        return u32(0);
    }

    public Heartbeat customMode(final long value)
    {
        put32(0, value);
        return this;
    }

    /** MAV_TYPE. */
    public int type()
    {
        return u8(4);
    }

    public Heartbeat type(final int value)
    {
        put8(4, value);
        return this;
    }

    /** MAV_AUTOPILOT. */
    public int autopilot()
    {
        return u8(5);
    }

    public Heartbeat autopilot(final int value)
    {
        put8(5, value);
        return this;
    }

    /** MAV_MODE_FLAG bits (bit 7: armed). */
    public int baseMode()
    {
        return u8(6);
    }

    public Heartbeat baseMode(final int value)
    {
        put8(6, value);
        return this;
    }

    /** MAV_STATE. */
    public int systemStatus()
    {
        return u8(7);
    }

    public Heartbeat systemStatus(final int value)
    {
        put8(7, value);
        return this;
    }

    /** protocol version the sender speaks (3 for MAVLink 2). */
    public int mavlinkVersion()
    {
        return u8(8);
    }

    public Heartbeat mavlinkVersion(final int value)
    {
        put8(8, value);
        return this;
    }
}
