package io.odyssey.mavlink.message;

/** GPS_RAW_INT: the raw fix. */
public final class GpsRawInt extends MessageFlyweight
{
    public static final int ID = 24;
    public static final int CRC_EXTRA = 24;
    public static final int LENGTH = 52;

    public GpsRawInt()
    {
        super(ID, CRC_EXTRA, LENGTH);
    }

    /** µs since epoch or boot. */
    public long timeUsec()
    {
        return u64(0);
    }

    public GpsRawInt timeUsec(final long value)
    {
        put64(0, value);
        return this;
    }

    /** degE7. */
    public int lat()
    {
        return i32(8);
    }

    public GpsRawInt lat(final int value)
    {
        put32(8, value);
        return this;
    }

    /** degE7. */
    public int lon()
    {
        return i32(12);
    }

    public GpsRawInt lon(final int value)
    {
        put32(12, value);
        return this;
    }

    /** mm above MSL. */
    public int alt()
    {
        return i32(16);
    }

    public GpsRawInt alt(final int value)
    {
        put32(16, value);
        return this;
    }

    /** HDOP x 100; UINT16_MAX = unknown. */
    public int eph()
    {
        return u16(20);
    }

    public GpsRawInt eph(final int value)
    {
        put16(20, value);
        return this;
    }

    /** VDOP x 100. */
    public int epv()
    {
        return u16(22);
    }

    public GpsRawInt epv(final int value)
    {
        put16(22, value);
        return this;
    }

    /** cm/s. */
    public int vel()
    {
        return u16(24);
    }

    public GpsRawInt vel(final int value)
    {
        put16(24, value);
        return this;
    }

    /** cdeg. */
    public int cog()
    {
        return u16(26);
    }

    public GpsRawInt cog(final int value)
    {
        put16(26, value);
        return this;
    }

    /** GPS_FIX_TYPE. */
    public int fixType()
    {
        return u8(28);
    }

    public GpsRawInt fixType(final int value)
    {
        put8(28, value);
        return this;
    }

    /** count; 255 = unknown. */
    public int satellitesVisible()
    {
        return u8(29);
    }

    public GpsRawInt satellitesVisible(final int value)
    {
        put8(29, value);
        return this;
    }
}
