package io.odyssey.grid;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
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
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two real members and a real client: the fleet map's backups, its keep-newest guard, and the node's status endpoint. */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
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
        // A state "heard" an hour ahead of the members' clocks (a grid client's forgery): stored as heard now, counted.
        final double clampedBefore = gauge(http, first, "odyssey_grid_fleet_states_clamped");
        final long hourAhead = System.currentTimeMillis() * 1_000_000L + TimeUnit.HOURS.toNanos(1);
        fleet.set(6000L, new DroneState(6000, 1, 1L, hourAhead, 3L, 52.5, 13.4, 50f, 90f, 10f, 0f, 80f, "CRUISING", 8,
            "forger"));
        assertThat(fleet.get(6000L).ingestNanos()).isLessThan(hourAhead - TimeUnit.MINUTES.toNanos(59));
        // Both members run in this JVM, and the count is per process (one member per grid-node process).
        assertThat(gauge(http, first, "odyssey_grid_fleet_states_clamped") - clampedBefore).isEqualTo(1);

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
        final GridNodeConfig config = new GridNodeConfig();
        config.clusterName = CLUSTER;
        config.members = List.of("127.0.0.1:" + port);
        config.port = port;
        config.statusPort = 0;
        return config;
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
}
