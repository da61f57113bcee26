package io.odyssey.gateway;

import com.hazelcast.client.impl.proxy.ClientMapProxy;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.MapEvent;
import com.hazelcast.map.impl.proxy.MapProxyImpl;
import com.hazelcast.map.listener.MapClearedListener;
import com.hazelcast.map.listener.MapEvictedListener;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import com.hazelcast.topic.ITopic;
import com.hazelcast.topic.Message;
import com.hazelcast.topic.MessageListener;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetChangeBatch;
import io.odyssey.grid.FleetChangeBatcher;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.UnreadableRecords;
import io.odyssey.runtime.ProgressWatch;
import io.odyssey.runtime.RateLimitedLog;
import org.agrona.collections.LongHashSet;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * The gateway's view of the fleet, driven by a continuous query on the fleet map (each grid member's local listener on
 * its own partitions, batched by its {@link FleetChangeBatcher} into one message per interval on the
 * {@link FleetChangeBatch#TOPIC} topic: the grid pushes every change once; nothing polls), and the fan-out thread that
 * turns changes into at most one frame per client per coalescing interval.
 * <p>
 * A message that cannot be read is left out whole and counted. A member's messages carry a sequence: a gap (a message
 * the topic dropped), a member's first message, a member leaving or joining, a map-wide clear or eviction (a
 * map-wide listener, which the members send no per-entry events to) and the grid connection's return reload the view
 * from the map ({@link #resyncLater}). A late message from a partition's previous owner after a migration carries
 * lower sequences than the new owner's and is refused by the view's highest-sequence-wins merge; a drone it would bring
 * back after its removal is dropped again by the reload that the member's leaving triggers, or by the periodic
 * reconcile.
 * <p>
 * The message listener only hands each drone's change to {@link LatestEvents}, where a drone's newer change replaces its older one,
 * so the grid client's first-in first-out event queue never waits for the gateway: when the grid writes faster than
 * the gateway can apply, the gateway skips intermediate states of a drone (counted), never falls behind by a queue.
 * The applier thread then, per drone's newest event: merges the state into the view (highest sequence wins), stamps and
 * records the {@code gateway_received} and {@code grid_event} hops, marks the drone dirty in each session whose
 * subscription it matches, and wakes the fan-out only when a session is due earlier than the fan-out planned to wake
 * (e.g. the first change after a quiet interval). The fan-out sleeps until the earliest session is due; it does not
 * tick while nothing changes.
 */
final class FleetFeed implements AutoCloseable, Runnable, MessageListener<byte[]>, MembershipListener,
    MapClearedListener, MapEvictedListener
{
    private static final Logger LOG = LoggerFactory.getLogger(FleetFeed.class);
    private static final long IDLE_PARK_NS = TimeUnit.SECONDS.toNanos(1);
    /** A state sent further ahead of this gateway's clock than this is counted: beyond any clock sync's error. */
    static final long FUTURE_STATE_NS = TimeUnit.SECONDS.toNanos(1);

    private final HazelcastInstance grid;
    private final IMap<Long, DroneState> fleetMap;
    private final ITopic<byte[]> changesTopic;
    private final EpochNanoClock clock;
    /** When the view took each version, against when a reload began: a wall clock stepped back made ghosts. */
    private final NanoClock monotonic;
    private final GatewayMetrics metrics;
    private final UnreadableRecords unreadable;
    private final FleetView fleet;
    private final CopyOnWriteArrayList<ClientSession> sessions = new CopyOnWriteArrayList<>();
    /** Drones removed while a load runs (id -> highest removed sequence), so the load cannot bring them back. */
    private final Map<Long, Long> tombstones = new ConcurrentHashMap<>();
    private final Thread fanOut;
    private final ProgressWatch progress;
    /**
     * Each drone's newest change not applied yet, a {@link DroneState} or a {@link FleetChangeBatch.Gone} (the message
     * listener's hand-off to {@link #applier}).
     */
    private final LatestEvents<Object> waiting;
    private final org.agrona.collections.LongObjConsumer<Object> applyEvent = this::applyEvent;
    /** Reads the members' messages and tracks their sequences; guarded by itself (one grid event thread by default). */
    private final FleetChangeBatch.Reader batchReader = new FleetChangeBatch.Reader();
    private final List<Object> batchChanges = new ArrayList<>(FleetChangeBatch.MAX_RECORDS);
    private final MemberSequences sequences = new MemberSequences();
    private final RateLimitedLog rejectLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(10));
    private final Thread applier;
    private final ProgressWatch applierProgress;
    /** The applier says it is behind at most once a window, and only for at least 1 % and this many skipped events. */
    private static final long CONFLATED_WINDOW_NS = TimeUnit.SECONDS.toNanos(10);
    private static final long CONFLATED_WARN_MIN = 100;
    /** The applier's own: a rate-limited log is one thread's (the fan-out has {@link #failureLog}). */
    private final RateLimitedLog applyFailureLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(10));
    /** The highest send time of the states applied (applier thread writes, gauges read). */
    private volatile long newestSentAtNanos;
    private final FrameWriter writer = new FrameWriter(64 * 1024);
    private final DroneJson encoder = new DroneJson();
    /** The scan's shared {@code changes} frames for whole-fleet clients, one per encoding (fan-out thread only). */
    private final SharedChanges sharedJson = new SharedChanges(false);
    private final SharedChanges sharedBinary = new SharedChanges(true);
    private final DroneRecords records;
    private final ScheduledExecutorService resyncer = Executors.newSingleThreadScheduledExecutor(runnable ->
    {
        final Thread thread = new Thread(runnable, "ws-fleet-resync");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicBoolean resyncQueued = new AtomicBoolean();
    /** Reloads of the whole view are at least this far apart. */
    private static final long RELOAD_GAP_NS = TimeUnit.SECONDS.toNanos(1);
    /** When the last reload began (resyncer thread). */
    private volatile long lastReloadNs = System.nanoTime() - RELOAD_GAP_NS;
    private final RateLimitedLog failureLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(10));
    /** Reloads run on the resyncer and, at start, on the caller's thread: shared. */
    private final RateLimitedLog misfiledLog = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));
    private final RateLimitedLog cutLog = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));
    private final RateLimitedLog noPartitionsLog = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));
    /**
     * Entries, keys with their values, a paged reload asks one partition for at a time (and drones a cut reload asks
     * for by id in one call): about 200 KB of states, so no response grows with what a grid client put into the map.
     */
    static final int RELOAD_PAGE = 1_000;
    /**
     * A map of at most this many entries (and at most the reload bound) is read in one query. Paging costs a call per
     * partition (271): measured on this 2-core host under load, 5,000 drones took 0.7-3 s of CPU paged against
     * 0.02-0.7 s in one query, so a fleet of the usual size keeps the one query (about 13 MB at most) and only a map
     * larger than that, which is what a grid client's planting makes it, pays for pages.
     */
    static final int SINGLE_READ_MAX = 65_536;
    /** When the fan-out will wake by itself; {@link ClientSession#NOT_DUE} while it is scanning or idle. */
    private volatile long wakeAtNs = ClientSession.NOT_DUE;
    private volatile boolean loading;
    private final int reloadMaxEntries;
    /**
     * The slot the next by-id pass starts at: the pass reads what is left of the bound, so it resumes where the last
     * one stopped and every drone of the view is read within a few reloads, not only the first ones in slot order.
     * Reloads run on the resyncer; only the first, on the caller's thread, can overlap one, and a lost update of this
     * only moves where the next pass starts.
     */
    private int rereadSlot;
    /** Drones the last by-id pass asked the map for (the cut log's figure). */
    private int rereadIds;
    /** One partition's entries with their values, {@link #RELOAD_PAGE} a call. */
    private final PartitionPages partitionPages;
    private volatile boolean running = true;
    private volatile UUID listenerId;
    private volatile UUID mapWideListenerId;
    private volatile UUID membershipListenerId;

    /**
     * @param progress        beaten once per turn of the fan-out loop (it parks at most a second when idle), so a
     *                        fan-out thread stuck sending turns the gateway's liveness DOWN.
     * @param applierProgress the same for the thread that applies fleet-map events to the view.
     * @param reloadMaxEntries the most fleet-map entries one reload reads in the map's order ({@link GatewayConfig#FLEET_RELOAD_MAX_ENTRIES}),
     *                         before it reads the drones of the view it did not reach by id.
     */
    FleetFeed(final HazelcastInstance grid, final EpochNanoClock clock, final NanoClock monotonic,
        final GatewayMetrics metrics, final ProgressWatch progress, final ProgressWatch applierProgress,
        final int reloadMaxEntries)
    {
        this.reloadMaxEntries = reloadMaxEntries;
        this.monotonic = monotonic;
        this.progress = progress;
        this.applierProgress = applierProgress;
        this.grid = grid;
        this.fleetMap = FleetGrid.fleetMap(grid);
        this.partitionPages = partitionPages(fleetMap);
        this.changesTopic = grid.getTopic(FleetChangeBatch.TOPIC);
        this.clock = clock;
        this.metrics = metrics;
        this.unreadable = new UnreadableRecords("fleet state", metrics.fleetUnreadable);
        this.records = new DroneRecords(new NodeTable(metrics.nodeNamesRefused::increment), metrics);
        this.fleet = new FleetView(metrics.staleEvents::increment, metrics.dronesRefused::increment);
        fanOut = new Thread(this, "ws-fan-out");
        fanOut.setDaemon(true);
        waiting = new LatestEvents<>(metrics.eventsConflated::increment);
        applier = new Thread(this::applyLoop, "ws-fleet-apply");
        applier.setDaemon(true);
    }

    /**
     * Registers the listeners first, then loads the current entries once: a change made between the two arrives in a
     * message, and whichever of message and load comes second cannot replace a higher sequence.
     */
    void start()
    {
        applier.start();
        // Only the map-wide events (clear, evictAll): the listener's type tells the members to send no entry events.
        mapWideListenerId = fleetMap.addEntryListener(this, false);
        membershipListenerId = grid.getCluster().addMembershipListener(this);
        listenerId = changesTopic.addMessageListener(this);
        final int loaded = load();
        fanOut.start();
        LOG.info("fleet feed live: listening to the members' changes of map '{}' (topic '{}'), {} drones loaded",
            fleetMap.getName(), changesTopic.getName(), loaded);
    }

    /**
     * Reloads the view in the background, e.g. after the grid connection came back: changes made while it was away
     * produced no events here. Drones that left the map meanwhile are reported as removed.
     */
    void resyncLater()
    {
        reloadLater(true);
    }

    /**
     * Reads the whole map every {@code seconds} and applies what is newer than the view (the same reload as after the
     * grid came back), so a drone whose last event the grid or its client dropped under overload (their event queues
     * are bounded) does not stay stale: it is right again within one period. Cost: one read of the fleet map per
     * period (5,000 drones every 10 s is 500 states/s against the 50,000/s their events bring at 10 Hz), at most
     * {@link #reloadMaxEntries} entries of it.
     */
    void reconcileEvery(final long seconds)
    {
        if (seconds > 0)
        {
            resyncer.scheduleWithFixedDelay(() -> reloadLater(false), seconds, seconds, TimeUnit.SECONDS);
        }
    }

    private void reloadLater(final boolean afterReconnect)
    {
        if (running && resyncQueued.compareAndSet(false, true))
        {
            // Reloads at most one per RELOAD_GAP_NS: anything on the grid's network can publish a message with a gap
            // (or in the name of a member not known yet), and each asked for a read of the whole fleet map.
            final long waitNs = lastReloadNs + RELOAD_GAP_NS - System.nanoTime();
            resyncer.schedule(() ->
            {
                resyncQueued.set(false);
                lastReloadNs = System.nanoTime();
                if (!running)
                {
                    return;
                }
                try
                {
                    (afterReconnect ? metrics.resyncs : metrics.reconciles).increment();
                    final int loaded = load();
                    if (afterReconnect)
                    {
                        LOG.info("fleet view reloaded: {} drones", loaded);
                    }
                }
                catch (final RuntimeException ex)
                {
                    // The grid went away again: its return triggers the next reload.
                    LOG.warn("reloading the fleet view failed: {}", ex.toString());
                }
            }, Math.max(0, waitNs), TimeUnit.NANOSECONDS);
        }
    }

    boolean listening()
    {
        return listenerId != null && running;
    }

    FleetView fleet()
    {
        return fleet;
    }

    /** The fan-out thread's id, for measuring its CPU time. */
    long fanOutThreadId()
    {
        return fanOut.getId();
    }

    int sessionCount()
    {
        return sessions.size();
    }

    long maxPendingBytes()
    {
        long max = 0;
        for (final ClientSession session : sessions)
        {
            max = Math.max(max, session.pendingBytes());
        }
        return max;
    }

    /** Starts feeding a new client: it gets a snapshot of the whole fleet, then changes. */
    void add(final ClientSession session)
    {
        sessions.add(session);
        wake(session.requestSnapshot(null));
    }

    /** Replaces a client's subscription; it gets a fresh snapshot of it. */
    void subscribe(final ClientSession session, final BoundingBox bbox)
    {
        wake(session.requestSnapshot(bbox));
    }

    /** The client opted in to flow control with this window (checked by the caller). */
    void flow(final ClientSession session, final int window)
    {
        wake(session.flow(window, System.nanoTime()));
    }

    /**
     * The client applied every frame up to {@code frame}: a client waiting for its window gets its next frame now.
     *
     * @return what the acknowledgement did (the caller answers {@link ClientSession.Ack#UNSENT} with {@code BAD_ACK}).
     */
    ClientSession.Ack ack(final ClientSession session, final long frame)
    {
        final ClientSession.Ack result = session.ack(frame, System.nanoTime());
        if (result == ClientSession.Ack.ADVANCED)
        {
            wake(session.dueNs());
        }
        return result;
    }

    /** Stops feeding a client whose session ended (its connection's close task; no call into Undertow here). */
    void remove(final ClientSession session)
    {
        sessions.remove(session);
    }

    /**
     * On the grid client's event thread: one member's message, every drone's change in it kept as that drone's newest
     * for the applier. A message that cannot be read is left out whole (counted); one after which this gateway cannot
     * be sure it heard every change reloads the view.
     */
    public void onMessage(final Message<byte[]> message)
    {
        final boolean reload;
        synchronized (batchReader)
        {
            try
            {
                final String rejected = batchReader.read(message.getMessageObject(), batchChanges);
                // The publisher is null when this client does not know the member yet (it has just joined).
                final Member publisher = message.getPublishingMember();
                final UUID member = batchReader.member();
                if (rejected != null || publisher != null && !publisher.getUuid().equals(member))
                {
                    metrics.fleetMessagesRejected.increment();
                    rejectLog.warn(System.nanoTime(), "left out a fleet change message: {}",
                        rejected != null ? rejected : "published by " + publisher + " in the name of " + member);
                    return;
                }
                if (publisher == null && !isMember(member))
                {
                    // The topic names the member that took the publish, and the check above holds a message to it; but
                    // a publisher this client does not know yet leaves the name unchecked, and any grid client may
                    // publish: a name that is no member's would take a place in the sequence table and make its
                    // messages reloads. (A member that just joined is refused too until this client hears of it;
                    // hearing of it reloads the view.)
                    metrics.fleetMessagesRejected.increment();
                    rejectLog.warn(System.nanoTime(), "left out a fleet change message: in the name of {}, not a " +
                        "member of the cluster", member);
                    return;
                }
                metrics.fleetMessages.increment();
                final MemberSequences.Verdict verdict = sequences.accept(member, batchReader.batchSequence());
                reload = verdict != MemberSequences.Verdict.NEXT ||
                    (batchReader.flags() & FleetChangeBatch.FLAG_CHANGES_LOST) != 0;
                for (int i = 0, size = batchChanges.size(); i < size; i++)
                {
                    final Object change = batchChanges.get(i);
                    offer(change instanceof DroneState state ? state.droneId() : ((FleetChangeBatch.Gone)change).droneId(),
                        change);
                }
            }
            catch (final RuntimeException ex)
            {
                metrics.fleetMessagesRejected.increment();
                rejectLog.warn(System.nanoTime(), "left out a fleet change message: {}", ex.toString());
                return;
            }
            finally
            {
                batchChanges.clear();
            }
        }
        if (reload)
        {
            metrics.fleetMessageGaps.increment();
            resyncLater();
        }
    }

    /** Whether {@code member} is one of the cluster's members, as this grid client knows them now. */
    private boolean isMember(final UUID member)
    {
        for (final Member known : grid.getCluster().getMembers())
        {
            if (known.getUuid().equals(member))
            {
                return true;
            }
        }
        return false;
    }

    /** A member joined: the partitions it takes over may have changed while it was not heard yet. */
    public void memberAdded(final MembershipEvent event)
    {
        resyncLater();
    }

    /** A member left: what its last message did not carry is read from the partitions' new owners. */
    public void memberRemoved(final MembershipEvent event)
    {
        synchronized (batchReader)
        {
            sequences.forget(event.getMember().getUuid());
        }
        resyncLater();
    }

    /**
     * Keeps the change as the drone's newest and returns (the applier applies it, only if no newer one replaced it
     * before then).
     */
    private void offer(final long droneId, final Object change)
    {
        metrics.events.increment();
        if (waiting.offer(droneId, change))
        {
            LockSupport.unpark(applier);
        }
    }

    /**
     * On the applier thread: a drone's newest change, applied to the view and the sessions. A failure is this drone's
     * alone: the rest of the pass goes on (the next change or the reconcile brings the drone back).
     */
    private void applyEvent(final long droneId, final Object change)
    {
        try
        {
            if (change instanceof DroneState state)
            {
                onState(state);
            }
            else
            {
                onGone(droneId, ((FleetChangeBatch.Gone)change).sequence());
            }
        }
        catch (final RuntimeException ex)
        {
            applyFailureLog.warn(System.nanoTime(), "applying a fleet change failed: {}", "drone " + droneId + ": " + ex);
        }
    }

    /**
     * The applier loop: apply everything waiting, then sleep until a change arrives on an empty waiting set. Counts
     * what newer changes replaced and says so at most every 10 s: the grid is ahead of this gateway.
     */
    private void applyLoop()
    {
        long windowEndsNs = System.nanoTime() + CONFLATED_WINDOW_NS;
        long conflatedBefore = 0;
        long offeredBefore = 0;
        while (running)
        {
            applierProgress.beat();
            try
            {
                if (waiting.drainTo(applyEvent) == 0)
                {
                    LockSupport.parkNanos(this, IDLE_PARK_NS);
                }
            }
            catch (final RuntimeException ex)
            {
                applyFailureLog.warn(System.nanoTime(), "applying fleet events failed: {}", ex.toString());
            }
            final long nowNs = System.nanoTime();
            if (nowNs >= windowEndsNs)
            {
                // A drone's two events in one pass happen at any load (a burst of flushes); only a gateway that skips a
                // real share of what the grid sends is behind, and worth an operator's attention. All are counted.
                final long conflated = waiting.conflated() - conflatedBefore;
                final long offered = waiting.offered() - offeredBefore;
                if (conflated >= CONFLATED_WARN_MIN && conflated * 100 >= offered)
                {
                    LOG.warn("fleet map events arrive faster than this gateway applies them: {} of {} in the last {} s " +
                        "replaced by a newer event of the same drone (each drone's newest is applied; {} waiting now)",
                        conflated, offered, TimeUnit.NANOSECONDS.toSeconds(CONFLATED_WINDOW_NS), waiting.pending());
                }
                conflatedBefore += conflated;
                offeredBefore += offered;
                windowEndsNs = nowNs + CONFLATED_WINDOW_NS;
            }
        }
    }

    /** {@code clear()} and {@code evictAll()} fire one map-wide event, not one per entry: reload to see what is left. */
    public void mapCleared(final MapEvent event)
    {
        metrics.events.increment();
        resyncLater();
    }

    public void mapEvicted(final MapEvent event)
    {
        metrics.events.increment();
        resyncLater();
    }

    private void onState(final DroneState state)
    {
        if (state == null)
        {
            return;
        }
        final DroneView view = apply(state);
        if (view != null)
        {
            metrics.gatewayReceived.record(view.gatewayNanos - state.sentAtNanos());
            metrics.gridEvent.record(view.gatewayNanos - state.gridNanos());
            if (state.sentAtNanos() - view.gatewayNanos > FUTURE_STATE_NS)
            {
                metrics.futureStates.increment();
            }
            newestSentAtNanos = newestSendTime(newestSentAtNanos, state.sentAtNanos(), view.gatewayNanos);
        }
    }

    /**
     * The newest send time after a state sent at {@code sentAtNanos} arrived at {@code arrivedAtNanos}: a send time
     * ahead of the arrival counts as the arrival. Taken as it was, one state dated days ahead (a drone's wrong clock,
     * anything that wrote the grid) would hold the newest send time, and so the age gauge at 0, until that day came;
     * taken as its arrival, it is fresh when it arrives and ages from then like any other.
     */
    static long newestSendTime(final long newestSentAtNanos, final long sentAtNanos, final long arrivedAtNanos)
    {
        return Math.max(newestSentAtNanos, Math.min(sentAtNanos, arrivedAtNanos));
    }

    /**
     * How old the newest drone state this gateway applied is, in nanoseconds (its send time to now): what a client
     * sees at best. Grows while the grid is behind or nothing is sent; 0 before the first state.
     */
    long newestStateAgeNanos()
    {
        final long newest = newestSentAtNanos;
        return newest == 0 ? 0 : Math.max(0, clock.nanoTime() - newest);
    }

    /** Drones with a fleet-map event waiting to be applied. */
    int eventsWaiting()
    {
        return waiting.pending();
    }

    /** Fleet-map events replaced by a newer one of the same drone before the gateway applied them. */
    long eventsConflated()
    {
        return waiting.conflated();
    }

    /** Merges a state into the view and marks it in the sessions; null when the view already held a newer one. */
    private DroneView apply(final DroneState state)
    {
        if (loading)
        {
            final Long removedSequence = tombstones.get(state.droneId());
            if (removedSequence != null && state.sequence() <= removedSequence)
            {
                metrics.staleEvents.increment();
                return null;
            }
        }
        final DroneView view = fleet.merge(state, clock.nanoTime(), monotonic.nanoTime());
        if (view == null)
        {
            return null;
        }
        fleet.stamp(view.slot);
        final long nowNs = System.nanoTime();
        for (final ClientSession session : sessions)
        {
            wake(session.onChange(view, nowNs));
        }
        return view;
    }

    /** @param lastSequence the sequence of the state that left, {@link Long#MAX_VALUE} when unknown. */
    private void onGone(final long droneId, final long lastSequence)
    {
        if (loading)
        {
            tombstones.merge(droneId, lastSequence, Math::max);
        }
        gone(droneId);
    }

    private void gone(final long droneId)
    {
        goneUnlessNewer(droneId, null);
    }

    /**
     * Takes a drone out only while the view still holds {@code expected} (any version when null): a reload decides
     * on the version it looked at, and the applier may put a newer one in between; that one stays.
     */
    private void goneUnlessNewer(final long droneId, final DroneView expected)
    {
        final DroneView last = expected == null ? fleet.remove(droneId) :
            fleet.remove(droneId, expected) ? expected : null;
        if (last == null)
        {
            return;
        }
        final long nowNs = System.nanoTime();
        for (final ClientSession session : sessions)
        {
            wake(session.onRemoved(droneId, last.slot, nowNs));
        }
        // Every session that could hold the slot was told (a session added since gets a snapshot without it).
        fleet.release(last.slot);
    }

    /**
     * Loads the map's entries into the view (the listener is already registered), then drops drones the view held from
     * before the load that the map no longer has. Reads at most {@link #reloadMaxEntries} entries in all, paged and
     * by id, a map of more than {@link #SINGLE_READ_MAX} (or than the bound) {@link #RELOAD_PAGE} entries with their
     * values a call: any grid client can put entries into the fleet map, and one {@code entrySet()} of it brought them
     * all in one response, every reload (20,000 planted states were 20,000 read at each reconcile; 10^6 of them a
     * heap-sized response). A paged load reads the view's own drones its pages did not show by id
     * ({@link #rereadNotReached}) with what is left of the bound: junk planted ahead of them in the map's order kept
     * them from every reload, and a page can miss entries while a partition migrates (the reload a member's joining or
     * leaving triggers), so only a read by id says a drone left. A load that stops at the bound is counted and logged.
     */
    private int load()
    {
        tombstones.clear();
        loading = true;
        // Monotonic: on the wall clock, stepped back an hour, every version taken before the step looked newer than the
        // read for that hour, and a drone the map no longer had stayed in the view (a ghost on every screen).
        final long startedNanos = monotonic.nanoTime();
        try
        {
            final LongHashSet present = new LongHashSet();
            int misfiled = 0;
            long misfiledKey = 0;
            int read = 0;
            boolean cut = false;
            // The size first (one small call per member): a grid client that plants between it and the query can
            // still grow that one response, for one reload; the next one sees the size and pages.
            final int size = fleetMap.size();
            final boolean small = size <= Math.min(SINGLE_READ_MAX, reloadMaxEntries);
            final int partitions = small ? 0 : partitionCount();
            if (!small && partitions <= 0)
            {
                // No partition table yet: nothing can be paged, and an empty read would say every drone left.
                final long suppressed = noPartitionsLog.tryAcquireShared(System.nanoTime());
                if (suppressed >= 0)
                {
                    LOG.warn("fleet view not reloaded: the grid client knows no partitions of the fleet map yet ({} " +
                        "such lines suppressed)", suppressed);
                }
                return fleet.size();
            }
            // A map larger than the bound will stop the pages at it: keep part of the bound (up to half, no more than
            // the view holds) for the view's drones by id, or the pages took it all and the by-id pass never ran.
            final int pagedMax = size > reloadMaxEntries ?
                reloadMaxEntries - Math.min(fleet.size(), reloadMaxEntries / 2) : reloadMaxEntries;
            final Iterator<? extends Map.Entry<?, ?>> entries =
                small ? fleetMap.entrySet().iterator() : new PagedEntries(partitionPages, partitions);
            while (entries.hasNext())
            {
                if (read == pagedMax)
                {
                    cut = true;
                    break;
                }
                read++;
                // Read untyped: a grid client can put a key of another type (an Integer 2) or a value of another
                // class, and a typed read threw here, so no gateway started and a running one stopped reloading. The
                // iterator turns key and value into objects only when asked, so an unreadable one is left out alone.
                final Object key;
                final Object value;
                try
                {
                    final Map.Entry<?, ?> entry = entries.next();
                    key = entry.getKey();
                    value = entry.getValue();
                }
                catch (final HazelcastSerializationException ex)
                {
                    unreadable.skipped(ex);
                    continue;
                }
                if (!take(key, value, startedNanos, present))
                {
                    misfiled++;
                    misfiledKey = key instanceof Long k ? k : -1;
                }
            }
            if (small && !cut)
            {
                // One query of the whole map: a drone it did not show is not in the map.
                for (final DroneView view : fleet.byId().values())
                {
                    if (!present.contains(view.id()) && view.appliedNanos - startedNanos < 0)
                    {
                        goneUnlessNewer(view.id(), view);
                    }
                }
            }
            else
            {
                // Pages (or a cut read) did not show every drone: junk planted ahead of a drone in the map's order, or
                // a partition migrating under the pages. The view's drones not shown are read by id (migration-safe)
                // with what is left of the bound, so a forged state or a ghost is corrected and only a drone the map
                // no longer has leaves. Events keep the view going meanwhile.
                final int presentBefore = present.size();
                misfiled += rereadNotReached(present, startedNanos, reloadMaxEntries - read);
                if (cut)
                {
                    metrics.reloadsCut.increment();
                    final long suppressed = cutLog.tryAcquireShared(System.nanoTime());
                    if (suppressed >= 0)
                    {
                        LOG.warn("fleet view reload stopped after {} entries of the fleet map and {} drones read by id " +
                            "(ODYSSEY_GATEWAY_FLEET_RELOAD_MAX_ENTRIES in all), {} of the entries drones: the map holds " +
                            "more (a fleet larger than the setting, or entries a grid client put there); the view's other " +
                            "drones are read by id at the next reloads, drones new to this gateway come with their next " +
                            "change ({} such lines suppressed)", read, rereadIds, presentBefore, suppressed);
                    }
                }
            }
            if (misfiled > 0)
            {
                metrics.fleetUnreadable.add(misfiled);
                final long suppressed = misfiledLog.tryAcquireShared(System.nanoTime());
                if (suppressed >= 0)
                {
                    LOG.warn("left out {} fleet state(s) filed under another drone's key, written into the grid by " +
                        "something else (under drone {}, for example; {} such lines suppressed)", misfiled, misfiledKey,
                        suppressed);
                }
            }
            return present.size();
        }
        finally
        {
            loading = false;
            tombstones.clear();
        }
    }

    /**
     * Applies one entry the map holds to the view: what the view lacks, and the map's state over one the map never had.
     *
     * @return false when the entry is no state of the drone under its key (filed by a grid client), left out.
     */
    private boolean take(final Object key, final Object value, final long startedNanos, final LongHashSet present)
    {
        final DroneState state = DroneState.filedUnder(key, value);
        if (state == null)
        {
            // Filed by a grid client (ingest files each drone under its own id, a Long): the drone it names has its
            // own entry, and the drone under this key none (the members' messages say so too).
            return false;
        }
        present.add(state.droneId());
        final DroneView held = fleet.get(state.droneId());
        if (held == null || held.sequence() < state.sequence())
        {
            // Only what the view lacks: a periodic reconcile finds most drones current, and those are not stale events
            // (odyssey_gateway_stale_events_total counts events).
            apply(state);
        }
        else if (held.sequence() > state.sequence() && held.appliedNanos - startedNanos < 0)
        {
            // The view held, before this read began, a state the map never had: the map keeps the highest sequence,
            // and a member publishes a change after writing it. So it came in a message forged on the grid's network
            // (any client can publish in a member's name), and would have frozen the drone at it (newer states are
            // lower). The map is the truth: the drone leaves and comes back as the map has it. (A state applied after
            // the read began may be newer than the read: left alone.)
            metrics.viewCorrections.increment();
            goneUnlessNewer(state.droneId(), held);
            apply(state);
        }
        return true;
    }

    /**
     * After a paged or cut read: reads up to {@code budget} of the view's drones the read did not show by id,
     * {@link #RELOAD_PAGE} ids a call, and applies the same rules as the read (the map's state over a forged one; a
     * drone the map no longer has, applied before the load began, leaves). The read's order is the map's, the same at
     * every reload: without this, a grid client planting more than the bound ahead of a drone froze it at a forged
     * change, or kept it on screen after it left, for as long as the junk stayed. The pass goes through the view in slot
     * order from where the last one stopped: the view holds up to {@link FleetView#MAX_SLOTS} drones (any grid client
     * can write valid states under new ids), and reading them all went four times past the bound; a drone not asked
     * for this time is neither corrected nor removed, and is asked for at a later reload.
     *
     * @return entries under these drones' keys left out as filed under another drone's key.
     */
    private int rereadNotReached(final LongHashSet present, final long startedNanos, final int budget)
    {
        rereadIds = 0;
        final int slots = fleet.slotLimit();
        if (budget <= 0 || slots == 0)
        {
            return 0;
        }
        final Set<Long> batch = new HashSet<>();
        int misfiled = 0;
        int slot = rereadSlot < slots ? rereadSlot : 0;
        for (int visited = 0; visited < slots && rereadIds < budget; visited++)
        {
            final DroneView view = fleet.atSlot(slot);
            slot = slot + 1 == slots ? 0 : slot + 1;
            if (view != null && !present.contains(view.id()))
            {
                batch.add(view.id());
                rereadIds++;
                if (batch.size() == RELOAD_PAGE)
                {
                    misfiled += reread(batch, startedNanos, present);
                    batch.clear();
                }
            }
        }
        rereadSlot = slot;
        if (!batch.isEmpty())
        {
            misfiled += reread(batch, startedNanos, present);
        }
        return misfiled;
    }

    private int reread(final Set<Long> ids, final long startedNanos, final LongHashSet present)
    {
        int misfiled = 0;
        // Untyped: the values under these keys are whatever a grid client wrote there.
        @SuppressWarnings({"unchecked", "rawtypes"})
        final IMap<Object, Object> untyped = (IMap)fleetMap;
        Map<Object, Object> found;
        try
        {
            found = untyped.getAll(new HashSet<>(ids));
        }
        catch (final HazelcastSerializationException ex)
        {
            // One value no class here reads fails the whole call: these ids one at a time, the unreadable left out.
            found = new java.util.HashMap<>();
            for (final Long id : ids)
            {
                try
                {
                    final Object value = untyped.get(id);
                    if (value != null)
                    {
                        found.put(id, value);
                    }
                }
                catch (final HazelcastSerializationException one)
                {
                    unreadable.skipped(one);
                }
            }
        }
        for (final Map.Entry<Object, Object> entry : found.entrySet())
        {
            if (!take(entry.getKey(), entry.getValue(), startedNanos, present))
            {
                misfiled++;
            }
        }
        for (final Long id : ids)
        {
            final DroneView view = fleet.get(id);
            if (!present.contains(id) && view != null && view.appliedNanos - startedNanos < 0)
            {
                goneUnlessNewer(id, view);
            }
        }
        return misfiled;
    }

    private int partitionCount()
    {
        return grid.getPartitionService().getPartitions().size();
    }

    /** One partition's entries, keys with their values, a page a call. */
    @FunctionalInterface
    interface PartitionPages
    {
        Iterator<? extends Map.Entry<?, ?>> of(int partitionId);
    }

    /**
     * {@code IMap.iterator(fetchSize)} fetches keys only and then asks for each value alone (Hazelcast 5.7's
     * {@code prefetchValues=false}): up to 262,144 round trips a reload, and an entry removed between the two came
     * back null. The proxies' per-partition iterator brings values with their keys. The gateway's map is a client's
     * ({@link ClientMapProxy}); a member's ({@link MapProxyImpl}) has the same method.
     */
    static PartitionPages partitionPages(final IMap<Long, DroneState> map)
    {
        if (map instanceof ClientMapProxy<Long, DroneState> client)
        {
            return partitionId -> client.iterator(RELOAD_PAGE, partitionId, true);
        }
        if (map instanceof MapProxyImpl<Long, DroneState> member)
        {
            return partitionId -> member.iterator(RELOAD_PAGE, partitionId, true);
        }
        throw new IllegalArgumentException("the fleet map is neither a client's nor a member's proxy: " +
            map.getClass().getName());
    }

    /** Every partition's entries in turn, partition 0 first. */
    static final class PagedEntries implements Iterator<Map.Entry<?, ?>>
    {
        private final PartitionPages pages;
        private final int partitions;
        private int partition;
        private Iterator<? extends Map.Entry<?, ?>> current;

        PagedEntries(final PartitionPages pages, final int partitions)
        {
            this.pages = pages;
            this.partitions = partitions;
        }

        public boolean hasNext()
        {
            while (current == null || !current.hasNext())
            {
                if (partition == partitions)
                {
                    return false;
                }
                current = pages.of(partition++);
            }
            return true;
        }

        public Map.Entry<?, ?> next()
        {
            if (!hasNext())
            {
                throw new NoSuchElementException();
            }
            return current.next();
        }
    }

    private void wake(final long dueNs)
    {
        if (dueNs < wakeAtNs)
        {
            LockSupport.unpark(fanOut);
        }
    }

    /**
     * The fan-out loop: flush every session that is due, then sleep until the next one is. A change that makes a
     * session due earlier unparks it ({@link #wake}); {@code wakeAtNs} is {@code NOT_DUE} while scanning, so a
     * change racing the scan always wakes it (at worst one extra scan).
     */
    public void run()
    {
        while (running)
        {
            progress.beat();
            wakeAtNs = ClientSession.NOT_DUE;
            final long nowNs = System.nanoTime();
            long nextNs = ClientSession.NOT_DUE;
            // A frame is shared within one scan only: the next scan's clients have newer changes to hear of.
            sharedJson.clear();
            sharedBinary.clear();
            for (final ClientSession session : sessions)
            {
                long dueNs = session.dueNs();
                if (dueNs <= nowNs)
                {
                    try
                    {
                        session.flush(fleet, nowNs, writer, encoder, records, clock,
                            session.isBinary() ? sharedBinary : sharedJson);
                    }
                    catch (final RuntimeException ex)
                    {
                        failureLog.warn(nowNs, "sending to a client failed, closing it: {}", ex.toString());
                        session.fail();
                    }
                    dueNs = session.dueNs();
                }
                nextNs = Math.min(nextNs, dueNs);
            }
            wakeAtNs = nextNs;
            if (nextNs == ClientSession.NOT_DUE)
            {
                LockSupport.parkNanos(this, IDLE_PARK_NS);
            }
            else
            {
                final long sleepNs = nextNs - System.nanoTime();
                if (sleepNs > 0)
                {
                    LockSupport.parkNanos(this, sleepNs);
                }
            }
        }
    }

    public void close()
    {
        running = false;
        LockSupport.unpark(fanOut);
        LockSupport.unpark(applier);
        resyncer.shutdownNow();
        try
        {
            if (listenerId != null)
            {
                changesTopic.removeMessageListener(listenerId);
            }
            if (mapWideListenerId != null)
            {
                fleetMap.removeEntryListener(mapWideListenerId);
            }
            if (membershipListenerId != null)
            {
                grid.getCluster().removeMembershipListener(membershipListenerId);
            }
        }
        catch (final RuntimeException ex)
        {
            LOG.debug("could not remove the fleet listeners on close: {}", ex.toString());
        }
        for (final Thread thread : new Thread[] {fanOut, applier})
        {
            if (thread.isAlive())
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
}
