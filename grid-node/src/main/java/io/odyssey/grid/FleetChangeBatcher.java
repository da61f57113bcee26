package io.odyssey.grid;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import com.hazelcast.query.Predicates;
import io.odyssey.runtime.RateLimitedLog;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.LongObjConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The member's side of the fleet feed: a continuous query on the fleet map's entries this member owns (a <em>local</em>
 * entry listener: the events of its own partitions, raised here, never sent over the network), batched into one
 * {@link FleetChangeBatch} message per interval on the {@link FleetChangeBatch#TOPIC} topic, which every gateway reads.
 * <p>
 * Why: a gateway that listened to the map itself received one message per drone update, and the Hazelcast client's
 * receive path per message (socket read, hand-off to an event thread, Compact deserialisation, dispatch) was most of the
 * gateway's CPU per update (issue 14, docs/performance.md). One message per member per interval carries every drone
 * that changed in it.
 * <p>
 * Each changed drone's newest change waits in a table until the next message (a newer change of the same drone
 * replaces it: counted as conflated). The table's order is the map's: one drone's events come in order on one event
 * thread, so its last event is its newest state or its removal. Bounded: at most {@code maxDrones} drones wait; a change
 * of one more is refused (counted) and the next message is flagged {@link FleetChangeBatch#FLAG_CHANGES_LOST}, so the
 * gateways reload the map. The first change after a quiet interval is sent at once; then at most one message per
 * interval (a member with more than {@link FleetChangeBatch#MAX_RECORDS} changes in one sends several, each with its
 * own sequence).
 * <p>
 * Transport: a plain {@code ITopic}. A message is handed to each listening gateway's connection once, from this member
 * (a smart client registers its listener with every member); nothing is stored or replicated. Hazelcast drops a message
 * when its event queue is full: the per-member batch sequence shows the gap, and the gateway reloads. A
 * {@code ReliableTopic} would make that rarer at the cost of writing every message to a ringbuffer and its backup on
 * another member — CPU and network per message on the members, for a loss the reload already repairs.
 */
public final class FleetChangeBatcher implements AutoCloseable, Runnable,
    EntryAddedListener<Long, DroneState>, EntryUpdatedListener<Long, DroneState>,
    EntryRemovedListener<Long, DroneState>, EntryEvictedListener<Long, DroneState>, EntryExpiredListener<Long, DroneState>
{
    private static final Logger LOG = LoggerFactory.getLogger(FleetChangeBatcher.class);
    /** The member's user-context key under which its batcher is found ({@link #of}). */
    public static final String MEMBER_CONTEXT_KEY = "odyssey.fleet-change-batcher";
    public static final long DEFAULT_INTERVAL_MS = 10;
    /** As many drones as a gateway's fleet view holds. */
    public static final int DEFAULT_MAX_DRONES = 1_048_576;
    private static final long IDLE_PARK_NS = TimeUnit.SECONDS.toNanos(1);

    private final UUID memberId;
    private final Consumer<byte[]> publisher;
    private final long intervalNs;
    private final int maxDrones;
    private final Consumer<HazelcastSerializationException> onUnreadable;
    private Long2ObjectHashMap<Object> filling = new Long2ObjectHashMap<>();
    private Long2ObjectHashMap<Object> draining = new Long2ObjectHashMap<>();
    /** A change was refused since the last message (guarded by this). */
    private boolean changesLost;
    private final FleetChangeBatch.Writer writer = new FleetChangeBatch.Writer();
    private final LongObjConsumer<Object> writeChange = this::writeChange;
    /** The last sequence given to a message (the batch thread's; read by tests and gauges). */
    private volatile long batchSequence;
    private int flushFlags;
    private final AtomicLong changes = new AtomicLong();
    private final AtomicLong conflated = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong misfiled = new AtomicLong();
    private final AtomicLong messagesSent = new AtomicLong();
    private final AtomicLong dronesSent = new AtomicLong();
    private final AtomicLong publishFailures = new AtomicLong();
    private final RateLimitedLog failureLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(10));
    private final Thread thread;
    private volatile boolean running = true;
    private Runnable stopListening = () -> { };

    /**
     * @param memberId     the publishing member's id, in every message.
     * @param publisher    sends one message (the topic's publish); called by the batch thread only.
     * @param intervalMs   the shortest time between two messages while changes keep coming.
     * @param maxDrones    drones that may wait for the next message at most.
     * @param onUnreadable called for each change whose state cannot be read (left out).
     */
    FleetChangeBatcher(final UUID memberId, final Consumer<byte[]> publisher, final long intervalMs, final int maxDrones,
        final Consumer<HazelcastSerializationException> onUnreadable)
    {
        if (intervalMs < 1 || maxDrones < 1)
        {
            throw new IllegalArgumentException("interval " + intervalMs + " ms, max drones " + maxDrones);
        }
        this.memberId = memberId;
        this.publisher = publisher;
        this.intervalNs = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        this.maxDrones = maxDrones;
        this.onUnreadable = onUnreadable;
        thread = new Thread(this, "grid-fleet-batcher");
        thread.setDaemon(true);
    }

    /**
     * Starts batching the member's fleet map changes onto the topic; stops when the member shuts down. Done by
     * {@link FleetGrid#newMember}, so every member runs one.
     */
    public static FleetChangeBatcher install(final HazelcastInstance member, final long intervalMs, final int maxDrones)
    {
        final FleetChangeBatcher batcher = new FleetChangeBatcher(member.getCluster().getLocalMember().getUuid(),
            member.<byte[]>getTopic(FleetChangeBatch.TOPIC)::publish, intervalMs, maxDrones,
            ex -> UnreadableRecords.onMember(member).skipped(ex));
        member.getUserContext().put(MEMBER_CONTEXT_KEY, batcher);
        final IMap<Long, DroneState> fleet = FleetGrid.fleetMap(member);
        batcher.thread.start();
        final UUID listener = fleet.addLocalEntryListener(batcher, Predicates.alwaysTrue(), true);
        batcher.stopListening = () -> fleet.removeEntryListener(listener);
        member.getLifecycleService().addLifecycleListener(event ->
        {
            if (event.getState() == LifecycleEvent.LifecycleState.SHUTTING_DOWN)
            {
                batcher.close();
            }
        });
        return batcher;
    }

    /** The member's batcher, or null on a member not started by {@link FleetGrid#newMember}. */
    public static FleetChangeBatcher of(final HazelcastInstance member)
    {
        return (FleetChangeBatcher)member.getUserContext().get(MEMBER_CONTEXT_KEY);
    }

    public void entryAdded(final EntryEvent<Long, DroneState> event)
    {
        changed(event);
    }

    public void entryUpdated(final EntryEvent<Long, DroneState> event)
    {
        changed(event);
    }

    public void entryRemoved(final EntryEvent<Long, DroneState> event)
    {
        gone(event);
    }

    public void entryEvicted(final EntryEvent<Long, DroneState> event)
    {
        gone(event);
    }

    public void entryExpired(final EntryEvent<Long, DroneState> event)
    {
        gone(event);
    }

    private void changed(final EntryEvent<Long, DroneState> event)
    {
        // Read untyped: a grid client can put a key of another type (an Integer) or a value of another class, and a
        // typed read threw a ClassCastException on the member's event thread for each such change.
        final EntryEvent<?, ?> raw = event;
        final Object value;
        try
        {
            value = raw.getValue();
        }
        catch (final HazelcastSerializationException ex)
        {
            onUnreadable.accept(ex);
            return;
        }
        if (value == null)
        {
            return;
        }
        if (!(raw.getKey() instanceof Long droneId))
        {
            misfiled.incrementAndGet();   // no drone's key: no reader takes it for anything
            return;
        }
        final DroneState state = DroneState.filedUnder(droneId.longValue(), value);
        if (state == null)
        {
            // Ingest files each drone's state under its own id; a state naming another drone was filed by a grid
            // client. Sent on as it was, it moved the drone it names on every gateway (at a sequence no real state
            // reaches, for good) while the drone under this key stayed at its last real state. The key holds no state
            // of its drone now: the gateways hear that drone leave, as a reload of the map would show it.
            misfiled.incrementAndGet();
            offer(droneId, new FleetChangeBatch.Gone(droneId, Long.MAX_VALUE));
            return;
        }
        offer(droneId, state);
    }

    private void gone(final EntryEvent<Long, DroneState> event)
    {
        final EntryEvent<?, ?> raw = event;
        if (!(raw.getKey() instanceof Long droneId))
        {
            return;   // a grid client's key of another type: no drone left
        }
        long sequence = Long.MAX_VALUE;
        try
        {
            if (raw.getOldValue() instanceof DroneState last)
            {
                sequence = last.sequence();
            }
        }
        catch (final HazelcastSerializationException ex)
        {
            onUnreadable.accept(ex);   // the drone still leaves; a reader merely cannot tell which sequence left
        }
        offer(droneId, new FleetChangeBatch.Gone(droneId, sequence));
    }

    /**
     * Keeps a drone's change ({@link DroneState} or {@link FleetChangeBatch.Gone}) as its newest until the next message.
     * On Hazelcast's event threads (several; one drone's events always on the same one).
     */
    void offer(final long droneId, final Object change)
    {
        changes.incrementAndGet();
        final boolean wake;
        synchronized (this)
        {
            final int before = filling.size();
            if (before >= maxDrones && !filling.containsKey(droneId))
            {
                refused.incrementAndGet();
                changesLost = true;
                return;
            }
            if (filling.put(droneId, change) != null)
            {
                conflated.incrementAndGet();
            }
            wake = before == 0;
        }
        if (wake)
        {
            LockSupport.unpark(thread);
        }
    }

    /**
     * Sends every waiting change: one message, or several of at most {@link FleetChangeBatch#MAX_RECORDS} records.
     * Nothing when nothing changed. The batch thread's (tests call it directly).
     *
     * @return the messages sent.
     */
    int flush()
    {
        final Long2ObjectHashMap<Object> batch;
        final boolean lost;
        synchronized (this)
        {
            batch = filling;
            filling = draining;
            draining = batch;
            lost = changesLost;
            changesLost = false;
        }
        if (batch.isEmpty() && !lost)
        {
            return 0;
        }
        final long sentBefore = messagesSent.get();
        flushFlags = lost ? FleetChangeBatch.FLAG_CHANGES_LOST : 0;
        writer.begin(memberId, ++batchSequence, flushFlags);
        try
        {
            batch.forEachLong(writeChange);
        }
        finally
        {
            batch.clear();
        }
        publish();
        return (int)(messagesSent.get() - sentBefore);
    }

    private void writeChange(final long droneId, final Object change)
    {
        if (writer.count() == FleetChangeBatch.MAX_RECORDS)
        {
            // Before the record, not after: so every message started is sent with at least one record in it.
            publish();
            writer.begin(memberId, ++batchSequence, flushFlags);
        }
        if (change instanceof DroneState state)
        {
            writer.state(state);
        }
        else
        {
            final FleetChangeBatch.Gone gone = (FleetChangeBatch.Gone)change;
            writer.gone(gone.droneId(), gone.sequence());
        }
    }

    private void publish()
    {
        final int count = writer.count();
        try
        {
            publisher.accept(writer.toBytes());
            messagesSent.incrementAndGet();
            dronesSent.addAndGet(count);
        }
        catch (final RuntimeException ex)
        {
            // The sequence is spent: gateways see the gap and reload the map.
            publishFailures.incrementAndGet();
            failureLog.warn(System.nanoTime(), "publishing fleet changes failed: {}", ex.toString());
        }
        flushFlags = 0;
    }

    /**
     * The batch thread: sleeps until a change arrives on an empty table, sends it at once, then sends what gathered at
     * most once per interval until a turn finds nothing.
     */
    public void run()
    {
        long notBeforeNs = System.nanoTime();
        while (running)
        {
            final long nowNs = System.nanoTime();
            if (nowNs < notBeforeNs)
            {
                LockSupport.parkNanos(this, notBeforeNs - nowNs);
                continue;
            }
            try
            {
                if (flush() > 0)
                {
                    notBeforeNs = System.nanoTime() + intervalNs;
                    continue;
                }
            }
            catch (final RuntimeException ex)
            {
                failureLog.warn(System.nanoTime(), "batching fleet changes failed: {}", ex.toString());
            }
            LockSupport.parkNanos(this, IDLE_PARK_NS);
        }
        try
        {
            flush();
        }
        catch (final RuntimeException ex)
        {
            LOG.debug("the fleet batcher's last message was not sent: {}", ex.toString());
        }
    }

    /** Changes taken from the member's local listener. */
    public long changes()
    {
        return changes.get();
    }

    /** Changes replaced by a newer change of the same drone before a message carried them. */
    public long conflated()
    {
        return conflated.get();
    }

    /** Changes refused because {@code maxDrones} drones were waiting already (each flags the next message). */
    public long refused()
    {
        return refused.get();
    }

    /** States filed under another drone's key (by a grid client), sent to the gateways as that key's drone leaving. */
    public long misfiled()
    {
        return misfiled.get();
    }

    public long messagesSent()
    {
        return messagesSent.get();
    }

    /** Drone records (states and removals) sent. */
    public long dronesSent()
    {
        return dronesSent.get();
    }

    public long publishFailures()
    {
        return publishFailures.get();
    }

    /** The sequence of the last message (0 before the first). */
    public long batchSequence()
    {
        return batchSequence;
    }

    /** Drones waiting for the next message. */
    public synchronized int waiting()
    {
        return filling.size();
    }

    /** Stops listening and the batch thread (its last turn sends what is waiting). Idempotent. */
    public void close()
    {
        if (!running)
        {
            return;
        }
        running = false;
        try
        {
            stopListening.run();
        }
        catch (final RuntimeException ex)
        {
            LOG.debug("could not remove the fleet batcher's listener: {}", ex.toString());
        }
        LockSupport.unpark(thread);
        if (thread.isAlive() && thread != Thread.currentThread())
        {
            try
            {
                thread.join(2_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
    }
}
