package io.odyssey.mavlink;

import io.odyssey.mavlink.message.Heartbeat;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What a receiver's replay window needs from a sender's streams, frame by frame. */
class SignedStreamsTest
{
    private static final long NOW_NS = 1_765_000_000_000_000_000L;
    private final MavlinkFrameWriter writer = new MavlinkFrameWriter();
    private final MavlinkSigner signer = new MavlinkSigner();
    private final SignedStreams streams = new SignedStreams(writer, signer, 3);
    private final MavlinkFrameReader reader = new MavlinkFrameReader();
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[MavlinkFrameWriter.MAX_FRAME_LENGTH]);
    private final Heartbeat heartbeat = new Heartbeat();

    @Test
    void shouldSignWithTheClocksTimestampAndTheSlotsKeyLinkAndIds()
    {
        read(streams.write(frame, 0, 1, 42, 1, writer.begin(heartbeat).type(2), Samples.KEY, 7, NOW_NS));

        assertThat(reader.systemId()).isEqualTo(42);
        assertThat(reader.componentId()).isEqualTo(1);
        assertThat(reader.linkId()).isEqualTo(7);
        assertThat(reader.timestamp()).isEqualTo(MavlinkSigner.timestampOfUnixMicros(NOW_NS / 1_000));
        assertThat(signer.verify(reader, Samples.KEY)).isTrue();
    }

    @Test
    void shouldGiveFramesOfTheSameInstantOrOfAClockSteppedBackLaterTimestamps()
    {
        read(streams.write(frame, 0, 0, 1, 1, writer.begin(heartbeat), Samples.KEY, 0, NOW_NS));
        final long first = reader.timestamp();
        read(streams.write(frame, 0, 0, 1, 1, writer.begin(heartbeat), Samples.KEY, 0, NOW_NS));
        final long sameInstant = reader.timestamp();
        read(streams.write(frame, 0, 0, 1, 1, writer.begin(heartbeat), Samples.KEY, 0, NOW_NS - 5_000_000_000L));
        final long steppedBack = reader.timestamp();

        assertThat(sameInstant).isEqualTo(first + 1);
        assertThat(steppedBack).isEqualTo(first + 2);
        assertThat(streams.lastTimestamp(0)).isEqualTo(first + 2);
    }

    @Test
    void shouldNumberEachSlotsFramesOnItsOwnAndWrapAt256()
    {
        for (int i = 0; i < 256; i++)
        {
            read(streams.write(frame, 0, 2, 3, 1, writer.begin(heartbeat), Samples.KEY, 0, NOW_NS));
            assertThat(reader.sequence()).isEqualTo(i);
        }
        read(streams.write(frame, 0, 2, 3, 1, writer.begin(heartbeat), Samples.KEY, 0, NOW_NS));
        assertThat(reader.sequence()).as("wrapped").isZero();

        read(streams.write(frame, 0, 1, 2, 1, writer.begin(heartbeat), Samples.KEY, 0, NOW_NS));
        assertThat(reader.sequence()).as("another slot's stream").isZero();
        assertThat(reader.timestamp()).as("nor its timestamps").isEqualTo(MavlinkSigner.timestampOfUnixMicros(NOW_NS / 1_000));
    }

    private void read(final int length)
    {
        assertThat(reader.read(frame, 0, length)).isEqualTo(MavlinkFrameReader.OK);
        assertThat(reader.frameLength()).isEqualTo(length);
    }
}
