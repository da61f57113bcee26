package io.odyssey.gateway;

import io.odyssey.grid.DroneState;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The gateway's per-drone serialisation: encoding one drone's JSON to UTF-8 bytes (done once per drone version, then
 * copied into every client frame that needs it), beside a baseline of formatting just the numbers with
 * {@link StringBuilder}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class DroneJsonBenchmark
{
    private final DroneState state = new DroneState(4711, 123_456, 1_764_000_000_123_456_789L, 1_764_000_000_124_000_000L,
        1_764_000_000_126_000_000L, 52.518123456, 13.404987654, 87.5f, 271.25f, 12.04f, -0.5f, 64.5f, "CRUISING", 8, "ingest-1");
    private final DroneJson encoder = new DroneJson();
    private long gatewayNanos = 1_764_000_000_130_000_000L;

    @Benchmark
    public byte[] encodeDrone()
    {
        return encoder.encode(state, ++gatewayNanos);
    }

    /** Baseline: the same numbers appended to a builder with no field names or quoting. */
    @Benchmark
    public String baselineNumbersOnly()
    {
        return new StringBuilder(256).append(state.droneId()).append(state.sequence()).append(state.sentAtNanos())
            .append(state.ingestNanos()).append(state.gridNanos()).append(++gatewayNanos).append(state.latitude())
            .append(state.longitude()).append(state.altitude()).append(state.heading()).append(state.groundSpeed())
            .append(state.climbRate()).append(state.battery()).append(state.flags()).toString();
    }
}
