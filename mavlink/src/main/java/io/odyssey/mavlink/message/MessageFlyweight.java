package io.odyssey.mavlink.message;

import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * A view of one MAVLink message's payload in a buffer of at least {@link #MAX_PAYLOAD} bytes whose bytes past the
 * received length are zero: MAVLink 2 senders drop a payload's trailing zeros (and a newer sender adds extension
 * fields an older reader does not know), so a field beyond what arrived reads as zero, as the protocol defines.
 * Fields are little-endian at the offsets MAVLink's wire order gives them (base fields by size, largest first, then
 * extensions in definition order).
 */
public abstract class MessageFlyweight
{
    /** The largest payload a MAVLink 2 frame can carry. */
    public static final int MAX_PAYLOAD = 255;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    protected MutableDirectBuffer buffer;
    private final int id;
    private final int crcExtra;
    private final int length;

    /** A message's identity on the wire: its id, its definition's CRC_EXTRA, its payload length with every extension. */
    protected MessageFlyweight(final int id, final int crcExtra, final int length)
    {
        this.id = id;
        this.crcExtra = crcExtra;
        this.length = length;
    }

    /** The message id. */
    public final int id()
    {
        return id;
    }

    /** The CRC_EXTRA of its definition. */
    public final int crcExtra()
    {
        return crcExtra;
    }

    /** Its payload length with every extension field (what an untruncated frame carries). */
    public final int length()
    {
        return length;
    }

    /** Points the view at a payload (read: the frame reader's; write: the frame writer's). */
    public void wrapPayload(final MutableDirectBuffer payload)
    {
        this.buffer = payload;
    }

    protected final int u8(final int offset)
    {
        return buffer.getByte(offset) & 0xFF;
    }

    protected final int i8(final int offset)
    {
        return buffer.getByte(offset);
    }

    protected final int u16(final int offset)
    {
        return buffer.getShort(offset, LE) & 0xFFFF;
    }

    protected final int i16(final int offset)
    {
        return buffer.getShort(offset, LE);
    }

    protected final int i32(final int offset)
    {
        return buffer.getInt(offset, LE);
    }

    protected final long u32(final int offset)
    {
        return buffer.getInt(offset, LE) & 0xFFFF_FFFFL;
    }

    protected final long u64(final int offset)
    {
        return buffer.getLong(offset, LE);
    }

    protected final float f32(final int offset)
    {
        return buffer.getFloat(offset, LE);
    }

    protected final void put8(final int offset, final int value)
    {
        buffer.putByte(offset, (byte)value);
    }

    protected final void put16(final int offset, final int value)
    {
        buffer.putShort(offset, (short)value, LE);
    }

    protected final void put32(final int offset, final long value)
    {
        buffer.putInt(offset, (int)value, LE);
    }

    protected final void put64(final int offset, final long value)
    {
        buffer.putLong(offset, value, LE);
    }

    protected final void putFloat(final int offset, final float value)
    {
        buffer.putFloat(offset, value, LE);
    }
}
