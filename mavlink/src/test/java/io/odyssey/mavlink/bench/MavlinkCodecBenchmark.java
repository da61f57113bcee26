package io.odyssey.mavlink.bench;

import io.dronefleet.mavlink.MavlinkConnection;
import io.odyssey.mavlink.MavlinkFrameReader;
import io.odyssey.mavlink.MavlinkFrameWriter;
import io.odyssey.mavlink.MavlinkSigner;
import io.odyssey.mavlink.message.GlobalPositionInt;
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

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * What a MAVLink edge pays per vehicle frame: reading a signed GLOBAL_POSITION_INT (shape, checksum with CRC_EXTRA,
 * payload), verifying its signature (SHA-256 over key and frame), and the fields it needs; beside the same frame read
 * by dronefleet's MavlinkConnection (the library the codec was chosen against: it builds objects per message) as the
 * baseline. Run with {@code ./odyssey bench --jmh Mavlink}; expected allocation for Odyssey's: 0 B/op.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED"})
public class MavlinkCodecBenchmark
{
    private static final byte[] KEY = new byte[MavlinkSigner.KEY_LENGTH];
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[MavlinkFrameWriter.MAX_FRAME_LENGTH]);
    private final MavlinkFrameReader reader = new MavlinkFrameReader();
    private final MavlinkSigner signer = new MavlinkSigner();
    private final GlobalPositionInt position = new GlobalPositionInt();
    private MavlinkConnection dronefleet;
    private int length;

    @Setup
    public void setUp()
    {
        final MavlinkFrameWriter writer = new MavlinkFrameWriter();
        length = writer.writeSigned(frame, 0, 1, 42, 1, writer.begin(new GlobalPositionInt()).timeBootMs(123_456)
            .lat(525_200_000).lon(134_050_000).alt(87_500).relativeAlt(52_000).vx(-350).vy(1_200).vz(-50).hdg(27_025),
            signer, KEY, 1, MavlinkSigner.timestampOfUnixMicros(1_796_083_200_000_000L));
        dronefleet = MavlinkConnection.create(new Repeating(Arrays.copyOf(frame.byteArray(), length)),
            new ByteArrayOutputStream());
    }

    /** Frame shape and checksum, then the position fields. */
    @Benchmark
    public long read()
    {
        if (reader.read(frame, 0, length) != MavlinkFrameReader.OK)
        {
            return -1;
        }
        reader.payload(position);
        return position.lat() + position.lon() + position.relativeAlt() + position.hdg();
    }

    /** As {@link #read}, and the signature checked. */
    @Benchmark
    public long readAndVerify()
    {
        if (reader.read(frame, 0, length) != MavlinkFrameReader.OK || !signer.verify(reader, KEY))
        {
            return -1;
        }
        reader.payload(position);
        return position.lat() + position.lon() + position.relativeAlt() + position.hdg();
    }

    /** The same frame through dronefleet, from a stream that repeats it: a packet, a message, its payload object. */
    @Benchmark
    public Object baselineDronefleetRead() throws IOException
    {
        return dronefleet.next().getPayload();
    }

    /** The frame again and again. */
    private static final class Repeating extends InputStream
    {
        private final byte[] frame;
        private int next;

        Repeating(final byte[] frame)
        {
            this.frame = frame;
        }

        public int read()
        {
            final int value = frame[next] & 0xFF;
            next = (next + 1) % frame.length;
            return value;
        }
    }
}
