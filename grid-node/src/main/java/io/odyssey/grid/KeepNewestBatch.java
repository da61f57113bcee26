package io.odyssey.grid;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.serialization.compact.CompactReader;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.nio.serialization.compact.CompactWriter;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A batch of drone states written into the fleet map as one request: the entry processor of
 * {@link FleetGrid#writeNewest}. Each entry it visits takes the batch's state for that drone only if its sequence is
 * higher than the stored one's (the same rule as {@link KeepNewestStateInterceptor}, which Hazelcast does not run for
 * entry-processor writes), on the partition's thread, so the check and the write are one step.
 * <p>
 * Why: the client's {@code setAll} sends one request per partition, and a flush of ingest's usually has about one
 * drone per partition, so each drone update cost the member a request, an operation and a response of its own. This
 * is one request; the member runs one operation per partition it owns on its own threads and answers once.
 * <p>
 * <b>Backups.</b> Hazelcast sends each partition's backup replica the processor from {@link #getBackupProcessor},
 * serialised. Sending this whole batch to every partition's backup would multiply the bytes by the partitions the
 * batch touches, so the backup processor carries only what the primary just wrote in that partition: the states
 * this thread wrote since the operation began. That relies on how Hazelcast runs a partition's operation (its
 * entries, then its backup, on that partition's thread, before the thread takes another operation); a test with two
 * members, one killed, checks the backups hold the newest states. Hazelcast sends entry-processor backups
 * asynchronously (its {@code MultipleEntryOperation} declares no synchronous backups): the answer does not wait for
 * them.
 * <p>
 * A stored state this version cannot read (something wrote it into the grid directly) fails that partition's part of
 * the batch, as it failed {@code setAll}'s: with an interceptor on the map, Hazelcast turns the stored value into an
 * object for it before this processor runs, and that read throws.
 */
public final class KeepNewestBatch implements EntryProcessor<Long, DroneState, Object>
{
    private static final long serialVersionUID = 1L;

    /** Per partition thread: what the primary wrote for the operation running on it, see the class comment. */
    private static final ThreadLocal<Written> WRITTEN = ThreadLocal.withInitial(Written::new);

    private final DroneState[] states;
    /** A backup's processor: applies its states and records nothing (nothing asks it for a backup). */
    private final boolean replica;
    /** Built on first use where the batch is applied (on the member), read-only after. */
    private transient volatile Map<Long, DroneState> byDrone;

    public KeepNewestBatch(final Collection<DroneState> states)
    {
        this(states.toArray(new DroneState[0]), false);
    }

    KeepNewestBatch(final DroneState[] states, final boolean replica)
    {
        this.states = states;
        this.replica = replica;
    }

    public Object process(final Map.Entry<Long, DroneState> entry)
    {
        final DroneState incoming = byDrone().get(entry.getKey());
        if (incoming != null && incoming.isNewerThan(entry.getValue()))
        {
            entry.setValue(incoming);
            if (!replica)
            {
                WRITTEN.get().add(this, incoming);
            }
        }
        return null;   // nothing to answer per entry: the response stays one small message
    }

    public EntryProcessor<Long, DroneState, Object> getBackupProcessor()
    {
        return replica ? null : WRITTEN.get().backupOf(this);
    }

    int size()
    {
        return states.length;
    }

    private Map<Long, DroneState> byDrone()
    {
        Map<Long, DroneState> map = byDrone;
        if (map == null)
        {
            // Partition threads may build it at the same time; each builds the same map, and the last one wins.
            map = new HashMap<>((int)(states.length / 0.75f) + 1);
            for (final DroneState state : states)
            {
                if (state == null)
                {
                    continue;   // an array of Compact may hold nulls; no ingest node sends one
                }
                map.merge(state.droneId(), state, (a, b) -> b.isNewerThan(a) ? b : a);
            }
            byDrone = map;
        }
        return map;
    }

    /** What the primary wrote on one partition thread for one batch's operation there. */
    private static final class Written
    {
        private KeepNewestBatch batch;
        private final List<DroneState> states = new ArrayList<>();
        /** Set once Hazelcast has asked for the backup: the next write on this thread belongs to another operation. */
        private KeepNewestBatch backup;

        void add(final KeepNewestBatch of, final DroneState state)
        {
            if (batch != of || backup != null)
            {
                batch = of;
                backup = null;
                states.clear();
            }
            states.add(state);
        }

        /**
         * Asked twice per operation (whether to back up, then for the backup); the same answer both times. An
         * operation that wrote nothing gets the last one back: its states are not of this partition's keys, which
         * are all the backup replica applies it to, so it changes nothing there.
         */
        KeepNewestBatch backupOf(final KeepNewestBatch of)
        {
            if (batch != of)
            {
                return new KeepNewestBatch(new DroneState[0], true);
            }
            if (backup == null)
            {
                backup = new KeepNewestBatch(states.toArray(new DroneState[0]), true);
            }
            return backup;
        }
    }

    /** Compact, like the states it carries: members read it without Java serialization. Add fields only. */
    public static final class Serializer implements CompactSerializer<KeepNewestBatch>
    {
        public static final String TYPE_NAME = "odyssey.KeepNewestBatch";

        public KeepNewestBatch read(final CompactReader in)
        {
            // Each state is read by DroneStateSerializer, which refuses values no drone sends: a batch carrying one
            // fails as a whole, before it touches the map.
            final DroneState[] states = in.readArrayOfCompact("states", DroneState.class);
            return new KeepNewestBatch(states == null ? new DroneState[0] : states, in.readBoolean("replica"));
        }

        public void write(final CompactWriter out, final KeepNewestBatch batch)
        {
            out.writeArrayOfCompact("states", batch.states);
            out.writeBoolean("replica", batch.replica);
        }

        public String getTypeName()
        {
            return TYPE_NAME;
        }

        public Class<KeepNewestBatch> getCompactClass()
        {
            return KeepNewestBatch.class;
        }
    }
}
