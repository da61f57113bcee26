package io.odyssey.gateway.control;

import com.hazelcast.core.HazelcastInstance;
import io.odyssey.gateway.Gateway;
import io.odyssey.gateway.GatewayConfig;
import io.odyssey.grid.FleetGrid;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Wrong tokens guessed from one address (the live attack: 5,000 in 38 s, every one a 401 and nothing else): past
 * {@code ODYSSEY_GATEWAY_AUTH_FAILURES_PER_ADDRESS} failures within the window that address is answered 429 without
 * its token being looked at, REST and WebSocket handshakes alike, while a valid token from another address works. A
 * token this gateway knows without the grid (configured, or created and used here before) still gets in from that
 * address: anyone sharing an operator's address must not lock the operator out.
 * The clients bind to addresses of their own in 127.0.0.0/8 (all loopback on Linux), as distinct hosts would be.
 */
@ExtendWith(FailOnErrorLog.class)
class TokenGuessingIT
{
    private static final String CLUSTER = "token-guessing-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);
    private static final String VIEWER = "viewer-secret-0123456789";
    private static final String ADMIN = "admin-secret-0123456789";
    private static final int LIMIT = 5;
    private static final String LIMITED = "odyssey_gateway_requests_auth_limited_total";

    private static HazelcastInstance member;
    private static Gateway gateway;

    @BeforeAll
    static void start() throws Exception
    {
        member = FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER, "127.0.0.1", GRID_PORT, List.of("127.0.0.1:" + GRID_PORT), 1));
        final GatewayConfig config = new GatewayConfig();
        config.clusterName = CLUSTER;
        config.gridMembers = List.of("127.0.0.1:" + GRID_PORT);
        config.port = 0;
        config.tokens = List.of("wall:viewer:" + VIEWER, "root:admin:" + ADMIN);
        final java.nio.file.Path keys = java.nio.file.Files.createTempDirectory("token-guessing-it-keys");
        config.keyFile = keys.resolve("gateway.key").toString();
        io.odyssey.runtime.SecretFile.readOrCreate(GatewayConfig.KEY_FILE, java.nio.file.Path.of(config.keyFile), 32);
        config.authFailuresPerAddress = LIMIT;
        config.authFailureWindowS = 600;
        gateway = Gateway.launch(config);
    }

    @AfterAll
    static void stop()
    {
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
    void shouldAnswer429ToAnAddressThatGuessedTooManyTokensAndServeOthers() throws Exception
    {
        final String guesser = "127.0.0.2";
        // Two created tokens: one used from the guesser's address before (known here), one never used on this gateway.
        final String used = createdToken("bot-used");
        final String unused = createdToken("bot-unused");
        assertThat(statusLine(get(guesser, "/api/v1/whoami", used))).startsWith("HTTP/1.1 200");
        for (int i = 0; i < LIMIT; i++)
        {
            assertThat(statusLine(get(guesser, "/api/v1/whoami", "guess-" + i + "-0123456789abcdef")))
                .startsWith("HTTP/1.1 401");
        }
        final long limitedBefore = counter(LIMITED);

        final String refused = get(guesser, "/api/v1/whoami", "guess-next-0123456789abcdef");
        final String handshake = upgrade(guesser, "/ws/fleet", "guess-ws-0123456789abcdef");
        // A token the gateway would have to ask the grid about is refused unchecked too.
        final String refusedUnknown = get(guesser, "/api/v1/whoami", unused);

        assertThat(statusLine(refused)).startsWith("HTTP/1.1 429");
        assertThat(refused).containsIgnoringCase("Retry-After:").contains("TOO_MANY_FAILURES");
        assertThat(statusLine(handshake)).startsWith("HTTP/1.1 429");
        assertThat(statusLine(refusedUnknown)).startsWith("HTTP/1.1 429");
        assertThat(counter(LIMITED) - limitedBefore).isEqualTo(3);
        // The operator behind the same address (a shared NAT) is not locked out: tokens known here still work.
        assertThat(statusLine(get(guesser, "/api/v1/whoami", VIEWER))).startsWith("HTTP/1.1 200");
        assertThat(statusLine(upgrade(guesser, "/ws/alerts", VIEWER))).startsWith("HTTP/1.1 101");
        assertThat(statusLine(get(guesser, "/api/v1/whoami", used))).startsWith("HTTP/1.1 200");
        assertThat(counter(LIMITED) - limitedBefore).as("what is let in is not counted as refused").isEqualTo(3);
        // Another host with the right token, and another that only guessed once, are served as before.
        assertThat(statusLine(get("127.0.0.3", "/api/v1/whoami", VIEWER))).startsWith("HTTP/1.1 200");
        assertThat(statusLine(upgrade("127.0.0.3", "/ws/alerts", VIEWER))).startsWith("HTTP/1.1 101");
        assertThat(statusLine(get("127.0.0.4", "/api/v1/whoami", "other-guess-0123456789abcdef")))
            .startsWith("HTTP/1.1 401");
        assertThat(statusLine(get("127.0.0.4", "/api/v1/whoami", VIEWER))).startsWith("HTTP/1.1 200");
        // Requests without a token are no guesses: the guesser still gets the public status and its 401s.
        assertThat(statusLine(get(guesser, "/api/v1/whoami", null))).startsWith("HTTP/1.1 401");
        assertThat(statusLine(get(guesser, "/health/live", null))).startsWith("HTTP/1.1 200");
    }

    /** A token created by the admin (from an address of its own); returns its secret. */
    private static String createdToken(final String name) throws IOException
    {
        final String body = "{\"name\":\"" + name + "\",\"role\":\"viewer\",\"expiresInHours\":1}";
        final String response = exchange("127.0.0.9", "POST /api/v1/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
            "Connection: close\r\nAuthorization: Bearer " + ADMIN + "\r\nContent-Type: application/json\r\n" +
            "Content-Length: " + body.length() + "\r\n\r\n" + body);
        assertThat(statusLine(response)).startsWith("HTTP/1.1 201");
        final java.util.regex.Matcher token = java.util.regex.Pattern.compile("\"token\":\"([^\"]+)\"").matcher(response);
        assertThat(token.find()).as(response).isTrue();
        return token.group(1);
    }

    private static String statusLine(final String response)
    {
        return response.substring(0, Math.max(0, response.indexOf("\r\n")));
    }

    /** A GET from {@code localAddress}, the connection closed after the answer; returns the head of the answer. */
    private static String get(final String localAddress, final String path, final String token) throws IOException
    {
        return exchange(localAddress, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" +
            (token == null ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n");
    }

    /** A WebSocket handshake from {@code localAddress}, the token in the subprotocol as browsers send it. */
    private static String upgrade(final String localAddress, final String path, final String token) throws IOException
    {
        return exchange(localAddress, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n" +
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
            "Sec-WebSocket-Protocol: odyssey.v1, bearer." + token + "\r\n\r\n");
    }

    private static String exchange(final String localAddress, final String request) throws IOException
    {
        try (Socket socket = new Socket())
        {
            socket.setSoTimeout(10_000);
            socket.bind(new InetSocketAddress(localAddress, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", gateway.port()), 5_000);
            final OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final InputStream in = socket.getInputStream();
            final StringBuilder head = new StringBuilder();
            // The head, then as many bytes as it says (a 101 keeps the connection open: reading to the end would wait).
            while (head.indexOf("\r\n\r\n") < 0)
            {
                final int b = in.read();
                if (b < 0)
                {
                    return head.toString();
                }
                head.append((char)b);
            }
            final java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)")
                .matcher(head);
            if (length.find())
            {
                head.append(new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.UTF_8));
            }
            return head.toString();
        }
    }

    private static long counter(final String name)
    {
        for (final String line : gateway.metrics().renderPrometheus().split("\n"))
        {
            if (line.startsWith(name + "{") || line.startsWith(name + " "))
            {
                return (long)Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }
}
