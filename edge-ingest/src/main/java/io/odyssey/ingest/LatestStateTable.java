package io.odyssey.ingest;

import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.codecs.sbe.TelemetryDecoder;
import io.odyssey.grid.DroneState;
import org.agrona.collections.Long2LongHashMap;

import java.util.Map;

/**
 * The newest accepted state of every drone this node hears, in preallocated parallel arrays, plus the list of drones
 * changed since the last flush to the grid. Owned by the ingest agent's thread; nothing here is thread-safe.
 * <p>
 * Updating a slot allocates nothing (the id → slot index is an open-addressing primitive map sized up front), which
 * is what lets the ingest hot path run at Aeron's speed while the grid is written in batches.
 */
final class LatestStateTable
{
    static final int NO_SLOT = -1;

    private final int capacity;
    private final Long2LongHashMap slotById;
    private final long[] droneId;
    private final long[] sequence;
    private final long[] sentAtNanos;
    private final long[] ingestNanos;
    private final long[] lastHeardNanos;
    private final double[] latitude;
    private final double[] longitude;
    private final float[] altitude;
    private final float[] heading;
    private final float[] groundSpeed;
    private final float[] climbRate;
    private final float[] battery;
    private final byte[] status;
    private final byte[] flags;
    private final boolean[] dirty;
    private final int[] dirtySlots;
    private int dirtyCount;
    private int size;

    LatestStateTable(final int capacity)
    {
        this.capacity = capacity;
        slotById = new Long2LongHashMap(Math.max(16, capacity * 2), 0.65f, NO_SLOT);
        droneId = new long[capacity];
        sequence = new long[capacity];
        sentAtNanos = new long[capacity];
        ingestNanos = new long[capacity];
        lastHeardNanos = new long[capacity];
        latitude = new double[capacity];
        longitude = new double[capacity];
        altitude = new float[capacity];
        heading = new float[capacity];
        groundSpeed = new float[capacity];
        climbRate = new float[capacity];
        battery = new float[capacity];
        status = new byte[capacity];
        flags = new byte[capacity];
        dirty = new boolean[capacity];
        dirtySlots = new int[capacity];
    }

    /** @return the drone's slot, creating it if there is room, or {@link #NO_SLOT} when the table is full. */
    int slotFor(final long id)
    {
        final long existing = slotById.get(id);
        if (existing != NO_SLOT)
        {
            return (int)existing;
        }
        if (size == capacity)
        {
            return NO_SLOT;
        }
        final int slot = size++;
        slotById.put(id, slot);
        droneId[slot] = id;
        sequence[slot] = Long.MIN_VALUE;
        return slot;
    }

    /** @return the drone's slot or {@link #NO_SLOT} without creating one. */
    int existingSlot(final long id)
    {
        return (int)slotById.get(id);
    }

    /** Last accepted sequence of the drone, {@link Long#MIN_VALUE} before its first accepted frame. */
    long sequence(final int slot)
    {
        return sequence[slot];
    }

    /**
     * Copies the validated frame into the slot and marks the drone dirty. The caller has checked that the frame's
     * sequence is newer than {@link #sequence(int)}.
     */
    void update(final int slot, final TelemetryFrameReader frame, final long nowNanos)
    {
        final TelemetryDecoder t = frame.telemetry();
        sequence[slot] = t.sequence();
        sentAtNanos[slot] = t.sentAtNanos();
        ingestNanos[slot] = nowNanos;
        lastHeardNanos[slot] = nowNanos;
        latitude[slot] = t.latitude();
        longitude[slot] = t.longitude();
        altitude[slot] = t.altitude();
        heading[slot] = t.heading();
        groundSpeed[slot] = t.groundSpeed();
        climbRate[slot] = frame.climbRate();
        battery[slot] = t.battery();
        status[slot] = (byte)frame.statusCode();
        flags[slot] = (byte)t.flags().getRaw();
        markDirty(slot);
    }

    /** Records that the drone was heard (any frame from it, heartbeats included) without changing its state. */
    void heard(final int slot, final long nowNanos)
    {
        lastHeardNanos[slot] = nowNanos;
    }

    long lastHeardNanos(final int slot)
    {
        return lastHeardNanos[slot];
    }

    /** Adds the drone to the next flush; a drone already in it stays there once (the list holds each slot at most once). */
    void markDirty(final int slot)
    {
        if (!dirty[slot])
        {
            dirty[slot] = true;
            dirtySlots[dirtyCount++] = slot;
        }
    }

    /** Most drones the table can hold; also the size of a buffer that can take every slot drained by one flush. */
    int capacity()
    {
        return capacity;
    }

    int dirtyCount()
    {
        return dirtyCount;
    }

    int size()
    {
        return size;
    }

    /**
     * Moves every dirty drone's newest state into {@code batch} and its slot into {@code slotsOut}, clearing the dirty
     * list. This is the one place ingest allocates: one {@link DroneState} per changed drone per flush.
     *
     * @return the number of drones drained.
     */
    int drainDirty(final Map<Long, DroneState> batch, final int[] slotsOut, final long gridNanos, final String nodeId)
    {
        final int count = dirtyCount;
        for (int i = 0; i < count; i++)
        {
            final int slot = dirtySlots[i];
            dirty[slot] = false;
            slotsOut[i] = slot;
            batch.put(droneId[slot], new DroneState(droneId[slot], sequence[slot], sentAtNanos[slot], ingestNanos[slot],
                gridNanos, latitude[slot], longitude[slot], altitude[slot], heading[slot], groundSpeed[slot],
                climbRate[slot], battery[slot], DroneStatus.get(status[slot]).name(), flags[slot] & 0xFF, nodeId));
        }
        dirtyCount = 0;
        return count;
    }
}
