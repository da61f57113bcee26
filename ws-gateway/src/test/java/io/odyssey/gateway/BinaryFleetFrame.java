package io.odyssey.gateway;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A decoder of {@code odyssey.bin.v1} frames written from the spec (docs/api/websocket.md, "Binary frames") for the
 * tests' binary clients, checked against the golden vectors like the dashboard's: reads what a version-1 decoder
 * knows, skips what a later version appends, and refuses a frame that does not add up.
 */
record BinaryFleetFrame(int frameType, long frame, long droneCount, long frameTimeNs, double[] bbox, List<Drone> drones,
    List<Long> removed)
{
    /** One drone record; a field the gateway did not have is null. */
    record Drone(long id, long seq, long sentAtNs, Double lat, Double lon, Double alt, Integer ingestUs, Integer gridUs,
        Integer gatewayUs, Double hdg, Double spd, Double climb, Double bat, Integer status, int flags, Integer node)
    {
    }

    static final String[] STATUSES = {"GROUNDED", "TAKING_OFF", "CRUISING", "HOVERING", "LANDING", "RETURNING", "EMERGENCY"};

    /** @throws IllegalArgumentException naming why the frame is refused. */
    static BinaryFleetFrame decode(final byte[] bytes)
    {
        final ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 32)
        {
            throw new IllegalArgumentException("shorter than a header");
        }
        if (in.get(0) != 0x4F)
        {
            throw new IllegalArgumentException("magic");
        }
        if (in.get(1) != 1)
        {
            throw new IllegalArgumentException("version " + in.get(1));
        }
        final int frameType = in.get(2) & 0xFF;
        final boolean hasBox = (in.get(3) & 1) != 0;
        final int headerLength = in.getShort(4) & 0xFFFF;
        final int recordLength = in.getShort(6) & 0xFFFF;
        if (headerLength < 32)
        {
            throw new IllegalArgumentException("header length");
        }
        if (recordLength < 60)
        {
            throw new IllegalArgumentException("record length");
        }
        final long frame = in.getInt(8) & 0xFFFFFFFFL;
        final long droneCount = in.getInt(12) & 0xFFFFFFFFL;
        final long removedCount = in.getInt(16) & 0xFFFFFFFFL;
        final long expected = headerLength + (hasBox ? 32L : 0) + droneCount * recordLength + removedCount * 8;
        if (expected != bytes.length)
        {
            throw new IllegalArgumentException("says " + expected + " bytes, has " + bytes.length);
        }
        int at = headerLength;
        double[] bbox = null;
        if (hasBox)
        {
            bbox = new double[]{in.getDouble(at), in.getDouble(at + 8), in.getDouble(at + 16), in.getDouble(at + 24)};
            at += 32;
        }
        final List<Drone> drones = new ArrayList<>();
        for (long i = 0; i < droneCount; i++, at += recordLength)
        {
            final int status = in.get(at + 56) & 0xFF;
            final int node = in.getShort(at + 58) & 0xFFFF;
            drones.add(new Drone(in.getLong(at), in.getLong(at + 8), in.getLong(at + 16),
                i32(in.getInt(at + 24), 1e7), i32(in.getInt(at + 28), 1e7), i32(in.getInt(at + 32), 100),
                us(in.getInt(at + 36)), us(in.getInt(at + 40)), us(in.getInt(at + 44)),
                u16(in.getShort(at + 48), 100), u16(in.getShort(at + 50), 100),
                in.getShort(at + 52) == Short.MIN_VALUE ? null : in.getShort(at + 52) / 100.0,
                u16(in.getShort(at + 54), 100), status == 0xFF ? null : status, in.get(at + 57) & 0xFF,
                node == 0xFFFF ? null : node));
        }
        final List<Long> removed = new ArrayList<>();
        for (long i = 0; i < removedCount; i++, at += 8)
        {
            removed.add(in.getLong(at));
        }
        return new BinaryFleetFrame(frameType, frame, droneCount, in.getLong(24), bbox, drones, removed);
    }

    private static Double i32(final int value, final double scale)
    {
        return value == Integer.MIN_VALUE ? null : value / scale;
    }

    private static Integer us(final int value)
    {
        return value == Integer.MIN_VALUE ? null : value;
    }

    private static Double u16(final short value, final double scale)
    {
        final int unsigned = value & 0xFFFF;
        return unsigned == 0xFFFF ? null : unsigned / scale;
    }
}
