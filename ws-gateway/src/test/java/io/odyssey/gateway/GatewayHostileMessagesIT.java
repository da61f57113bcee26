package io.odyssey.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
import io.odyssey.runtime.SafeText;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Hostile WebSocket messages on every endpoint: one 10 MB message, and a message whose fragments never end. Each
 * connection is closed with 1009 once the message passes {@code ODYSSEY_WS_CLOSE_MESSAGE_BYTES}, counted, and a
 * normal client on the same gateway keeps getting its fleet meanwhile. (A message between the two bounds is answered
 * with TOO_LARGE and the connection stays: GatewayIT.) And text the gateway quotes back of what a client sent (an
 * unknown message type, a path) never carries control or bidirectional characters: a reader of the answer (a terminal,
 * a log of a proxy, a page showing the error) would otherwise run or read what the attacker wrote.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GatewayHostileMessagesIT
{
    private static final String CLUSTER = "gateway-hostile-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);
    private static final String TOKEN = "hostile-viewer-0123456789";
    private static final int CLOSE_BYTES = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    private static HazelcastInstance member;
    private static IMap<Long, DroneState> fleet;
    private static Gateway gateway;
    private static FleetClient bystander;
    private static final AtomicLong SEQUENCE = new AtomicLong();
    private final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeAll
    static void start() throws Exception
    {
        member = FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER, "127.0.0.1", GRID_PORT, List.of("127.0.0.1:" + GRID_PORT), 1));
        fleet = FleetGrid.fleetMap(member);
        final GatewayConfig config = GatewayIT.config(16);
        config.clusterName = CLUSTER;
        config.gridMembers = List.of("127.0.0.1:" + GRID_PORT);
        config.anonymousRole = "none";
        config.tokens = List.of("hostile:viewer:" + TOKEN);
        config.closeMessageBytes = CLOSE_BYTES;
        gateway = Gateway.launch(config);
        bystander = FleetClient.connect(gateway.port(), Integer.MAX_VALUE, "/ws/fleet", TOKEN);
        bystander.awaitType("snapshot");
    }

    @AfterAll
    static void stop()
    {
        if (bystander != null)
        {
            bystander.close();
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

    @ParameterizedTest
    @ValueSource(strings = {"/ws/fleet", "/ws/alerts", "/ws/commands"})
    void shouldCloseWith1009OnATenMegabyteMessage(final String path) throws Exception
    {
        final long before = closedTooLarge();
        try (RawClient client = RawClient.webSocket(gateway.port(), path, TOKEN, 15_000))
        {
            final byte[] message = ("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(10 * 1024 * 1024) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
            // Written on the side: the gateway stops reading long before the end, and then closes.
            final Future<?> writing = threads.submit(() ->
            {
                try
                {
                    client.frame(RawClient.TEXT, true, message);
                }
                catch (final IOException closed)
                {
                    // the gateway closed the connection: expected
                }
                return null;
            });
            assertThat(client.awaitClose()).isEqualTo(1009);
            writing.get(30, TimeUnit.SECONDS);
        }
        assertThat(closedTooLarge()).isEqualTo(before + 1);
        assertBystanderStillServed();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/ws/fleet", "/ws/alerts", "/ws/commands"})
    void shouldCloseWith1009OnFragmentsThatNeverEnd(final String path) throws Exception
    {
        final long before = closedTooLarge();
        try (RawClient client = RawClient.webSocket(gateway.port(), path, TOKEN, 15_000))
        {
            final byte[] fragment = "y".repeat(16 * 1024).getBytes(StandardCharsets.UTF_8);
            final AtomicLong sent = new AtomicLong();
            final Future<?> writing = threads.submit(() ->
            {
                try
                {
                    client.frame(RawClient.TEXT, false, "{\"type\":\"ping\",\"pad\":\"".getBytes(StandardCharsets.UTF_8));
                    // Bounded by the test, not by the gateway: 64 times the close bound at most.
                    while (sent.get() < 64L * CLOSE_BYTES)
                    {
                        client.frame(RawClient.CONTINUATION, false, fragment);
                        sent.addAndGet(fragment.length);
                    }
                }
                catch (final IOException closed)
                {
                    // the gateway closed the connection: expected
                }
                return null;
            });
            assertThat(client.awaitClose()).isEqualTo(1009);
            writing.get(30, TimeUnit.SECONDS);
            assertThat(sent.get()).as("the client was stopped long before its own bound").isLessThan(64L * CLOSE_BYTES);
        }
        assertThat(closedTooLarge()).isEqualTo(before + 1);
        assertBystanderStillServed();
    }

    /** JSON text that rewrites a terminal's clipboard (OSC 52), a C1 CSI, and a right-to-left override. */
    private static final String HOSTILE_JSON = "a\\u202Eb\\u009B31m\\u001B]52;c;SGk=\\u0007";

    @ParameterizedTest
    @ValueSource(strings = {"/ws/fleet", "/ws/alerts", "/ws/commands"})
    void shouldQuoteNoControlOrBidiCharacterOfAnUnknownTypeBack(final String path) throws Exception
    {
        try (RawClient client = RawClient.webSocket(gateway.port(), path, TOKEN, 15_000))
        {
            client.frame(RawClient.TEXT, true, ("{\"type\":\"" + HOSTILE_JSON + "\"}").getBytes(StandardCharsets.UTF_8));
            JsonNode message;
            do
            {
                final RawClient.Frame frame = client.readFrame();
                message = frame.opcode() == RawClient.TEXT ? JSON.readTree(frame.payload()) : JSON.createObjectNode();
            }
            while (!"error".equals(message.path("type").asText()));
            assertThat(message.path("code").asText()).isEqualTo("UNKNOWN_TYPE");
            assertQuotedSafely(message.path("message").asText());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", TOKEN})
    void shouldQuoteNoControlOrBidiCharacterOfAPathBackInAProblem(final String token) throws Exception
    {
        // %E2%80%AE is U+202E, %C2%9B U+009B, %1B ESC: the id of the path, quoted in the detail and as the instance.
        try (RawClient client = RawClient.connect(gateway.port(), 15_000))
        {
            client.write("GET /api/v1/commands/a%E2%80%AEb%C2%9B31m%1B%5D52%3Bc%3BSGk%3D%07 HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                (token.isEmpty() ? "" : "Authorization: Bearer " + token + "\r\n") + "Connection: close\r\n\r\n");
            final String response = client.readResponse();
            // With a token, the id is refused as text the API does not take (docs/api/commands.md, "Text"), naming it.
            assertThat(response).startsWith(token.isEmpty() ? "HTTP/1.1 401" : "HTTP/1.1 400");
            final JsonNode problem = JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
            assertQuotedSafely(problem.path("instance").asText());
            if (!token.isEmpty())
            {
                assertThat(problem.path("code").asText()).isEqualTo("INVALID_TEXT");
                assertThat(problem.path("detail").asText()).startsWith("the command id ")
                    .satisfies(detail -> assertThat(detail.chars().filter(c -> SafeText.isForbidden((char)c))).isEmpty());
            }
        }
    }

    /** What a reader sees: the hostile characters replaced, the rest of the text still there to recognise. */
    private static void assertQuotedSafely(final String quoted)
    {
        assertThat(quoted.chars().filter(c -> SafeText.isForbidden((char)c)))
            .as("control or bidi characters quoted back in %s", quoted).isEmpty();
        assertThat(quoted).contains("a" + SafeText.REPLACEMENT + "b" + SafeText.REPLACEMENT + "31m");
    }

    private static void assertBystanderStillServed()
    {
        final long id = 77;
        final long sequence = SEQUENCE.incrementAndGet();
        fleet.set(id, GatewayIT.state(id, sequence, 12.0, 12.0));
        await().atMost(10, TimeUnit.SECONDS).until(() -> bystander.drones.containsKey(id) &&
            bystander.drones.get(id).get("seq").asLong() == sequence);
        assertThat(bystander.isOpen()).isTrue();
    }

    private static long closedTooLarge() throws Exception
    {
        return GatewayIT.metric(gateway.port(), "odyssey_ws_clients_closed_total", "reason=\"too_large\"", TOKEN);
    }
}
