package io.odyssey.mavlink.message;

/** COMMAND_LONG: a command with seven float parameters. */
public final class CommandLong extends MessageFlyweight
{
    public static final int ID = 76;
    public static final int CRC_EXTRA = 152;
    public static final int LENGTH = 33;

    public CommandLong()
    {
        super(ID, CRC_EXTRA, LENGTH);
    }

    public float param1()
    {
        return f32(0);
    }

    public CommandLong param1(final float value)
    {
        putFloat(0, value);
        return this;
    }

    public float param2()
    {
        return f32(4);
    }

    public CommandLong param2(final float value)
    {
        putFloat(4, value);
        return this;
    }

    public float param3()
    {
        return f32(8);
    }

    public CommandLong param3(final float value)
    {
        putFloat(8, value);
        return this;
    }

    public float param4()
    {
        return f32(12);
    }

    public CommandLong param4(final float value)
    {
        putFloat(12, value);
        return this;
    }

    public float param5()
    {
        return f32(16);
    }

    public CommandLong param5(final float value)
    {
        putFloat(16, value);
        return this;
    }

    public float param6()
    {
        return f32(20);
    }

    public CommandLong param6(final float value)
    {
        putFloat(20, value);
        return this;
    }

    public float param7()
    {
        return f32(24);
    }

    public CommandLong param7(final float value)
    {
        putFloat(24, value);
        return this;
    }

    /** MAV_CMD. */
    public int command()
    {
        return u16(28);
    }

    public CommandLong command(final int value)
    {
        put16(28, value);
        return this;
    }

    public int targetSystem()
    {
        return u8(30);
    }

    public CommandLong targetSystem(final int value)
    {
        put8(30, value);
        return this;
    }

    public int targetComponent()
    {
        return u8(31);
    }

    public CommandLong targetComponent(final int value)
    {
        put8(31, value);
        return this;
    }

    /** 0 for the first transmission, then +1 per retry. */
    public int confirmation()
    {
        return u8(32);
    }

    public CommandLong confirmation(final int value)
    {
        put8(32, value);
        return this;
    }
}
