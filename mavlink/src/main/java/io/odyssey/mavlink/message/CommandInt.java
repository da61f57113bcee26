package io.odyssey.mavlink.message;

/** COMMAND_INT: a command with an integer position (x, y in degE7). */
public final class CommandInt extends MessageFlyweight
{
    public static final int ID = 75;
    public static final int CRC_EXTRA = 158;
    public static final int LENGTH = 35;

    public CommandInt()
    {
        super(ID, CRC_EXTRA, LENGTH);
    }

    public float param1()
    {
        return f32(0);
    }

    public CommandInt param1(final float value)
    {
        putFloat(0, value);
        return this;
    }

    public float param2()
    {
        return f32(4);
    }

    public CommandInt param2(final float value)
    {
        putFloat(4, value);
        return this;
    }

    public float param3()
    {
        return f32(8);
    }

    public CommandInt param3(final float value)
    {
        putFloat(8, value);
        return this;
    }

    public float param4()
    {
        return f32(12);
    }

    public CommandInt param4(final float value)
    {
        putFloat(12, value);
        return this;
    }

    /** latitude degE7. */
    public int x()
    {
        return i32(16);
    }

    public CommandInt x(final int value)
    {
        put32(16, value);
        return this;
    }

    /** longitude degE7. */
    public int y()
    {
        return i32(20);
    }

    public CommandInt y(final int value)
    {
        put32(20, value);
        return this;
    }

    /** altitude m in frame. */
    public float z()
    {
        return f32(24);
    }

    public CommandInt z(final float value)
    {
        putFloat(24, value);
        return this;
    }

    /** MAV_CMD. */
    public int command()
    {
        return u16(28);
    }

    public CommandInt command(final int value)
    {
        put16(28, value);
        return this;
    }

    public int targetSystem()
    {
        return u8(30);
    }

    public CommandInt targetSystem(final int value)
    {
        put8(30, value);
        return this;
    }

    public int targetComponent()
    {
        return u8(31);
    }

    public CommandInt targetComponent(final int value)
    {
        put8(31, value);
        return this;
    }

    /** MAV_FRAME. */
    public int frame()
    {
        return u8(32);
    }

    public CommandInt frame(final int value)
    {
        put8(32, value);
        return this;
    }

    /** unused. */
    public int current()
    {
        return u8(33);
    }

    public CommandInt current(final int value)
    {
        put8(33, value);
        return this;
    }

    /** unused. */
    public int autocontinue()
    {
        return u8(34);
    }

    public CommandInt autocontinue(final int value)
    {
        put8(34, value);
        return this;
    }
}
