package io.odyssey.mavlink.edge;

import io.odyssey.codecs.sbe.DroneStatus;

/**
 * A MAVLink vehicle's state as the flight phase Odyssey shows (docs/api/mavlink.md, "Status"). From, in this order:
 * MAV_STATE (EMERGENCY and FLIGHT_TERMINATION are an emergency), the armed flag, EXTENDED_SYS_STATE's landed state
 * (the vehicle's own word on ground, take-off, air, landing), the flight mode (PX4's and ArduPilot copter's custom
 * modes: return, land, hold, take-off), and last the ground speed (a vehicle in the air and in no such mode hovers
 * when it does not move).
 */
final class FlightStatus
{
    static final int AUTOPILOT_ARDUPILOT = 3;
    static final int AUTOPILOT_PX4 = 12;
    static final int MODE_FLAG_ARMED = 0x80;
    static final int STATE_EMERGENCY = 6;
    static final int STATE_FLIGHT_TERMINATION = 8;
    static final int LANDED_UNDEFINED = 0;
    static final int LANDED_ON_GROUND = 1;
    static final int LANDED_IN_AIR = 2;
    static final int LANDED_TAKEOFF = 3;
    static final int LANDED_LANDING = 4;
    /** Below this ground speed a vehicle in the air with no mode that says otherwise is hovering. */
    static final float HOVER_SPEED_MPS = 0.5f;

    enum Mode
    {
        OTHER, TAKEOFF, HOLD, RETURN, LAND,
        /** A pilot flies (PX4 manual, altitude, position, acro, stabilized; ArduCopter stabilize, acro, alt hold...). */
        MANUAL
    }

    private FlightStatus()
    {
    }

    static DroneStatus of(final int autopilot, final int baseMode, final long customMode, final int systemStatus,
        final int landedState, final float groundSpeed)
    {
        if (systemStatus == STATE_EMERGENCY || systemStatus == STATE_FLIGHT_TERMINATION)
        {
            return DroneStatus.EMERGENCY;
        }
        if ((baseMode & MODE_FLAG_ARMED) == 0 || landedState == LANDED_ON_GROUND)
        {
            return DroneStatus.GROUNDED;
        }
        final Mode mode = mode(autopilot, customMode);
        if (landedState == LANDED_TAKEOFF || mode == Mode.TAKEOFF)
        {
            return DroneStatus.TAKING_OFF;
        }
        if (landedState == LANDED_LANDING || mode == Mode.LAND)
        {
            return DroneStatus.LANDING;
        }
        if (mode == Mode.RETURN)
        {
            return DroneStatus.RETURNING;
        }
        if (mode == Mode.HOLD || groundSpeed < HOVER_SPEED_MPS)
        {
            return DroneStatus.HOVERING;
        }
        return DroneStatus.CRUISING;
    }

    /** What a custom mode means for the autopilots Odyssey knows; {@link Mode#OTHER} for any other. */
    static Mode mode(final int autopilot, final long customMode)
    {
        if (autopilot == AUTOPILOT_PX4)
        {
            // PX4 packs its main mode in bits 16..23 and, in AUTO (4), the sub mode in bits 24..31.
            final int main = (int)(customMode >>> 16) & 0xFF;
            final int sub = (int)(customMode >>> 24) & 0xFF;
            if (main != 4)
            {
                return main == 1 || main == 2 || main == 3 || main == 5 || main == 7 || main == 8 ? Mode.MANUAL :
                    Mode.OTHER;
            }
            return switch (sub)
            {
                case 2 -> Mode.TAKEOFF;
                case 3 -> Mode.HOLD;
                case 5, 7 -> Mode.RETURN;
                case 6, 9 -> Mode.LAND;
                default -> Mode.OTHER;
            };
        }
        if (autopilot == AUTOPILOT_ARDUPILOT)
        {
            // ArduCopter's mode numbers.
            return switch ((int)customMode)
            {
                case 5, 16, 17 -> Mode.HOLD;
                case 6, 21 -> Mode.RETURN;
                case 9 -> Mode.LAND;
                case 0, 1, 2, 11, 13, 14 -> Mode.MANUAL;
                default -> Mode.OTHER;
            };
        }
        return Mode.OTHER;
    }
}
