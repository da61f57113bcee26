package io.odyssey.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.gateway.Gateway;
import io.odyssey.gateway.GatewayConfig;
import io.odyssey.geo.Geodesy;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.GridNode;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.ingest.EdgeIngest;
import io.odyssey.mavlink.edge.MavlinkEdge;
import io.odyssey.mavlink.edge.MavlinkEdgeConfig;
import io.odyssey.mavlink.edge.NodeVehicle;
import io.odyssey.runtime.Setting;
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
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Orders to a MAVLink vehicle that is not Odyssey's code, end to end with real parts: REST → the gateway → the ledger
 * in a real Hazelcast member → the ingest node → the MAVLink edge → COMMAND_LONG/COMMAND_INT and the mission protocol
 * over UDP → the node-mavlink vehicle ({@link NodeVehicle}), which flies them and answers → the ledger. Take-off, goto,
 * a mission, return home (landing there), take-off again and land, each with its ledger states in order and the
 * vehicle's own account of what it did.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class MavlinkVehicleOrdersIT
{
    @TempDir
    static Path dir;

    private static final String CLUSTER = "mavlink-orders-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);
    private static final int INGEST_PORT = GRID_PORT + 500;
    private static final StackConfigs STACK = new StackConfigs(CLUSTER, GRID_PORT, INGEST_PORT);
    private static final String OPERATOR = "operator-secret-for-the-mavlink-orders";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final int SYSTEM_ID = 31;
    private static final long DRONE = 9_031;
    private static final double HOME_LAT = 52.51;
    private static final double HOME_LON = 13.39;
    /** MAV_CMD numbers and MAV_RESULT_ACCEPTED, as the vehicle reports them. */
    private static final int ARM = 400;
    private static final int TAKEOFF = 22;
    private static final int RETURN_TO_LAUNCH = 20;
    private static final int LAND = 21;
    private static final int MISSION_START = 300;
    private static final int ACCEPTED = 0;
    private static final List<CommandState> IN_ORDER = List.of(CommandState.ISSUED, CommandState.SENT,
        CommandState.ACCEPTED, CommandState.IN_PROGRESS, CommandState.COMPLETED);

    private static GridNode member;
    private static EdgeIngest ingest;
    private static Gateway gateway;
    private static MavlinkEdge edge;
    private static NodeVehicle vehicle;
    private static HazelcastInstance client;
    private static CommandLedger ledger;

    @BeforeAll
    static void start() throws Exception
    {
        member = GridNode.launch(STACK.grid());
        ingest = EdgeIngest.launch(STACK.ingest("ingest-mavlink", dir.resolve("journal")));
        final GatewayConfig gatewayConfig = STACK.gateway(0);
        gatewayConfig.tokens = List.of("ops:operator:" + OPERATOR);
        gateway = Gateway.launch(gatewayConfig);
        edge = MavlinkEdge.launch(edgeConfig());
        final Setting keys = Setting.of("ODYSSEY_TEST_KEYS", StackConfigs.DRONE_KEYS.toString(), "keys of the test");
        vehicle = new NodeVehicle("127.0.0.1:" + edge.mavlinkPort(), SYSTEM_ID,
            DroneKeys.load(keys, StackConfigs.DRONE_KEYS).entry(DRONE).current().keyBytes(),
            "--on-ground", "--lat", String.valueOf(HOME_LAT), "--lon", String.valueOf(HOME_LON));
        client = HazelcastClient.newHazelcastClient(FleetGrid.clientConfig(CLUSTER, List.of("127.0.0.1:" + GRID_PORT),
            "mavlink-orders-observer"));
        ledger = new CommandLedger(client);
        await().atMost(90, TimeUnit.SECONDS).untilAsserted(() ->
            assertThat(drone().path("status").asText()).as(vehicle.describe()).isEqualTo("GROUNDED"));
    }

    static MavlinkEdgeConfig edgeConfig() throws Exception
    {
        final MavlinkEdgeConfig config = new MavlinkEdgeConfig();
        config.listen = "127.0.0.1:0";
        config.commandEndpoint = "127.0.0.1:0";
        config.endpoints = List.of("127.0.0.1:" + INGEST_PORT);
        config.statusPort = 0;
        config.vehicles = Files.writeString(dir.resolve("mavlink-vehicles"), SYSTEM_ID + " " + DRONE + "\n").toString();
        config.droneKeys = StackConfigs.DRONE_KEYS.toString();
        return config;
    }

    @AfterAll
    static void stop() throws Exception
    {
        if (vehicle != null)
        {
            vehicle.close();
        }
        if (client != null)
        {
            client.shutdown();
        }
        for (final AutoCloseable part : new AutoCloseable[]{edge, gateway, ingest, member})
        {
            if (part != null)
            {
                part.close();
            }
        }
    }

    @Test
    void shouldTakeOffGoFlyAMissionReturnHomeAndLandWithEveryLedgerStateInOrder() throws Exception
    {
        final CommandRecord takeoff = completed(order("{\"type\":\"takeoff\",\"alt\":20}"));
        assertThat(accepted(ARM)).as("armed before the take-off: %s", vehicle.describe()).isTrue();
        assertThat(accepted(TAKEOFF)).isTrue();
        assertThat(drone().path("alt").asDouble()).as("completed only within 2 m of its altitude (docs/api/mavlink.md)").isGreaterThanOrEqualTo(18);
        assertThat(takeoff.transitionStates()).containsExactlyElementsOf(IN_ORDER);

        final double[] target = offset(HOME_LAT, HOME_LON, 120, 0);
        final CommandRecord go = completed(order(String.format(Locale.ROOT,
            "{\"type\":\"goto\",\"lat\":%.7f,\"lon\":%.7f,\"alt\":25}", target[0], target[1])));
        assertThat(go.transitionStates()).containsExactlyElementsOf(IN_ORDER);
        assertThat(distanceTo(target)).as("completed only once there").isLessThan(10);

        final double[] first = offset(HOME_LAT, HOME_LON, 120, 120);
        final double[] last = offset(HOME_LAT, HOME_LON, 0, 120);
        final CommandRecord mission = completed(order(String.format(Locale.ROOT,
            "{\"type\":\"mission\",\"waypoints\":[{\"lat\":%.7f,\"lon\":%.7f,\"alt\":25},{\"lat\":%.7f,\"lon\":%.7f,\"alt\":25}]}",
            first[0], first[1], last[0], last[1])));
        assertThat(mission.transitionStates()).containsExactlyElementsOf(IN_ORDER);
        assertThat(vehicle.events("mission-uploaded", e -> true)).as("the mission protocol: %s", vehicle.describe())
            .isNotEmpty();
        assertThat(accepted(MISSION_START)).isTrue();
        assertThat(vehicle.events("mission-item-reached", e -> true)).as("every waypoint reached, in order")
            .extracting(e -> e.path("seq").asInt()).endsWith(0, 1);
        assertThat(distanceTo(last)).as("completed only at the last waypoint").isLessThan(10);

        // Home, where it armed (as PX4 with RTL_LAND_DELAY 0: Odyssey's return-to-home ends landed at home).
        final CommandRecord home = completed(order("{\"type\":\"return-to-home\"}"));
        assertThat(home.transitionStates()).containsExactlyElementsOf(IN_ORDER);
        assertThat(accepted(RETURN_TO_LAUNCH)).isTrue();
        assertThat(distanceTo(new double[]{HOME_LAT, HOME_LON})).as("landed at home").isLessThan(10);
        assertThat(drone().path("status").asText()).isEqualTo("GROUNDED");

        // Up again, and down where it is.
        completed(order("{\"type\":\"takeoff\",\"alt\":20}"));
        final CommandRecord land = completed(order("{\"type\":\"land\"}"));
        assertThat(land.transitionStates()).containsExactlyElementsOf(IN_ORDER);
        assertThat(accepted(LAND)).isTrue();
        assertThat(vehicle.events("landed", e -> true)).isNotEmpty();
        assertThat(drone().path("status").asText()).isEqualTo("GROUNDED");
        assertThat(vehicle.events("refused", e -> true)).as("every order reached it signed").isEmpty();
    }

    /** Issues an order for the vehicle's drone through the REST API. @return its id. */
    private static long order(final String body) throws Exception
    {
        // Expiring within the wait below: an order the edge never delivers ends EXPIRED, with its reason, not a timeout.
        final String withDrone = "{\"droneId\":" + DRONE + ",\"expiresInS\":90," + body.substring(1);
        final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url("/api/v1/commands")))
            .header("Authorization", "Bearer " + OPERATOR).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(withDrone)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return Long.parseLong(JSON.readTree(response.body()).path("id").asText());
    }

    private static CommandRecord completed(final long id)
    {
        await().atMost(120, TimeUnit.SECONDS).until(() -> ledger.get(id).state().isFinal());
        final CommandRecord command = ledger.get(id);
        assertThat(command.state()).as("%s: %s; %s", command.type(), command.reason(), vehicle.describe())
            .isEqualTo(CommandState.COMPLETED);
        return command;
    }

    private static boolean accepted(final int mavCommand)
    {
        return !vehicle.events("command", e -> e.path("command").asInt() == mavCommand &&
            e.path("result").asInt() == ACCEPTED).isEmpty();
    }

    private static JsonNode drone() throws Exception
    {
        final HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url("/api/v1/drones/" + DRONE)))
            .header("Authorization", "Bearer " + OPERATOR).GET().build(), HttpResponse.BodyHandlers.ofString());
        return response.statusCode() == 200 ? JSON.readTree(response.body()) : JSON.createObjectNode();
    }

    private static double distanceTo(final double[] point) throws Exception
    {
        final JsonNode drone = drone();
        return Geodesy.distanceM(point[0], point[1], drone.path("lat").asDouble(), drone.path("lon").asDouble());
    }

    private static double[] offset(final double lat, final double lon, final double northM, final double eastM)
    {
        return new double[]{lat + northM / 111_320.0, lon + eastM / (111_320.0 * Math.cos(Math.toRadians(lat)))};
    }

    private static String url(final String path)
    {
        return "http://127.0.0.1:" + gateway.port() + path;
    }
}
