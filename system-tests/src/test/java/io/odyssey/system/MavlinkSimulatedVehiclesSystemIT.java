package io.odyssey.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.cli.OdysseyCli;
import io.odyssey.cli.PrometheusText;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.DroneFlag;
import io.odyssey.gateway.Gateway;
import io.odyssey.gateway.GatewayConfig;
import io.odyssey.geo.Geodesy;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.GridNode;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.ingest.EdgeIngest;
import io.odyssey.mavlink.edge.MavlinkEdge;
import io.odyssey.mavlink.edge.MavlinkEdgeConfig;
import io.odyssey.runtime.Counter;
import io.odyssey.simulator.Simulator;
import io.odyssey.simulator.SimulatorConfig;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Simulated MAVLink vehicles through the whole stack, all real parts: {@code odyssey-cli} (in this JVM, its command
 * line as {@code main} runs it, with a real token) → the gateway → the ledger in a real Hazelcast member → the ingest
 * node → the MAVLink edge → the MAVLink command and mission protocols over UDP → a simulator whose drones 9202..9205
 * fly as PX4 vehicles (time 3x) → back into the ledger, the map and the CLI's output. Also what the ledger and the map
 * say when a vehicle switches flight mode by itself mid-order, made by the simulator's
 * {@code ODYSSEY_SIM_MAVLINK_MODE_SWITCHES}: a pilot who takes over on the RC (9204), a failsafe return (9205).
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class MavlinkSimulatedVehiclesSystemIT
{
    @TempDir
    static Path dir;

    private static final String CLUSTER = "mavlink-simulated-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);
    private static final int INGEST_PORT = GRID_PORT + 500;
    private static final StackConfigs STACK = new StackConfigs(CLUSTER, GRID_PORT, INGEST_PORT);
    private static final String OPERATOR = "operator-secret-for-the-simulated-mavlink-vehicles";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** An SBE drone (9201) and four MAVLink ones, system ids 1..4 in this order. */
    private static final long FIRST = 9_201;
    private static final long SURVEYOR = 9_202;
    private static final long DENIED = 9_203;
    private static final long PILOTED = 9_204;
    private static final long FAILSAFE = 9_205;
    /** Real seconds after its first order to move that a vehicle of the hook switches mode: past the edge's 2 s settle. */
    private static final int MODE_SWITCH_S = 4;
    private static final String MODE_CHANGED = "mode changed by vehicle";
    /** What the ledger checks a completion against with ingest's telemetry (docs/api/commands.md). */
    private static final double HORIZONTAL_TOLERANCE_M = 10;
    private static final double VERTICAL_TOLERANCE_M = 5;

    private static GridNode member;
    private static EdgeIngest ingest;
    private static Gateway gateway;
    private static MavlinkEdge edge;
    private static Simulator simulator;
    private static HazelcastInstance client;
    private static CommandLedger ledger;
    private static IMap<Long, DroneState> fleet;
    private static Path tokenFile;

    @BeforeAll
    static void start() throws Exception
    {
        member = GridNode.launch(STACK.grid());
        ingest = EdgeIngest.launch(STACK.ingest("ingest-mavlink-simulated", dir.resolve("journal")));
        final GatewayConfig gatewayConfig = STACK.gateway(0);
        gatewayConfig.tokens = List.of("ops:operator:" + OPERATOR);
        gateway = Gateway.launch(gatewayConfig);

        final MavlinkEdgeConfig edgeConfig = new MavlinkEdgeConfig();
        edgeConfig.listen = "127.0.0.1:0";
        edgeConfig.commandEndpoint = "127.0.0.1:0";
        edgeConfig.endpoints = List.of("127.0.0.1:" + INGEST_PORT);
        edgeConfig.statusPort = 0;
        edgeConfig.vehicles = Files.writeString(dir.resolve("mavlink-vehicles"),
            "1 " + SURVEYOR + "\n2 " + DENIED + "\n3 " + PILOTED + "\n4 " + FAILSAFE + "\n").toString();
        edgeConfig.droneKeys = StackConfigs.DRONE_KEYS.toString();
        edge = MavlinkEdge.launch(edgeConfig);

        final SimulatorConfig simConfig = STACK.simulator(FIRST, 5);
        simConfig.mavlinkDrones = 4;
        simConfig.mavlinkEdge = "127.0.0.1:" + edge.mavlinkPort();
        simConfig.timeScale = 3;
        // The orders, not the batteries, are under test: no low-battery failsafe takes a vehicle home meanwhile.
        simConfig.batteryDrainFactor = 0.05;
        simConfig.mavlinkModeSwitches = PILOTED + ":POSCTL:" + MODE_SWITCH_S + "," + FAILSAFE + ":RTL:" + MODE_SWITCH_S;
        simulator = Simulator.launch(simConfig);

        client = HazelcastClient.newHazelcastClient(FleetGrid.clientConfig(CLUSTER, List.of("127.0.0.1:" + GRID_PORT),
            "mavlink-simulated-observer"));
        ledger = new CommandLedger(client);
        fleet = FleetGrid.fleetMap(client);
        tokenFile = Files.writeString(dir.resolve("token"), OPERATOR + "\n");
    }

    @AfterAll
    static void stop() throws Exception
    {
        if (client != null)
        {
            client.shutdown();
        }
        for (final AutoCloseable part : new AutoCloseable[]{simulator, edge, gateway, ingest, member})
        {
            if (part != null)
            {
                part.close();
            }
        }
    }

    @Test
    void shouldFlyAMissionFromTheCliAndCompleteItOnlyWithTheVehicleAtTheLastWaypoint() throws Exception
    {
        final DroneState from = airborne(SURVEYOR);
        final double[] first = offset(from, 250, 0);
        final double[] second = offset(from, 250, 250);
        final double[] last = offset(from, 0, 250);
        final Path file = dir.resolve("survey.csv");
        Files.writeString(file, "# a survey square, as a planning tool exports it\nlat,lon,alt,holdS\n" +
            row(first, 50, 0) + row(second, 50, 2) + row(last, 45, 0));

        final CompletableFuture<CliRun> waiting = CompletableFuture.supplyAsync(() -> CliRun.run(gateway.port(),
            tokenFile, "mission", String.valueOf(SURVEYOR), "--file", file.toString(), "--wait", "--timeout", "240"));
        // Past its first waypoint the vehicle has not finished, whatever it says of the waypoints behind it.
        await().atMost(120, TimeUnit.SECONDS).until(() -> latest(SURVEYOR, CommandType.MISSION) != null &&
            (latest(SURVEYOR, CommandType.MISSION).waypointIndex() >= 1 || latest(SURVEYOR, CommandType.MISSION).state().isFinal()));
        assertThat(latest(SURVEYOR, CommandType.MISSION).state().isFinal()).as("not done at the second waypoint").isFalse();
        final CliRun run = waiting.get(250, TimeUnit.SECONDS);

        assertThat(run.exit()).as(run.out() + run.err()).isZero();
        final CommandRecord mission = latest(SURVEYOR, CommandType.MISSION);
        assertThat(mission.state()).as(String.valueOf(mission)).isEqualTo(CommandState.COMPLETED);
        assertThat(mission.issuedBy()).isEqualTo("ops");
        assertThat(mission.transitionStates()).containsExactly(CommandState.ISSUED, CommandState.SENT,
            CommandState.ACCEPTED, CommandState.IN_PROGRESS, CommandState.COMPLETED);
        assertThat(mission.firstAt(CommandState.COMPLETED)).as("completed only after the vehicle's own done")
            .isGreaterThanOrEqualTo(mission.doneAtNanos());
        assertThat(mission.waypointIndex()).isEqualTo(2);
        // What the operator saw: every state after the issue, in the ledger's order, and the final word.
        assertThat(printedStates(run.out(), mission.id(), SURVEYOR, "mission")).containsExactly(
            "sent", "accepted", "in-progress", "completed");
        assertThat(run.out().strip()).endsWith("all 1 completed");
        // When it said completed, the vehicle's telemetry had it at the last waypoint.
        final DroneState there = fleet.get(SURVEYOR);
        assertThat(Geodesy.distanceM(there.latitude(), there.longitude(), last[0], last[1]))
            .isLessThan(HORIZONTAL_TOLERANCE_M);
        assertThat((double)there.altitude()).isCloseTo(45, org.assertj.core.data.Offset.offset(VERTICAL_TOLERANCE_M));
    }

    @Test
    void shouldShowTheVehiclesDenialInTheCliAndExitNotCompleted() throws Exception
    {
        airborne(DENIED);

        // A take-off in the air: PX4 denies NAV_TAKEOFF (MAV_RESULT_DENIED).
        final CliRun run = CliRun.run(gateway.port(), tokenFile, "takeoff", String.valueOf(DENIED), "--alt", "40",
            "--wait", "--timeout", "120");

        assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(OdysseyCli.EXIT_NOT_COMPLETED);
        final CommandRecord takeoff = latest(DENIED, CommandType.TAKEOFF);
        assertThat(takeoff.state()).isEqualTo(CommandState.REJECTED);
        assertThat(takeoff.reason()).isEqualTo("vehicle denied");
        assertThat(run.out()).containsPattern("drone " + DENIED + "\\s+takeoff\\s+rejected\\b.*\\(vehicle denied\\)");
        assertThat(run.out().strip()).endsWith("1 rejected");
    }

    @Test
    void shouldEndTheOrderWhenThePilotTakesOverShowThePilotFlyingAndSendNothingBehindTheirBack() throws Exception
    {
        final DroneState from = airborne(PILOTED);
        final double[] far = offset(from, 2_000, 0);

        final CliRun run = CliRun.run(gateway.port(), tokenFile, "goto", String.valueOf(PILOTED), coordinate(far[0]),
            coordinate(far[1]), "--wait", "--timeout", "120");

        assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(OdysseyCli.EXIT_NOT_COMPLETED);
        assertThat(run.out()).containsPattern("drone " + PILOTED + "\\s+goto\\s+cancelled\\b.*\\(" + MODE_CHANGED + "\\)");
        final CommandRecord order = latest(PILOTED, CommandType.GOTO);
        assertThat(order.transitionStates()).containsExactly(CommandState.ISSUED, CommandState.SENT,
            CommandState.ACCEPTED, CommandState.IN_PROGRESS, CommandState.CANCELLED);
        assertThat(order.reason()).isEqualTo(MODE_CHANGED);
        assertThat(simulatorCounter("odyssey_sim_mavlink_mode_switches_total")).isPositive();

        // The map: hovering where the pilot stopped it, a pilot flying it.
        await().atMost(30, TimeUnit.SECONDS).untilAsserted(() ->
        {
            final JsonNode drone = drone(PILOTED);
            assertThat(drone.path("status").asText()).isEqualTo("HOVERING");
            assertThat(drone.path("flags").asInt() & DroneFlag.MANUAL_CONTROL).as("flags").isNotZero();
        });
        final DroneState held = fleet.get(PILOTED);
        assertThat(Geodesy.distanceM(held.latitude(), held.longitude(), far[0], far[1])).as("well short of the point")
            .isGreaterThan(1_000);
        // Nothing goes to the vehicle behind the pilot's back: no command, no retry, and it stays where it is held.
        final long vehicleCommands = vehicleCommands();
        final long retries = edgeCounter("odyssey_mavlink_command_retries_total");
        await().during(Duration.ofSeconds(4)).atMost(8, TimeUnit.SECONDS).until(() ->
        {
            final DroneState now = fleet.get(PILOTED);
            return vehicleCommands() == vehicleCommands && edgeCounter("odyssey_mavlink_command_retries_total") == retries &&
                Geodesy.distanceM(now.latitude(), now.longitude(), held.latitude(), held.longitude()) < 5;
        });

        // An order the vehicle accepts takes it back from the pilot (PX4 switches to an AUTO mode).
        final CliRun hold = CliRun.run(gateway.port(), tokenFile, "hold", String.valueOf(PILOTED), "--wait", "--timeout",
            "60");
        assertThat(hold.exit()).as(hold.out() + hold.err()).isZero();
        await().atMost(15, TimeUnit.SECONDS).until(() -> (drone(PILOTED).path("flags").asInt() & DroneFlag.MANUAL_CONTROL) == 0);
    }

    @Test
    void shouldEndTheOrderWhenAFailsafeTakesTheVehicleHomeAndShowItReturning() throws Exception
    {
        final DroneState from = airborne(FAILSAFE);
        final double[] far = offset(from, 0, 2_000);

        final CompletableFuture<CliRun> waiting = CompletableFuture.supplyAsync(() -> CliRun.run(gateway.port(),
            tokenFile, "goto", String.valueOf(FAILSAFE), coordinate(far[0]), coordinate(far[1]), "--wait", "--timeout",
            "120"));
        // The map: on its way home, flown by its autopilot (no pilot). Watched from the order on: home may be near,
        // and it lands there.
        await().atMost(90, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
        {
            final JsonNode drone = drone(FAILSAFE);
            assertThat(drone.path("status").asText()).isEqualTo("RETURNING");
            assertThat(drone.path("flags").asInt() & DroneFlag.MANUAL_CONTROL).as("flags").isZero();
        });
        final CliRun run = waiting.get(150, TimeUnit.SECONDS);

        assertThat(run.exit()).as(run.out() + run.err()).isEqualTo(OdysseyCli.EXIT_NOT_COMPLETED);
        assertThat(run.out()).containsPattern("drone " + FAILSAFE + "\\s+goto\\s+cancelled\\b.*\\(" + MODE_CHANGED + "\\)");
        final CommandRecord order = latest(FAILSAFE, CommandType.GOTO);
        assertThat(order.transitionStates()).containsExactly(CommandState.ISSUED, CommandState.SENT,
            CommandState.ACCEPTED, CommandState.IN_PROGRESS, CommandState.CANCELLED);
        assertThat(order.reason()).isEqualTo(MODE_CHANGED);
        // The failsafe flies on undisturbed: nothing sent to the vehicle, no retry, and it stays on its way home.
        final long vehicleCommands = vehicleCommands();
        final long retries = edgeCounter("odyssey_mavlink_command_retries_total");
        await().during(Duration.ofSeconds(4)).atMost(8, TimeUnit.SECONDS).until(() ->
            vehicleCommands() == vehicleCommands && edgeCounter("odyssey_mavlink_command_retries_total") == retries &&
            List.of("RETURNING", "LANDING", "GROUNDED").contains(fleet.get(FAILSAFE).status()));
        // The ledger says why it flies home: a return home the vehicle started itself, as a simulated drone's
        // low-battery return is recorded, followed to the ground and completed there.
        final CommandRecord own = latest(FAILSAFE, CommandType.RETURN_HOME);
        assertThat(own).as("a return home the vehicle started itself, in the ledger").isNotNull();
        assertThat(own.issuedBy()).isEqualTo(CommandLedger.DRONE_ISSUER);
        assertThat(own.parameters().startedByDrone()).isTrue();
        assertThat(own.issuedAtNanos()).isGreaterThan(order.issuedAtNanos());
        await().atMost(150, TimeUnit.SECONDS).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
        {
            final CommandRecord now = ledger.get(own.id());
            assertThat(now.state()).as(now + " with the vehicle at " + fleet.get(FAILSAFE)).isEqualTo(CommandState.COMPLETED);
        });
        assertThat(ledger.get(own.id()).transitionStates()).contains(CommandState.ACCEPTED, CommandState.COMPLETED);
    }

    // ---------------------------------------------------------------------------------------------------------------

    /** Waits until the drone flies its patrol (up, and not on its way down or home). */
    private static DroneState airborne(final long drone)
    {
        await().atMost(120, TimeUnit.SECONDS).until(() ->
        {
            final DroneState state = fleet.get(drone);
            return state != null && List.of("CRUISING", "HOVERING").contains(state.status()) && state.altitude() > 20;
        });
        return fleet.get(drone);
    }

    /** The drone's latest command of {@code type} in the ledger, or null. */
    private static CommandRecord latest(final long drone, final CommandType type)
    {
        return ledger.list(drone, null, false, 20).stream().filter(c -> c.type() == type)
            .max(java.util.Comparator.comparingLong(CommandRecord::issuedAtNanos)).orElse(null);
    }

    /** The states the CLI's --wait printed for one command, in order. */
    private static List<String> printedStates(final String out, final long id, final long drone, final String type)
    {
        final Matcher line = Pattern.compile("\\s" + id + "\\s+drone " + drone + "\\s+" + type + "\\s+(\\S+)").matcher(out);
        final List<String> states = new ArrayList<>();
        while (line.find())
        {
            states.add(line.group(1));
        }
        return states;
    }

    /** What the MAVLink vehicles were told and acted on, answered again or answered "not now": every command they got. */
    private static long vehicleCommands()
    {
        return simulatorCounter("odyssey_sim_mavlink_commands_executed_total") +
            simulatorCounter("odyssey_sim_mavlink_commands_repeated_total") +
            simulatorCounter("odyssey_sim_mavlink_commands_busy_total");
    }

    private static long simulatorCounter(final String name)
    {
        long total = 0;
        for (final Counter counter : simulator.metrics().counters())
        {
            total += counter.name().equals(name) ? counter.get() : 0;
        }
        return total;
    }

    /** A counter of the edge's {@code /metrics}, as an operator reads it. */
    private static long edgeCounter(final String name) throws Exception
    {
        final String text = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.statusPort() +
            "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        return (long)PrometheusText.parse(text).stream().filter(s -> s.name().equals(name))
            .mapToDouble(PrometheusText.Sample::value).sum();
    }

    /** The drone as the map gets it: the gateway's {@code /api/v1/drones/{id}}. */
    private static JsonNode drone(final long id) throws Exception
    {
        final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" +
                gateway.port() + "/api/v1/drones/" + id)).header("Authorization", "Bearer " + OPERATOR).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200 ? JSON.readTree(response.body()) : JSON.createObjectNode();
    }

    private static double[] offset(final DroneState from, final double northM, final double eastM)
    {
        return new double[]{from.latitude() + northM / 111_320.0,
            from.longitude() + eastM / (111_320.0 * Math.cos(Math.toRadians(from.latitude())))};
    }

    private static String row(final double[] point, final double alt, final double holdS)
    {
        return String.format(Locale.ROOT, "%.7f,%.7f,%.1f,%.1f\n", point[0], point[1], alt, holdS);
    }

    private static String coordinate(final double degrees)
    {
        return String.format(Locale.ROOT, "%.7f", degrees);
    }
}
