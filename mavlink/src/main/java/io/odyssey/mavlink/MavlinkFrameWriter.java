package io.odyssey.mavlink;

import io.odyssey.mavlink.message.MessageFlyweight;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

/**
 * Writes MAVLink 2 frames without allocating: {@link #begin} hands out a zeroed payload for a message's fields, then
 * {@link #write} (or {@link #writeSigned}) frames it: trailing zero bytes dropped as MAVLink 2 requires (at least one
 * payload byte stays), the checksum with the message's CRC_EXTRA, and the signature if asked. One instance per thread.
 */
public final class MavlinkFrameWriter
{
    /** The longest frame: header, the largest payload, checksum, signature. */
    public static final int MAX_FRAME_LENGTH = MavlinkFrameReader.HEADER_LENGTH + MessageFlyweight.MAX_PAYLOAD +
        MavlinkFrameReader.CHECKSUM_LENGTH + MavlinkFrameReader.SIGNATURE_LENGTH;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final UnsafeBuffer payload = new UnsafeBuffer(new byte[MessageFlyweight.MAX_PAYLOAD]);

    /** Points {@code message} at a zeroed payload: set its fields, then write the frame. */
    public <T extends MessageFlyweight> T begin(final T message)
    {
        payload.setMemory(0, MessageFlyweight.MAX_PAYLOAD, (byte)0);
        message.wrapPayload(payload);
        return message;
    }

    /** Frames the message begun last, unsigned. @return the frame's length. */
    public int write(final MutableDirectBuffer out, final int offset, final int sequence, final int systemId,
        final int componentId, final MessageFlyweight message)
    {
        return frame(out, offset, sequence, systemId, componentId, message, 0);
    }

    /** Frames the message begun last and signs it with {@code key} (see {@link MavlinkSigner}). @return its length. */
    public int writeSigned(final MutableDirectBuffer out, final int offset, final int sequence, final int systemId,
        final int componentId, final MessageFlyweight message, final MavlinkSigner signer, final byte[] key,
        final int linkId, final long timestamp)
    {
        final int unsigned = frame(out, offset, sequence, systemId, componentId, message,
            MavlinkFrameReader.INCOMPAT_SIGNED);
        return signer.sign(out, offset, unsigned, key, linkId, timestamp);
    }

    private int frame(final MutableDirectBuffer out, final int offset, final int sequence, final int systemId,
        final int componentId, final MessageFlyweight message, final int incompatFlags)
    {
        int length = message.length();
        while (length > 1 && payload.getByte(length - 1) == 0)
        {
            length--;
        }
        final int id = message.id();
        out.putByte(offset, (byte)MavlinkFrameReader.MAGIC_V2);
        out.putByte(offset + 1, (byte)length);
        out.putByte(offset + 2, (byte)incompatFlags);
        out.putByte(offset + 3, (byte)0);
        out.putByte(offset + 4, (byte)sequence);
        out.putByte(offset + 5, (byte)systemId);
        out.putByte(offset + 6, (byte)componentId);
        out.putByte(offset + 7, (byte)id);
        out.putByte(offset + 8, (byte)(id >>> 8));
        out.putByte(offset + 9, (byte)(id >>> 16));
        out.putBytes(offset + MavlinkFrameReader.HEADER_LENGTH, payload, 0, length);
        final int crc = MavlinkCrc.compute(out, offset + 1, MavlinkFrameReader.HEADER_LENGTH - 1 + length,
            message.crcExtra());
        out.putShort(offset + MavlinkFrameReader.HEADER_LENGTH + length, (short)crc, LE);
        return MavlinkFrameReader.HEADER_LENGTH + length + MavlinkFrameReader.CHECKSUM_LENGTH;
    }
}
