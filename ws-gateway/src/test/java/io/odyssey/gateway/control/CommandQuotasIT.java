package io.odyssey.gateway.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.gateway.Gateway;
import io.odyssey.gateway.GatewayConfig;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandUpdate;
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
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The limits on commands against a real grid member and a real gateway: a token's rate (a flood gets 429 with
 * Retry-After after its burst, another token is unaffected, every drone of a multi-drone request counts) and a
 * drone's active commands (the next is refused with 409 until one of them is final; stop may still go through).
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CommandQuotasIT
{
    private static final String CLUSTER = "command-quotas-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);
    private static final int BURST = 5;
    private static final int ACTIVE = 2;
    private static final String FLOOD = "flood-secret-0123456789";
    private static final String CALM = "calm-secret-0123456789";
    private static final String BATCH = "batch-secret-0123456789";
    private static final String CAPPER = "capper-secret-0123456789";
    private static final String FLEET = "fleet-secret-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static HazelcastInstance member;
    private static Gateway gateway;
    private static CommandLedger ledger;

    @BeforeAll
    static void start() throws Exception
    {
        member = FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER, "127.0.0.1", GRID_PORT, List.of("127.0.0.1:" + GRID_PORT), 1));
        ledger = new CommandLedger(member);
        final IMap<Long, DroneState> fleet = FleetGrid.fleetMap(member);
        for (long id = 1; id <= 24; id++)
        {
            fleet.set(id, CommandApiIT.state(id, "HOVERING", 52.52 + id * 0.001, 13.405));
        }
        final GatewayConfig config = new GatewayConfig();
        config.clusterName = CLUSTER;
        config.gridMembers = List.of("127.0.0.1:" + GRID_PORT);
        config.port = 0;
        config.tokens = List.of("flood:operator:" + FLOOD, "calm:operator:" + CALM, "batch:operator:" + BATCH,
            "capper:operator:" + CAPPER, "fleet:operator:" + FLEET);
        // One command every 10 s after the burst: slow enough that no refill interferes while a test runs.
        config.commandRate = 0.1;
        config.commandBurst = BURST;
        config.maxActiveCommandsPerDrone = ACTIVE;
        config.commandKeyFile = io.odyssey.gateway.TestKeys.commandKeyFile(CLUSTER);
        gateway = Gateway.launch(config);
        await().atMost(10, TimeUnit.SECONDS).until(() -> gateway.fleetSize() == 24);
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
    void shouldRefuseAFloodFromOneTokenAfterItsBurstWithRetryAfterWhileAnotherTokenIsUnaffected() throws Exception
    {
        final long limitedBefore = metric("odyssey_gateway_commands_limited_total{role=\"ws-gateway\",reason=\"rate\"}");
        final List<Integer> statuses = new ArrayList<>();
        HttpResponse<String> last = null;
        for (int i = 0; i < 20; i++)
        {
            // Drones 1..5 in turn, a hold each: one drone never reaches its active limit within the burst.
            last = post(FLOOD, "{\"droneId\":" + (1 + i % 5) + ",\"type\":\"hold\"}");
            statuses.add(last.statusCode());
        }
        assertThat(statuses.subList(0, BURST)).containsOnly(202);
        assertThat(statuses.subList(BURST, statuses.size())).containsOnly(429);
        assertThat(last.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(last.headers().firstValue("Retry-After").map(Long::parseLong)).hasValueSatisfying(
            seconds -> assertThat(seconds).isBetween(1L, 10L));
        final JsonNode problem = JSON.readTree(last.body());
        assertThat(problem.path("code").asText()).isEqualTo("RATE_LIMITED");
        assertThat(problem.path("detail").asText()).contains("'flood'", "retry in");
        assertThat(ledger.list(0, null, false, 10_000)).filteredOn(c -> "flood".equals(c.issuedBy())).hasSize(BURST);

        assertThat(post(CALM, "{\"droneId\":6,\"type\":\"hold\"}").statusCode()).as("another token").isEqualTo(202);
        assertThat(metric("odyssey_gateway_commands_limited_total{role=\"ws-gateway\",reason=\"rate\"}") - limitedBefore)
            .isEqualTo(15);
    }

    @Test
    void shouldCountEveryDroneOfAMultiDroneRequestAgainstTheRate() throws Exception
    {
        // Three drones of five, then four more: only two are left, so the whole request waits and nothing is issued.
        final HttpResponse<String> three = post(BATCH, "{\"droneIds\":[7,8,9],\"type\":\"hold\"}");
        assertThat(three.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(three.body()).path("commands")).hasSize(3);
        final HttpResponse<String> four = post(BATCH, "{\"droneIds\":[7,8,9,10],\"type\":\"hold\"}");
        assertThat(four.statusCode()).isEqualTo(429);
        assertThat(JSON.readTree(four.body()).path("detail").asText()).contains("4 commands (one per drone)");
        assertThat(ledger.list(0, null, false, 10_000)).filteredOn(c -> "batch".equals(c.issuedBy())).hasSize(3);
    }

    /** A fleet-wide order leaves the token's budget in debt: it can still call those drones home at once. */
    @Test
    void shouldLetTheSameTokenCallItsDronesHomeRightAfterAFleetWideOrderLeftItsBudgetInDebt() throws Exception
    {
        final String drones = "[13,14,15,16,17,18,19,20]";
        final HttpResponse<String> fleetWide = post(FLEET, "{\"droneIds\":" + drones +
            ",\"type\":\"goto\",\"lat\":52.6,\"lon\":13.4}");
        assertThat(fleetWide.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(fleetWide.body()).path("commands")).hasSize(8);
        final HttpResponse<String> another = post(FLEET, "{\"droneId\":21,\"type\":\"goto\",\"lat\":52.6,\"lon\":13.4}");
        assertThat(another.statusCode()).as("the orders' budget is 3 in debt").isEqualTo(429);
        assertThat(JSON.readTree(another.body()).path("detail").asText()).contains("of other orders");

        final HttpResponse<String> home = post(FLEET, "{\"droneIds\":" + drones + ",\"type\":\"return-to-home\"}");

        assertThat(home.statusCode()).as(home.body()).isEqualTo(202);
        assertThat(JSON.readTree(home.body()).path("commands")).hasSize(8);
        assertThat(JSON.readTree(home.body()).path("refused")).isEmpty();
        assertThat(ledger.list(0, null, false, 10_000)).filteredOn(c -> "fleet".equals(c.issuedBy()))
            .extracting(c -> c.type()).containsOnly(CommandType.GOTO, CommandType.RETURN_HOME).hasSize(16);
    }

    @Test
    void shouldRefuseADronesNextActiveCommandAtItsLimitAndAdmitOneAgainOnceOneIsFinal() throws Exception
    {
        final String first = JSON.readTree(post(CAPPER, "{\"droneId\":11,\"type\":\"goto\",\"lat\":52.6,\"lon\":13.4}").body())
            .path("id").asText();
        assertThat(post(CAPPER, "{\"droneId\":11,\"type\":\"set-speed\",\"speed\":5}").statusCode()).isEqualTo(202);

        final HttpResponse<String> refused = post(CAPPER, "{\"droneId\":11,\"type\":\"land\"}");
        assertThat(refused.statusCode()).isEqualTo(409);
        final JsonNode problem = JSON.readTree(refused.body());
        assertThat(problem.path("code").asText()).isEqualTo("ACTIVE_LIMIT");
        assertThat(problem.path("detail").asText()).contains("drone 11 has 2 active commands");
        assertThat(ledger.list(11, null, true, 100)).hasSize(ACTIVE);
        // Stopping a drone whose queue is full is still possible.
        assertThat(post(CAPPER, "{\"droneId\":11,\"type\":\"stop\"}").statusCode()).isEqualTo(202);

        // One of its commands ends (the relay would do this when the drone answers): room for the next again.
        ledger.update(Long.parseLong(first), CommandUpdate.moveTo(CommandState.FAILED, System.currentTimeMillis() * 1_000_000L,
            "lost contact"));
        ledger.update(ledger.list(11, null, true, 100).stream().filter(c -> c.type() == CommandType.STOP).findFirst()
            .orElseThrow().id(), CommandUpdate.moveTo(CommandState.COMPLETED, System.currentTimeMillis() * 1_000_000L, null));
        assertThat(post(CAPPER, "{\"droneId\":11,\"type\":\"land\"}").statusCode()).isEqualTo(202);
        assertThat(metric("odyssey_gateway_commands_limited_total{role=\"ws-gateway\",reason=\"drone_active\"}")).isEqualTo(1);
    }

    /** The value of one series of the gateway's /metrics. */
    private static long metric(final String series) throws Exception
    {
        final String text = HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/metrics"))
                .header("Authorization", "Bearer " + CALM).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        return text.lines().filter(line -> line.startsWith(series + " ")).mapToLong(
            line -> Long.parseLong(line.substring(series.length() + 1).trim())).findFirst().orElseThrow();
    }

    private static String base()
    {
        return "http://127.0.0.1:" + gateway.port();
    }

    private static HttpResponse<String> post(final String token, final String body) throws Exception
    {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/api/v1/commands")).timeout(Duration.ofSeconds(10))
            .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
