package io.odyssey.mavlink.message;

/** MISSION_CLEAR_ALL: deletes the vehicle's mission. */
public final class MissionClearAll extends MessageFlyweight
{
    public static final int ID = 45;
    public static final int CRC_EXTRA = 232;
    public static final int LENGTH = 3;

    public MissionClearAll()
    {
        super(ID, CRC_EXTRA, LENGTH);
    }

    public int targetSystem()
    {
        return u8(0);
    }

    public MissionClearAll targetSystem(final int value)
    {
        put8(0, value);
        return this;
    }

    public int targetComponent()
    {
        return u8(1);
    }

    public MissionClearAll targetComponent(final int value)
    {
        put8(1, value);
        return this;
    }

    /** MAV_MISSION_TYPE. */
    public int missionType()
    {
        return u8(2);
    }

    public MissionClearAll missionType(final int value)
    {
        put8(2, value);
        return this;
    }
}
