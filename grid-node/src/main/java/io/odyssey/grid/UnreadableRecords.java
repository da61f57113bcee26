package io.odyssey.grid;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What a reader of a grid map does with a record this version cannot read ({@link UnreadableRecordException}, or
 * Hazelcast's own error for a missing field): leaves that one record out, counts it, and logs at most once a minute.
 * Anything that reaches the grid can write such a record, and one of them must not stop a loop that reads them all.
 * Thread-safe: the gateway's event threads and request workers share one.
 */
public final class UnreadableRecords
{
    private static final Logger LOG = LoggerFactory.getLogger(UnreadableRecords.class);

    /**
     * Where a member keeps the instance that counts records its own entry processors could not read
     * ({@link HazelcastInstance#getUserContext()}): such a processor runs on the member, so a client never sees why.
     */
    public static final String MEMBER_CONTEXT_KEY = "odyssey.unreadable-records";
    /** For a member that registered none (a test's bare member): still left out and logged, not counted. */
    private static final UnreadableRecords UNCOUNTED_ON_MEMBER = new UnreadableRecords("grid", null);

    private final String what;
    private final Counter counter;
    /** Shared by every thread ({@link RateLimitedLog#tryAcquireShared}); the line is logged outside its lock. */
    private final RateLimitedLog log = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));

    /**
     * @param what    the records, for the log line (e.g. "fleet state").
     * @param counter where they are counted; null = not counted (still left out).
     */
    public UnreadableRecords(final String what, final Counter counter)
    {
        this.what = what;
        this.counter = counter;
    }

    /**
     * The records of a query result that can be read. Hazelcast turns each into an object on its own as the
     * iteration reaches it, so one that cannot be read is left out without losing the others.
     */
    public <V> List<V> readable(final Collection<V> found)
    {
        final List<V> records = new ArrayList<>(found.size());
        final Iterator<V> it = found.iterator();
        while (it.hasNext())
        {
            try
            {
                records.add(it.next());
            }
            catch (final HazelcastSerializationException ex)
            {
                skipped(ex);
            }
        }
        return records;
    }

    /**
     * The entries of a query result whose key and record can be read, as {@link #readable} does for records: for a
     * reader that must see the key a record is filed under (a fleet state names its drone again inside; a grid client
     * can file it under another drone's key).
     */
    public <K, V> List<Map.Entry<K, V>> readableEntries(final Collection<Map.Entry<K, V>> found)
    {
        final List<Map.Entry<K, V>> entries = new ArrayList<>(found.size());
        final Iterator<Map.Entry<K, V>> it = found.iterator();
        while (it.hasNext())
        {
            try
            {
                final Map.Entry<K, V> entry = it.next();
                // Read both here: a lazy entry may turn its value into an object only when asked.
                entries.add(Map.entry(entry.getKey(), entry.getValue()));
            }
            catch (final HazelcastSerializationException ex)
            {
                skipped(ex);
            }
        }
        return entries;
    }

    /** The record at {@code key}, or null when there is none or it cannot be read (left out, counted). */
    public <K, V> V get(final IMap<K, V> map, final K key)
    {
        try
        {
            return map.get(key);
        }
        catch (final HazelcastSerializationException ex)
        {
            skipped(ex);
            return null;
        }
    }

    /**
     * The records at {@code keys} that can be read. {@link IMap#getAll} turns them all into objects at once and throws
     * for one it cannot read: then (rarely: a record planted in the grid) each key is read on its own.
     */
    public <K, V> Map<K, V> getAll(final IMap<K, V> map, final Set<K> keys)
    {
        try
        {
            return map.getAll(keys);
        }
        catch (final HazelcastSerializationException ex)
        {
            final Map<K, V> found = new HashMap<>();
            for (final K key : keys)
            {
                final V value = get(map, key);
                if (value != null)
                {
                    found.put(key, value);
                }
            }
            return found;
        }
    }

    /**
     * The record at {@code key} if it can be read and is a {@code type}, else null (left out, counted). A grid client
     * writes a value of any type under any key, and one of a Compact type of another name comes back as a GenericRecord,
     * which a typed read handed on as a {@code V}: the caller's first use of it failed with a ClassCastException.
     */
    public <K, V> V get(final IMap<K, ?> map, final K key, final Class<V> type)
    {
        final Object value = get(map, key);
        if (value == null || type.isInstance(value))
        {
            return type.cast(value);
        }
        skippedForeign(value);
        return null;
    }

    /**
     * The records at {@code keys} that can be read and are a {@code type} (the others left out, counted): see
     * {@link #get(IMap, Object, Class)}.
     */
    public <K, V> Map<K, V> getAll(final IMap<K, ?> map, final Set<K> keys, final Class<V> type)
    {
        final Map<K, V> found = new HashMap<>();
        for (final Map.Entry<K, ?> entry : getAll(map, keys).entrySet())
        {
            if (type.isInstance(entry.getValue()))
            {
                found.put(entry.getKey(), type.cast(entry.getValue()));
            }
            else
            {
                skippedForeign(entry.getValue());
            }
        }
        return found;
    }

    /** The member's own (see {@link #MEMBER_CONTEXT_KEY}); {@code member} may be null (not injected). */
    public static UnreadableRecords onMember(final HazelcastInstance member)
    {
        final Object registered = member == null ? null : member.getUserContext().get(MEMBER_CONTEXT_KEY);
        return registered instanceof UnreadableRecords records ? records : UNCOUNTED_ON_MEMBER;
    }

    /**
     * The stored value of an entry processor's entry on a member, or null when there is none, it cannot be read, or
     * it is not a {@code type} (a grid client's String, or a Compact type of another name; counted by the member's own
     * instance). Thrown instead, it would be logged as an ERROR for every call, reach a client as an error it cannot
     * name, and fail a whole {@code executeOnEntries} or {@code executeOnKeys} for one record.
     */
    public static <V> V valueOn(final HazelcastInstance member, final Map.Entry<?, ?> entry, final Class<V> type)
    {
        final Object value;
        try
        {
            value = entry.getValue();
        }
        catch (final HazelcastSerializationException ex)
        {
            onMember(member).skipped(ex);
            return null;
        }
        if (value == null || type.isInstance(value))
        {
            return type.cast(value);
        }
        onMember(member).skippedForeign(value);
        return null;
    }

    /** Counts and (at most once a minute) logs one record left out because of {@code ex}. */
    public void skipped(final HazelcastSerializationException ex)
    {
        skipped(ex.getMessage());
    }

    /**
     * Counts and (at most once a minute) logs one record left out because its value, though read, is not of this
     * map's type: a grid client's value of a Compact type of another name, which Hazelcast reads as a GenericRecord.
     * Only the local class is logged: the Compact type's name is the grid client's text.
     */
    public void skippedForeign(final Object value)
    {
        skipped("a value of another type: " + (value == null ? "null" : value.getClass().getName()));
    }

    private void skipped(final String why)
    {
        if (counter != null)
        {
            counter.increment();
        }
        final long suppressed = log.tryAcquireShared(System.nanoTime());
        if (suppressed >= 0)
        {
            LOG.warn("left out a {} record that cannot be read, written into the grid by something else ({}; {} more " +
                "since the last such line)", what, why, suppressed);
        }
    }

    public long count()
    {
        return counter == null ? 0 : counter.get();
    }
}
