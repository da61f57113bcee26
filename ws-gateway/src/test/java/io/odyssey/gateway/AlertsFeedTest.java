package io.odyssey.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.EntryEventType;
import com.hazelcast.map.IMap;
import io.odyssey.grid.ActiveAlert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The alerts feed with real sessions on links the test reads (the listener's events as the grid client delivers them):
 * a dashboard gets one tick's raises and clears as one message in order, a JSON client one message per change in the
 * same order, both from bytes encoded once; a tick with more changes than the bound turns into the whole list; a
 * client that was behind ends with exactly the active alerts.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AlertsFeedTest
{
    private final GatewayMetrics metrics = new GatewayMetrics();
    private AlertsFeed feed;

    @AfterEach
    void close()
    {
        if (feed != null)
        {
            feed.close();
        }
    }

    @Test
    void shouldSendADashboardOneMessagePerTickAndAJsonClientOneMessagePerChangeInTheSameOrder()
    {
        // A long tick, so that the three changes surely fall into one.
        feed = new AlertsFeed(null, metrics, 500, 100);
        final RecordingLink dashboardLink = new RecordingLink();
        final RecordingLink scriptLink = new RecordingLink();
        final ClientSession dashboard = session(dashboardLink, true, 1 << 20);
        final ClientSession script = session(scriptLink, false, 1 << 20);
        feed.add(dashboard);
        feed.add(script);
        await().atMost(10, TimeUnit.SECONDS).until(() -> dashboardLink.count() == 1 && scriptLink.count() == 1);
        assertThat(dashboardLink.message(0).path("type").asText()).isEqualTo("alerts");

        final ActiveAlert a = battery(1);
        final ActiveAlert b = battery(2);
        feed.entryAdded(added(a));
        feed.entryAdded(added(b));
        feed.entryRemoved(removed(a));

        await().atMost(10, TimeUnit.SECONDS).until(() -> scriptLink.count() == 4 && dashboardLink.count() == 2);
        final JsonNode batch = dashboardLink.message(1);
        assertThat(batch.path("type").asText()).isEqualTo("alertChanges");
        assertThat(changes(batch.path("changes"))).containsExactly("raised LOW_BATTERY:1", "raised LOW_BATTERY:2",
            "cleared LOW_BATTERY:1");
        assertThat(batch.path("changes").get(1).path("alert").path("value").asDouble()).isEqualTo(18.5);
        final List<String> events = new ArrayList<>();
        for (int i = 1; i < 4; i++)
        {
            final JsonNode event = scriptLink.message(i);
            assertThat(event.path("type").asText()).isEqualTo("alert");
            events.add(event.path("event").asText() + " " + event.path("alert").path("key").asText());
            // The same alert object in both forms, encoded once.
            assertThat(event.path("alert")).isEqualTo(batch.path("changes").get(i - 1).path("alert"));
        }
        assertThat(events).containsExactly("raised LOW_BATTERY:1", "raised LOW_BATTERY:2", "cleared LOW_BATTERY:1");
        assertThat(metrics.alertMessagesSent[AlertsFeed.AlertForm.BATCH.ordinal()].get()).isEqualTo(1);
        assertThat(metrics.alertMessagesSent[AlertsFeed.AlertForm.EVENT.ordinal()].get()).isEqualTo(3);
        assertThat(metrics.alertChanges.get()).isEqualTo(3);
    }

    @Test
    void shouldSendTheWholeListInsteadOfATickWithMoreChangesThanTheBound()
    {
        feed = new AlertsFeed(null, metrics, 500, 3);
        final RecordingLink dashboardLink = new RecordingLink();
        final RecordingLink scriptLink = new RecordingLink();
        feed.add(session(dashboardLink, true, 1 << 20));
        feed.add(session(scriptLink, false, 1 << 20));
        await().atMost(10, TimeUnit.SECONDS).until(() -> dashboardLink.count() == 1 && scriptLink.count() == 1);

        for (int drone = 1; drone <= 5; drone++)
        {
            feed.entryAdded(added(battery(drone)));
        }

        await().atMost(10, TimeUnit.SECONDS).until(() -> dashboardLink.count() == 2 && scriptLink.count() == 2);
        for (final RecordingLink link : List.of(dashboardLink, scriptLink))
        {
            final JsonNode list = link.message(1);
            assertThat(list.path("type").asText()).isEqualTo("alerts");
            assertThat(list.path("active").size()).isEqualTo(5);
        }
        assertThat(metrics.alertBatchesOverflowed.get()).isEqualTo(1);
    }

    @Test
    void shouldBringAClientThatFellBehindBackToExactlyTheActiveAlerts()
    {
        feed = new AlertsFeed(null, metrics, 5, 1_000);
        final RecordingLink slowLink = new RecordingLink();
        slowLink.holdWrites = true; // the client takes nothing off the wire
        final ClientSession slow = session(slowLink, true, 4_096);
        feed.add(slow);
        await().atMost(10, TimeUnit.SECONDS).until(() -> slowLink.count() == 1);

        // Raises and clears in ticks of their own until the client's backlog is above the bound and a message refused.
        final java.util.Set<String> expected = new java.util.TreeSet<>();
        int drone = 0;
        while (metrics.repliesDropped.get() == 0)
        {
            final int sent = slowLink.count();
            drone++;
            raise(battery(drone), expected);
            if (drone % 3 == 0)
            {
                clear(battery(drone - 1), expected);
            }
            await().atMost(10, TimeUnit.SECONDS).until(() -> slowLink.count() > sent || metrics.repliesDropped.get() > 0);
        }
        // More changes while it is behind: none of them may be lost to it.
        for (int more = 0; more < 10; more++)
        {
            drone++;
            raise(battery(drone), expected);
        }
        clear(battery(1), expected);

        slowLink.releaseAll();
        // The client's view, applying everything it was sent in order, ends as the feed's: once a second it is offered
        // the whole list, and gets the changes after it.
        await().atMost(10, TimeUnit.SECONDS).until(() -> slowLink.activeKeys().equals(expected));
        assertThat(expected).hasSizeGreaterThan(10).doesNotContain("LOW_BATTERY:1");
    }

    /**
     * A reload (after the grid came back) reads the whole map while the listener goes on: a clear or a raise the
     * listener applies after the read took its copy must win over the copy, or a cleared alert shows for good.
     */
    @Test
    void shouldKeepTheChangesTheListenerAppliedWhileAReloadReadTheMap()
    {
        final ActiveAlert stale = battery(1);
        final ActiveAlert kept = battery(2);
        final ActiveAlert raisedMeanwhile = battery(3);
        final Map<String, ActiveAlert> grid = new LinkedHashMap<>();
        grid.put(stale.key(), stale);
        grid.put(kept.key(), kept);
        final AlertsFeed[] feedRef = new AlertsFeed[1];
        final boolean[] racing = {false};
        @SuppressWarnings("unchecked")
        final IMap<String, ActiveAlert> map = (IMap<String, ActiveAlert>)Proxy.newProxyInstance(
            getClass().getClassLoader(), new Class<?>[]{IMap.class}, (proxy, method, args) ->
            {
                if (!"entrySet".equals(method.getName()) || args != null)
                {
                    throw new UnsupportedOperationException(method.getName());
                }
                // What the read returns, and then the grid's next events, delivered while the read is not applied yet.
                final Map<String, ActiveAlert> read = new LinkedHashMap<>(grid);
                if (racing[0])
                {
                    feedRef[0].entryRemoved(removed(stale));
                    feedRef[0].entryAdded(added(raisedMeanwhile));
                }
                return read.entrySet();
            });
        feed = new AlertsFeed(map, metrics, 5, 1_000);
        feedRef[0] = feed;
        feed.reload();
        assertThat(keys(feed.activeAlerts())).containsExactly(stale.key(), kept.key());

        racing[0] = true;
        feed.reload();

        assertThat(keys(feed.activeAlerts())).containsExactly(kept.key(), raisedMeanwhile.key());
        final RecordingLink link = new RecordingLink();
        feed.add(session(link, true, 1 << 20));
        await().atMost(10, TimeUnit.SECONDS).until(() -> link.activeKeys().equals(
            new java.util.TreeSet<>(List.of(kept.key(), raisedMeanwhile.key()))));
    }

    private static List<String> keys(final List<ActiveAlert> alerts)
    {
        return alerts.stream().map(ActiveAlert::key).toList();
    }

    private void raise(final ActiveAlert alert, final java.util.Set<String> expected)
    {
        feed.entryAdded(added(alert));
        expected.add(alert.key());
    }

    private void clear(final ActiveAlert alert, final java.util.Set<String> expected)
    {
        feed.entryRemoved(removed(alert));
        expected.remove(alert.key());
    }

    private ClientSession session(final RecordingLink link, final boolean binary, final long maxPendingBytes)
    {
        return new ClientSession(link, metrics, maxPendingBytes, TimeUnit.SECONDS.toNanos(30), TimeUnit.MILLISECONDS.toNanos(16),
            System.nanoTime(), binary);
    }

    private static ActiveAlert battery(final long drone)
    {
        return new ActiveAlert("LOW_BATTERY", drone, 0, 1_764_590_400_000_000_000L + drone, drone, 18.5, "ingest-1");
    }

    private static EntryEvent<String, ActiveAlert> added(final ActiveAlert alert)
    {
        return new EntryEvent<>("alerts", null, EntryEventType.ADDED.getType(), alert.key(), alert);
    }

    private static EntryEvent<String, ActiveAlert> removed(final ActiveAlert alert)
    {
        return new EntryEvent<>("alerts", null, EntryEventType.REMOVED.getType(), alert.key(), alert, null);
    }

    private static List<String> changes(final JsonNode changes)
    {
        final List<String> list = new ArrayList<>();
        changes.forEach(change -> list.add(change.path("event").asText() + " " + change.path("alert").path("key").asText()));
        return list;
    }

    /** A client's connection as the session sees it: records each text message; may hold the writes (a stuck client). */
    private static final class RecordingLink implements ClientSession.Link
    {
        private final List<String> messages = new CopyOnWriteArrayList<>();
        private final List<Runnable> held = new ArrayList<>();
        volatile boolean holdWrites;

        public synchronized void sendText(final ByteBuffer frame, final IntConsumer written)
        {
            final int length = frame.remaining();
            final byte[] bytes = new byte[length];
            frame.get(bytes);
            messages.add(new String(bytes, StandardCharsets.UTF_8));
            if (holdWrites)
            {
                held.add(() -> written.accept(length));
            }
            else
            {
                written.accept(length);
            }
        }

        public void sendBinary(final ByteBuffer frame, final IntConsumer written)
        {
            throw new AssertionError("alert messages are text");
        }

        public void close(final int code, final String reason)
        {
        }

        public void ping()
        {
        }

        synchronized void releaseAll()
        {
            holdWrites = false;
            held.forEach(Runnable::run);
            held.clear();
        }

        int count()
        {
            return messages.size();
        }

        JsonNode message(final int index)
        {
            try
            {
                return FleetClient.JSON.readTree(messages.get(index));
            }
            catch (final Exception ex)
            {
                throw new AssertionError("not JSON: " + messages.get(index), ex);
            }
        }

        /** The active alerts a client holds after applying every message it got, in order (as the dashboard does). */
        java.util.Set<String> activeKeys()
        {
            final Map<String, Boolean> active = new LinkedHashMap<>();
            for (int i = 0; i < count(); i++)
            {
                final JsonNode message = message(i);
                switch (message.path("type").asText())
                {
                    case "alerts" ->
                    {
                        active.clear();
                        message.path("active").forEach(alert -> active.put(alert.path("key").asText(), true));
                    }
                    case "alertChanges" -> message.path("changes").forEach(change -> apply(active, change));
                    case "alert" -> apply(active, message);
                    default -> throw new AssertionError("not an alert message: " + message);
                }
            }
            return new java.util.TreeSet<>(active.keySet());
        }

        private static void apply(final Map<String, Boolean> active, final JsonNode change)
        {
            final String key = change.path("alert").path("key").asText();
            if ("raised".equals(change.path("event").asText()))
            {
                active.put(key, true);
            }
            else
            {
                active.remove(key);
            }
        }
    }
}
