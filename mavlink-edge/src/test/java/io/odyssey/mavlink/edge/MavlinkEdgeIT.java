package io.odyssey.mavlink.edge;

import com.hazelcast.map.IMap;
import io.dronefleet.mavlink.common.ExtendedSysState;
import io.dronefleet.mavlink.common.GlobalPositionInt;
import io.dronefleet.mavlink.common.MavLandedState;
import io.dronefleet.mavlink.common.MavVtolState;
import io.dronefleet.mavlink.common.SysStatus;
import io.dronefleet.mavlink.minimal.Heartbeat;
import io.dronefleet.mavlink.minimal.MavAutopilot;
import io.dronefleet.mavlink.minimal.MavModeFlag;
import io.dronefleet.mavlink.minimal.MavState;
import io.dronefleet.mavlink.minimal.MavType;
import io.dronefleet.mavlink.util.EnumValue;
import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.codecs.sign.TestDroneKeys;
import io.odyssey.grid.DroneState;
import io.odyssey.mavlink.MavlinkSigner;
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
 * MAVLink vehicles into the fleet with real parts: vehicles encoded by an independent implementation (dronefleet) send
 * UDP datagrams to a real edge, which sends signed Odyssey telemetry over Aeron to a real ingest node writing a real
 * Hazelcast member's fleet map.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@ExtendWith(FailOnErrorLog.class)
class MavlinkEdgeIT
{
    private static final Path KEYS = TestDroneKeys.file(7001, 7010);
    /** PX4's AUTO (4) main mode with the MISSION (4) sub mode. */
    private static final long PX4_MISSION = 4L << 16 | 4L << 24;
    /** PX4's AUTO (4) main mode with the RTL (5) sub mode. */
    private static final long PX4_RTL = 4L << 16 | 5L << 24;

    @TempDir
    static Path journals;

    private static GridAndIngest stack;
    private static IMap<Long, DroneState> fleet;
    private static MavlinkEdge edge;
    private static DroneKeys keys;

    @BeforeAll
    static void start() throws Exception
    {
        stack = new GridAndIngest(KEYS, journals.resolve("ingest"));
        fleet = stack.fleet();
        final VehicleRegistry registry = new VehicleRegistry()
            .register(1, 7001, false)
            .register(2, 7002, true)
            .register(3, 7003, false)
            .register(4, 7004, false);
        keys = stack.droneKeys();
        edge = stack.edge(registry, config -> config.heartbeatTimeoutMs = 1_500);
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
    void shouldPutASignedVehicleOnTheFleetMapWithItsPositionStateAndBattery() throws Exception
    {
        try (MavlinkVehicle vehicle = new MavlinkVehicle(edge.mavlinkPort(), 1, key(7001)))
        {
            await().atMost(30, TimeUnit.SECONDS).untilAsserted(() ->
            {
                flying(vehicle, PX4_MISSION, 76, 525_200_000, 134_050_000);
                final DroneState state = fleet.get(7001L);
                assertThat(state).isNotNull();
                assertThat(state.latitude()).isCloseTo(52.52, org.assertj.core.data.Offset.offset(1e-7));
                assertThat(state.longitude()).isCloseTo(13.405, org.assertj.core.data.Offset.offset(1e-7));
            });
            final DroneState state = fleet.get(7001L);
            assertThat(state.altitude()).isEqualTo(60f);
            assertThat(state.battery()).isEqualTo(76f);
            assertThat(state.status()).isEqualTo("CRUISING");
            assertThat(state.groundSpeed()).isEqualTo(5f);
            assertThat(state.heading()).isEqualTo(90f);
            assertThat(state.climbRate()).isEqualTo(0.5f);

            // The vehicle switches to return-to-launch by itself (a failsafe, RC): the map says so.
            await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
            {
                flying(vehicle, PX4_RTL, 75, 525_210_000, 134_050_000);
                assertThat(fleet.get(7001L).status()).isEqualTo("RETURNING");
                assertThat(fleet.get(7001L).battery()).isEqualTo(75f);
            });
        }
    }

    @Test
    void shouldTakeUnsignedFramesOnlyFromAVehicleAllowedToSendThem() throws Exception
    {
        final long refusedBefore = refused(Refusal.UNSIGNED);
        try (MavlinkVehicle allowed = new MavlinkVehicle(edge.mavlinkPort(), 2, null);
            MavlinkVehicle notAllowed = new MavlinkVehicle(edge.mavlinkPort(), 3, null))
        {
            await().atMost(30, TimeUnit.SECONDS).untilAsserted(() ->
            {
                flying(allowed, PX4_MISSION, 50, 10_000_000, 20_000_000);
                flying(notAllowed, PX4_MISSION, 50, 10_000_000, 20_000_000);
                assertThat(fleet.get(7002L)).isNotNull();
            });
            assertThat(refused(Refusal.UNSIGNED)).isGreaterThan(refusedBefore);
            assertThat(fleet.get(7003L)).as("an unsigned vehicle that must sign").isNull();
        }
    }

    @Test
    void shouldRefuseForgedReplayedStaleAndUnregisteredFramesAndKeepTheRealVehicleWhereItIs() throws Exception
    {
        try (MavlinkVehicle vehicle = new MavlinkVehicle(edge.mavlinkPort(), 4, key(7004));
            MavlinkVehicle stranger = new MavlinkVehicle(edge.mavlinkPort(), 99, key(7004)))
        {
            await().atMost(30, TimeUnit.SECONDS).untilAsserted(() ->
            {
                flying(vehicle, PX4_MISSION, 90, 100_000_000, 100_000_000);
                assertThat(fleet.get(7004L)).isNotNull();
            });
            final long sequence = fleet.get(7004L).sequence();

            final byte[] wrongKey = key(7004);
            wrongKey[0] ^= 1;
            final long badSignature = refused(Refusal.BAD_SIGNATURE);
            vehicle.send(position(-300_000_000, -300_000_000), 1, wrongKey, vehicle.signingNow());
            await().atMost(10, TimeUnit.SECONDS).until(() -> refused(Refusal.BAD_SIGNATURE) > badSignature);

            final long replayed = refused(Refusal.REPLAYED);
            vehicle.send(position(100_000_000, 100_000_000));
            vehicle.replayLast();
            await().atMost(10, TimeUnit.SECONDS).until(() -> refused(Refusal.REPLAYED) > replayed);

            // A stream the edge has not seen (another link id) that starts an hour in the past.
            final long stale = refused(Refusal.TIMESTAMP_OUT_OF_WINDOW);
            vehicle.send(position(-300_000_000, -300_000_000), 7, key(7004),
                MavlinkSigner.timestampOfUnixMicros((System.currentTimeMillis() - 3_600_000) * 1000));
            await().atMost(10, TimeUnit.SECONDS).until(() -> refused(Refusal.TIMESTAMP_OUT_OF_WINDOW) > stale);

            final long unknown = refused(Refusal.UNKNOWN_VEHICLE);
            stranger.send(position(-300_000_000, -300_000_000));
            await().atMost(10, TimeUnit.SECONDS).until(() -> refused(Refusal.UNKNOWN_VEHICLE) > unknown);

            final long garbage = refused(Refusal.NOT_A_FRAME);
            vehicle.sendRaw("not mavlink at all".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            await().atMost(10, TimeUnit.SECONDS).until(() -> refused(Refusal.NOT_A_FRAME) > garbage);

            // Nothing forged moved it: the real vehicle is where it said, and it still flies on.
            final DroneState state = fleet.get(7004L);
            assertThat(state.latitude()).isEqualTo(10.0);
            await().atMost(10, TimeUnit.SECONDS).untilAsserted(() ->
            {
                flying(vehicle, PX4_MISSION, 89, 100_010_000, 100_000_000);
                assertThat(fleet.get(7004L).sequence()).isGreaterThan(sequence);
                assertThat(fleet.get(7004L).latitude()).isEqualTo(10.001);
            });
        }
    }

    @Test
    void shouldCountAVehicleLostWhenItsHeartbeatStops() throws Exception
    {
        final long lost = edge.metrics().vehiclesLost.get();
        try (MavlinkVehicle vehicle = new MavlinkVehicle(edge.mavlinkPort(), 1, key(7001)))
        {
            vehicle.send(heartbeat(PX4_MISSION));
        }
        await().atMost(20, TimeUnit.SECONDS).until(() -> edge.metrics().vehiclesLost.get() > lost);
    }

    /** One round of what a PX4 multicopter in the air streams: heartbeat, battery, landed state, position. */
    private static void flying(final MavlinkVehicle vehicle, final long customMode, final int battery, final int lat,
        final int lon) throws Exception
    {
        vehicle.send(heartbeat(customMode));
        vehicle.send(SysStatus.builder().batteryRemaining(battery).voltageBattery(15_800).currentBattery(-1).build());
        vehicle.send(ExtendedSysState.builder().vtolState(MavVtolState.MAV_VTOL_STATE_UNDEFINED)
            .landedState(MavLandedState.MAV_LANDED_STATE_IN_AIR).build());
        vehicle.send(position(lat, lon));
    }

    private static Heartbeat heartbeat(final long customMode)
    {
        return Heartbeat.builder().type(MavType.MAV_TYPE_QUADROTOR).autopilot(MavAutopilot.MAV_AUTOPILOT_PX4)
            .baseMode(EnumValue.create(MavModeFlag.MAV_MODE_FLAG_SAFETY_ARMED, MavModeFlag.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED))
            .customMode(customMode).systemStatus(MavState.MAV_STATE_ACTIVE).mavlinkVersion(3).build();
    }

    /** 60 m above home, 3 m/s north and 4 m/s east (5 m/s), heading 90°, climbing 0.5 m/s. */
    private static GlobalPositionInt position(final int lat, final int lon)
    {
        return GlobalPositionInt.builder().timeBootMs(1_000).lat(lat).lon(lon).alt(100_000).relativeAlt(60_000)
            .vx(300).vy(400).vz(-50).hdg(9_000).build();
    }

    private static byte[] key(final long droneId)
    {
        return keys.entry(droneId).current().keyBytes();
    }

    private static long refused(final Refusal refusal)
    {
        return edge.metrics().refused[refusal.ordinal()].get();
    }
}
