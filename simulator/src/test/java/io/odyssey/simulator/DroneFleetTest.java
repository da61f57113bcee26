package io.odyssey.simulator;

import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

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
        final Set<DroneStatus> seen = EnumSet.noneOf(DroneStatus.class);
        DroneStatus previous = fleet.status(0);
        boolean landedAfterReturning = false;
        for (int step = 0; step < 20 * 60 * 10; step++)
        {
            fleet.step(0, DT);
            final DroneStatus status = fleet.status(0);
            seen.add(status);
            if (previous == DroneStatus.LANDING && status == DroneStatus.GROUNDED)
            {
                landedAfterReturning = true;
                assertThat(fleet.altitude(0)).isZero();
                assertThat(distanceMetres(fleet.latitude(0), fleet.longitude(0), fleet.homeLatitude(0), fleet.homeLongitude(0)))
                    .as("lands at home").isLessThan(10);
            }
            previous = status;
        }
        assertThat(seen).contains(DroneStatus.GROUNDED, DroneStatus.TAKING_OFF, DroneStatus.CRUISING,
            DroneStatus.HOVERING, DroneStatus.RETURNING, DroneStatus.LANDING);
        assertThat(landedAfterReturning).isTrue();
    }

    @Test
    void shouldReturnHomeWhenTheBatteryRunsLow()
    {
        final DroneFleet fleet = new DroneFleet(20, 1, 7, CENTER_LAT, CENTER_LON, RADIUS, 12);
        for (int step = 0; step < 15 * 60 * 10; step++)
        {
            for (int i = 0; i < fleet.size(); i++)
            {
                fleet.step(i, DT);
                final DroneStatus status = fleet.status(i);
                if (status == DroneStatus.CRUISING || status == DroneStatus.HOVERING)
                {
                    assertThat(fleet.battery(i)).as("patrolling only above the return threshold")
                        .isGreaterThanOrEqualTo(DroneFleet.RETURN_BATTERY_PCT - 0.5);
                }
            }
        }
    }

    @Test
    void shouldFlyTheSamePathForTheSameSeedAndIdWhateverTheFleetAroundIt()
    {
        final DroneFleet alone = new DroneFleet(1, 17, 99, CENTER_LAT, CENTER_LON, RADIUS, 12);
        final DroneFleet crowd = new DroneFleet(30, 1, 99, CENTER_LAT, CENTER_LON, RADIUS, 12);
        for (int step = 0; step < 3000; step++)
        {
            alone.step(0, DT);
            for (int i = 0; i < crowd.size(); i++)
            {
                crowd.step(i, DT);
            }
            assertThat(crowd.latitude(16)).isEqualTo(alone.latitude(0));
            assertThat(crowd.longitude(16)).isEqualTo(alone.longitude(0));
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
        for (int step = 0; step < 3000; step++)
        {
            for (int i = 0; i < fleet.size(); i++)
            {
                final long sequence = fleet.step(i, DT);
                final int length = writer.telemetry(buffer, 0, fleet.droneId(i), sequence, 1L, fleet.latitude(i),
                    fleet.longitude(i), (float)fleet.altitude(i), (float)fleet.heading(i), (float)fleet.speed(i),
                    (float)fleet.battery(i), fleet.status(i), fleet.flags(i), (float)fleet.climbRate(i));
                assertThat(reader.read(buffer, 0, length)).as("drone %d step %d: %s", i, step, reader.rejectReason())
                    .isEqualTo(TelemetryFrameReader.TELEMETRY);
                assertThat(distanceMetres(fleet.latitude(i), fleet.longitude(i), CENTER_LAT, CENTER_LON))
                    .isLessThan(RADIUS + 200);
                assertThat(sequence).isEqualTo(step + 1);
            }
        }
    }

    @Test
    void shouldHoldTenThousandDrones()
    {
        final DroneFleet fleet = new DroneFleet(10_000, 1, 1, CENTER_LAT, CENTER_LON, RADIUS, 12);
        for (int round = 0; round < 20; round++)
        {
            for (int i = 0; i < fleet.size(); i++)
            {
                fleet.step(i, DT);
            }
        }
        assertThat(fleet.sequence(9_999)).isEqualTo(20);
        assertThat(fleet.droneId(9_999)).isEqualTo(10_000);
    }

    private static double distanceMetres(final double lat1, final double lon1, final double lat2, final double lon2)
    {
        final double north = (lat2 - lat1) * DroneFleet.METRES_PER_DEGREE;
        final double east = (lon2 - lon1) * DroneFleet.METRES_PER_DEGREE * Math.cos(Math.toRadians(lat1));
        return Math.sqrt(north * north + east * east);
    }
}
