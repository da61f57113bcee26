package io.odyssey.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
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
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway with real parts: a real Hazelcast member holding the fleet map (written directly here, as ingest
 * would), a real gateway, real WebSocket clients and real HTTP.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GatewayIT
{
    private static final String CLUSTER = "gateway-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);
    private static final AtomicLong NEXT_DRONE = new AtomicLong(1);

    private static HazelcastInstance member;
    private static IMap<Long, DroneState> fleet;
    private static Gateway gateway;
    private static Gateway immediateGateway;

    @BeforeAll
    static void start() throws Exception
    {
        member = FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER, "127.0.0.1", GRID_PORT, List.of("127.0.0.1:" + GRID_PORT), 1));
        fleet = FleetGrid.fleetMap(member);
        fleet.set(0L, state(0, 1, 10.0, 10.0));
        gateway = Gateway.launch(config(16));
        final GatewayConfig immediate = config(0);
        // Short enough for the test of closing a stalled client; its other client reads promptly.
        immediate.stallTimeoutMs = 1_000;
        immediateGateway = Gateway.launch(immediate);
    }

    @AfterAll
    static void stop()
    {
        if (immediateGateway != null)
        {
            immediateGateway.close();
        }
        if (gateway != null)
        {
            gateway.close();
        }
        if (member != null)
        {
            member.shutdown();
        }
    }

    @Test
    void shouldCountTheThreadsThatRunItsFleetListenerAsItsOwnCpu()
    {
        final long id = NEXT_DRONE.getAndIncrement();
        fleet.set(id, new DroneState(id, 1, 1, 2, 3, 1.0, 1.0, 10f, 90f, 5f, 0f, 80f, "CRUISING", 0, "n"));
        await().atMost(java.time.Duration.ofSeconds(30)).until(() -> gateway.fleetSize() > 0 && immediateGateway.fleetSize() > 0);

        // The gateway's listener ran on its grid client's event threads: every thread of that client is the gateway's,
        // whatever Hazelcast prefixes its name with.
        final java.util.List<String> gridClientThreads = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
            .filter(name -> name.matches("(hz\\.)?ws-gateway-[0-9a-f]+\\..*")).toList();
        assertThat(gridClientThreads).anyMatch(name -> name.contains(".event-"));
        assertThat(gridClientThreads.stream().filter(name -> gateway.ownsThread(name) == immediateGateway.ownsThread(name)))
            .as("each grid client thread is one gateway's").isEmpty();
        // One event thread per gateway by default (ODYSSEY_GATEWAY_GRID_EVENT_THREADS): a burst of drone updates wakes
        // one thread rather than five, which cut the gateway's CPU per update (docs/performance.md).
        assertThat(gridClientThreads.stream().filter(name -> name.contains(".event-") && gateway.ownsThread(name)))
            .hasSize(GatewayConfig.GRID_EVENT_THREADS.intValue());
    }

    @Test
    void shouldKeepAgeingTheNewestStateAfterOneDatedDaysAhead() throws Exception
    {
        final long futureBefore = metric(gateway.port(), "odyssey_gateway_future_states_total");
        final long id = NEXT_DRONE.getAndIncrement();
        final long inThreeDays = System.currentTimeMillis() * 1_000_000L + java.util.concurrent.TimeUnit.DAYS.toNanos(3);
        fleet.set(id, new DroneState(id, 1, inThreeDays, inThreeDays, inThreeDays, 1.0, 1.0, 10f, 90f, 5f, 0f, 80f,
            "CRUISING", 0, "n"));
        await().atMost(java.time.Duration.ofSeconds(30)).until(
            () -> metric(gateway.port(), "odyssey_gateway_future_states_total") == futureBefore + 1);

        // Nothing else is sent: the age must grow from the state's arrival, not stay 0 until its send time comes.
        await().atMost(java.time.Duration.ofSeconds(30)).until(
            () -> metric(gateway.port(), "odyssey_gateway_newest_state_age_seconds") >= 2);
    }

    static GatewayConfig config(final long coalesceMs)
    {
        final GatewayConfig config = new GatewayConfig();
        // These tests are about reading the fleet, not access control (see CommandApiIT): anonymous viewers.
        config.anonymousRole = "viewer";
        config.clusterName = CLUSTER;
        config.gridMembers = List.of("127.0.0.1:" + GRID_PORT);
        config.port = 0;
        config.coalesceMs = coalesceMs;
        config.maxPendingBytes = 64 * 1024;
        config.stallTimeoutMs = 60_000;
        return config;
    }

    @Test
    void shouldGreetWithHelloThenASnapshotOfTheFleet() throws Exception
    {
        try (FleetClient client = FleetClient.connect(gateway.port()))
        {
            final JsonNode hello = client.awaitType("hello");
            assertThat(hello.get("protocol").asInt()).isEqualTo(1);
            assertThat(hello.get("coalesceMs").asInt()).isEqualTo(16);
            final JsonNode snapshot = client.awaitType("snapshot");
            assertThat(snapshot.get("bbox").isNull()).isTrue();
            assertThat(client.drones).containsKey(0L);
            final JsonNode drone = client.drones.get(0L);
            assertThat(drone.get("lat").asDouble()).isEqualTo(10.0);
            assertThat(drone.get("status").asText()).isEqualTo("CRUISING");
            assertThat(drone.get("sentAtNs").isTextual()).isTrue();
        }
    }

    @Test
    void shouldPushChangesWithTheirSequenceAndEveryHopTimestamp() throws Exception
    {
        final long id = NEXT_DRONE.getAndIncrement() + 100;
        try (FleetClient client = FleetClient.connect(gateway.port()))
        {
            client.awaitType("snapshot");
            for (int seq = 1; seq <= 5; seq++)
            {
                fleet.set(id, state(id, seq, 20.0 + seq, 20.0));
            }
            await().atMost(10, TimeUnit.SECONDS).until(() -> client.drones.containsKey(id) &&
                client.drones.get(id).get("seq").asLong() == 5);
            final JsonNode drone = client.drones.get(id);
            assertThat(drone.get("lat").asDouble()).isEqualTo(25.0);
            final long sent = Long.parseLong(drone.get("sentAtNs").asText());
            final long gatewayNs = Long.parseLong(drone.get("gatewayNs").asText());
            assertThat(Long.parseLong(drone.get("ingestNs").asText())).isEqualTo(sent + 1);
            assertThat(Long.parseLong(drone.get("gridNs").asText())).isEqualTo(sent + 2);
            assertThat(gatewayNs).isGreaterThan(sent);
            assertThat(client.sequenceViolations).isEmpty();
        }
    }

    @Test
    void shouldSendOnlyDronesInsideTheSubscribedBoxAndRemoveThoseThatLeave() throws Exception
    {
        final long inside = NEXT_DRONE.getAndIncrement() + 200;
        final long outside = NEXT_DRONE.getAndIncrement() + 200;
        fleet.set(inside, state(inside, 1, -33.5, 151.0));
        fleet.set(outside, state(outside, 1, 48.0, 2.0));
        try (FleetClient client = FleetClient.connect(gateway.port()))
        {
            client.awaitType("snapshot");
            client.send("{\"type\":\"subscribe\",\"bbox\":[150.0,-34.0,152.0,-33.0]}");
            final JsonNode snapshot = client.awaitType("snapshot");
            assertThat(snapshot.get("bbox").get(0).asDouble()).isEqualTo(150.0);
            assertThat(client.drones.keySet()).containsExactly(inside);

            fleet.set(outside, state(outside, 2, 48.1, 2.1));
            fleet.set(inside, state(inside, 2, -33.6, 151.1));
            await().atMost(10, TimeUnit.SECONDS).until(() -> client.drones.get(inside).get("seq").asLong() == 2);
            assertThat(client.drones).doesNotContainKey(outside);

            fleet.set(inside, state(inside, 3, 10.0, 10.0));
            final JsonNode removal = client.await(m -> m.path("removed").size() > 0, 10_000);
            assertThat(removal.get("removed").get(0).asLong()).isEqualTo(inside);
            assertThat(client.drones).isEmpty();

            fleet.set(outside, state(outside, 3, -33.2, 150.5));
            await().atMost(10, TimeUnit.SECONDS).until(() -> client.drones.containsKey(outside));
        }
    }

    @Test
    void shouldReportDronesRemovedFromTheFleetMap() throws Exception
    {
        final long id = NEXT_DRONE.getAndIncrement() + 250;
        fleet.set(id, state(id, 1, 30.0, 30.0));
        try (FleetClient client = FleetClient.connect(gateway.port()))
        {
            client.awaitType("snapshot");
            await().atMost(10, TimeUnit.SECONDS).until(() -> client.drones.containsKey(id));

            fleet.delete(id);

            final JsonNode removal = client.await(m -> m.path("removed").size() > 0, 10_000);
            assertThat(removal.get("removed").get(0).asLong()).isEqualTo(id);
            assertThat(client.drones).doesNotContainKey(id);
        }
    }

    @Test
    void shouldCoalesceRapidChangesIntoFewerFramesCarryingTheNewestState() throws Exception
    {
        final long id = NEXT_DRONE.getAndIncrement() + 300;
        try (FleetClient client = FleetClient.connect(gateway.port()))
        {
            client.awaitType("snapshot");
            final int before = client.changeFrames.get();
            for (int seq = 1; seq <= 50; seq++)
            {
                fleet.setAsync(id, state(id, seq, 1.0 + seq / 100.0, 1.0));
            }
            await().atMost(10, TimeUnit.SECONDS).until(() -> client.drones.containsKey(id) &&
                client.drones.get(id).get("seq").asLong() == 50);
            assertThat(client.changeFrames.get() - before).as("frames for 50 changes").isLessThan(25);
            assertThat(client.sequenceViolations).isEmpty();
        }
    }

    @Test
    void shouldSendEachChangeAtOnceWhenCoalescingIsOff() throws Exception
    {
        final long id = NEXT_DRONE.getAndIncrement() + 400;
        try (FleetClient client = FleetClient.connect(immediateGateway.port()))
        {
            client.awaitType("snapshot");
            for (int seq = 1; seq <= 10; seq++)
            {
                fleet.set(id, state(id, seq, 2.0, 2.0 + seq / 100.0));
                final int expected = seq;
                await().atMost(5, TimeUnit.SECONDS).pollInterval(1, TimeUnit.MILLISECONDS).until(() ->
                    client.drones.containsKey(id) && client.drones.get(id).get("seq").asLong() == expected);
            }
            assertThat(client.sequenceViolations).isEmpty();
        }
    }

    @Test
    void shouldAnswerGarbageWithAnErrorAndStayConnected() throws Exception
    {
        try (FleetClient client = FleetClient.connect(gateway.port()))
        {
            client.awaitType("snapshot");
            client.send("this is not json");
            assertThat(client.awaitType("error").get("code").asText()).isEqualTo("BAD_JSON");
            client.send("{\"type\":\"launch-missiles\"}");
            assertThat(client.awaitType("error").get("code").asText()).isEqualTo("UNKNOWN_TYPE");
            client.send("{\"type\":\"subscribe\",\"bbox\":[10,20,30]}");
            assertThat(client.awaitType("error").get("code").asText()).isEqualTo("BAD_BBOX");
            client.send("{\"type\":\"subscribe\",\"bbox\":[0,50,10,40]}");
            assertThat(client.awaitType("error").get("message").asText()).contains("south < north");
            client.send("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(70_000) + "\"}");
            assertThat(client.awaitType("error").get("code").asText()).isEqualTo("TOO_LARGE");
            // Far beyond the limit: read and discarded as it arrives, answered, and the connection stays.
            client.send("{\"type\":\"ping\",\"pad\":\"" + "y".repeat(2_000_000) + "\"}");
            assertThat(client.awaitType("error").get("code").asText()).isEqualTo("TOO_LARGE");
            client.sendBinary(new byte[]{1, 2, 3});
            final JsonNode binary = client.awaitType("error");
            assertThat(binary.get("code").asText()).isEqualTo("BAD_JSON");
            assertThat(binary.get("message").asText()).contains("binary");
            client.send("{\"type\":\"subscribe\"}");
            assertThat(client.awaitType("error").get("code").asText()).isEqualTo("BAD_BBOX");

            client.send("{\"type\":\"ping\"}");
            assertThat(client.awaitType("pong").get("serverTimeMs").asLong()).isPositive();
            client.send("{\"type\":\"subscribe\",\"bbox\":null}");
            assertThat(client.awaitType("snapshot").get("drones").size()).isPositive();
            assertThat(client.isOpen()).isTrue();
        }
        final String metrics = gateway.metrics().renderPrometheus();
        assertThat(metrics).contains("odyssey_ws_client_errors_total{role=\"ws-gateway\",code=\"TOO_LARGE\"}");
        assertThat(metric(gateway.port(), "odyssey_ws_client_errors_total", "code=\"TOO_LARGE\"")).isGreaterThanOrEqualTo(2);
        assertThat(metric(gateway.port(), "odyssey_ws_client_errors_total", "code=\"BAD_JSON\"")).isGreaterThanOrEqualTo(2);
    }

    @Test
    void shouldBoundWhatASlowClientCostsAndKeepServingTheOthers() throws Exception
    {
        final long base = 1_000_000;
        try (FleetClient stalled = FleetClient.connect(gateway.port(), 3);
            FleetClient healthy = FleetClient.connect(gateway.port()))
        {
            healthy.awaitType("snapshot");
            final long skippedBefore = gateway.framesSkipped();
            // ~2,000 drones changing for a few seconds: far more than the stalled client's socket buffers hold.
            long maxPending = 0;
            for (int round = 1; round <= 40; round++)
            {
                final java.util.Map<Long, DroneState> batch = new java.util.HashMap<>();
                for (long id = base; id < base + 2_000; id++)
                {
                    batch.put(id, state(id, round, 5.0 + id % 100 / 1000.0, 5.0));
                }
                fleet.setAll(batch);
                maxPending = Math.max(maxPending, metric(gateway.port(), "odyssey_ws_max_pending_bytes"));
            }
            await().atMost(20, TimeUnit.SECONDS).until(() -> gateway.framesSkipped() > skippedBefore);
            await().atMost(20, TimeUnit.SECONDS).until(() -> healthy.drones.containsKey(base + 1_999) &&
                healthy.drones.get(base + 1_999).get("seq").asLong() == 40);
            maxPending = Math.max(maxPending, gateway.maxPendingBytes());
            assertThat(metric(gateway.port(), "odyssey_ws_frames_skipped_total")).isPositive();
            // Bounded: the limit plus at most one frame in flight (2,000 drones of ~330 characters).
            assertThat(maxPending).isLessThan(64 * 1024 + 2_000 * 400);
            assertThat(healthy.sequenceViolations).isEmpty();
        }
        finally
        {
            final java.util.Set<Long> ids = new java.util.HashSet<>();
            for (long id = base; id < base + 2_000; id++)
            {
                ids.add(id);
            }
            fleet.executeOnKeys(ids, entry -> { entry.setValue(null); return null; });
        }
    }

    @Test
    void shouldCloseAClientThatStaysBehindLongerThanTheStallTimeout() throws Exception
    {
        final long base = 2_000_000;
        final long closedBefore = metric(immediateGateway.port(), "odyssey_ws_clients_closed_slow_total");
        try (FleetClient stalled = FleetClient.connect(immediateGateway.port(), 3);
            FleetClient healthy = FleetClient.connect(immediateGateway.port()))
        {
            healthy.awaitType("snapshot");
            await().atMost(10, TimeUnit.SECONDS).until(() -> immediateGateway.clientCount() == 2);
            final long[] round = {0};
            await().atMost(30, TimeUnit.SECONDS).pollInterval(50, TimeUnit.MILLISECONDS).until(() ->
            {
                round[0]++;
                final java.util.Map<Long, DroneState> batch = new java.util.HashMap<>();
                for (long id = base; id < base + 2_000; id++)
                {
                    batch.put(id, state(id, round[0], 6.0 + id % 100 / 1000.0, 6.0));
                }
                fleet.setAll(batch);
                return metric(immediateGateway.port(), "odyssey_ws_clients_closed_slow_total") > closedBefore;
            });
            // Dropped after the close grace period even though it never reads the close frame; the other stays.
            await().atMost(10, TimeUnit.SECONDS).until(() -> immediateGateway.clientCount() == 1);
            final long last = round[0];
            await().atMost(10, TimeUnit.SECONDS).until(() -> healthy.drones.containsKey(base + 1_999) &&
                healthy.drones.get(base + 1_999).get("seq").asLong() == last);
            assertThat(healthy.isOpen()).isTrue();
            assertThat(healthy.sequenceViolations).isEmpty();
        }
        finally
        {
            final java.util.Set<Long> ids = new java.util.HashSet<>();
            for (long id = base; id < base + 2_000; id++)
            {
                ids.add(id);
            }
            fleet.executeOnKeys(ids, entry -> { entry.setValue(null); return null; });
        }
    }

    @Test
    void shouldServeHealthMetricsConfigAndTheDashboard() throws Exception
    {
        final HttpClient http = HttpClient.newHttpClient();
        final HttpResponse<String> health = get(http, gateway.port(), "/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"", "\"fleet-feed\":{\"healthy\":true");
        assertThat(get(http, gateway.port(), "/health/ready").body()).isEqualTo(health.body());
        final HttpResponse<String> live = get(http, gateway.port(), "/health/live");
        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.body()).contains("\"fan-out\":{\"healthy\":true").doesNotContain("grid", "fleet-feed");

        final String metrics = get(http, gateway.port(), "/metrics").body();
        assertThat(metrics).contains("odyssey_ws_frames_sent_total", "odyssey_gateway_events_total",
            "odyssey_hop_latency_seconds_count{role=\"ws-gateway\",hop=\"gateway_received\"}");

        assertThat(metrics).contains("odyssey_ws_clients{", "odyssey_ws_max_pending_bytes{", "odyssey_gateway_fleet_size{",
            "odyssey_ws_connections_total{", "odyssey_ws_bytes_sent_total{", "odyssey_ws_frames_skipped_total{",
            "odyssey_ws_clients_closed_slow_total{", "odyssey_ws_client_errors_total{");

        final HttpResponse<String> configResponse = get(http, gateway.port(), "/config.json");
        assertThat(configResponse.headers().firstValue("Cache-Control")).hasValue("no-cache");
        final JsonNode config = FleetClient.JSON.readTree(configResponse.body());
        assertThat(config.get("tileUrl").isNull()).isTrue();
        assertThat(config.get("tileAttribution").asText()).isEmpty();
        assertThat(config.get("wsPath").asText()).isEqualTo("/ws/fleet");
        assertThat(config.get("coalesceMs").asInt()).isEqualTo(16);

        final HttpResponse<String> index = get(http, gateway.port(), "/");
        assertThat(index.statusCode()).isEqualTo(200);
        assertThat(index.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(index.body()).contains("<div id=\"root\">");
        final java.util.regex.Matcher script = java.util.regex.Pattern.compile("src=\"\\.?(/assets/[^\"]+\\.js)\"").matcher(index.body());
        assertThat(script.find()).as("index.html names its script").isTrue();
        final HttpResponse<String> asset = get(http, gateway.port(), script.group(1));
        assertThat(asset.statusCode()).isEqualTo(200);
        assertThat(asset.headers().firstValue("Cache-Control")).hasValue("public, max-age=31536000, immutable");
        // Folders are not pages (the first answered 200 with an empty body, the second 403).
        for (final String folder : List.of("/assets", "/assets/", "/assets/../assets"))
        {
            assertThat(get(http, gateway.port(), folder).statusCode()).as(folder).isEqualTo(404);
        }
    }

    @Test
    void shouldTellBrowsersWhatTheDashboardMayLoadOnEveryResponse() throws Exception
    {
        final HttpClient http = HttpClient.newHttpClient();
        final HttpResponse<String> index = get(http, gateway.port(), "/");
        final List<HttpResponse<String>> responses = new java.util.ArrayList<>(List.of(index,
            get(http, gateway.port(), "/config.json"), get(http, gateway.port(), "/api/v1/drones"),
            get(http, gateway.port(), "/no-such-page"), get(http, gateway.port(), "/health")));
        final java.util.regex.Matcher script = java.util.regex.Pattern.compile("src=\"\\.?(/assets/[^\"]+\\.js)\"").matcher(index.body());
        if (script.find())
        {
            // The built dashboard's script, when the UI was built (without npm the index is the "not built" page).
            responses.add(get(http, gateway.port(), script.group(1)));
        }
        for (final HttpResponse<String> response : responses)
        {
            final String where = response.uri().getPath() + " " + response.statusCode();
            final String policy = response.headers().firstValue("Content-Security-Policy").orElse("");
            assertThat(policy).as(where).contains("default-src 'none'", "script-src 'self';", "connect-src 'self';",
                "worker-src 'self' blob:", "img-src 'self' data: blob:;", "frame-ancestors 'none'")
                .doesNotContain("unsafe-inline", "unsafe-eval", "5173");
            assertThat(response.headers().firstValue("X-Content-Type-Options")).as(where).hasValue("nosniff");
            assertThat(response.headers().firstValue("Referrer-Policy")).as(where).hasValue("no-referrer");
            assertThat(response.headers().firstValue("X-Frame-Options")).as(where).hasValue("DENY");
        }
    }

    static HttpResponse<String> get(final HttpClient http, final int port, final String path) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            HttpResponse.BodyHandlers.ofString());
    }

    private static long metric(final int port, final String name) throws Exception
    {
        return metric(port, name, "");
    }

    /** A metric's value as served at /metrics, from the line whose labels contain {@code label}. */
    static long metric(final int port, final String name, final String label) throws Exception
    {
        return metric(port, name, label, null);
    }

    /** The same, asked with a token: /metrics answers viewers only (anonymous callers too where they are viewers). */
    static long metric(final int port, final String name, final String label, final String token) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"));
        if (token != null)
        {
            request.header("Authorization", "Bearer " + token);
        }
        final String body = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString()).body();
        for (final String line : body.split("\n"))
        {
            if (line.startsWith(name + "{") && line.contains(label))
            {
                return (long)Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no metric " + name + " " + label);
    }

    static DroneState state(final long id, final long sequence, final double latitude, final double longitude)
    {
        final long sent = System.currentTimeMillis() * 1_000_000L;
        return new DroneState(id, sequence, sent, sent + 1, sent + 2, latitude, longitude, 50f, 90f, 10f, 0f, 80f,
            "CRUISING", 8, "test-ingest");
    }

    @Test
    void shouldSayHowManyRequestsItCutOffWhenAClientHoldsOneOpenAcrossTheStop() throws Exception
    {
        final Gateway stopping = Gateway.launch(config(16));
        final String logged;
        try (java.net.Socket slowBody = new java.net.Socket("127.0.0.1", stopping.port()))
        {
            // Headers promise a body that never comes: the exchange stays open until the stop cuts it off.
            slowBody.getOutputStream().write(("POST /api/v1/commands HTTP/1.1\r\nHost: x\r\n" +
                "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            slowBody.getOutputStream().flush();
            await().atMost(java.time.Duration.ofSeconds(30)).until(() -> stopping.requestsInFlight() == 1);
            logged = LoggedOutput.during(stopping::close);
        }
        assertThat(logged).contains("1 request(s) still in flight after 2000 ms: cut off by the stop");
    }
}
