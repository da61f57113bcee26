package io.odyssey.mavlink;

import io.odyssey.mavlink.message.MessageFlyweight;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Reads MAVLink 2 frames out of a datagram or a stream buffer without allocating: checks the frame's shape and its
 * checksum, exposes its header and signature fields, and copies its payload into a zeroed buffer of the largest
 * payload so message flyweights read a truncated payload's missing tail as zeros (the protocol's rule). A datagram
 * may carry several frames: read from an offset and go on by {@link #frameLength()}.
 * <p>
 * What is refused says why, so the edge can count it: a MAVLink 1 frame (Odyssey speaks MAVLink 2 only: MAVLink 1
 * cannot be signed), a frame cut short, incompatibility flags Odyssey does not understand (the protocol requires
 * dropping such frames), a message it does not know (its checksum cannot be checked), a bad checksum. A signed
 * frame's signature is checked by {@link MavlinkSigner}, with the key of the vehicle the header names.
 */
public final class MavlinkFrameReader
{
    /** A valid frame of a known message. */
    public static final int OK = 0;
    /** No MAVLink magic byte at the offset: not a frame start (skip to the next {@link #MAGIC_V2}). */
    public static final int NOT_A_FRAME = 1;
    /** A MAVLink 1 frame (magic 0xFE): refused, Odyssey speaks MAVLink 2 only. */
    public static final int MAVLINK1 = 2;
    /** Fewer bytes than the header announces. */
    public static final int TRUNCATED = 3;
    /** Incompatibility flags other than "signed". */
    public static final int UNSUPPORTED_FLAGS = 4;
    /** A message id Odyssey has no definition (CRC_EXTRA) for. */
    public static final int UNKNOWN_MESSAGE = 5;
    /** The checksum does not match. */
    public static final int BAD_CHECKSUM = 6;

    public static final int MAGIC_V2 = 0xFD;
    public static final int MAGIC_V1 = 0xFE;
    /** Magic, length, incompat and compat flags, sequence, system, component, 3-byte message id. */
    public static final int HEADER_LENGTH = 10;
    public static final int CHECKSUM_LENGTH = 2;
    /** Link id (1), timestamp (6), signature (6). */
    public static final int SIGNATURE_LENGTH = 13;
    public static final int INCOMPAT_SIGNED = 0x01;
    private static final int V1_OVERHEAD = 8;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[MessageFlyweight.MAX_PAYLOAD]);
    private DirectBuffer buffer;
    private int offset;
    private int frameLength;
    private int payloadLength;
    private int incompatFlags;

    /**
     * Reads the frame at {@code offset}; {@code limit} is the end of the valid bytes.
     *
     * @return {@link #OK} or why the frame is refused. After anything but {@link #NOT_A_FRAME} and {@link #TRUNCATED},
     * {@link #frameLength()} says where the next frame starts.
     */
    public int read(final DirectBuffer buffer, final int offset, final int limit)
    {
        this.buffer = buffer;
        this.offset = offset;
        frameLength = 0;
        final int available = limit - offset;
        if (available < 1)
        {
            return TRUNCATED;
        }
        final int magic = buffer.getByte(offset) & 0xFF;
        if (magic == MAGIC_V1)
        {
            if (available < 2)
            {
                return TRUNCATED;
            }
            frameLength = V1_OVERHEAD + (buffer.getByte(offset + 1) & 0xFF);
            return frameLength <= available ? MAVLINK1 : TRUNCATED;
        }
        if (magic != MAGIC_V2)
        {
            return NOT_A_FRAME;
        }
        if (available < HEADER_LENGTH + CHECKSUM_LENGTH)
        {
            return TRUNCATED;
        }
        payloadLength = buffer.getByte(offset + 1) & 0xFF;
        incompatFlags = buffer.getByte(offset + 2) & 0xFF;
        final boolean signed = (incompatFlags & INCOMPAT_SIGNED) != 0;
        final int length = HEADER_LENGTH + payloadLength + CHECKSUM_LENGTH + (signed ? SIGNATURE_LENGTH : 0);
        if (length > available)
        {
            return TRUNCATED;
        }
        frameLength = length;
        final int crcExtra = MavlinkMessages.crcExtra(messageId());
        if (crcExtra < 0)
        {
            return UNKNOWN_MESSAGE;
        }
        final int crc = MavlinkCrc.compute(buffer, offset + 1, HEADER_LENGTH - 1 + payloadLength, crcExtra);
        if (crc != checksum())
        {
            return BAD_CHECKSUM;
        }
        // After the checksum, which covers the flags: a corrupted header byte is a bad checksum, and only a sender
        // that really set a flag we do not know is counted as one.
        if ((incompatFlags & ~INCOMPAT_SIGNED) != 0)
        {
            return UNSUPPORTED_FLAGS;
        }
        payload.setMemory(0, MessageFlyweight.MAX_PAYLOAD, (byte)0);
        buffer.getBytes(offset + HEADER_LENGTH, payload, 0, payloadLength);
        return OK;
    }

    /** Where the next frame starts, relative to this one's offset (0 when the frame's length is not known). */
    public int frameLength()
    {
        return frameLength;
    }

    public int payloadLength()
    {
        return payloadLength;
    }

    public int sequence()
    {
        return buffer.getByte(offset + 4) & 0xFF;
    }

    public int systemId()
    {
        return buffer.getByte(offset + 5) & 0xFF;
    }

    public int componentId()
    {
        return buffer.getByte(offset + 6) & 0xFF;
    }

    public int messageId()
    {
        return (buffer.getByte(offset + 7) & 0xFF) | (buffer.getByte(offset + 8) & 0xFF) << 8 |
            (buffer.getByte(offset + 9) & 0xFF) << 16;
    }

    public int checksum()
    {
        return buffer.getShort(offset + HEADER_LENGTH + payloadLength, LE) & 0xFFFF;
    }

    public boolean isSigned()
    {
        return (incompatFlags & INCOMPAT_SIGNED) != 0;
    }

    /** The signature's link id (signed frames only). */
    public int linkId()
    {
        return buffer.getByte(signatureOffset()) & 0xFF;
    }

    /** The signature's timestamp in 10 µs units since 2015-01-01 UTC (signed frames only). */
    public long timestamp()
    {
        final int at = signatureOffset() + 1;
        return (buffer.getInt(at, LE) & 0xFFFF_FFFFL) | (buffer.getShort(at + 4, LE) & 0xFFFFL) << 32;
    }

    /** The buffer and offset of the frame last read (for {@link MavlinkSigner#verify}). */
    public DirectBuffer buffer()
    {
        return buffer;
    }

    public int offset()
    {
        return offset;
    }

    /** Points a message view at this frame's payload; the caller checks {@link #messageId()} first. */
    public <T extends MessageFlyweight> T payload(final T message)
    {
        message.wrapPayload(payload);
        return message;
    }

    /** The payload as message views see it (zeros past its length). */
    DirectBuffer payloadBuffer()
    {
        return payload;
    }

    int signatureOffset()
    {
        return offset + HEADER_LENGTH + payloadLength + CHECKSUM_LENGTH;
    }
}
