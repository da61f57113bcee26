package io.odyssey.grid;

import com.hazelcast.map.MapInterceptor;

/**
 * Makes the fleet map refuse to go back in time: a write carrying a lower sequence than the stored state keeps
 * the stored state. Runs on the partition owner, so it is atomic with the write.
 * <p>
 * Normally one ingest node hears a drone, and it never writes an older state after a newer one. This guards the
 * cases where that does not hold: a drone failing over between ingest nodes while an older batch is still in
 * flight, a replay of the journal into a live grid, or a restarted ingest node flushing a stale table.
 */
public final class KeepNewestStateInterceptor implements MapInterceptor
{
    private static final long serialVersionUID = 1L;

    public Object interceptGet(final Object value)
    {
        return null;
    }

    public void afterGet(final Object value)
    {
    }

    public Object interceptPut(final Object oldValue, final Object newValue)
    {
        if (oldValue instanceof DroneState stored && newValue instanceof DroneState incoming &&
            !incoming.isNewerThan(stored))
        {
            return stored;
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
