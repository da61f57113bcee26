package io.odyssey.mavlink.message;

/** MISSION_ACK: ends a mission upload (MAV_MISSION_RESULT). */
public final class MissionAck extends MessageFlyweight
{
    public static final int ID = 47;
    public static final int CRC_EXTRA = 153;
    public static final int LENGTH = 4;

    public MissionAck()
    {
        super(ID, CRC_EXTRA, LENGTH);
    }

    public int targetSystem()
    {
        return u8(0);
    }

    public MissionAck targetSystem(final int value)
    {
        put8(0, value);
        return this;
    }

    public int targetComponent()
    {
        return u8(1);
    }

    public MissionAck targetComponent(final int value)
    {
        put8(1, value);
        return this;
    }

    /** MAV_MISSION_RESULT. */
    public int type()
    {
        return u8(2);
    }

    public MissionAck type(final int value)
    {
        put8(2, value);
        return this;
    }

    /** MAV_MISSION_TYPE. */
    public int missionType()
    {
        return u8(3);
    }

    public MissionAck missionType(final int value)
    {
        put8(3, value);
        return this;
    }
}
