package io.odyssey.ingest;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.odyssey.codecs.sign.DroneKey;
import io.odyssey.codecs.sign.DroneKeyRing;
import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.grid.trust.DroneKeyRecord;
import io.odyssey.grid.trust.DroneKeyVault;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.Metrics;
import io.odyssey.runtime.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Brings the drone keys admins manage through the gateway (sealed records in the grid's {@value
 * io.odyssey.grid.FleetGrid#DRONE_KEYS_MAP} map) into this node's {@link DroneKeyRing}, off the hot path: a map
 * listener applies a change within moments, and a periodic full read repairs anything a missed event left behind.
 * <p>
 * The grid is storage, not a trust anchor: a record that does not open under the vault (written or altered by a plain
 * client, moved from another drone) is ignored, logged (rate-limited) and counted, and the keys in use stay. A record
 * with a lower key id than the one in use (an old record played back) is refused too, and a removed record changes
 * nothing (the API never removes one; a revocation is a record without keys), so a grid client can neither roll a
 * rotation or revocation back nor bring a file key back. Across restarts the same holds through {@link DroneKeyMarks}
 * (the highest key id used per drone, on disk): a record below its drone's mark is refused, and a drone with a mark but
 * no record has no key at all (not the file's) until an admin gives it one again. All work runs on one thread (the
 * executor given, single-threaded).
 */
final class GridDroneKeys
{
    /** Pending changed ids beyond this make the next pass a full read instead (a flood of events stays bounded). */
    static final int MAX_PENDING = 10_000;
    /** More records than this is not a fleet (as {@link DroneKeys#MAX_FILE_BYTES} bounds a key file). */
    static final long MAX_RECORDS = 1_000_000;
    private static final Logger LOG = LoggerFactory.getLogger(GridDroneKeys.class);

    private final IMap<Long, String> map;
    private final DroneKeyVault vault;
    private final DroneKeyRing ring;
    private final Executor executor;
    private final int maxRecords;
    private final long droneIdMin;
    private final long droneIdMax;
    private final Counter unreadable;
    private final Counter older;
    private final Counter removed;
    private final Counter outOfRange;
    private final Counter tooMany;
    private final Counter missing;
    private final DroneKeyMarks marks;
    /** Drones with a mark and no record, already counted and logged (once each, not at every full read). */
    private final Set<Long> missingReported = new HashSet<>();
    private final RateLimitedLog refusalLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(10));
    /** Records in use, by drone: their key ids decide what a newer record is. */
    private final Map<Long, DroneKeyRecord> inUse = new HashMap<>();
    /** The sealed text last looked at per drone: an unchanged record is not opened (or counted) again. */
    private final Map<Long, String> lastSeen = new HashMap<>();
    private final Set<Long> pending = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean overflow = new AtomicBoolean();
    private final AtomicBoolean scheduled = new AtomicBoolean();

    GridDroneKeys(final IMap<Long, String> map, final DroneKeyVault vault, final DroneKeyRing ring, final Executor executor,
        final int maxRecords, final long droneIdMin, final long droneIdMax, final DroneKeyMarks marks, final Metrics metrics)
    {
        this.map = map;
        this.marks = marks;
        this.vault = vault;
        this.ring = ring;
        this.executor = executor;
        this.maxRecords = maxRecords;
        this.droneIdMin = droneIdMin;
        this.droneIdMax = droneIdMax;
        final String name = "odyssey_ingest_drone_key_records_refused_total";
        final String help = "Drone key records in the grid this node did not use, by reason";
        this.unreadable = metrics.counter(name, help, "reason=\"UNREADABLE\"");
        this.older = metrics.counter(name, help, "reason=\"OLDER_KEY_ID\"");
        this.removed = metrics.counter(name, help, "reason=\"REMOVED\"");
        this.outOfRange = metrics.counter(name, help, "reason=\"DRONE_ID_OUT_OF_RANGE\"");
        this.tooMany = metrics.counter(name, help, "reason=\"TOO_MANY_RECORDS\"");
        this.missing = metrics.counter(name, help, "reason=\"MISSING\"");
    }

    /**
     * Refuses every drone with a mark until its record is read (a restarted node must not fly it on the key file's key
     * meanwhile), listens for changes and reads the map once (on the executor).
     */
    GridDroneKeys start()
    {
        publish();
        map.addEntryListener(new Changes(), false);
        requestFullRead();
        return this;
    }

    /** Schedules a full read of the map (what the periodic repair runs). */
    void requestFullRead()
    {
        overflow.set(true);
        schedule();
    }

    private void changed(final Long droneId)
    {
        if (pending.size() < MAX_PENDING)
        {
            pending.add(droneId);
        }
        else
        {
            overflow.set(true);
        }
        schedule();
    }

    private void schedule()
    {
        if (scheduled.compareAndSet(false, true))
        {
            try
            {
                executor.execute(this::drain);
            }
            catch (final java.util.concurrent.RejectedExecutionException ex)
            {
                // Stopping: the housekeeping thread is gone, and so is any use for new keys.
                scheduled.set(false);
            }
        }
    }

    private void drain()
    {
        scheduled.set(false);
        try
        {
            boolean changes = false;
            if (overflow.getAndSet(false))
            {
                pending.clear();
                changes = readAll();
            }
            else
            {
                for (final Long droneId : pending.toArray(new Long[0]))
                {
                    pending.remove(droneId);
                    changes |= consider(droneId, map.get(droneId));
                }
            }
            if (changes)
            {
                publish();
            }
        }
        catch (final RuntimeException ex)
        {
            // The grid away: the keys in use stay, the next periodic read tries again.
            LOG.warn("drone keys not read from the grid, keeping the {} in use: {}", inUse.size(), ex.toString());
        }
    }

    private boolean readAll()
    {
        final int size = map.size();
        if (size > maxRecords)
        {
            tooMany.increment();
            refusalLog.warn(System.nanoTime(), "the grid holds {} drone key records, more than any fleet this node " +
                "serves: not read in full (changes still apply one by one)", size);
            return false;
        }
        boolean changes = false;
        final Set<Long> recorded = new HashSet<>();
        for (final Map.Entry<Long, String> entry : map.entrySet())
        {
            recorded.add(entry.getKey());
            changes |= consider(entry.getKey(), entry.getValue());
        }
        for (final Long droneId : marks.drones())
        {
            if (!recorded.contains(droneId) && !inUse.containsKey(droneId) && missingReported.add(droneId))
            {
                missing.increment();
                LOG.warn("drone {} has no key record in the grid, though this node used key {} for it before: its " +
                    "frames are refused (not taken on the key file's key) until an admin gives it a key again",
                    droneId, marks.mark(droneId));
            }
        }
        return changes;
    }

    /** @return true when the keys in use changed. */
    private boolean consider(final Long droneId, final String sealed)
    {
        if (sealed == null)
        {
            if (inUse.containsKey(droneId) && lastSeen.remove(droneId) != null)
            {
                removed.increment();
                refusalLog.warn(System.nanoTime(), "the drone key record of drone {} was removed from the grid " +
                    "(the API never removes one): the keys in use stay", droneId);
            }
            return false;
        }
        if (sealed.equals(lastSeen.get(droneId)))
        {
            return false;
        }
        if (lastSeen.size() >= maxRecords && !lastSeen.containsKey(droneId))
        {
            tooMany.increment();
            return false;
        }
        lastSeen.put(droneId, sealed);
        if (droneId < droneIdMin || droneId > droneIdMax)
        {
            outOfRange.increment();
            refusalLog.warn(System.nanoTime(), "drone key record ignored: drone {} is outside this node's id range",
                droneId);
            return false;
        }
        final DroneKeyRecord record = vault.open(droneId, sealed);
        if (record == null)
        {
            unreadable.increment();
            refusalLog.warn(System.nanoTime(), "drone key record of drone {} ignored: it does not open under the " +
                "command key (written or altered by something other than a gateway)", droneId);
            return false;
        }
        final DroneKeyRecord current = inUse.get(droneId);
        final long floor = Math.max(current == null ? 0 : current.keyId(), marks.mark(droneId));
        if (record.keyId() < floor || current != null && record.keyId() == current.keyId())
        {
            if (record.keyId() < floor)
            {
                older.increment();
                refusalLog.warn(System.nanoTime(), "drone key record of drone {} ignored: an older key id than the " +
                    "one in use (played back)", droneId);
            }
            return false;
        }
        inUse.put(droneId, record);
        missingReported.remove(droneId);
        LOG.info("drone {} keys from the grid: key {}{}", droneId, record.keyId(), record.revoked() ? " (revoked)" : "");
        return true;
    }

    private void publish()
    {
        final Map<Long, DroneKeys.Entry> overrides = new HashMap<>();
        // A drone marked and not (yet) in use: no key, rather than the key file's.
        marks.drones().forEach(droneId -> overrides.put(droneId, null));
        final Map<Long, Long> keyIds = new HashMap<>();
        inUse.forEach((droneId, record) ->
        {
            overrides.put(droneId, entry(record));
            keyIds.put(droneId, record.keyId());
        });
        ring.overlay(overrides);
        try
        {
            if (!marks.raise(keyIds))
            {
                tooMany.increment();
            }
        }
        catch (final IOException ex)
        {
            refusalLog.warn(System.nanoTime(), "the drone key marks could not be written ({}): after a restart this " +
                "node would take older key records again until each drone's next change", ex.toString());
        }
    }

    private static DroneKeys.Entry entry(final DroneKeyRecord record)
    {
        if (record.revoked())
        {
            return null;
        }
        final DroneKey current = new DroneKey(record.droneId(), HexFormat.of().parseHex(record.currentHex()));
        final DroneKey previous = record.previousHex() == null ? null :
            new DroneKey(record.droneId(), HexFormat.of().parseHex(record.previousHex()));
        return new DroneKeys.Entry(current, previous,
            previous == null ? 0 : Math.multiplyExact(record.previousUntilEpochS(), 1_000_000_000L));
    }

    private final class Changes implements EntryAddedListener<Long, String>, EntryUpdatedListener<Long, String>,
        EntryRemovedListener<Long, String>
    {
        public void entryAdded(final EntryEvent<Long, String> event)
        {
            changed(event.getKey());
        }

        public void entryUpdated(final EntryEvent<Long, String> event)
        {
            changed(event.getKey());
        }

        public void entryRemoved(final EntryEvent<Long, String> event)
        {
            changed(event.getKey());
        }
    }
}
