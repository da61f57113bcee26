package io.odyssey.grid;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;

import java.io.Serial;
import java.util.Map;

/**
 * Removes a drone from the fleet map if its state was last written from a frame received before a cutoff: the drone
 * has been silent since. Runs on the partition owner, so a newer state written meanwhile (the drone talking again, on
 * any node) is never removed: the check and the removal are one step. Any ingest node may sweep with it: an entry
 * nobody has refreshed for the expiry is stale whichever node wrote it (one that died or restarted included).
 */
public final class RemoveSilentDrone implements EntryProcessor<Long, DroneState, Boolean>, HazelcastInstanceAware
{
    @Serial
    private static final long serialVersionUID = 1L;

    private final long heardBeforeNanos;

    /** @param heardBeforeNanos entries whose {@link DroneState#ingestNanos()} is older than this (epoch ns) go. */
    public RemoveSilentDrone(final long heardBeforeNanos)
    {
        this.heardBeforeNanos = heardBeforeNanos;
    }

    /** The member this runs on (injected there), for counting a stored record it cannot read. */
    private transient HazelcastInstance member;

    @Override
    public void setHazelcastInstance(final HazelcastInstance member)
    {
        this.member = member;
    }

    public Boolean process(final Map.Entry<Long, DroneState> entry)
    {
        // One that cannot be read (written by something else) is left as it is, counted, and the sweep goes on.
        final DroneState state = UnreadableRecords.valueOn(member, entry, DroneState.class);
        if (state != null && state.ingestNanos() < heardBeforeNanos)
        {
            entry.setValue(null);
            return Boolean.TRUE;
        }
        return Boolean.FALSE;
    }
}
