package io.odyssey.mavlink.message;

/** MISSION_REQUEST_INT: the vehicle asks for one mission item. */
public final class MissionRequestInt extends MessageFlyweight
{
    public static final int ID = 51;
    public static final int CRC_EXTRA = 196;
    public static final int LENGTH = 5;

    public MissionRequestInt()
    {
        super(ID, CRC_EXTRA, LENGTH);
    }

    /** item asked for. */
    public int seq()
    {
        return u16(0);
    }

    public MissionRequestInt seq(final int value)
    {
        put16(0, value);
        return this;
    }

    public int targetSystem()
    {
        return u8(2);
    }

    public MissionRequestInt targetSystem(final int value)
    {
        put8(2, value);
        return this;
    }

    public int targetComponent()
    {
        return u8(3);
    }

    public MissionRequestInt targetComponent(final int value)
    {
        put8(3, value);
        return this;
    }

    /** MAV_MISSION_TYPE. */
    public int missionType()
    {
        return u8(4);
    }

    public MissionRequestInt missionType(final int value)
    {
        put8(4, value);
        return this;
    }
}
