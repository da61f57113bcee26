package io.odyssey.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.odyssey.cli.PrometheusText;
import io.odyssey.stack.FleetWatcher;
import io.odyssey.stack.Http;
import io.odyssey.stack.LocalStack;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The local cluster as `./odyssey cluster` runs it ({@link LocalStack} with the embedded database): three grid members,
 * two ingest nodes with an archiver each, the gateway and the simulator, each a separate JVM started from its jar and
 * configured only by environment variables. Kills a grid member with SIGKILL under load (no drone's state may be lost,
 * the feed must go on, the member must be able to rejoin), then an ingest node (its drones must move to the other
 * node, and an order in flight through it must still complete).
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class ClusterFailoverIT
{
    private static final int DRONES = 120;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path data;

    private static LocalStack stack;

    @BeforeAll
    static void startCluster() throws Exception
    {
        final LocalStack.Options options = new LocalStack.Options();
        options.gridMembers = 3;
        options.ingestNodes = 2;
        options.drones = DRONES;
        options.embeddedDatabase = true;
        // Flights three times faster than real time, so an order spans the ingest node's kill in seconds.
        options.env("simulator", "ODYSSEY_SIM_TIME_SCALE", "3");
        // Batteries that last: on a loaded machine the stack's start and the kills take minutes of simulated time, and
        // a fleet gone home to charge has no cruising drone left for the order in flight.
        options.env("simulator", "ODYSSEY_SIM_BATTERY_DRAIN_FACTOR", "0.1");
        stack = LocalStack.start(options, data, LocalStack.repositoryRoot().resolve("system-tests/target/cluster-it"),
            Duration.ofMinutes(4));
    }

    @AfterAll
    static void stopCluster()
    {
        if (stack != null)
        {
            stack.close();
        }
    }

    @Test
    void shouldLoseNoDroneWhenAGridMemberOrAnIngestNodeIsKilled() throws Exception
    {
        long orderId;
        try (FleetWatcher client = FleetWatcher.connect(stack.gatewayPort(), stack.viewerToken()))
        {
            await().atMost(90, TimeUnit.SECONDS).until(() -> client.drones().size() == DRONES);
            await().atMost(30, TimeUnit.SECONDS).until(() -> fleetEntries() == DRONES);

            // kill -9 a grid member under load: backups are promoted, every drone's state survives.
            stack.role("grid-node-2").kill();
            await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(500))
                .until(() -> gridMembers("grid-node-1") == 2 && fleetEntries() == DRONES);
            assertFeedAdvancesForEveryDrone(client, null);

            // The killed member rejoins.
            stack.role("grid-node-2").start();
            await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(500))
                .until(() -> gridMembers("grid-node-1") == 3 && gridMembers("grid-node-2") == 3 && fleetEntries() == DRONES);
            assertFeedAdvancesForEveryDrone(client, null);

            // An order in flight through ingest-1 when it dies: a drone it hears, sent 2 km away. Far enough that the
            // flight (~55 s at 12 m/s and time scale 3) outlasts the failover and ingest-2's first resend: at 600 m
            // the drone could arrive and say "done" before ingest-2 ever sent the order, which then completed with
            // ingest-1 as its last sender (a clean CI run on a quick machine saw it).
            final long droneId = client.drones().entrySet().stream()
                .filter(e -> "ingest-1".equals(e.getValue().get("node").asText()) &&
                    List.of("CRUISING", "HOVERING").contains(e.getValue().get("status").asText()) &&
                    e.getValue().get("bat").asDouble() > 60)
                .map(Map.Entry::getKey).findFirst().orElseThrow();
            final JsonNode drone = client.drones().get(droneId);
            final double lat = drone.get("lat").asDouble() + 2_000 / 111_320.0;
            final String commandId = order("{\"droneId\":" + droneId + ",\"type\":\"goto\",\"lat\":" + lat + ",\"lon\":" +
                drone.get("lon").asDouble() + ",\"alt\":50}");
            await().atMost(30, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(200))
                .until(() -> "in-progress".equals(command(commandId).get("state").asText()));

            // kill -9 an ingest node: its drones move to the other node (the simulator fails over).
            stack.role("edge-ingest-1").kill();
            assertFeedAdvancesForEveryDrone(client, "ingest-2");
            assertThat(client.sequenceViolations()).as("sequences only grow per drone").isEmpty();

            // The order followed its drone to ingest-2 and still reached its end, once, in order.
            await().atMost(90, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(500))
                .until(() -> !List.of("sent", "accepted", "in-progress").contains(command(commandId).get("state").asText()));
            final JsonNode done = command(commandId);
            assertThat(done.get("state").asText()).as(done.toString()).isEqualTo("completed");
            assertThat(done.get("transitions")).extracting(t -> t.get("state").asText())
                .containsExactly("issued", "sent", "accepted", "in-progress", "completed");
            assertThat(done.get("node").asText()).isEqualTo("ingest-2");
            orderId = Long.parseLong(commandId);
        }

        // Both archivers kept up through all of it: every drone archived, no row twice, and nothing left behind by
        // the first once its ingest node (and so its journal) stopped.
        await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(500)).until(() ->
            stack.metric("archiver-1", "odyssey_archiver_lag_entries") == 0 &&
            stack.metric("archiver-1", "odyssey_archiver_rows_total") > 0 &&
            stack.metric("archiver-2", "odyssey_archiver_rows_total") > 0);
        try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), "postgres", stack.dbPassword());
            Statement sql = db.createStatement();
            ResultSet row = sql.executeQuery(
                "SELECT count(*), count(DISTINCT (drone_id, seq)), count(DISTINCT drone_id) FROM telemetry"))
        {
            row.next();
            assertThat(row.getLong(1)).as("rows").isPositive().isEqualTo(row.getLong(2));
            assertThat(row.getLong(3)).as("drones archived").isEqualTo(DRONES);
        }
        // The order's transitions, journaled by the node that made each (ingest-1, then ingest-2), archived once each.
        final long archivedOrder = orderId;
        await().atMost(30, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(500)).until(() ->
        {
            try (Connection db = DriverManager.getConnection(stack.jdbcUrl(), "postgres", stack.dbPassword());
                Statement sql = db.createStatement();
                ResultSet row = sql.executeQuery("SELECT string_agg(state, ',' ORDER BY seq) " +
                    "FROM command_transitions WHERE command_id = " + archivedOrder))
            {
                row.next();
                return "issued,sent,accepted,in-progress,completed".equals(row.getString(1));
            }
        });
    }

    /**
     * What CI's Compose and kind jobs run against their stacks, tried here against this one: scripts/smoke-check. And
     * every series the alert rules and the Grafana dashboard select (deploy/monitoring) is one these processes export,
     * label values included, read from their real /metrics.
     */
    @Test
    void shouldPassTheSmokeCheckAndExportEverySeriesTheAlertsAndDashboardSelect() throws Exception
    {
        final DeploymentFiles.Output smoke = DeploymentFiles.execute(DeploymentFiles.ROOT,
            DeploymentFiles.ROOT.resolve("scripts/smoke-check").toString(), "--url", stack.gatewayUrl(""),
            "--token", stack.operatorToken(), "--drones", String.valueOf(DRONES), "--timeout", "120");
        assertThat(smoke.exitCode()).as(smoke.out() + smoke.err()).isZero();
        assertThat(smoke.out()).contains(DRONES + " drone(s) on /ws/fleet", "moved on");

        final List<PrometheusText.Sample> series = new ArrayList<>();
        for (final String role : stack.roleNames())
        {
            series.addAll(stack.metrics(role));   // none from a process the failover test killed
        }
        assertThat(series.stream().map(s -> s.labels().get("role")).collect(Collectors.toSet()))
            .as("every role answered /metrics")
            .containsExactlyInAnyOrder("grid-node", "edge-ingest", "ws-gateway", "simulator", "archiver");
        int selectors = 0;
        for (final Map<String, Object> expression : MonitoringFilesTest.selectors())
        {
            for (final Object item : DeploymentFiles.list(expression.get("selectors")))
            {
                final Map<String, Object> selector = DeploymentFiles.map(item);
                // This stack runs no MAVLink edge: its series' names are held to the code by MonitoringFilesTest only.
                if (String.valueOf(selector.get("name")).startsWith("odyssey_mavlink_"))
                {
                    continue;
                }
                assertThat(series).as("%s: %s", expression.get("where"), selector).anyMatch(s -> matches(selector, s));
                selectors++;
            }
        }
        assertThat(selectors).isGreaterThan(40);
    }

    /** A series matches a selector: its name, and every matcher on a label the process exports (not a target label). */
    private static boolean matches(final Map<String, Object> selector, final PrometheusText.Sample series)
    {
        if (!selector.get("name").equals(series.name()))
        {
            return false;
        }
        for (final Object item : DeploymentFiles.list(selector.get("matchers")))
        {
            final Map<String, Object> matcher = DeploymentFiles.map(item);
            final String label = (String)matcher.get("label");
            if (MonitoringFilesTest.TARGET_LABELS.contains(label))
            {
                continue;
            }
            final String value = series.labels().getOrDefault(label, "");
            final String wanted = (String)matcher.get("value");
            final boolean ok = switch ((String)matcher.get("op"))
            {
                case "=" -> value.equals(wanted);
                case "!=" -> !value.equals(wanted);
                case "=~" -> value.matches(wanted);
                case "!~" -> !value.matches(wanted);
                default -> throw new AssertionError("matcher " + matcher);
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    private static String order(final String body) throws Exception
    {
        final Http.Response response = stack.http().post(stack.gatewayUrl("/api/v1/commands"), stack.operatorToken(),
            body, Duration.ofSeconds(10));
        assertThat(response.status()).as(response.body()).isEqualTo(202);
        return JSON.readTree(response.body()).get("id").asText();
    }

    private static JsonNode command(final String id) throws Exception
    {
        return JSON.readTree(stack.http().get(stack.gatewayUrl("/api/v1/commands/" + id), stack.operatorToken(),
            Duration.ofSeconds(10)).body());
    }

    /** Every drone's sequence advances (and, when given, is heard by that ingest node) within a bounded time. */
    private static void assertFeedAdvancesForEveryDrone(final FleetWatcher client, final String node)
    {
        final Map<Long, Long> before = new HashMap<>(client.sequences());
        await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
        {
            assertThat(client.drones()).hasSize(DRONES);
            for (final Map.Entry<Long, Long> entry : before.entrySet())
            {
                final JsonNode now = client.drones().get(entry.getKey());
                assertThat(now.get("seq").asLong()).as("drone %d advances", entry.getKey()).isGreaterThan(entry.getValue());
                if (node != null)
                {
                    assertThat(now.get("node").asText()).as("drone %d heard by", entry.getKey()).isEqualTo(node);
                }
            }
        });
    }

    /** The fleet map's entries over every member that answers (a killed one does not). */
    private static long fleetEntries()
    {
        double owned = 0;
        for (final String member : stack.roleNames("grid-node"))
        {
            final double entries = stack.metric(member, "odyssey_grid_fleet_owned_entries");
            owned += Double.isNaN(entries) ? 0 : entries;
        }
        return (long)owned;
    }

    private static long gridMembers(final String member)
    {
        final double members = stack.metric(member, "odyssey_grid_members");
        return Double.isNaN(members) ? 0 : (long)members;
    }
}
