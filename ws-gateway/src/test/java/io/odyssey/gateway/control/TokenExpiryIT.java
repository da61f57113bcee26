package io.odyssey.gateway.control;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.gateway.Gateway;
import io.odyssey.gateway.GatewayConfig;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.trust.RecordSeal;
import io.odyssey.runtime.SecretFile;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A created token's WebSocket sessions end at its expiry (1008 {@code token revoked}, as docs/api/websocket.md says),
 * not only its next request. Tokens live an hour at least through the API, so the tests plant sealed records with an
 * expiry seconds away, made as the API makes them: with the grid entry's time to live at the expiry (its removal's
 * event closes the sessions), and without one (a copy put back by a grid client: the periodic check of open sessions'
 * tokens closes them once the sealed expiry passes).
 */
@ExtendWith(FailOnErrorLog.class)
class TokenExpiryIT
{
    private static final String CLUSTER = "token-expiry-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);
    /** Long enough for both handshakes on a loaded machine (4 s was not, on a 2-core machine at load 24). */
    private static final long LIFETIME_MS = 15_000;
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String CLOSED_REVOKED = "odyssey_ws_clients_closed_total{role=\"ws-gateway\",reason=\"revoked\"}";

    private static HazelcastInstance member;
    private static Gateway gateway;
    private static RecordSeal gatewayKey;

    @BeforeAll
    static void start() throws Exception
    {
        member = FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER, "127.0.0.1", GRID_PORT, List.of("127.0.0.1:" + GRID_PORT), 1));
        final GatewayConfig config = new GatewayConfig();
        config.clusterName = CLUSTER;
        config.gridMembers = List.of("127.0.0.1:" + GRID_PORT);
        config.port = 0;
        config.tokens = List.of("root:admin:admin-secret-0123456789abc");
        final Path keyDirectory = Files.createTempDirectory("token-expiry-it-keys");
        config.keyFile = keyDirectory.resolve("gateway.key").toString();
        gatewayKey = new RecordSeal(SecretFile.readOrCreate(GatewayConfig.KEY_FILE, Path.of(config.keyFile), 32),
            AccessControl.SEAL_PURPOSE);
        config.tokenRecheckS = 1;
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
    void shouldCloseTheSessionsOfACreatedTokenWhenItExpires() throws Exception
    {
        shouldCloseAtExpiry("expiring-bot", true);
    }

    @Test
    void shouldCloseTheSessionsOfATokenWhoseRecordOutlivesItsSealedExpiry() throws Exception
    {
        shouldCloseAtExpiry("copied-bot", false);
    }

    private static void shouldCloseAtExpiry(final String name, final boolean timeToLive) throws Exception
    {
        final String secret = AccessControl.newSecret();
        final String digest = AccessControl.digest(secret);
        final long expiresAtMs = System.currentTimeMillis() + LIFETIME_MS;
        final String expiry = Long.toString(expiresAtMs);
        final String record = "viewer " + name + " " + expiry + " " + gatewayKey.seal(digest, "viewer", name, expiry);
        final IMap<String, String> tokens = member.getMap(FleetGrid.TOKENS_MAP);
        if (timeToLive)
        {
            tokens.set(digest, record, LIFETIME_MS, TimeUnit.MILLISECONDS);
        }
        else
        {
            tokens.set(digest, record);
        }
        final long closedBefore = counter(CLOSED_REVOKED);
        final Listener alerts = new Listener();
        final Listener commands = new Listener();
        HTTP.newWebSocketBuilder().subprotocols("odyssey.v1", "bearer." + secret)
            .buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + "/ws/alerts"), alerts).get(10, TimeUnit.SECONDS);
        HTTP.newWebSocketBuilder().subprotocols("odyssey.v1", "bearer." + secret)
            .buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + "/ws/commands"), commands).get(10, TimeUnit.SECONDS);

        assertThat(System.currentTimeMillis()).as("both sessions opened before the expiry").isLessThan(expiresAtMs);
        final String alertsClosed = alerts.closed.get(LIFETIME_MS + 45_000, TimeUnit.MILLISECONDS);
        final String commandsClosed = commands.closed.get(LIFETIME_MS + 45_000, TimeUnit.MILLISECONDS);

        assertThat(alertsClosed).isEqualTo("1008 token revoked");
        assertThat(commandsClosed).isEqualTo("1008 token revoked");
        // At the expiry, not before it: the sessions lived while the token did. Hazelcast keeps an entry's times to the
        // second, so its time to live may end up to a second before the sealed expiry (seen: 143 ms): early, never late.
        assertThat(alerts.closedAtMs).isGreaterThanOrEqualTo(expiresAtMs - (timeToLive ? 1_000 : 0));
        assertThat(counter(CLOSED_REVOKED) - closedBefore).isEqualTo(2);
        assertThat(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/api/v1/whoami"))
            .header("Authorization", "Bearer " + secret).build(), HttpResponse.BodyHandlers.discarding()).statusCode())
            .isEqualTo(401);
        tokens.delete(digest);
    }

    private static long counter(final String name)
    {
        for (final String line : gateway.metrics().renderPrometheus().split("\n"))
        {
            if (line.startsWith(name))
            {
                return (long)Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    /** Records how and when the gateway closed the session. */
    private static final class Listener implements WebSocket.Listener
    {
        final CompletableFuture<String> closed = new CompletableFuture<>();
        volatile long closedAtMs;

        public CompletionStage<?> onClose(final WebSocket webSocket, final int statusCode, final String reason)
        {
            closedAtMs = System.currentTimeMillis();
            closed.complete(statusCode + " " + reason);
            return null;
        }

        public void onError(final WebSocket webSocket, final Throwable error)
        {
            closed.completeExceptionally(error);
        }
    }
}
