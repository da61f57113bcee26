package io.odyssey.mavlink.edge;

import com.hazelcast.map.IMap;
import io.odyssey.codecs.sign.TestDroneKeys;
import io.odyssey.geo.Geodesy;
import io.odyssey.grid.DroneState;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A vehicle that is not Odyssey's code (node-mavlink, in a Node process: {@link NodeVehicle}) connects to a real edge,
 * which sends its telemetry over Aeron to a real ingest node writing a real Hazelcast member's fleet map, the map the
 * gateway serves: connect → on the map, moving, with its state and battery, and not one of its frames refused.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@ExtendWith(FailOnErrorLog.class)
class IndependentVehicleIT
{
    private static final long DRONE = 7201;
    private static final long UNSIGNED_DRONE = 7202;
    private static final Path KEYS = TestDroneKeys.file(DRONE, UNSIGNED_DRONE);
    private static final double HOME_LAT = 52.53;
    private static final double HOME_LON = 13.41;

    @TempDir
    static Path journals;

    private static GridAndIngest stack;
    private static IMap<Long, DroneState> fleet;
    private static MavlinkEdge edge;
    private static byte[] key;

    @BeforeAll
    static void start() throws Exception
    {
        stack = new GridAndIngest(KEYS, journals.resolve("ingest"));
        fleet = stack.fleet();
        key = stack.droneKeys().entry(DRONE).current().keyBytes();
        edge = stack.edge(new VehicleRegistry().register(21, DRONE, false).register(22, UNSIGNED_DRONE, false), config -> { });
    }

    @AfterAll
    static void stop()
    {
        if (stack != null)
        {
            stack.close();
        }
    }

    @Test
    void shouldPutAnIndependentSignedVehicleOnTheMapMovingWithItsStateAndBattery() throws Exception
    {
        final long[] refusedBefore = refusedCounts();
        try (NodeVehicle vehicle = new NodeVehicle("127.0.0.1:" + edge.mavlinkPort(), 21, key,
            "--lat", String.valueOf(HOME_LAT), "--lon", String.valueOf(HOME_LON)))
        {
            await().atMost(60, TimeUnit.SECONDS).untilAsserted(() ->
            {
                assertThat(vehicle.isAlive()).as(vehicle.describe()).isTrue();
                final DroneState state = fleet.get(DRONE);
                assertThat(state).as(vehicle.describe()).isNotNull();
                // Orbiting its home at 40 m, flown by its pilot (PX4 POSCTL) at 8 m/s: cruising.
                assertThat(state.status()).isEqualTo("CRUISING");
            });
            final DroneState first = fleet.get(DRONE);
            assertThat(first.altitude()).isCloseTo(40f, org.assertj.core.data.Offset.offset(0.5f));
            assertThat(first.battery()).isBetween(90f, 95f);
            assertThat(first.groundSpeed()).isCloseTo(8f, org.assertj.core.data.Offset.offset(0.5f));
            assertThat(Geodesy.distanceM(HOME_LAT, HOME_LON, first.latitude(), first.longitude()))
                .as("on its orbit around home").isBetween(50.0, 70.0);

            // Moving: a later position, further round the orbit.
            await().atMost(30, TimeUnit.SECONDS).untilAsserted(() ->
            {
                final DroneState later = fleet.get(DRONE);
                assertThat(later.sequence()).isGreaterThan(first.sequence());
                assertThat(Geodesy.distanceM(first.latitude(), first.longitude(), later.latitude(), later.longitude()))
                    .isGreaterThan(5.0);
            });
            assertThat(refusedCounts()).as("nothing of an honest vehicle is refused: %s", vehicle.describe())
                .containsExactly(refusedBefore);
            assertThat(edge.metrics().framesAccepted.get()).isPositive();
        }
    }

    @Test
    void shouldRefuseAnIndependentVehicleThatDoesNotSignAndKeepItOffTheMap() throws Exception
    {
        final long unsignedBefore = edge.metrics().refused[Refusal.UNSIGNED.ordinal()].get();
        try (NodeVehicle vehicle = new NodeVehicle("127.0.0.1:" + edge.mavlinkPort(), 22, null))
        {
            await().atMost(60, TimeUnit.SECONDS).untilAsserted(() ->
                assertThat(edge.metrics().refused[Refusal.UNSIGNED.ordinal()].get()).as(vehicle.describe())
                    .isGreaterThan(unsignedBefore + 5));
            assertThat(fleet.get(UNSIGNED_DRONE)).isNull();
        }
    }

    /** Every refusal count but UNSIGNED's (the unsigned vehicle's late datagrams may still arrive). */
    private static long[] refusedCounts()
    {
        final long[] counts = new long[Refusal.values().length];
        for (final Refusal refusal : Refusal.values())
        {
            counts[refusal.ordinal()] = refusal == Refusal.UNSIGNED ? 0 : edge.metrics().refused[refusal.ordinal()].get();
        }
        return counts;
    }
}
