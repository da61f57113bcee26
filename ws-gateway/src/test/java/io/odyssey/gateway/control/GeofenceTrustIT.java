package io.odyssey.gateway.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.gateway.Gateway;
import io.odyssey.gateway.GatewayConfig;
import io.odyssey.gateway.TestKeys;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.GeofenceRecords;
import io.odyssey.grid.ledger.CommandAuthority;
import io.odyssey.runtime.SecretFile;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Geofences decide which orders a gateway refuses, and the grid map that holds them can be written by any Hazelcast
 * client on the grid network. A real member, a real gateway, and a real Hazelcast client as the attacker: a fence it
 * plants (valid GeoJSON, or text that is no fence at all) must neither refuse operators' orders nor stop the genuine
 * fences from applying nor hide itself from the admin who has to delete it.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GeofenceTrustIT
{
    private static final String CLUSTER = "geofence-trust-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);
    private static final String OPERATOR = "operator-secret-0123456789";
    private static final String ADMIN = "admin-secret-0123456789abc";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    /** A keep-in fence of a few metres nowhere near drone 1: every order would leave it. */
    private static final String TINY_KEEP_IN = "{\"type\":\"Feature\",\"id\":\"trap\",\"properties\":{\"name\":\"trap\"," +
        "\"kind\":\"keep-in\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[0.0001,0],[0.0001,0.0001]," +
        "[0,0.0001],[0,0]]]}}";

    /** Small, so that the limit is reached in a test: a read looks at this many records and 100 more. */
    private static final int MAX_FENCES = 2;
    /** Small, so that it is reached in a test by two fences (of the per-fence limit, 10,000 positions, and more). */
    private static final int MAX_TOTAL_POINTS = 12_000;

    private static HazelcastInstance member;
    private static HazelcastInstance attacker;
    private static IMap<String, String> plantedFences;
    private static Gateway gateway;

    @BeforeAll
    static void start() throws Exception
    {
        member = FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER, "127.0.0.1", GRID_PORT,
            List.of("127.0.0.1:" + GRID_PORT), 1));
        FleetGrid.fleetMap(member).set(1L, CommandApiIT.state(1, "HOVERING", 52.521, 13.405));
        final GatewayConfig config = new GatewayConfig();
        config.clusterName = CLUSTER;
        config.gridMembers = List.of("127.0.0.1:" + GRID_PORT);
        config.port = 0;
        config.tokens = List.of("ops:operator:" + OPERATOR, "root:admin:" + ADMIN);
        config.commandKeyFile = TestKeys.commandKeyFile(CLUSTER);
        config.geofencesMax = MAX_FENCES;
        config.geofenceMaxTotalPoints = MAX_TOTAL_POINTS;
        gateway = Gateway.launch(config);
        await().atMost(10, TimeUnit.SECONDS).until(() -> gateway.fleetSize() == 1);
        attacker = HazelcastClient.newHazelcastClient(FleetGrid.clientConfig(CLUSTER,
            List.of("127.0.0.1:" + GRID_PORT), "geofence-attacker"));
        plantedFences = attacker.getMap(FleetGrid.GEOFENCES_MAP);
    }

    @AfterAll
    static void stop()
    {
        if (gateway != null)
        {
            gateway.close();
        }
        if (attacker != null)
        {
            attacker.shutdown();
        }
        if (member != null)
        {
            member.shutdown();
        }
    }

    @AfterEach
    void clearFences()
    {
        plantedFences.clear();
    }

    @Test
    void shouldNotRefuseOrdersForAKeepInFenceAGridClientPlantedButListItForTheAdmin() throws Exception
    {
        final long before = counter("odyssey_gateway_geofences_refused_total", "reason=\"UNSEALED\"");
        plantedFences.set("trap", TINY_KEEP_IN);

        final HttpResponse<String> order = post("/api/v1/commands", OPERATOR, GOTO_NORTH);
        assertThat(order.statusCode()).as(order.body()).isEqualTo(202);

        final JsonNode listed = json(get("/api/v1/geofences", OPERATOR));
        assertThat(listed.get("features")).isEmpty();
        assertThat(listed.get("refused")).hasSize(1);
        assertThat(listed.get("refused").get(0).get("id").asText()).isEqualTo("trap");
        assertThat(listed.get("refused").get(0).get("reason").asText()).isEqualTo("UNSEALED");
        assertThat(counter("odyssey_gateway_geofences_refused_total", "reason=\"UNSEALED\"")).isGreaterThan(before);
    }

    @Test
    void shouldKeepTheGenuineFencesApplyingAndListedAroundTextThatIsNoFenceAndLetTheAdminDeleteIt() throws Exception
    {
        plantedFences.set("junk", "x");
        // A keep-out fence across the path north of drone 1, made by an admin: it must still refuse.
        final HttpResponse<String> created = post("/api/v1/geofences", ADMIN, "{\"type\":\"Feature\",\"properties\":" +
            "{\"name\":\"stadium\",\"kind\":\"keep-out\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":" +
            "[[[13.40,52.525],[13.41,52.525],[13.41,52.527],[13.40,52.527],[13.40,52.525]]]}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        final String stadium = json(created).get("id").asText();

        final HttpResponse<String> through = post("/api/v1/commands", OPERATOR, GOTO_NORTH);
        assertThat(through.statusCode()).as(through.body()).isEqualTo(422);
        assertThat(json(through).get("code").asText()).isEqualTo("GEOFENCE");
        assertThat(json(through).get("detail").asText()).contains("stadium");
        final HttpResponse<String> south = post("/api/v1/commands", OPERATOR,
            "{\"droneId\":1,\"type\":\"goto\",\"lat\":52.515,\"lon\":13.405,\"alt\":80}");
        assertThat(south.statusCode()).as(south.body()).isEqualTo(202);

        final HttpResponse<String> list = get("/api/v1/geofences", OPERATOR);
        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(ids(json(list).get("features"))).containsExactly(stadium);
        assertThat(ids(json(list).get("refused"))).containsExactly("junk");
        assertThat(get("/api/v1/geofences/junk", OPERATOR).statusCode()).isEqualTo(409);

        assertThat(send("DELETE", "/api/v1/geofences/junk", ADMIN).statusCode()).isEqualTo(204);
        assertThat(json(get("/api/v1/geofences", OPERATOR)).get("refused")).isEmpty();
    }

    @Test
    void shouldRefuseAGenuineFenceAlteredOrCopiedInTheGridAndLetTheAdminReplaceIt() throws Exception
    {
        final HttpResponse<String> created = post("/api/v1/geofences", ADMIN, "{\"type\":\"Feature\",\"properties\":" +
            "{\"name\":\"pen\",\"kind\":\"keep-in\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":" +
            "[[[13.3,52.4],[13.5,52.4],[13.5,52.6],[13.3,52.6],[13.3,52.4]]]}}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        final String pen = json(created).get("id").asText();
        final String sealed = plantedFences.get(pen);
        // Moved under another id, and shrunk in place (the seal kept): neither may count.
        plantedFences.set("copy", sealed);
        plantedFences.set(pen, sealed.replace("52.6", "52.40001").replace("13.5", "13.30001"));

        final HttpResponse<String> order = post("/api/v1/commands", OPERATOR, GOTO_NORTH);
        assertThat(order.statusCode()).as(order.body()).isEqualTo(202);
        final JsonNode listed = json(get("/api/v1/geofences", OPERATOR));
        assertThat(listed.get("features")).isEmpty();
        assertThat(ids(listed.get("refused"))).containsExactlyInAnyOrder("copy", pen);

        // The admin puts the fence back as it was: sealed anew, it applies again.
        final HttpResponse<String> replaced = send("PUT", "/api/v1/geofences/" + pen, ADMIN, json(created).toString());
        assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
        assertThat(ids(json(get("/api/v1/geofences", OPERATOR)).get("features"))).containsExactly(pen);
        final HttpResponse<String> leaving = post("/api/v1/commands", OPERATOR,
            "{\"droneId\":1,\"type\":\"goto\",\"lat\":52.7,\"lon\":13.405,\"alt\":80}");
        assertThat(leaving.statusCode()).as(leaving.body()).isEqualTo(422);
    }

    @Test
    void shouldAnswerFullAtTheLimitAndKeepTheGenuineFencesAmongMoreRecordsThanAReadLooksAt() throws Exception
    {
        final List<String> genuine = new ArrayList<>();
        for (int i = 0; i < MAX_FENCES; i++)
        {
            final HttpResponse<String> created = post("/api/v1/geofences", ADMIN, keepOut("hangar-" + i, 13.40 + i * 0.01));
            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            genuine.add(json(created).get("id").asText());
        }
        final HttpResponse<String> full = post("/api/v1/geofences", ADMIN, keepOut("one-too-many", 13.45));
        assertThat(full.statusCode()).as(full.body()).isEqualTo(409);
        assertThat(json(full).get("code").asText()).isEqualTo("GEOFENCES_FULL");

        // Far more planted records than a read looks at (the limit and 100): the genuine fences are still read first.
        final long before = counter("odyssey_gateway_geofences_refused_total", "reason=\"OVER_LIMIT\"");
        final java.util.Map<String, String> junk = new java.util.HashMap<>();
        for (int i = 0; i < 1_000; i++)
        {
            junk.put("junk-" + i, "x");
        }
        plantedFences.setAll(junk);
        final JsonNode listed = json(get("/api/v1/geofences", OPERATOR));
        assertThat(ids(listed.get("features"))).containsExactlyInAnyOrderElementsOf(genuine);
        assertThat(listed.get("refused").size()).isEqualTo(100);
        assertThat(counter("odyssey_gateway_geofences_refused_total", "reason=\"OVER_LIMIT\"") - before)
            .isEqualTo(1_000 - 100);
        assertThat(post("/api/v1/geofences", ADMIN, keepOut("one-too-many", 13.45)).statusCode())
            .as("planted records do not count towards the limit, the genuine ones do").isEqualTo(409);
        assertThat(send("PUT", "/api/v1/geofences/junk-7", ADMIN, keepOut("over-a-planted-one", 13.45)).statusCode())
            .as("a PUT over a planted record adds a fence as much as a POST").isEqualTo(409);
        assertThat(send("PUT", "/api/v1/geofences/" + genuine.get(1), ADMIN, keepOut("changed", 13.46)).statusCode())
            .as("changing a fence at the limit adds none").isEqualTo(200);

        assertThat(send("DELETE", "/api/v1/geofences/" + genuine.get(0), ADMIN).statusCode()).isEqualTo(204);
        final HttpResponse<String> room = post("/api/v1/geofences", ADMIN, keepOut("one-too-many", 13.45));
        assertThat(room.statusCode()).as(room.body()).isEqualTo(201);
    }

    /**
     * An admin importing a border of more points than any reader should parse on every order and every relay pass
     * (14,000 points made every goto/mission take 3-11 s): refused at the door with its own code, and counted.
     */
    @Test
    void shouldRefuseAFenceOfMorePointsThanTheLimitWithACode() throws Exception
    {
        final long before = counter("odyssey_gateway_api_refused_total", "");
        final HttpResponse<String> huge = post("/api/v1/geofences", ADMIN, keepOutOf(10_001));
        assertThat(huge.statusCode()).as("%.300s", huge.body()).isEqualTo(400);
        assertThat(json(huge).get("code").asText()).isEqualTo("GEOFENCE_TOO_LARGE");
        assertThat(json(huge).get("detail").asText()).contains("ODYSSEY_GEOFENCE_MAX_POINTS");
        assertThat(counter("odyssey_gateway_api_refused_total", "") - before).isEqualTo(1);
        assertThat(json(get("/api/v1/geofences", OPERATOR)).get("features")).isEmpty();

        // Every position received counts, the closing one too: 10,000 distinct points closed are 10,001 positions.
        final HttpResponse<String> closed = post("/api/v1/geofences", ADMIN, keepOutOf(10_000));
        assertThat(closed.statusCode()).as("%.300s", closed.body()).isEqualTo(400);
        assertThat(json(closed).get("detail").asText()).contains("this one 10001");
        final HttpResponse<String> atTheLimit = post("/api/v1/geofences", ADMIN, keepOutOf(9_999));
        assertThat(atTheLimit.statusCode()).as("%.300s", atTheLimit.body()).isEqualTo(201);
    }

    /**
     * Every order's path is tested every 20 m against every fence: a thousand fences of 10,000 points made one sample
     * cost 10^7 edges, and a long mission held a gateway worker for seconds. The positions of all fences together are
     * capped too: a fence that would take them over answers 409 with its own code (counted), and changing a fence
     * counts its new positions in place of its old.
     */
    @Test
    void shouldRefuseAFenceThatWouldTakeAllFencesOverTheTotalPoints() throws Exception
    {
        final HttpResponse<String> border = post("/api/v1/geofences", ADMIN, keepOutOf(9_999));
        assertThat(border.statusCode()).as("%.300s", border.body()).isEqualTo(201);
        final String borderId = json(border).get("id").asText();

        final long before = counter("odyssey_gateway_api_refused_total", "");
        final HttpResponse<String> over = post("/api/v1/geofences", ADMIN, keepOutOf(2_001));
        assertThat(over.statusCode()).as("%.300s", over.body()).isEqualTo(409);
        assertThat(json(over).get("code").asText()).isEqualTo("GEOFENCES_POINTS_FULL");
        assertThat(json(over).get("detail").asText()).contains("ODYSSEY_GEOFENCE_MAX_TOTAL_POINTS").contains("12002");
        assertThat(counter("odyssey_gateway_api_refused_total", "") - before).isEqualTo(1);
        assertThat(ids(json(get("/api/v1/geofences", OPERATOR)).get("features"))).containsExactly(borderId);

        final HttpResponse<String> fits = post("/api/v1/geofences", ADMIN, keepOutOf(1_999));
        assertThat(fits.statusCode()).as("exactly at the total: %.300s", fits.body()).isEqualTo(201);
        final String fitsId = json(fits).get("id").asText();
        assertThat(send("PUT", "/api/v1/geofences/" + borderId, ADMIN, keepOutOf(9_999)).statusCode())
            .as("a change counts its new positions in place of its old").isEqualTo(200);
        final HttpResponse<String> grows = send("PUT", "/api/v1/geofences/" + fitsId, ADMIN, keepOutOf(2_000));
        assertThat(grows.statusCode()).as("a change that grows a fence over the total").isEqualTo(409);
        assertThat(json(grows).get("code").asText()).isEqualTo("GEOFENCES_POINTS_FULL");
    }

    /**
     * Fences stored before the limit (sealed as a gateway seals them) can hold the total over it: simplifying one of
     * them must pass, or the documented way back under the limit is refused and an admin is left to delete a border.
     */
    @Test
    void shouldLetAnAdminSimplifyAFenceWhileTheFencesAreOverTheTotalPoints() throws Exception
    {
        final GeofenceRecords legacy = new GeofenceRecords(plantedFences,
            SecretFile.read(CommandAuthority.KEY_FILE, Path.of(TestKeys.commandKeyFile(CLUSTER)), 32), 1_000, 100_000,
            null, null, null);
        final ObjectNode border = (ObjectNode)new ObjectMapper().readTree(keepOutOf(14_000));
        legacy.store("old-border", border.put("id", "old-border"));
        final ObjectNode coast = (ObjectNode)new ObjectMapper().readTree(keepOutOf(9_000));
        legacy.store("old-coast", coast.put("id", "old-coast"));
        await().atMost(10, TimeUnit.SECONDS).until(() -> ids(json(get("/api/v1/geofences", OPERATOR)).get("features"))
            .containsAll(List.of("old-border", "old-coast")));

        final HttpResponse<String> added = post("/api/v1/geofences", ADMIN, keepOutOf(10));
        assertThat(added.statusCode()).as("%.300s", added.body()).isEqualTo(409);
        // 23,002 positions → 14,002: still over the total of 12,000, but less.
        final HttpResponse<String> simplified = send("PUT", "/api/v1/geofences/old-border", ADMIN, keepOutOf(5_000));
        assertThat(simplified.statusCode()).as("a change that shrinks a fence: %.300s", simplified.body()).isEqualTo(200);
        final HttpResponse<String> grows = send("PUT", "/api/v1/geofences/old-border", ADMIN, keepOutOf(5_001));
        assertThat(grows.statusCode()).as("a change that grows a fence while over the total").isEqualTo(409);
        assertThat(json(grows).path("code").asText()).isEqualTo("GEOFENCES_POINTS_FULL");
    }

    /**
     * Readers apply a fence's outer ring only, so a hole was silently taken for allowed airspace inside a keep-in; and
     * what a fence holds besides its ring is stored in full and kept by every reader, counted by no limit.
     */
    @Test
    void shouldRefuseAFenceWithHolesOrMuchBesidesItsRing() throws Exception
    {
        final String holed = keepOut("holed", 13.3).replace("]]]}}", "]],[[13.301,52.601],[13.302,52.601]," +
            "[13.302,52.602],[13.301,52.601]]]}}");
        final HttpResponse<String> withHole = post("/api/v1/geofences", ADMIN, holed);
        assertThat(withHole.statusCode()).as("%.300s", withHole.body()).isEqualTo(400);
        assertThat(json(withHole).path("code").asText()).as("%.300s", withHole.body()).isEqualTo("GEOFENCE_HOLES");

        final StringBuilder numbers = new StringBuilder();
        for (int i = 0; i < 3_000; i++)
        {
            numbers.append(i == 0 ? "" : ",").append(i);
        }
        final String padded = keepOut("padded", 13.3).replace("\"kind\":\"keep-out\"}",
            "\"kind\":\"keep-out\",\"notes\":[" + numbers + "]}");
        final HttpResponse<String> large = post("/api/v1/geofences", ADMIN, padded);
        assertThat(large.statusCode()).as("%.300s", large.body()).isEqualTo(400);
        assertThat(json(large).path("code").asText()).as("%.300s", large.body()).isEqualTo("GEOFENCE_TOO_LARGE");
        assertThat(json(large).get("detail").asText()).contains("besides its ring");

        assertThat(post("/api/v1/geofences", ADMIN, keepOut("plain", 13.3)).statusCode()).isEqualTo(201);
    }

    /**
     * A keep-out fence of {@code points} distinct points and the closing one ({@code points + 1} positions: a thin
     * sliver far from the drone), in few bytes each.
     */
    private static String keepOutOf(final int points)
    {
        final StringBuilder ring = new StringBuilder("{\"type\":\"Feature\",\"properties\":{\"name\":\"border\"," +
            "\"kind\":\"keep-out\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[");
        for (int i = 0; i < points - 1; i++)
        {
            ring.append("[10.").append(String.format("%05d", i)).append(",50],");
        }
        return ring.append("[10,50.1],[10,50]]]}}").toString();
    }

    private static String keepOut(final String name, final double lon)
    {
        return "{\"type\":\"Feature\",\"properties\":{\"name\":\"" + name + "\",\"kind\":\"keep-out\"}," +
            "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[" + lon + ",52.6],[" + (lon + 0.005) + ",52.6],[" +
            (lon + 0.005) + ",52.61],[" + lon + ",52.61],[" + lon + ",52.6]]]}}";
    }

    private static final String GOTO_NORTH = "{\"droneId\":1,\"type\":\"goto\",\"lat\":52.53,\"lon\":13.405,\"alt\":80}";

    private static List<String> ids(final JsonNode array)
    {
        final List<String> ids = new ArrayList<>();
        array.forEach(node -> ids.add(node.get("id").asText()));
        return ids;
    }

    /** The counter {@code name} with the label {@code label} (e.g. {@code reason="UNSEALED"}; empty: no label). */
    private static long counter(final String name, final String label)
    {
        for (final String line : gateway.metrics().renderPrometheus().split("\n"))
        {
            if ((line.startsWith(name + "{") || label.isEmpty() && line.startsWith(name + " ")) && line.contains(label))
            {
                return (long)Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no " + name + " with " + label + " on /metrics");
    }

    private static HttpResponse<String> get(final String path, final String token) throws Exception
    {
        return HTTP.send(request(path, token).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(final String path, final String token, final String body) throws Exception
    {
        return send("POST", path, token, body);
    }

    private static HttpResponse<String> send(final String method, final String path, final String token) throws Exception
    {
        return send(method, path, token, null);
    }

    private static HttpResponse<String> send(final String method, final String path, final String token, final String body)
        throws Exception
    {
        return HTTP.send(request(path, token).header("Content-Type", "application/json")
            .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
            .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest.Builder request(final String path, final String token)
    {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
            .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + token);
    }

    private static JsonNode json(final HttpResponse<String> response) throws Exception
    {
        return JSON.readTree(response.body());
    }
}
