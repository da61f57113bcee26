package io.odyssey.mavlink.edge;

import io.dronefleet.mavlink.common.GlobalPositionInt;
import io.dronefleet.mavlink.common.SysStatus;
import io.dronefleet.mavlink.minimal.Heartbeat;
import io.dronefleet.mavlink.minimal.MavAutopilot;
import io.dronefleet.mavlink.minimal.MavModeFlag;
import io.dronefleet.mavlink.minimal.MavState;
import io.dronefleet.mavlink.minimal.MavType;
import io.dronefleet.mavlink.util.EnumValue;
import io.odyssey.codecs.DroneFlag;
import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.codecs.sign.DroneKeyRing;
import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.codecs.sign.FrameVerifier;
import io.odyssey.codecs.sign.TestDroneKeys;
import io.odyssey.mavlink.MavlinkSigner;
import io.odyssey.runtime.RealTimeClock;
import io.odyssey.runtime.Setting;
import io.odyssey.runtime.SteadyEpochClock;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The vehicle link agent under attack, on a real UDP socket, with vehicles encoded by dronefleet and what it would send
 * to ingest read back by ingest's own frame reader (with the drone keys' verifier).
 */
class VehicleLinkAgentTest
{
    private static final Setting SETTING = Setting.of("ODYSSEY_TEST_MAVLINK_KEYS", "", "keys of the test");
    private static final Path KEYS = TestDroneKeys.file(8001, 8010);
    private static final long ROTATION_GRACE_S = 300;
    private static final long SIGNING_WINDOW_S = 60;
    /** A drone no key file line names. */
    private static final long KEYLESS_DRONE = 8999;

    @TempDir
    Path dir;
    /** This test's copy of the key file (rotations and revocations stay in it). */
    private Path keyFile;
    private DroneKeyRing ring;
    private final MavlinkEdgeMetrics metrics = new MavlinkEdgeMetrics();
    private RecordingOutlet outlet;
    /** The edge's clock, ahead of the wall clock by this (a later hour without waiting for it). */
    private long clockAheadNs;
    private DatagramChannel channel;
    private VehicleLinkAgent agent;
    private final List<MavlinkVehicle> vehicles = new ArrayList<>();
    private long lastTimestamp;

    @BeforeEach
    void start() throws IOException
    {
        keyFile = Files.copy(KEYS, dir.resolve("drone-keys"));
        ring = DroneKeyRing.load(SETTING, keyFile);
        outlet = new RecordingOutlet(ring);
        channel = DatagramChannel.open();
        channel.configureBlocking(false);
        channel.bind(new InetSocketAddress("127.0.0.1", 0));
        final VehicleRegistry registry = new VehicleRegistry()
            .register(1, 8001, false)
            .register(2, 8002, false)
            .register(5, KEYLESS_DRONE, true);
        // The edge's wall clock, steadied as MavlinkEdge steadies it.
        final EpochNanoClock wall = () -> System.currentTimeMillis() * 1_000_000L + clockAheadNs;
        final EpochNanoClock clock = new SteadyEpochClock(wall, new SystemNanoClock(),
            SteadyEpochClock.DEFAULT_FOLLOW_BACK_NS);
        agent = new VehicleLinkAgent(channel, registry, ring, outlet, clock,
            new SystemNanoClock(), metrics, SIGNING_WINDOW_S, 5_000);
    }

    @AfterEach
    void stop() throws IOException
    {
        vehicles.forEach(MavlinkVehicle::close);
        channel.close();
    }

    @Test
    void shouldNotLetOneVehicleWithAKeyTakeTheSigningStreamsOfEveryOtherVehicle() throws Exception
    {
        final MavlinkVehicle greedy = vehicle(1, key(8001));
        final MavlinkVehicle other = vehicle(2, key(8002));
        deliver(greedy, heartbeat(), 1, 0);

        // A vehicle with a key (a hijacked companion computer, a buggy one) signs from every component and link id.
        int sent = 0;
        for (int component = 2; component < 256 && sent < VehicleLinkAgent.MAX_STREAMS; component++)
        {
            for (int link = 0; link < 256 && sent < VehicleLinkAgent.MAX_STREAMS; link += 8, sent++)
            {
                greedy.send(heartbeat(), component, link, key(8001), greedy.signingNow());
                if (sent % 32 == 31)
                {
                    drain();
                }
            }
        }
        drain();
        assertThat(refused(Refusal.TOO_MANY_STREAMS)).as("the greedy vehicle's extra streams").isPositive();

        final long accepted = metrics.framesAccepted.get();
        deliver(other, heartbeat(), 1, 0);
        assertThat(metrics.framesAccepted.get()).as("another vehicle's first frame").isEqualTo(accepted + 1);
        deliver(greedy, heartbeat(), 1, 0);
        assertThat(metrics.framesAccepted.get()).as("the greedy vehicle's own autopilot").isEqualTo(accepted + 2);
        assertThat(outlet.rejected).isEmpty();
    }

    @Test
    void shouldForgetAStreamOnceItsLastTimestampIsOutsideTheWindowSoANewOneCanStart() throws Exception
    {
        final MavlinkVehicle vehicle = vehicle(1, key(8001));
        for (int link = 0; link < VehicleLinkAgent.STREAMS_PER_VEHICLE; link++)
        {
            deliver(vehicle, heartbeat(), 2, link);
        }
        final long full = refused(Refusal.TOO_MANY_STREAMS);
        deliver(vehicle, heartbeat(), 3, 0);
        assertThat(refused(Refusal.TOO_MANY_STREAMS)).as("a 17th live stream").isEqualTo(full + 1);

        // The old streams fall silent for longer than the window: none of their frames can come back (too old), so
        // their windows are let go and the vehicle's new companion computer gets one.
        clockAheadNs = TimeUnit.SECONDS.toNanos(2 * SIGNING_WINDOW_S);
        final long accepted = metrics.framesAccepted.get();
        vehicle.send(heartbeat(), 3, 0, key(8001), now());
        drain();
        assertThat(metrics.framesAccepted.get()).isEqualTo(accepted + 1);
        assertThat(refused(Refusal.TOO_MANY_STREAMS)).isEqualTo(full + 1);
    }

    @Test
    void shouldRefuseAndCountPositionsIngestWouldRefuseAndSendOnlyFramesIngestTakes() throws Exception
    {
        final MavlinkVehicle vehicle = vehicle(1, key(8001));
        deliver(vehicle, heartbeat(), 1, 0);
        deliver(vehicle, SysStatus.builder().batteryRemaining(80).build(), 1, 0);

        final long refusedPositions = refused(Refusal.POSITION_OUT_OF_RANGE);
        deliver(vehicle, position(910_000_000, 0, 10_000, 0, 0, 0), 1, 0);
        deliver(vehicle, position(-900_000_001, 0, 10_000, 0, 0, 0), 1, 0);
        deliver(vehicle, position(0, 1_800_000_001, 10_000, 0, 0, 0), 1, 0);
        deliver(vehicle, position(0, Integer.MIN_VALUE, 10_000, 0, 0, 0), 1, 0);
        deliver(vehicle, position(0, 0, -1_000_001, 0, 0, 0), 1, 0);
        deliver(vehicle, position(0, 0, Integer.MAX_VALUE, 0, 0, 0), 1, 0);
        assertThat(refused(Refusal.POSITION_OUT_OF_RANGE)).isEqualTo(refusedPositions + 6);

        final long refusedSpeeds = refused(Refusal.SPEED_OUT_OF_RANGE);
        deliver(vehicle, position(0, 0, 10_000, Short.MAX_VALUE, Short.MAX_VALUE, 0), 1, 0);
        assertThat(refused(Refusal.SPEED_OUT_OF_RANGE)).isEqualTo(refusedSpeeds + 1);
        assertThat(metrics.telemetrySent.get()).as("nothing ingest refuses is sent").isZero();

        // Odd but valid: heading unknown (65535), the edges of the ranges, the fastest climb MAVLink can say.
        deliver(vehicle, position(900_000_000, -1_800_000_000, -1_000_000, 14_000, -14_000, Short.MIN_VALUE), 1, 0);
        assertThat(metrics.telemetrySent.get()).isEqualTo(1);
        assertThat(outlet.accepted).isEqualTo(2);
        assertThat(outlet.rejected).isEmpty();
    }

    @Test
    void shouldFlagAVehicleAPilotFliesInAManualModeOnlyWhileItIsAirborne() throws Exception
    {
        final MavlinkVehicle vehicle = vehicle(1, key(8001));
        deliver(vehicle, SysStatus.builder().batteryRemaining(80).build(), 1, 0);
        final long posctl = 3L << 16;
        final long autoLoiter = 4L << 16 | 3L << 24;

        // The pilot took the RC in the air (PX4 position mode).
        deliver(vehicle, heartbeat(true, posctl), 1, 0);
        deliver(vehicle, position(525_200_000, 134_050_000, 30_000, 0, 0, 0), 1, 0);
        assertThat(outlet.lastFlags & DroneFlag.MANUAL_CONTROL).as("a pilot flies it").isNotZero();

        // An order from the ground took it back (AUTO.LOITER).
        deliver(vehicle, heartbeat(true, autoLoiter), 1, 0);
        deliver(vehicle, position(525_200_000, 134_050_000, 30_000, 0, 0, 0), 1, 0);
        assertThat(outlet.lastFlags & DroneFlag.MANUAL_CONTROL).as("its autopilot flies it").isZero();

        // On the ground, disarmed in position mode (where many vehicles wait): nobody flies it.
        deliver(vehicle, heartbeat(false, posctl), 1, 0);
        deliver(vehicle, position(525_200_000, 134_050_000, 0, 0, 0, 0), 1, 0);
        assertThat(metrics.telemetrySent.get()).as("every position sent").isEqualTo(3);
        assertThat(outlet.lastFlags & DroneFlag.MANUAL_CONTROL).as("grounded").isZero();
        assertThat(outlet.rejected).isEmpty();
    }

    @Test
    void shouldRefuseAVehicleAllowedUnsignedWhoseDroneHasNoKeyWithoutThrowing() throws Exception
    {
        final MavlinkVehicle keyless = vehicle(5, null);
        final long noKey = refused(Refusal.NO_KEY);

        deliver(keyless, heartbeat(), 1, 0);

        assertThat(refused(Refusal.NO_KEY)).isEqualTo(noKey + 1);
        assertThat(outlet.accepted).isZero();
    }

    @Test
    void shouldCheckOneForgedSignatureOfADatagramPackedWithForgeriesNotEach() throws Exception
    {
        final MavlinkVehicle vehicle = vehicle(1, key(8001));
        final byte[] forgedKey = key(8001);
        forgedKey[0] ^= 1;
        // 64 KiB of the smallest signed frames a forger can make, each a SHA-256 to check, then a genuine one.
        final java.io.ByteArrayOutputStream datagram = packedWith(vehicle.encode(heartbeat(), 1, 0, forgedKey, now()));
        datagram.write(vehicle.encode(heartbeat(), 1, 0, key(8001), now()));
        final long badSignatures = refused(Refusal.BAD_SIGNATURE);
        final long afterForgery = refused(Refusal.AFTER_FORGERY);

        vehicle.sendRaw(datagram.toByteArray());
        drain();

        assertThat(refused(Refusal.BAD_SIGNATURE)).isEqualTo(badSignatures + 1);
        assertThat(refused(Refusal.AFTER_FORGERY)).isEqualTo(afterForgery + 1);
        assertThat(metrics.framesAccepted.get()).as("nothing a forger's datagram carries is taken").isZero();

        deliver(vehicle, heartbeat(), 1, 0);
        assertThat(metrics.framesAccepted.get()).as("the vehicle's own next datagram").isEqualTo(1);
    }

    @Test
    void shouldNameInTheLogOnceAMinuteAVehicleWhoseFramesAreRefusedNotOnlyCountThem() throws Exception
    {
        final List<String> lines = new ArrayList<>();
        agent.logRefusalsTo(lines::add);
        // A registry that maps system id 1 to drone 8001 while the vehicle signs as drone 8002 (a simulator restarted
        // with other drones): every frame is refused, and without a line the vehicle just never shows up.
        final MavlinkVehicle mismatched = vehicle(1, key(8002));
        final MavlinkVehicle stranger = vehicle(9, key(8002));
        for (int i = 0; i < 20; i++)
        {
            deliver(mismatched, heartbeat(), 1, 0);
        }
        deliver(stranger, heartbeat(), 1, 0);
        deliver(stranger, heartbeat(), 1, 0);

        assertThat(refused(Refusal.BAD_SIGNATURE)).isEqualTo(20);
        assertThat(refused(Refusal.UNKNOWN_VEHICLE)).isEqualTo(2);
        assertThat(lines).as("one line per vehicle within the minute").hasSize(2);
        assertThat(lines.get(0)).contains("system id 1 (drone 8001)", "bad_signature", "from /127.0.0.1:",
            "does the registry map this system id to the right drone");
        assertThat(lines.get(1)).contains("system id 9", "unknown_vehicle", "ODYSSEY_MAVLINK_VEHICLES")
            .doesNotContain("(drone");
        assertThat(metrics.framesAccepted.get()).isZero();
    }

    @Test
    void shouldCheckOneReplayOfADatagramPackedWithCopiesOfACapturedFrameNotEach() throws Exception
    {
        final MavlinkVehicle vehicle = vehicle(1, key(8001));
        deliver(vehicle, heartbeat(), 1, 0);
        final byte[] captured = vehicle.encode(heartbeat(), 1, 0, key(8001), now());
        vehicle.sendRaw(captured);
        drain();
        final java.io.ByteArrayOutputStream datagram = packedWith(captured);
        final long replayed = refused(Refusal.REPLAYED);
        final long afterForgery = refused(Refusal.AFTER_FORGERY);

        vehicle.sendRaw(datagram.toByteArray());
        drain();

        assertThat(refused(Refusal.REPLAYED)).isEqualTo(replayed + 1);
        assertThat(refused(Refusal.AFTER_FORGERY)).isEqualTo(afterForgery + 1);
        assertThat(metrics.framesAccepted.get()).as("the frame, once").isEqualTo(2);
    }

    @Test
    void shouldNeverSendASequenceItsSigningClockDoesNotExplainHoweverFastAVehicleSendsPositions() throws Exception
    {
        final MavlinkVehicle vehicle = vehicle(1, key(8001));
        deliver(vehicle, heartbeat(), 1, 0);
        deliver(vehicle, SysStatus.builder().batteryRemaining(80).build(), 1, 0);

        // A vehicle with its key streams positions as fast as UDP carries them, a hundred to a datagram.
        final java.io.ByteArrayOutputStream datagram = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 5_000; i++)
        {
            datagram.write(vehicle.encode(position(100_000_000, 100_000_000, 10_000, 100, 0, 0), 1, 0, key(8001),
                now()));
            if (i % 100 == 99)
            {
                vehicle.sendRaw(datagram.toByteArray());
                datagram.reset();
                if (i % 1_000 == 999)
                {
                    drain();
                }
            }
        }
        drain();

        assertThat(refused(Refusal.TOO_FREQUENT)).isPositive();
        assertThat(metrics.telemetrySent.get()).isGreaterThan(VehicleLinkAgent.MAX_SEQUENCE_AHEAD);
        assertThat(outlet.mostSequenceAheadOfSignedMillis).as("the sequence ahead of the signed clock's milliseconds")
            .isLessThanOrEqualTo(VehicleLinkAgent.MAX_SEQUENCE_AHEAD);
        assertThat(outlet.rejected).isEmpty();
    }

    @Test
    void shouldKeepSendingAVehiclesPositionsWhenTheEdgesWallClockStepsBack() throws Exception
    {
        final MavlinkVehicle vehicle = flyingVehicleOnItsOwnClock();
        sendPositions(vehicle, 20);
        final long sent = metrics.telemetrySent.get();
        assertThat(sent).isPositive();

        // An NTP correction of 5 s (the vehicle's clock and ingest's stay right): the edge's sequences are bounded by
        // its signing clock, and a clock that went back would stop them for as long as the step.
        clockAheadNs = -TimeUnit.SECONDS.toNanos(5);
        sendPositions(vehicle, 20);

        assertThat(refused(Refusal.TOO_FREQUENT)).isZero();
        assertThat(metrics.telemetrySent.get()).as("positions sent after the step").isGreaterThanOrEqualTo(sent + 20);
        assertThat(outlet.rejected).isEmpty();
    }

    @Test
    void shouldBeHeardAgainAtOnceWhenAnEdgeClockThatWasMinutesAheadIsPutRight() throws Exception
    {
        final MavlinkVehicle vehicle = flyingVehicleOnItsOwnClock();
        sendPositions(vehicle, 5);
        // The edge's clock jumps two minutes ahead (the vehicle's and ingest's stay right).
        clockAheadNs = TimeUnit.MINUTES.toNanos(2);
        sendPositions(vehicle, 20);
        assertThat(outlet.rejected).as("ingest refuses an edge two minutes ahead").isNotEmpty();
        outlet.rejected.clear();
        final int accepted = outlet.accepted;

        clockAheadNs = 0;
        sendPositions(vehicle, 20);

        assertThat(refused(Refusal.TOO_FREQUENT)).isZero();
        assertThat(outlet.accepted).as("frames ingest takes once the clock is right").isGreaterThanOrEqualTo(accepted + 20);
        assertThat(outlet.rejected).isEmpty();
    }

    /** Vehicle 1 after a heartbeat and a battery level (so its positions go on), signing on its own (right) clock. */
    private MavlinkVehicle flyingVehicleOnItsOwnClock() throws IOException
    {
        final MavlinkVehicle vehicle = vehicle(1, key(8001));
        vehicle.send(heartbeat(), 1, 0, key(8001), vehicle.signingNow());
        vehicle.send(SysStatus.builder().batteryRemaining(80).build(), 1, 0, key(8001), vehicle.signingNow());
        return vehicle;
    }

    /** The vehicle sends {@code count} positions signed by its own (right) clock. */
    private void sendPositions(final MavlinkVehicle vehicle, final int count) throws IOException
    {
        for (int i = 0; i < count; i++)
        {
            vehicle.send(position(100_000_000 + i, 100_000_000, 10_000, 100, 0, 0), 1, 0, key(8001),
                vehicle.signingNow());
            drain();
        }
    }

    @Test
    void shouldSendOnAtMostOneHeartbeatPerVehicleInAHundredMillisecondsWhileTakingEveryOnesState() throws Exception
    {
        final MavlinkVehicle vehicle = vehicle(1, key(8001));
        final java.io.ByteArrayOutputStream datagram = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 1_000; i++)
        {
            datagram.write(vehicle.encode(heartbeat(), 1, 0, key(8001), now()));
        }
        final long started = System.nanoTime();
        vehicle.sendRaw(datagram.toByteArray());
        drain();
        final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertThat(metrics.framesAccepted.get()).isEqualTo(1_000);
        assertThat(metrics.heartbeatsSent.get()).as("sent on, in %d ms", tookMs)
            .isBetween(1L, 1 + tookMs / TimeUnit.NANOSECONDS.toMillis(VehicleLinkAgent.HEARTBEAT_FORWARD_INTERVAL_NS));
        assertThat(metrics.heartbeatsCoalesced.get() + metrics.heartbeatsSent.get()).isEqualTo(1_000);
        assertThat(agent.liveVehicles()).isEqualTo(1);
    }

    @Test
    void shouldNotLetACapturedFrameNorAFarFutureTimestampLockTheVehicleOutOfItsStream() throws Exception
    {
        final MavlinkVehicle vehicle = vehicle(1, key(8001));
        deliver(vehicle, heartbeat(), 1, 0);
        final long replayed = refused(Refusal.REPLAYED);
        final long outOfWindow = refused(Refusal.TIMESTAMP_OUT_OF_WINDOW);
        final long badSignature = refused(Refusal.BAD_SIGNATURE);

        vehicle.replayLast();
        // The vehicle's own key with the last timestamp there is, and one a second past the window's far edge (a
        // second: the agent reads its clock after the test did, so a hair past the edge here may be inside it there).
        vehicle.send(heartbeat(), 1, 0, key(8001), (1L << 48) - 1);
        vehicle.send(heartbeat(), 1, 0, key(8001),
            now() + TimeUnit.SECONDS.toMicros(SIGNING_WINDOW_S + 1) / 10);
        final byte[] forged = key(8001);
        forged[31] ^= 1;
        vehicle.send(heartbeat(), 1, 0, forged, now() + TimeUnit.SECONDS.toMicros(SIGNING_WINDOW_S) / 20);
        drain();
        assertThat(refused(Refusal.REPLAYED)).isEqualTo(replayed + 1);
        assertThat(refused(Refusal.TIMESTAMP_OUT_OF_WINDOW)).isEqualTo(outOfWindow + 2);
        assertThat(refused(Refusal.BAD_SIGNATURE)).isEqualTo(badSignature + 1);

        deliver(vehicle, heartbeat(), 1, 0);
        assertThat(metrics.framesAccepted.get()).as("the vehicle's next frame, at its own clock").isEqualTo(2);
    }

    @Test
    void shouldNotLetAHolderOfTheRotatedOutKeyLockTheVehicleOutOfItsStream() throws Exception
    {
        final byte[] oldKey = key(8001);
        final MavlinkVehicle vehicle = vehicle(1, oldKey);
        deliver(vehicle, heartbeat(), 1, 0);
        final byte[] captured = vehicle.encode(heartbeat(), 1, 0, oldKey, now());

        // The key leaked: the operator rotates it, the old one stays valid for its grace while the vehicle takes the new.
        DroneKeys.rotate(SETTING, keyFile, 8001, ROTATION_GRACE_S, System.currentTimeMillis() / 1000);
        assertThat(ring.reloadIfChanged()).isTrue();
        final MavlinkVehicle rotated = vehicle(1, key(8001));

        // Whoever holds the old key signs far ahead on the autopilot's stream...
        final long accepted = metrics.framesAccepted.get();
        rotated.send(heartbeat(), 1, 0, oldKey, now() + TimeUnit.SECONDS.toMicros(SIGNING_WINDOW_S - 5) / 10);
        drain();
        assertThat(metrics.framesAccepted.get()).as("the old key in its grace").isEqualTo(accepted + 1);

        // ...and the vehicle, signing with its new key at its own clock, is still heard.
        final long byNewKey = metrics.framesAccepted.get();
        deliver(rotated, heartbeat(), 1, 0);
        deliver(rotated, heartbeat(), 1, 0);
        assertThat(metrics.framesAccepted.get()).isEqualTo(byNewKey + 2);
        // No frame captured before the rotation comes back through the old key's grace.
        final long replayed = refused(Refusal.REPLAYED);
        rotated.sendRaw(captured);
        drain();
        assertThat(refused(Refusal.REPLAYED)).isEqualTo(replayed + 1);

        // Past the grace, the old key is refused and the new one carries on.
        clockAheadNs = TimeUnit.SECONDS.toNanos(ROTATION_GRACE_S + 1);
        final long badSignature = refused(Refusal.BAD_SIGNATURE);
        rotated.send(heartbeat(), 1, 0, oldKey, now());
        drain();
        assertThat(refused(Refusal.BAD_SIGNATURE)).isEqualTo(badSignature + 1);
        deliver(rotated, heartbeat(), 1, 0);
        assertThat(metrics.framesAccepted.get()).isEqualTo(byNewKey + 3);
    }

    @Test
    void shouldRefuseARevokedVehicleFromTheNextKeyReload() throws Exception
    {
        final MavlinkVehicle vehicle = vehicle(1, key(8001));
        deliver(vehicle, heartbeat(), 1, 0);
        assertThat(metrics.framesAccepted.get()).isEqualTo(1);

        DroneKeys.revoke(SETTING, keyFile, 8001);
        assertThat(ring.reloadIfChanged()).isTrue();
        final long noKey = refused(Refusal.NO_KEY);
        deliver(vehicle, heartbeat(), 1, 0);

        assertThat(refused(Refusal.NO_KEY)).isEqualTo(noKey + 1);
        assertThat(metrics.framesAccepted.get()).isEqualTo(1);
    }

    @Test
    void shouldNeverThrowNorSendWhatIngestRefusesWhateverAVehicleWithAKeyOrAStrangerSends() throws Exception
    {
        final MavlinkVehicle vehicle = vehicle(1, key(8001));
        final MavlinkSigner signer = new MavlinkSigner();
        final java.util.Random random = new java.util.Random(15);
        final int[][] flightState = {
            {io.odyssey.mavlink.message.Heartbeat.ID, io.odyssey.mavlink.message.Heartbeat.LENGTH},
            {io.odyssey.mavlink.message.SysStatus.ID, io.odyssey.mavlink.message.SysStatus.LENGTH},
            {io.odyssey.mavlink.message.GpsRawInt.ID, io.odyssey.mavlink.message.GpsRawInt.LENGTH},
            {io.odyssey.mavlink.message.GlobalPositionInt.ID, io.odyssey.mavlink.message.GlobalPositionInt.LENGTH},
            {io.odyssey.mavlink.message.VfrHud.ID, io.odyssey.mavlink.message.VfrHud.LENGTH},
            {io.odyssey.mavlink.message.BatteryStatus.ID, io.odyssey.mavlink.message.BatteryStatus.LENGTH},
            {io.odyssey.mavlink.message.ExtendedSysState.ID, io.odyssey.mavlink.message.ExtendedSysState.LENGTH}};
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[300]);
        for (int i = 0; i < 3_000; i++)
        {
            final byte[] datagram;
            if (i % 10 == 9)
            {
                // Garbage with frame starts in it, MAVLink 1 magic, headers announcing more than there is.
                datagram = new byte[1 + random.nextInt(600)];
                random.nextBytes(datagram);
                for (int at = 0; at < datagram.length; at += 1 + random.nextInt(40))
                {
                    datagram[at] = (byte)(random.nextBoolean() ? 0xFD : 0xFE);
                }
            }
            else
            {
                // A well-formed, correctly signed frame of a flight-state message with any payload at all (NaN and
                // infinite floats, every out-of-range integer, a truncated payload).
                final int[] message = flightState[random.nextInt(flightState.length)];
                final int length = 1 + random.nextInt(message[1]);
                frame.putByte(0, (byte)0xFD);
                frame.putByte(1, (byte)length);
                frame.putByte(2, (byte)1);
                frame.putByte(3, (byte)0);
                frame.putByte(4, (byte)i);
                frame.putByte(5, (byte)1);
                frame.putByte(6, (byte)1);
                frame.putByte(7, (byte)message[0]);
                frame.putByte(8, (byte)(message[0] >>> 8));
                frame.putByte(9, (byte)0);
                for (int b = 0; b < length; b++)
                {
                    frame.putByte(10 + b, (byte)random.nextInt());
                }
                frame.putShort(10 + length, (short)io.odyssey.mavlink.MavlinkCrc.compute(frame, 1, 9 + length,
                    io.odyssey.mavlink.MavlinkMessages.crcExtra(message[0])), java.nio.ByteOrder.LITTLE_ENDIAN);
                final int signedLength = signer.sign(frame, 0, 12 + length, key(8001), 0, now());
                datagram = new byte[signedLength];
                frame.getBytes(0, datagram);
            }
            vehicle.sendRaw(datagram);
            if (i % 32 == 31)
            {
                drain();
            }
        }
        drain();

        assertThat(metrics.framesAccepted.get()).as("the signed frames").isEqualTo(2_700);
        assertThat(metrics.telemetrySent.get()).as("some random positions are valid ones").isPositive();
        assertThat(outlet.rejected).isEmpty();
    }

    /** Copies of one frame, as many as a datagram of 60 KiB holds (room left for one more frame). */
    private static java.io.ByteArrayOutputStream packedWith(final byte[] frame)
    {
        final java.io.ByteArrayOutputStream datagram = new java.io.ByteArrayOutputStream();
        while (datagram.size() + frame.length < 60 * 1024)
        {
            datagram.writeBytes(frame);
        }
        return datagram;
    }

    private MavlinkVehicle vehicle(final int systemId, final byte[] key) throws IOException
    {
        final MavlinkVehicle vehicle = new MavlinkVehicle(((InetSocketAddress)channel.getLocalAddress()).getPort(),
            systemId, key);
        vehicles.add(vehicle);
        return vehicle;
    }

    /** Sends one message on a stream and lets the agent read it. */
    private void deliver(final MavlinkVehicle vehicle, final Object message, final int componentId, final int linkId)
        throws IOException
    {
        vehicle.send(message, componentId, linkId, vehicle.key(), now());
        drain();
    }

    /** Runs the agent until it has read every datagram sent so far (bounded: a stuck agent fails the test). */
    private void drain() throws IOException
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        final long sent = vehicles.stream().mapToLong(MavlinkVehicle::datagramsSent).sum();
        while (metrics.datagrams.get() < sent)
        {
            agent.doWork();
            if (System.nanoTime() > deadline)
            {
                fail("the agent read " + metrics.datagrams.get() + " of " + sent + " datagrams");
            }
        }
    }

    /** A signing timestamp of the edge's clock now, later than any before. */
    private long now()
    {
        lastTimestamp = Math.max(lastTimestamp + 1,
            MavlinkSigner.timestampOfUnixMicros((System.currentTimeMillis() * 1_000_000L + clockAheadNs) / 1_000));
        return lastTimestamp;
    }

    private long refused(final Refusal refusal)
    {
        return metrics.refused[refusal.ordinal()].get();
    }

    private byte[] key(final long droneId)
    {
        return ring.keys().entry(droneId).current().keyBytes();
    }

    private static Heartbeat heartbeat()
    {
        return heartbeat(true, 4L << 16 | 4L << 24);
    }

    /** A PX4 multicopter's HEARTBEAT in {@code customMode} (main mode in bits 16..23, AUTO's sub mode in 24..31). */
    private static Heartbeat heartbeat(final boolean armed, final long customMode)
    {
        return Heartbeat.builder().type(MavType.MAV_TYPE_QUADROTOR).autopilot(MavAutopilot.MAV_AUTOPILOT_PX4)
            .baseMode(armed ?
                EnumValue.create(MavModeFlag.MAV_MODE_FLAG_SAFETY_ARMED, MavModeFlag.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED) :
                EnumValue.create(MavModeFlag.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED))
            .customMode(customMode).systemStatus(MavState.MAV_STATE_ACTIVE).mavlinkVersion(3).build();
    }

    private static GlobalPositionInt position(final int lat, final int lon, final int relativeAltMm, final int vx,
        final int vy, final int vz)
    {
        return GlobalPositionInt.builder().timeBootMs(1_000).lat(lat).lon(lon).alt(100_000).relativeAlt(relativeAltMm)
            .vx(vx).vy(vy).vz(vz).hdg(0xFFFF).build();
    }

    /** What the edge sends, read as an ingest node reads it (shape, ranges, drone key signature). */
    private static final class RecordingOutlet extends IngestOutlet
    {
        private final TelemetryFrameReader ingestReader;
        private final UnsafeBuffer copy = new UnsafeBuffer(new byte[256]);
        final List<String> rejected = new ArrayList<>();
        int accepted;
        long mostSequenceAheadOfSignedMillis = Long.MIN_VALUE;
        /** The flags of the last telemetry frame taken. */
        int lastFlags = -1;

        RecordingOutlet(final DroneKeyRing keys)
        {
            super(null, List.of(), 0);
            ingestReader = new TelemetryFrameReader().verifier(new FrameVerifier(keys, new RealTimeClock(),
                TimeUnit.SECONDS.toNanos(SIGNING_WINDOW_S)));
        }

        boolean offer(final long droneId, final DirectBuffer buffer, final int offset, final int length)
        {
            copy.putBytes(0, buffer, offset, length);
            if (ingestReader.read(copy, 0, length) == TelemetryFrameReader.REJECTED)
            {
                rejected.add("drone " + droneId + ": " + ingestReader.rejectReason());
            }
            else
            {
                accepted++;
                if (ingestReader.header().templateId() == io.odyssey.codecs.sbe.TelemetryDecoder.TEMPLATE_ID)
                {
                    mostSequenceAheadOfSignedMillis = Math.max(mostSequenceAheadOfSignedMillis,
                        ingestReader.telemetry().sequence() - ingestReader.verifier().timestamp() / 100);
                    lastFlags = ingestReader.telemetry().flags().getRaw();
                }
            }
            return true;
        }
    }
}
