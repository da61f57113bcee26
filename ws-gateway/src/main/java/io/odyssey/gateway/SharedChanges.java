package io.odyssey.gateway;

import org.agrona.ExpandableArrayBuffer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.BitSet;

/**
 * The last {@code changes} frame of one encoding the fan-out built for a whole-fleet client during the current scan,
 * kept so that every other whole-fleet client due in the same scan gets a copy of its bytes (with its own frame
 * number) instead of a frame built again: walking the dirty drones, checking each against the view, copying each
 * record and recording its latency per client was most of the fan-out's CPU with 100 clients (issue 14).
 * <p>
 * A client may take the frame only when the frame says exactly what its own would have said, up to versions that
 * arrived while the scan ran: {@link ClientSession} checks that the frame's drones are all dirty for it, that each is
 * newer than what it was sent last, that its other dirty drones changed only after the frame was built, and that it
 * has no removals to report; whatever changed after the frame was built stays dirty for it, so its next frame carries
 * the newer version. Valid for one scan ({@link #clear}); the fan-out thread's only.
 */
final class SharedChanges
{
    private final boolean binary;
    /** The dirty slots the frame was built from (drones gone meanwhile are left out of the frame, for every client). */
    final BitSet slots = new BitSet(DroneRecords.MIN_RECORDS);
    /** Scratch space for the checks of a client taking the frame (no allocation per client). */
    final BitSet scratch = new BitSet(DroneRecords.MIN_RECORDS);
    private final ExpandableArrayBuffer bytes = new ExpandableArrayBuffer(64 * 1024);
    private int length;
    /** JSON: where the frame number goes (the frame ends with it and a brace). */
    private int numberAt;
    int[] recordSlots = new int[DroneRecords.MIN_RECORDS];
    long[] recordSequences = new long[DroneRecords.MIN_RECORDS];
    int records;
    /** {@link FleetView#changeCount()} before the frame's builder read any drone. */
    long changeCount;
    private boolean valid;

    SharedChanges(final boolean binary)
    {
        this.binary = binary;
    }

    boolean isBinary()
    {
        return binary;
    }

    boolean isValid()
    {
        return valid;
    }

    /** Forgets the frame (a new scan, or its builder could not share it). */
    void clear()
    {
        valid = false;
        records = 0;
    }

    /** Starts recording a frame about to be built from {@code dirty}. */
    void begin(final BitSet dirty, final long changeCount)
    {
        valid = false;
        records = 0;
        slots.clear();
        slots.or(dirty);
        this.changeCount = changeCount;
    }

    /** A drone the frame carries, in frame order. */
    void record(final int slot, final long sequence)
    {
        if (records == recordSlots.length)
        {
            recordSlots = Arrays.copyOf(recordSlots, 2 * records);
            recordSequences = Arrays.copyOf(recordSequences, 2 * records);
        }
        recordSlots[records] = slot;
        recordSequences[records] = sequence;
        records++;
    }

    /**
     * Keeps the finished frame's bytes: the whole binary frame, or the JSON frame up to its frame number.
     *
     * @param jsonNumberAt for JSON, the length of the frame before its number; ignored for binary.
     */
    void finish(final FrameWriter writer, final int jsonNumberAt)
    {
        length = binary ? writer.length() : jsonNumberAt;
        writer.copyTo(bytes, length);
        numberAt = jsonNumberAt;
        valid = true;
    }

    /** A copy of the frame numbered {@code frame}, ready to hand to the network. */
    ByteBuffer copyNumbered(final long frame)
    {
        if (binary)
        {
            final byte[] copy = new byte[length];
            bytes.getBytes(0, copy);
            // The header's frame number (uint32, little-endian, at offset 8: DroneBinary.writeHeader).
            ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putInt(8, (int)frame);
            return ByteBuffer.wrap(copy);
        }
        int digits = 1;
        for (long rest = frame / 10; rest > 0; rest /= 10)
        {
            digits++;
        }
        final byte[] copy = new byte[length + digits + 1];
        bytes.getBytes(0, copy, 0, length);
        long rest = frame;
        for (int i = length + digits - 1; i >= length; i--)
        {
            copy[i] = (byte)('0' + rest % 10);
            rest /= 10;
        }
        copy[copy.length - 1] = '}';
        return ByteBuffer.wrap(copy);
    }

    int droneCount()
    {
        return records;
    }
}
