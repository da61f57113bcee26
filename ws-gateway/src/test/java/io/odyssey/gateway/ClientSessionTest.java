package io.odyssey.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.odyssey.grid.DroneState;
import org.agrona.concurrent.EpochNanoClock;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;

import static org.assertj.core.api.Assertions.assertThat;

/** A session's rules with a fake connection and a hand-driven clock: coalescing, filtering, conflation, stalls. */
class ClientSessionTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MS = 1_000_000L;
    private static final long COALESCE_NS = 16 * MS;
    private static final long MAX_PENDING = 4_096;
    private static final long STALL_NS = 1_000 * MS;
    private static final EpochNanoClock EPOCH = () -> 1_764_000_000_000_000_000L;

    private final GatewayMetrics metrics = new GatewayMetrics();
    private final FakeLink link = new FakeLink();
    private final FleetView fleet = new FleetView(() -> { }, () -> { });
    private final FrameWriter writer = new FrameWriter(256);
    private final DroneJson encoder = new DroneJson();
    private final DroneRecords records = new DroneRecords(new NodeTable(() -> { }), metrics);
    private long now = 1_000 * MS;
    private final ClientSession session = new ClientSession(link, metrics, MAX_PENDING, STALL_NS, COALESCE_NS, now);

    @Test
    void shouldSendASnapshotOfTheWholeFleetAtOnce() throws Exception
    {
        put(1, 1, 10, 10);
        put(2, 7, -33.5, 151);

        final long due = session.requestSnapshot(null);
        assertThat(due).isLessThanOrEqualTo(now);
        flush();

        final JsonNode snapshot = link.lastMessage();
        assertThat(snapshot.get("type").asText()).isEqualTo("snapshot");
        assertThat(snapshot.get("bbox").isNull()).isTrue();
        assertThat(ids(snapshot.get("drones"))).containsExactlyInAnyOrder(1L, 2L);
        assertThat(session.dueNs()).isEqualTo(ClientSession.NOT_DUE);
    }

    @Test
    void shouldSendOnlyDronesInsideTheBoxAndEchoTheBox() throws Exception
    {
        put(1, 1, 10, 10);
        put(2, 1, -33.5, 151);
        session.requestSnapshot(new BoundingBox(150, -34, 152, -33));
        flush();

        final JsonNode snapshot = link.lastMessage();
        assertThat(ids(snapshot.get("drones"))).containsExactly(2L);
        assertThat(snapshot.get("bbox").toString()).isEqualTo("[150.0,-34.0,152.0,-33.0]");

        change(1, 2, 10.1, 10.1);
        assertThat(session.dueNs()).isEqualTo(ClientSession.NOT_DUE);
    }

    @Test
    void shouldSendTheFirstChangeAfterAQuietIntervalAtOnceAndCoalesceTheRest() throws Exception
    {
        connectWithSnapshot();
        now += 100 * MS;

        final long due = change(5, 1, 1, 1);
        assertThat(due).as("first change after a quiet interval").isLessThanOrEqualTo(now);
        flush();
        assertThat(link.frames).hasSize(2);

        now += 1 * MS;
        for (int seq = 2; seq <= 50; seq++)
        {
            change(5, seq, 1 + seq / 1000.0, 1);
        }
        assertThat(session.dueNs()).isEqualTo(now - MS + COALESCE_NS);
        flush();
        assertThat(link.frames).as("nothing before the interval is over").hasSize(2);

        now = session.dueNs();
        flush();
        final JsonNode changes = link.lastMessage();
        assertThat(link.frames).hasSize(3);
        assertThat(changes.get("type").asText()).isEqualTo("changes");
        assertThat(changes.get("drones")).hasSize(1);
        assertThat(changes.get("drones").get(0).get("seq").asLong()).isEqualTo(50);
        assertThat(changes.get("removed")).isEmpty();
    }

    @Test
    void shouldReportDronesThatLeaveTheBoxOrTheFleetAsRemoved() throws Exception
    {
        put(1, 1, -33.5, 151);
        put(2, 1, -33.6, 151);
        session.requestSnapshot(new BoundingBox(150, -34, 152, -33));
        flush();
        now += 100 * MS;

        change(1, 2, 10, 10);
        final DroneView gone = fleet.remove(2L);
        session.onRemoved(2, gone.slot, now);
        fleet.release(gone.slot);
        flush();

        final JsonNode changes = link.lastMessage();
        assertThat(changes.get("drones")).isEmpty();
        assertThat(ids(changes.get("removed"))).containsExactlyInAnyOrder(1L, 2L);

        now += 100 * MS;
        change(1, 3, -33.2, 150.5);
        flush();
        assertThat(ids(link.lastMessage().get("drones"))).containsExactly(1L);
        assertThat(link.lastMessage().get("removed")).isEmpty();
    }

    @Test
    void shouldTellADroneThatLeftFromTheNewDroneGivenItsSlot() throws Exception
    {
        put(1, 9, 1, 1);
        put(2, 1, 1, 1);
        connectWithSnapshot();
        now += 100 * MS;

        final DroneView gone = fleet.remove(1L);
        session.onRemoved(1, gone.slot, now);
        fleet.release(gone.slot);
        change(3, 1, 2, 2);
        assertThat(fleet.get(3L).slot).as("the new drone took the slot").isEqualTo(gone.slot);
        flush();

        final JsonNode changes = link.lastMessage();
        assertThat(ids(changes.get("drones"))).as("its sequence 1 is below the gone drone's 9, and still new").containsExactly(3L);
        assertThat(ids(changes.get("removed"))).containsExactly(1L);

        now += 100 * MS;
        change(3, 2, 2, 2);
        flush();
        assertThat(ids(link.lastMessage().get("drones"))).containsExactly(3L);
        assertThat(link.lastMessage().get("removed")).isEmpty();
    }

    @Test
    void shouldSendADroneThatJoinedAfterTheSnapshotWasAsked() throws Exception
    {
        for (int id = 1; id <= DroneRecords.MIN_RECORDS + 10; id++)
        {
            put(id, 1, 1, 1);
        }
        connectWithSnapshot();
        assertThat(link.lastMessage().get("drones")).hasSize(DroneRecords.MIN_RECORDS + 10);
        now += 100 * MS;

        // Beyond the slots the session has seen so far: its arrays grow.
        change(5_000, 1, 1, 1);
        change(DroneRecords.MIN_RECORDS + 10, 2, 1, 1);
        flush();
        assertThat(ids(link.lastMessage().get("drones"))).containsExactlyInAnyOrder(5_000L, DroneRecords.MIN_RECORDS + 10L);
    }

    @Test
    void shouldNotSendADroneThatMovedOutOfTheBoxBeforeTheFrameWasBuilt() throws Exception
    {
        put(1, 1, -33.5, 151);
        session.requestSnapshot(new BoundingBox(150, -34, 152, -33));
        flush();
        now += 100 * MS;
        change(1, 2, -33.4, 151);
        put(1, 3, 10, 10); // the newer state is in the view; its event has not reached this session yet

        flush();
        assertThat(link.frames).hasSize(1);

        session.onChange(fleet.get(1L), now);
        now += 100 * MS;
        flush();
        assertThat(ids(link.lastMessage().get("removed"))).containsExactly(1L);
    }

    @Test
    void shouldNeverRepeatASequenceTheSnapshotAlreadyCarried() throws Exception
    {
        session.requestSnapshot(null);
        put(1, 5, 1, 1); // in the view before the snapshot is built, its event reaches the session afterwards
        flush();
        assertThat(ids(link.lastMessage().get("drones"))).containsExactly(1L);

        now += 100 * MS;
        session.onChange(fleet.get(1L), now);
        flush();
        assertThat(link.frames).as("no changes frame for a state the client has").hasSize(1);

        change(1, 6, 1, 1);
        now += 100 * MS;
        flush();
        assertThat(link.lastMessage().get("drones").get(0).get("seq").asLong()).isEqualTo(6);
    }

    @Test
    void shouldSkipFramesWhileTheClientIsBehindAndThenSendTheNewestState() throws Exception
    {
        connectWithSnapshot();
        link.holdWrites = true;
        for (int round = 1; round <= 3; round++)
        {
            now += 100 * MS;
            for (long id = 1; id <= 20; id++)
            {
                change(id, round, 1 + id / 100.0, 1);
            }
            flush();
        }
        final long pendingWhenBehind = session.pendingBytes();
        assertThat(pendingWhenBehind).isGreaterThan(MAX_PENDING);

        // Behind for 0.5 s, less than the stall timeout.
        for (int round = 4; round <= 8; round++)
        {
            now += 100 * MS;
            for (long id = 1; id <= 20; id++)
            {
                change(id, round, 1 + id / 100.0, 1);
            }
            flush();
        }
        assertThat(metrics.framesSkipped.get()).isGreaterThan(0);
        assertThat(session.pendingBytes()).as("nothing queued while behind").isEqualTo(pendingWhenBehind);

        link.releaseAll();
        link.holdWrites = false;
        assertThat(session.pendingBytes()).isZero();
        now += 100 * MS;
        flush();
        final JsonNode changes = link.lastMessage();
        assertThat(changes.get("drones")).hasSize(20);
        for (final JsonNode drone : changes.get("drones"))
        {
            assertThat(drone.get("seq").asLong()).isEqualTo(8);
        }
        assertThat(link.closeCode).isZero();
    }

    @Test
    void shouldCloseAClientThatStaysBehindLongerThanTheStallTimeout() throws Exception
    {
        connectWithSnapshot();
        link.holdWrites = true;
        long round = 0;
        while (session.pendingBytes() <= MAX_PENDING)
        {
            round++;
            now += 20 * MS;
            for (long id = 1; id <= 20; id++)
            {
                change(id, round, 1, 1);
            }
            flush();
        }
        final long behindFrom = now;
        while (now - behindFrom < STALL_NS + 100 * MS && link.closeCode == 0)
        {
            round++;
            now += 20 * MS;
            change(1, round, 1, 1);
            flush();
        }

        assertThat(link.closeCode).isEqualTo(1008);
        assertThat(now - behindFrom).isGreaterThanOrEqualTo(STALL_NS);
        assertThat(metrics.clientsClosedSlow.get()).isEqualTo(1);
        assertThat(session.isClosed()).isTrue();
        assertThat(session.dueNs()).isEqualTo(ClientSession.NOT_DUE);
        assertThat(session.onChange(fleet.get(1L), now)).isEqualTo(ClientSession.NOT_DUE);
    }

    @Test
    void shouldDropAnswersButNotQueueThemWhileTheClientIsBehind()
    {
        link.holdWrites = true;
        assertThat(session.reply("x".repeat((int)MAX_PENDING + 1))).isTrue();

        assertThat(session.reply("{\"type\":\"pong\"}")).isFalse();
        assertThat(metrics.repliesDropped.get()).isEqualTo(1);
        assertThat(session.pendingBytes()).isEqualTo(MAX_PENDING + 1);
    }

    @Test
    void shouldDelayARequestedSnapshotUntilTheClientCaughtUp() throws Exception
    {
        put(1, 1, 1, 1);
        link.holdWrites = true;
        session.reply("x".repeat((int)MAX_PENDING + 1));

        session.requestSnapshot(null);
        flush();
        assertThat(link.frames).hasSize(1);
        assertThat(session.dueNs()).isGreaterThan(now);

        link.releaseAll();
        now = session.dueNs();
        flush();
        assertThat(link.lastMessage().get("type").asText()).isEqualTo("snapshot");
    }

    @Test
    void shouldCountBytesAsUtf8()
    {
        link.holdWrites = true;
        session.reply("{\"node\":\"Zürich\"}");

        assertThat(link.frames.get(0)).isEqualTo("{\"node\":\"Zürich\"}");
        assertThat(session.pendingBytes()).isEqualTo("{\"node\":\"Zürich\"}".getBytes(StandardCharsets.UTF_8).length);
        assertThat(metrics.bytesSent.get()).isEqualTo(session.pendingBytes());
    }

    @Test
    void shouldPingALiveClientButNotOneThatIsBehindOrGone()
    {
        session.keepAlive();
        assertThat(link.pings).isEqualTo(1);

        link.holdWrites = true;
        session.reply("x".repeat((int)MAX_PENDING + 1));
        session.keepAlive();
        assertThat(link.pings).as("a client behind is not reading: the stall timeout is its bound").isEqualTo(1);

        link.releaseAll();
        session.close(CloseReason.CLIENT);
        session.keepAlive();
        assertThat(link.pings).isEqualTo(1);
    }

    @Test
    void shouldNumberEveryFleetFrameSoThatAClientCanAcknowledgeIt() throws Exception
    {
        put(5, 1, 1, 1);
        connectWithSnapshot();
        assertThat(link.lastMessage().get("frame").asLong()).isEqualTo(1);
        now += 100 * MS;
        change(5, 2, 1, 1);
        flush();
        assertThat(link.lastMessage().get("frame").asLong()).isEqualTo(2);
        assertThat(session.reply("{\"type\":\"pong\"}")).isTrue();
        assertThat(link.lastMessage().has("frame")).as("small replies are not numbered").isFalse();
    }

    @Test
    void shouldHoldAClientAtItsWindowAndSendItTheNewestStateWhenItAcknowledges() throws Exception
    {
        put(5, 1, 1, 1);
        session.flow(1, now);
        connectWithSnapshot();
        assertThat(link.frames).hasSize(1);

        for (int seq = 2; seq <= 40; seq++)
        {
            now += 20 * MS;
            change(5, seq, 1, 1);
            flush();
        }
        assertThat(link.frames).as("nothing beyond the window while frame 1 is not acknowledged").hasSize(1);
        assertThat(metrics.framesHeld.get()).isPositive();
        assertThat(session.unacknowledged()).isEqualTo(1);

        assertThat(session.ack(1, now)).isEqualTo(ClientSession.Ack.ADVANCED);
        assertThat(session.dueNs()).isLessThanOrEqualTo(now);
        flush();
        assertThat(link.frames).hasSize(2);
        final JsonNode changes = link.lastMessage();
        assertThat(changes.get("frame").asLong()).isEqualTo(2);
        assertThat(changes.get("drones")).hasSize(1);
        assertThat(changes.get("drones").get(0).get("seq").asLong()).as("conflated: only the newest").isEqualTo(40);
    }

    @Test
    void shouldReadABinaryClientsAcknowledgementAcrossTheWrapOfItsUint32FrameNumber()
    {
        final long wrap = 1L << 32;
        assertThat(ClientSession.unwrapFrameNumber(7, 9)).isEqualTo(7);
        assertThat(ClientSession.unwrapFrameNumber(0xFFFF_FFFFL, wrap - 1)).isEqualTo(wrap - 1);
        assertThat(ClientSession.unwrapFrameNumber(2, wrap + 5)).as("after the wrap").isEqualTo(wrap + 2);
        assertThat(ClientSession.unwrapFrameNumber(0xFFFF_FFFEL, wrap + 1)).as("the last frames before the wrap")
            .isEqualTo(wrap - 2);
        assertThat(ClientSession.unwrapFrameNumber(9, 3)).as("not built yet: the caller refuses it").isNegative();
        assertThat(ClientSession.unwrapFrameNumber(wrap, wrap + 1)).as("not a uint32").isEqualTo(-1);
        assertThat(ClientSession.unwrapFrameNumber(-1, wrap)).isEqualTo(-1);
    }

    @Test
    void shouldRefuseAnAcknowledgementOfAFrameNotSentAndIgnoreAnOldOne() throws Exception
    {
        session.flow(2, now);
        connectWithSnapshot();
        assertThat(session.ack(2, now)).isEqualTo(ClientSession.Ack.UNSENT);
        assertThat(session.ack(1, now)).isEqualTo(ClientSession.Ack.ADVANCED);
        assertThat(session.ack(1, now)).as("the same again: nothing changes (the caller charges it to the client)")
            .isEqualTo(ClientSession.Ack.REPEATED);
        assertThat(session.ack(0, now)).as("below the last one").isEqualTo(ClientSession.Ack.REPEATED);
        assertThat(session.unacknowledged()).isZero();
    }

    @Test
    void shouldSpaceTheSnapshotsOfAClientThatSubscribesInALoop() throws Exception
    {
        put(1, 1, 10, 10);
        connectWithSnapshot();
        final int framesAfterFirst = link.frames.size();

        for (int i = 0; i < 100; i++)
        {
            now += MS;
            session.requestSnapshot(i % 2 == 0 ? null : new BoundingBox(9, 9, 11, 11));
            flush();
        }
        assertThat(link.frames).as("no second snapshot within the gap").hasSize(framesAfterFirst);
        assertThat(session.dueNs()).isGreaterThan(now);

        now += ClientSession.MIN_SNAPSHOT_GAP_NS;
        flush();
        assertThat(link.frames).hasSize(framesAfterFirst + 1);
        final JsonNode snapshot = link.lastMessage();
        assertThat(snapshot.get("type").asText()).isEqualTo("snapshot");
        assertThat(snapshot.get("bbox").toString()).as("the newest subscription").isEqualTo("[9.0,9.0,11.0,11.0]");
    }

    @Test
    void shouldNotMakeAHeldClientDueWhenItRepeatsItsWindowButWhenItWidensIt() throws Exception
    {
        put(5, 1, 1, 1);
        session.flow(1, now);
        connectWithSnapshot();
        now += 20 * MS;
        change(5, 2, 1, 1);
        flush();
        assertThat(session.unacknowledged()).isEqualTo(1);
        final long heldUntil = session.dueNs();
        assertThat(heldUntil).as("held: retried later").isGreaterThan(now);

        assertThat(session.flow(1, now)).as("the same window again").isEqualTo(heldUntil);
        assertThat(session.flow(2, now)).as("a wider one lets a frame through now").isLessThanOrEqualTo(now);
    }

    @Test
    void shouldCloseAClientThatAcknowledgesNothingForTheStallTimeout() throws Exception
    {
        put(5, 1, 1, 1);
        session.flow(1, now);
        connectWithSnapshot();
        for (int seq = 2; link.closeCode == 0 && seq < 1_000; seq++)
        {
            now += 20 * MS;
            change(5, seq, 1, 1);
            flush();
        }
        assertThat(link.closeCode).isEqualTo(ClientSession.CLOSE_POLICY_VIOLATION);
        assertThat(now - 1_000 * MS).as("closed after the stall timeout, not before").isGreaterThanOrEqualTo(STALL_NS);
        assertThat(metrics.clientsClosed[CloseReason.SLOW.ordinal()].get()).isEqualTo(1);
    }

    @Test
    void shouldKeepSendingAClientThatNeverOptedInWithoutAcknowledgements() throws Exception
    {
        put(5, 1, 1, 1);
        connectWithSnapshot();
        for (int seq = 2; seq <= 10; seq++)
        {
            now += 20 * MS;
            change(5, seq, 1, 1);
            flush();
        }
        assertThat(link.frames).hasSize(10);
        assertThat(metrics.framesHeld.get()).isZero();
    }

    @Test
    void shouldCountEachSessionEndOnceByWhoEndedIt()
    {
        session.closeWith(ClientSession.CLOSE_TOO_BIG, "message too big", CloseReason.TOO_LARGE);
        // The channel's close task follows the gateway's close.
        assertThat(session.close(CloseReason.CLIENT)).isFalse();

        assertThat(link.closeCode).isEqualTo(1009);
        assertThat(metrics.clientsClosed[CloseReason.TOO_LARGE.ordinal()].get()).isEqualTo(1);
        assertThat(metrics.clientsClosed[CloseReason.CLIENT.ordinal()].get()).isZero();
        assertThat(session.reply("{}")).isFalse();
    }

    private void connectWithSnapshot()
    {
        session.requestSnapshot(null);
        flush();
    }

    private void flush()
    {
        if (session.dueNs() <= now)
        {
            session.flush(fleet, now, writer, encoder, records, EPOCH);
        }
    }

    private void put(final long id, final long seq, final double lat, final double lon)
    {
        fleet.merge(new DroneState(id, seq, 1, 2, 3, lat, lon, 10f, 90f, 5f, 0f, 80f, "CRUISING", 0, "n"), 4);
    }

    private long change(final long id, final long seq, final double lat, final double lon)
    {
        put(id, seq, lat, lon);
        return session.onChange(fleet.get(id), now);
    }

    private static List<Long> ids(final JsonNode array)
    {
        final List<Long> ids = new ArrayList<>();
        for (final JsonNode element : array)
        {
            ids.add(element.isObject() ? element.get("id").asLong() : element.asLong());
        }
        return ids;
    }

    private static final class FakeLink implements ClientSession.Link
    {
        final List<String> frames = new ArrayList<>();
        final List<Runnable> held = new ArrayList<>();
        boolean holdWrites;
        int closeCode;
        int pings;

        public void sendText(final ByteBuffer frame, final IntConsumer written)
        {
            final int length = frame.remaining();
            final byte[] bytes = new byte[length];
            frame.get(bytes);
            frames.add(new String(bytes, StandardCharsets.UTF_8));
            if (holdWrites)
            {
                held.add(() -> written.accept(length));
            }
            else
            {
                written.accept(length);
            }
        }

        public void sendBinary(final ByteBuffer frame, final IntConsumer written)
        {
            throw new AssertionError("a JSON client got a binary frame");
        }

        public void close(final int code, final String reason)
        {
            closeCode = code;
        }

        public void ping()
        {
            pings++;
        }

        void releaseAll()
        {
            held.forEach(Runnable::run);
            held.clear();
        }

        JsonNode lastMessage() throws Exception
        {
            return JSON.readTree(frames.get(frames.size() - 1));
        }
    }
}
