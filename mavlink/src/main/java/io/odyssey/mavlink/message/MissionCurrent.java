package io.odyssey.mavlink.message;

/** MISSION_CURRENT: the item the vehicle is flying to. */
public final class MissionCurrent extends MessageFlyweight
{
    public static final int ID = 42;
    public static final int CRC_EXTRA = 28;
    public static final int LENGTH = 6;

    public MissionCurrent()
    {
        super(ID, CRC_EXTRA, LENGTH);
    }

    /** current item. */
    public int seq()
    {
        return u16(0);
    }

    public MissionCurrent seq(final int value)
    {
        put16(0, value);
        return this;
    }

    /** items; UINT16_MAX = unknown. */
    public int total()
    {
        return u16(2);
    }

    public MissionCurrent total(final int value)
    {
        put16(2, value);
        return this;
    }

    /** MISSION_STATE. */
    public int missionState()
    {
        return u8(4);
    }

    public MissionCurrent missionState(final int value)
    {
        put8(4, value);
        return this;
    }

    /** 0 unknown, 1 in mission mode, 2 suspended. */
    public int missionMode()
    {
        return u8(5);
    }

    public MissionCurrent missionMode(final int value)
    {
        put8(5, value);
        return this;
    }
}
