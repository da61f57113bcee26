package io.odyssey.ingest;

import io.odyssey.codecs.RejectReason;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.codecs.sbe.MessageHeaderEncoder;
import io.odyssey.codecs.sbe.TelemetryEncoder;
import io.odyssey.grid.DroneState;
import io.odyssey.journal.FrameJournal;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent's rules without Aeron or a grid: frames are handed to {@link TelemetryIngestAgent#onFragment} directly,
 * time comes from a clock the test moves, and the grid is a {@link FleetWriter} whose answers the test gives.
 */
class TelemetryIngestAgentTest
{
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final int CAPACITY = 4;
    private static final long FLUSH_INTERVAL_MS = 5;

    private final AtomicLong now = new AtomicLong(1_700_000_000_000_000_000L);
    private final List<Map<Long, DroneState>> batches = new ArrayList<>();
    private final List<CompletableFuture<Void>> answers = new ArrayList<>();
    private final IngestMetrics metrics = new IngestMetrics();
    private final LatestStateTable table = new LatestStateTable(CAPACITY);
    private final TelemetryIngestAgent agent = new TelemetryIngestAgent(FrameSource.NONE, FrameJournal.NONE, batch ->
    {
        batches.add(batch);
        final CompletableFuture<Void> answer = new CompletableFuture<>();
        answers.add(answer);
        return answer;
    }, now::get, now::get, "node-t", 256, FLUSH_INTERVAL_MS, table, metrics);
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[128]);
    private final TelemetryFrameWriter writer = new TelemetryFrameWriter();

    @Test
    void shouldAcceptOnlySequencesNewerThanTheLastAcceptedForThatDrone()
    {
        telemetry(1, 5, 10.0);
        telemetry(1, 5, 11.0);
        telemetry(1, 4, 12.0);
        telemetry(2, 1, 20.0);
        telemetry(1, 6, 13.0);

        assertThat(metrics.framesAccepted.get()).isEqualTo(3);
        assertThat(rejected()).containsExactly(Map.entry(RejectReason.STALE_SEQUENCE, 2L));
        agent.serviceGrid();
        assertThat(batches).hasSize(1);
        assertThat(batches.get(0).get(1L).sequence()).isEqualTo(6);
        assertThat(batches.get(0).get(1L).latitude()).isEqualTo(13.0);
        assertThat(batches.get(0).get(2L).sequence()).isEqualTo(1);
    }

    @Test
    void shouldDropFramesFromDronesBeyondCapacityAndKeepServingKnownOnes()
    {
        for (long drone = 1; drone <= CAPACITY; drone++)
        {
            telemetry(drone, 1, 1.0);
        }
        telemetry(CAPACITY + 1, 1, 1.0);
        heartbeat(CAPACITY + 2);
        telemetry(2, 2, 2.0);

        assertThat(metrics.framesAccepted.get()).isEqualTo(CAPACITY + 1);
        assertThat(rejected()).containsExactly(Map.entry(RejectReason.DRONE_CAPACITY, 2L));
        assertThat(table.size()).isEqualTo(CAPACITY);
        agent.serviceGrid();
        assertThat(batches.get(0)).containsOnlyKeys(1L, 2L, 3L, 4L);
        assertThat(batches.get(0).get(2L).sequence()).isEqualTo(2);
    }

    @Test
    void shouldFreeTheSlotsOfDronesSilentForTheExpirySoNewDronesFindRoom()
    {
        final List<String> links = new ArrayList<>();
        agent.commandLink(link(links));
        agent.expireAfter(TimeUnit.SECONDS.toNanos(10));
        for (long drone = 1; drone <= CAPACITY; drone++)
        {
            telemetry(drone, 1, 1.0);
        }
        agent.onFragment(buffer, 0, writer.heartbeat(buffer, 0, 3, now.get(), 1, 0x7F00_0001, 40125), null);
        flushAndAnswer();
        now.addAndGet(TimeUnit.SECONDS.toNanos(6));
        telemetry(1, 2, 1.5);
        heartbeat(2);
        flushAndAnswer();
        now.addAndGet(TimeUnit.SECONDS.toNanos(5));
        telemetry(5, 1, 5.0);
        assertThat(rejected()).as("full until something expires").containsExactly(Map.entry(RejectReason.DRONE_CAPACITY, 1L));

        evictAll();
        assertThat(metrics.dronesExpired.get()).as("3 and 4, silent for 11 s; 1 and 2 were heard 5 s ago").isEqualTo(2);
        assertThat(table.size()).isEqualTo(2);
        assertThat(links).as("the evicted drone's command link is forgotten").containsExactly(
            "3 -> 2130706433:40125", "3 -> 0:0");
        telemetry(5, 2, 5.0);
        telemetry(6, 1, 6.0);
        assertThat(table.size()).isEqualTo(CAPACITY);
        assertThat(rejected()).containsExactly(Map.entry(RejectReason.DRONE_CAPACITY, 1L));
        assertThat(metrics.framesAccepted.get()).isEqualTo(CAPACITY + 1 + 2);
        agent.serviceGrid();
        assertThat(batches.get(batches.size() - 1)).containsOnlyKeys(5L, 6L);
    }

    @Test
    void shouldNeverEvictADroneWhoseStateTheGridHasNotTakenYet()
    {
        agent.expireAfter(TimeUnit.SECONDS.toNanos(10));
        telemetry(1, 1, 1.0);
        agent.serviceGrid();
        now.addAndGet(TimeUnit.SECONDS.toNanos(60));
        evictAll();
        assertThat(table.size()).as("not while its batch is in flight").isEqualTo(1);
        answers.get(0).completeExceptionally(new IllegalStateException("grid away"));
        agent.serviceGrid();
        evictAll();
        assertThat(table.size()).as("not while its newest state waits for the grid").isEqualTo(1);
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        agent.serviceGrid();
        answers.get(1).complete(null);
        agent.serviceGrid();
        evictAll();
        assertThat(table.size()).isZero();
        assertThat(metrics.dronesExpired.get()).isEqualTo(1);
    }

    @Test
    void shouldRefuseDroneIdsOutsideTheConfiguredRange()
    {
        agent.droneIds(10, 20);
        telemetry(9, 1, 1.0);
        telemetry(21, 1, 1.0);
        heartbeat(30);
        telemetry(10, 1, 1.0);
        assertThat(rejected()).containsExactly(Map.entry(RejectReason.DRONE_ID_OUT_OF_RANGE, 3L));
        assertThat(table.size()).as("refused ids take no slot").isEqualTo(1);
    }

    private void flushAndAnswer()
    {
        agent.serviceGrid();
        answers.get(answers.size() - 1).complete(null);
        agent.serviceGrid();
    }

    /** Enough duty cycles for a full pass over the table. */
    private void evictAll()
    {
        for (int i = 0; i < CAPACITY; i++)
        {
            agent.evictSilentDrones();
        }
    }

    private static io.odyssey.relay.CommandLink link(final List<String> links)
    {
        return new io.odyssey.relay.CommandLink()
        {
            public void onLink(
                final long droneId, final int address, final int port, final long imageId, final String source)
            {
                links.add(droneId + " -> " + address + ":" + port);
            }

            public void onCommandStatus(final io.odyssey.codecs.sbe.CommandStatusDecoder status, final long at)
            {
            }
        };
    }

    @Test
    void shouldCountHeartbeatsAndRememberWhenEachDroneWasLastHeard()
    {
        heartbeat(9);
        final long heardAt = now.get();
        now.addAndGet(MS);
        telemetry(3, 1, 1.0);
        heartbeat(3);

        assertThat(metrics.heartbeats.get()).isEqualTo(2);
        assertThat(table.lastHeardNanos(table.existingSlot(9))).isEqualTo(heardAt);
        assertThat(table.lastHeardNanos(table.existingSlot(3))).isEqualTo(now.get());
        agent.serviceGrid();
        // A heartbeat carries no state: only the drone that sent telemetry is written.
        assertThat(batches.get(0)).containsOnlyKeys(3L);
    }

    @Test
    void shouldCountEachReaderRejectionUnderItsOwnReasonAndCarryOn()
    {
        final int body = MessageHeaderEncoder.ENCODED_LENGTH;
        final int length = frame(7, 1, 10.0);
        buffer.putFloat(body + TelemetryEncoder.batteryEncodingOffset(), 101f);
        agent.onFragment(buffer, 0, length, null);
        frame(7, 1, 10.0);
        buffer.putShort(4, (short)4242);
        agent.onFragment(buffer, 0, length, null);
        frame(7, 1, 10.0);
        agent.onFragment(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH, null);
        telemetry(7, 1, 10.0);

        assertThat(rejected()).containsOnly(
            Map.entry(RejectReason.BATTERY_OUT_OF_RANGE, 1L),
            Map.entry(RejectReason.UNKNOWN_SCHEMA, 1L),
            Map.entry(RejectReason.TRUNCATED, 1L));
        assertThat(metrics.framesReceived.get()).isEqualTo(4);
        assertThat(metrics.framesAccepted.get()).isEqualTo(1);
    }

    @Test
    void shouldCountAFrameTheReaderCannotReadAsMalformedAndCarryOn()
    {
        // Claims to run past the end of the buffer it sits in: the reader's buffer access throws.
        agent.onFragment(buffer, buffer.capacity() - 4, 100, null);
        telemetry(8, 1, 10.0);

        assertThat(metrics.framesMalformed.get()).isEqualTo(1);
        assertThat(rejected()).isEmpty();
        assertThat(metrics.framesAccepted.get()).isEqualTo(1);
    }

    @Test
    void shouldWriteEachChangedDroneOnceWithItsNewestStateStampedWithFlushTimeAndNode()
    {
        telemetry(1, 1, 10.0);
        telemetry(1, 2, 11.0);
        telemetry(1, 3, 12.0);
        telemetry(2, 1, 20.0);
        final long ingestedAt = now.get();
        now.addAndGet(MS);

        assertThat(agent.serviceGrid()).isPositive();

        assertThat(batches).hasSize(1);
        final DroneState state = batches.get(0).get(1L);
        assertThat(batches.get(0)).hasSize(2);
        assertThat(state.sequence()).isEqualTo(3);
        assertThat(state.latitude()).isEqualTo(12.0);
        assertThat(state.ingestNanos()).isEqualTo(ingestedAt);
        assertThat(state.gridNanos()).isEqualTo(now.get());
        assertThat(state.ingestNode()).isEqualTo("node-t");
        assertThat(state.status()).isEqualTo("CRUISING");
        assertThat(state.climbRate()).isEqualTo(0.5f);
        assertThat(table.dirtyCount()).isZero();
        assertThat(agent.flushInFlight()).isTrue();
    }

    @Test
    void shouldKeepOneBatchInFlightAndCoalesceFramesWhileItIs()
    {
        telemetry(1, 1, 10.0);
        agent.serviceGrid();
        telemetry(1, 2, 11.0);
        telemetry(1, 3, 12.0);
        now.addAndGet(50 * MS);

        assertThat(agent.serviceGrid()).isZero();
        assertThat(batches).hasSize(1);

        answers.get(0).complete(null);
        agent.serviceGrid();

        assertThat(batches).hasSize(2);
        assertThat(batches.get(1)).containsOnlyKeys(1L);
        assertThat(batches.get(1).get(1L).sequence()).isEqualTo(3);
        assertThat(metrics.gridFlushes.get()).isEqualTo(1);
        assertThat(metrics.gridEntriesWritten.get()).isEqualTo(1);
        assertThat(metrics.gridWritten.sample().getTotalCount()).isEqualTo(1);
    }

    @Test
    void shouldStartBatchesNoMoreOftenThanTheFlushInterval()
    {
        telemetry(1, 1, 10.0);
        agent.serviceGrid();
        answers.get(0).complete(null);
        telemetry(1, 2, 11.0);

        now.addAndGet(FLUSH_INTERVAL_MS * MS - 1);
        agent.serviceGrid();
        assertThat(batches).hasSize(1);
        assertThat(agent.flushInFlight()).isFalse();

        now.addAndGet(1);
        agent.serviceGrid();
        assertThat(batches).hasSize(2);
    }

    @Test
    void shouldKeepWritingToTheGridWhenTheWallClockStepsBack()
    {
        // The wall clock (frame and flush times) and a monotonic one (when batches start) of the same node.
        final AtomicLong monotonic = new AtomicLong(-TimeUnit.DAYS.toNanos(3));
        final TelemetryIngestAgent stepped = new TelemetryIngestAgent(FrameSource.NONE, FrameJournal.NONE, batch ->
        {
            batches.add(batch);
            return CompletableFuture.completedFuture(null);
        }, now::get, monotonic::get, "node-t", 256, FLUSH_INTERVAL_MS, table, metrics);
        stepped.onFragment(buffer, 0, frame(1, 1, 10.0), null);
        stepped.serviceGrid();
        stepped.serviceGrid();
        assertThat(batches).hasSize(1);

        // NTP (or a VM restored from a snapshot) sets the wall clock back an hour; the drone goes on reporting.
        now.addAndGet(-TimeUnit.HOURS.toNanos(1));
        monotonic.addAndGet(FLUSH_INTERVAL_MS * MS);
        stepped.onFragment(buffer, 0, frame(1, 2, 11.0), null);
        stepped.serviceGrid();

        assertThat(batches).hasSize(2);
        assertThat(batches.get(1).get(1L).latitude()).isEqualTo(11.0);
    }

    @Test
    void shouldMeasureADronesSilenceOnTheMonotonicClockWhenTheWallClockSteps()
    {
        final AtomicLong monotonic = new AtomicLong(-TimeUnit.DAYS.toNanos(3));
        final TelemetryIngestAgent stepped = steppedAgent(monotonic);
        stepped.expireAfter(TimeUnit.SECONDS.toNanos(10));
        stepped.onFragment(buffer, 0, frame(1, 1, 10.0), null);
        stepped.onFragment(buffer, 0, frame(2, 1, 20.0), null);
        stepped.serviceGrid();
        stepped.serviceGrid();

        // NTP steps the wall clock an hour ahead, a second after the drones last reported: nobody is silent yet.
        now.addAndGet(TimeUnit.HOURS.toNanos(1));
        monotonic.addAndGet(TimeUnit.SECONDS.toNanos(1));
        evictAll(stepped);
        assertThat(metrics.dronesExpired.get()).as("a step forward evicts nobody").isZero();
        assertThat(table.size()).isEqualTo(2);

        // Drone 1 reports again; then the wall clock is stepped two hours back, and 10.5 s pass since drone 2 was heard.
        stepped.onFragment(buffer, 0, frame(1, 2, 11.0), null);
        stepped.serviceGrid();
        stepped.serviceGrid();
        now.addAndGet(-TimeUnit.HOURS.toNanos(2));
        monotonic.addAndGet(TimeUnit.MILLISECONDS.toNanos(9_500));
        evictAll(stepped);
        assertThat(metrics.dronesExpired.get()).as("a step back keeps no silent drone").isEqualTo(1);
        assertThat(table.existingSlot(2)).isEqualTo(LatestStateTable.NO_SLOT);
        assertThat(table.existingSlot(1)).as("heard 9.5 s ago").isNotEqualTo(LatestStateTable.NO_SLOT);
    }

    @Test
    void shouldNotForgetADroneWhoseCapturedFramesTheSteppedBackClockWouldTakeAgain()
    {
        final io.odyssey.codecs.sign.DroneKeyRing keys = io.odyssey.codecs.sign.DroneKeyRing.of(
            io.odyssey.codecs.sign.DroneKeys.of(new io.odyssey.codecs.sign.DroneKey(1, new byte[32])));
        final AtomicLong monotonic = new AtomicLong(0);
        final TelemetryIngestAgent stepped = steppedAgent(monotonic);
        stepped.verifier(new io.odyssey.codecs.sign.FrameVerifier(keys, now::get, TimeUnit.SECONDS.toNanos(60)));
        stepped.expireAfter(TimeUnit.SECONDS.toNanos(150));
        final AtomicLong droneClock = new AtomicLong(now.get());
        final TelemetryFrameWriter signing = new TelemetryFrameWriter().signWith(
            new io.odyssey.codecs.sign.FrameSigner(keys, droneClock::get, 1));
        final int length = signedFrameSentAt(signing, 1, droneClock.get());
        final byte[] captured = new byte[length];
        buffer.getBytes(0, captured);
        stepped.onFragment(buffer, 0, length, null);
        stepped.serviceGrid();
        stepped.serviceGrid();

        // The drone lands and goes quiet; the node's clock is stepped 100 s back. 151 s later the drone has been
        // silent past the expiry, but the node's clock reads 51 s after the captured frame was signed: in the window.
        now.addAndGet(-TimeUnit.SECONDS.toNanos(100));
        now.addAndGet(TimeUnit.SECONDS.toNanos(151));
        monotonic.addAndGet(TimeUnit.SECONDS.toNanos(151));
        evictAll(stepped);
        stepped.onFragment(new UnsafeBuffer(captured), 0, length, null);
        assertThat(rejected()).as("still remembered: the replayed frame is refused")
            .containsExactly(Map.entry(RejectReason.REPLAYED, 1L));
        assertThat(metrics.framesAccepted.get()).isEqualTo(1);

        // Once the node's clock is two windows past when the drone was last heard, no frame of it can pass any more.
        now.addAndGet(TimeUnit.SECONDS.toNanos(70));
        monotonic.addAndGet(TimeUnit.SECONDS.toNanos(70));
        evictAll(stepped);
        assertThat(metrics.dronesExpired.get()).isEqualTo(1);
        stepped.onFragment(new UnsafeBuffer(captured), 0, length, null);
        assertThat(rejected()).containsEntry(RejectReason.TIMESTAMP_OUT_OF_WINDOW, 1L);
        assertThat(metrics.framesAccepted.get()).isEqualTo(1);
    }

    /** An agent on the test's wall clock and a monotonic clock of its own, whose writes the grid takes at once. */
    private TelemetryIngestAgent steppedAgent(final AtomicLong monotonic)
    {
        return new TelemetryIngestAgent(FrameSource.NONE, FrameJournal.NONE, batch ->
        {
            batches.add(batch);
            return CompletableFuture.completedFuture(null);
        }, now::get, monotonic::get, "node-t", 256, FLUSH_INTERVAL_MS, table, metrics);
    }

    private static void evictAll(final TelemetryIngestAgent agent)
    {
        for (int i = 0; i < CAPACITY; i++)
        {
            agent.evictSilentDrones();
        }
    }

    @Test
    void shouldNotStartABatchWhenNothingChanged()
    {
        now.addAndGet(100 * MS);
        assertThat(agent.serviceGrid()).isZero();
        assertThat(batches).isEmpty();
    }

    @Test
    void shouldRetryTheNewestStateAfterAFailedWriteBackingOff()
    {
        telemetry(1, 1, 10.0);
        telemetry(2, 1, 20.0);
        agent.serviceGrid();
        telemetry(1, 2, 11.0);
        answers.get(0).completeExceptionally(new IllegalStateException("grid gone"));

        agent.serviceGrid();
        assertThat(metrics.gridWriteFailures.get()).isEqualTo(1);
        assertThat(metrics.gridEntriesWritten.get()).isZero();
        assertThat(table.dirtyCount()).as("each drone once, not twice").isEqualTo(2);
        assertThat(batches).hasSize(1);

        now.addAndGet(TelemetryIngestAgent.MIN_RETRY_DELAY_NS);
        agent.serviceGrid();
        assertThat(batches).hasSize(2);
        assertThat(batches.get(1)).containsOnlyKeys(1L, 2L);
        assertThat(batches.get(1).get(1L).sequence()).isEqualTo(2);

        // A second failure in a row waits twice as long.
        answers.get(1).completeExceptionally(new IllegalStateException("still gone"));
        agent.serviceGrid();
        now.addAndGet(2 * TelemetryIngestAgent.MIN_RETRY_DELAY_NS - 1);
        agent.serviceGrid();
        assertThat(batches).hasSize(2);
        now.addAndGet(1);
        agent.serviceGrid();
        assertThat(batches).hasSize(3);

        answers.get(2).complete(null);
        agent.serviceGrid();
        assertThat(metrics.gridEntriesWritten.get()).isEqualTo(2);
        assertThat(table.dirtyCount()).isZero();
        assertThat(agent.flushInFlight()).isFalse();
    }

    @Test
    void shouldTreatAWriterThatThrowsAsAFailedWrite()
    {
        final TelemetryIngestAgent throwing = new TelemetryIngestAgent(FrameSource.NONE, FrameJournal.NONE, batch ->
        {
            throw new IllegalStateException("client shut down");
        }, now::get, now::get, "node-t", 256, FLUSH_INTERVAL_MS, table, metrics);
        final int length = frame(1, 1, 10.0);
        throwing.onFragment(buffer, 0, length, null);

        throwing.serviceGrid();
        throwing.serviceGrid();

        assertThat(metrics.gridWriteFailures.get()).isEqualTo(1);
        assertThat(throwing.flushInFlight()).isFalse();
        assertThat(table.dirtyCount()).isEqualTo(1);
    }

    @Test
    void shouldWriteWhatIsLeftOnFinalFlush()
    {
        final TelemetryIngestAgent immediate = new TelemetryIngestAgent(FrameSource.NONE, FrameJournal.NONE, batch ->
        {
            batches.add(batch);
            return CompletableFuture.completedFuture(null);
        }, now::get, now::get, "node-t", 256, 60_000, table, metrics);
        immediate.onFragment(buffer, 0, frame(1, 1, 10.0), null);

        assertThat(immediate.finalFlush(1_000)).isTrue();
        assertThat(batches).hasSize(1);
        assertThat(metrics.gridEntriesWritten.get()).isEqualTo(1);
    }

    @Test
    void shouldGiveUpTheFinalFlushWhenTheGridDoesNotAnswerInTime()
    {
        telemetry(1, 1, 10.0);

        assertThat(agent.finalFlush(50)).isFalse();
        assertThat(batches).hasSize(1);
    }

    @Test
    void shouldRefuseTelemetryWhoseSendTimeIsFarFromTheIngestClockWhenFramesAreNotVerified()
    {
        agent.sentTimeWindow(TimeUnit.SECONDS.toNanos(60));
        final List<String> quarantined = new ArrayList<>();
        final TelemetryIngestAgent journaled = agentJournalingTo(quarantined);
        journaled.sentTimeWindow(TimeUnit.SECONDS.toNanos(60));

        // Three days ahead: the archive would date it into its default partition and the gateway's age gauge would stick.
        journaled.onFragment(buffer, 0, frameSentAt(1, 1, now.get() + TimeUnit.DAYS.toNanos(3)), null);
        journaled.onFragment(buffer, 0, frameSentAt(1, 2, now.get() - TimeUnit.SECONDS.toNanos(61)), null);
        journaled.onFragment(buffer, 0, frameSentAt(1, 3, Long.MIN_VALUE), null);
        journaled.onFragment(buffer, 0, frameSentAt(1, 4, Long.MAX_VALUE), null);
        journaled.onFragment(buffer, 0, frameSentAt(1, 5, now.get() + TimeUnit.SECONDS.toNanos(59)), null);
        journaled.onFragment(buffer, 0, frameSentAt(1, 6, now.get() - TimeUnit.SECONDS.toNanos(60)), null);

        assertThat(rejected()).containsExactly(Map.entry(RejectReason.SENT_TIME_OUT_OF_WINDOW, 4L));
        assertThat(quarantined).as("each refused frame kept with its cause").containsExactly(
            "SENT_TIME_OUT_OF_WINDOW", "SENT_TIME_OUT_OF_WINDOW", "SENT_TIME_OUT_OF_WINDOW", "SENT_TIME_OUT_OF_WINDOW");
        assertThat(metrics.framesAccepted.get()).isEqualTo(2);
        journaled.serviceGrid();
        assertThat(batches.get(0).get(1L).sequence()).as("the refused frames changed nothing").isEqualTo(6);
    }

    @Test
    void shouldRefuseTelemetryWhoseSendTimeIsFarFromItsSignedTime()
    {
        final io.odyssey.codecs.sign.DroneKeyRing keys = io.odyssey.codecs.sign.DroneKeyRing.of(
            io.odyssey.codecs.sign.DroneKeys.of(new io.odyssey.codecs.sign.DroneKey(1, new byte[32])));
        agent.verifier(new io.odyssey.codecs.sign.FrameVerifier(keys, now::get, TimeUnit.SECONDS.toNanos(60)));
        agent.sentTimeWindow(TimeUnit.SECONDS.toNanos(10));
        // The drone's clock signs 50 s ahead of the node's: within the signature window, so it is the signed time the
        // send time is held to, not the node's clock.
        final AtomicLong droneClock = new AtomicLong(now.get() + TimeUnit.SECONDS.toNanos(50));
        final TelemetryFrameWriter signing = new TelemetryFrameWriter().signWith(
            new io.odyssey.codecs.sign.FrameSigner(keys, droneClock::get, 1));

        agent.onFragment(buffer, 0, signedFrameSentAt(signing, 1, droneClock.get() + TimeUnit.DAYS.toNanos(3)), null);
        agent.onFragment(buffer, 0, signedFrameSentAt(signing, 2, droneClock.get() - TimeUnit.SECONDS.toNanos(11)), null);
        agent.onFragment(buffer, 0, signedFrameSentAt(signing, 3, droneClock.get() + TimeUnit.SECONDS.toNanos(9)), null);

        assertThat(rejected()).containsExactly(Map.entry(RejectReason.SENT_TIME_OUT_OF_WINDOW, 2L));
        assertThat(metrics.framesAccepted.get()).isEqualTo(1);
    }

    /** What lets a sender keep its Aeron image past ODYSSEY_INGEST_IMAGE_FIRST_FRAME_S ({@link ImageAdmission}). */
    @Test
    void shouldTellTheSourceOfEveryFrameThatVerifiedAndOfNoOther()
    {
        final List<org.agrona.DirectBuffer> told = new ArrayList<>();
        final TelemetryIngestAgent vetting = new TelemetryIngestAgent(new FrameSource()
        {
            public int poll(final io.aeron.logbuffer.FragmentHandler handler, final int fragmentLimit)
            {
                return 0;
            }

            public void signedFrame(final io.aeron.logbuffer.Header header)
            {
                told.add(header.buffer());
            }
        }, FrameJournal.NONE, batch -> new CompletableFuture<>(), now::get, now::get, "node-t", 256, FLUSH_INTERVAL_MS,
            table, metrics);
        final io.odyssey.codecs.sign.DroneKeyRing keys = io.odyssey.codecs.sign.DroneKeyRing.of(
            io.odyssey.codecs.sign.DroneKeys.of(new io.odyssey.codecs.sign.DroneKey(1, new byte[32])));
        vetting.verifier(new io.odyssey.codecs.sign.FrameVerifier(keys, now::get, TimeUnit.SECONDS.toNanos(60)));
        final TelemetryFrameWriter signing = new TelemetryFrameWriter().signWith(
            new io.odyssey.codecs.sign.FrameSigner(keys, now::get, 1));
        final byte[] otherKey = new byte[32];
        java.util.Arrays.fill(otherKey, (byte)7);
        final TelemetryFrameWriter forging = new TelemetryFrameWriter().signWith(new io.odyssey.codecs.sign.FrameSigner(
            io.odyssey.codecs.sign.DroneKeyRing.of(io.odyssey.codecs.sign.DroneKeys.of(
                new io.odyssey.codecs.sign.DroneKey(1, otherKey))), now::get, 1));
        final io.aeron.logbuffer.Header header = new io.aeron.logbuffer.Header(0, 20);

        final UnsafeBuffer forgedBuffer = new UnsafeBuffer(new byte[128]);
        header.buffer(forgedBuffer);
        vetting.onFragment(forgedBuffer, 0, forging.telemetry(forgedBuffer, 0, 1, 1, now.get(), 10.0, 13.4, 50f, 90f, 10f,
            75f, DroneStatus.CRUISING, (byte)0, 0.5f), header);
        final int unsigned = frame(1, 2, 10.0);
        buffer.putShort(6, (short)3); // schema version 3, before signatures: UNSIGNED
        header.buffer(buffer);
        vetting.onFragment(buffer, 0, unsigned, header);
        assertThat(told).as("frames that did not verify").isEmpty();

        final UnsafeBuffer signedBuffer = new UnsafeBuffer(new byte[128]);
        header.buffer(signedBuffer);
        vetting.onFragment(signedBuffer, 0, signing.telemetry(signedBuffer, 0, 1, 3, now.get(), 10.0, 13.4, 50f, 90f, 10f,
            75f, DroneStatus.CRUISING, (byte)0, 0.5f), header);
        assertThat(told).containsExactly(signedBuffer);
        assertThat(rejected()).containsOnlyKeys(RejectReason.BAD_SIGNATURE, RejectReason.UNSIGNED);
    }

    @Test
    void shouldQuarantineNoMoreThanTheBudgetOfACauseYetCountEveryFrame()
    {
        final List<String> quarantined = new ArrayList<>();
        final TelemetryIngestAgent journaled = agentJournalingTo(quarantined);
        // 5 a second for causes anyone can produce without a key, 1,000 for the others.
        journaled.quarantineBudget(5, 1_000);
        final int unsigned = frame(1, 1, 10.0);
        buffer.putShort(6, (short)3); // schema version 3, before signatures: UNSIGNED
        final io.odyssey.codecs.sign.DroneKeyRing keys = io.odyssey.codecs.sign.DroneKeyRing.of(
            io.odyssey.codecs.sign.DroneKeys.none());
        journaled.verifier(new io.odyssey.codecs.sign.FrameVerifier(keys, now::get, TimeUnit.SECONDS.toNanos(60)));

        final long start = now.get();
        for (int i = 0; i < 100_000; i++)
        {
            now.set(start + i * 10_000L); // 100,000 frames over one second
            journaled.onFragment(buffer, 0, unsigned, null);
        }

        assertThat(metrics.framesRejected[RejectReason.UNSIGNED.ordinal()].get()).as("every frame counted")
            .isEqualTo(100_000);
        assertThat(quarantined).as("a second's budget plus its burst").hasSizeBetween(5, 10)
            .containsOnly("UNSIGNED");
        assertThat(metrics.quarantined.get()).isEqualTo(quarantined.size());
        assertThat(metrics.quarantineSkipped[RejectReason.UNSIGNED.ordinal()].get())
            .isEqualTo(100_000 - quarantined.size());

        // Another cause has a budget of its own; and a second later the first has room again.
        journaled.onFragment(buffer, 0, 3, null);
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        journaled.onFragment(buffer, 0, unsigned, null);
        assertThat(quarantined.subList(quarantined.size() - 2, quarantined.size())).containsExactly("TRUNCATED", "UNSIGNED");
    }

    private TelemetryIngestAgent agentJournalingTo(final List<String> quarantined)
    {
        return new TelemetryIngestAgent(FrameSource.NONE, new FrameJournal()
        {
            public long appendTelemetry(final org.agrona.DirectBuffer frame, final int offset, final int length,
                final long receivedAtNanos, final long monotonicNanos)
            {
                return 0;
            }

            public boolean appendQuarantined(final org.agrona.DirectBuffer frame, final int offset, final int length,
                final long receivedAtNanos, final int cause)
            {
                quarantined.add(io.odyssey.journal.JournalLayout.causeName(cause));
                return true;
            }
        }, batch ->
        {
            batches.add(batch);
            return new CompletableFuture<>();
        }, now::get, now::get, "node-t", 256, FLUSH_INTERVAL_MS, table, metrics);
    }

    private int frameSentAt(final long drone, final long sequence, final long sentAtNanos)
    {
        return writer.telemetry(buffer, 0, drone, sequence, sentAtNanos, 10.0, 13.4, 50f, 90f, 10f, 75f,
            DroneStatus.CRUISING, (byte)0, 0.5f);
    }

    private int signedFrameSentAt(final TelemetryFrameWriter signing, final long sequence, final long sentAtNanos)
    {
        return signing.telemetry(buffer, 0, 1, sequence, sentAtNanos, 10.0, 13.4, 50f, 90f, 10f, 75f,
            DroneStatus.CRUISING, (byte)0, 0.5f);
    }

    private Map<RejectReason, Long> rejected()
    {
        final Map<RejectReason, Long> counts = new EnumMap<>(RejectReason.class);
        for (final RejectReason reason : RejectReason.values())
        {
            final long count = metrics.framesRejected[reason.ordinal()].get();
            if (count != 0)
            {
                counts.put(reason, count);
            }
        }
        return counts;
    }

    private void telemetry(final long drone, final long sequence, final double latitude)
    {
        agent.onFragment(buffer, 0, frame(drone, sequence, latitude), null);
    }

    private void heartbeat(final long drone)
    {
        agent.onFragment(buffer, 0, writer.heartbeat(buffer, 0, drone, now.get(), 0), null);
    }

    private int frame(final long drone, final long sequence, final double latitude)
    {
        return writer.telemetry(buffer, 0, drone, sequence, now.get() - MS, latitude, 13.4, 50f, 90f, 10f, 75f,
            DroneStatus.CRUISING, (byte)0, 0.5f);
    }
}
