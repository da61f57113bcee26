package io.odyssey.mavlink;

import io.odyssey.mavlink.message.GlobalPositionInt;
import io.odyssey.mavlink.message.Heartbeat;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** What a hostile or broken sender can put in a datagram, and what reading it costs. */
class MavlinkFrameReaderTest
{
    private final MavlinkFrameWriter writer = new MavlinkFrameWriter();
    private final MavlinkFrameReader reader = new MavlinkFrameReader();
    private final MavlinkSigner signer = new MavlinkSigner();
    private final UnsafeBuffer frame = new UnsafeBuffer(new byte[MavlinkFrameWriter.MAX_FRAME_LENGTH * 3]);

    @Test
    void shouldReadSeveralFramesOutOfOneDatagram()
    {
        int length = writer.write(frame, 0, 1, 7, 1, writer.begin(new Heartbeat()).type(2).autopilot(3).mavlinkVersion(3));
        length += writer.writeSigned(frame, length, 2, 7, 1, writer.begin(new GlobalPositionInt()).lat(1).lon(2).hdg(3),
            signer, Samples.KEY, 0, Samples.TIMESTAMP);

        assertThat(reader.read(frame, 0, length)).isEqualTo(MavlinkFrameReader.OK);
        assertThat(reader.messageId()).isEqualTo(Heartbeat.ID);
        final int next = reader.frameLength();
        assertThat(reader.read(frame, next, length)).isEqualTo(MavlinkFrameReader.OK);
        assertThat(reader.messageId()).isEqualTo(GlobalPositionInt.ID);
        assertThat(reader.sequence()).isEqualTo(2);
        assertThat(signer.verify(reader, Samples.KEY)).isTrue();
        assertThat(next + reader.frameLength()).isEqualTo(length);
    }

    @Test
    void shouldRefuseAMavlink1FrameButSayWhereItEnds()
    {
        // A MAVLink 1 HEARTBEAT: magic, length 9, sequence, system, component, message id, payload, checksum.
        final byte[] v1 = new byte[6 + 9 + 2];
        v1[0] = (byte)0xFE;
        v1[1] = 9;

        assertThat(reader.read(new UnsafeBuffer(v1), 0, v1.length)).isEqualTo(MavlinkFrameReader.MAVLINK1);
        assertThat(reader.frameLength()).isEqualTo(v1.length);
    }

    @Test
    void shouldRefuseWhatIsNotAFrameAnUnknownMessageAndUnknownFlags()
    {
        final int length = writer.write(frame, 0, 0, 7, 1, writer.begin(new Heartbeat()).type(2).mavlinkVersion(3));

        frame.putByte(0, (byte)'G');
        assertThat(reader.read(frame, 0, length)).isEqualTo(MavlinkFrameReader.NOT_A_FRAME);
        frame.putByte(0, (byte)MavlinkFrameReader.MAGIC_V2);

        frame.putByte(2, (byte)0x02);
        assertThat(reader.read(frame, 0, length)).as("a flag flipped on the way: the checksum no longer matches")
            .isEqualTo(MavlinkFrameReader.BAD_CHECKSUM);
        final int checksumAt = length - 2;
        final int good = frame.getShort(checksumAt, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        frame.putShort(checksumAt, (short)MavlinkCrc.compute(frame, 1, checksumAt - 1,
            MavlinkMessages.crcExtra(Heartbeat.ID)), java.nio.ByteOrder.LITTLE_ENDIAN);
        assertThat(reader.read(frame, 0, length)).as("a sender that set a flag we do not know")
            .isEqualTo(MavlinkFrameReader.UNSUPPORTED_FLAGS);
        assertThat(reader.frameLength()).isEqualTo(length);
        frame.putByte(2, (byte)0);
        frame.putShort(checksumAt, (short)good, java.nio.ByteOrder.LITTLE_ENDIAN);

        frame.putByte(8, (byte)1);
        assertThat(reader.read(frame, 0, length)).isEqualTo(MavlinkFrameReader.UNKNOWN_MESSAGE);
        assertThat(reader.frameLength()).isEqualTo(length);
    }

    @Test
    void shouldRefuseEveryFrameCutShort()
    {
        final int length = writer.writeSigned(frame, 0, 0, 7, 1, writer.begin(new GlobalPositionInt()).lat(5).hdg(9),
            signer, Samples.KEY, 1, Samples.TIMESTAMP);

        for (int cut = 0; cut < length; cut++)
        {
            assertThat(reader.read(frame, 0, cut)).as("cut to %d bytes", cut).isEqualTo(MavlinkFrameReader.TRUNCATED);
        }
        assertThat(reader.read(frame, 0, length)).isEqualTo(MavlinkFrameReader.OK);
    }

    @Test
    void shouldNeverTakeAFrameWithAnyByteChanged()
    {
        final int length = writer.writeSigned(frame, 0, 0, 7, 1, writer.begin(new GlobalPositionInt()).lat(5).hdg(9),
            signer, Samples.KEY, 1, Samples.TIMESTAMP);
        final byte[] original = Arrays.copyOf(frame.byteArray(), length);

        for (int at = 0; at < length; at++)
        {
            for (final int flip : new int[] {0x01, 0x80, 0xFF})
            {
                final byte[] forged = original.clone();
                forged[at] ^= (byte)flip;
                final int result = reader.read(new UnsafeBuffer(forged), 0, forged.length);
                assertThat(result == MavlinkFrameReader.OK && signer.verify(reader, Samples.KEY))
                    .as("byte %d ^ 0x%02x taken", at, flip).isFalse();
            }
        }
    }

    @Test
    void shouldRefuseASignatureMadeWithAnotherKeyAndAnUnsignedFrame()
    {
        final byte[] otherKey = Samples.KEY.clone();
        otherKey[31] ^= 1;
        int length = writer.writeSigned(frame, 0, 0, 7, 1, writer.begin(new Heartbeat()).type(2),
            signer, otherKey, 1, Samples.TIMESTAMP);
        assertThat(reader.read(frame, 0, length)).isEqualTo(MavlinkFrameReader.OK);
        assertThat(signer.verify(reader, Samples.KEY)).isFalse();

        length = writer.write(frame, 0, 0, 7, 1, writer.begin(new Heartbeat()).type(2));
        assertThat(reader.read(frame, 0, length)).isEqualTo(MavlinkFrameReader.OK);
        assertThat(reader.isSigned()).isFalse();
        assertThat(signer.verify(reader, Samples.KEY)).isFalse();
    }

    @Test
    void shouldSurviveRandomBytesWithoutThrowingOrReadingPastTheDatagram()
    {
        final Random random = new Random(20261205);
        final byte[] bytes = new byte[300];
        int taken = 0;
        for (int i = 0; i < 50_000; i++)
        {
            random.nextBytes(bytes);
            if (random.nextBoolean())
            {
                bytes[0] = (byte)MavlinkFrameReader.MAGIC_V2;
                bytes[2] = (byte)(random.nextInt(4) == 0 ? 1 : 0);
                bytes[7] = (byte)GlobalPositionInt.ID;
                bytes[8] = 0;
                bytes[9] = 0;
            }
            final int limit = random.nextInt(bytes.length + 1);
            final int result = reader.read(new UnsafeBuffer(bytes), 0, limit);
            if (result != MavlinkFrameReader.NOT_A_FRAME && result != MavlinkFrameReader.TRUNCATED)
            {
                assertThat(reader.frameLength()).isBetween(1, limit);
            }
            if (result == MavlinkFrameReader.OK)
            {
                taken++;
                reader.payload(new GlobalPositionInt()).lat();
            }
        }
        // A random checksum matches one time in 65,536: that is what the signature is for.
        assertThat(taken).isLessThan(10);
    }

    @Test
    void shouldReadVerifyAndDecodeWithoutAllocating()
    {
        final int length = writer.writeSigned(frame, 0, 0, 7, 1,
            writer.begin(new GlobalPositionInt()).lat(525_200_000).lon(134_050_000).hdg(9_000), signer, Samples.KEY, 1,
            Samples.TIMESTAMP);
        final GlobalPositionInt position = new GlobalPositionInt();
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        long fewest = Long.MAX_VALUE;
        long sum = 0;
        for (int round = 0; round < 5 && fewest > 0; round++)
        {
            final long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
            for (int i = 0; i < 20_000; i++)
            {
                if (reader.read(frame, 0, length) == MavlinkFrameReader.OK && signer.verify(reader, Samples.KEY))
                {
                    sum += reader.payload(position).lat();
                }
            }
            fewest = Math.min(fewest, threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before);
        }

        assertThat(sum).isNotZero();
        // One allocation per frame would be at least 320 KB a round; the JIT may allocate a little once.
        assertThat(fewest).isLessThan(4_096);
    }
}
