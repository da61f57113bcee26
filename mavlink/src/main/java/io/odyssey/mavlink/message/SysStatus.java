package io.odyssey.mavlink.message;

/** SYS_STATUS: sensor health, load and the main battery. */
public final class SysStatus extends MessageFlyweight
{
    public static final int ID = 1;
    public static final int CRC_EXTRA = 124;
    public static final int LENGTH = 43;

    public SysStatus()
    {
        super(ID, CRC_EXTRA, LENGTH);
    }

    /** MAV_SYS_STATUS_SENSOR bits. */
    public long sensorsPresent()
    {
        return u32(0);
    }

    public SysStatus sensorsPresent(final long value)
    {
        put32(0, value);
        return this;
    }

    /** MAV_SYS_STATUS_SENSOR bits. */
    public long sensorsEnabled()
    {
        return u32(4);
    }

    public SysStatus sensorsEnabled(final long value)
    {
        put32(4, value);
        return this;
    }

    /** MAV_SYS_STATUS_SENSOR bits. */
    public long sensorsHealth()
    {
        return u32(8);
    }

    public SysStatus sensorsHealth(final long value)
    {
        put32(8, value);
        return this;
    }

    /** main loop load, 0.1 %. */
    public int load()
    {
        return u16(12);
    }

    public SysStatus load(final int value)
    {
        put16(12, value);
        return this;
    }

    /** mV; UINT16_MAX = unknown. */
    public int voltageBattery()
    {
        return u16(14);
    }

    public SysStatus voltageBattery(final int value)
    {
        put16(14, value);
        return this;
    }

    /** 10 mA; -1 = unknown. */
    public int currentBattery()
    {
        return i16(16);
    }

    public SysStatus currentBattery(final int value)
    {
        put16(16, value);
        return this;
    }

    /** 0.01 %. */
    public int dropRateComm()
    {
        return u16(18);
    }

    public SysStatus dropRateComm(final int value)
    {
        put16(18, value);
        return this;
    }

    /** count. */
    public int errorsComm()
    {
        return u16(20);
    }

    public SysStatus errorsComm(final int value)
    {
        put16(20, value);
        return this;
    }

    /** %; -1 = unknown. */
    public int batteryRemaining()
    {
        return i8(30);
    }

    public SysStatus batteryRemaining(final int value)
    {
        put8(30, value);
        return this;
    }

    /** autopilot-specific error count. */
    public int errorsCount1()
    {
        return u16(22);
    }

    public SysStatus errorsCount1(final int value)
    {
        put16(22, value);
        return this;
    }

    /** autopilot-specific error count. */
    public int errorsCount2()
    {
        return u16(24);
    }

    public SysStatus errorsCount2(final int value)
    {
        put16(24, value);
        return this;
    }

    /** autopilot-specific error count. */
    public int errorsCount3()
    {
        return u16(26);
    }

    public SysStatus errorsCount3(final int value)
    {
        put16(26, value);
        return this;
    }

    /** autopilot-specific error count. */
    public int errorsCount4()
    {
        return u16(28);
    }

    public SysStatus errorsCount4(final int value)
    {
        put16(28, value);
        return this;
    }

    /** MAV_SYS_STATUS_SENSOR_EXTENDED bits. */
    public long sensorsPresentExtended()
    {
        return u32(31);
    }

    public SysStatus sensorsPresentExtended(final long value)
    {
        put32(31, value);
        return this;
    }

    /** MAV_SYS_STATUS_SENSOR_EXTENDED bits. */
    public long sensorsEnabledExtended()
    {
        return u32(35);
    }

    public SysStatus sensorsEnabledExtended(final long value)
    {
        put32(35, value);
        return this;
    }

    /** MAV_SYS_STATUS_SENSOR_EXTENDED bits. */
    public long sensorsHealthExtended()
    {
        return u32(39);
    }

    public SysStatus sensorsHealthExtended(final long value)
    {
        put32(39, value);
        return this;
    }
}
