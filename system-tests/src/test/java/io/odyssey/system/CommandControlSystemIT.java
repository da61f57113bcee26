package io.odyssey.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sbe.CommandReason;
import io.odyssey.gateway.Gateway;
import io.odyssey.gateway.GatewayConfig;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.GridNode;
import io.odyssey.relay.CommandRelay;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.ingest.EdgeIngest;
import io.odyssey.ingest.EdgeIngestConfig;
import io.odyssey.geo.Geodesy;
import io.odyssey.simulator.Simulator;
import io.odyssey.simulator.SimulatorConfig;
import io.odyssey.testing.FailOnErrorLog;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.client.HazelcastClient;
import com.hazelcast.map.IMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Commands end to end with real parts: the CLI and REST clients → the gateway → the ledger in a real Hazelcast member
 * → the edge ingest node that hears the drone → an SBE command frame over Aeron UDP → the simulator, which flies it
 * (time-accelerated) and answers over Aeron → the ledger → back to the clients. Also: expiry of a command for a drone
 * out of contact, cancelling a running mission, a drone's own failsafe return, and restarts of the gateway and of
 * the relaying ingest node while a command runs.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CommandControlSystemIT
{
    @TempDir
    static Path dir;

    private static final String CLUSTER = "command-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);
    private static final int INGEST_PORT = GRID_PORT + 500;
    private static final StackConfigs STACK = new StackConfigs(CLUSTER, GRID_PORT, INGEST_PORT);
    private static final String OPERATOR = "operator-secret-for-the-system-test";
    private static final String ADMIN = "admin-secret-for-the-system-test-0";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** Simulated seconds per real second: missions of a few hundred metres fly in a few seconds. */
    private static final double TIME_SCALE = 5.0;

    private static GridNode member;
    private static EdgeIngest ingest;
    private static Gateway gateway;
    private static Simulator simulator;
    private static Simulator drainingSimulator;
    private static HazelcastInstance client;
    private static CommandLedger ledger;
    private static IMap<Long, DroneState> fleet;

    @BeforeAll
    static void startTheFleet() throws Exception
    {
        member = GridNode.launch(STACK.grid());
        ingest = EdgeIngest.launch(ingestConfig());
        gateway = Gateway.launch(gatewayConfig(0));
        simulator = Simulator.launch(simulatorConfig(1, 5, 1.0));
        // One drone whose battery drains 40 times faster than usual: it reaches its failsafe within seconds.
        drainingSimulator = Simulator.launch(simulatorConfig(101, 1, 40.0));
        client = HazelcastClient.newHazelcastClient(FleetGrid.clientConfig(CLUSTER, List.of("127.0.0.1:" + GRID_PORT),
            "command-it-observer"));
        ledger = new CommandLedger(client);
        fleet = FleetGrid.fleetMap(client);
        // Every drone heard, and airborne ones ready for orders (drones take off on their own within ~8 s).
        await().atMost(60, TimeUnit.SECONDS).until(() -> fleet.size() >= 6);
        await().atMost(60, TimeUnit.SECONDS).until(() -> ingest.commandLinks() >= 6);
    }

    @AfterAll
    static void stopTheFleet() throws Exception
    {
        if (client != null)
        {
            client.shutdown();
        }
        for (final AutoCloseable part : new AutoCloseable[]{drainingSimulator, simulator, gateway, ingest, member})
        {
            if (part != null)
            {
                part.close();
            }
        }
    }

    @Test
    void shouldFlyAMissionOfThreeWaypointsSentFromTheCliAndCompleteItOnlyWhenTheDroneIsThere() throws Exception
    {
        final DroneState start = fleet.get(1L);
        final double[][] waypoints = {
            offset(start, 150, 0), offset(start, 150, 150), offset(start, 0, 150)};
        final Path file = dir.resolve("mission.json");
        Files.writeString(file, "[" + waypoint(waypoints[0], 2) + "," + waypoint(waypoints[1], 0) + "," +
            waypoint(waypoints[2], 1) + "]");

        final CliRun run = cli("mission", "1", "--file", file.toString(), "--wait", "--timeout", "120", "--json");

        assertThat(run.exit()).as(run.err()).isZero();
        final JsonNode last = run.lastJsonLine();
        final CommandRecord command = ledger.get(Long.parseLong(last.get("id").asText()));
        assertThat(command.state()).isEqualTo(CommandState.COMPLETED);
        assertThat(command.issuedBy()).isEqualTo("ops");
        assertThat(command.transitionStates()).containsExactly(CommandState.ISSUED, CommandState.SENT,
            CommandState.ACCEPTED, CommandState.IN_PROGRESS, CommandState.COMPLETED);
        assertThat(command.transitionAtNanos()).isSorted();
        // Completed only after the drone said so, and with the drone at the last waypoint in the telemetry.
        assertThat(command.firstAt(CommandState.COMPLETED)).isGreaterThanOrEqualTo(command.doneAtNanos());
        final DroneState end = fleet.get(1L);
        assertThat(Geodesy.distanceM(end.latitude(), end.longitude(), waypoints[2][0], waypoints[2][1])).isLessThan(15.0);
        assertThat(command.waypointIndex()).isEqualTo(2);
    }

    @Test
    void shouldNeverRelayACommandWrittenStraightIntoTheLedgerAndRecordWhy() throws Exception
    {
        // A grid client with no key (open-source Hazelcast lets it write any map) puts orders in the ledger: one with no
        // authorisation, one with a made-up seal, for drones this node hears.
        final long now = System.currentTimeMillis() * 1_000_000L;
        final long unsealed = ledger.newId();
        final long madeUp = ledger.newId();
        // Every version of both records as the grid saw it: a rejected unsealed record is planted history, which the
        // relay's walk removes once journaled (within a second or so), so a read of the map can come too late.
        final Map<Long, CommandRecord> latest = new ConcurrentHashMap<>();
        final Set<Long> removed = ConcurrentHashMap.newKeySet();
        final UUID listener = ledger.map().addEntryListener(new Watch(Set.of(unsealed, madeUp), latest, removed), true);
        final CommandRecord land = CommandRecord.issued(
            unsealed, 4, CommandType.LAND, CommandParameters.NONE, null, "ops",
            "10.6.6.6", now,
            now + TimeUnit.SECONDS.toNanos(60));
        ledger.map().set(unsealed, land);
        final CommandRecord takeOver = CommandRecord.issued(madeUp, 3, CommandType.RETURN_HOME, CommandParameters.NONE,
            null, "ops",
            "10.6.6.6", now, now + TimeUnit.SECONDS.toNanos(60));
        ledger.map().set(madeUp, new CommandRecord(takeOver.id(), takeOver.droneId(), takeOver.type(),
            takeOver.parameters(), takeOver.state(), null, 0f, -1, null, takeOver.issuedBy(), takeOver.issuedFrom(),
            takeOver.issuedAtNanos(), takeOver.expiresAtNanos(), null, 0, 0L, Double.NaN, Double.NaN, Float.NaN, 0L,
            takeOver.transitionStates(), takeOver.transitionAtNanos(), takeOver.transitionReasons(), 0, "ab".repeat(32)));

        try
        {
            for (final long id : new long[]{unsealed, madeUp})
            {
                await().atMost(20, TimeUnit.SECONDS).until(() -> latest.containsKey(id) && latest.get(id).state().isFinal());
                final CommandRecord refused = latest.get(id);
                // Never sent: no SENT transition, no delivery attempt, no node took it.
                assertThat(refused.transitionStates()).containsExactly(CommandState.ISSUED, CommandState.REJECTED);
                assertThat(refused.attempts()).isZero();
                assertThat(refused.reason()).isEqualTo(CommandRelay.UNAUTHORISED_REASON);
                // Journaled for the archive's audit like every transition the relay makes, before any removal.
                await().atMost(10, TimeUnit.SECONDS).until(() -> latest.get(id).journaled() == 2);
            }
            // The gateway shows the refusal and why while the ledger holds it (removed since: gone from the ledger).
            final HttpResponse<String> shown = get("/api/v1/commands/" + unsealed);
            if (shown.statusCode() == 404)
            {
                assertThat(removed).as(shown.body()).contains(unsealed);
            }
            else
            {
                assertThat(json(shown).get("state").asText()).isEqualTo("rejected");
                assertThat(json(shown).get("reason").asText()).contains("not authorised");
            }
        }
        finally
        {
            ledger.map().removeEntryListener(listener);
        }
        final String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingest.statusPort() +
            "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics.lines().filter(line -> line.startsWith("odyssey_ingest_commands_unauthorised_total"))
            .mapToLong(line -> Long.parseLong(line.substring(line.lastIndexOf(' ') + 1))).sum()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void shouldExpireACommandForADroneOutOfContact() throws Exception
    {
        // A drone the fleet map knows but that no ingest node hears any more.
        final long sent = System.currentTimeMillis() * 1_000_000L;
        fleet.set(900L, new DroneState(900, 5, sent, sent, sent, 52.52, 13.405, 40f, 0f, 0f, 0f, 60f, "HOVERING", 8,
            "ingest-that-died"));
        await().atMost(10, TimeUnit.SECONDS).until(() -> status(get("/api/v1/drones/900")) == 200);

        final JsonNode issued = json(post("/api/v1/commands", "{\"droneId\":900,\"type\":\"land\",\"expiresInS\":2}"));
        final long id = Long.parseLong(issued.get("id").asText());

        await().atMost(20, TimeUnit.SECONDS).until(() -> ledger.get(id).state() == CommandState.EXPIRED);
        final CommandRecord expired = ledger.get(id);
        assertThat(expired.transitionStates()).containsExactly(CommandState.ISSUED, CommandState.EXPIRED);
        assertThat(expired.reason()).contains("out of contact");
        assertThat(expired.firstAt(CommandState.EXPIRED) - expired.issuedAtNanos()).isGreaterThanOrEqualTo(2_000_000_000L);
        // Counted for the "commands expiring" alert by the node that expired it.
        final String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingest.statusPort() +
            "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics.lines().filter(line -> line.startsWith("odyssey_ingest_commands_expired_total{"))
            .mapToLong(line -> Long.parseLong(line.substring(line.lastIndexOf(' ') + 1))).sum()).isPositive();
    }

    @Test
    void shouldCancelARunningMissionAndLeaveTheDroneHolding() throws Exception
    {
        final DroneState start = fleet.get(2L);
        final double[] far = offset(start, 2_000, 0);
        final JsonNode issued = json(post("/api/v1/commands", "{\"droneId\":2,\"type\":\"mission\",\"waypoints\":[" +
            waypoint(far, 0) + "]}"));
        final long id = Long.parseLong(issued.get("id").asText());
        await().atMost(30, TimeUnit.SECONDS).until(() -> ledger.get(id).state() == CommandState.IN_PROGRESS);

        final HttpResponse<String> cancel = post("/api/v1/commands/" + id + "/cancel", "");
        assertThat(cancel.statusCode()).isEqualTo(202);
        final long cancelId = Long.parseLong(json(cancel).get("id").asText());

        await().atMost(30, TimeUnit.SECONDS).until(() -> ledger.get(cancelId).state() == CommandState.COMPLETED);
        final CommandRecord mission = ledger.get(id);
        assertThat(mission.state()).isEqualTo(CommandState.CANCELLED);
        assertThat(mission.reason()).contains("cancelled by operator");
        // It stopped on the way, far from the mission's end.
        await().atMost(20, TimeUnit.SECONDS).until(() -> fleet.get(2L).groundSpeed() < 0.5f);
        final DroneState stopped = fleet.get(2L);
        assertThat(Geodesy.distanceM(stopped.latitude(), stopped.longitude(), far[0], far[1])).isGreaterThan(100.0);
    }

    @Test
    void shouldRecordADronesOwnFailsafeReturnHomeAsACommandThatCompletesWhenItHasLanded()
    {
        await().atMost(120, TimeUnit.SECONDS).until(() ->
            ledger.list(101, null, false, 10).stream().anyMatch(c -> "drone".equals(c.issuedBy()) &&
                c.state() == CommandState.COMPLETED));
        final CommandRecord failsafe = ledger.list(101, null, false, 10).stream()
            .filter(c -> "drone".equals(c.issuedBy()) && c.state() == CommandState.COMPLETED).findFirst().orElseThrow();
        assertThat(failsafe.type()).isEqualTo(CommandType.RETURN_HOME);
        assertThat(failsafe.id()).isNegative();
        assertThat(failsafe.parameters().startedBecause()).isEqualTo(CommandReason.FAILSAFE_LOW_BATTERY);
        // Started by the drone (no issue from the ground, so no SENT), completed once telemetry showed it landed at
        // home; it recharges and flies on afterwards, so the landing itself is checked by the relay, not here.
        assertThat(failsafe.transitionStates()).containsExactly(CommandState.ISSUED, CommandState.ACCEPTED,
            CommandState.IN_PROGRESS, CommandState.COMPLETED);
        assertThat(failsafe.firstAt(CommandState.COMPLETED)).isGreaterThanOrEqualTo(failsafe.doneAtNanos());
        assertThat(failsafe.targetLatitude()).isNotNaN();
    }

    @Test
    void shouldFinishACommandAcrossRestartsOfTheGatewayAndOfTheRelayingIngestNode() throws Exception
    {
        final DroneState start = fleet.get(3L);
        final double[] target = offset(start, 0, 900);
        final JsonNode issued = json(post("/api/v1/commands", "{\"droneId\":3,\"type\":\"goto\",\"lat\":" + target[0] +
            ",\"lon\":" + target[1] + ",\"idempotencyKey\":\"restart-test\"}"));
        final long id = Long.parseLong(issued.get("id").asText());
        await().atMost(30, TimeUnit.SECONDS).until(() -> ledger.get(id).state() == CommandState.IN_PROGRESS);

        // Both the gateway and the node that relays the command go away mid-flight and come back.
        gateway.close();
        ingest.close();
        ingest = EdgeIngest.launch(ingestConfig());
        gateway = Gateway.launch(gatewayConfig(gateway.port()));

        await().atMost(90, TimeUnit.SECONDS).until(() -> ledger.get(id).state() == CommandState.COMPLETED);
        final CommandRecord done = ledger.get(id);
        assertThat(done.transitionStates()).containsExactly(CommandState.ISSUED, CommandState.SENT,
            CommandState.ACCEPTED, CommandState.IN_PROGRESS, CommandState.COMPLETED);
        final DroneState there = fleet.get(3L);
        assertThat(Geodesy.distanceM(there.latitude(), there.longitude(), target[0], target[1])).isLessThan(15.0);
        // The same request again after the restarts is the same command, not a second one.
        final HttpResponse<String> again = post("/api/v1/commands", "{\"droneId\":3,\"type\":\"goto\",\"lat\":" +
            target[0] + ",\"lon\":" + target[1] + ",\"idempotencyKey\":\"restart-test\"}");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(json(again).get("id").asText()).isEqualTo(Long.toString(id));
        assertThat(ledger.list(3, null, false, 100)).filteredOn(c -> c.type() == CommandType.GOTO).hasSize(1);
    }

    @Test
    void shouldKeepWaitingInTheCliThroughAGatewayRestartAndExit0WhenTheCommandCompletes() throws Exception
    {
        final DroneState start = fleet.get(5L);
        final double[] target = offset(start, 900, 0);
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final java.util.concurrent.CompletableFuture<CliRun> waiting = java.util.concurrent.CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return cli(err, "goto", "5", Double.toString(target[0]), Double.toString(target[1]), "--wait", "--timeout",
                    "180", "--json");
            }
            catch (final Exception ex)
            {
                throw new IllegalStateException(ex);
            }
        });
        await().atMost(30, TimeUnit.SECONDS).until(() -> ledger.list(5, null, false, 10).stream()
            .anyMatch(c -> c.type() == CommandType.GOTO && c.state() == CommandState.IN_PROGRESS));
        final long id = ledger.list(5, null, false, 10).stream().filter(c -> c.type() == CommandType.GOTO).findFirst()
            .orElseThrow().id();

        // The gateway goes away mid-flight (the CLI's stream is cut, its polls find nobody) and comes back.
        final int port = gateway.port();
        gateway.close();
        // Away until the CLI has found it gone: a gateway back before the CLI's first attempt is no outage to ride.
        await().atMost(30, TimeUnit.SECONDS).until(() -> err.toString(StandardCharsets.UTF_8).contains("lost the gateway"));
        gateway = Gateway.launch(gatewayConfig(port));

        final CliRun run = waiting.get(180, TimeUnit.SECONDS);
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(ledger.get(id).state()).isEqualTo(CommandState.COMPLETED);
        final JsonNode last = run.lastJsonLine();
        assertThat(last.get("id").asText()).isEqualTo(Long.toString(id));
        assertThat(last.get("state").asText()).isEqualTo("completed");
        assertThat(run.err()).contains("the gateway answers again after");
    }

    @Test
    void shouldOrderADroneFoundInsideAKeepOutGeofenceHome() throws Exception
    {
        // Drone 4 holds still; then an admin draws a keep-out fence around where it hovers.
        final long hold = Long.parseLong(json(post("/api/v1/commands", "{\"droneId\":4,\"type\":\"hold\"}"))
            .get("id").asText());
        await().atMost(30, TimeUnit.SECONDS).until(() -> ledger.get(hold).state() == CommandState.COMPLETED);
        final DroneState here = fleet.get(4L);
        final double[] sw = offset(here, -200, -200);
        final double[] ne = offset(here, 200, 200);
        final String fence = "{\"type\":\"Feature\",\"properties\":{\"name\":\"incident\",\"kind\":\"keep-out\"}," +
            "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[" + sw[1] + "," + sw[0] + "],[" + ne[1] + "," + sw[0] +
            "],[" + ne[1] + "," + ne[0] + "],[" + sw[1] + "," + ne[0] + "],[" + sw[1] + "," + sw[0] + "]]]}}";
        final HttpResponse<String> created = HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + gateway.port() + "/api/v1/geofences"))
            .header("Authorization", "Bearer " + ADMIN).POST(HttpRequest.BodyPublishers.ofString(fence)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        final String fenceId = JSON.readTree(created.body()).get("id").asText();
        try
        {
            await().atMost(30, TimeUnit.SECONDS).until(() -> ledger.list(4, null, false, 20).stream()
                .anyMatch(c -> "geofence".equals(c.issuedBy()) && c.state() != CommandState.ISSUED));
            final CommandRecord order = ledger.list(4, null, false, 20).stream()
                .filter(c -> "geofence".equals(c.issuedBy())).findFirst().orElseThrow();
            assertThat(order.type()).isEqualTo(CommandType.RETURN_HOME);
            assertThat(order.transitionReasons()[0]).contains("inside the keep-out geofence 'incident'");
            // Only one order for one excursion: still one after more than two passes of the guard (once a second);
            // proving that nothing more happens takes that long, and a second order fails the wait at once.
            await().during(java.time.Duration.ofMillis(2_500)).atMost(5, TimeUnit.SECONDS).until(() ->
                ledger.list(4, null, false, 20).stream().filter(c -> "geofence".equals(c.issuedBy())).count() == 1);
        }
        finally
        {
            HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/api/v1/geofences/" + fenceId))
                .header("Authorization", "Bearer " + ADMIN).DELETE().build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    // ---- helpers ----

    private static double[] offset(final DroneState from, final double northM, final double eastM)
    {
        return new double[]{from.latitude() + northM / 111_320.0,
            from.longitude() + eastM / (111_320.0 * Math.cos(Math.toRadians(from.latitude())))};
    }

    private static String waypoint(final double[] point, final double holdS)
    {
        return "{\"lat\":" + point[0] + ",\"lon\":" + point[1] + ",\"alt\":50,\"holdS\":" + holdS + "}";
    }

    private static CliRun cli(final String... args) throws Exception
    {
        return cli(new ByteArrayOutputStream(), args);
    }

    /** @param err where the CLI's errors go, for a test that watches them while it runs. */
    private static CliRun cli(final ByteArrayOutputStream err, final String... args) throws Exception
    {
        final Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, OPERATOR + "\n");
        return CliRun.run(gateway.port(), tokenFile, err, args);
    }

    private static HttpResponse<String> get(final String path) throws Exception
    {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
            .header("Authorization", "Bearer " + OPERATOR).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(final String path, final String body) throws Exception
    {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
            .header("Authorization", "Bearer " + OPERATOR).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int status(final HttpResponse<String> response)
    {
        return response.statusCode();
    }

    private static JsonNode json(final HttpResponse<String> response) throws Exception
    {
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
        return JSON.readTree(response.body());
    }

    private static GatewayConfig gatewayConfig(final int port)
    {
        final GatewayConfig config = STACK.gateway(port);
        config.tokens = List.of("ops:operator:" + OPERATOR, "root:admin:" + ADMIN);
        return config;
    }

    private static EdgeIngestConfig ingestConfig()
    {
        return STACK.ingest("ingest-commands", dir.resolve("journal"));
    }

    private static SimulatorConfig simulatorConfig(final long firstId, final int drones, final double drain)
    {
        final SimulatorConfig config = STACK.simulator(firstId, drones);
        config.timeScale = TIME_SCALE;
        config.batteryDrainFactor = drain;
        return config;
    }

    /** The latest version of each watched ledger record, and which were removed (events of one key come in order). */
    private record Watch(Set<Long> ids, Map<Long, CommandRecord> latest, Set<Long> removed) implements
        com.hazelcast.map.listener.EntryAddedListener<Long, CommandRecord>,
        com.hazelcast.map.listener.EntryUpdatedListener<Long, CommandRecord>,
        com.hazelcast.map.listener.EntryRemovedListener<Long, CommandRecord>
    {
        public void entryAdded(final com.hazelcast.core.EntryEvent<Long, CommandRecord> event)
        {
            entryUpdated(event);
        }

        public void entryUpdated(final com.hazelcast.core.EntryEvent<Long, CommandRecord> event)
        {
            if (ids.contains(event.getKey()))
            {
                latest.put(event.getKey(), event.getValue());
            }
        }

        public void entryRemoved(final com.hazelcast.core.EntryEvent<Long, CommandRecord> event)
        {
            if (ids.contains(event.getKey()))
            {
                removed.add(event.getKey());
            }
        }
    }
}
