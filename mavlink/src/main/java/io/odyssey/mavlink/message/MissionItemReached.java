package io.odyssey.mavlink.message;

/** MISSION_ITEM_REACHED: the vehicle reached an item. */
public final class MissionItemReached extends MessageFlyweight
{
    public static final int ID = 46;
    public static final int CRC_EXTRA = 11;
    public static final int LENGTH = 2;

    public MissionItemReached()
    {
        super(ID, CRC_EXTRA, LENGTH);
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
