package io.odyssey.gateway;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Builds one outgoing frame in a buffer reused frame after frame: a text frame as UTF-8 bytes from pre-encoded drone
 * objects and a few ASCII tokens, or a binary {@code odyssey.bin.v1} frame from pre-encoded drone records (the header
 * is written last, once the counts are known). Only the finished frame is copied out (Undertow keeps it until the
 * socket took it). Not thread-safe.
 */
final class FrameWriter
{
    private final ExpandableArrayBuffer buffer;
    private int length;

    FrameWriter(final int initialCapacity)
    {
        buffer = new ExpandableArrayBuffer(initialCapacity);
    }

    FrameWriter reset()
    {
        length = 0;
        return this;
    }

    /** @param text ASCII only (message keys and tokens written by the gateway itself). */
    FrameWriter ascii(final String text)
    {
        length += buffer.putStringWithoutLengthAscii(length, text);
        return this;
    }

    FrameWriter ascii(final char c)
    {
        buffer.putByte(length++, (byte)c);
        return this;
    }

    FrameWriter number(final long value)
    {
        length += buffer.putLongAscii(length, value);
        return this;
    }

    FrameWriter bytes(final byte[] utf8)
    {
        buffer.putBytes(length, utf8);
        length += utf8.length;
        return this;
    }

    /** Starts a binary frame: room for the header, then the subscription's box when {@code box} is not null. */
    FrameWriter beginBinary(final BoundingBox box)
    {
        length = DroneBinary.HEADER_LENGTH;
        if (box != null)
        {
            DroneBinary.writeBox(buffer, length, box);
            length += DroneBinary.BOX_LENGTH;
        }
        return this;
    }

    /** Appends one drone record, copied from where the fan-out encoded it. */
    FrameWriter record(final DirectBuffer records, final int offset)
    {
        buffer.putBytes(length, records, offset, DroneBinary.RECORD_LENGTH);
        length += DroneBinary.RECORD_LENGTH;
        return this;
    }

    /** Appends one removed drone id (after every record). */
    FrameWriter removedId(final long id)
    {
        DroneBinary.writeId(buffer, length, id);
        length += 8;
        return this;
    }

    /** Completes a binary frame begun with {@link #beginBinary}: writes its header. */
    FrameWriter finishBinary(final byte frameType, final long frame, final boolean hasBox, final int droneCount,
        final int removedCount, final long frameTimeNs)
    {
        DroneBinary.writeHeader(buffer, frameType, frame, hasBox, droneCount, removedCount, frameTimeNs);
        return this;
    }

    int length()
    {
        return length;
    }

    /** Copies the first {@code bytes} of the frame into {@code target} at 0. */
    void copyTo(final MutableDirectBuffer target, final int bytes)
    {
        target.putBytes(0, buffer, 0, bytes);
    }

    /** A copy of the frame, ready to hand to the network. */
    ByteBuffer toByteBuffer()
    {
        final byte[] frame = new byte[length];
        buffer.getBytes(0, frame);
        return ByteBuffer.wrap(frame);
    }

    @Override
    public String toString()
    {
        return buffer.getStringWithoutLengthUtf8(0, length);
    }

    static ByteBuffer utf8(final String text)
    {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    }
}
