package io.odyssey.grid;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;

import java.io.Serial;
import java.util.Arrays;
import java.util.Map;

/**
 * Removes the fleet-map entries of a batch of drones whose stored state still has the sequence and receive time the
 * sweeping ingest node saw unchanged for the expiry; an entry written since (the drone heard again, on any node) stays.
 * Sent once for the whole batch ({@code executeOnKeys}): one call per sweep instead of one per silent drone on the
 * node's one housekeeping thread, where N planted entries cost N round trips every sweep.
 * <p>
 * Why fields and not {@code remove(key, value)}: the map stores BINARY values, so that compares serialised bytes, and
 * Compact data carries its schema id. A state written with one more field (a grid client's, or every entry of a
 * version that added a field, during an upgrade) reads as a valid state but never matches the bytes of the same state
 * re-serialised by this version: it was never removed. Runs on the partition owner, so the check and the removal are
 * one step.
 */
public final class RemoveUnchangedDrones implements EntryProcessor<Long, DroneState, Boolean>, HazelcastInstanceAware
{
    @Serial
    private static final long serialVersionUID = 1L;

    /** Ascending drone ids; the same index in {@link #sequences} and {@link #ingestNanos} is that drone's state. */
    private final long[] droneIds;
    private final long[] sequences;
    private final long[] ingestNanos;

    /** The member this runs on (injected there), for counting a stored record it cannot read. */
    private transient HazelcastInstance member;

    /**
     * @param droneIds    the keys to remove, ascending, no duplicates.
     * @param sequences   each key's {@link DroneState#sequence()} as seen unchanged.
     * @param ingestNanos each key's {@link DroneState#ingestNanos()} as seen unchanged.
     */
    public RemoveUnchangedDrones(final long[] droneIds, final long[] sequences, final long[] ingestNanos)
    {
        if (droneIds.length != sequences.length || droneIds.length != ingestNanos.length)
        {
            throw new IllegalArgumentException("one sequence and one receive time per drone id");
        }
        for (int i = 1; i < droneIds.length; i++)
        {
            if (droneIds[i] <= droneIds[i - 1])
            {
                throw new IllegalArgumentException("drone ids must be ascending without duplicates");
            }
        }
        this.droneIds = droneIds;
        this.sequences = sequences;
        this.ingestNanos = ingestNanos;
    }

    @Override
    public void setHazelcastInstance(final HazelcastInstance member)
    {
        this.member = member;
    }

    public Boolean process(final Map.Entry<Long, DroneState> entry)
    {
        final Object key = entry.getKey();
        // executeOnKeys only hands it the keys it was given; anything else is left alone all the same.
        final int at = key instanceof Long id ? Arrays.binarySearch(droneIds, id) : -1;
        // A grid client can send this class with arrays of its own (deserialised, the constructor's checks never ran).
        if (at < 0 || at >= sequences.length || at >= ingestNanos.length)
        {
            return Boolean.FALSE;
        }
        // One that cannot be read (written by something else) is left as it is, counted, and the sweep goes on.
        final DroneState state = UnreadableRecords.valueOn(member, entry, DroneState.class);
        if (state != null && state.sequence() == sequences[at] && state.ingestNanos() == ingestNanos[at])
        {
            entry.setValue(null);
            return Boolean.TRUE;
        }
        return Boolean.FALSE;
    }
}
