package io.odyssey.grid;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.Metrics;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real member and a plain Hazelcast client as the attacker, planting records in the geofence map: each reader (an
 * ingest node's guard once a second, every order's check and admin listing on a gateway) reads a bounded number of
 * them however many there are, and the genuine fence still applies.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GeofenceRecordsIT
{
    private static final String CLUSTER = "geofence-records-it-" + UUID.randomUUID();
    private static final byte[] KEY = new byte[32];
    private static final int PLANTED = 20_000;
    private static GridNode member;
    private static HazelcastInstance attacker;

    @BeforeAll
    static void startGrid() throws Exception
    {
        final int port = 15701 + (int)(Math.random() * 2000);
        final GridNodeConfig config = new GridNodeConfig();
        config.clusterName = CLUSTER;
        config.members = List.of("127.0.0.1:" + port);
        config.port = port;
        config.statusPort = 0;
        member = GridNode.launch(config);
        attacker = HazelcastClient.newHazelcastClient(
            FleetGrid.clientConfig(CLUSTER, List.of("127.0.0.1:" + port), "geofence-planter"));
    }

    @AfterAll
    static void stopGrid()
    {
        if (attacker != null)
        {
            attacker.shutdown();
        }
        if (member != null)
        {
            member.close();
        }
    }

    @Test
    void shouldReadABoundedNumberOfRecordsWhateverAGridClientPlantedAndKeepTheGenuineFence() throws Exception
    {
        final IMap<String, String> map = attacker.getMap(FleetGrid.GEOFENCES_MAP);
        final Metrics metrics = new Metrics("test");
        final Counter unsealed = metrics.counter("refused", "", "reason=\"UNSEALED\"");
        final Counter overLimit = metrics.counter("refused", "", "reason=\"OVER_LIMIT\"");
        final GeofenceRecords reader = new GeofenceRecords(map, KEY, 1_000, unsealed, null, overLimit);
        reader.store("field", new ObjectMapper().readTree("{\"type\":\"Feature\",\"id\":\"field\"," +
            "\"properties\":{\"name\":\"field\",\"kind\":\"keep-out\"},\"geometry\":{\"type\":\"Polygon\"," +
            "\"coordinates\":[[[13.30,52.40],[13.35,52.40],[13.35,52.45],[13.30,52.45],[13.30,52.40]]]}}"));
        assertThat(reader.read().fences()).extracting(GeofenceRecords.Fence::id).containsExactly("field");

        final Map<String, String> junk = new HashMap<>();
        for (int i = 0; i < PLANTED; i++)
        {
            junk.put("junk-" + i, "x");
            if (junk.size() == 1_000)
            {
                map.setAll(junk);
                junk.clear();
            }
        }
        final long before = unsealed.get();
        final GeofenceRecords.Fences read = reader.read();
        // What every reader verified (and a gateway lists): the default limit of fences and some slack, not 20,000.
        assertThat(read.refused().size() + read.fences().size()).isLessThanOrEqualTo(1_100);
        assertThat(unsealed.get() - before).isEqualTo(read.refused().size());
        assertThat(read.set().breach(52.42, 13.32)).as("the genuine fence still applies")
            .isEqualTo("inside the keep-out geofence 'field'");
    }
}
