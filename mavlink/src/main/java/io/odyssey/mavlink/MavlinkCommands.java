package io.odyssey.mavlink;

/**
 * The numbers of the MAVLink common set that Odyssey's orders use, on both sides (the edge that sends them, the
 * simulated vehicle that obeys): MAV_CMD, MAV_RESULT, MAV_MISSION_RESULT, MAV_FRAME and the autopilots' mode numbers.
 */
public final class MavlinkCommands
{
    public static final int NAV_WAYPOINT = 16;
    public static final int NAV_RETURN_TO_LAUNCH = 20;
    public static final int NAV_LAND = 21;
    public static final int NAV_TAKEOFF = 22;
    public static final int DO_SET_MODE = 176;
    public static final int DO_CHANGE_SPEED = 178;
    public static final int DO_REPOSITION = 192;
    public static final int DO_PAUSE_CONTINUE = 193;
    public static final int MISSION_START = 300;
    public static final int COMPONENT_ARM_DISARM = 400;

    public static final int RESULT_ACCEPTED = 0;
    public static final int RESULT_TEMPORARILY_REJECTED = 1;
    public static final int RESULT_DENIED = 2;
    public static final int RESULT_UNSUPPORTED = 3;
    public static final int RESULT_FAILED = 4;
    public static final int RESULT_IN_PROGRESS = 5;
    public static final int RESULT_CANCELLED = 6;

    /** MAV_MISSION_ACCEPTED; every other MAV_MISSION_RESULT is a refusal. */
    public static final int MISSION_ACCEPTED = 0;
    public static final int MISSION_TYPE_MISSION = 0;

    /** MAV_FRAME_GLOBAL_RELATIVE_ALT_INT: degE7 latitude and longitude, altitude in metres above home. */
    public static final int FRAME_GLOBAL_RELATIVE_ALT_INT = 6;
    /** MAV_MODE_FLAG_CUSTOM_MODE_ENABLED, DO_SET_MODE's param1 for an autopilot's own mode numbers. */
    public static final int MODE_FLAG_CUSTOM_MODE_ENABLED = 1;
    /** MAV_MODE_FLAG_SAFETY_ARMED in HEARTBEAT.base_mode. */
    public static final int MODE_FLAG_SAFETY_ARMED = 0x80;

    public static final int AUTOPILOT_ARDUPILOT = 3;
    public static final int AUTOPILOT_PX4 = 12;
    /** ArduCopter's GUIDED mode: where it takes DO_REPOSITION and NAV_TAKEOFF from a ground station. */
    public static final int ARDUCOPTER_GUIDED = 4;

    /** The ground station identity the edge speaks as (QGroundControl's system id; MAV_COMP_ID_MISSIONPLANNER). */
    public static final int GCS_SYSTEM_ID = 255;
    public static final int GCS_COMPONENT_ID = 190;
    /** The autopilot component a command is addressed to. */
    public static final int AUTOPILOT_COMPONENT = 1;

    private MavlinkCommands()
    {
    }
}
