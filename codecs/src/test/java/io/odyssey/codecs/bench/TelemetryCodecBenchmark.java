package io.odyssey.codecs.bench;

import io.odyssey.codecs.DroneFlag;
import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.codecs.sbe.MessageHeaderDecoder;
import io.odyssey.codecs.sbe.TelemetryDecoder;
import io.odyssey.codecs.sign.DroneKey;
import io.odyssey.codecs.sign.DroneKeyRing;
import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.codecs.sign.FrameSigner;
import io.odyssey.codecs.sign.FrameVerifier;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.SystemEpochNanoClock;
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
import java.util.concurrent.TimeUnit;

/**
 * SBE telemetry encode, decode, and decode + validation, signing and verifying (schema version 4), beside a baseline that copies the same 70 bytes with plain
 * buffer reads and writes (what any codec must at least cost). Run with {@code ./odyssey bench --jmh}; add
 * {@code -prof gc} to see the allocation rate (expected: 0 B/op).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class TelemetryCodecBenchmark
{
    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
    private final UnsafeBuffer copy = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
    private final TelemetryFrameWriter writer = new TelemetryFrameWriter();
    private final TelemetryFrameReader reader = new TelemetryFrameReader();
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final TelemetryDecoder decoder = new TelemetryDecoder();
    private final DroneKeyRing keys = DroneKeyRing.of(DroneKeys.of(new DroneKey(42, new byte[DroneKey.LENGTH])));
    private final EpochNanoClock clock = new SystemEpochNanoClock();
    private final UnsafeBuffer signedFrame = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
    private final TelemetryFrameWriter signingWriter = new TelemetryFrameWriter().signWith(new FrameSigner(keys, clock, 1));
    private final FrameVerifier verifier = new FrameVerifier(keys, clock, TimeUnit.DAYS.toNanos(1));
    private final TelemetryFrameReader verifyingReader = new TelemetryFrameReader().verifier(verifier);
    private long sequence;
    private int length;
    private int signedLength;

    @Setup
    public void setUp()
    {
        length = writer.telemetry(frame, 0, 42, 1, 1_764_000_000_000_000_000L, 52.52, 13.405, 87.5f, 270f, 12f, 64.5f,
            DroneStatus.CRUISING, (byte)DroneFlag.SIMULATED, 1.5f);
        signedLength = signingWriter.telemetry(signedFrame, 0, 42, 1, 1_764_000_000_000_000_000L, 52.52, 13.405, 87.5f,
            270f, 12f, 64.5f, DroneStatus.CRUISING, (byte)DroneFlag.SIMULATED, 1.5f);
    }

    /** What a drone does per frame: encode, then sign (timestamp, link id, truncated HMAC-SHA256). */
    @Benchmark
    public int encodeAndSign()
    {
        return signingWriter.telemetry(frame, 0, 42, ++sequence, 1_764_000_000_000_000_000L + sequence, 52.52, 13.405,
            87.5f, 270f, 12f, 64.5f, DroneStatus.CRUISING, (byte)DroneFlag.SIMULATED, 1.5f);
    }

    /**
     * The signature check alone on one signed frame: key lookup, HMAC, window and replay checks (after the first call
     * the answer is REPLAYED, reached after all of them, so every call does the whole work).
     */
    @Benchmark
    public Object verify()
    {
        return verifier.verify(signedFrame, 0, signedLength);
    }

    /** What ingest now does per frame before its state table: {@link #decodeAndValidate()} with the signature check. */
    @Benchmark
    public int decodeVerifyAndValidate()
    {
        return verifyingReader.read(signedFrame, 0, signedLength);
    }

    @Benchmark
    public int encode()
    {
        return writer.telemetry(frame, 0, 42, ++sequence, 1_764_000_000_000_000_000L + sequence, 52.52, 13.405, 87.5f,
            270f, 12f, 64.5f, DroneStatus.CRUISING, (byte)DroneFlag.SIMULATED, 1.5f);
    }

    /** Decode every field through the flyweight (no validation). */
    @Benchmark
    public double decode()
    {
        header.wrap(frame, 0);
        decoder.wrap(frame, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
        return decoder.droneId() + decoder.sequence() + decoder.sentAtNanos() + decoder.latitude() + decoder.longitude() +
            decoder.altitude() + decoder.heading() + decoder.groundSpeed() + decoder.battery() + decoder.statusRaw() +
            decoder.flags().getRaw() + decoder.climbRate();
    }

    /** What ingest does per frame before touching its state table: header checks, bounds and every range check. */
    @Benchmark
    public int decodeAndValidate()
    {
        return reader.read(frame, 0, length);
    }

    /** Baseline: move the same fields with plain buffer reads and writes, no codec. */
    @Benchmark
    public long baselineRawCopy()
    {
        for (int offset = 0; offset < 64; offset += 8)
        {
            copy.putLong(offset, frame.getLong(offset));
        }
        copy.putLong(62, frame.getLong(62));
        return copy.getLong(8);
    }
}
