package io.odyssey.mavlink.message;

/** MISSION_REQUEST: the deprecated float form of MISSION_REQUEST_INT, still sent by some vehicles. */
public final class MissionRequest extends MessageFlyweight
{
    public static final int ID = 40;
    public static final int CRC_EXTRA = 230;
    public static final int LENGTH = 5;

    public MissionRequest()
    {
        super(ID, CRC_EXTRA, LENGTH);
    }

    /** item asked for. */
    public int seq()
    {
        return u16(0);
    }

    public MissionRequest seq(final int value)
    {
        put16(0, value);
        return this;
    }

    public int targetSystem()
    {
        return u8(2);
    }

    public MissionRequest targetSystem(final int value)
    {
        put8(2, value);
        return this;
    }

    public int targetComponent()
    {
        return u8(3);
    }

    public MissionRequest targetComponent(final int value)
    {
        put8(3, value);
        return this;
    }

    /** MAV_MISSION_TYPE. */
    public int missionType()
    {
        return u8(4);
    }

    public MissionRequest missionType(final int value)
    {
        put8(4, value);
        return this;
    }
}
