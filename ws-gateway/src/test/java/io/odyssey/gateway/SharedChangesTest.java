package io.odyssey.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.odyssey.grid.DroneState;
import org.agrona.concurrent.EpochNanoClock;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whole-fleet clients due in the same scan share one {@code changes} frame: each gets exactly what its own frame
 * would have said (its own frame number), and a client whose frame would differ builds its own.
 */
class SharedChangesTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MS = 1_000_000L;
    private static final long COALESCE_NS = 16 * MS;
    private static final EpochNanoClock EPOCH = () -> 1_764_000_000_000_000_000L;

    private final GatewayMetrics metrics = new GatewayMetrics();
    private final FleetView fleet = new FleetView(() -> { }, () -> { });
    private final FrameWriter writer = new FrameWriter(256);
    private final DroneJson encoder = new DroneJson();
    private final DroneRecords records = new DroneRecords(new NodeTable(() -> { }), metrics);
    private final SharedChanges sharedJson = new SharedChanges(false);
    private final SharedChanges sharedBinary = new SharedChanges(true);
    private final List<ClientSession> sessions = new ArrayList<>();
    private final List<Link> links = new ArrayList<>();
    private long now = 1_000 * MS;

    @Test
    void shouldGiveEveryWholeFleetJsonClientTheSameChangesWithItsOwnFrameNumber() throws Exception
    {
        put(1, 1);
        put(2, 1);
        final ClientSession first = connect(false, null);
        final ClientSession second = connect(false, null);
        scan();

        now += 100 * MS;
        change(1, 2);
        change(2, 5);
        scan();

        final JsonNode a = links.get(0).last();
        final JsonNode b = links.get(1).last();
        assertThat(a.get("type").asText()).isEqualTo("changes");
        assertThat(seqs(a)).containsExactly(2L, 5L);
        assertThat(b.get("drones")).isEqualTo(a.get("drones"));
        assertThat(b.get("removed")).isEqualTo(a.get("removed"));
        assertThat(a.get("frame").asLong()).isEqualTo(2);
        assertThat(b.get("frame").asLong()).isEqualTo(2);
        assertThat(metrics.framesShared.get()).isEqualTo(1);
        assertThat(metrics.dronesSentJson.get()).as("2 snapshots of 2, then 2 changes each").isEqualTo(2 + 2 + 4);
        assertThat(first.dueNs()).isEqualTo(ClientSession.NOT_DUE);
        assertThat(second.dueNs()).isEqualTo(ClientSession.NOT_DUE);
    }

    @Test
    void shouldShareBinaryFramesPatchingOnlyTheFrameNumber()
    {
        put(1, 1);
        put(2, 1);
        connect(true, null);
        final ClientSession second = connect(true, null);
        scan();
        second.requestSnapshot(null);
        now += ClientSession.MIN_SNAPSHOT_GAP_NS; // a client's snapshots are that far apart
        scan();

        now += 100 * MS;
        change(1, 2);
        change(2, 3);
        scan();

        final byte[] a = links.get(0).lastBinary();
        final byte[] b = links.get(1).lastBinary();
        final ByteBuffer headerA = ByteBuffer.wrap(a).order(ByteOrder.LITTLE_ENDIAN);
        final ByteBuffer headerB = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(headerA.get(2)).isEqualTo(DroneBinary.CHANGES);
        assertThat(headerA.getInt(8)).isEqualTo(2);
        assertThat(headerB.getInt(8)).as("the second client's third frame").isEqualTo(3);
        assertThat(headerA.getInt(12)).isEqualTo(2);
        assertThat(Arrays.copyOfRange(b, 12, b.length)).isEqualTo(Arrays.copyOfRange(a, 12, a.length));
        assertThat(metrics.framesShared.get()).isEqualTo(1);
    }

    @Test
    void shouldKeepDirtyForTheTakerADroneThatChangedAfterTheSharedFrameWasBuilt() throws Exception
    {
        put(1, 1);
        put(2, 1);
        final ClientSession first = connect(false, null);
        final ClientSession second = connect(false, null);
        scan();
        now += 100 * MS;
        change(1, 2);
        change(2, 2);

        // The first client's frame is built and shared; then drone 1 changes before the second client is flushed.
        sharedJson.clear();
        first.flush(fleet, now, writer, encoder, records, EPOCH, sharedJson);
        change(1, 3);
        second.flush(fleet, now, writer, encoder, records, EPOCH, sharedJson);

        assertThat(metrics.framesShared.get()).isEqualTo(1);
        assertThat(seqs(links.get(1).last())).as("what the shared frame held").containsExactly(2L, 2L);
        now += COALESCE_NS;
        scan();
        assertThat(seqs(links.get(0).last())).containsExactly(3L);
        assertThat(seqs(links.get(1).last())).as("the newer version follows").containsExactly(3L);
        assertThat(second.dueNs()).isEqualTo(ClientSession.NOT_DUE);
    }

    @Test
    void shouldBuildTheirOwnFramesForClientsWhoseFramesWouldDiffer() throws Exception
    {
        put(1, 1);
        put(2, 1);
        connect(false, null);
        final ClientSession boxed = connect(false, new BoundingBox(0, 0, 1.5, 1.5));
        final ClientSession late = connect(false, null);
        scan();
        now += 100 * MS;
        change(2, 2);
        // The late client misses a scan (e.g. held by its window): it has more to hear than the others.
        sharedJson.clear();
        sessions.get(0).flush(fleet, now, writer, encoder, records, EPOCH, sharedJson);
        boxed.flush(fleet, now, writer, encoder, records, EPOCH, sharedJson);
        now += 100 * MS;
        change(1, 2);
        scan();

        assertThat(seqs(links.get(0).last())).containsExactly(2L);
        assertThat(ids(links.get(1).last())).as("the box holds drone 1 only").containsExactly(1L);
        assertThat(ids(links.get(2).last())).as("drone 2's change and drone 1's").containsExactly(1L, 2L);
        assertThat(metrics.framesShared.get()).isZero();
        assertThat(late.dueNs()).isEqualTo(ClientSession.NOT_DUE);
    }

    @Test
    void shouldNotShareAFrameThatLeftOutADroneItsBuilderAlreadyHad() throws Exception
    {
        put(1, 1);
        put(2, 1);
        final ClientSession builder = connect(false, null);
        final ClientSession other = connect(false, null);
        scan();
        now += ClientSession.MIN_SNAPSHOT_GAP_NS; // a client's snapshots are that far apart
        // Drone 1's version 2 reaches the view; the builder's snapshot carries it before its change event arrives.
        put(1, 2);
        builder.requestSnapshot(null);
        scan();
        for (final ClientSession session : sessions)
        {
            session.onChange(fleet.get(1L), now);
        }
        change(2, 2);
        now += 100 * MS;
        scan();

        assertThat(ids(links.get(0).last())).as("the builder had drone 1's version already").containsExactly(2L);
        assertThat(ids(links.get(1).last())).as("the other client still hears of it").containsExactly(1L, 2L);
        assertThat(metrics.framesShared.get()).isZero();
        assertThat(other.dueNs()).isEqualTo(ClientSession.NOT_DUE);
    }

    /** One fan-out scan: every due session, sharing within the scan, as {@link FleetFeed#run} does. */
    private void scan()
    {
        sharedJson.clear();
        sharedBinary.clear();
        for (final ClientSession session : sessions)
        {
            if (session.dueNs() <= now)
            {
                session.flush(fleet, now, writer, encoder, records, EPOCH,
                    session.isBinary() ? sharedBinary : sharedJson);
            }
        }
    }

    private ClientSession connect(final boolean binary, final BoundingBox box)
    {
        final Link link = new Link();
        final ClientSession session = new ClientSession(link, metrics, 1 << 20, 1_000 * MS, COALESCE_NS, now, binary);
        session.requestSnapshot(box);
        links.add(link);
        sessions.add(session);
        return session;
    }

    private void put(final long id, final long seq)
    {
        final DroneView view = fleet.merge(
            new DroneState(id, seq, 1, 2, 3, id, id, 10f, 90f, 5f, 0f, 80f, "CRUISING", 0, "n"), 4);
        fleet.stamp(view.slot);
    }

    /** A change as the fleet feed applies it: merged, stamped, then marked in every session. */
    private void change(final long id, final long seq)
    {
        put(id, seq);
        for (final ClientSession session : sessions)
        {
            session.onChange(fleet.get(id), now);
        }
    }

    private static List<Long> seqs(final JsonNode frame)
    {
        final List<Long> seqs = new ArrayList<>();
        frame.get("drones").forEach(drone -> seqs.add(drone.get("seq").asLong()));
        return seqs;
    }

    private static List<Long> ids(final JsonNode frame)
    {
        final List<Long> ids = new ArrayList<>();
        frame.get("drones").forEach(drone -> ids.add(drone.get("id").asLong()));
        return ids;
    }

    private static final class Link implements ClientSession.Link
    {
        final List<String> texts = new ArrayList<>();
        final List<byte[]> binaries = new ArrayList<>();

        public void sendText(final ByteBuffer frame, final IntConsumer written)
        {
            final byte[] bytes = new byte[frame.remaining()];
            frame.get(bytes);
            texts.add(new String(bytes, StandardCharsets.UTF_8));
            written.accept(bytes.length);
        }

        public void sendBinary(final ByteBuffer frame, final IntConsumer written)
        {
            final byte[] bytes = new byte[frame.remaining()];
            frame.get(bytes);
            binaries.add(bytes);
            written.accept(bytes.length);
        }

        public void close(final int code, final String reason)
        {
        }

        public void ping()
        {
        }

        JsonNode last() throws Exception
        {
            return JSON.readTree(texts.get(texts.size() - 1));
        }

        byte[] lastBinary()
        {
            return binaries.get(binaries.size() - 1);
        }
    }
}
