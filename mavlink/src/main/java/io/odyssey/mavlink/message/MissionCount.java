package io.odyssey.mavlink.message;

/** MISSION_COUNT: starts a mission upload with its item count. */
public final class MissionCount extends MessageFlyweight
{
    public static final int ID = 44;
    public static final int CRC_EXTRA = 221;
    public static final int LENGTH = 5;

    public MissionCount()
    {
        super(ID, CRC_EXTRA, LENGTH);
    }

    /** items. */
    public int count()
    {
        return u16(0);
    }

    public MissionCount count(final int value)
    {
        put16(0, value);
        return this;
    }

    public int targetSystem()
    {
        return u8(2);
    }

    public MissionCount targetSystem(final int value)
    {
        put8(2, value);
        return this;
    }

    public int targetComponent()
    {
        return u8(3);
    }

    public MissionCount targetComponent(final int value)
    {
        put8(3, value);
        return this;
    }

    /** MAV_MISSION_TYPE. */
    public int missionType()
    {
        return u8(4);
    }

    public MissionCount missionType(final int value)
    {
        put8(4, value);
        return this;
    }
}
