package io.odyssey.mavlink;

import io.dronefleet.mavlink.Mavlink2Message;
import io.dronefleet.mavlink.MavlinkMessage;
import io.odyssey.mavlink.message.CommandLong;
import io.odyssey.mavlink.message.GlobalPositionInt;
import io.odyssey.mavlink.message.MessageFlyweight;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Odyssey's MAVLink frames against an independent implementation (dronefleet), message by message. */
class MavlinkCodecTest
{
    private final MavlinkFrameWriter writer = new MavlinkFrameWriter();
    private final MavlinkFrameReader reader = new MavlinkFrameReader();
    private final MavlinkSigner signer = new MavlinkSigner();
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[MavlinkFrameWriter.MAX_FRAME_LENGTH]);

    static List<Samples.Sample> samples()
    {
        return Samples.all();
    }

    @ParameterizedTest
    @MethodSource("samples")
    void shouldWriteEveryMessageByteForByteAsTheIndependentImplementation(final Samples.Sample sample)
    {
        final MessageFlyweight message = sample.odyssey().apply(writer);
        final int length = writer.write(frame, 0, 0, Samples.SYSTEM, Samples.COMPONENT, message);

        assertThat(hex(frame, length))
            .isEqualTo(hex(IndependentMavlink.encode(Samples.SYSTEM, Samples.COMPONENT, sample.independent())));
    }

    @ParameterizedTest
    @MethodSource("samples")
    void shouldSignEveryMessageByteForByteAsTheIndependentImplementation(final Samples.Sample sample)
    {
        final MessageFlyweight message = sample.odyssey().apply(writer);
        final int length = writer.writeSigned(frame, 0, 0, Samples.SYSTEM, Samples.COMPONENT, message, signer,
            Samples.KEY, Samples.LINK, Samples.TIMESTAMP);

        assertThat(hex(frame, length)).isEqualTo(hex(IndependentMavlink.encodeSigned(Samples.SYSTEM,
            Samples.COMPONENT, sample.independent(), Samples.LINK, Samples.TIMESTAMP, Samples.KEY)));
    }

    @ParameterizedTest
    @MethodSource("samples")
    void shouldReadWhatTheIndependentImplementationWritesAndItReadsOurs(final Samples.Sample sample)
    {
        final byte[] theirs = IndependentMavlink.encodeSigned(Samples.SYSTEM, Samples.COMPONENT, sample.independent(),
            Samples.LINK, Samples.TIMESTAMP, Samples.KEY);

        assertThat(reader.read(new UnsafeBuffer(theirs), 0, theirs.length)).isEqualTo(MavlinkFrameReader.OK);
        assertThat(reader.frameLength()).isEqualTo(theirs.length);
        assertThat(reader.systemId()).isEqualTo(Samples.SYSTEM);
        assertThat(reader.componentId()).isEqualTo(Samples.COMPONENT);
        assertThat(reader.linkId()).isEqualTo(Samples.LINK);
        assertThat(reader.timestamp()).isEqualTo(Samples.TIMESTAMP);
        assertThat(signer.verify(reader, Samples.KEY)).isTrue();

        final int length = writer.writeSigned(frame, 0, 9, Samples.SYSTEM, Samples.COMPONENT,
            sample.odyssey().apply(writer), signer, Samples.KEY, Samples.LINK, Samples.TIMESTAMP);
        final MavlinkMessage<?> decoded = IndependentMavlink.decode(Arrays.copyOf(frame.byteArray(), length));
        assertThat(decoded.getPayload()).isEqualTo(sample.independent());
        assertThat(decoded.getSequence()).isEqualTo(9);
        assertThat(((Mavlink2Message<?>)decoded).validateSignature(Samples.KEY)).isTrue();
    }

    static List<Samples.Sample> truncated()
    {
        return Samples.truncated();
    }

    @ParameterizedTest
    @MethodSource("truncated")
    void shouldDropAPayloadsTrailingZerosAndReadThemBackAsZeros(final Samples.Sample sample)
    {
        final int length = writer.writeSigned(frame, 0, 0, Samples.SYSTEM, Samples.COMPONENT,
            sample.odyssey().apply(writer), signer, Samples.KEY, Samples.LINK, Samples.TIMESTAMP);
        final byte[] theirs = IndependentMavlink.encodeSigned(Samples.SYSTEM, Samples.COMPONENT, sample.independent(),
            Samples.LINK, Samples.TIMESTAMP, Samples.KEY);
        assertThat(length).as("shorter than the untruncated frame").isLessThan(theirs.length);

        final MavlinkMessage<?> decoded = IndependentMavlink.decode(Arrays.copyOf(frame.byteArray(), length));
        assertThat(decoded.getPayload()).isEqualTo(sample.independent());
        assertThat(((Mavlink2Message<?>)decoded).validateSignature(Samples.KEY)).isTrue();

        // Read back, the dropped tail is zeros: the same fields as from dronefleet's untruncated frame.
        assertThat(reader.read(frame, 0, length)).isEqualTo(MavlinkFrameReader.OK);
        assertThat(signer.verify(reader, Samples.KEY)).isTrue();
        final int messageLength = sample.odyssey().apply(new MavlinkFrameWriter()).length();
        final byte[] fromOurs = new byte[messageLength];
        reader.payloadBuffer().getBytes(0, fromOurs);
        assertThat(reader.read(new UnsafeBuffer(theirs), 0, theirs.length)).isEqualTo(MavlinkFrameReader.OK);
        final byte[] fromTheirs = new byte[messageLength];
        reader.payloadBuffer().getBytes(0, fromTheirs);
        assertThat(fromOurs).isEqualTo(fromTheirs);
    }

    @org.junit.jupiter.api.Test
    void shouldReadAFieldPastATruncatedPayloadAsZero()
    {
        writer.begin(new GlobalPositionInt()).lat(-337_000_000).lon(1_512_000_000);
        final int length = writer.write(frame, 0, 0, Samples.SYSTEM, Samples.COMPONENT, new GlobalPositionInt());
        // A stale frame read before must not leak into the zeros past this one's payload.
        final byte[] full = IndependentMavlink.encode(Samples.SYSTEM, Samples.COMPONENT,
            io.dronefleet.mavlink.common.GlobalPositionInt.builder().timeBootMs(1).lat(1).lon(1).alt(1).relativeAlt(1)
                .vx(1).vy(1).vz(1).hdg(1).build());
        assertThat(reader.read(new UnsafeBuffer(full), 0, full.length)).isEqualTo(MavlinkFrameReader.OK);

        assertThat(reader.read(frame, 0, length)).isEqualTo(MavlinkFrameReader.OK);
        assertThat(reader.payloadLength()).isEqualTo(12);
        final GlobalPositionInt position = reader.payload(new GlobalPositionInt());
        assertThat(position.lat()).isEqualTo(-337_000_000);
        assertThat(position.lon()).isEqualTo(1_512_000_000);
        assertThat(position.alt()).isZero();
        assertThat(position.hdg()).isZero();
        assertThat(reader.payload(new CommandLong()).confirmation()).as("bytes past every payload read as zero").isZero();
    }

    static String hex(final UnsafeBuffer buffer, final int length)
    {
        return hex(Arrays.copyOf(buffer.byteArray(), length));
    }

    static String hex(final byte[] bytes)
    {
        return java.util.HexFormat.of().formatHex(bytes);
    }
}
