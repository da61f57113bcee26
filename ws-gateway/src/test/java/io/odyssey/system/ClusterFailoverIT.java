package io.odyssey.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.odyssey.gateway.TestClients;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Timeout;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The local cluster as `./odyssey cluster` runs it: three grid members, two ingest nodes, the gateway and the
 * simulator, each a separate JVM started from its jar and configured only by environment variables. Kills a grid
 * member with SIGKILL under load (no drone's state may be lost, the feed must go on, the member must be able to
 * rejoin), then an ingest node (its drones must move to the other node).
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class ClusterFailoverIT
{
    @TempDir
    static Path journals;

    private static final int DRONES = 120;
    private static final int BASE = 21_000 + (int)(Math.random() * 15_000);
    private static final int GRID_PORT = BASE;
    private static final int INGEST_PORT = BASE + 100;
    private static final int GATEWAY_PORT = BASE + 200;
    private static final int STATUS_BASE = BASE + 300;
    private static final int DB_PORT = BASE + 400;
    private static final String CLUSTER = "cluster-it-" + UUID.randomUUID();
    private static final Path ROOT = findRoot();
    private static final Path LOGS = ROOT.resolve("ws-gateway/target/cluster-it");
    private static final Map<String, Process> PROCESSES = new LinkedHashMap<>();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final String OPERATOR = "cluster-it-operator-0123456789";
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    @BeforeAll
    static void startCluster() throws Exception
    {
        Files.createDirectories(LOGS);
        for (int i = 0; i < 3; i++)
        {
            startGridMember(i);
        }
        for (int i = 0; i < 2; i++)
        {
            start("edge-ingest-" + (i + 1), "edge-ingest", Map.of(
                "ODYSSEY_INGEST_NODE_ID", "ingest-" + (i + 1),
                "ODYSSEY_INGEST_ENDPOINT", "127.0.0.1:" + (INGEST_PORT + i),
                "ODYSSEY_INGEST_STATUS_PORT", String.valueOf(STATUS_BASE + 1 + 10 * i),
                "ODYSSEY_INGEST_JOURNAL_DIR", journals.resolve("ingest-" + (i + 1)).toString()));
        }
        // One archiver per ingest node, on that node's journal; the first runs the embedded database, the second uses it.
        for (int i = 0; i < 2; i++)
        {
            start("archiver-" + (i + 1), "archiver", Map.of(
                "ODYSSEY_ARCHIVER_NAME", "archiver-ingest-" + (i + 1),
                "ODYSSEY_ARCHIVER_JOURNAL_DIR", journals.resolve("ingest-" + (i + 1)).toString(),
                "ODYSSEY_ARCHIVER_DB_URL", i == 0 ? "" : "jdbc:postgresql://127.0.0.1:" + DB_PORT + "/postgres",
                "ODYSSEY_ARCHIVER_EMBEDDED_DB_DIR", journals.resolve("postgres").toString(),
                "ODYSSEY_ARCHIVER_EMBEDDED_DB_PORT", String.valueOf(DB_PORT),
                "ODYSSEY_ARCHIVER_STATUS_PORT", String.valueOf(STATUS_BASE + 4 + 10 * i)));
        }
        start("ws-gateway", "ws-gateway", Map.of("ODYSSEY_GATEWAY_PORT", String.valueOf(GATEWAY_PORT),
            "ODYSSEY_GATEWAY_ANONYMOUS_ROLE", "viewer", "ODYSSEY_GATEWAY_TOKENS", "ops:operator:" + OPERATOR));
        start("simulator", "simulator", Map.of(
            "ODYSSEY_SIM_DRONES", String.valueOf(DRONES),
            "ODYSSEY_SIM_ENDPOINTS", "127.0.0.1:" + INGEST_PORT + ",127.0.0.1:" + (INGEST_PORT + 1),
            "ODYSSEY_SIM_STATUS_PORT", String.valueOf(STATUS_BASE + 3),
            "ODYSSEY_SIM_COMMAND_ENDPOINT", "127.0.0.1:0",
            // Flights three times faster than real time, so an order spans the ingest node's kill in seconds.
            "ODYSSEY_SIM_TIME_SCALE", "3"));
        await().atMost(120, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(500))
            .until(() -> status("http://127.0.0.1:" + GATEWAY_PORT + "/health") == 200);
    }

    @AfterAll
    static void stopCluster() throws Exception
    {
        final List<String> names = new ArrayList<>(PROCESSES.keySet());
        for (int i = names.size() - 1; i >= 0; i--)
        {
            final Process process = PROCESSES.get(names.get(i));
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
            }
        }
    }

    @Test
    void shouldLoseNoDroneWhenAGridMemberOrAnIngestNodeIsKilled() throws Exception
    {
        long orderId;
        try (TestClients.Client client = TestClients.connect(GATEWAY_PORT))
        {
            await().atMost(90, TimeUnit.SECONDS).until(() -> client.drones().size() == DRONES);
            await().atMost(30, TimeUnit.SECONDS).until(() -> fleetEntries() == DRONES);

            // kill -9 a grid member under load: backups are promoted, every drone's state survives.
            PROCESSES.get("grid-node-2").destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(500))
                .until(() -> gridMembers(0) == 2 && fleetEntries() == DRONES);
            assertFeedAdvancesForEveryDrone(client, null);

            // The killed member rejoins.
            startGridMember(1);
            await().atMost(60, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(500))
                .until(() -> gridMembers(0) == 3 && gridMembers(1) == 3 && fleetEntries() == DRONES);
            assertFeedAdvancesForEveryDrone(client, null);

            // An order in flight through ingest-1 when it dies: a drone it hears, sent 600 m away.
            final long droneId = client.drones().entrySet().stream()
                .filter(e -> "ingest-1".equals(e.getValue().get("node").asText()) &&
                    List.of("CRUISING", "HOVERING").contains(e.getValue().get("status").asText()) &&
                    e.getValue().get("bat").asDouble() > 60)
                .map(Map.Entry::getKey).findFirst().orElseThrow();
            final JsonNode drone = client.drones().get(droneId);
            final double lat = drone.get("lat").asDouble() + 600 / 111_320.0;
            final String commandId = order("{\"droneId\":" + droneId + ",\"type\":\"goto\",\"lat\":" + lat + ",\"lon\":" +
                drone.get("lon").asDouble() + ",\"alt\":50}");
            await().atMost(30, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(200))
                .until(() -> "in-progress".equals(command(commandId).get("state").asText()));

            // kill -9 an ingest node: its drones move to the other node (the simulator fails over).
            PROCESSES.get("edge-ingest-1").destroyForcibly().waitFor(10, TimeUnit.SECONDS);
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
            metric(STATUS_BASE + 4, "odyssey_archiver_lag_entries") == 0 &&
            metric(STATUS_BASE + 4, "odyssey_archiver_rows_total") > 0 &&
            metric(STATUS_BASE + 14, "odyssey_archiver_rows_total") > 0);
        try (java.sql.Connection db = java.sql.DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + DB_PORT + "/postgres", "postgres", "");
            java.sql.Statement sql = db.createStatement();
            java.sql.ResultSet row = sql.executeQuery(
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
            try (java.sql.Connection db = java.sql.DriverManager.getConnection(
                    "jdbc:postgresql://127.0.0.1:" + DB_PORT + "/postgres", "postgres", "");
                java.sql.Statement sql = db.createStatement();
                java.sql.ResultSet row = sql.executeQuery("SELECT string_agg(state, ',' ORDER BY seq) " +
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
        final DeploymentFiles.Output smoke = DeploymentFiles.execute(ROOT, ROOT.resolve("scripts/smoke-check").toString(),
            "--url", "http://127.0.0.1:" + GATEWAY_PORT, "--token", OPERATOR, "--drones", String.valueOf(DRONES),
            "--timeout", "120");
        assertThat(smoke.exitCode()).as(smoke.out() + smoke.err()).isZero();
        assertThat(smoke.out()).contains(DRONES + " drone(s) on /ws/fleet", "moved on");

        final List<Map<String, String>> series = new ArrayList<>();
        final List<Integer> ports = new ArrayList<>(List.of(GATEWAY_PORT));
        for (int i = 0; i < 3; i++)
        {
            ports.add(STATUS_BASE + 2 + 10 * i);
        }
        ports.addAll(List.of(STATUS_BASE + 1, STATUS_BASE + 11, STATUS_BASE + 3, STATUS_BASE + 4, STATUS_BASE + 14));
        for (final int port : ports)
        {
            series.addAll(scrape(port));
        }
        final Set<String> roles = series.stream().map(s -> s.get("role")).collect(Collectors.toSet());
        assertThat(roles).as("every role answered /metrics")
            .containsExactlyInAnyOrder("grid-node", "edge-ingest", "ws-gateway", "simulator", "archiver");
        int selectors = 0;
        for (final Map<String, Object> expression : MonitoringFilesTest.selectors())
        {
            for (final Object item : DeploymentFiles.list(expression.get("selectors")))
            {
                final Map<String, Object> selector = DeploymentFiles.map(item);
                assertThat(series).as("%s: %s", expression.get("where"), selector)
                    .anyMatch(s -> matches(selector, s));
                selectors++;
            }
        }
        assertThat(selectors).isGreaterThan(40);
    }

    /** A series matches a selector: its name, and every matcher on a label the process exports (not a target label). */
    private static boolean matches(final Map<String, Object> selector, final Map<String, String> series)
    {
        if (!selector.get("name").equals(series.get("__name__")))
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
            final String value = series.getOrDefault(label, "");
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

    /** Every series of a process's /metrics as its labels plus __name__; none when it does not answer. */
    private static List<Map<String, String>> scrape(final int port)
    {
        final List<Map<String, String>> series = new ArrayList<>();
        final String body;
        try
        {
            body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
        }
        catch (final Exception ex)
        {
            return series;   // a process killed by the failover test
        }
        final Pattern line = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? \\S+");
        final Pattern label = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"");
        for (final String text : body.split("\n"))
        {
            final Matcher m = line.matcher(text);
            if (text.startsWith("#") || !m.matches())
            {
                continue;
            }
            final Map<String, String> labels = new HashMap<>();
            labels.put("__name__", m.group(1));
            if (m.group(2) != null)
            {
                final Matcher l = label.matcher(m.group(2));
                while (l.find())
                {
                    labels.put(l.group(1), l.group(2));
                }
            }
            series.add(labels);
        }
        return series;
    }

    private static String order(final String body) throws Exception
    {
        final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + GATEWAY_PORT + "/api/v1/commands"))
            .header("Authorization", "Bearer " + OPERATOR).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return JSON.readTree(response.body()).get("id").asText();
    }

    private static JsonNode command(final String id) throws Exception
    {
        return JSON.readTree(HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + GATEWAY_PORT + "/api/v1/commands/" + id))
            .header("Authorization", "Bearer " + OPERATOR).GET().build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    /** Every drone's sequence advances (and, when given, is heard by that ingest node) within a bounded time. */
    private static void assertFeedAdvancesForEveryDrone(final TestClients.Client client, final String node)
    {
        final Map<Long, Long> before = new HashMap<>();
        client.drones().forEach((id, drone) -> before.put(id, drone.get("seq").asLong()));
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

    private static void startGridMember(final int index) throws IOException
    {
        start("grid-node-" + (index + 1), "grid-node", Map.of(
            "ODYSSEY_GRID_PORT", String.valueOf(GRID_PORT + index),
            "ODYSSEY_GRID_STATUS_PORT", String.valueOf(STATUS_BASE + 2 + 10 * index)));
    }

    private static void start(final String name, final String module, final Map<String, String> env) throws IOException
    {
        final ProcessBuilder builder = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m", "-jar",
            ROOT.resolve(module + "/target/odyssey-" + module + ".jar").toString());
        builder.environment().keySet().removeIf(key -> key.startsWith("ODYSSEY_"));
        builder.environment().put("ODYSSEY_GRID_CLUSTER", CLUSTER);
        builder.environment().put("ODYSSEY_GRID_MEMBERS",
            "127.0.0.1:" + GRID_PORT + ",127.0.0.1:" + (GRID_PORT + 1) + ",127.0.0.1:" + (GRID_PORT + 2));
        builder.environment().putAll(env);
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(LOGS.resolve(name + ".log").toFile()));
        PROCESSES.put(name, builder.start());
    }

    private static long fleetEntries() throws Exception
    {
        long owned = 0;
        for (int i = 0; i < 3; i++)
        {
            owned += metric(STATUS_BASE + 2 + 10 * i, "odyssey_grid_fleet_owned_entries");
        }
        return owned;
    }

    private static long gridMembers(final int index) throws Exception
    {
        return metric(STATUS_BASE + 2 + 10 * index, "odyssey_grid_members");
    }

    /** A gauge from a process's /metrics; 0 when the process does not answer (it may be the one killed). */
    private static long metric(final int port, final String name)
    {
        try
        {
            final String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
            for (final String line : body.split("\n"))
            {
                if (line.startsWith(name + "{"))
                {
                    return (long)Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return 0;
        }
        catch (final Exception ex)
        {
            return 0;
        }
    }

    private static int status(final String url)
    {
        try
        {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
        }
        catch (final Exception ex)
        {
            return 0;
        }
    }

    private static Path findRoot()
    {
        File dir = new File("").getAbsoluteFile();
        while (dir != null && !new File(dir, "odyssey").isFile())
        {
            dir = dir.getParentFile();
        }
        if (dir == null)
        {
            throw new IllegalStateException("run from inside the repository");
        }
        return dir.toPath();
    }
}
