package io.odyssey.mavlink.message;

/** COMMAND_ACK: the vehicle's answer to a command. */
public final class CommandAck extends MessageFlyweight
{
    public static final int ID = 77;
    public static final int CRC_EXTRA = 143;
    public static final int LENGTH = 10;

    public CommandAck()
    {
        super(ID, CRC_EXTRA, LENGTH);
    }

    /** MAV_CMD answered. */
    public int command()
    {
        return u16(0);
    }

    public CommandAck command(final int value)
    {
        put16(0, value);
        return this;
    }

    /** MAV_RESULT. */
    public int result()
    {
        return u8(2);
    }

    public CommandAck result(final int value)
    {
        put8(2, value);
        return this;
    }

    /** % while IN_PROGRESS; 255 = unknown. */
    public int progress()
    {
        return u8(3);
    }

    public CommandAck progress(final int value)
    {
        put8(3, value);
        return this;
    }

    /** command-specific. */
    public int resultParam2()
    {
        return i32(4);
    }

    public CommandAck resultParam2(final int value)
    {
        put32(4, value);
        return this;
    }

    public int targetSystem()
    {
        return u8(8);
    }

    public CommandAck targetSystem(final int value)
    {
        put8(8, value);
        return this;
    }

    public int targetComponent()
    {
        return u8(9);
    }

    public CommandAck targetComponent(final int value)
    {
        put8(9, value);
        return this;
    }
}
