package io.odyssey.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandType;
import io.odyssey.grid.ActiveAlert;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 10, item 1: WebSocket clients coming and going in every way a network allows — a clean close, a TCP reset right
 * after the handshake, a reset in the middle of the handshake — on all three WebSocket endpoints, while the fleet,
 * the alerts and the command ledger change fast, so the gateway is sending to the very connections that are closing.
 * Before the lock rule of {@link ClientSession} this deadlocked the gateway (health, REST, every WebSocket, and SIGTERM
 * all stopped answering). Afterwards health, an authenticated REST call and a normal client must answer within
 * bounds, no session may be left behind, and closing the gateway must finish.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GatewayChurnIT
{
    private static final String CLUSTER = "gateway-churn-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);
    private static final String TOKEN = "churn-viewer-0123456789";
    private static final String[] ENDPOINTS = {"/ws/fleet", "/ws/alerts", "/ws/commands"};
    private static final int CYCLES = 1_350;
    private static final int CLIENT_THREADS = 6;
    private static final int DRONES = 300;
    /** What "answers" means after the churn, on a loaded two-core machine. */
    private static final Duration ANSWER_BOUND = Duration.ofSeconds(5);

    private enum Kind
    {
        CLEAN_CLOSE, RESET_AFTER_HANDSHAKE, RESET_DURING_HANDSHAKE
    }

    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final AtomicBoolean changing = new AtomicBoolean(true);
    private HazelcastInstance member;
    private Gateway gateway;

    @AfterEach
    void stop()
    {
        changing.set(false);
        threads.shutdownNow();
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
    void shouldKeepAnsweringAndStopCleanlyAfterThousandsOfClientsCameAndWentInEveryWay() throws Exception
    {
        member = FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER, "127.0.0.1", GRID_PORT, List.of("127.0.0.1:" + GRID_PORT), 1));
        final GatewayConfig config = GatewayIT.config(16);
        config.clusterName = CLUSTER;
        config.gridMembers = List.of("127.0.0.1:" + GRID_PORT);
        config.anonymousRole = "none";
        config.tokens = List.of("churn:viewer:" + TOKEN);
        gateway = Gateway.launch(config);
        final int port = gateway.port();
        final List<Future<?>> changers = startChanging();

        final AtomicInteger[] done = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
        final AtomicInteger refused = new AtomicInteger();
        final AtomicLong next = new AtomicLong();
        final long churnStarted = System.nanoTime();
        final List<Future<?>> clients = new ArrayList<>();
        for (int t = 0; t < CLIENT_THREADS; t++)
        {
            clients.add(threads.submit(() ->
            {
                long cycle;
                while ((cycle = next.getAndIncrement()) < CYCLES)
                {
                    final Kind kind = Kind.values()[(int)(cycle % 3)];
                    final String path = ENDPOINTS[(int)(cycle / 3 % 3)];
                    try
                    {
                        cycle(port, kind, path, cycle);
                        done[kind.ordinal()].incrementAndGet();
                    }
                    catch (final IOException ex)
                    {
                        // A refused or dropped handshake is the server's right; a hang is not (the read timeout).
                        refused.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        for (final Future<?> client : clients)
        {
            client.get(120, TimeUnit.SECONDS);
        }
        final long churnMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - churnStarted);
        System.out.printf("churn: %d cycles (clean %d, reset after handshake %d, reset during handshake %d, " +
            "refused %d) in %d ms%n", CYCLES, done[0].get(), done[1].get(), done[2].get(), refused.get(), churnMs);
        assertThat(refused.get()).as("handshakes the gateway did not complete").isLessThan(CYCLES / 100);
        for (final Future<?> changer : changers)
        {
            assertThat(changer.isDone()).as("the grid writers are still running").isFalse();
        }

        final long checksStarted = System.nanoTime();
        final HttpClient http = HttpClient.newBuilder().connectTimeout(ANSWER_BOUND).build();
        final HttpResponse<String> health = http.send(request(port, "/health").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        final HttpResponse<String> whoami = http.send(request(port, "/api/v1/whoami")
            .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(whoami.statusCode()).isEqualTo(200);
        assertThat(whoami.body()).contains("\"churn\"");

        try (FleetClient normal = FleetClient.connect(port, Integer.MAX_VALUE, "/ws/fleet", TOKEN))
        {
            assertThat(normal.await(m -> "snapshot".equals(m.path("type").asText()), ANSWER_BOUND.toMillis())
                .path("drones").size()).isPositive();
            final JsonNode changes = normal.await(m -> "changes".equals(m.path("type").asText()), ANSWER_BOUND.toMillis());
            assertThat(changes.path("drones").size()).isPositive();
            assertThat(normal.sequenceViolations).isEmpty();
        }

        System.out.printf("health, REST and a new client answered in %d ms%n",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - checksStarted));
        final long drainStarted = System.nanoTime();
        // Every session of every kind of ending was forgotten: nothing leaks per client that went.
        await().atMost(30, TimeUnit.SECONDS).untilAsserted(() ->
        {
            assertThat(GatewayIT.metric(port, "odyssey_ws_sessions", "", TOKEN)).isZero();
            assertThat(gateway.clientCount()).isZero();
        });
        System.out.printf("every session gone %d ms after the churn checks%n",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - drainStarted));
        final long closedByClients = GatewayIT.metric(port, "odyssey_ws_clients_closed_total", "reason=\"client\"", TOKEN);
        assertThat(closedByClients).as("sessions ended by their client, counted")
            .isGreaterThanOrEqualTo(done[0].get() + done[1].get());
        assertThat(GatewayIT.metric(port, "odyssey_ws_clients_closed_total", "reason=\"error\"", TOKEN)).isZero();

        changing.set(false);
        final long closeStarted = System.nanoTime();
        final Future<?> closing = threads.submit(gateway::close);
        closing.get(20, TimeUnit.SECONDS);
        gateway = null;
        System.out.printf("gateway closed in %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closeStarted));
    }

    /** One client's life: connect to {@code path} and leave in the way {@code kind} says. */
    private static void cycle(final int port, final Kind kind, final String path, final long cycle) throws IOException
    {
        switch (kind)
        {
            case CLEAN_CLOSE ->
            {
                try (RawClient client = RawClient.webSocket(port, path, TOKEN, 10_000))
                {
                    client.readFrame();
                    client.close(1000);
                    client.awaitClose();
                }
            }
            case RESET_AFTER_HANDSHAKE ->
            {
                final RawClient client = RawClient.webSocket(port, path, TOKEN, 10_000);
                if (cycle % 2 == 0)
                {
                    // Let the gateway start sending first, so the reset meets frames on their way out.
                    client.readFrame();
                }
                client.reset();
            }
            case RESET_DURING_HANDSHAKE ->
            {
                final RawClient client = RawClient.connect(port, 10_000);
                final String upgrade = RawClient.upgradeRequest(port, path, TOKEN);
                // Half the request (the gateway waits for the rest), or all of it (the gateway is upgrading).
                client.write(cycle % 2 == 0 ? upgrade.substring(0, upgrade.length() / 2) : upgrade);
                client.reset();
            }
        }
    }

    /** The fleet, the alerts and the ledger changing as fast as a busy fleet makes them, until the test ends. */
    private List<Future<?>> startChanging()
    {
        final IMap<Long, DroneState> fleet = FleetGrid.fleetMap(member);
        final IMap<String, ActiveAlert> alerts = FleetGrid.alertsMap(member);
        final CommandLedger ledger = new CommandLedger(member);
        final List<Future<?>> changers = new ArrayList<>();
        changers.add(threads.submit(() ->
        {
            for (long round = 1; changing.get(); round++)
            {
                final Map<Long, DroneState> batch = new HashMap<>();
                for (long id = 1; id <= DRONES; id++)
                {
                    batch.put(id, GatewayIT.state(id, round, 10.0 + id / 1000.0 + round / 1e6, 10.0));
                }
                fleet.setAll(batch);
                pause(5);
            }
        }));
        changers.add(threads.submit(() ->
        {
            for (long round = 1; changing.get(); round++)
            {
                final ActiveAlert alert = new ActiveAlert("LOW_BATTERY", round % 20 + 1, 0,
                    System.currentTimeMillis() * 1_000_000L, round, 15.0, "churn");
                if (round % 2 == 0)
                {
                    alerts.delete(alert.key());
                }
                else
                {
                    alerts.set(alert.key(), alert);
                }
                pause(10);
            }
        }));
        changers.add(threads.submit(() ->
        {
            while (changing.get())
            {
                final long now = System.currentTimeMillis() * 1_000_000L;
                ledger.issue(CommandRecord.issued(
                    ledger.newId(), 1, CommandType.HOLD, CommandParameters.NONE, null, "churn",
                    "test", now,
                    now + TimeUnit.MINUTES.toNanos(5)));
                pause(20);
            }
        }));
        return changers;
    }

    /** Paces a writer (a rate, not a wait for a condition). */
    private static void pause(final long ms)
    {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ms));
    }

    private static HttpRequest.Builder request(final int port, final String path)
    {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(ANSWER_BOUND);
    }
}
