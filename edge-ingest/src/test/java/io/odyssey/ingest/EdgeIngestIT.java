package io.odyssey.ingest;

import com.hazelcast.map.IMap;
import io.aeron.ExclusivePublication;
import io.odyssey.codecs.RejectReason;
import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.codecs.sbe.MessageHeaderEncoder;
import io.odyssey.codecs.sbe.TelemetryEncoder;
import io.odyssey.codecs.sign.DroneKey;
import io.odyssey.codecs.sign.DroneKeyRing;
import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.codecs.sign.FrameSignature;
import io.odyssey.codecs.sign.FrameSigner;
import io.odyssey.codecs.sign.TestDroneKeys;
import io.odyssey.grid.DroneState;
import io.odyssey.journal.JournalEntry;
import io.odyssey.journal.JournalLayout;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.testing.FailOnErrorLog;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Edge ingest with real parts: an Aeron UDP publication on loopback sends crafted frames to a real ingest node, which
 * writes into a real Hazelcast member. Every rejection reason is exercised through the real subscription.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class EdgeIngestIT
{
    private static final Logger LOG = LoggerFactory.getLogger(EdgeIngestIT.class);
    private static final AtomicLong NEXT_DRONE = new AtomicLong(1000);
    private static final long MAX_DRONE_ID = 50_000_000;
    /** Keys for the drones these tests fly (1000.. one at a time, and a block from 1,000,000); 5000 has none. */
    private static final Path KEYS = TestDroneKeys.add(TestDroneKeys.file(1000, 1999), 1_000_000, 1_009_999);
    private static final long DRONE_WITHOUT_KEY = 5000;

    @TempDir
    static Path journals;

    private static TestGrid grid;
    private static IMap<Long, DroneState> fleet;
    private static EdgeIngest ingest;
    private static EdgeIngest secondIngest;
    private static AeronTransport sender;
    private static ExclusivePublication publication;
    private static ExclusivePublication secondPublication;

    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
    private final FrameSigner signer = TestDroneKeys.signer(KEYS, 9);
    private final TelemetryFrameWriter writer = new TelemetryFrameWriter().signWith(signer);

    @BeforeAll
    static void start() throws Exception
    {
        grid = TestGrid.start("edge-ingest-it");
        fleet = grid.fleet();
        ingest = EdgeIngest.launch(config("ingest-a", 100));
        secondIngest = EdgeIngest.launch(config("ingest-b", 101));
        sender = AeronTransport.launchEmbedded(null, "edge-ingest-it-sender");
        publication = sender.aeron().addExclusivePublication(AeronTransport.udpChannel(grid.endpoint(100)), 1001);
        secondPublication = sender.aeron().addExclusivePublication(
            AeronTransport.udpChannel(grid.endpoint(101)), 1001);
        await().atMost(20, TimeUnit.SECONDS).until(() -> publication.isConnected() && secondPublication.isConnected());
    }

    @AfterAll
    static void stop()
    {
        for (final AutoCloseable closeable : new AutoCloseable[]{sender, secondIngest, ingest})
        {
            try
            {
                if (closeable != null)
                {
                    closeable.close();
                }
            }
            catch (final Exception ignore)
            {
                // best effort in teardown
            }
        }
        if (grid != null)
        {
            grid.close();
        }
    }

    private static EdgeIngestConfig config(final String nodeId, final int endpointOffset)
    {
        final EdgeIngestConfig config = grid.ingestConfig(nodeId, endpointOffset, journals.resolve(nodeId), KEYS);
        config.maxDrones = 50_000;
        config.droneIdMax = MAX_DRONE_ID;
        return config;
    }

    static Stream<Arguments> badFrames()
    {
        final int body = MessageHeaderEncoder.ENCODED_LENGTH;
        return Stream.of(
            bad("unknown schema id", RejectReason.UNKNOWN_SCHEMA, 0, b -> b.putShort(4, (short)4242)),
            bad("unknown template id", RejectReason.UNKNOWN_TEMPLATE, 0, b -> b.putShort(2, (short)99)),
            bad("newer schema version", RejectReason.UNSUPPORTED_VERSION, 0, b -> b.putShort(6, (short)5)),
            bad("header only", RejectReason.TRUNCATED, TelemetryEncoder.BLOCK_LENGTH, b -> { }),
            bad("shorter than a header", RejectReason.TRUNCATED, TelemetryEncoder.BLOCK_LENGTH + 3, b -> { }),
            bad("header claims more than was sent", RejectReason.TRUNCATED, 10, b -> { }),
            bad("latitude above 90", RejectReason.LATITUDE_OUT_OF_RANGE, 0,
                b -> b.putDouble(body + TelemetryEncoder.latitudeEncodingOffset(), 91.0)),
            bad("NaN latitude", RejectReason.LATITUDE_OUT_OF_RANGE, 0,
                b -> b.putDouble(body + TelemetryEncoder.latitudeEncodingOffset(), Double.NaN)),
            bad("longitude below -180", RejectReason.LONGITUDE_OUT_OF_RANGE, 0,
                b -> b.putDouble(body + TelemetryEncoder.longitudeEncodingOffset(), -181.0)),
            bad("battery 101", RejectReason.BATTERY_OUT_OF_RANGE, 0,
                b -> b.putFloat(body + TelemetryEncoder.batteryEncodingOffset(), 101f)),
            bad("battery -1", RejectReason.BATTERY_OUT_OF_RANGE, 0,
                b -> b.putFloat(body + TelemetryEncoder.batteryEncodingOffset(), -1f)),
            bad("altitude 50 km", RejectReason.ALTITUDE_OUT_OF_RANGE, 0,
                b -> b.putFloat(body + TelemetryEncoder.altitudeEncodingOffset(), 50_000f)),
            bad("heading 360", RejectReason.HEADING_OUT_OF_RANGE, 0,
                b -> b.putFloat(body + TelemetryEncoder.headingEncodingOffset(), 360f)),
            bad("negative speed", RejectReason.NEGATIVE_SPEED, 0,
                b -> b.putFloat(body + TelemetryEncoder.groundSpeedEncodingOffset(), -3f)),
            bad("sent three days ahead of its signed time", RejectReason.SENT_TIME_OUT_OF_WINDOW, 0,
                b -> b.putLong(body + TelemetryEncoder.sentAtNanosEncodingOffset(),
                    System.currentTimeMillis() * 1_000_000L + TimeUnit.DAYS.toNanos(3))),
            bad("unknown status", RejectReason.UNKNOWN_STATUS, 0,
                b -> b.putByte(body + TelemetryEncoder.statusEncodingOffset(), (byte)77)),
            bad("drone id 0", RejectReason.INVALID_DRONE_ID, 0,
                b -> b.putLong(body + TelemetryEncoder.droneIdEncodingOffset(), 0L)),
            bad("drone id above the configured maximum", RejectReason.DRONE_ID_OUT_OF_RANGE, 0,
                b -> b.putLong(body + TelemetryEncoder.droneIdEncodingOffset(), MAX_DRONE_ID + 1)),
            bad("drone id 2^53, beyond what a JSON client reads exactly", RejectReason.DRONE_ID_OUT_OF_RANGE, 0,
                b -> b.putLong(body + TelemetryEncoder.droneIdEncodingOffset(), 1L << 53)),
            bad("drone id 2^63 - 1", RejectReason.DRONE_ID_OUT_OF_RANGE, 0,
                b -> b.putLong(body + TelemetryEncoder.droneIdEncodingOffset(), Long.MAX_VALUE)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badFrames")
    void shouldRejectABadFrameCountItsReasonAndCarryOn(
        final String name, final RejectReason reason, final int cutBytes, final Consumer<UnsafeBuffer> corruption)
    {
        final long drone = NEXT_DRONE.getAndIncrement();
        final Map<RejectReason, Long> before = rejectedCounts();
        final long acceptedBefore = ingest.acceptedCount();
        final int length = telemetry(drone, 1, 10.0);
        corruption.accept(buffer);
        // Signed as its drone would have sent it: these are a drone's mistakes, not forgeries (those are below).
        signer.sign(buffer, 0, length);
        offer(publication, length - cutBytes);

        await().atMost(10, TimeUnit.SECONDS).until(() -> ingest.rejectedCount(reason) == before.get(reason) + 1);

        // The very next good frame is accepted and reaches the fleet map.
        offer(publication, telemetry(drone, 2, 20.0));
        awaitState(drone, 2);
        final DroneState state = fleet.get(drone);
        assertThat(state.latitude()).isEqualTo(20.0);
        assertThat(state.ingestNode()).isEqualTo("ingest-a");
        assertThat(ingest.acceptedCount()).isEqualTo(acceptedBefore + 1);
        assertOnlyChanged(before, reason, 1);
    }

    @Test
    void shouldJournalEveryAcceptedFrameAndQuarantineRefusedOnesWithTheirCause()
    {
        final long drone = NEXT_DRONE.getAndIncrement();
        offer(publication, telemetry(drone, 1, 50.0));
        offer(publication, telemetry(drone, 2, 95.0));
        offer(publication, telemetry(drone, 3, 51.0));
        awaitState(drone, 3);

        // Read the node's journals as the archiver would: a separate queue instance on the same directories.
        final TelemetryFrameReader reader = new TelemetryFrameReader();
        final List<Long> journaled = new ArrayList<>();
        final List<String> quarantined = new ArrayList<>();
        try (ChronicleQueue telemetry = SingleChronicleQueueBuilder.single(
                ingest.journalRoot().resolve(JournalLayout.TELEMETRY).toFile()).readOnly(true).build();
            ChronicleQueue quarantine = SingleChronicleQueueBuilder.single(
                ingest.journalRoot().resolve(JournalLayout.QUARANTINE).toFile()).readOnly(true).build())
        {
            final JournalEntry entry = JournalEntry.telemetry();
            final ExcerptTailer tailer = telemetry.createTailer();
            while (entry.readNext(tailer))
            {
                assertThat(reader.read(entry.frame(), 0, entry.frameLength())).isEqualTo(TelemetryFrameReader.TELEMETRY);
                if (reader.telemetry().droneId() == drone)
                {
                    journaled.add(reader.telemetry().sequence());
                    assertThat(entry.receivedAtNanos()).isGreaterThanOrEqualTo(reader.telemetry().sentAtNanos());
                }
            }
            final JournalEntry refused = JournalEntry.quarantine();
            final ExcerptTailer quarantineTailer = quarantine.createTailer();
            while (refused.readNext(quarantineTailer))
            {
                if (reader.read(refused.frame(), 0, refused.frameLength()) == TelemetryFrameReader.REJECTED &&
                    refused.frameLength() >= 16 && refused.frame().getLong(8) == drone)
                {
                    quarantined.add(JournalLayout.causeName(refused.cause()));
                }
            }
        }
        assertThat(journaled).containsExactly(1L, 3L);
        assertThat(quarantined).containsExactly("LATITUDE_OUT_OF_RANGE");
        assertThat(ingest.journaledCount()).isGreaterThanOrEqualTo(2);
        assertThat(ingest.quarantinedCount()).isGreaterThanOrEqualTo(1);
        assertThat(ingest.journalFailures()).isZero();
    }

    @Test
    void shouldRefuseAnOlderFrameFromAnotherLinkOfTheSameDroneAsStale()
    {
        final long drone = NEXT_DRONE.getAndIncrement();
        // Signed first on a second radio link, delivered last: authentic and fresh on its link, but older than what
        // the drone said since, so not a restart either.
        final TelemetryFrameWriter secondLink = new TelemetryFrameWriter().signWith(TestDroneKeys.signer(KEYS, 10));
        final int length = secondLink.telemetry(buffer, 0, drone, 4, System.currentTimeMillis() * 1_000_000L, 32.0,
            13.4, 50f, 90f, 10f, 75f, DroneStatus.CRUISING, (byte)0, 0.5f);
        final UnsafeBuffer late = new UnsafeBuffer(new byte[length]);
        late.putBytes(0, buffer, 0, length);
        offer(publication, telemetry(drone, 5, 30.0));
        awaitState(drone, 5);
        final Map<RejectReason, Long> before = rejectedCounts();

        buffer.putBytes(0, late, 0, length);
        offer(publication, length);
        await().atMost(10, TimeUnit.SECONDS).until(
            () -> ingest.rejectedCount(RejectReason.STALE_SEQUENCE) == before.get(RejectReason.STALE_SEQUENCE) + 1);
        assertThat(fleet.get(drone).latitude()).as("a stale frame never reaches the map").isEqualTo(30.0);

        offer(publication, telemetry(drone, 6, 33.0));
        awaitState(drone, 6);
        assertThat(fleet.get(drone).latitude()).isEqualTo(33.0);
        assertOnlyChanged(before, RejectReason.STALE_SEQUENCE, 1);
    }

    @Test
    void shouldRefuseEveryUnsignedFrameFromALegacySenderWithItsReasonAndTakeNothingFromIt()
    {
        final long drone = NEXT_DRONE.getAndIncrement();
        final Map<RejectReason, Long> before = rejectedCounts();
        final long heartbeatsBefore = ingest.heartbeatCount();
        final TelemetryFrameWriter legacy = new TelemetryFrameWriter();
        int length = legacy.telemetry(buffer, 0, drone, 1, System.currentTimeMillis() * 1_000_000L, 40.0, 13.4, 50f,
            90f, 10f, 75f, DroneStatus.CRUISING, (byte)0, 0.5f);
        // A version-3 sender: the block ends before the signature.
        buffer.putShort(0, (short)TelemetryEncoder.linkIdEncodingOffset());
        buffer.putShort(6, (short)3);
        offer(publication, length - (TelemetryEncoder.BLOCK_LENGTH - TelemetryEncoder.linkIdEncodingOffset()));
        // A version-1 sender: shorter still, no climbRate.
        length = legacy.telemetry(buffer, 0, drone, 2, System.currentTimeMillis() * 1_000_000L, 40.0, 13.4, 50f, 90f,
            10f, 75f, DroneStatus.CRUISING, (byte)0, 0.5f);
        buffer.putShort(0, (short)TelemetryFrameReader.TELEMETRY_V1_BLOCK_LENGTH);
        buffer.putShort(6, (short)1);
        offer(publication, length - (TelemetryEncoder.BLOCK_LENGTH - TelemetryFrameReader.TELEMETRY_V1_BLOCK_LENGTH));
        // And a heartbeat of the current version that nobody signed.
        offer(publication, legacy.heartbeat(buffer, 0, drone, System.currentTimeMillis() * 1_000_000L, 2));

        await().atMost(10, TimeUnit.SECONDS).until(
            () -> ingest.rejectedCount(RejectReason.UNSIGNED) + ingest.rejectedCount(RejectReason.BAD_SIGNATURE) ==
                before.get(RejectReason.UNSIGNED) + before.get(RejectReason.BAD_SIGNATURE) + 3);
        assertThat(ingest.rejectedCount(RejectReason.UNSIGNED)).isEqualTo(before.get(RejectReason.UNSIGNED) + 2);
        assertThat(ingest.rejectedCount(RejectReason.BAD_SIGNATURE))
            .as("an empty signature").isEqualTo(before.get(RejectReason.BAD_SIGNATURE) + 1);
        assertThat(fleet.get(drone)).isNull();
        assertThat(ingest.heartbeatCount()).as("only verified heartbeats count").isEqualTo(heartbeatsBefore);
    }

    @Test
    void shouldNotLetAForgedFrameWithAHugeSequencePinADroneWhileItKeepsFlying()
    {
        final long drone = NEXT_DRONE.getAndIncrement();
        offer(publication, telemetry(drone, 1, 10.0));
        awaitState(drone, 1);
        final Map<RejectReason, Long> before = rejectedCounts();

        // The attack of issue 11: (0, 0), 3 %, EMERGENCY, sequence near Long.MAX_VALUE, from someone without the key.
        final byte[] guessedKey = new byte[DroneKey.LENGTH];
        final TelemetryFrameWriter forger = new TelemetryFrameWriter().signWith(new FrameSigner(
            DroneKeyRing.of(DroneKeys.of(new DroneKey(drone, guessedKey))), System::nanoTime, 9));
        final int forged = forger.telemetry(buffer, 0, drone, Long.MAX_VALUE - 1, System.currentTimeMillis() * 1_000_000L,
            0.0, 0.0, 0f, 0f, 0f, 3f, DroneStatus.EMERGENCY, (byte)0, 0f);
        offer(publication, forged);
        await().atMost(10, TimeUnit.SECONDS).until(() -> ingest.rejectedCount(RejectReason.BAD_SIGNATURE) ==
            before.get(RejectReason.BAD_SIGNATURE) + 1);

        offer(publication, telemetry(drone, 2, 11.0));
        awaitState(drone, 2);
        assertThat(fleet.get(drone).status()).isEqualTo("CRUISING");
        assertThat(fleet.get(drone).latitude()).isEqualTo(11.0);
        assertOnlyChanged(before, RejectReason.BAD_SIGNATURE, 1);
    }

    @Test
    void shouldRefuseASignedFrameWhoseSequenceLeapsFurtherThanTheDroneCouldHaveCounted()
    {
        final long drone = NEXT_DRONE.getAndIncrement();
        offer(publication, telemetry(drone, 1, 10.0));
        awaitState(drone, 1);
        final Map<RejectReason, Long> before = rejectedCounts();

        offer(publication, telemetry(drone, Long.MAX_VALUE - 1, 12.0));
        await().atMost(10, TimeUnit.SECONDS).until(() -> ingest.rejectedCount(RejectReason.SEQUENCE_JUMP) ==
            before.get(RejectReason.SEQUENCE_JUMP) + 1);
        offer(publication, telemetry(drone, 2, 11.0));
        awaitState(drone, 2);
        assertOnlyChanged(before, RejectReason.SEQUENCE_JUMP, 1);
    }

    @Test
    void shouldTakeADroneWhoseSequenceLeapsToItsBootTimeAsARestartedSimulatorsDoes()
    {
        // A restarted simulator numbers from its boot time in milliseconds of the signing clock: far ahead of its last
        // run, and no further than a signed frame's own clock explains. Taken at once, not locked out.
        final long drone = NEXT_DRONE.getAndIncrement();
        offer(publication, telemetry(drone, 1, 10.0));
        awaitState(drone, 1);
        final Map<RejectReason, Long> before = rejectedCounts();

        final long bootBase = FrameSignature.timestampOf(System.currentTimeMillis() * 1_000_000L) / 100;
        offer(publication, telemetry(drone, bootBase + 1, 12.0));
        awaitState(drone, bootBase + 1);
        offer(publication, telemetry(drone, bootBase + 2, 12.5));
        awaitState(drone, bootBase + 2);
        assertThat(rejectedCounts()).isEqualTo(before);
    }

    @Test
    void shouldRefuseACapturedFrameSentAgain()
    {
        final long drone = NEXT_DRONE.getAndIncrement();
        final int length = telemetry(drone, 1, 10.0);
        final UnsafeBuffer captured = new UnsafeBuffer(new byte[length]);
        captured.putBytes(0, buffer, 0, length);
        offer(publication, length);
        awaitState(drone, 1);
        offer(publication, telemetry(drone, 2, 11.0));
        awaitState(drone, 2);
        final Map<RejectReason, Long> before = rejectedCounts();

        buffer.putBytes(0, captured, 0, length);
        offer(publication, length);
        await().atMost(10, TimeUnit.SECONDS).until(() -> ingest.rejectedCount(RejectReason.REPLAYED) ==
            before.get(RejectReason.REPLAYED) + 1);
        assertThat(fleet.get(drone).latitude()).isEqualTo(11.0);
        assertOnlyChanged(before, RejectReason.REPLAYED, 1);
    }

    @Test
    void shouldRefuseFramesSignedFarFromTheNodesClockOrForADroneWithoutAKey()
    {
        final long drone = NEXT_DRONE.getAndIncrement();
        final Map<RejectReason, Long> before = rejectedCounts();
        final long tenMinutes = TimeUnit.MINUTES.toNanos(10);
        final TelemetryFrameWriter late = new TelemetryFrameWriter().signWith(new FrameSigner(
            DroneKeyRing.load(EdgeIngestConfig.DRONE_KEYS, KEYS), () -> System.currentTimeMillis() * 1_000_000L -
            tenMinutes, 9));
        offer(publication, late.heartbeat(buffer, 0, drone, System.currentTimeMillis() * 1_000_000L, 0));
        final TelemetryFrameWriter keyless = new TelemetryFrameWriter().signWith(new FrameSigner(
            DroneKeyRing.of(DroneKeys.of(new DroneKey(DRONE_WITHOUT_KEY, new byte[DroneKey.LENGTH]))),
            System::nanoTime, 9));
        offer(publication, keyless.heartbeat(buffer, 0, DRONE_WITHOUT_KEY, System.currentTimeMillis() * 1_000_000L, 0));

        await().atMost(10, TimeUnit.SECONDS).until(() ->
            ingest.rejectedCount(RejectReason.TIMESTAMP_OUT_OF_WINDOW) ==
                before.get(RejectReason.TIMESTAMP_OUT_OF_WINDOW) + 1 &&
            ingest.rejectedCount(RejectReason.UNKNOWN_KEY) == before.get(RejectReason.UNKNOWN_KEY) + 1);
    }

    @Test
    void shouldTakeBackADroneThatRestartsCountingFromOneWithinASecond()
    {
        final long drone = NEXT_DRONE.getAndIncrement();
        offer(publication, telemetry(drone, 500, 10.0));
        awaitState(drone, 500);
        final long restartsBefore = ingest.restartedCount();

        // The drone reboots: its sequence starts again, its signed timestamp moves on.
        offer(publication, telemetry(drone, 1, 42.0));
        final long sent = System.nanoTime();
        await().atMost(1, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(10))
            .until(() -> fleet.get(drone).latitude() == 42.0);
        LOG.info("restarted drone back on the map after {} ms", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent));
        assertThat(fleet.get(drone).sequence()).as("published sequences only grow").isEqualTo(501);
        assertThat(ingest.restartedCount()).isEqualTo(restartsBefore + 1);

        offer(publication, telemetry(drone, 2, 43.0));
        awaitState(drone, 502);
    }

    @Test
    void shouldLeaveTheNewestStateInTheMapAfterABurst()
    {
        final long drone = NEXT_DRONE.getAndIncrement();
        for (int seq = 1; seq <= 500; seq++)
        {
            offer(publication, telemetry(drone, seq, seq / 10.0));
        }
        awaitState(drone, 500);
        assertThat(fleet.get(drone).latitude()).isEqualTo(50.0);
    }

    @Test
    void shouldCountHeartbeatsWithoutWritingState()
    {
        final long drone = NEXT_DRONE.getAndIncrement();
        final long before = ingest.heartbeatCount();
        final long dronesBefore = ingest.dronesKnown();
        offer(publication, writer.heartbeat(buffer, 0, drone, System.currentTimeMillis() * 1_000_000L, 0));

        await().atMost(10, TimeUnit.SECONDS).until(() -> ingest.heartbeatCount() == before + 1);
        assertThat(ingest.dronesKnown()).isEqualTo(dronesBefore + 1);
        offer(publication, telemetry(drone, 1, 5.0));
        awaitState(drone, 1);
    }

    /**
     * Not a benchmark (nothing about time is asserted): full-rate bursts from 10,000 drones through real UDP and a
     * real member, checking that every drone ends at its newest state, and logging what each burst achieved. The
     * first round runs cold (JIT, grid partitions' first writes), the later ones warm.
     */
    @Test
    void shouldLeaveEveryDroneAtItsNewestStateAfterBurstsFromManyDrones()
    {
        final int drones = 10_000;
        final int framesPerDrone = 10;
        final long firstDrone = 1_000_000;
        final Set<Long> keys = new HashSet<>();
        for (long drone = firstDrone; drone < firstDrone + drones; drone++)
        {
            keys.add(drone);
        }

        for (int round = 1; round <= 3; round++)
        {
            final long acceptedBefore = ingest.acceptedCount();
            final long flushesBefore = ingest.gridFlushes();
            final long writtenBefore = ingest.gridEntriesWritten();
            final int firstSeq = (round - 1) * framesPerDrone + 1;
            final int lastSeq = round * framesPerDrone;

            final long start = System.nanoTime();
            for (int seq = firstSeq; seq <= lastSeq; seq++)
            {
                for (long drone = firstDrone; drone < firstDrone + drones; drone++)
                {
                    offer(publication, telemetry(drone, seq, seq % 90));
                }
            }
            final long sent = System.nanoTime();
            await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(5))
                .until(() -> ingest.acceptedCount() - acceptedBefore == (long)drones * framesPerDrone);
            final long accepted = System.nanoTime();
            // Timed on the node's own view (cheap to poll), then checked in the grid itself.
            await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(2))
                .until(() -> ingest.dirtyDrones() == 0 && !ingest.flushInFlight());
            final long inGrid = System.nanoTime();
            await().atMost(30, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                assertThat(fleet.getAll(keys).values()).hasSize(drones)
                    .allSatisfy(state -> assertThat(state.sequence()).isEqualTo(lastSeq)));

            final long frames = (long)drones * framesPerDrone;
            final long flushes = ingest.gridFlushes() - flushesBefore;
            final long written = ingest.gridEntriesWritten() - writtenBefore;
            LOG.info("burst {}: {} frames from {} drones offered in {} ms ({} frames/s), all accepted after {} ms " +
                "({} frames/s), all newest states acknowledged by the grid after {} ms; {} batches, {} entries written " +
                "({} per batch on average, {} frames per grid entry written)",
                round, frames, drones, millis(sent - start), perSecond(frames, sent - start), millis(accepted - start),
                perSecond(frames, accepted - start), millis(inGrid - start), flushes, written,
                flushes == 0 ? 0 : written / flushes, written == 0 ? 0 : frames / written);
        }
    }

    @Test
    void shouldLetTwoIngestNodesWriteTheirOwnDronesIntoOneGrid()
    {
        final long first = NEXT_DRONE.getAndIncrement();
        final long second = NEXT_DRONE.getAndIncrement();
        offer(publication, telemetry(first, 1, 1.5));
        offer(secondPublication, telemetry(second, 1, 2.5));
        awaitState(first, 1);
        awaitState(second, 1);
        assertThat(fleet.get(first).ingestNode()).isEqualTo("ingest-a");
        assertThat(fleet.get(second).ingestNode()).isEqualTo("ingest-b");
    }

    @Test
    void shouldExposeEveryRejectReasonAndHealthOverHttp() throws Exception
    {
        final long batteryBefore = ingest.rejectedCount(RejectReason.BATTERY_OUT_OF_RANGE);
        final int length = telemetry(NEXT_DRONE.getAndIncrement(), 1, 10.0);
        buffer.putFloat(MessageHeaderEncoder.ENCODED_LENGTH + TelemetryEncoder.batteryEncodingOffset(), 250f);
        signer.sign(buffer, 0, length);
        offer(publication, length);
        await().atMost(10, TimeUnit.SECONDS).until(
            () -> ingest.rejectedCount(RejectReason.BATTERY_OUT_OF_RANGE) == batteryBefore + 1);

        // And one accepted, so the node has done work to cost.
        final long accepted = NEXT_DRONE.getAndIncrement();
        offer(publication, telemetry(accepted, 1, 10.0));
        awaitState(accepted, 1);

        final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        final String metrics = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + ingest.statusPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        for (final RejectReason reason : RejectReason.values())
        {
            assertThat(metrics).contains("odyssey_ingest_frames_rejected_total{role=\"edge-ingest\",reason=\"" + reason +
                "\"} " + ingest.rejectedCount(reason) + "\n");
        }
        assertThat(metrics).contains("odyssey_ingest_frames_rejected_total{role=\"edge-ingest\",reason=\"BATTERY_OUT_OF_RANGE\"} " +
            (batteryBefore + 1) + "\n");
        assertThat(metrics).contains(
            "odyssey_ingest_frames_received_total{role=\"edge-ingest\"}",
            "odyssey_ingest_frames_accepted_total{role=\"edge-ingest\"} " + ingest.acceptedCount() + "\n",
            "odyssey_ingest_frames_malformed_total{role=\"edge-ingest\"} 0\n",
            "odyssey_ingest_drones_expired_total{role=\"edge-ingest\"} 0\n",
            "odyssey_ingest_drones_restarted_total{role=\"edge-ingest\"}",
            "odyssey_ingest_drone_keys{role=\"edge-ingest\"} 11000\n",
            "odyssey_ingest_fleet_entries_expired_total{role=\"edge-ingest\"}",
            "odyssey_ingest_alert_drones{role=\"edge-ingest\"}",
            "odyssey_ingest_heartbeats_total{role=\"edge-ingest\"}",
            "odyssey_ingest_grid_flushes_total{role=\"edge-ingest\"}",
            "odyssey_ingest_grid_entries_written_total{role=\"edge-ingest\"}",
            "odyssey_ingest_grid_write_failures_total{role=\"edge-ingest\"} 0\n",
            "odyssey_ingest_drones{role=\"edge-ingest\"}",
            "odyssey_ingest_dirty_drones{role=\"edge-ingest\"}",
            "odyssey_ingest_grid_flush_in_flight{role=\"edge-ingest\"}",
            "odyssey_ingest_aeron_images{role=\"edge-ingest\"} 1\n",
            "odyssey_hop_latency_seconds_count{role=\"edge-ingest\",hop=\"ingest_decoded\"}",
            "odyssey_hop_latency_seconds_count{role=\"edge-ingest\",hop=\"grid_written\"}",
            "odyssey_ingest_commands_expired_total{role=\"edge-ingest\"} 0\n");
        // The journal's file system, for the "journal disk filling" alert: real figures, free within the size.
        final double free = gauge(metrics, "odyssey_ingest_journal_disk_free_bytes{role=\"edge-ingest\"}");
        final double size = gauge(metrics, "odyssey_ingest_journal_disk_size_bytes{role=\"edge-ingest\"}");
        assertThat(free).isPositive().isLessThanOrEqualTo(size);
        // What a frame costs the node: its process CPU over the frames it accepted (issue 14's split per process).
        final double cpuSeconds = gauge(metrics, "odyssey_ingest_cpu_seconds{role=\"edge-ingest\"}");
        final double perFrame = gauge(metrics, "odyssey_ingest_cpu_ns_per_frame{role=\"edge-ingest\"}");
        assertThat(cpuSeconds).isPositive();
        assertThat(perFrame).isPositive()
            .isLessThanOrEqualTo(cpuSeconds * 1e9 / gauge(metrics, "odyssey_ingest_frames_accepted_total{role=\"edge-ingest\"}") * 1.5);

        final HttpResponse<String> health = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + ingest.statusPort() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains(
            "\"status\":\"UP\"", "\"aeron\":{\"healthy\":true", "\"grid\":{\"healthy\":true");
    }

    @Test
    void shouldCountEveryFrameOfAFloodWithoutKeysButQuarantineOnlyItsBudget() throws Exception
    {
        final Map<RejectReason, Long> before = rejectedCounts();
        final long quarantinedBefore = ingest.quarantinedCount();
        final long skippedBefore = quarantineSkipped(RejectReason.UNSIGNED);
        final long start = System.nanoTime();
        final int flood = 2_000;
        for (int i = 0; i < flood; i++)
        {
            // Schema version 3, before signatures: what anyone can send, refused UNSIGNED.
            final int length = new TelemetryFrameWriter().telemetry(buffer, 0, NEXT_DRONE.get(), i + 1,
                System.currentTimeMillis() * 1_000_000L, 10.0, 13.4, 50f, 90f, 10f, 75f, DroneStatus.CRUISING, (byte)0, 0f);
            buffer.putShort(6, (short)3);
            offer(publication, length);
        }
        await().atMost(30, TimeUnit.SECONDS).until(
            () -> ingest.rejectedCount(RejectReason.UNSIGNED) == before.get(RejectReason.UNSIGNED) + flood);
        final long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start) + 1;

        final long kept = ingest.quarantinedCount() - quarantinedBefore;
        // ODYSSEY_INGEST_QUARANTINE_UNAUTHENTICATED_PER_S is 1 by default: one a second, not 2,000 entries of disk.
        assertThat(kept).as("quarantined in %d s", seconds).isLessThanOrEqualTo(seconds + 1);
        assertThat(quarantineSkipped(RejectReason.UNSIGNED) - skippedBefore).isEqualTo(flood - kept);
        assertOnlyChanged(before, RejectReason.UNSIGNED, flood);
    }

    private static long quarantineSkipped(final RejectReason reason) throws Exception
    {
        final String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + ingest.statusPort() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        return (long)gauge(metrics,
            "odyssey_ingest_quarantine_skipped_total{role=\"edge-ingest\",reason=\"" + reason + "\"}");
    }

    private int telemetry(final long drone, final long sequence, final double latitude)
    {
        return writer.telemetry(buffer, 0, drone, sequence, System.currentTimeMillis() * 1_000_000L, latitude, 13.4,
            50f, 90f, 10f, 75f, DroneStatus.CRUISING, (byte)0, 0.5f);
    }

    private void offer(final ExclusivePublication target, final int length)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (target.offer(buffer, 0, length) < 0)
        {
            assertThat(System.nanoTime()).as("offer within 5 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static void awaitState(final long drone, final long sequence)
    {
        await().atMost(15, TimeUnit.SECONDS).untilAsserted(() ->
        {
            final DroneState state = fleet.get(drone);
            assertThat(state).as("drone %d in the fleet map", drone).isNotNull();
            assertThat(state.sequence()).isEqualTo(sequence);
        });
    }

    private static Map<RejectReason, Long> rejectedCounts()
    {
        final Map<RejectReason, Long> counts = new EnumMap<>(RejectReason.class);
        for (final RejectReason reason : RejectReason.values())
        {
            counts.put(reason, ingest.rejectedCount(reason));
        }
        return counts;
    }

    /** Exactly one counter moved, by exactly the expected amount; nothing was counted as malformed or dropped. */
    private static void assertOnlyChanged(final Map<RejectReason, Long> before, final RejectReason reason, final long by)
    {
        final Map<RejectReason, Long> expected = new EnumMap<>(before);
        expected.put(reason, before.get(reason) + by);
        assertThat(rejectedCounts()).isEqualTo(expected);
        assertThat(ingest.malformedCount()).isZero();
    }

    private static long millis(final long nanos)
    {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static long perSecond(final long count, final long nanos)
    {
        return nanos == 0 ? 0 : count * 1_000_000_000L / nanos;
    }

    private static Arguments bad(
        final String name, final RejectReason reason, final int cutBytes, final Consumer<UnsafeBuffer> corruption)
    {
        return Arguments.of(name, reason, cutBytes, corruption);
    }

    private static double gauge(final String metrics, final String series)
    {
        return metrics.lines().filter(line -> line.startsWith(series + " ")).findFirst()
            .map(line -> Double.parseDouble(line.substring(series.length() + 1)))
            .orElseThrow(() -> new AssertionError(series + " is not in /metrics"));
    }
}
