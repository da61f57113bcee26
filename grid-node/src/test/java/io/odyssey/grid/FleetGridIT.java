package io.odyssey.grid;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.odyssey.testing.FailOnErrorLog;
import io.odyssey.testing.LoggedOutput;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two real members and a real client: the fleet map's backups, its keep-newest guard, and the node's status endpoint;
 * and ingest's write path ({@link FleetGrid#writeNewest}: one request carrying the batch, applied per entry by
 * {@link KeepNewestBatch}), for which what {@code setAll} through {@link KeepNewestStateInterceptor} guaranteed must hold
 * too — an older or replayed state never replaces a newer one, listeners see every change and nothing for a refused
 * one, the backups hold the newest states when a member dies, and a batch carrying a state no drone sends is refused.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class FleetGridIT
{
    private static final String CLUSTER = "fleet-grid-it-" + UUID.randomUUID();
    private static GridNode first;
    private static GridNode second;
    private static HazelcastInstance client;
    private static IMap<Long, DroneState> fleet;
    private static int gridPort;

    @BeforeAll
    static void startGrid() throws Exception
    {
        final int port = 15701 + (int)(Math.random() * 2000);
        gridPort = port;
        first = GridNode.launch(config(port));
        second = GridNode.launch(config(port));
        client = HazelcastClient.newHazelcastClient(
            FleetGrid.clientConfig(CLUSTER, List.of("127.0.0.1:" + port), "fleet-grid-it-client"));
        fleet = FleetGrid.fleetMap(client);
    }

    @AfterAll
    static void stopGrid()
    {
        if (client != null)
        {
            client.shutdown();
        }
        if (second != null)
        {
            second.close();
        }
        if (first != null)
        {
            first.close();
        }
    }

    @Test
    void shouldKeepTheNewestStateWhenAnOlderOneArrivesLater()
    {
        fleet.set(1L, state(1, 10));
        fleet.set(1L, state(1, 9));
        assertThat(fleet.get(1L).sequence()).isEqualTo(10);

        final Map<Long, DroneState> batch = new HashMap<>();
        for (long id = 100; id < 200; id++)
        {
            batch.put(id, state(id, 5));
        }
        fleet.setAll(batch);
        batch.replaceAll((id, state) -> state(id, id % 2 == 0 ? 4 : 6));
        fleet.setAll(batch);

        for (long id = 100; id < 200; id++)
        {
            assertThat(fleet.get(id).sequence()).as("drone %d", id).isEqualTo(id % 2 == 0 ? 5 : 6);
        }
    }

    @Test
    void shouldHoldABackupOfEveryEntry()
    {
        for (long id = 1000; id < 1100; id++)
        {
            fleet.set(id, state(id, 1));
        }
        await().atMost(30, TimeUnit.SECONDS).untilAsserted(() ->
        {
            final long owned = FleetGrid.fleetMap(first.instance()).getLocalMapStats().getOwnedEntryCount() +
                FleetGrid.fleetMap(second.instance()).getLocalMapStats().getOwnedEntryCount();
            final long backups = FleetGrid.fleetMap(first.instance()).getLocalMapStats().getBackupEntryCount() +
                FleetGrid.fleetMap(second.instance()).getLocalMapStats().getBackupEntryCount();
            assertThat(backups).isEqualTo(owned);
        });
    }

    @Test
    void shouldReportHealthAndMetricsOverHttp() throws Exception
    {
        final HttpClient http = HttpClient.newHttpClient();
        final HttpResponse<String> health = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + first.statusPort() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"", "2 member(s)");

        final HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + first.statusPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("odyssey_grid_members{role=\"grid-node\"} 2");

        // What a fleet map write costs a member: each member counts the entries of a batch written through it (the
        // partitions it owns), and its process CPU over them.
        final double writesBefore = gauge(http, first, "odyssey_grid_fleet_writes") + gauge(http, second, "odyssey_grid_fleet_writes");
        final Map<Long, DroneState> batch = new HashMap<>();
        for (long id = 5000; id < 5500; id++)
        {
            batch.put(id, state(id, 1));
        }
        fleet.setAll(batch);
        final double writesAfter = gauge(http, first, "odyssey_grid_fleet_writes") + gauge(http, second, "odyssey_grid_fleet_writes");
        assertThat(writesAfter - writesBefore).isEqualTo(batch.size());
        for (final GridNode node : new GridNode[]{first, second})
        {
            assertThat(gauge(http, node, "odyssey_grid_cpu_seconds")).isPositive();
            assertThat(gauge(http, node, "odyssey_grid_cpu_ns_per_fleet_write")).isPositive();
        }
        // The graceful-shutdown wait is Odyssey's setting, not Hazelcast's 600 s, so it fits in a container's grace period.
        assertThat(first.instance().getConfig().getProperty("hazelcast.graceful.shutdown.max.wait"))
            .isEqualTo(GridNodeConfig.SHUTDOWN_TIMEOUT_S.defaultValue());

        // Hazelcast's own health endpoints on the member port, which the Kubernetes probes call.
        final int memberPort = first.instance().getCluster().getLocalMember().getAddress().getPort();
        final HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + memberPort + "/hazelcast/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);
        final HttpResponse<String> state = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + memberPort + "/hazelcast/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(state.body()).contains("\"nodeState\":\"ACTIVE\"", "\"clusterSize\":2");
    }

    /** A gauge of the member's /metrics. */
    private static double gauge(final HttpClient http, final GridNode node, final String name) throws Exception
    {
        final String series = name + "{role=\"grid-node\"} ";
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.statusPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body().lines().filter(line -> line.startsWith(series)).findFirst()
            .map(line -> Double.parseDouble(line.substring(series.length())))
            .orElseThrow(() -> new AssertionError(series + "is not in /metrics"));
    }

    private static GridNodeConfig config(final int port)
    {
        return config(CLUSTER, port, GridNodeConfig.BACKUP_COUNT.intValue());
    }

    private static GridNodeConfig config(final String cluster, final int port, final int backupCount)
    {
        final GridNodeConfig config = new GridNodeConfig();
        config.clusterName = cluster;
        config.members = List.of("127.0.0.1:" + port);
        config.port = port;
        config.statusPort = 0;
        config.backupCount = backupCount;
        return config;
    }

    @Test
    void shouldKeepTheNewestStateOfEveryDroneWhateverOrderBatchesArriveIn() throws Exception
    {
        // Drones of its own: the tests share the members (and setAll's test above writes drones 100-199).
        final long writesBefore = writes();
        write(batch(2_000, 2_100, id -> 5L));
        // The members' /metrics count fleet writes from these statistics (odyssey_grid_fleet_writes): every entry
        // written counts, as each entry of a setAll did.
        assertThat(writes() - writesBefore).isEqualTo(100);
        write(batch(2_000, 2_100, id -> id % 2 == 0 ? 4L : 6L));
        write(batch(2_000, 2_100, id -> 5L));   // the first batch again, as a replay of the journal would send it

        for (long id = 2_000; id < 2_100; id++)
        {
            assertThat(fleet.get(id).sequence()).as("drone %d", id).isEqualTo(id % 2 == 0 ? 5 : 6);
        }
    }

    @Test
    void shouldTellListenersOfEveryChangeAndOfNoRefusedWrite() throws Exception
    {
        final Map<Long, Long> seen = new ConcurrentHashMap<>();
        final AtomicInteger events = new AtomicInteger();
        final Listener listener = (EntryEvent<Long, DroneState> event) ->
        {
            events.incrementAndGet();
            seen.merge(event.getKey(), event.getValue().sequence(), Math::max);
        };
        final UUID registration = fleet.addEntryListener(listener, true);
        try
        {
            write(batch(300, 400, id -> 1L));
            write(batch(300, 400, id -> id < 350 ? 2L : 0L));   // half newer, half older
            await().atMost(30, TimeUnit.SECONDS).until(() -> events.get() >= 150);
            // A bounded wait for events that must not come: a refused write that still sent one would arrive with them.
            TimeUnit.MILLISECONDS.sleep(500);
            assertThat(events.get()).as("100 added, 50 updated, nothing for the 50 refused").isEqualTo(150);
            for (long id = 300; id < 400; id++)
            {
                assertThat(seen.get(id)).as("drone %d as the feed saw it", id).isEqualTo(id < 350 ? 2L : 1L);
            }
        }
        finally
        {
            fleet.removeEntryListener(registration);
        }
    }

    @Test
    void shouldRefuseABatchCarryingAStateNoDroneSends()
    {
        final Map<Long, DroneState> batch = batch(600, 610, id -> 1L);
        batch.put(610L, new DroneState(610, 1, 1L, 2L, 3L, 91.0, 13.4, 50f, 90f, 10f, 0f, 80f, "CRUISING", 8, "test"));

        assertThat(FleetGrid.writeNewest(fleet, batch).toCompletableFuture())
            .failsWithin(30, TimeUnit.SECONDS);
        assertThat(fleet.containsKey(610L)).as("the state no drone sends").isFalse();
    }

    /** Kills a member, so it starts two of its own rather than share the class's. */
    @Test
    void shouldHoldTheNewestStatesInTheBackupsWhenAMemberDies() throws Exception
    {
        final String cluster = CLUSTER + "-backups";
        final int port = 17801 + (int)(Math.random() * 2000);
        final GridNode owner = GridNode.launch(config(cluster, port, 1));
        final GridNode survivor = GridNode.launch(config(cluster, port, 1));
        final HazelcastInstance writer = HazelcastClient.newHazelcastClient(
            FleetGrid.clientConfig(cluster, List.of("127.0.0.1:" + port), "fleet-grid-it-backups"));
        try
        {
            final IMap<Long, DroneState> map = FleetGrid.fleetMap(writer);
            for (long round = 1; round <= 5; round++)
            {
                final long sequence = round;
                FleetGrid.writeNewest(map, batch(1, 1_001, id -> id % 3 == 0 ? 1L : sequence))
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            // Stale for most (5 stored), newer for the drones held at 1: the backups must take exactly the same.
            FleetGrid.writeNewest(map, batch(1, 1_001, id -> 2L)).toCompletableFuture().get(30, TimeUnit.SECONDS);
            // Entry-processor backups are sent asynchronously: wait until every owned entry has its backup.
            await().atMost(30, TimeUnit.SECONDS).until(() ->
                backups(owner) + backups(survivor) == 1_000 && owned(owner) + owned(survivor) == 1_000);
            await().atMost(30, TimeUnit.SECONDS).until(() -> owner.instance().getPartitionService().isClusterSafe());

            owner.instance().getLifecycleService().terminate();   // no migration: the survivor promotes its backups

            final IMap<Long, DroneState> left = FleetGrid.fleetMap(survivor.instance());
            await().atMost(60, TimeUnit.SECONDS).until(() -> left.size() == 1_000);
            for (long id = 1; id <= 1_000; id++)
            {
                assertThat(left.get(id).sequence()).as("drone %d on the survivor", id).isEqualTo(id % 3 == 0 ? 2 : 5);
            }
        }
        finally
        {
            writer.shutdown();
            survivor.close();
            owner.close();
        }
    }

    private static long writes()
    {
        long writes = 0;
        for (final GridNode node : new GridNode[]{first, second})
        {
            final com.hazelcast.map.LocalMapStats stats = FleetGrid.fleetMap(node.instance()).getLocalMapStats();
            writes += stats.getPutOperationCount() + stats.getSetOperationCount();
        }
        return writes;
    }

    private static long owned(final GridNode node)
    {
        return FleetGrid.fleetMap(node.instance()).getLocalMapStats().getOwnedEntryCount();
    }

    private static long backups(final GridNode node)
    {
        return FleetGrid.fleetMap(node.instance()).getLocalMapStats().getBackupEntryCount();
    }

    private static void write(final Map<Long, DroneState> batch) throws Exception
    {
        FleetGrid.writeNewest(fleet, batch).toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static Map<Long, DroneState> batch(final long from, final long to, final java.util.function.LongUnaryOperator sequence)
    {
        final Map<Long, DroneState> batch = new HashMap<>();
        for (long id = from; id < to; id++)
        {
            batch.put(id, state(id, sequence.applyAsLong(id)));
        }
        return batch;
    }

    static DroneState state(final long id, final long sequence)
    {
        return new DroneState(id, sequence, 1L, 2L, 3L, 52.5, 13.4, 50f, 90f, 10f, 0f, 80f, "CRUISING", 8, "test");
    }

    @Test
    void shouldNotWarnOfALostGridConnectionWhenClosingItsOwn() throws Exception
    {
        final GridConnection connection = GridConnection.connect(CLUSTER, List.of("127.0.0.1:" + gridPort),
            "fleet-grid-it-closing-" + UUID.randomUUID(), "nothing to do");
        await().atMost(30, TimeUnit.SECONDS).until(connection::isConnected);
        final String logged = LoggedOutput.during(connection::close);
        // A stop of its own is no outage: a WARN here sends an operator looking for a grid that is fine.
        assertThat(logged).contains("SHUTDOWN")
            .doesNotContain("lost the grid connection");
    }

    /** A gateway's feed in short: added and updated alike. */
    private interface Listener extends EntryAddedListener<Long, DroneState>, EntryUpdatedListener<Long, DroneState>
    {
        void changed(EntryEvent<Long, DroneState> event);

        default void entryAdded(final EntryEvent<Long, DroneState> event)
        {
            changed(event);
        }

        default void entryUpdated(final EntryEvent<Long, DroneState> event)
        {
            changed(event);
        }
    }
}
