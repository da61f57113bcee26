package io.odyssey.mavlink.message;

/** GLOBAL_POSITION_INT: the filtered position, the source of a drone's place on the map. */
public final class GlobalPositionInt extends MessageFlyweight
{
    public static final int ID = 33;
    public static final int CRC_EXTRA = 104;
    public static final int LENGTH = 28;

    public GlobalPositionInt()
    {
        super(ID, CRC_EXTRA, LENGTH);
    }

    /** ms since boot. */
    public long timeBootMs()
    {
        return u32(0);
    }

    public GlobalPositionInt timeBootMs(final long value)
    {
        put32(0, value);
        return this;
    }

    /** degE7. */
    public int lat()
    {
        return i32(4);
    }

    public GlobalPositionInt lat(final int value)
    {
        put32(4, value);
        return this;
    }

    /** degE7. */
    public int lon()
    {
        return i32(8);
    }

    public GlobalPositionInt lon(final int value)
    {
        put32(8, value);
        return this;
    }

    /** mm above MSL. */
    public int alt()
    {
        return i32(12);
    }

    public GlobalPositionInt alt(final int value)
    {
        put32(12, value);
        return this;
    }

    /** mm above home. */
    public int relativeAlt()
    {
        return i32(16);
    }

    public GlobalPositionInt relativeAlt(final int value)
    {
        put32(16, value);
        return this;
    }

    /** cm/s north. */
    public int vx()
    {
        return i16(20);
    }

    public GlobalPositionInt vx(final int value)
    {
        put16(20, value);
        return this;
    }

    /** cm/s east. */
    public int vy()
    {
        return i16(22);
    }

    public GlobalPositionInt vy(final int value)
    {
        put16(22, value);
        return this;
    }

    /** cm/s down. */
    public int vz()
    {
        return i16(24);
    }

    public GlobalPositionInt vz(final int value)
    {
        put16(24, value);
        return this;
    }

    /** cdeg; UINT16_MAX = unknown. */
    public int hdg()
    {
        return u16(26);
    }

    public GlobalPositionInt hdg(final int value)
    {
        put16(26, value);
        return this;
    }
}
