package io.odyssey.mavlink.message;

/** MISSION_ITEM_REACHED: the vehicle reached an item. */
public final class MissionItemReached extends MessageFlyweight
{
    public static final int ID = 46;
    public static final int CRC_EXTRA = 11;
    public static final int LENGTH = 2;

    public int id()
    {
        return ID;
    }

    public int crcExtra()
    {
        return CRC_EXTRA;
    }

    public int length()
    {
        return LENGTH;
    }

    /** item reached. */
    public int seq()
    {
        return u16(0);
    }

    public MissionItemReached seq(final int value)
    {
        put16(0, value);
        return this;
    }
}
