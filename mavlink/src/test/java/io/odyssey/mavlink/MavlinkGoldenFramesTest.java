package io.odyssey.mavlink;

import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The committed vectors in {@code src/test/resources/golden/mavlink-*.hex}: every sample message signed with the test
 * key, as Odyssey writes it (checked against dronefleet by {@link MavlinkCodecTest}). They pin the wire: a change to
 * the codec that alters a byte fails here even if both ends of a test changed together. Regenerate only for a new
 * message ({@link #main} prints them).
 */
class MavlinkGoldenFramesTest
{
    private final MavlinkFrameReader reader = new MavlinkFrameReader();
    private final MavlinkSigner signer = new MavlinkSigner();

    static List<Samples.Sample> samples()
    {
        final List<Samples.Sample> all = new ArrayList<>(Samples.all());
        all.addAll(Samples.truncated());
        return all;
    }

    @ParameterizedTest
    @MethodSource("samples")
    void shouldWriteTheGoldenFrameByteForByte(final Samples.Sample sample)
    {
        assertThat(HexFormat.of().formatHex(written(sample))).isEqualTo(HexFormat.of().formatHex(golden(sample.name())));
    }

    @ParameterizedTest
    @MethodSource("samples")
    void shouldReadAndVerifyTheGoldenFrame(final Samples.Sample sample)
    {
        final byte[] golden = golden(sample.name());

        assertThat(reader.read(new UnsafeBuffer(golden), 0, golden.length)).isEqualTo(MavlinkFrameReader.OK);
        assertThat(reader.frameLength()).isEqualTo(golden.length);
        assertThat(reader.sequence()).isEqualTo(SEQUENCE);
        assertThat(reader.systemId()).isEqualTo(Samples.SYSTEM);
        assertThat(reader.linkId()).isEqualTo(Samples.LINK);
        assertThat(reader.timestamp()).isEqualTo(Samples.TIMESTAMP);
        assertThat(signer.verify(reader, Samples.KEY)).isTrue();
        assertThat(IndependentMavlink.decode(golden).getPayload()).isEqualTo(sample.independent());
    }

    private static final int SEQUENCE = 200;

    private static byte[] written(final Samples.Sample sample)
    {
        final MavlinkFrameWriter writer = new MavlinkFrameWriter();
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[MavlinkFrameWriter.MAX_FRAME_LENGTH]);
        final int length = writer.writeSigned(frame, 0, SEQUENCE, Samples.SYSTEM, Samples.COMPONENT,
            sample.odyssey().apply(writer), new MavlinkSigner(), Samples.KEY, Samples.LINK, Samples.TIMESTAMP);
        return Arrays.copyOf(frame.byteArray(), length);
    }

    static byte[] golden(final String name)
    {
        try (InputStream in = MavlinkGoldenFramesTest.class.getResourceAsStream("/golden/mavlink-" + name + ".hex"))
        {
            if (in == null)
            {
                throw new IllegalArgumentException("no golden frame mavlink-" + name + ".hex");
            }
            final StringBuilder hex = new StringBuilder();
            for (final String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n"))
            {
                final int comment = line.indexOf('#');
                hex.append((comment >= 0 ? line.substring(0, comment) : line).replaceAll("\\s+", ""));
            }
            return HexFormat.of().parseHex(hex);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /** Prints each sample's golden file: {@code # comment} then the frame in hex. */
    public static void main(final String[] args) throws IOException
    {
        final java.nio.file.Path dir = java.nio.file.Path.of(args[0]);
        for (final Samples.Sample sample : samples())
        {
            final byte[] frame = written(sample);
            java.nio.file.Files.writeString(dir.resolve("mavlink-" + sample.name() + ".hex"),
                "# MAVLink 2, signed with bytes 0x00..0x1f as key, link " + Samples.LINK + ", timestamp " +
                Samples.TIMESTAMP + ", system " + Samples.SYSTEM + ", component " + Samples.COMPONENT + ", sequence " +
                SEQUENCE + ":\n# " + sample.independent() + "\n" + HexFormat.of().formatHex(frame) + "\n");
        }
    }
}
