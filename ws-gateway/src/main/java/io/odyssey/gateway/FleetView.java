package io.odyssey.gateway;

import io.odyssey.grid.DroneState;
import org.agrona.collections.IntArrayList;

import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The gateway's fleet: the newest version of each drone, by id (for the REST API and the fleet feed's merge) and by
 * <em>slot</em>, a small dense number the drone keeps while it is in the view. Slots let every client session track
 * its drones in plain arrays indexed by slot (dirty and visible bits, the sequence last sent) instead of hash maps:
 * with 100 clients the fan-out did one cache-missing hash lookup per drone per client per frame (issue 14's profile).
 * <p>
 * A slot is reused only after every session was told its drone left ({@link #release}, called by the fleet feed once
 * it has notified the sessions), so a session never confuses two drones; {@link #atSlot} returns null from the moment
 * the drone leaves, before the sessions are told. Bounded: at most {@link #MAX_SLOTS} drones; a drone beyond that is
 * refused (counted in {@code odyssey_gateway_drones_refused_total}) until a slot is free again.
 * <p>
 * Threads: Hazelcast event threads and the resync thread merge and remove; the fan-out thread reads by slot.
 */
final class FleetView
{
    static final int PAGE_BITS = 10;
    static final int PAGE_SIZE = 1 << PAGE_BITS;
    /** 1,048,576 drones: far above what one ingest node serves ({@code ODYSSEY_INGEST_MAX_DRONES}) times a few nodes. */
    static final int MAX_SLOTS = 1_024 * PAGE_SIZE;

    private final Map<Long, DroneView> byId = new ConcurrentHashMap<>();
    private final Map<Long, DroneView> readOnly = Collections.unmodifiableMap(byId);
    /** Pages of slots, created as the fleet grows and never moved, so a reader needs no lock. */
    private final AtomicReferenceArray<AtomicReferenceArray<DroneView>> pages;
    /** Per slot, the change count after its drone's newest version was put in the view ({@link #stamp}). */
    private final AtomicReferenceArray<AtomicLongArray> stampPages;
    /** Versions put in the view so far: the clock of {@link #stamp} and {@link #changeCount}. */
    private final AtomicLong changes = new AtomicLong();
    private final IntArrayList freeSlots = new IntArrayList();
    private final int maxSlots;
    private final Runnable stale;
    private final Runnable refused;
    /** One more than the highest slot ever given: sessions scan their arrays up to here. */
    private volatile int slotLimit;

    /**
     * @param stale   called for each version not newer than the one held.
     * @param refused called for each version of a drone refused because every slot is taken.
     */
    FleetView(final Runnable stale, final Runnable refused)
    {
        this(MAX_SLOTS, stale, refused);
    }

    /** @param maxSlots the most drones the view holds at once (at most {@link #MAX_SLOTS}). */
    FleetView(final int maxSlots, final Runnable stale, final Runnable refused)
    {
        if (maxSlots < 1 || maxSlots > MAX_SLOTS)
        {
            throw new IllegalArgumentException("maxSlots must be 1.." + MAX_SLOTS + ": " + maxSlots);
        }
        this.maxSlots = maxSlots;
        this.pages = new AtomicReferenceArray<>((maxSlots + PAGE_SIZE - 1) / PAGE_SIZE);
        this.stampPages = new AtomicReferenceArray<>(pages.length());
        this.stale = stale;
        this.refused = refused;
    }

    /**
     * Puts a drone's version in the view unless it holds this drone's sequence or a higher one already.
     *
     * @return the new view, or null when the version was not newer ({@code stale} was called) or the drone is new and
     * every slot is taken ({@code refused} was called).
     */
    DroneView merge(final DroneState state, final long gatewayNanos)
    {
        return merge(state, gatewayNanos, System.nanoTime());
    }

    /**
     * @param gatewayNanos the wall-clock stamp clients are shown.
     * @param appliedNanos a monotonic clock's now ({@link DroneView#appliedNanos}).
     */
    DroneView merge(final DroneState state, final long gatewayNanos, final long appliedNanos)
    {
        final DroneView current = byId.compute(state.droneId(), (id, held) ->
        {
            if (held != null && held.sequence() >= state.sequence())
            {
                return held;
            }
            final int slot = held != null ? held.slot : allocate();
            if (slot < 0)
            {
                return null;
            }
            final DroneView view = new DroneView(state, gatewayNanos, appliedNanos, slot);
            page(slot).set(slot & (PAGE_SIZE - 1), view);
            return view;
        });
        if (current == null)
        {
            refused.run();
            return null;
        }
        if (current.state != state)
        {
            stale.run();
            return null;
        }
        return current;
    }

    /**
     * Takes the drone out of the view: {@link #atSlot} is null for its slot from now on, but the slot stays the
     * drone's until {@link #release}.
     *
     * @return the view removed, or null when the drone was not in the view.
     */
    DroneView remove(final long droneId)
    {
        final DroneView removed = byId.remove(droneId);
        if (removed != null)
        {
            // A merge of the same drone racing this one gets a new slot (the old one is not free yet).
            page(removed.slot).compareAndSet(removed.slot & (PAGE_SIZE - 1), removed, null);
        }
        return removed;
    }

    /**
     * Takes the drone out only if the view still holds this very version: a caller that decided on it does not remove
     * a newer one another thread put in meanwhile.
     *
     * @return true when {@code expected} was removed.
     */
    boolean remove(final long droneId, final DroneView expected)
    {
        // DroneView has no equals: the map compares identities.
        if (!byId.remove(droneId, expected))
        {
            return false;
        }
        page(expected.slot).compareAndSet(expected.slot & (PAGE_SIZE - 1), expected, null);
        return true;
    }

    /** The slot of a removed drone may be given to another drone: every session has been told it left. */
    void release(final int slot)
    {
        synchronized (freeSlots)
        {
            freeSlots.addInt(slot);
        }
    }

    /** The drone in this slot now, or null. */
    DroneView atSlot(final int slot)
    {
        final AtomicReferenceArray<DroneView> page = pages.get(slot >>> PAGE_BITS);
        return page == null ? null : page.get(slot & (PAGE_SIZE - 1));
    }

    /**
     * Counts a version just put in the view ({@link #merge} returned it) and stamps its slot with the count; called
     * by the fleet feed after the merge and before it marks the sessions. So a stamp above a {@link #changeCount}
     * read earlier means "this slot may hold a version newer than one read after that count": a frame built from
     * views read after the count may be stale for exactly those slots (see {@link SharedChanges}).
     */
    void stamp(final int slot)
    {
        final long stamp = changes.incrementAndGet();
        stampPages.get(slot >>> PAGE_BITS).accumulateAndGet(slot & (PAGE_SIZE - 1), stamp, Math::max);
    }

    /** The stamp of a slot: 0 before its first version was stamped. */
    long stampAt(final int slot)
    {
        final AtomicLongArray page = stampPages.get(slot >>> PAGE_BITS);
        return page == null ? 0 : page.get(slot & (PAGE_SIZE - 1));
    }

    /** Versions stamped so far. */
    long changeCount()
    {
        return changes.get();
    }

    /** One more than the highest slot ever given (slots below may be empty). */
    int slotLimit()
    {
        return slotLimit;
    }

    DroneView get(final long droneId)
    {
        return byId.get(droneId);
    }

    int size()
    {
        return byId.size();
    }

    /** The view by drone id, read-only (the REST API's drones). */
    Map<Long, DroneView> byId()
    {
        return readOnly;
    }

    /** A free slot, or -1 when all are taken. Called inside the id map's compute: this lock is taken inside it only. */
    private int allocate()
    {
        synchronized (freeSlots)
        {
            if (!freeSlots.isEmpty())
            {
                return freeSlots.popInt();
            }
            final int slot = slotLimit;
            if (slot >= maxSlots)
            {
                return -1;
            }
            if (pages.get(slot >>> PAGE_BITS) == null)
            {
                stampPages.set(slot >>> PAGE_BITS, new AtomicLongArray(PAGE_SIZE));
                pages.set(slot >>> PAGE_BITS, new AtomicReferenceArray<>(PAGE_SIZE));
            }
            slotLimit = slot + 1;
            return slot;
        }
    }

    private AtomicReferenceArray<DroneView> page(final int slot)
    {
        return pages.get(slot >>> PAGE_BITS);
    }
}
