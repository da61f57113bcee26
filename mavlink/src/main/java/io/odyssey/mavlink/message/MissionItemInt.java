package io.odyssey.mavlink.message;

/** MISSION_ITEM_INT: one mission item (x, y in degE7). */
public final class MissionItemInt extends MessageFlyweight
{
    public static final int ID = 73;
    public static final int CRC_EXTRA = 38;
    public static final int LENGTH = 38;

    public MissionItemInt()
    {
        super(ID, CRC_EXTRA, LENGTH);
    }

    public float param1()
    {
        return f32(0);
    }

    public MissionItemInt param1(final float value)
    {
        putFloat(0, value);
        return this;
    }

    public float param2()
    {
        return f32(4);
    }

    public MissionItemInt param2(final float value)
    {
        putFloat(4, value);
        return this;
    }

    public float param3()
    {
        return f32(8);
    }

    public MissionItemInt param3(final float value)
    {
        putFloat(8, value);
        return this;
    }

    public float param4()
    {
        return f32(12);
    }

    public MissionItemInt param4(final float value)
    {
        putFloat(12, value);
        return this;
    }

    /** latitude degE7. */
    public int x()
    {
        return i32(16);
    }

    public MissionItemInt x(final int value)
    {
        put32(16, value);
        return this;
    }

    /** longitude degE7. */
    public int y()
    {
        return i32(20);
    }

    public MissionItemInt y(final int value)
    {
        put32(20, value);
        return this;
    }

    /** altitude m in frame. */
    public float z()
    {
        return f32(24);
    }

    public MissionItemInt z(final float value)
    {
        putFloat(24, value);
        return this;
    }

    /** item index. */
    public int seq()
    {
        return u16(28);
    }

    public MissionItemInt seq(final int value)
    {
        put16(28, value);
        return this;
    }

    /** MAV_CMD. */
    public int command()
    {
        return u16(30);
    }

    public MissionItemInt command(final int value)
    {
        put16(30, value);
        return this;
    }

    public int targetSystem()
    {
        return u8(32);
    }

    public MissionItemInt targetSystem(final int value)
    {
        put8(32, value);
        return this;
    }

    public int targetComponent()
    {
        return u8(33);
    }

    public MissionItemInt targetComponent(final int value)
    {
        put8(33, value);
        return this;
    }

    /** MAV_FRAME. */
    public int frame()
    {
        return u8(34);
    }

    public MissionItemInt frame(final int value)
    {
        put8(34, value);
        return this;
    }

    /** 1 for the current item. */
    public int current()
    {
        return u8(35);
    }

    public MissionItemInt current(final int value)
    {
        put8(35, value);
        return this;
    }

    /** 1 to go on to the next item. */
    public int autocontinue()
    {
        return u8(36);
    }

    public MissionItemInt autocontinue(final int value)
    {
        put8(36, value);
        return this;
    }

    /** MAV_MISSION_TYPE. */
    public int missionType()
    {
        return u8(37);
    }

    public MissionItemInt missionType(final int value)
    {
        put8(37, value);
        return this;
    }
}
