package io.odyssey.mavlink.message;

/** ATTITUDE: roll, pitch, yaw (rad) and their rates. */
public final class Attitude extends MessageFlyweight
{
    public static final int ID = 30;
    public static final int CRC_EXTRA = 39;
    public static final int LENGTH = 28;

    public Attitude()
    {
        super(ID, CRC_EXTRA, LENGTH);
    }

    /** ms since boot. */
    public long timeBootMs()
    {
        return u32(0);
    }

    public Attitude timeBootMs(final long value)
    {
        put32(0, value);
        return this;
    }

    /** rad. */
    public float roll()
    {
        return f32(4);
    }

    public Attitude roll(final float value)
    {
        putFloat(4, value);
        return this;
    }

    /** rad. */
    public float pitch()
    {
        return f32(8);
    }

    public Attitude pitch(final float value)
    {
        putFloat(8, value);
        return this;
    }

    /** rad, -pi..pi. */
    public float yaw()
    {
        return f32(12);
    }

    public Attitude yaw(final float value)
    {
        putFloat(12, value);
        return this;
    }

    /** rad/s. */
    public float rollspeed()
    {
        return f32(16);
    }

    public Attitude rollspeed(final float value)
    {
        putFloat(16, value);
        return this;
    }

    /** rad/s. */
    public float pitchspeed()
    {
        return f32(20);
    }

    public Attitude pitchspeed(final float value)
    {
        putFloat(20, value);
        return this;
    }

    /** rad/s. */
    public float yawspeed()
    {
        return f32(24);
    }

    public Attitude yawspeed(final float value)
    {
        putFloat(24, value);
        return this;
    }
}
