package io.odyssey.journal;

import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import net.openhft.chronicle.queue.RollCycles;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The journal append on the ingest hot path: one telemetry frame copied from a direct buffer (as from Aeron's term
 * buffer) into the mapped queue. {@code -prof gc} shows whether it allocates.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-Dchronicle.analytics.disable=true"})
public class JournalAppendBenchmark
{
    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
    private Path root;
    private TelemetryJournal journal;
    private int length;

    @Setup
    public void setUp() throws IOException
    {
        root = Files.createTempDirectory("odyssey-journal-bench-");
        journal = new TelemetryJournal(root, RollCycles.FAST_HOURLY);
        length = new TelemetryFrameWriter().telemetry(frame, 0, 42, 1, 1_764_000_000_000_000_000L, 52.52, 13.405,
            87.5f, 270f, 12f, 64.5f, DroneStatus.CRUISING, (byte)0, 1.5f);
    }

    @TearDown
    public void tearDown() throws IOException
    {
        journal.close();
        try (Stream<Path> files = Files.walk(root))
        {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
    }

    @Benchmark
    public long appendTelemetry()
    {
        return journal.appendTelemetry(frame, 0, length, 1_764_000_000_001_000_000L, 1_000_000L);
    }
}
