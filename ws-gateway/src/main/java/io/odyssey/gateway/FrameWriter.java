package io.odyssey.gateway;

import org.agrona.ExpandableArrayBuffer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Builds one outgoing text frame as UTF-8 bytes from pre-encoded drone objects and a few ASCII tokens, in a buffer
 * reused frame after frame; only the finished frame is copied out (Undertow keeps it until the socket took it).
 * Not thread-safe.
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

    int length()
    {
        return length;
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
