package io.odyssey.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.codecs.RejectReason;
import io.odyssey.gateway.Gateway;
import io.odyssey.gateway.GatewayConfig;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.GridNode;
import io.odyssey.ingest.EdgeIngest;
import io.odyssey.simulator.Simulator;
import io.odyssey.simulator.SimulatorConfig;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Drone keys managed through the REST API and the CLI, against real parts: a grid member, an ingest node, a gateway and
 * simulators over real Aeron UDP. A rotation keeps a drone flying on its old key through the grace period and on its
 * new key (written into its key file) after it; a revocation has its frames refused (UNKNOWN_KEY); key records a plain
 * Hazelcast client plants, alters, moves to another drone or plays back are not used; viewers and operators are
 * refused; and no key ever shows in the processes' output, their /metrics or the grid.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DroneKeysSystemIT
{
    @TempDir
    static Path dir;

    private static final String CLUSTER = "drone-keys-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);
    private static final int INGEST_PORT = GRID_PORT + 500;
    private static final StackConfigs STACK = new StackConfigs(CLUSTER, GRID_PORT, INGEST_PORT);
    private static final String VIEWER = "viewer-secret-for-the-drone-keys-test";
    private static final String OPERATOR = "operator-secret-for-the-drone-keys-test";
    private static final String ADMIN = "admin-secret-for-the-drone-keys-test-0";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final long ROTATED = 9001;
    private static final long MOVED_TO = 9002;
    private static final long PLANTED = 9003;
    private static final long CLI_DRONE = 9004;
    private static final long MOVED_FROM = 9005;
    /** Every key the API answered: none may show anywhere else. */
    private static final Set<String> SECRETS = ConcurrentHashMap.newKeySet();
    private static final ByteArrayOutputStream OUTPUT = new ByteArrayOutputStream();
    private static PrintStream originalOut;

    private static GridNode member;
    private static EdgeIngest ingest;
    private static Gateway gateway;
    private static final List<Simulator> SIMULATORS = new ArrayList<>();
    private static HazelcastInstance client;
    private static IMap<Long, DroneState> fleet;
    private static IMap<Long, String> keyRecords;

    @BeforeAll
    static void startTheStack() throws Exception
    {
        // The processes' log (slf4j-simple writes to System.out, looked up per line), kept to be searched for keys.
        originalOut = System.out;
        System.setOut(new PrintStream(new Tee(originalOut, OUTPUT), true, StandardCharsets.UTF_8));
        member = GridNode.launch(STACK.grid());
        ingest = EdgeIngest.launch(STACK.ingest("ingest-keys", dir.resolve("journal")));
        final GatewayConfig gatewayConfig = STACK.gateway(0);
        gatewayConfig.tokens = List.of("watch:viewer:" + VIEWER, "ops:operator:" + OPERATOR, "root:admin:" + ADMIN);
        gateway = Gateway.launch(gatewayConfig);
        client = HazelcastClient.newHazelcastClient(FleetGrid.clientConfig(CLUSTER, List.of("127.0.0.1:" + GRID_PORT),
            "drone-keys-it-plain-client"));
        fleet = FleetGrid.fleetMap(client);
        keyRecords = client.getMap(FleetGrid.DRONE_KEYS_MAP);
    }

    @AfterAll
    static void stopTheStack() throws Exception
    {
        if (client != null)
        {
            client.shutdown();
        }
        for (final Simulator simulator : SIMULATORS)
        {
            simulator.close();
        }
        for (final AutoCloseable part : new AutoCloseable[]{gateway, ingest, member})
        {
            if (part != null)
            {
                part.close();
            }
        }
        if (originalOut != null)
        {
            System.setOut(originalOut);
        }
    }

    @Test
    @Order(1)
    void shouldKeepADroneFlyingThroughARotationOnItsOldKeyThenItsNewOneAndRefuseItOnceRevoked() throws Exception
    {
        final HttpResponse<String> added = send("POST", keys(ROTATED), ADMIN, null);
        assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
        assertThat(added.headers().firstValue("Cache-Control")).hasValue("no-store");
        final String firstKey = secret(added);
        final Path keyFile = keyFile("rotated", ROTATED, firstKey);
        SIMULATORS.add(Simulator.launch(simulator(ROTATED, keyFile)));
        await().atMost(60, TimeUnit.SECONDS).until(() -> fleet.containsKey(ROTATED));

        final long graceS = 8;
        final HttpResponse<String> rotated = send("POST", keys(ROTATED) + "/rotate", ADMIN, "{\"graceS\":" + graceS + "}");
        assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
        final long rotatedAt = nowNanos();
        final String secondKey = secret(rotated);
        assertThat(secondKey).isNotEqualTo(firstKey);
        assertThat(JSON.readTree(rotated.body()).get("previousKeyValidUntil").asText()).isNotBlank();

        // Within the grace, frames the drone signed with its old key well after the rotation are still taken.
        await().atMost(graceS - 2, TimeUnit.SECONDS).until(() -> sentAt(ROTATED) > rotatedAt + 1_000_000_000L);
        final JsonNode listed = JSON.readTree(send("GET", keys(ROTATED), ADMIN, null).body());
        assertThat(listed.get("keys")).extracting(key -> key.get("state").asText()).containsExactly("current", "previous");
        assertThat(listed.toString()).doesNotContain(firstKey).doesNotContain(secondKey);

        // The drone is given its new key (its key file, re-read within a second); after the grace only that one works.
        // Replaced whole, as a key tool does: the simulator re-reads the file every second and must not catch it half written.
        io.odyssey.runtime.AtomicFile.write(keyFile, ROTATED + " " + secondKey + "\n");
        final long graceEnds = rotatedAt + TimeUnit.SECONDS.toNanos(graceS);
        await().atMost(60, TimeUnit.SECONDS).until(() -> sentAt(ROTATED) > graceEnds + 2_000_000_000L);

        final long unknownBefore = ingest.rejectedCount(RejectReason.UNKNOWN_KEY);
        assertThat(send("DELETE", keys(ROTATED), ADMIN, null).statusCode()).isEqualTo(204);
        final long revokedAt = nowNanos();
        await().atMost(30, TimeUnit.SECONDS).until(() -> ingest.rejectedCount(RejectReason.UNKNOWN_KEY) > unknownBefore + 10);
        assertThat(sentAt(ROTATED)).as("nothing the drone sent after the revocation was taken")
            .isLessThan(revokedAt + 1_000_000_000L);
        assertThat(send("GET", keys(ROTATED), ADMIN, null).statusCode()).isEqualTo(404);
        assertThat(ingestMetric("odyssey_ingest_frames_rejected_total", "reason=\"UNKNOWN_KEY\""))
            .isGreaterThan(unknownBefore + 10);
    }

    @Test
    @Order(2)
    void shouldNotUseKeyRecordsAPlainGridClientPlantsAltersMovesOrPlaysBack() throws Exception
    {
        // A drone flying on its key file's key, whose record a grid client then plants: it keeps flying on that key.
        SIMULATORS.add(Simulator.launch(simulator(PLANTED, StackConfigs.DRONE_KEYS)));
        await().atMost(60, TimeUnit.SECONDS).until(() -> fleet.containsKey(PLANTED));
        final long unreadableBefore = ingestMetric("odyssey_ingest_drone_key_records_refused_total",
            "reason=\"UNREADABLE\"");
        keyRecords.set(PLANTED, "v1:99:" + "00".repeat(12) + ":" + "ab".repeat(80));
        final long plantedAt = nowNanos();

        // A genuine record moved to another drone: its key would let whoever holds it sign as that drone.
        final String movedKey = secret(send("POST", keys(MOVED_FROM), ADMIN, null));
        final String genuine = keyRecords.get(MOVED_FROM);
        keyRecords.set(MOVED_TO, genuine);
        final long badSignaturesBefore = ingest.rejectedCount(RejectReason.BAD_SIGNATURE);
        SIMULATORS.add(Simulator.launch(simulator(MOVED_TO, keyFile("moved", MOVED_TO, movedKey))));

        await().atMost(30, TimeUnit.SECONDS).until(() -> ingestMetric("odyssey_ingest_drone_key_records_refused_total",
            "reason=\"UNREADABLE\"") >= unreadableBefore + 2);
        await().atMost(30, TimeUnit.SECONDS).until(() -> ingest.rejectedCount(RejectReason.BAD_SIGNATURE) >
            badSignaturesBefore + 10);
        assertThat(fleet.containsKey(MOVED_TO)).as("the drone signing with a moved key is never taken").isFalse();
        await().atMost(30, TimeUnit.SECONDS).until(() -> sentAt(PLANTED) > plantedAt + 2_000_000_000L);
        assertThat(send("GET", keys(MOVED_TO), ADMIN, null).statusCode()).isEqualTo(404);

        // An altered record and an older one played back over a newer one change nothing either.
        final String flipped = genuine.substring(0, genuine.length() - 1) + (genuine.endsWith("0") ? "1" : "0");
        keyRecords.set(MOVED_FROM, flipped);
        await().atMost(30, TimeUnit.SECONDS).until(() -> ingestMetric("odyssey_ingest_drone_key_records_refused_total",
            "reason=\"UNREADABLE\"") >= unreadableBefore + 3);
        keyRecords.set(MOVED_FROM, genuine);
        final HttpResponse<String> rotated = send("POST", keys(MOVED_FROM) + "/rotate", ADMIN, "{\"graceS\":0}");
        assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
        SECRETS.add(secret(rotated));
        final long olderBefore = ingestMetric("odyssey_ingest_drone_key_records_refused_total", "reason=\"OLDER_KEY_ID\"");
        final String applied = "drone " + MOVED_FROM + " keys from the grid: key " +
            JSON.readTree(rotated.body()).get("keyId").asLong();
        await().atMost(30, TimeUnit.SECONDS).until(() -> OUTPUT.toString(StandardCharsets.UTF_8).contains(applied));
        keyRecords.set(MOVED_FROM, genuine);
        await().atMost(30, TimeUnit.SECONDS).until(() -> ingestMetric("odyssey_ingest_drone_key_records_refused_total",
            "reason=\"OLDER_KEY_ID\"") > olderBefore);
    }

    @Test
    @Order(3)
    void shouldRefuseViewersOperatorsAndRequestsItCannotServe() throws Exception
    {
        for (final String token : new String[]{VIEWER, OPERATOR})
        {
            assertThat(send("GET", keys(CLI_DRONE), token, null).statusCode()).isEqualTo(403);
            assertThat(send("POST", keys(CLI_DRONE), token, null).statusCode()).isEqualTo(403);
            assertThat(send("POST", keys(CLI_DRONE) + "/rotate", token, "{}").statusCode()).isEqualTo(403);
            assertThat(send("DELETE", keys(CLI_DRONE), token, null).statusCode()).isEqualTo(403);
        }
        assertThat(keyRecords.containsKey(CLI_DRONE)).isFalse();
        assertProblem(send("GET", "/api/v1/drones/0/keys", ADMIN, null), 400, "DRONE_ID_OUT_OF_RANGE");
        assertProblem(send("POST", "/api/v1/drones/9007199254740992/keys", ADMIN, null), 400, "DRONE_ID_OUT_OF_RANGE");
        assertProblem(send("GET", "/api/v1/drones/x/keys", ADMIN, null), 400, "DRONE_ID_OUT_OF_RANGE");
        assertProblem(send("GET", keys(8_888), ADMIN, null), 404, "UNKNOWN_DRONE_KEY");
        assertProblem(send("POST", keys(8_888) + "/rotate", ADMIN, "{}"), 404, "UNKNOWN_DRONE_KEY");
        assertProblem(send("DELETE", keys(8_888), ADMIN, null), 404, "UNKNOWN_DRONE_KEY");
        SECRETS.add(secret(send("POST", keys(8_889), ADMIN, null)));
        assertProblem(send("POST", keys(8_889), ADMIN, null), 409, "KEY_EXISTS");
        for (final String grace : new String[]{"-1", "604801", "1.5", "\"60\""})
        {
            assertProblem(send("POST", keys(8_889) + "/rotate", ADMIN, "{\"graceS\":" + grace + "}"), 400, "BAD_GRACE");
        }
        assertThat(send("PUT", keys(8_889), ADMIN, "{}").statusCode()).isEqualTo(405);
        assertThat(send("GET", keys(8_889) + "/rotate", ADMIN, null).statusCode()).isEqualTo(405);
        assertThat(send("POST", keys(8_889) + "/other", ADMIN, "{}").statusCode()).isEqualTo(404);
    }

    @Test
    @Order(4)
    void shouldAddListRotateAndRevokeADronesKeyFromTheCli() throws Exception
    {
        final CliRun add = cli("drones", "keys", "add", String.valueOf(CLI_DRONE));
        assertThat(add.exit()).as(add.err()).isZero();
        final String key = add.out().lines().skip(1).findFirst().orElseThrow();
        assertThat(key).matches("[0-9a-f]{64}");
        SECRETS.add(key);

        final CliRun rotate = cli("drones", "keys", "rotate", String.valueOf(CLI_DRONE), "--grace", "60");
        assertThat(rotate.exit()).as(rotate.err()).isZero();
        final String rotatedKey = rotate.out().lines().skip(1).findFirst().orElseThrow();
        assertThat(rotatedKey).matches("[0-9a-f]{64}").isNotEqualTo(key);
        SECRETS.add(rotatedKey);
        assertThat(rotate.err()).doesNotContain(rotatedKey);

        final CliRun list = cli("drones", "keys", "list", String.valueOf(CLI_DRONE));
        assertThat(list.exit()).as(list.err()).isZero();
        assertThat(list.out()).contains("current", "previous").doesNotContain(key).doesNotContain(rotatedKey);

        final CliRun revoke = cli("drones", "keys", "revoke", String.valueOf(CLI_DRONE));
        assertThat(revoke.exit()).as(revoke.err()).isZero();
        final CliRun gone = cli("drones", "keys", "list", String.valueOf(CLI_DRONE));
        assertThat(gone.exit()).isNotZero();
        assertThat(gone.err()).contains("no key");
    }

    @Test
    @Order(5)
    void shouldNeverShowAKeyInTheLogsTheMetricsOrTheGrid() throws Exception
    {
        assertThat(SECRETS).hasSizeGreaterThanOrEqualTo(6);
        final String log = OUTPUT.toString(StandardCharsets.UTF_8);
        assertThat(log).as("the processes' log").contains("keys revoked by root", "drone " + ROTATED);
        final String ingestMetrics = fetch("http://127.0.0.1:" + ingest.statusPort() + "/metrics", null);
        final String gatewayMetrics = fetch("http://127.0.0.1:" + gateway.port() + "/metrics", ADMIN);
        assertThat(gatewayMetrics).contains("odyssey_gateway_drone_key_changes_total");
        final String grid = String.join("\n", keyRecords.values());
        for (final String secret : SECRETS)
        {
            assertThat(log).as("the processes' log").doesNotContain(secret);
            assertThat(ingestMetrics).doesNotContain(secret);
            assertThat(gatewayMetrics).doesNotContain(secret);
            assertThat(grid).doesNotContain(secret);
        }
    }

    // ---- helpers ----

    private static String keys(final long droneId)
    {
        return "/api/v1/drones/" + droneId + "/keys";
    }

    private static String secret(final HttpResponse<String> response) throws Exception
    {
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 201);
        final String key = JSON.readTree(response.body()).get("key").asText();
        assertThat(key).matches("[0-9a-f]{64}");
        SECRETS.add(key);
        return key;
    }

    private static void assertProblem(final HttpResponse<String> response, final int status, final String code)
        throws Exception
    {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(JSON.readTree(response.body()).path("code").asText()).as(response.body()).isEqualTo(code);
    }

    private static Path keyFile(final String name, final long droneId, final String key) throws Exception
    {
        final Path file = Files.createFile(dir.resolve(name + "-keys"),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, droneId + " " + key + "\n");
        return file;
    }

    private static SimulatorConfig simulator(final long droneId, final Path keyFile)
    {
        final SimulatorConfig config = STACK.simulator(droneId, 1);
        config.droneKeys = keyFile.toString();
        config.commandEndpoint = SimulatorConfig.NO_COMMANDS;
        return config;
    }

    /** When the drone sent its newest frame the fleet map holds (0 before any). */
    private static long sentAt(final long droneId)
    {
        final DroneState state = fleet.get(droneId);
        return state == null ? 0 : state.sentAtNanos();
    }

    private static long nowNanos()
    {
        return System.currentTimeMillis() * 1_000_000L;
    }

    private static HttpResponse<String> send(final String method, final String path, final String token,
        final String body) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
            .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token)
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null)
        {
            request.header("Content-Type", "application/json");
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String fetch(final String url, final String token) throws Exception
    {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (token != null)
        {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static long ingestMetric(final String name, final String label) throws Exception
    {
        return fetch("http://127.0.0.1:" + ingest.statusPort() + "/metrics", null).lines()
            .filter(line -> line.startsWith(name + "{") && line.contains(label))
            .mapToLong(line -> (long)Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    private static CliRun cli(final String... args) throws Exception
    {
        final Path tokenFile = dir.resolve("admin-token");
        Files.writeString(tokenFile, ADMIN + "\n");
        return CliRun.run(gateway.port(), tokenFile, args);
    }

    /** Writes to both streams: the test's own output stays visible while it is captured. */
    private static final class Tee extends OutputStream
    {
        private final OutputStream first;
        private final OutputStream second;

        Tee(final OutputStream first, final OutputStream second)
        {
            this.first = first;
            this.second = second;
        }

        public synchronized void write(final int b) throws java.io.IOException
        {
            first.write(b);
            second.write(b);
        }

        public synchronized void write(final byte[] bytes, final int offset, final int length) throws java.io.IOException
        {
            first.write(bytes, offset, length);
            second.write(bytes, offset, length);
        }

        public synchronized void flush() throws java.io.IOException
        {
            first.flush();
            second.flush();
        }
    }
}
