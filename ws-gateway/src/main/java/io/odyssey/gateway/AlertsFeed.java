package io.odyssey.gateway;

import com.fasterxml.jackson.core.JsonGenerator;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.MapEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.map.listener.MapClearedListener;
import io.odyssey.grid.ActiveAlert;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The fleet's active alerts for browsers and tools: one entry listener on the grid's {@code alerts} map (written by
 * the ingest nodes' alert monitors), a view of what is active, and pushes to every WebSocket session: the whole list
 * when a session starts ({@code {"type":"alerts","active":[...]}}), then each raise and clear
 * ({@code {"type":"alert","event":"raised"|"cleared","alert":{...}}}).
 * <p>
 * Alerts are few and must not be lost to a slow client: a session whose outbound backlog refused an alert message
 * gets the whole list again once a second until it takes it.
 */
final class AlertsFeed implements EntryAddedListener<String, ActiveAlert>, EntryUpdatedListener<String, ActiveAlert>,
    EntryRemovedListener<String, ActiveAlert>, EntryEvictedListener<String, ActiveAlert>,
    EntryExpiredListener<String, ActiveAlert>, MapClearedListener, AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(AlertsFeed.class);
    private static final Comparator<ActiveAlert> OLDEST_FIRST =
        Comparator.comparingLong(ActiveAlert::raisedAtNanos).thenComparing(ActiveAlert::key);

    private final IMap<String, ActiveAlert> map;
    private final Map<String, ActiveAlert> active = new ConcurrentHashMap<>();
    private final Set<ClientSession> sessions = ConcurrentHashMap.newKeySet();
    private final Set<ClientSession> behind = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService resender = Executors.newSingleThreadScheduledExecutor(runnable ->
    {
        final Thread thread = new Thread(runnable, "ws-alerts-resend");
        thread.setDaemon(true);
        return thread;
    });
    private UUID listenerId;

    AlertsFeed(final IMap<String, ActiveAlert> map)
    {
        this.map = map;
    }

    void start()
    {
        listenerId = map.addEntryListener(this, true);
        reload();
        resender.scheduleWithFixedDelay(this::resendToSessionsBehind, 1, 1, TimeUnit.SECONDS);
    }

    /** Reads the whole map again (after the grid came back: changes made meanwhile produced no events here). */
    void reload()
    {
        try
        {
            final Map<String, ActiveAlert> now = Map.copyOf(map);
            active.keySet().retainAll(now.keySet());
            active.putAll(now);
            behind.addAll(sessions);
            LOG.info("alerts view loaded: {} active", active.size());
        }
        catch (final RuntimeException ex)
        {
            LOG.warn("reloading the alerts failed: {}", ex.toString());
        }
    }

    void add(final ClientSession session)
    {
        sessions.add(session);
        send(session, snapshotJson());
    }

    void remove(final ClientSession session)
    {
        sessions.remove(session);
        behind.remove(session);
    }

    int activeCount()
    {
        return active.size();
    }

    public void entryAdded(final EntryEvent<String, ActiveAlert> event)
    {
        raised(event.getValue());
    }

    public void entryUpdated(final EntryEvent<String, ActiveAlert> event)
    {
        raised(event.getValue());
    }

    public void entryRemoved(final EntryEvent<String, ActiveAlert> event)
    {
        cleared(event.getKey(), event.getOldValue());
    }

    public void entryEvicted(final EntryEvent<String, ActiveAlert> event)
    {
        cleared(event.getKey(), event.getOldValue());
    }

    public void entryExpired(final EntryEvent<String, ActiveAlert> event)
    {
        cleared(event.getKey(), event.getOldValue());
    }

    public void mapCleared(final MapEvent event)
    {
        reload();
    }

    private void raised(final ActiveAlert alert)
    {
        if (alert == null)
        {
            return;
        }
        active.put(alert.key(), alert);
        // No client, no message: a client that connects later gets the active alerts in its snapshot. (The load
        // harness's close-packed fleet raises and clears thousands of separation alerts a second.)
        if (!sessions.isEmpty())
        {
            broadcast(eventJson("raised", alert));
        }
    }

    private void cleared(final String key, final ActiveAlert old)
    {
        final ActiveAlert alert = active.remove(key);
        final ActiveAlert known = alert != null ? alert : old;
        if (known != null && !sessions.isEmpty())
        {
            broadcast(eventJson("cleared", known));
        }
    }

    private void broadcast(final String json)
    {
        for (final ClientSession session : sessions)
        {
            send(session, json);
        }
    }

    private void send(final ClientSession session, final String json)
    {
        if (!session.reply(json) && !session.isClosed())
        {
            behind.add(session);
        }
    }

    private void resendToSessionsBehind()
    {
        if (behind.isEmpty())
        {
            return;
        }
        final String list = snapshotJson();
        for (final ClientSession session : behind)
        {
            if (session.isClosed() || session.reply(list))
            {
                behind.remove(session);
            }
        }
    }

    /** Active alerts, oldest first. */
    List<ActiveAlert> activeAlerts()
    {
        final List<ActiveAlert> list = new ArrayList<>(active.values());
        list.sort(OLDEST_FIRST);
        return list;
    }

    String snapshotJson()
    {
        return JsonText.of(out ->
        {
            out.writeStartObject();
            out.writeStringField("type", "alerts");
            writeList(out, "active");
            out.writeEndObject();
        });
    }

    /** The REST form: {@code {"count":n,"alerts":[...]}}. */
    String restJson()
    {
        return JsonText.of(out ->
        {
            out.writeStartObject();
            out.writeNumberField("count", active.size());
            writeList(out, "alerts");
            out.writeEndObject();
        });
    }

    private void writeList(final JsonGenerator out, final String name) throws IOException
    {
        out.writeArrayFieldStart(name);
        for (final ActiveAlert alert : activeAlerts())
        {
            writeAlert(out, alert);
        }
        out.writeEndArray();
    }

    static String eventJson(final String event, final ActiveAlert alert)
    {
        return JsonText.of(out ->
        {
            out.writeStartObject();
            out.writeStringField("type", "alert");
            out.writeStringField("event", event);
            out.writeFieldName("alert");
            writeAlert(out, alert);
            out.writeEndObject();
        });
    }

    static void writeAlert(final JsonGenerator out, final ActiveAlert alert) throws IOException
    {
        out.writeStartObject();
        out.writeStringField("key", alert.key());
        out.writeStringField("alertType", alert.type());
        out.writeNumberField("droneId", alert.droneId());
        if (alert.otherDroneId() != 0)
        {
            out.writeNumberField("otherDroneId", alert.otherDroneId());
        }
        out.writeStringField("raisedAt", Instant.ofEpochSecond(0, alert.raisedAtNanos()).toString());
        out.writeStringField("raisedAtNs", Long.toString(alert.raisedAtNanos()));
        out.writeStringField("journalIndex", Long.toString(alert.journalIndex()));
        if (Double.isNaN(alert.value()))
        {
            out.writeNullField("value");
        }
        else
        {
            out.writeNumberField("value", Math.round(alert.value() * 10.0) / 10.0);
        }
        out.writeStringField("node", alert.ingestNode());
        out.writeEndObject();
    }

    public void close()
    {
        resender.shutdownNow();
        if (listenerId != null)
        {
            try
            {
                map.removeEntryListener(listenerId);
            }
            catch (final RuntimeException ignore)
            {
                // the grid is gone already
            }
        }
    }
}
