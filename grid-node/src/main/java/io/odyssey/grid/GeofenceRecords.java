package io.odyssey.grid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.map.IMap;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import io.odyssey.geo.Polygon;
import io.odyssey.grid.trust.RecordSeal;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.RateLimitedLog;
import io.odyssey.runtime.SafeText;
import io.odyssey.runtime.SecretFile;
import io.odyssey.runtime.Setting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The grid map {@value FleetGrid#GEOFENCES_MAP}, sealed: a geofence decides which orders a gateway refuses and which
 * drones an ingest node orders home, and any process that reaches a grid member can write the map (open-source
 * Hazelcast has no authentication). So a fence is only taken when it carries a seal ({@link RecordSeal},
 * HMAC-SHA256 under the command key, which gateways and ingest nodes hold and the grid does not) over its id and its
 * Feature text, made by a gateway's admin API. Every reader takes the fences one by one: a fence without a valid seal
 * ({@link Refusal#UNSEALED}: planted or altered by a grid client, written by a version before seals, or sealed under
 * another command key) or one whose text is not a geofence ({@link Refusal#UNREADABLE}) is left out and counted, and
 * the others still count. Refused fences are listed by id, so an admin can delete or replace them.
 * <p>
 * A read looks at no more than {@link #bound()} records ({@link #MAX_FENCES} and {@link #SLACK}), however many a grid
 * client planted: otherwise a million planted records made every reader (each ingest node's guard, once a second; each
 * gateway's order check and listing) fetch and verify a million. The rest is left unread and counted
 * ({@link #OVER_LIMIT}). Which records: all of them while the map holds no more than the bound; beyond, first the
 * fences this reader took before (junk planted since cannot push them out), then the others in the map's own order.
 * A process that starts while the map is over its bound may miss a genuine fence among the junk (logged, counted):
 * a grid client who can plant records can delete the genuine ones as well, so no choice of records could promise
 * more than the grid does; the remedy is the same (delete the junk, put the fences back).
 * <p>
 * The admin API stores a fence of at most {@link #MAX_POINTS} ring positions; a sealed record with more (stored by a
 * gateway with a higher limit, or by a version before the limit) still applies, at its cost, paid once per change (a
 * refused one made a keep-out, or the only keep-in, stop applying everywhere at an upgrade). A record read before whose stored text has not changed since (the same seal, the
 * same Feature) is taken as it was then, neither verified nor parsed again: each ingest node's guard reads the fences
 * once a second on the thread that delivers commands, and a border of 20,000 points took it ~0.25 s of every second.
 * Only records that passed the seal are remembered (a gateway wrote them: no larger than its body limit), at most
 * {@link #bound()} of them, those of the last read.
 * <p>
 * Stored form: {@code v1:<seal, 64 hex digits>:<GeoJSON Feature text>}. Cold path (an admin's change, an order's
 * check, an ingest node's guard once a second).
 */
public final class GeofenceRecords
{
    /** Why a record of the map is not used. */
    public enum Refusal
    {
        /** No valid seal: written by something other than a gateway of this command key. */
        UNSEALED,
        /** Sealed, but its text is not a geofence this version reads. */
        UNREADABLE
    }

    /** Gateways and ingest nodes both read it: the same value everywhere. */
    public static final Setting MAX_FENCES = Setting.of("ODYSSEY_GEOFENCES_MAX", "1000",
        "Most geofences the admin API stores (a create beyond answers 409 GEOFENCES_FULL); gateways and ingest nodes " +
            "read at most this many records of the grid map geofences plus 100, so records planted there cannot make " +
            "every read fetch and verify them all; the same value on every gateway and ingest node");
    /** Gateways and ingest nodes both read it: the same value everywhere. */
    public static final Setting MAX_POINTS = Setting.of("ODYSSEY_GEOFENCE_MAX_POINTS", "10000",
        "Most positions of one geofence's ring the admin API stores, each counted (the closing one and repeats too: " +
            "what reading it costs; 400 GEOFENCE_TOO_LARGE beyond), since every order and every ingest node's guard " +
            "checks every fence; a sealed fence stored with more (before the limit, or under a higher one) still " +
            "applies everywhere: a fence never silently stops applying");
    /** Records a read looks at beyond the limit: refused ones for an admin to see and delete, and a few fences over. */
    public static final int SLACK = 100;
    /** The metric label of records left unread because the map holds more than {@link #bound()}. */
    public static final String OVER_LIMIT = "OVER_LIMIT";
    /** Entries fetched per call when the map is over its bound and is read partition by partition. */
    private static final int FETCH = 100;
    static final String PURPOSE = "odyssey.geofence.v1";
    private static final String PREFIX = "v1:";
    private static final int SEAL_HEX = 64;
    /** The longest id listed as it is: longer ones (planted) are listed cut, marked, and never logged whole. */
    public static final int MAX_ID_LENGTH = 100;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(GeofenceRecords.class);

    private final IMap<String, String> map;
    private final RecordSeal seal;
    private final int maxFences;
    private final int maxPoints;
    private final Counter unsealed;
    private final Counter unreadable;
    private final Counter overLimit;
    /** The gateway's workers share one instance ({@link RateLimitedLog#tryAcquireShared}). */
    private final RateLimitedLog log = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));
    private final RateLimitedLog overLimitLog = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));
    /**
     * The ids of the fences the last read took (and those this process stored since): read first when over the bound.
     * Guarded by itself: reads and stores run at once on a gateway's workers, and a read that set it to what it had
     * taken dropped a fence stored while it ran (then left unread once the map was over its bound: applying nowhere).
     */
    private final Object knownLock = new Object();
    private Set<String> known = Set.of();
    /**
     * The sealed records the last read took or refused, by id, with their stored text: taken again as they were while
     * the text is the same. Replaced whole by each read (the last to finish wins: each one is a true picture).
     */
    private volatile Map<String, Remembered> remembered = Map.of();

    /** A sealed record as a read found it: its stored text and what it was taken as ({@link Fence} or {@link Refused}). */
    private record Remembered(String text, Object taken)
    {
    }

    /**
     * @param commandKey the command key; null = none held: every fence is refused ({@link Refusal#UNSEALED}) and
     *                   none can be stored.
     * @param unsealed   counts fences left out for {@link Refusal#UNSEALED}, at every read; null = not counted.
     * @param maxFences  {@link #MAX_FENCES}: the most fences {@link #store} adds; a read looks at this many records
     *                   and {@link #SLACK} more.
     * @param maxPoints  {@link #MAX_POINTS}: the most ring positions of a fence the admin API stores (readers apply every
     *                   sealed fence, whatever its points).
     * @param unreadable counts fences left out for {@link Refusal#UNREADABLE}, at every read; null = not counted.
     * @param overLimit  counts records left unread because the map holds more than {@link #bound()}, at every read;
     *                   null = not counted.
     */
    public GeofenceRecords(
        final IMap<String, String> map, final byte[] commandKey, final int maxFences, final int maxPoints,
        final Counter unsealed, final Counter unreadable, final Counter overLimit)
    {
        if (maxFences < 1)
        {
            throw MAX_FENCES.invalid(String.valueOf(maxFences), "at least 1");
        }
        if (maxPoints < 3)
        {
            throw MAX_POINTS.invalid(String.valueOf(maxPoints), "at least 3");
        }
        this.maxPoints = maxPoints;
        this.map = Objects.requireNonNull(map, "map");
        this.seal = commandKey == null ? null : new RecordSeal(commandKey, PURPOSE);
        this.maxFences = maxFences;
        this.unsealed = unsealed;
        this.unreadable = unreadable;
        this.overLimit = overLimit;
    }

    /** The geofences of {@code map} sealed with the key in {@code keyFile} ({@code setting} for errors; empty = none). */
    public static GeofenceRecords fromKeyFile(
        final IMap<String, String> map, final Setting setting, final String keyFile, final int maxFences,
        final int maxPoints, final Counter unsealed, final Counter unreadable, final Counter overLimit)
    {
        final byte[] key = keyFile == null || keyFile.isBlank() ? null :
            SecretFile.read(setting, Path.of(keyFile), RecordSeal.MIN_KEY_BYTES);
        return new GeofenceRecords(map, key, maxFences, maxPoints, unsealed, unreadable, overLimit);
    }

    /** The most fences {@link #store} adds ({@link #MAX_FENCES}). */
    public int maxFences()
    {
        return maxFences;
    }

    /** The most ring positions of a fence the API stores ({@link #MAX_POINTS}). */
    public int maxPoints()
    {
        return maxPoints;
    }

    /** The most records one read looks at. */
    public int bound()
    {
        return maxFences + SLACK;
    }

    /** True when this process holds the key: it can take fences and store them. */
    public boolean sealing()
    {
        return seal != null;
    }

    /**
     * A fence taken: its id, its Feature (with {@code id}) and its polygon. One instance is remembered and handed to
     * every read until the record changes, so nothing a caller gets from it may change it: {@link #feature()} is a copy
     * each time (a Jackson node is mutable: a caller editing it changed the fence every later read and lookup found),
     * and the {@link Polygon} is immutable.
     */
    public record Fence(String id, JsonNode feature, Polygon polygon, boolean keepIn)
    {
        public Fence
        {
            feature = feature.deepCopy();
        }

        /** Its Feature: the caller's own copy. */
        @Override
        public JsonNode feature()
        {
            return feature.deepCopy();
        }

        /** The positions of its ring as stored ({@link GeofenceSet#positions}): what the API's limits count. */
        public int positions()
        {
            return GeofenceSet.positions(feature);
        }
    }

    /**
     * A record of the map left out: its id as listed (cut to {@link #MAX_ID_LENGTH} characters and made printable when
     * it is not an id the API would accept, then {@code deletable} is false), and why.
     */
    public record Refused(String id, boolean deletable, Refusal refusal, String detail)
    {
    }

    /** One read of the map: the fences taken (sorted by id) and the records left out (sorted by id). */
    public record Fences(List<Fence> fences, List<Refused> refused)
    {
        /** Unmodifiable: what one read found, whoever holds it. */
        public Fences
        {
            fences = List.copyOf(fences);
            refused = List.copyOf(refused);
        }

        /** The fences taken, for checking orders and positions. */
        public GeofenceSet set()
        {
            final List<Polygon> keepIn = new ArrayList<>();
            final List<Polygon> keepOut = new ArrayList<>();
            for (final Fence fence : fences)
            {
                (fence.keepIn() ? keepIn : keepOut).add(fence.polygon());
            }
            return new GeofenceSet(keepIn, keepOut);
        }
    }

    /**
     * The records of the map, each taken or left out (and counted) on its own: all of them, or {@link #bound()} when
     * the map holds more (the rest counted {@link #OVER_LIMIT}, and logged).
     */
    public Fences read()
    {
        final List<Fence> fences = new ArrayList<>();
        final List<Refused> refused = new ArrayList<>();
        // Raw: a grid client may have put a key or value of another type; each entry is taken or refused on its own.
        @SuppressWarnings("unchecked")
        final IMap<Object, Object> raw = (IMap<Object, Object>)(IMap<?, ?>)map;
        final Set<String> knownBefore = known();
        final Map<String, Remembered> before = remembered;
        final Map<String, Remembered> after = new HashMap<>();
        final int bound = bound();
        final int size = raw.size();
        int examined = 0;
        int total = size;
        if (size <= bound)
        {
            // One call, as ever. A client racing this check makes this one fetch larger; still no more are verified.
            final Set<Map.Entry<Object, Object>> all = raw.entrySet();
            total = Math.max(size, all.size());
            examined = examine(all.iterator(), bound, null, fences, refused, before, after);
        }
        else
        {
            // Over the bound (planted records): the fences this reader took before first, so junk planted since cannot
            // crowd them out; then the others, partition by partition, until the bound (a fetch of FETCH at a time).
            final Set<Object> first = new HashSet<>(knownBefore);
            try
            {
                examined = examine(raw.getAll(first).entrySet().iterator(), bound, null, fences, refused, before, after);
            }
            catch (final HazelcastSerializationException ex)
            {
                // A grid client wrote another type under one of them: each on its own instead.
                fences.clear();
                refused.clear();
                examined = 0;
                after.clear();
                for (final Object id : first)
                {
                    final Object found = find((String)id, before, after);
                    if (found != null)
                    {
                        examined++;
                        add(found, fences, refused);
                    }
                }
            }
            examined += examine(raw.iterator(FETCH), bound - examined, first, fences, refused, before, after);
        }
        remembered = after;
        final long unread = Math.max(0, total - examined);
        if (unread > 0)
        {
            if (overLimit != null)
            {
                overLimit.add(unread);
            }
            final long suppressed = overLimitLog.tryAcquireShared(System.nanoTime());
            if (suppressed >= 0)
            {
                LOG.warn("the geofence map holds {} records, more than a read looks at ({}: {} {} and {}): {} left " +
                    "unread (planted by a grid client?), the fences this process took before read first; {} such " +
                    "reads not logged since the last line", total, bound, MAX_FENCES.envName(), maxFences, SLACK,
                    unread, suppressed);
            }
        }
        fences.sort(Comparator.comparing(Fence::id));
        refused.sort(Comparator.comparing(Refused::id));
        if (!refused.isEmpty())
        {
            logRefused(refused);
        }
        final Set<String> taken = new HashSet<>();
        fences.forEach(fence -> taken.add(fence.id()));
        synchronized (knownLock)
        {
            // What this read took, and what was added since it began (stores, other reads): it may not have seen those.
            for (final String id : known)
            {
                if (!knownBefore.contains(id))
                {
                    taken.add(id);
                }
            }
            known = Set.copyOf(taken);
        }
        return new Fences(List.copyOf(fences), List.copyOf(refused));
    }

    /**
     * Takes or refuses up to {@code most} entries of {@code entries}, skipping keys in {@code skip}.
     *
     * @return how many it looked at.
     */
    private int examine(
        final Iterator<Map.Entry<Object, Object>> entries, final int most, final Set<Object> skip,
        final List<Fence> fences, final List<Refused> refused, final Map<String, Remembered> before,
        final Map<String, Remembered> after)
    {
        int examined = 0;
        while (examined < most && entries.hasNext())
        {
            Object taken;
            try
            {
                final Map.Entry<Object, Object> entry = entries.next();
                if (skip != null && skip.contains(entry.getKey()))
                {
                    continue;
                }
                taken = entry.getKey() instanceof String id ? take(id, entry.getValue(), before, after) :
                    refused(String.valueOf(entry.getKey()), false, Refusal.UNSEALED, "its key is not a text");
            }
            catch (final HazelcastSerializationException ex)
            {
                taken = refused(null, false, Refusal.UNSEALED, "not a record this version can read");
            }
            examined++;
            add(taken, fences, refused);
        }
        return examined;
    }

    private static void add(final Object taken, final List<Fence> fences, final List<Refused> refused)
    {
        if (taken instanceof Fence fence)
        {
            fences.add(fence);
        }
        else
        {
            refused.add((Refused)taken);
        }
    }

    /** The fence {@code id}: a {@link Fence}, a {@link Refused}, or null when the map has no record under it. */
    public Object find(final String id)
    {
        return find(id, remembered, null);
    }

    private Object find(final String id, final Map<String, Remembered> before, final Map<String, Remembered> after)
    {
        final Object stored;
        try
        {
            stored = ((IMap<?, ?>)map).get(id);
        }
        catch (final HazelcastSerializationException ex)
        {
            // Not a string at all (a grid client wrote another type).
            return refused(id, true, Refusal.UNSEALED, "not a record this version can read");
        }
        return stored == null ? null : take(id, stored, before, after);
    }

    /**
     * Stores {@code feature} (a checked Feature whose {@code id} member is {@code id}) under {@code id}, sealed.
     *
     * @throws IllegalStateException when this process holds no command key.
     */
    public void store(final String id, final JsonNode feature)
    {
        if (seal == null)
        {
            throw new IllegalStateException("no command key: geofences cannot be sealed");
        }
        final String text = feature.toString();
        map.set(id, PREFIX + seal.seal(id, text) + ":" + text);
        // Read first from now on, even if junk arrives before this process reads the map again.
        synchronized (knownLock)
        {
            final Set<String> more = new HashSet<>(known);
            more.add(id);
            known = Set.copyOf(more);
        }
    }

    private Set<String> known()
    {
        synchronized (knownLock)
        {
            return known;
        }
    }

    /** Removes the record under {@code id}, taken or not: true when there was one. */
    public boolean remove(final String id)
    {
        return map.remove(id) != null;
    }

    /** True when the map has a record under {@code id}, taken or not. */
    public boolean contains(final String id)
    {
        return map.containsKey(id);
    }

    /**
     * A {@link Fence} when the record is sealed and a geofence, else a {@link Refused} (counted): as {@code before}
     * remembers it when its text is the same, and remembered in {@code after} (null: not remembered) when sealed.
     */
    private Object take(
        final String id, final Object stored, final Map<String, Remembered> before, final Map<String, Remembered> after)
    {
        if (!(stored instanceof String text) || seal == null || !text.startsWith(PREFIX) ||
            text.length() < PREFIX.length() + SEAL_HEX + 1 || text.charAt(PREFIX.length() + SEAL_HEX) != ':')
        {
            return refused(id, true, Refusal.UNSEALED, seal == null ? "this process holds no command key to check its seal" :
                "no seal: written straight into the grid, or by a version before geofences were sealed");
        }
        final Remembered last = before.get(id);
        if (last != null && last.text().equals(text))
        {
            // The same seal over the same id and text: the same answer, without verifying and parsing it again.
            if (last.taken() instanceof Refused again)
            {
                count(again.refusal());
            }
            remember(after, id, last);
            return last.taken();
        }
        final String featureText = text.substring(PREFIX.length() + SEAL_HEX + 1);
        if (!seal.verifies(text.substring(PREFIX.length(), PREFIX.length() + SEAL_HEX), id, featureText))
        {
            return refused(id, true, Refusal.UNSEALED,
                "its seal does not verify: altered or moved in the grid, or sealed under another command key");
        }
        Object taken;
        try
        {
            final JsonNode feature = JSON.readTree(featureText);
            // No point limit here: a sealed record was stored by a gateway (bounded by its body limit), and refusing
            // one stored before the limit or under a higher one made a keep-out (or the only keep-in) stop applying
            // everywhere, silently, at an upgrade. The limit is the API's; the parse is paid once per change (cached).
            final Polygon polygon = GeofenceSet.polygon(feature, id);
            taken = new Fence(id, feature, polygon, "keep-in".equals(GeofenceSet.kind(feature)));
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            taken = refused(id, true, Refusal.UNREADABLE, "sealed, but not a geofence this version reads");
        }
        remember(after, id, new Remembered(text, taken));
        return taken;
    }

    private static void remember(final Map<String, Remembered> after, final String id, final Remembered record)
    {
        if (after != null)
        {
            after.put(id, record);
        }
    }

    private void count(final Refusal refusal)
    {
        final Counter counter = refusal == Refusal.UNSEALED ? unsealed : unreadable;
        if (counter != null)
        {
            counter.increment();
        }
    }

    /** @param named false when {@code id} is not the record's key as the API could name it (not deletable). */
    private Refused refused(final String id, final boolean named, final Refusal refusal, final String detail)
    {
        count(refusal);
        final boolean deletable = named && id != null && SafeText.violation(id, MAX_ID_LENGTH) == null;
        return new Refused(deletable ? id : listable(id), deletable, refusal, detail);
    }

    /** An id the API would not accept, shown cut and printable (for the admin to see there is one; not deletable). */
    private static String listable(final String id)
    {
        if (id == null)
        {
            return "(none)";
        }
        final StringBuilder shown = new StringBuilder();
        for (int i = 0; i < id.length() && shown.length() < MAX_ID_LENGTH; i++)
        {
            final char c = id.charAt(i);
            shown.append(c >= 0x20 && c < 0x7F ? c : '?');
        }
        return shown.append(id.length() > MAX_ID_LENGTH ? "…" : "").toString();
    }

    private void logRefused(final List<Refused> refused)
    {
        final long suppressed = log.tryAcquireShared(System.nanoTime());
        if (suppressed >= 0)
        {
            final Refused first = refused.get(0);
            LOG.warn("{} geofence record(s) not used, e.g. '{}': {} ({}); {} such reads not logged since the last line",
                refused.size(), first.id(), first.refusal(), first.detail(), suppressed);
        }
    }
}
