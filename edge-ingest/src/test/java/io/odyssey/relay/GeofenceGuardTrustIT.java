package io.odyssey.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sign.TestDroneKeys;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.GeofenceRecords;
import io.odyssey.grid.ledger.CommandAuthority;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.ingest.EdgeIngest;
import io.odyssey.ingest.EdgeIngestConfig;
import io.odyssey.ingest.TestGrid;
import io.odyssey.runtime.SecretFile;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An ingest node's geofence guard orders its flying drones home when they are outside the keep-in fence, and the grid
 * map of fences can be written by any Hazelcast client on the grid network. A real member, a real ingest node, and a
 * real Hazelcast client as the attacker: a keep-in fence it plants around a spot far from every drone must not send
 * them home, and text that is no fence at all must not stop the guard from guarding a genuine (sealed) fence.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GeofenceGuardTrustIT
{
    private static final Path KEYS = TestDroneKeys.file(1, 100);
    private static final String NODE = "ingest-fences";
    private static final String TINY_KEEP_IN = "{\"type\":\"Feature\",\"id\":\"trap\",\"properties\":{\"name\":\"trap\"," +
        "\"kind\":\"keep-in\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[0.0001,0],[0.0001,0.0001]," +
        "[0,0.0001],[0,0]]]}}";

    @TempDir
    Path journals;

    @Test
    void shouldOrderNoDroneHomeForAPlantedFenceAndKeepGuardingTheGenuineOneAroundText() throws Exception
    {
        try (TestGrid grid = TestGrid.start("geofence-guard-trust-it"))
        {
            final Path keyFile = TestGrid.commandKeyFile(journals);
            final EdgeIngestConfig config = grid.relayConfig(NODE, 100, journals.resolve("ingest"), KEYS, keyFile);
            final long now = System.currentTimeMillis() * 1_000_000L;
            // Drone 7, flying for this node near Berlin; heard just now (the guard leaves drones out of contact alone).
            grid.fleet().set(7L, new DroneState(7, 1, now, now, now, 52.52, 13.405, 80f, 90f, 5f, 0f, 80f, "CRUISING", 8,
                NODE));
            final CommandLedger ledger = new CommandLedger(grid.member());
            final HazelcastInstance attacker = HazelcastClient.newHazelcastClient(FleetGrid.clientConfig(
                grid.member().getConfig().getClusterName(),
                List.of("127.0.0.1:" + grid.member().getCluster().getLocalMember().getAddress().getPort()),
                "geofence-attacker"));
            try (EdgeIngest ingest = EdgeIngest.launch(config))
            {
                final IMap<String, String> planted = attacker.getMap(FleetGrid.GEOFENCES_MAP);
                planted.set("trap", TINY_KEEP_IN);
                planted.set("junk", "x");
                // Two guard passes (once a second) have read both: a pass orders right after it reads.
                await().atMost(30, TimeUnit.SECONDS).until(() -> refused(ingest) >= 4);
                assertThat(geofenceOrders(ledger)).isEmpty();

                // Drone 7 heard again now: the guard orders no drone it has not heard for 30 s, and a slow start of
                // the node on a loaded machine took half of that.
                final long heard = System.currentTimeMillis() * 1_000_000L;
                grid.fleet().set(7L, new DroneState(7, 2, heard, heard, heard, 52.52, 13.405, 80f, 90f, 5f, 0f, 80f,
                    "CRUISING", 8, NODE));
                // An admin's fence (sealed with the command key, as a gateway stores it) that drone 7 is outside of.
                final GeofenceRecords genuine = new GeofenceRecords(attacker.getMap(FleetGrid.GEOFENCES_MAP),
                    SecretFile.read(CommandAuthority.KEY_FILE, keyFile, 32), 1_000, 10_000, null, null, null);
                genuine.store("field", new ObjectMapper().readTree("{\"type\":\"Feature\",\"id\":\"field\"," +
                    "\"properties\":{\"name\":\"field\",\"kind\":\"keep-in\"},\"geometry\":{\"type\":\"Polygon\"," +
                    "\"coordinates\":[[[13.30,52.40],[13.35,52.40],[13.35,52.45],[13.30,52.45],[13.30,52.40]]]}}"));
                await().atMost(30, TimeUnit.SECONDS).until(() -> geofenceOrders(ledger).size() == 1);
                final CommandRecord order = geofenceOrders(ledger).get(0);
                assertThat(order.type()).isEqualTo(CommandType.RETURN_HOME);
                assertThat(order.transitionReasons()[0]).contains("outside the keep-in geofence 'field'");
                assertThat(ledger.map().containsKey(order.id())).isTrue();
            }
            finally
            {
                attacker.shutdown();
            }
        }
    }

    /**
     * A grid client files a state naming drone 7 (this node's, inside its fence), outside the fence, under another key:
     * taken for drone 7, it had the node order drone 7 home, again after every pass its own entry was seen inside.
     */
    @Test
    void shouldOrderNoDroneHomeForAStateOfItFiledUnderAnotherKey() throws Exception
    {
        try (TestGrid grid = TestGrid.start("geofence-guard-misfiled-it"))
        {
            final Path keyFile = TestGrid.commandKeyFile(journals);
            final EdgeIngestConfig config = grid.relayConfig(NODE, 100, journals.resolve("ingest"), KEYS, keyFile);
            final long now = System.currentTimeMillis() * 1_000_000L;
            final CommandLedger ledger = new CommandLedger(grid.member());
            final GeofenceRecords genuine = new GeofenceRecords(grid.member().getMap(FleetGrid.GEOFENCES_MAP),
                SecretFile.read(CommandAuthority.KEY_FILE, keyFile, 32), 1_000, 10_000, null, null, null);
            genuine.store("field", new ObjectMapper().readTree("{\"type\":\"Feature\",\"id\":\"field\"," +
                "\"properties\":{\"name\":\"field\",\"kind\":\"keep-in\"},\"geometry\":{\"type\":\"Polygon\"," +
                "\"coordinates\":[[[13.30,52.40],[13.35,52.40],[13.35,52.45],[13.30,52.45],[13.30,52.40]]]}}"));
            // Drone 7 flies inside the fence, for this node.
            grid.fleet().set(7L, new DroneState(7, 1, now, now, now, 52.42, 13.32, 80f, 90f, 5f, 0f, 80f, "CRUISING", 8,
                NODE));
            final HazelcastInstance attacker = HazelcastClient.newHazelcastClient(FleetGrid.clientConfig(
                grid.member().getConfig().getClusterName(),
                List.of("127.0.0.1:" + grid.member().getCluster().getLocalMember().getAddress().getPort()),
                "geofence-attacker"));
            try (EdgeIngest ingest = EdgeIngest.launch(config))
            {
                FleetGrid.fleetMap(attacker).set(9007L, new DroneState(7, 1L << 40, now, now, now, 52.52, 13.405, 80f, 90f,
                    5f, 0f, 80f, "CRUISING", 8, NODE));
                // Guard passes run once a second: no order through several of them, each leaving the state out.
                await().during(5, TimeUnit.SECONDS).atMost(10, TimeUnit.SECONDS)
                    .until(() -> geofenceOrders(ledger).isEmpty());
                await().atMost(30, TimeUnit.SECONDS).until(() -> misfiled(ingest) >= 3);
                assertThat(geofenceOrders(ledger)).isEmpty();
            }
            finally
            {
                attacker.shutdown();
            }
        }
    }

    private static double misfiled(final EdgeIngest ingest) throws Exception
    {
        final String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + ingest.statusPort() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        for (final String line : metrics.split("\n"))
        {
            if (line.startsWith("odyssey_ingest_fleet_states_unreadable_total{") && line.contains("reader=\"relay\""))
            {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    private static List<CommandRecord> geofenceOrders(final CommandLedger ledger)
    {
        return ledger.list(7, null, false, 50).stream().filter(c -> "geofence".equals(c.issuedBy())).toList();
    }

    /** The node's count of fence records it left out, of both kinds. */
    private static double refused(final EdgeIngest ingest) throws Exception
    {
        final String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + ingest.statusPort() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        double sum = 0;
        for (final String line : metrics.split("\n"))
        {
            if (line.startsWith("odyssey_ingest_geofences_refused_total{"))
            {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }
}
