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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The fleet's active alerts for browsers and tools: one entry listener on the grid's {@code alerts} map (written by
 * the ingest nodes' alert monitors), a view of what is active, and pushes to every WebSocket session: the whole list
 * when a session starts ({@code {"type":"alerts","active":[...]}}), then each raise and clear.
 * <p>
 * <b>Encoded once, sent per tick.</b> The listener only records each raise and clear (under {@link #lock}, together
 * with the change to the view, so the order of the two is one); the feed's own thread ({@code ws-alerts}) takes what
 * accumulated at most every {@code ODYSSEY_WS_ALERT_BATCH_MS}, encodes each change once, and hands every session the
 * same bytes: a client of the binary subprotocol (the dashboard) one {@code alertChanges} message with the tick's
 * changes in order, an {@code odyssey.v1} client (scripts, {@code odyssey-cli alerts watch}, {@code /ws/alerts}) one
 * {@code alert} message per change, as before. Each alert is thus written as JSON once, not once per client, and a
 * dashboard costs one message per tick, not one per change (issue 14: with 100 clients, half of the gateway's event
 * thread was alert messages).
 * <p>
 * <b>Bounded.</b> At most {@code ODYSSEY_WS_ALERT_BATCH_MAX} changes wait for a tick; beyond that they are dropped and
 * every session gets the whole list instead (what a client needs is the active alerts, not their history). A session
 * that could not take a message (its backlog above the byte bound) gets nothing more until it took the whole list,
 * tried once a second. New sessions get the list on the feed's thread too, so the list and the changes after it can
 * never cross: a change is in a session's list or in a message after it, never lost between, never before it.
 */
final class AlertsFeed implements EntryAddedListener<String, ActiveAlert>, EntryUpdatedListener<String, ActiveAlert>,
    EntryRemovedListener<String, ActiveAlert>, EntryEvictedListener<String, ActiveAlert>,
    EntryExpiredListener<String, ActiveAlert>, MapClearedListener, AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(AlertsFeed.class);
    private static final Comparator<ActiveAlert> OLDEST_FIRST =
        Comparator.comparingLong(ActiveAlert::raisedAtNanos).thenComparing(ActiveAlert::key);
    private static final long RESEND_MS = 1_000;

    /** One raise or clear, in the order the listener saw it. */
    private record Change(boolean raised, ActiveAlert alert)
    {
    }

    /** Changes a reload may have read past: this many are kept; beyond, the reload reads the map once more. */
    static final int RELOAD_CHANGES_MAX = 100_000;

    /**
     * What the listener saw while one reload read the map (under {@link #lock}): the read may hold an alert as it was
     * before or after each of these, so they are applied again, in order, over what it read.
     */
    private static final class ReadWindow
    {
        /** A key's change: the alert raised, or null for cleared. */
        record Seen(String key, ActiveAlert raised)
        {
        }

        final ArrayList<Seen> changes = new ArrayList<>();
        boolean overflowed;

        void seen(final String key, final ActiveAlert alert)
        {
            if (changes.size() >= RELOAD_CHANGES_MAX)
            {
                overflowed = true;
                return;
            }
            changes.add(new Seen(key, alert));
        }
    }

    private final IMap<String, ActiveAlert> map;
    private final GatewayMetrics metrics;
    private final long batchMs;
    private final int batchMax;
    private final Map<String, ActiveAlert> active = new ConcurrentHashMap<>();
    /**
     * Guards the order of changes: the view's change and its record in {@link #pending} are one step, and the feed's
     * thread takes the pending changes and the list for new sessions in one step. Held briefly, never while sending.
     */
    private final Object lock = new Object();
    /** Changes since the last tick, in order (under {@link #lock}); at most {@link #batchMax}. */
    private ArrayList<Change> pending = new ArrayList<>();
    private ArrayList<Change> spare = new ArrayList<>();
    /** More changes came than a tick takes (or the view was reloaded): every session gets the list (under the lock). */
    private boolean everyoneGetsTheList;
    /** Sessions that got their list: they get every change after it (membership changes under the lock). */
    private final Set<ClientSession> sessions = ConcurrentHashMap.newKeySet();
    /** Sessions waiting for their first list (on the next tick). */
    private final Set<ClientSession> joining = ConcurrentHashMap.newKeySet();
    /** Sessions that missed a message: nothing but the whole list until they took it. */
    private final Set<ClientSession> behind = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean tickQueued = new AtomicBoolean();
    private final AtomicBoolean resendQueued = new AtomicBoolean();
    /** The reloads reading the map right now (under {@link #lock}). */
    private final List<ReadWindow> reading = new ArrayList<>();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(runnable ->
    {
        final Thread thread = new Thread(runnable, "ws-alerts");
        thread.setDaemon(true);
        return thread;
    });
    private UUID listenerId;

    /**
     * @param batchMs  changes are sent at most this often (the first after a quiet spell waits this long too).
     * @param batchMax changes a tick takes; beyond, every session gets the whole list instead.
     */
    AlertsFeed(final IMap<String, ActiveAlert> map, final GatewayMetrics metrics, final long batchMs, final int batchMax)
    {
        this.map = map;
        this.metrics = metrics;
        this.batchMs = batchMs;
        this.batchMax = batchMax;
    }

    void start()
    {
        listenerId = map.addEntryListener(this, true);
        reload();
    }

    /** Reads the whole map again (after the grid came back: changes made meanwhile produced no events here). */
    void reload()
    {
        for (int attempt = 1; attempt <= 3; attempt++)
        {
            final ReadWindow window = new ReadWindow();
            synchronized (lock)
            {
                reading.add(window);
            }
            final Map<String, ActiveAlert> now;
            try
            {
                now = Map.copyOf(map);
            }
            catch (final RuntimeException ex)
            {
                synchronized (lock)
                {
                    reading.remove(window);
                }
                LOG.warn("reloading the alerts failed: {}", ex.toString());
                return;
            }
            synchronized (lock)
            {
                reading.remove(window);
                if (window.overflowed && attempt < 3)
                {
                    continue;
                }
                active.keySet().retainAll(now.keySet());
                active.putAll(now);
                // A clear the listener applied while the map was read must not come back with the read (nor a raise
                // go with it): the changes seen meanwhile are newer than the read or equal to it.
                for (final ReadWindow.Seen change : window.changes)
                {
                    if (change.raised() != null)
                    {
                        active.put(change.raised().key(), change.raised());
                    }
                    else
                    {
                        active.remove(change.key());
                    }
                }
                pending.clear();
                everyoneGetsTheList = true;
            }
            requestTick(0);
            LOG.info("alerts view loaded: {} active{}", active.size(),
                window.overflowed ? " (the alerts changed faster than they could be read: the view may lag until the next reload)" : "");
            return;
        }
    }

    /** A new client: it gets the whole list on the feed's thread, then every change after it. */
    void add(final ClientSession session)
    {
        joining.add(session);
        requestTick(0);
    }

    /** The client is gone (its connection's close task: no call into Undertow here). */
    void remove(final ClientSession session)
    {
        // Under the lock so that a tick taking it in cannot add it back; the lock is never held while sending.
        synchronized (lock)
        {
            joining.remove(session);
            sessions.remove(session);
        }
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
        final boolean recorded;
        synchronized (lock)
        {
            active.put(alert.key(), alert);
            seenByReloads(alert.key(), alert);
            recorded = record(new Change(true, alert));
        }
        if (recorded)
        {
            requestTick(batchMs);
        }
    }

    private void cleared(final String key, final ActiveAlert old)
    {
        final boolean recorded;
        synchronized (lock)
        {
            final ActiveAlert alert = active.remove(key);
            seenByReloads(key, null);
            final ActiveAlert known = alert != null ? alert : old;
            recorded = known != null && record(new Change(false, known));
        }
        if (recorded)
        {
            requestTick(batchMs);
        }
    }

    /** Under the lock. */
    private void seenByReloads(final String key, final ActiveAlert raised)
    {
        for (int i = 0; i < reading.size(); i++)
        {
            reading.get(i).seen(key, raised);
        }
    }

    /**
     * Under the lock. No session, no record: a session that joins later gets the list, which holds the change.
     *
     * @return whether a tick must send something for it.
     */
    private boolean record(final Change change)
    {
        metrics.alertChanges.increment();
        if (sessions.isEmpty() || everyoneGetsTheList)
        {
            return everyoneGetsTheList;
        }
        if (pending.size() >= batchMax)
        {
            metrics.alertBatchesOverflowed.increment();
            pending.clear();
            everyoneGetsTheList = true;
            return true;
        }
        pending.add(change);
        return true;
    }

    private void requestTick(final long delayMs)
    {
        schedule(tickQueued, false, delayMs);
    }

    /** The sessions behind are offered the list a second from now (and again every second while any is). */
    private void requestResend()
    {
        schedule(resendQueued, true, RESEND_MS);
    }

    private void schedule(final AtomicBoolean queued, final boolean resend, final long delayMs)
    {
        if (queued.compareAndSet(false, true))
        {
            try
            {
                ticker.schedule(() ->
                {
                    queued.set(false);
                    safely(resend);
                }, delayMs, TimeUnit.MILLISECONDS);
            }
            catch (final RejectedExecutionException closing)
            {
                queued.set(false);
            }
        }
    }

    /**
     * A tick that fails (a bug) is logged, and its changes, taken already, would be lost: every session gets the whole
     * list a second later instead (not at once, so a failure that repeats does not spin).
     */
    private void safely(final boolean resend)
    {
        try
        {
            tick(resend);
        }
        catch (final RuntimeException ex)
        {
            LOG.error("sending alerts failed; every client gets the whole list again", ex);
            synchronized (lock)
            {
                everyoneGetsTheList = true;
            }
            requestTick(RESEND_MS);
        }
    }

    /**
     * On the feed's thread: takes the changes since the last tick and the sessions that joined, then sends each
     * change's bytes (encoded once) to every session in step, and the list to those that join or must start again.
     *
     * @param resend also the list to the sessions that missed a message (once a second).
     */
    private void tick(final boolean resend)
    {
        final ArrayList<Change> changes;
        final List<ClientSession> members;
        final List<ClientSession> joined;
        final boolean listForAll;
        final List<ActiveAlert> list;
        synchronized (lock)
        {
            changes = pending;
            pending = spare;
            listForAll = everyoneGetsTheList;
            everyoneGetsTheList = false;
            members = sessions.isEmpty() ? List.of() : new ArrayList<>(sessions);
            joined = joining.isEmpty() ? List.of() : new ArrayList<>(joining);
            joining.removeAll(joined);
            sessions.addAll(joined);
            // The list and the changes are taken together: a change is in the list or in what is sent after it.
            list = listForAll || !joined.isEmpty() || (resend && !behind.isEmpty()) ? new ArrayList<>(active.values()) : null;
        }
        if (list != null)
        {
            // Sorted after the lock: the listener's threads wait for it, and a thousand alerts take a while.
            list.sort(OLDEST_FIRST);
        }
        try
        {
            final ByteBuffer listBytes = list == null ? null : listMessage(list);
            if (listForAll)
            {
                behind.clear();
                sendToAll(members, listBytes, AlertForm.LIST);
            }
            else
            {
                if (!changes.isEmpty())
                {
                    sendChanges(members, changes);
                }
                if (resend && listBytes != null)
                {
                    resendTo(listBytes);
                }
            }
            sendToAll(joined, listBytes, AlertForm.LIST);
        }
        finally
        {
            changes.clear();
            spare = changes;
            if (!behind.isEmpty())
            {
                requestResend();
            }
        }
    }

    /** The whole list to every session that missed a message and can take it now; it gets the changes after it. */
    private void resendTo(final ByteBuffer list)
    {
        for (final ClientSession session : behind)
        {
            if (session.isClosed())
            {
                behind.remove(session);
            }
            else if (session.replyShared(list))
            {
                metrics.alertMessagesSent[AlertForm.LIST.ordinal()].increment();
                behind.remove(session);
            }
        }
    }

    /** The message forms, as counted in {@code odyssey_ws_alert_messages_sent_total{form}}. */
    enum AlertForm
    {
        LIST, EVENT, BATCH
    }

    private void sendChanges(final List<ClientSession> members, final List<Change> changes)
    {
        ByteBuffer batch = null;
        ByteBuffer[] events = null;
        final byte[][] alerts = new byte[changes.size()][];
        for (int i = 0; i < alerts.length; i++)
        {
            alerts[i] = alertJson(changes.get(i).alert()).getBytes(StandardCharsets.UTF_8);
        }
        for (final ClientSession session : members)
        {
            if (behind.contains(session))
            {
                continue; // it gets the whole list once it can take it
            }
            if (session.isBinary())
            {
                if (batch == null)
                {
                    batch = batchMessage(changes, alerts);
                }
                send(session, batch, AlertForm.BATCH);
            }
            else
            {
                if (events == null)
                {
                    events = new ByteBuffer[alerts.length];
                    for (int i = 0; i < alerts.length; i++)
                    {
                        events[i] = eventMessage(changes.get(i).raised(), alerts[i]);
                    }
                }
                for (final ByteBuffer event : events)
                {
                    if (!send(session, event, AlertForm.EVENT))
                    {
                        break; // the rest would be lost too: it starts again from the list
                    }
                }
            }
        }
    }

    private void sendToAll(final List<ClientSession> targets, final ByteBuffer message, final AlertForm form)
    {
        for (final ClientSession session : targets)
        {
            send(session, message, form);
        }
    }

    /** @return false when the session did not take it (it is behind from now on, unless it is closed). */
    private boolean send(final ClientSession session, final ByteBuffer message, final AlertForm form)
    {
        if (session.replyShared(message))
        {
            metrics.alertMessagesSent[form.ordinal()].increment();
            return true;
        }
        if (!session.isClosed())
        {
            behind.add(session);
        }
        return false;
    }

    private ByteBuffer listMessage(final List<ActiveAlert> list)
    {
        return ByteBuffer.wrap(JsonText.of(out ->
        {
            out.writeStartObject();
            out.writeStringField("type", "alerts");
            out.writeArrayFieldStart("active");
            for (final ActiveAlert alert : list)
            {
                writeAlert(out, alert);
            }
            out.writeEndArray();
            out.writeEndObject();
        }).getBytes(StandardCharsets.UTF_8));
    }

    private static final byte[] EVENT_RAISED = ascii("{\"type\":\"alert\",\"event\":\"raised\",\"alert\":");
    private static final byte[] EVENT_CLEARED = ascii("{\"type\":\"alert\",\"event\":\"cleared\",\"alert\":");
    private static final byte[] BATCH_START = ascii("{\"type\":\"alertChanges\",\"changes\":[");
    private static final byte[] CHANGE_RAISED = ascii("{\"event\":\"raised\",\"alert\":");
    private static final byte[] CHANGE_CLEARED = ascii("{\"event\":\"cleared\",\"alert\":");

    /** {@code {"type":"alert","event":...,"alert":{...}}}: the odyssey.v1 form of one change. */
    static ByteBuffer eventMessage(final boolean raised, final byte[] alert)
    {
        final byte[] prefix = raised ? EVENT_RAISED : EVENT_CLEARED;
        final byte[] message = new byte[prefix.length + alert.length + 1];
        System.arraycopy(prefix, 0, message, 0, prefix.length);
        System.arraycopy(alert, 0, message, prefix.length, alert.length);
        message[message.length - 1] = '}';
        return ByteBuffer.wrap(message);
    }

    /** {@code {"type":"alertChanges","changes":[{"event":...,"alert":{...}},...]}}: one tick's changes, in order. */
    private static ByteBuffer batchMessage(final List<Change> changes, final byte[][] alerts)
    {
        int length = BATCH_START.length + 2;
        for (int i = 0; i < alerts.length; i++)
        {
            length += CHANGE_CLEARED.length + alerts[i].length + 2;
        }
        final ByteBuffer message = ByteBuffer.allocate(length);
        message.put(BATCH_START);
        for (int i = 0; i < alerts.length; i++)
        {
            if (i > 0)
            {
                message.put((byte)',');
            }
            message.put(changes.get(i).raised() ? CHANGE_RAISED : CHANGE_CLEARED).put(alerts[i]).put((byte)'}');
        }
        message.put((byte)']').put((byte)'}');
        return message.flip();
    }

    private static byte[] ascii(final String text)
    {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** Active alerts, oldest first. */
    List<ActiveAlert> activeAlerts()
    {
        final List<ActiveAlert> list = new ArrayList<>(active.values());
        list.sort(OLDEST_FIRST);
        return list;
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

    /** One alert's object, as in every alert message and the REST list. */
    static String alertJson(final ActiveAlert alert)
    {
        return JsonText.of(out -> writeAlert(out, alert));
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
        ticker.shutdownNow();
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
