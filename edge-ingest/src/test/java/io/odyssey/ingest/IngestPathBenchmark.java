package io.odyssey.ingest;

import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.journal.FrameJournal;
import io.odyssey.runtime.RealTimeClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.SystemNanoClock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The ingest agent's per-frame work, exactly as it runs on the hot path: decode + validate, sequence check, state
 * table update, counters, latency recording. 10,000 drones in rotation, so the table lookups miss the cache as they
 * would in a real fleet. The grid flush is not included (it runs every few ms, not per frame). The frame encode is in
 * the measured loop too; {@code TelemetryCodecBenchmark.encode} gives its cost to subtract. {@code checkSendTime}
 * switches the send-time check on, as a node runs it ({@code ODYSSEY_INGEST_SENT_TIME_WINDOW_S}), and off, as before it.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class IngestPathBenchmark
{
    private static final int DRONES = 10_000;

    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
    private final TelemetryFrameWriter writer = new TelemetryFrameWriter();
    private final long[] sequence = new long[DRONES];
    private TelemetryIngestAgent agent;
    private int drone;
    /** A send time of now: within the window for the whole run (seconds), whether the check is on or not. */
    private long sentAtNanos;
    private final IngestMetrics metrics = new IngestMetrics();

    @Param({"false", "true"})
    public boolean checkSendTime;

    @Setup
    public void setUp()
    {
        // The journal appends nothing (JournalAppendBenchmark measures the append) and no batch is ever written.
        agent = new TelemetryIngestAgent(FrameSource.NONE, FrameJournal.NONE,
            batch -> CompletableFuture.failedFuture(new IllegalStateException("no grid in this benchmark")),
            new RealTimeClock(), SystemNanoClock.INSTANCE, "bench", 256, 3_600_000, new LatestStateTable(DRONES), metrics);
        if (checkSendTime)
        {
            agent.sentTimeWindow(TimeUnit.SECONDS.toNanos(60));
        }
        sentAtNanos = System.currentTimeMillis() * 1_000_000L;
    }

    /** A refused frame takes another path: the figures would not be the accepted path's. */
    @TearDown
    public void checkEveryFrameWasAccepted()
    {
        if (metrics.framesAccepted.get() != metrics.framesReceived.get())
        {
            throw new IllegalStateException(metrics.framesReceived.get() - metrics.framesAccepted.get() + " of " +
                metrics.framesReceived.get() + " frames were refused");
        }
    }

    @Benchmark
    public int onFrame()
    {
        final int index = drone;
        drone = index + 1 == DRONES ? 0 : index + 1;
        final int length = writer.telemetry(buffer, 0, index + 1, ++sequence[index], sentAtNanos, 52.52,
            13.405, 87.5f, 270f, 12f, 64.5f, DroneStatus.CRUISING, (byte)0, 1.5f);
        agent.onFragment(buffer, 0, length, null);
        return length;
    }
}
