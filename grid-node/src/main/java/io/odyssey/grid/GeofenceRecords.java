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
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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

    static final String PURPOSE = "odyssey.geofence.v1";
    private static final String PREFIX = "v1:";
    private static final int SEAL_HEX = 64;
    /** The longest id listed as it is: longer ones (planted) are listed cut, marked, and never logged whole. */
    public static final int MAX_ID_LENGTH = 100;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Logger LOG = LoggerFactory.getLogger(GeofenceRecords.class);

    private final IMap<String, String> map;
    private final RecordSeal seal;
    private final Counter unsealed;
    private final Counter unreadable;
    /** The gateway's workers share one instance ({@link RateLimitedLog#tryAcquireShared}). */
    private final RateLimitedLog log = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));

    /**
     * @param commandKey the command key; null = none held: every fence is refused ({@link Refusal#UNSEALED}) and
     *                   none can be stored.
     * @param unsealed   counts fences left out for {@link Refusal#UNSEALED}, at every read; null = not counted.
     * @param unreadable counts fences left out for {@link Refusal#UNREADABLE}, at every read; null = not counted.
     */
    public GeofenceRecords(
        final IMap<String, String> map, final byte[] commandKey, final Counter unsealed, final Counter unreadable)
    {
        this.map = Objects.requireNonNull(map, "map");
        this.seal = commandKey == null ? null : new RecordSeal(commandKey, PURPOSE);
        this.unsealed = unsealed;
        this.unreadable = unreadable;
    }

    /** The geofences of {@code map} sealed with the key in {@code keyFile} ({@code setting} for errors; empty = none). */
    public static GeofenceRecords fromKeyFile(
        final IMap<String, String> map, final Setting setting, final String keyFile, final Counter unsealed,
        final Counter unreadable)
    {
        final byte[] key = keyFile == null || keyFile.isBlank() ? null :
            SecretFile.read(setting, Path.of(keyFile), RecordSeal.MIN_KEY_BYTES);
        return new GeofenceRecords(map, key, unsealed, unreadable);
    }

    /** True when this process holds the key: it can take fences and store them. */
    public boolean sealing()
    {
        return seal != null;
    }

    /** A fence taken: its id, its Feature (with {@code id}) and its polygon. */
    public record Fence(String id, JsonNode feature, Polygon polygon, boolean keepIn)
    {
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

    /** Every record of the map, each taken or left out (and counted) on its own. */
    public Fences read()
    {
        final List<Fence> fences = new ArrayList<>();
        final List<Refused> refused = new ArrayList<>();
        // Raw: a grid client may have put a key or value of another type; each entry is taken or refused on its own.
        @SuppressWarnings("unchecked")
        final IMap<Object, Object> raw = (IMap<Object, Object>)(IMap<?, ?>)map;
        final Iterator<Map.Entry<Object, Object>> entries = raw.entrySet().iterator();
        while (entries.hasNext())
        {
            Object taken;
            try
            {
                final Map.Entry<Object, Object> entry = entries.next();
                taken = entry.getKey() instanceof String id ? take(id, entry.getValue()) :
                    refused(String.valueOf(entry.getKey()), false, Refusal.UNSEALED, "its key is not a text");
            }
            catch (final HazelcastSerializationException ex)
            {
                taken = refused(null, false, Refusal.UNSEALED, "not a record this version can read");
            }
            if (taken instanceof Fence fence)
            {
                fences.add(fence);
            }
            else
            {
                refused.add((Refused)taken);
            }
        }
        fences.sort(Comparator.comparing(Fence::id));
        refused.sort(Comparator.comparing(Refused::id));
        if (!refused.isEmpty())
        {
            logRefused(refused);
        }
        return new Fences(List.copyOf(fences), List.copyOf(refused));
    }

    /** The fence {@code id}: a {@link Fence}, a {@link Refused}, or null when the map has no record under it. */
    public Object find(final String id)
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
        return stored == null ? null : take(id, stored);
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

    /** A {@link Fence} when the record is sealed and a geofence, else a {@link Refused} (counted). */
    private Object take(final String id, final Object stored)
    {
        if (!(stored instanceof String text) || seal == null || !text.startsWith(PREFIX) ||
            text.length() < PREFIX.length() + SEAL_HEX + 1 || text.charAt(PREFIX.length() + SEAL_HEX) != ':')
        {
            return refused(id, true, Refusal.UNSEALED, seal == null ? "this process holds no command key to check its seal" :
                "no seal: written straight into the grid, or by a version before geofences were sealed");
        }
        final String featureText = text.substring(PREFIX.length() + SEAL_HEX + 1);
        if (!seal.verifies(text.substring(PREFIX.length(), PREFIX.length() + SEAL_HEX), id, featureText))
        {
            return refused(id, true, Refusal.UNSEALED,
                "its seal does not verify: altered or moved in the grid, or sealed under another command key");
        }
        try
        {
            final JsonNode feature = JSON.readTree(featureText);
            final Polygon polygon = GeofenceSet.polygon(feature, id);
            return new Fence(id, feature, polygon, "keep-in".equals(GeofenceSet.kind(feature)));
        }
        catch (final IOException | IllegalArgumentException ex)
        {
            return refused(id, true, Refusal.UNREADABLE, "sealed, but not a geofence this version reads");
        }
    }

    /** @param named false when {@code id} is not the record's key as the API could name it (not deletable). */
    private Refused refused(final String id, final boolean named, final Refusal refusal, final String detail)
    {
        final Counter counter = refusal == Refusal.UNSEALED ? unsealed : unreadable;
        if (counter != null)
        {
            counter.increment();
        }
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
