package io.odyssey.mavlink.message;

/** VFR_HUD: speeds, heading and climb as a pilot's display shows them. */
public final class VfrHud extends MessageFlyweight
{
    public static final int ID = 74;
    public static final int CRC_EXTRA = 20;
    public static final int LENGTH = 20;

    public VfrHud()
    {
        super(ID, CRC_EXTRA, LENGTH);
    }

    /** m/s. */
    public float airspeed()
    {
        return f32(0);
    }

    public VfrHud airspeed(final float value)
    {
        putFloat(0, value);
        return this;
    }

    /** m/s. */
    public float groundspeed()
    {
        return f32(4);
    }

    public VfrHud groundspeed(final float value)
    {
        putFloat(4, value);
        return this;
    }

    /** m above MSL. */
    public float alt()
    {
        return f32(8);
    }

    public VfrHud alt(final float value)
    {
        putFloat(8, value);
        return this;
    }

    /** m/s up. */
    public float climb()
    {
        return f32(12);
    }

    public VfrHud climb(final float value)
    {
        putFloat(12, value);
        return this;
    }

    /** deg 0..360. */
    public int heading()
    {
        return i16(16);
    }

    public VfrHud heading(final int value)
    {
        put16(16, value);
        return this;
    }

    /** %. */
    public int throttle()
    {
        return u16(18);
    }

    public VfrHud throttle(final int value)
    {
        put16(18, value);
        return this;
    }
}
