package io.odyssey.grid;

import com.hazelcast.map.MapInterceptor;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes the fleet map refuse to go back in time: a write carrying a lower sequence than the stored state keeps
 * the stored state. Runs on the partition owner, so it is atomic with the write.
 * <p>
 * Normally one ingest node hears a drone, and it never writes an older state after a newer one. This guards the
 * cases where that does not hold: a drone failing over between ingest nodes while an older batch is still in
 * flight, a replay of the journal into a live grid, or a restarted ingest node flushing a stale table.
 * <p>
 * It also keeps a state from saying it was heard in the future (more than {@link #MAX_AHEAD_NS} ahead of this member's
 * clock; it is stored as heard now). Anything on the grid's network can write the map, and a state "heard" at the end
 * of time with a huge sequence froze its drone for ever: newer real states are lower, so refused here, and the sweep
 * that removes silent drones goes by the time heard. Stored as heard now, it leaves at the drone expiry, and the
 * drone's real telemetry comes back. Each such state is counted ({@link #clamped()}): a steady count is a grid
 * client forging states, or an ingest node whose clock runs more than a minute ahead.
 */
public final class KeepNewestStateInterceptor implements MapInterceptor
{
    private static final long serialVersionUID = 1L;
    /** Clock skew tolerated between an ingest node and the member: beyond, the time heard is not believed. */
    static final long MAX_AHEAD_NS = TimeUnit.SECONDS.toNanos(60);
    /**
     * Per process, not per instance: the interceptor that runs is a copy Hazelcast made, which knows nothing of the
     * member or its metrics. A grid-node process runs one member, so this is that member's count.
     */
    private static final AtomicLong CLAMPED = new AtomicLong();

    /** States stored as heard now because they said they were heard in the future, since this process started. */
    public static long clamped()
    {
        return CLAMPED.get();
    }

    public Object interceptGet(final Object value)
    {
        return null;
    }

    public void afterGet(final Object value)
    {
    }

    public Object interceptPut(final Object oldValue, final Object newValue)
    {
        if (newValue instanceof DroneState incoming)
        {
            // A stored state naming another drone than the incoming one guards nothing: ingest files every drone under
            // its own id, so one of the two was filed by a grid client, and keeping it (with the sequence it chose)
            // hid the drone of this key from every reader until the drone expiry. The drone's next write takes its key
            // back; a misfiled write replacing an honest state is what any write could do (and readers leave it out).
            if (oldValue instanceof DroneState stored && stored.droneId() == incoming.droneId() &&
                !incoming.isNewerThan(stored))
            {
                return stored;
            }
            final long nowNs = System.currentTimeMillis() * 1_000_000L;
            if (incoming.ingestNanos() > nowNs + MAX_AHEAD_NS)
            {
                CLAMPED.incrementAndGet();
                return incoming.heardAt(nowNs);
            }
        }
        return null;
    }

    public void afterPut(final Object value)
    {
    }

    public Object interceptRemove(final Object removedValue)
    {
        return null;
    }

    public void afterRemove(final Object value)
    {
    }

    public int hashCode()
    {
        // Interceptors are registered by identity of their id; one per map is enough however often a member adds it.
        return KeepNewestStateInterceptor.class.hashCode();
    }

    public boolean equals(final Object other)
    {
        return other instanceof KeepNewestStateInterceptor;
    }
}
