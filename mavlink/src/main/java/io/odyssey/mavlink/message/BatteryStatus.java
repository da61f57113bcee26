package io.odyssey.mavlink.message;

/** BATTERY_STATUS: one battery in detail. */
public final class BatteryStatus extends MessageFlyweight
{
    public static final int ID = 147;
    public static final int CRC_EXTRA = 154;
    public static final int LENGTH = 54;

    public BatteryStatus()
    {
        super(ID, CRC_EXTRA, LENGTH);
    }

    /** mAh; -1 = unknown. */
    public int currentConsumed()
    {
        return i32(0);
    }

    public BatteryStatus currentConsumed(final int value)
    {
        put32(0, value);
        return this;
    }

    /** hJ; -1 = unknown. */
    public int energyConsumed()
    {
        return i32(4);
    }

    public BatteryStatus energyConsumed(final int value)
    {
        put32(4, value);
        return this;
    }

    /** cdegC. */
    public int temperature()
    {
        return i16(8);
    }

    public BatteryStatus temperature(final int value)
    {
        put16(8, value);
        return this;
    }

    /** mV per cell; UINT16_MAX = no cell, cell {@code index} 0..9. */
    public int voltage(final int index)
    {
        return u16(10 + 2 * java.util.Objects.checkIndex(index, 10));
    }

    public BatteryStatus voltage(final int index, final int value)
    {
        put16(10 + 2 * java.util.Objects.checkIndex(index, 10), value);
        return this;
    }

    /** 10 mA. */
    public int currentBattery()
    {
        return i16(30);
    }

    public BatteryStatus currentBattery(final int value)
    {
        put16(30, value);
        return this;
    }

    /** battery id. */
    public int batteryId()
    {
        return u8(32);
    }

    public BatteryStatus batteryId(final int value)
    {
        put8(32, value);
        return this;
    }

    /** MAV_BATTERY_FUNCTION. */
    public int batteryFunction()
    {
        return u8(33);
    }

    public BatteryStatus batteryFunction(final int value)
    {
        put8(33, value);
        return this;
    }

    /** MAV_BATTERY_TYPE. */
    public int type()
    {
        return u8(34);
    }

    public BatteryStatus type(final int value)
    {
        put8(34, value);
        return this;
    }

    /** %; -1 = unknown. */
    public int batteryRemaining()
    {
        return i8(35);
    }

    public BatteryStatus batteryRemaining(final int value)
    {
        put8(35, value);
        return this;
    }

    /** s; 0 = unknown. */
    public int timeRemaining()
    {
        return i32(36);
    }

    public BatteryStatus timeRemaining(final int value)
    {
        put32(36, value);
        return this;
    }

    /** MAV_BATTERY_CHARGE_STATE. */
    public int chargeState()
    {
        return u8(40);
    }

    public BatteryStatus chargeState(final int value)
    {
        put8(40, value);
        return this;
    }
}
