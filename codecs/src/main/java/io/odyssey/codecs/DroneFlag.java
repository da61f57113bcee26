package io.odyssey.codecs;

/** Bit values of the telemetry {@code flags} set, as carried on the wire and in the fleet map. */
public final class DroneFlag
{
    public static final int LOW_BATTERY = 1;
    public static final int GPS_DEGRADED = 1 << 1;
    public static final int GEOFENCE_BREACH = 1 << 2;
    public static final int SIMULATED = 1 << 3;
    /**
     * A pilot flies the drone: a MAVLink vehicle in a manual mode (RC override: PX4 position, altitude, manual...;
     * ArduCopter stabilize, alt hold...) while airborne. Odyssey's orders do not steer it meanwhile.
     */
    public static final int MANUAL_CONTROL = 1 << 4;

    private DroneFlag()
    {
    }
}
