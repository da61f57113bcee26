package io.odyssey.gateway;

import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.LongObjConsumer;

/**
 * The newest fleet-map event of each drone that the gateway has not applied yet: the grid client's event thread hands
 * each event here ({@link #offer}) and returns at once; the fleet feed's applier thread takes everything waiting in
 * one swap ({@link #drainTo}) and applies it.
 * <p>
 * Why: the grid client queues events first-in first-out, and its queue is as long as the grid's writes are ahead of the
 * gateway (a million events by default: 20 s at 50,000 updates/s). Here a drone's newer event replaces its older one
 * (counted as conflated), so what waits is at most one event per drone, and its age is one pass of the applier however
 * far the grid is ahead. Nothing is lost that a client would see: each drone's newest event, a removal included, is
 * always the one applied. Removals and updates of one drone are kept in one slot, so the last of them wins, which is
 * the grid's order (a drone's events arrive in order on one event thread).
 * <p>
 * Bounded by the number of drones in the fleet map; the two maps are reused, so a pass allocates nothing once they have
 * grown to the fleet.
 *
 * @param <E> the event type.
 */
final class LatestEvents<E>
{
    private Long2ObjectHashMap<E> filling = new Long2ObjectHashMap<>();
    private Long2ObjectHashMap<E> draining = new Long2ObjectHashMap<>();
    private final Runnable onConflated;
    private long offered;
    private long conflated;

    /** @param onConflated called for each event a newer one replaced (e.g. a counter's increment). */
    LatestEvents(final Runnable onConflated)
    {
        this.onConflated = onConflated;
    }

    /**
     * Keeps the event as the drone's newest, replacing an older one still waiting.
     *
     * @return true when nothing was waiting before: the caller wakes the applier.
     */
    boolean offer(final long droneId, final E event)
    {
        synchronized (this)
        {
            offered++;
            final E older = filling.put(droneId, event);
            if (older != null)
            {
                conflated++;
                onConflated.run();
                return false;
            }
            return filling.size() == 1;
        }
    }

    /**
     * Applies every waiting event (the newest per drone) and empties the waiting set. One thread drains; events offered
     * meanwhile wait for the next call.
     *
     * @return how many events were applied.
     */
    int drainTo(final LongObjConsumer<E> apply)
    {
        final Long2ObjectHashMap<E> batch;
        synchronized (this)
        {
            batch = filling;
            filling = draining;
            draining = batch;
        }
        final int size = batch.size();
        if (size > 0)
        {
            try
            {
                batch.forEachLong(apply);
            }
            finally
            {
                batch.clear();
            }
        }
        return size;
    }

    /** Drones with an event waiting now. */
    synchronized int pending()
    {
        return filling.size();
    }

    /** Events offered so far. */
    synchronized long offered()
    {
        return offered;
    }

    /** Events replaced by a newer one of the same drone before they were applied, so far. */
    synchronized long conflated()
    {
        return conflated;
    }
}
