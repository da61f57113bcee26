package io.odyssey.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.grid.ActiveAlert;
import io.odyssey.grid.FleetGrid;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Active alerts from the grid's alerts map (as ingest nodes write it) to WebSocket clients and REST: the list on
 * connect, each raise and clear as it happens, on /ws/fleet, /ws/alerts and GET /api/v1/alerts; a dashboard (the binary
 * subprotocol) gets each tick's raises and clears as one {@code alertChanges} message, scripts one message per change.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayAlertsIT
{
    private static final String CLUSTER = "gateway-alerts-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);

    @Test
    void shouldPushActiveAlertsAndEveryRaiseAndClear() throws Exception
    {
        final HazelcastInstance member = FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER, "127.0.0.1", GRID_PORT,
            List.of("127.0.0.1:" + GRID_PORT), 1));
        final IMap<String, ActiveAlert> alerts = FleetGrid.alertsMap(member);
        final ActiveAlert battery = new ActiveAlert("LOW_BATTERY", 7, 0, 1_764_590_400_000_000_000L, 42, 18.5, "ingest-1");
        alerts.set(battery.key(), battery);
        final GatewayConfig config = GatewayIT.config(16);
        config.clusterName = CLUSTER;
        config.gridMembers = List.of("127.0.0.1:" + GRID_PORT);
        try (Gateway gateway = Gateway.launch(config);
            FleetClient browser = FleetClient.connect(gateway.port());
            FleetClient tool = FleetClient.connect(gateway.port(), Integer.MAX_VALUE, "/ws/alerts"))
        {
            for (final FleetClient client : List.of(browser, tool))
            {
                final JsonNode list = client.await(m -> "alerts".equals(m.path("type").asText()), 10_000);
                assertThat(list.path("active").size()).isEqualTo(1);
                final JsonNode alert = list.path("active").get(0);
                assertThat(alert.path("key").asText()).isEqualTo("LOW_BATTERY:7");
                assertThat(alert.path("alertType").asText()).isEqualTo("LOW_BATTERY");
                assertThat(alert.path("droneId").asLong()).isEqualTo(7);
                assertThat(alert.path("raisedAt").asText()).isEqualTo("2025-12-01T12:00:00Z");
                assertThat(alert.path("journalIndex").asText()).isEqualTo("42");
                assertThat(alert.path("value").asDouble()).isEqualTo(18.5);
                assertThat(alert.path("node").asText()).isEqualTo("ingest-1");
            }

            final ActiveAlert conflict = new ActiveAlert("LOSS_OF_SEPARATION", 3, 4, 1_764_590_401_000_000_000L, 43, 12.0,
                "ingest-1");
            alerts.set(conflict.key(), conflict);
            for (final FleetClient client : List.of(browser, tool))
            {
                final JsonNode raised = client.await(m -> "alert".equals(m.path("type").asText()) &&
                    "raised".equals(m.path("event").asText()), 10_000);
                assertThat(raised.path("alert").path("key").asText()).isEqualTo("LOSS_OF_SEPARATION:3:4");
                assertThat(raised.path("alert").path("otherDroneId").asLong()).isEqualTo(4);
            }

            final HttpResponse<String> rest = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + gateway.port() + "/api/v1/alerts")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(rest.statusCode()).isEqualTo(200);
            final JsonNode body = FleetClient.JSON.readTree(rest.body());
            assertThat(body.path("count").asInt()).isEqualTo(2);
            assertThat(body.path("alerts").get(0).path("key").asText()).as("oldest first").isEqualTo("LOW_BATTERY:7");

            // odyssey-cli: the list, and a watch that sees the next raise and clear.
            final String server = "--server=http://127.0.0.1:" + gateway.port();
            final java.io.StringWriter listed = new java.io.StringWriter();
            assertThat(io.odyssey.cli.OdysseyCli.commandLine().setOut(new java.io.PrintWriter(listed, true))
                .execute("alerts", "list", server)).isZero();
            assertThat(listed.toString()).contains("2 active alerts", "ACTIVE   LOW_BATTERY         drone 7 (18.5)  [ingest-1]",
                "LOSS_OF_SEPARATION  drones 3 and 4 (12.0)");
            final java.io.StringWriter watched = new java.io.StringWriter();
            final java.util.concurrent.CompletableFuture<Integer> watch = java.util.concurrent.CompletableFuture.supplyAsync(() ->
                io.odyssey.cli.OdysseyCli.commandLine().setOut(new java.io.PrintWriter(watched, true))
                    .execute("alerts", "watch", "--count=2", server));
            org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> watched.toString().contains("2 active alerts"));
            final ActiveAlert jump = new ActiveAlert("IMPLAUSIBLE_JUMP", 9, 0, 1_764_590_402_000_000_000L, 44, 480.0, "ingest-2");
            alerts.set(jump.key(), jump);
            alerts.delete(jump.key());
            assertThat(watch.get(10, TimeUnit.SECONDS)).isZero();
            assertThat(watched.toString()).contains("RAISED   IMPLAUSIBLE_JUMP    drone 9 (480.0)  [ingest-2]",
                "CLEARED  IMPLAUSIBLE_JUMP    drone 9");
            for (final FleetClient client : List.of(browser, tool))
            {
                client.await(m -> "cleared".equals(m.path("event").asText()) &&
                    "IMPLAUSIBLE_JUMP:9".equals(m.path("alert").path("key").asText()), 10_000);
            }

            alerts.delete(battery.key());
            for (final FleetClient client : List.of(browser, tool))
            {
                final JsonNode cleared = client.await(m -> "alert".equals(m.path("type").asText()) &&
                    "cleared".equals(m.path("event").asText()), 10_000);
                assertThat(cleared.path("alert").path("key").asText()).isEqualTo("LOW_BATTERY:7");
            }
            // The alert-only socket carries no drones.
            assertThat(tool.typesReceived).containsOnly("alerts", "alert");
            assertThat(browser.typesReceived).contains("hello", "snapshot", "alerts", "alert");
        }
        finally
        {
            member.shutdown();
        }
    }

    @Test
    void shouldSendADashboardATicksChangesAsOneMessageAndScriptsOneMessagePerChangeInOrder() throws Exception
    {
        final HazelcastInstance member = FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER + "-batch", "127.0.0.1",
            GRID_PORT + 7, List.of("127.0.0.1:" + (GRID_PORT + 7)), 1));
        final IMap<String, ActiveAlert> alerts = FleetGrid.alertsMap(member);
        final GatewayConfig config = GatewayIT.config(16);
        config.clusterName = CLUSTER + "-batch";
        config.gridMembers = List.of("127.0.0.1:" + (GRID_PORT + 7));
        // A long tick, so that the changes below fall into one even on a loaded machine.
        config.alertBatchMs = 2_000;
        try (Gateway gateway = Gateway.launch(config);
            FleetClient dashboard = FleetClient.offering(gateway.port(), "/ws/fleet", "odyssey.bin.v1", "odyssey.v1");
            FleetClient script = FleetClient.connect(gateway.port());
            FleetClient tool = FleetClient.connect(gateway.port(), Integer.MAX_VALUE, "/ws/alerts"))
        {
            assertThat(dashboard.subprotocol()).isEqualTo("odyssey.bin.v1");
            for (final FleetClient client : List.of(dashboard, script, tool))
            {
                assertThat(client.awaitType("alerts").path("active").size()).isZero();
            }
            final ActiveAlert a = new ActiveAlert("LOW_BATTERY", 11, 0, 1_764_590_400_000_000_000L, 50, 19.0, "ingest-1");
            final ActiveAlert b = new ActiveAlert("LOSS_OF_SEPARATION", 12, 13, 1_764_590_401_000_000_000L, 51, 8.5, "ingest-1");
            alerts.setAll(java.util.Map.of(a.key(), a, b.key(), b));
            alerts.delete(a.key());

            final JsonNode batch = dashboard.awaitType("alertChanges");
            final List<String> changes = new java.util.ArrayList<>();
            batch.path("changes").forEach(c -> changes.add(c.path("event").asText() + " " + c.path("alert").path("key").asText()));
            // Two keys' raises may reach the gateway in either order (two partitions); a key's raise comes before its clear.
            assertThat(changes).containsExactlyInAnyOrder("raised LOW_BATTERY:11", "raised LOSS_OF_SEPARATION:12:13",
                "cleared LOW_BATTERY:11");
            assertThat(changes.indexOf("raised LOW_BATTERY:11")).isLessThan(changes.indexOf("cleared LOW_BATTERY:11"));
            assertThat(dashboard.typesReceived).doesNotContain("alert");

            for (final FleetClient client : List.of(script, tool))
            {
                final List<String> events = new java.util.ArrayList<>();
                for (int i = 0; i < 3; i++)
                {
                    final JsonNode event = client.awaitType("alert");
                    events.add(event.path("event").asText() + " " + event.path("alert").path("key").asText());
                }
                assertThat(events).containsExactlyInAnyOrderElementsOf(changes);
                assertThat(events.indexOf("raised LOW_BATTERY:11")).isLessThan(events.indexOf("cleared LOW_BATTERY:11"));
                assertThat(client.typesReceived).doesNotContain("alertChanges");
            }
            assertThat(gateway.metrics().renderPrometheus()).contains(
                "odyssey_ws_alert_messages_sent_total{role=\"ws-gateway\",form=\"batch\"} 1\n",
                "odyssey_ws_alert_messages_sent_total{role=\"ws-gateway\",form=\"event\"} 6\n",
                "odyssey_ws_alert_changes_total{role=\"ws-gateway\"} 3\n");
        }
        finally
        {
            member.shutdown();
        }
    }
}
