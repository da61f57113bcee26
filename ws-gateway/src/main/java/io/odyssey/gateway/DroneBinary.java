package io.odyssey.gateway;

import io.odyssey.grid.DroneState;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * The binary drone record and frame header of {@code odyssey.bin.v1} ({@code docs/api/websocket.md}, "Binary frames";
 * held to {@code docs/api/fleet-binary-golden.json} by the tests): fixed-size, little-endian, quantised.
 * <p>
 * A record depends only on the drone's state and the node's index in the gateway's {@link NodeTable} (the same for
 * every connection), never on the client, so the fan-out encodes a drone once per tick and copies the bytes into
 * every binary frame that carries it. Writes straight into the caller's buffer: nothing is allocated.
 */
final class DroneBinary
{
    static final byte MAGIC = 0x4F;
    static final byte VERSION = 1;
    static final byte SNAPSHOT = 1;
    static final byte CHANGES = 2;
    static final byte FLAG_BBOX = 1;
    static final int HEADER_LENGTH = 32;
    static final int RECORD_LENGTH = 60;
    static final int BOX_LENGTH = 32;
    /** The uint16 sentinel: "the gateway does not have it" (also node index "none"). */
    static final int NONE_U16 = 0xFFFF;
    private static final int NONE_I32 = Integer.MIN_VALUE;
    private static final short NONE_I16 = Short.MIN_VALUE;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private DroneBinary()
    {
    }

    /** Writes one drone record of {@link #RECORD_LENGTH} bytes at {@code offset}. */
    static void writeRecord(
        final MutableDirectBuffer buffer, final int offset, final DroneState s, final long gatewayNanos, final int node)
    {
        buffer.putLong(offset, s.droneId(), LE);
        buffer.putLong(offset + 8, s.sequence(), LE);
        buffer.putLong(offset + 16, s.sentAtNanos(), LE);
        buffer.putInt(offset + 24, quantise(s.latitude(), 1e7, 900_000_000L), LE);
        buffer.putInt(offset + 28, quantise(s.longitude(), 1e7, 1_800_000_000L), LE);
        buffer.putInt(offset + 32, quantise(s.altitude(), 100, Integer.MAX_VALUE), LE);
        buffer.putInt(offset + 36, hopMicros(s.sentAtNanos(), s.ingestNanos()), LE);
        buffer.putInt(offset + 40, hopMicros(s.ingestNanos(), s.gridNanos()), LE);
        buffer.putInt(offset + 44, hopMicros(s.gridNanos(), gatewayNanos), LE);
        buffer.putShort(offset + 48, heading(s.heading()), LE);
        buffer.putShort(offset + 50, unsigned(s.groundSpeed(), 100, 65_534), LE);
        final float climb = s.climbRate();
        buffer.putShort(offset + 52, Float.isFinite(climb) ? (short)clamp(Math.round(climb * 100.0), 32_767) : NONE_I16, LE);
        buffer.putShort(offset + 54, unsigned(s.battery(), 100, 10_000), LE);
        // The SBE schema's value (the JSON carries the name); 0xFF, its null value, for a name outside the list.
        buffer.putByte(offset + 56, (byte)s.droneStatus().value());
        buffer.putByte(offset + 57, (byte)s.flags());
        buffer.putShort(offset + 58, (short)node, LE);
    }

    /**
     * Writes a frame header at 0.
     *
     * @param frameType {@link #SNAPSHOT} or {@link #CHANGES}.
     * @param frame     the connection's frame number (uint32 on the wire).
     * @param hasBox    whether the subscription's box follows the header.
     */
    static void writeHeader(final MutableDirectBuffer buffer, final byte frameType, final long frame, final boolean hasBox,
        final int droneCount, final int removedCount, final long frameTimeNs)
    {
        buffer.putByte(0, MAGIC);
        buffer.putByte(1, VERSION);
        buffer.putByte(2, frameType);
        buffer.putByte(3, hasBox ? FLAG_BBOX : 0);
        buffer.putShort(4, (short)HEADER_LENGTH, LE);
        buffer.putShort(6, (short)RECORD_LENGTH, LE);
        buffer.putInt(8, (int)frame, LE);
        buffer.putInt(12, droneCount, LE);
        buffer.putInt(16, removedCount, LE);
        buffer.putInt(20, 0, LE);
        buffer.putLong(24, frameTimeNs, LE);
    }

    /** Writes the subscription's box (west, south, east, north) at {@code offset}. */
    static void writeBox(final MutableDirectBuffer buffer, final int offset, final BoundingBox box)
    {
        buffer.putDouble(offset, box.west(), LE);
        buffer.putDouble(offset + 8, box.south(), LE);
        buffer.putDouble(offset + 16, box.east(), LE);
        buffer.putDouble(offset + 24, box.north(), LE);
    }

    static void writeId(final MutableDirectBuffer buffer, final int offset, final long id)
    {
        buffer.putLong(offset, id, LE);
    }

    /** {@code Math.round(value × scale)} clamped to ±limit; the int32 sentinel for a value the gateway does not have. */
    private static int quantise(final double value, final double scale, final long limit)
    {
        return Double.isFinite(value) ? (int)clamp(Math.round(value * scale), limit) : NONE_I32;
    }

    private static short unsigned(final float value, final double scale, final long max)
    {
        if (!Float.isFinite(value))
        {
            return (short)NONE_U16;
        }
        return (short)Math.max(0, Math.min(max, Math.round(value * scale)));
    }

    /** 0.01 degree in 0..35999: a heading that rounds to a full turn is north. */
    private static short heading(final float degrees)
    {
        if (!Float.isFinite(degrees))
        {
            return (short)NONE_U16;
        }
        final long centi = Math.max(0, Math.min(36_000, Math.round(degrees * 100.0)));
        return (short)(centi == 36_000 ? 0 : centi);
    }

    /** µs from one stamp to a later one, saturated; the sentinel when either stamp is missing (0). */
    private static int hopMicros(final long earlierNs, final long laterNs)
    {
        if (earlierNs == 0 || laterNs == 0)
        {
            return NONE_I32;
        }
        return (int)clamp(Math.round((laterNs - earlierNs) / 1000.0), Integer.MAX_VALUE);
    }

    private static long clamp(final long value, final long limit)
    {
        return Math.max(-limit, Math.min(limit, value));
    }
}
