package io.odyssey.gateway;

import io.odyssey.grid.DroneState;
import org.agrona.concurrent.EpochNanoClock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * One coalescing tick of the fan-out at the harness's load (1,000 drones × 10 Hz, 16 ms: 160 drones changed per tick)
 * for N whole-fleet clients of one encoding: the listener's work (merge, stamp, mark every session) and the fan-out's
 * (a {@code changes} frame per client, handed to a link that takes it at once), with the scan's shared frame
 * ({@code shared=true}, as {@link FleetFeed} runs) or every client building its own ({@code false}, as before).
 * Reported per tick; divide by the clients for the cost of one.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class FanOutBenchmark
{
    private static final int DRONES = 1_000;
    private static final int CHANGED_PER_TICK = 160;
    private static final long TICK_NS = 16_000_000L;
    private static final EpochNanoClock EPOCH = () -> 1_764_000_000_000_000_000L;

    @Param({"1", "100"})
    public int clients;
    @Param({"json", "binary"})
    public String encoding;
    @Param({"true", "false"})
    public boolean shared;

    private final GatewayMetrics metrics = new GatewayMetrics();
    private final FleetView fleet = new FleetView(() -> { }, () -> { });
    private final FrameWriter writer = new FrameWriter(64 * 1024);
    private final DroneJson encoder = new DroneJson();
    private final DroneRecords records = new DroneRecords(new NodeTable(() -> { }), metrics);
    private final SharedChanges sharedFrame = new SharedChanges(false);
    private final SharedChanges sharedBinaryFrame = new SharedChanges(true);
    private final List<ClientSession> sessions = new ArrayList<>();
    private long now = 1_000_000_000L;
    private long sequence = 1;
    private int next;

    @Setup(Level.Trial)
    public void connect()
    {
        for (int id = 1; id <= DRONES; id++)
        {
            apply(id);
        }
        final boolean binary = "binary".equals(encoding);
        for (int i = 0; i < clients; i++)
        {
            final ClientSession session = new ClientSession(new DiscardingLink(), metrics, 1L << 30, Long.MAX_VALUE,
                TICK_NS, now, binary);
            session.requestSnapshot(null);
            sessions.add(session);
        }
        tick();
    }

    @Benchmark
    public long tick()
    {
        now += TICK_NS;
        sequence++;
        for (int i = 0; i < CHANGED_PER_TICK; i++)
        {
            final DroneView view = apply(1 + next);
            next = (next + 1) % DRONES;
            for (final ClientSession session : sessions)
            {
                session.onChange(view, now);
            }
        }
        sharedFrame.clear();
        sharedBinaryFrame.clear();
        long frames = 0;
        for (final ClientSession session : sessions)
        {
            session.flush(fleet, now, writer, encoder, records, EPOCH,
                shared ? (session.isBinary() ? sharedBinaryFrame : sharedFrame) : null);
            frames++;
        }
        return frames;
    }

    private DroneView apply(final long id)
    {
        final DroneView view = fleet.merge(new DroneState(id, sequence, now, now + 1, now + 2, 52.5 + id * 1e-5,
            13.4 + id * 1e-5, 87.5f, 271.25f, 12.04f, -0.5f, 64.5f, "CRUISING", 8, "ingest-1"), now + 3);
        fleet.stamp(view.slot);
        return view;
    }

    /** Undertow's side reduced to nothing: the frame is taken at once. */
    private static final class DiscardingLink implements ClientSession.Link
    {
        public void sendText(final ByteBuffer frame, final IntConsumer written)
        {
            written.accept(frame.remaining());
        }

        public void sendBinary(final ByteBuffer frame, final IntConsumer written)
        {
            written.accept(frame.remaining());
        }

        public void close(final int code, final String reason)
        {
        }

        public void ping()
        {
        }
    }
}
