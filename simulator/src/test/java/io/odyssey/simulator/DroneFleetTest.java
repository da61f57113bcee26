package io.odyssey.simulator;

import io.odyssey.codecs.DroneFlag;
import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class DroneFleetTest
{
    private static final double CENTER_LAT = 52.52;
    private static final double CENTER_LON = 13.405;
    private static final double RADIUS = 3000;
    private static final double DT = 0.1;

    @Test
    void shouldFlyAFullCycleTakeOffCruiseHoverReturnLandAndRecharge()
    {
        final DroneFleet fleet = new DroneFleet(1, 1, 42, CENTER_LAT, CENTER_LON, RADIUS, 12);
        final List<DroneStatus> transitions = new ArrayList<>();
        transitions.add(fleet.status(0));
        for (int step = 0; step < 25 * 60 * 10; step++)
        {
            final double altitudeBefore = fleet.altitude(0);
            final DroneStatus previous = fleet.status(0);
            fleet.step(0, DT);
            final DroneStatus status = fleet.status(0);
            if (status != previous)
            {
                transitions.add(status);
                if (previous == DroneStatus.LANDING && status == DroneStatus.GROUNDED)
                {
                    assertThat(fleet.altitude(0)).isZero();
                    assertThat(distanceMetres(fleet.latitude(0), fleet.longitude(0), fleet.homeLatitude(0),
                        fleet.homeLongitude(0))).as("lands at home").isLessThan(5);
                }
                if (previous == DroneStatus.TAKING_OFF && status == DroneStatus.CRUISING)
                {
                    assertThat(fleet.altitude(0)).isBetween(DroneFleet.MIN_CRUISE_ALTITUDE_M, DroneFleet.MAX_CRUISE_ALTITUDE_M);
                }
            }
            if (status == DroneStatus.TAKING_OFF && fleet.altitude(0) > altitudeBefore)
            {
                assertThat(fleet.climbRate(0)).as("climb rate reported while taking off").isEqualTo(DroneFleet.CLIMB_RATE_MPS);
            }
            if (previous == DroneStatus.LANDING && status == DroneStatus.LANDING)
            {
                assertThat(fleet.climbRate(0)).as("descent reported while landing").isEqualTo(-DroneFleet.DESCENT_RATE_MPS);
            }
            if (status == DroneStatus.CRUISING)
            {
                assertThat(fleet.climbRate(0)).isZero();
            }
        }

        // The order of a flight: on the ground, up, a patrol of waypoints with holds, home, down, and again.
        assertThat(transitions).startsWith(DroneStatus.GROUNDED, DroneStatus.TAKING_OFF, DroneStatus.CRUISING,
            DroneStatus.HOVERING, DroneStatus.CRUISING);
        assertThat(transitions).containsSubsequence(DroneStatus.RETURNING, DroneStatus.LANDING, DroneStatus.GROUNDED,
            DroneStatus.TAKING_OFF);
        for (int i = 1; i < transitions.size(); i++)
        {
            final DroneStatus from = transitions.get(i - 1);
            final DroneStatus to = transitions.get(i);
            assertThat(allowed(from)).as("%s -> %s", from, to).contains(to);
        }
    }

    @Test
    void shouldReturnHomeOnlyWhenTheBatteryRunsLowAndLandWithChargeLeft()
    {
        // A wide area at low speed: many drones are far from home when the battery runs down, so the return must
        // start early enough (the trip-home reserve) that they still land with charge left.
        final DroneFleet fleet = new DroneFleet(60, 1, 7, CENTER_LAT, CENTER_LON, 15_000, 8);
        final DroneStatus[] previous = new DroneStatus[fleet.size()];
        int landings = 0;
        for (int step = 0; step < 40 * 60 * 10; step++)
        {
            for (int i = 0; i < fleet.size(); i++)
            {
                final double batteryBefore = fleet.battery(i);
                final double thresholdBefore = fleet.returnThreshold(i);
                fleet.step(i, DT);
                final DroneStatus status = fleet.status(i);
                if (status == DroneStatus.RETURNING && previous[i] != DroneStatus.RETURNING)
                {
                    assertThat(batteryBefore).as("turns home only when the battery runs low")
                        .isLessThan(thresholdBefore + 0.5);
                }
                if (status == DroneStatus.CRUISING || status == DroneStatus.HOVERING)
                {
                    assertThat(fleet.battery(i)).as("patrolling only above the return threshold")
                        .isGreaterThanOrEqualTo(DroneFleet.RETURN_BATTERY_PCT - 0.5);
                }
                if (previous[i] == DroneStatus.LANDING && status == DroneStatus.GROUNDED)
                {
                    landings++;
                    assertThat(fleet.battery(i)).as("drone %d lands with charge left", fleet.droneId(i)).isGreaterThan(1.0);
                }
                assertThat((fleet.flags(i) & DroneFlag.LOW_BATTERY) != 0).isEqualTo(fleet.battery(i) < DroneFleet.LOW_BATTERY_PCT);
                assertThat(fleet.flags(i) & DroneFlag.SIMULATED).isNotZero();
                previous[i] = status;
            }
        }
        assertThat(landings).as("landings").isGreaterThanOrEqualTo(fleet.size());
    }

    @Test
    void shouldTurnAtABoundedRateAndNeverExceedCruiseSpeed()
    {
        final double cruise = 12;
        final DroneFleet fleet = new DroneFleet(20, 1, 5, CENTER_LAT, CENTER_LON, RADIUS, cruise);
        for (int step = 0; step < 6000; step++)
        {
            for (int i = 0; i < fleet.size(); i++)
            {
                final double headingBefore = fleet.heading(i);
                fleet.step(i, DT);
                final double turned = Math.abs(((fleet.heading(i) - headingBefore) % 360 + 540) % 360 - 180);
                assertThat(turned).as("turn per step").isLessThanOrEqualTo(60.0 * DT + 1e-9);
                assertThat(fleet.speed(i)).isBetween(0.0, cruise);
                assertThat(fleet.heading(i)).isGreaterThanOrEqualTo(0.0).isLessThan(360.0);
            }
        }
    }

    @Test
    void shouldFlyTheSamePathForTheSameSeedAndIdWhateverTheFleetAroundIt()
    {
        final DroneFleet alone = new DroneFleet(1, 17, 99, CENTER_LAT, CENTER_LON, RADIUS, 12);
        final DroneFleet crowd = new DroneFleet(30, 1, 99, CENTER_LAT, CENTER_LON, RADIUS, 12);
        final DroneFleet otherProcess = new DroneFleet(10, 11, 99, CENTER_LAT, CENTER_LON, RADIUS, 12);
        for (int step = 0; step < 6000; step++)
        {
            alone.step(0, DT);
            for (int i = 0; i < crowd.size(); i++)
            {
                crowd.step(i, DT);
            }
            for (int i = 0; i < otherProcess.size(); i++)
            {
                otherProcess.step(i, DT);
            }
            assertThat(crowd.latitude(16)).isEqualTo(alone.latitude(0)).isEqualTo(otherProcess.latitude(6));
            assertThat(crowd.longitude(16)).isEqualTo(alone.longitude(0)).isEqualTo(otherProcess.longitude(6));
            assertThat(crowd.altitude(16)).isEqualTo(alone.altitude(0));
            assertThat(crowd.battery(16)).isEqualTo(alone.battery(0));
            assertThat(crowd.status(16)).isEqualTo(alone.status(0));
        }
        final DroneFleet otherSeed = new DroneFleet(1, 17, 100, CENTER_LAT, CENTER_LON, RADIUS, 12);
        assertThat(otherSeed.homeLatitude(0)).isNotEqualTo(alone.homeLatitude(0));
    }

    @Test
    void shouldOnlyProduceFramesThatPassValidationAndStayInTheArea()
    {
        final DroneFleet fleet = new DroneFleet(200, 1, 3, CENTER_LAT, CENTER_LON, RADIUS, 15);
        final TelemetryFrameWriter writer = new TelemetryFrameWriter();
        final TelemetryFrameReader reader = new TelemetryFrameReader();
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[128]);
        for (int step = 0; step < 6000; step++)
        {
            for (int i = 0; i < fleet.size(); i++)
            {
                final long sequence = fleet.step(i, DT);
                final int length = fleet.writeTelemetry(i, writer, buffer, 0, 1L);
                assertThat(reader.read(buffer, 0, length)).as("drone %d step %d: %s", i, step, reader.rejectReason())
                    .isEqualTo(TelemetryFrameReader.TELEMETRY);
                assertThat(reader.telemetry().sequence()).isEqualTo(sequence).isEqualTo(step + 1);
                assertThat(reader.climbRate()).isEqualTo((float)fleet.climbRate(i));
                assertThat(distanceMetres(fleet.latitude(i), fleet.longitude(i), CENTER_LAT, CENTER_LON))
                    .isLessThan(RADIUS + 50);
            }
        }
    }

    @Test
    void shouldNeverSendAHeadingThatRoundsUpTo360()
    {
        assertThat(DroneFleet.wireHeading(Math.nextDown(360.0))).isLessThan(360f);
        assertThat(DroneFleet.wireHeading(359.99999)).isLessThan(360f);
        assertThat(DroneFleet.wireHeading(0.0)).isZero();
        assertThat(DroneFleet.wireHeading(123.5)).isCloseTo(123.5f, within(1e-4f));
        assertThat(DroneFleet.normaliseDegrees(-0.0001)).isLessThan(360.0).isGreaterThanOrEqualTo(0.0);
        assertThat(DroneFleet.normaliseDegrees(720.0)).isZero();
    }

    @Test
    void shouldHoldTenThousandDrones()
    {
        final DroneFleet fleet = new DroneFleet(10_000, 1, 1, CENTER_LAT, CENTER_LON, RADIUS, 12);
        for (int round = 0; round < 50; round++)
        {
            for (int i = 0; i < fleet.size(); i++)
            {
                fleet.step(i, DT);
            }
        }
        assertThat(fleet.sequence(9_999)).isEqualTo(50);
        assertThat(fleet.droneId(9_999)).isEqualTo(10_000);
    }

    private static Set<DroneStatus> allowed(final DroneStatus from)
    {
        return switch (from)
        {
            case GROUNDED -> EnumSet.of(DroneStatus.TAKING_OFF);
            case TAKING_OFF -> EnumSet.of(DroneStatus.CRUISING, DroneStatus.RETURNING);
            case CRUISING -> EnumSet.of(DroneStatus.HOVERING, DroneStatus.RETURNING);
            case HOVERING -> EnumSet.of(DroneStatus.CRUISING, DroneStatus.RETURNING);
            case RETURNING -> EnumSet.of(DroneStatus.LANDING);
            case LANDING -> EnumSet.of(DroneStatus.GROUNDED);
            default -> EnumSet.noneOf(DroneStatus.class);
        };
    }

    static double distanceMetres(final double lat1, final double lon1, final double lat2, final double lon2)
    {
        final double north = (lat2 - lat1) * DroneFleet.METRES_PER_DEGREE;
        final double east = (lon2 - lon1) * DroneFleet.METRES_PER_DEGREE * Math.cos(Math.toRadians(lat1));
        return Math.sqrt(north * north + east * east);
    }
}
