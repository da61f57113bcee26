package io.odyssey.mavlink.edge;

import io.odyssey.codecs.sbe.DroneStatus;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** The mapping table of docs/api/mavlink.md ("Status"), row by row. */
class FlightStatusTest
{
    private static final int ARMED = FlightStatus.MODE_FLAG_ARMED | 1;
    private static final int DISARMED = 1;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // case,                                   autopilot, baseMode, customMode,         state, landed, speed, status
        "emergency state wins over everything,     12, " + ARMED + ", 0,                     6, 2, 5,   EMERGENCY",
        "flight termination,                       3,  " + ARMED + ", 3,                     8, 2, 5,   EMERGENCY",
        "disarmed,                                 12, " + DISARMED + ", 0,                  3, 0, 0,   GROUNDED",
        "armed on the ground,                      12, " + ARMED + ", 0,                     4, 1, 0,   GROUNDED",
        "taking off by landed state,               3,  " + ARMED + ", 4,                     4, 3, 0,   TAKING_OFF",
        "PX4 AUTO.TAKEOFF,                         12, " + ARMED + ", " + (4L << 16 | 2L << 24) + ", 4, 2, 1, TAKING_OFF",
        "landing by landed state,                  12, " + ARMED + ", 0,                     4, 4, 1,   LANDING",
        "PX4 AUTO.LAND,                            12, " + ARMED + ", " + (4L << 16 | 6L << 24) + ", 4, 2, 1, LANDING",
        "PX4 AUTO.PRECLAND,                        12, " + ARMED + ", " + (4L << 16 | 9L << 24) + ", 4, 2, 1, LANDING",
        "ArduCopter LAND,                          3,  " + ARMED + ", 9,                     4, 2, 1,   LANDING",
        "PX4 AUTO.RTL,                             12, " + ARMED + ", " + (4L << 16 | 5L << 24) + ", 4, 2, 8, RETURNING",
        "PX4 AUTO.RTGS,                            12, " + ARMED + ", " + (4L << 16 | 7L << 24) + ", 4, 2, 8, RETURNING",
        "ArduCopter RTL,                           3,  " + ARMED + ", 6,                     4, 2, 8,   RETURNING",
        "ArduCopter SMART_RTL,                     3,  " + ARMED + ", 21,                    4, 2, 8,   RETURNING",
        "a failsafe (critical) flies its mode,     3,  " + ARMED + ", 6,                     5, 2, 8,   RETURNING",
        "PX4 AUTO.LOITER moving still hovers,      12, " + ARMED + ", " + (4L << 16 | 3L << 24) + ", 4, 2, 3, HOVERING",
        "ArduCopter LOITER,                        3,  " + ARMED + ", 5,                     4, 2, 0,   HOVERING",
        "ArduCopter BRAKE,                         3,  " + ARMED + ", 17,                    4, 2, 0,   HOVERING",
        "PX4 AUTO.MISSION moving,                  12, " + ARMED + ", " + (4L << 16 | 4L << 24) + ", 4, 2, 6, CRUISING",
        "PX4 AUTO.MISSION standing,                12, " + ARMED + ", " + (4L << 16 | 4L << 24) + ", 4, 2, 0.2, HOVERING",
        "PX4 POSCTL moving,                        12, " + ARMED + ", " + (3L << 16) + ",    4, 2, 4,   CRUISING",
        "ArduCopter GUIDED moving,                 3,  " + ARMED + ", 4,                     4, 2, 4,   CRUISING",
        "unknown autopilot: speed decides,         8,  " + ARMED + ", 6,                     4, 2, 4,   CRUISING",
        "no landed state while armed in the air,      12, " + ARMED + ", 0,                     4, 0, 4,   CRUISING",
    })
    void shouldMapAVehiclesStateToTheFlightPhaseOdysseyShows(final String name, final int autopilot, final int baseMode,
        final long customMode, final int systemStatus, final int landedState, final float speed, final DroneStatus status)
    {
        assertThat(FlightStatus.of(autopilot, baseMode, customMode, systemStatus, landedState, speed)).isEqualTo(status);
    }
}
