package io.odyssey.ingest;

import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import io.odyssey.grid.ActiveAlert;
import io.odyssey.grid.ClassNames;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.RemoveUnchangedDrones;
import io.odyssey.grid.UnreadableRecords;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.RateLimitedLog;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Drones silent for the expiry leave the live fleet map: every sweep reads the map and removes the entries this node
 * has seen unchanged (the same sequence and receive time) for longer than the expiry on its own monotonic clock,
 * whichever node wrote them. The gateway sees each as a removed entry and drops the drone from its clients' maps. Runs
 * on the ingest node's housekeeping thread, never on the hot path; a grid that is away only delays it.
 * <p>
 * Why not the receive times: they are written by the node hearing each drone, on its wall clock, and compared with
 * this node's, a step of this node's clock (an NTP correction, a VM restored from a snapshot, an operator setting the
 * date) or a host running apart moved the expiry by as much: a step forward removed every drone heard on any node (each
 * came back at its next frame, the gateways' maps flickering and the drones' counts of expiries rising at every
 * sweep), a host behind by more than the expiry had its drones removed at every sweep, and a step back kept the silent
 * ones on every screen for the step's length. Removal is conditional on the members ({@link RemoveUnchangedDrones}:
 * the stored state must still have the sequence and receive time read), so a state written meanwhile is never
 * removed; the fields are compared, not the stored bytes ({@code remove(key, value)} on this BINARY map never removed a
 * state carrying a Compact field this version does not write: a grid client's, or every entry of another version
 * during an upgrade), and one call removes a batch, not one round trip per silent drone on the housekeeping thread.
 * When: a sweep first sees a state up to a sweep period after it was written, and removes it at the first sweep more
 * than the expiry after that, so an entry goes between the expiry and the expiry plus two sweep periods after its
 * last change (300 s and 75 s by default: within 450 s); a node that starts (or restarts) waits a whole expiry before
 * it removes anything. Memory: one entry per fleet-map key of the last read, forgotten when a read no longer has the
 * key: the table is never larger than that read itself (the map holds at most the fleet's drones, each node's bounded
 * by {@code ODYSSEY_INGEST_MAX_DRONES}, plus what a grid client plants, which the read must hold too).
 * <p>
 * Alerts follow their drones: each node's alert engine clears its own silent drones' alerts at the expiry (journaled),
 * but a node that died, or restarted without the drone, leaves its alerts behind. So the sweep also removes active
 * alerts raised more than the expiry ago (by this node's wall clock against the raising node's) whose drone is no
 * longer in the fleet map (a live node has cleared its own by then: the drone leaves the map at the expiry, its alert
 * engine clears in the same data time). A step of the wall clock moves only when such an orphan goes: an alert is
 * removed only while its drone is out of the map, and only if unchanged.
 */
final class FleetSweep implements Runnable
{
    private static final Logger LOG = LoggerFactory.getLogger(FleetSweep.class);

    private final IMap<Long, DroneState> fleet;
    private final IMap<String, ActiveAlert> alerts;
    private final long expiryNanos;
    private final EpochNanoClock clock;
    private final NanoClock monotonic;
    private final UnreadableRecords unreadable;
    private final Counter removed;
    private final Counter orphanAlerts;
    private final Counter failures;
    private final RateLimitedLog failureLog = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));
    /** Each fleet-map key of the last read: its state then, and since when (monotonic) this node has seen it so. */
    private Map<Long, Unchanged> unchanged = new HashMap<>();

    private record Unchanged(long sequence, long ingestNanos, long sinceNs)
    {
    }

    /**
     * Silent drones removed by one call: the processor carries three longs a drone (24 KiB here), and a batch is one
     * round trip however many drones (planted ones included) fall silent at once.
     */
    static final int REMOVAL_BATCH = 1_000;
    private static final String PROCESSOR_NAME = RemoveUnchangedDrones.class.getName();
    /** How long a member's lack of {@link RemoveUnchangedDrones} is believed before the processor is tried again. */
    private static final long LACKING_FOR_NS = TimeUnit.MINUTES.toNanos(1);
    private final RateLimitedLog lackingLog = new RateLimitedLog(LOG, LACKING_FOR_NS);
    /** Whether a member was found lacking the processor (a rolling upgrade), and until when (monotonic) so taken. */
    private boolean lacking;
    private long lackingUntilNs;

    /**
     * @param clock      this node's wall clock: only for the orphaned alerts' age.
     * @param monotonic  this node's monotonic clock: how long a fleet-map entry has stayed unchanged.
     * @param unreadable fleet states that cannot be read (left where they are, counted).
     */
    FleetSweep(final IMap<Long, DroneState> fleet, final IMap<String, ActiveAlert> alerts, final long expiryNanos,
        final EpochNanoClock clock, final NanoClock monotonic, final UnreadableRecords unreadable, final Counter removed,
        final Counter orphanAlerts, final Counter failures)
    {
        this.monotonic = monotonic;
        this.unreadable = unreadable;
        this.orphanAlerts = orphanAlerts;
        this.fleet = fleet;
        this.alerts = alerts;
        this.expiryNanos = expiryNanos;
        this.clock = clock;
        this.removed = removed;
        this.failures = failures;
    }

    /**
     * How often to sweep: a quarter of the expiry, between 1 s and a minute (so a drone leaves up to two periods after its
     * expiry: see the class comment).
     */
    static long periodMillis(final long expiryNanos)
    {
        return Math.max(1_000, Math.min(60_000, TimeUnit.NANOSECONDS.toMillis(expiryNanos) / 4));
    }

    public void run()
    {
        final long heardBefore = clock.nanoTime() - expiryNanos;
        try
        {
            final int count = removeUnchanged();
            if (count > 0)
            {
                removed.add(count);
                LOG.info("{} drones silent for more than {} s left the fleet map", count,
                    TimeUnit.NANOSECONDS.toSeconds(expiryNanos));
            }
            int orphans = 0;
            for (final Map.Entry<String, ActiveAlert> alert :
                alerts.entrySet(Predicates.lessThan("raisedAtNanos", heardBefore)))
            {
                final ActiveAlert value = alert.getValue();
                final boolean gone = !fleet.containsKey(value.droneId()) ||
                    (value.otherDroneId() != 0 && !fleet.containsKey(value.otherDroneId()));
                // Removed only if unchanged meanwhile: a raise of the same key since is not an orphan.
                if (gone && alerts.remove(alert.getKey(), value))
                {
                    orphans++;
                }
            }
            if (orphans > 0)
            {
                orphanAlerts.add(orphans);
                LOG.info("{} active alerts of drones that left the fleet map removed (their node no longer clears them)",
                    orphans);
            }
        }
        catch (final RuntimeException ex)
        {
            // A scheduled task that throws is never run again: count, log now and then, and sweep next time.
            failures.increment();
            if (failureLog.tryAcquire(System.nanoTime()))
            {
                LOG.warn("sweeping the fleet map for silent drones failed; next sweep in {} ms ({} more since the last " +
                    "line): {}", periodMillis(expiryNanos), failureLog.suppressedSinceLast(), ex.toString());
            }
        }
    }

    /**
     * Reads the whole map, notes the entries changed since the last read, and removes those unchanged for more than the
     * expiry, each only if still the state read. Entries that cannot be read, or are not a drone's state under a
     * drone's key (a grid client's), are left where they are, as before.
     */
    private int removeUnchanged()
    {
        final List<Map.Entry<Long, DroneState>> read = unreadable.readableEntries(fleet.entrySet());
        // After the read: an entry is never taken as unchanged for longer than it was.
        final long nowNs = monotonic.nanoTime();
        final Map<Long, Unchanged> next = new HashMap<>(Math.max(16, read.size() * 2));
        final List<Map.Entry<Long, DroneState>> silent = new ArrayList<>();
        for (final Map.Entry<?, ?> entry : read)
        {
            if (!(entry.getKey() instanceof Long key) || !(entry.getValue() instanceof DroneState state))
            {
                continue;
            }
            final Unchanged before = unchanged.get(key);
            final Unchanged now = before != null && before.sequence == state.sequence() &&
                before.ingestNanos == state.ingestNanos() ? before :
                new Unchanged(state.sequence(), state.ingestNanos(), nowNs);
            // Kept even when removed below: a removal that failed (the grid away) is tried again at the next sweep
            // without waiting another expiry; a key removed is not in the next read, and leaves the table then.
            next.put(key, now);
            if (nowNs - now.sinceNs > expiryNanos)
            {
                silent.add(Map.entry(key, state));
            }
        }
        unchanged = next;
        silent.sort(Map.Entry.comparingByKey());
        int count = 0;
        for (int from = 0; from < silent.size(); from += REMOVAL_BATCH)
        {
            count += removeIfUnchanged(silent.subList(from, Math.min(silent.size(), from + REMOVAL_BATCH)), nowNs);
        }
        return count;
    }

    /**
     * Removes each of {@code silent} (ascending keys) whose stored state still has the sequence and receive time read,
     * in one call ({@link RemoveUnchangedDrones}, comparing those fields on the members, not the bytes). While a member
     * of the previous version lacks that processor (a rolling upgrade) each is removed by itself, only if its stored
     * value is still the one read, as that version did: a state written by a version with other fields stays then.
     */
    private int removeIfUnchanged(final List<Map.Entry<Long, DroneState>> silent, final long nowNs)
    {
        if (!lacking || nowNs - lackingUntilNs >= 0)
        {
            final long[] ids = new long[silent.size()];
            final long[] sequences = new long[ids.length];
            final long[] ingestNanos = new long[ids.length];
            final Set<Long> keys = new HashSet<>(ids.length * 2);
            for (int i = 0; i < ids.length; i++)
            {
                final Map.Entry<Long, DroneState> entry = silent.get(i);
                ids[i] = entry.getKey();
                sequences[i] = entry.getValue().sequence();
                ingestNanos[i] = entry.getValue().ingestNanos();
                keys.add(entry.getKey());
            }
            try
            {
                int count = 0;
                for (final Boolean removedOne :
                    fleet.executeOnKeys(keys, new RemoveUnchangedDrones(ids, sequences, ingestNanos)).values())
                {
                    if (Boolean.TRUE.equals(removedOne))
                    {
                        count++;
                    }
                }
                lacking = false;
                return count;
            }
            catch (final RuntimeException ex)
            {
                if (!namesProcessor(ex))
                {
                    throw ex;
                }
                lacking = true;
                lackingUntilNs = nowNs + LACKING_FOR_NS;
                if (lackingLog.tryAcquire(System.nanoTime()))
                {
                    LOG.warn("a grid member lacks {} (a member of the previous version, during a rolling upgrade?): " +
                        "silent drones are removed one call each, and a state written with other fields than this " +
                        "version's stays, for a minute, then the processor is tried again: {}", PROCESSOR_NAME,
                        ex.toString());
                }
            }
        }
        int count = 0;
        for (final Map.Entry<Long, DroneState> entry : silent)
        {
            // Only if still the state read: a state written since (the drone heard again, on any node) stays.
            if (fleet.remove(entry.getKey(), entry.getValue()))
            {
                count++;
            }
        }
        return count;
    }

    /**
     * Whether {@code ex} names the processor's class exactly (not a longer name holding it): Hazelcast carries a
     * member's failure to load it as a cause chain rebuilt from the member's ({@link ClassNotFoundException} or
     * {@link NoClassDefFoundError} naming it, in dots or slashes), or only as text. Anything else fails the sweep as
     * before (counted, tried again at the next). Only our own keys go in the call, so a planted key cannot name it; a
     * stored value of another class (even one of this very class, planted) is left alone by the processor, counted,
     * and fails nothing (it once threw a ClassCastException naming both classes, which read as this failure).
     */
    static boolean namesProcessor(final Throwable ex)
    {
        return ClassNames.namedIn(ex, List.of(PROCESSOR_NAME));
    }
}
