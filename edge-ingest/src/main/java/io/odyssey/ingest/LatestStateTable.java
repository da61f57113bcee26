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
 * <p>
 * A drone silent for the expiry gives its slot back ({@link #evictSilent}), so the capacity bounds the drones heard
 * <em>at once</em>, not the drones ever heard: a flood of forged ids fills the table only while it lasts.
 */
final class LatestStateTable
{
    static final int NO_SLOT = -1;

    /** Told of each drone {@link #evictSilent} frees, before its slot can be taken again. */
    interface Evictions
    {
        void evicted(long droneId, int slot);
    }

    private final int capacity;
    private final Long2LongHashMap slotById;
    private final long[] droneId;
    private final long[] sequence;
    /**
     * Added to the drone's own sequence in what the grid sees: after a verified restart (the drone counts from the
     * start again) the published sequence carries on from the last one, so the grid's keep-newest guard and every
     * client that shows only growing sequences take the restarted drone at once.
     */
    private final long[] sequenceOffset;
    /** Signature timestamp of the drone's last accepted telemetry (0 = none, or unverified). */
    private final long[] signedAt;
    private final long[] sentAtNanos;
    private final long[] ingestNanos;
    /**
     * Monotonic time the drone was last heard: what its silence is measured on. On the wall clock a step forward (NTP,
     * an operator) evicted every drone at once, and a step back kept silent drones' slots for the step's length.
     */
    private final long[] lastHeardNanos;
    /**
     * Latest wall-clock time the drone was heard at (never lowered by a step back): a drone is forgotten only once the
     * wall clock is far enough past it that no frame it signed could pass the signature window again.
     */
    private final long[] lastHeardWallNanos;
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
    /** Slots freed by evictions, taken again before the high-water mark grows. A free slot holds drone id 0. */
    private final int[] freeSlots;
    private int freeCount;
    private int highWater;
    private int size;
    private int evictionCursor;

    LatestStateTable(final int capacity)
    {
        this.capacity = capacity;
        slotById = new Long2LongHashMap(Math.max(16, capacity * 2), 0.65f, NO_SLOT);
        droneId = new long[capacity];
        sequence = new long[capacity];
        sequenceOffset = new long[capacity];
        signedAt = new long[capacity];
        sentAtNanos = new long[capacity];
        ingestNanos = new long[capacity];
        lastHeardNanos = new long[capacity];
        lastHeardWallNanos = new long[capacity];
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
        freeSlots = new int[capacity];
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
        final int slot = freeCount > 0 ? freeSlots[--freeCount] : highWater++;
        size++;
        slotById.put(id, slot);
        droneId[slot] = id;
        sequence[slot] = Long.MIN_VALUE;
        sequenceOffset[slot] = 0;
        signedAt[slot] = 0;
        lastHeardWallNanos[slot] = Long.MIN_VALUE;
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

    /** Signature timestamp of the drone's last accepted telemetry, 0 before one (or without verification). */
    long signedAt(final int slot)
    {
        return signedAt[slot];
    }

    /**
     * The drone restarted (verified: its sequence went back while its signed timestamp moved on): the next frame's
     * sequence is published as one more than the last published one.
     */
    void restarted(final int slot, final long newSequence)
    {
        try
        {
            sequenceOffset[slot] = Math.subtractExact(Math.addExact(Math.addExact(sequence[slot], sequenceOffset[slot]), 1),
                newSequence);
        }
        catch (final ArithmeticException ex)
        {
            // Published sequences at the end of the range (a drone that counted absurdly): publish its own again.
            sequenceOffset[slot] = 0;
        }
    }

    /**
     * Copies the validated frame into the slot and marks the drone dirty. The caller has checked that the frame's
     * sequence is newer than {@link #sequence(int)} (or called {@link #restarted}).
     */
    void update(final int slot, final TelemetryFrameReader frame, final long nowNanos)
    {
        final TelemetryDecoder t = frame.telemetry();
        sequence[slot] = t.sequence();
        signedAt[slot] = frame.verifier() == null ? 0 : frame.verifier().timestamp();
        sentAtNanos[slot] = t.sentAtNanos();
        ingestNanos[slot] = nowNanos;
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

    /**
     * Records that the drone was heard (any frame from it, heartbeats included) without changing its state.
     *
     * @param wallNanos      the node's wall clock now.
     * @param monotonicNanos a monotonic clock now: silence is measured on it.
     */
    void heard(final int slot, final long wallNanos, final long monotonicNanos)
    {
        lastHeardNanos[slot] = monotonicNanos;
        lastHeardWallNanos[slot] = Math.max(lastHeardWallNanos[slot], wallNanos);
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

    /** Drones held now. */
    int size()
    {
        return size;
    }

    /**
     * Looks at up to {@code maxSlots} slots, from where the last call stopped, and frees those whose drone was last
     * heard before {@code heardBefore} (monotonic), at no wall-clock time from {@code heardWallBefore} on, and that are
     * not waiting for the grid (dirty). Bounded work per call, so the
     * hot path can run it every duty cycle; a full pass over a table of N slots takes N / maxSlots calls.
     * <p>
     * The caller must not call this while a flush is in flight: a failed flush marks its slots dirty again, which must
     * never reach a slot that was freed (or taken by another drone) meanwhile.
     *
     * @return the number of drones evicted.
     */
    int evictSilent(final long heardBefore, final long heardWallBefore, final int maxSlots, final Evictions evictions)
    {
        if (highWater == 0)
        {
            return 0;
        }
        int evicted = 0;
        for (int i = 0, n = Math.min(maxSlots, highWater); i < n; i++)
        {
            if (evictionCursor >= highWater)
            {
                evictionCursor = 0;
            }
            final int slot = evictionCursor++;
            final long id = droneId[slot];
            if (id != 0 && !dirty[slot] && lastHeardNanos[slot] - heardBefore < 0 &&
                lastHeardWallNanos[slot] < heardWallBefore)
            {
                slotById.remove(id);
                droneId[slot] = 0;
                freeSlots[freeCount++] = slot;
                size--;
                evicted++;
                evictions.evicted(id, slot);
            }
        }
        return evicted;
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
            batch.put(droneId[slot], new DroneState(droneId[slot], sequence[slot] + sequenceOffset[slot], sentAtNanos[slot], ingestNanos[slot],
                gridNanos, latitude[slot], longitude[slot], altitude[slot], heading[slot], groundSpeed[slot],
                climbRate[slot], battery[slot], DroneStatus.get(status[slot]).name(), flags[slot] & 0xFF, nodeId));
        }
        dirtyCount = 0;
        return count;
    }
}
