package io.odyssey.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.grid.ActiveAlert;
import io.odyssey.grid.FleetGrid;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 10, item 3: clients that are slow on purpose, on raw sockets against a real gateway. A body announced and never
 * sent must not hold a worker thread (it held all four, and every authenticated call and handshake with them); headers
 * that never finish, connections that say nothing and bodies that stop halfway are closed by the server within their
 * timeouts; a body above the cap is refused with 413 without being read; and a WebSocket that is quiet but alive is
 * not mistaken for a dead one.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GatewaySlowClientsIT
{
    private static final String CLUSTER = "gateway-slow-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);
    private static final String VIEWER = "slow-viewer-0123456789";
    private static final String OPERATOR = "slow-operator-0123456789";
    private static final int WORKERS = 4;
    /** What "does not delay" means on a loaded two-core machine: far below any timeout that could free a worker. */
    private static final Duration ANSWER_BOUND = Duration.ofSeconds(5);
    /** Timeouts of the strict gateway; the margin covers a loaded machine's scheduling. */
    private static final int PARSE_TIMEOUT_MS = 1_000;
    private static final int NO_REQUEST_TIMEOUT_MS = 2_000;
    private static final int READ_TIMEOUT_MS = 2_000;
    private static final int MARGIN_MS = 4_000;
    private static final int MAX_BODY_BYTES = 8_192;

    private static HazelcastInstance member;
    /** Timeouts far longer than the tests: only the non-blocking body reads can keep the API answering. */
    private static Gateway patient;
    /** Short timeouts, to see the server close what clients leave hanging. */
    private static Gateway strict;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(ANSWER_BOUND).build();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeAll
    static void start() throws Exception
    {
        member = FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER, "127.0.0.1", GRID_PORT, List.of("127.0.0.1:" + GRID_PORT), 1));
        final GatewayConfig patientConfig = config();
        patientConfig.readTimeoutMs = 120_000;
        patientConfig.noRequestTimeoutMs = 120_000;
        patientConfig.requestParseTimeoutMs = 120_000;
        patient = Gateway.launch(patientConfig);
        final GatewayConfig strictConfig = config();
        strictConfig.requestParseTimeoutMs = PARSE_TIMEOUT_MS;
        strictConfig.noRequestTimeoutMs = NO_REQUEST_TIMEOUT_MS;
        strictConfig.readTimeoutMs = READ_TIMEOUT_MS;
        strictConfig.pingIntervalMs = 500;
        strictConfig.maxHeaderBytes = 4_096;
        strict = Gateway.launch(strictConfig);
    }

    private static GatewayConfig config()
    {
        final GatewayConfig config = GatewayIT.config(16);
        config.clusterName = CLUSTER;
        config.gridMembers = List.of("127.0.0.1:" + GRID_PORT);
        config.anonymousRole = "none";
        config.tokens = List.of("wall:viewer:" + VIEWER, "ops:operator:" + OPERATOR);
        config.workerThreads = WORKERS;
        config.maxBodyBytes = MAX_BODY_BYTES;
        return config;
    }

    @AfterAll
    static void stop()
    {
        for (final Gateway gateway : new Gateway[]{patient, strict})
        {
            if (gateway != null)
            {
                gateway.close();
            }
        }
        if (member != null)
        {
            member.shutdown();
        }
    }

    @Test
    void shouldAnswerRestAndHandshakesWhileClientsHoldBodiesTheyNeverSend() throws Exception
    {
        final int port = patient.port();
        final long incompleteBefore = bodiesRefused(port, "reason=\"incomplete\"");
        final List<RawClient> slow = new ArrayList<>();
        try
        {
            for (int i = 0; i < WORKERS * 3; i++)
            {
                final RawClient client = RawClient.connect(port, 10_000);
                // Within the cap, so the gateway waits for it.
                client.write("POST /api/v1/commands HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + OPERATOR +
                    "\r\nContent-Type: application/json\r\nContent-Length: " + (MAX_BODY_BYTES - 1) + "\r\n\r\n");
                slow.add(client);
            }
            // Let the gateway take them all up (authenticated, waiting for their bodies).
            await().atMost(10, TimeUnit.SECONDS).until(() ->
                GatewayIT.metric(port, "odyssey_gateway_http_connections", "", VIEWER) >= WORKERS * 3);

            final long started = System.nanoTime();
            final HttpResponse<String> whoami = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port +
                "/api/v1/whoami")).header("Authorization", "Bearer " + VIEWER).timeout(ANSWER_BOUND).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(whoami.statusCode()).isEqualTo(200);
            final HttpResponse<String> posted = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port +
                "/api/v1/commands")).header("Authorization", "Bearer " + OPERATOR).timeout(ANSWER_BOUND)
                .POST(HttpRequest.BodyPublishers.ofString("{\"droneId\":1,\"type\":\"no-such-order\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(posted.statusCode()).as("a body that does arrive is read and judged").isEqualTo(400);
            try (FleetClient browser = FleetClient.connect(port, Integer.MAX_VALUE, "/ws/fleet", VIEWER))
            {
                assertThat(browser.await(m -> "hello".equals(m.path("type").asText()), ANSWER_BOUND.toMillis())).isNotNull();
            }
            System.out.printf("REST, a body and a handshake answered in %d ms beside %d clients holding bodies%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), slow.size());
        }
        finally
        {
            slow.forEach(RawClient::close);
        }
        await().atMost(10, TimeUnit.SECONDS).until(() ->
            bodiesRefused(port, "reason=\"incomplete\"") >=
                incompleteBefore + WORKERS * 3);
    }

    @Test
    void shouldRefuseABodyAboveTheCapWith413WithoutReadingIt() throws Exception
    {
        final int port = patient.port();
        final long refusedBefore = bodiesRefused(port, "reason=\"too_large\"");
        try (RawClient announced = RawClient.connect(port, 10_000))
        {
            // Announced above the cap: answered at once, though not one byte of the body was sent.
            announced.write("POST /api/v1/commands HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + OPERATOR +
                "\r\nContent-Type: application/json\r\nContent-Length: 2000000000\r\n\r\n");
            final String response = announced.readResponse();
            assertThat(response).startsWith("HTTP/1.1 413").contains("application/problem+json")
                .contains("larger than " + MAX_BODY_BYTES + " bytes");
        }
        try (RawClient chunked = RawClient.connect(port, 10_000))
        {
            // No length announced: refused once the chunks that did arrive pass the cap.
            chunked.write("POST /api/v1/commands HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + OPERATOR +
                "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            final String chunk = " ".repeat(4_000);
            for (int i = 0; i < 3; i++)
            {
                chunked.write(Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
            }
            assertThat(chunked.readResponse()).startsWith("HTTP/1.1 413").contains("application/problem+json");
        }
        final String atTheCap = padded("{\"droneId\":1,\"type\":\"no-such-order\"}", MAX_BODY_BYTES);
        final HttpResponse<String> judged = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port +
            "/api/v1/commands")).header("Authorization", "Bearer " + OPERATOR).timeout(ANSWER_BOUND)
            .POST(HttpRequest.BodyPublishers.ofString(atTheCap)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(judged.statusCode()).as("a body of exactly the cap is read").isEqualTo(400);
        assertThat(bodiesRefused(port, "reason=\"too_large\""))
            .isEqualTo(refusedBefore + 2);
    }

    @Test
    void shouldCloseConnectionsWhoseHeadersOrBodiesNeverFinishWithinTheirTimeouts() throws Exception
    {
        final int port = strict.port();
        final long incompleteBefore = bodiesRefused(port, "reason=\"incomplete\"");
        final List<Future<Long>> closings = new ArrayList<>();
        // Headers begun and never finished.
        for (int i = 0; i < 100; i++)
        {
            closings.add(closedAfter(port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ", PARSE_TIMEOUT_MS));
        }
        // Headers sent a byte at a time, forever: only the parse timeout ends these.
        for (int i = 0; i < 5; i++)
        {
            closings.add(threads.submit(() -> trickled(port)));
        }
        // Connected and silent.
        for (int i = 0; i < 50; i++)
        {
            closings.add(closedAfter(port, "", NO_REQUEST_TIMEOUT_MS));
        }
        // A body that stops halfway.
        for (int i = 0; i < 10; i++)
        {
            closings.add(closedAfter(port, "POST /api/v1/commands HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                OPERATOR + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"droneId\":", READ_TIMEOUT_MS));
        }
        // Meanwhile the gateway answers.
        final HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port +
            "/health")).timeout(ANSWER_BOUND).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);

        long slowest = 0;
        for (final Future<Long> closing : closings)
        {
            slowest = Math.max(slowest, closing.get(60, TimeUnit.SECONDS));
        }
        System.out.printf("%d hanging connections closed by the gateway, the last after %d ms%n", closings.size(), slowest);
        assertThat(bodiesRefused(port, "reason=\"incomplete\""))
            .as("bodies that stopped halfway, counted").isGreaterThanOrEqualTo(incompleteBefore + 10);
        await().atMost(10, TimeUnit.SECONDS).until(() -> GatewayIT.metric(port, "odyssey_gateway_http_connections", "", VIEWER) <= 2);
    }

    @Test
    void shouldRefuseHeadersAboveTheLimit() throws Exception
    {
        try (RawClient client = RawClient.connect(strict.port(), 10_000))
        {
            client.write("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + "a".repeat(8_000) + "\r\n\r\n");
            String status = "";
            try
            {
                status = client.readHead();
            }
            catch (final java.io.IOException closed)
            {
                // dropped without an answer: refused too
            }
            assertThat(status).doesNotStartWith("HTTP/1.1 200");
            assertThat(client.closedByServer()).isTrue();
        }
    }

    @Test
    void shouldKeepAQuietLiveWebSocketButDropOneThatStoppedAnswering() throws Exception
    {
        final int port = strict.port();
        final IMap<String, ActiveAlert> alerts = FleetGrid.alertsMap(member);
        try (FleetClient quiet = FleetClient.connect(port, Integer.MAX_VALUE, "/ws/alerts", VIEWER);
            RawClient dead = RawClient.webSocket(port, "/ws/alerts", VIEWER, 30_000))
        {
            quiet.await(m -> "alerts".equals(m.path("type").asText()), ANSWER_BOUND.toMillis());
            final long started = System.nanoTime();
            // The dead one never reads again, so never answers a ping: gone after the read timeout.
            await().atMost(READ_TIMEOUT_MS + MARGIN_MS, TimeUnit.MILLISECONDS).pollInterval(100, TimeUnit.MILLISECONDS)
                .until(() -> GatewayIT.metric(port, "odyssey_ws_sessions", "", VIEWER) == 1);
            final long droppedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            // The quiet one sends nothing itself; its client answers the gateway's pings, so it stays.
            await().pollDelay(READ_TIMEOUT_MS * 2L, TimeUnit.MILLISECONDS).atMost(READ_TIMEOUT_MS * 3L, TimeUnit.MILLISECONDS)
                .until(quiet::isOpen);
            final ActiveAlert alert = new ActiveAlert("LOW_BATTERY", 4242, 0, System.currentTimeMillis() * 1_000_000L, 1,
                12.0, "slow-it");
            alerts.set(alert.key(), alert);
            final JsonNode raised = quiet.await(m -> "alert".equals(m.path("type").asText()), ANSWER_BOUND.toMillis());
            assertThat(raised.path("alert").path("droneId").asLong()).isEqualTo(4242);
            System.out.printf("a WebSocket that stopped answering was dropped after %d ms%n", droppedAfterMs);
        }
        finally
        {
            alerts.delete(ActiveAlert.key("LOW_BATTERY", 4242, 0));
        }
    }

    /** Opens a connection, sends {@code text}, and reports when the server closed it (failing past the timeout). */
    private Future<Long> closedAfter(final int port, final String text, final int timeoutMs) throws Exception
    {
        final RawClient client = RawClient.connect(port, timeoutMs + MARGIN_MS);
        final long started = System.nanoTime();
        if (!text.isEmpty())
        {
            client.write(text);
        }
        return threads.submit(() ->
        {
            try (client)
            {
                assertThat(client.closedByServer()).as("closed by the gateway within %d ms", timeoutMs + MARGIN_MS).isTrue();
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            }
        });
    }

    /** Sends a request line and headers a byte every 100 ms until the server closes the connection. */
    private static long trickled(final int port) throws Exception
    {
        final byte[] request = ("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + "z".repeat(1_000) + "\r\n\r\n")
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        final long started = System.nanoTime();
        try (RawClient client = RawClient.connect(port, 100))
        {
            for (final byte b : request)
            {
                final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                assertThat(elapsedMs).as("closed by the gateway within the parse timeout").isLessThan(PARSE_TIMEOUT_MS + MARGIN_MS);
                try
                {
                    client.write(new byte[]{b});
                }
                catch (final java.io.IOException closed)
                {
                    return elapsedMs;
                }
                if (client.closedByServer())
                {
                    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                }
            }
        }
        throw new AssertionError("the whole request went through a byte at a time: no parse timeout");
    }

    private static long bodiesRefused(final int port, final String reason) throws Exception
    {
        return GatewayIT.metric(port, "odyssey_gateway_request_bodies_refused_total", reason, VIEWER);
    }

    private static String padded(final String json, final int bytes)
    {
        return json + " ".repeat(bytes - json.length());
    }
}
