package io.odyssey.ingest;

import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.journal.FrameJournal;
import io.odyssey.runtime.RealTimeClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The ingest agent's per-frame work, exactly as it runs on the hot path: decode + validate, sequence check, state
 * table update, counters, latency recording. 10,000 drones in rotation, so the table lookups miss the cache as they
 * would in a real fleet. The grid flush is not included (it runs every few ms, not per frame). The frame encode is in
 * the measured loop too; {@code TelemetryCodecBenchmark.encode} gives its cost to subtract.
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

    @Setup
    public void setUp()
    {
        // The journal appends nothing (JournalAppendBenchmark measures the append) and no batch is ever written.
        agent = new TelemetryIngestAgent(FrameSource.NONE, FrameJournal.NONE,
            batch -> CompletableFuture.failedFuture(new IllegalStateException("no grid in this benchmark")),
            new RealTimeClock(), "bench", 256, 3_600_000, new LatestStateTable(DRONES), new IngestMetrics());
    }

    @Benchmark
    public int onFrame()
    {
        final int index = drone;
        drone = index + 1 == DRONES ? 0 : index + 1;
        final int length = writer.telemetry(buffer, 0, index + 1, ++sequence[index], 1_764_000_000_000_000_000L, 52.52,
            13.405, 87.5f, 270f, 12f, 64.5f, DroneStatus.CRUISING, (byte)0, 1.5f);
        agent.onFragment(buffer, 0, length, null);
        return length;
    }
}
