package io.odyssey.grid;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        final GeofenceRecords reader = new GeofenceRecords(map, KEY, 1_000, 10_000, unsealed, null, overLimit);
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

    /**
     * A fence stored while a read was under way (another gateway thread's order check, or an admin's create racing the
     * ingest guard): the read set the ids it reads first to what it had taken itself, without the new one, so once a
     * grid client planted more records than a read looks at, the new fence could be left unread and apply nowhere.
     */
    @Test
    void shouldReadAFenceStoredDuringAnotherReadFirstOnceAGridClientFilledTheMap() throws Exception
    {
        final IMap<String, String> map = attacker.getMap("geofences-overlap-" + UUID.randomUUID());
        final GeofenceRecords[] reader = new GeofenceRecords[1];
        final AtomicBoolean storeDuringRead = new AtomicBoolean();
        // The map as the reader sees it: the store lands right after the read fetched the records, before it ends.
        @SuppressWarnings("unchecked")
        final IMap<String, String> overlapping = (IMap<String, String>)Proxy.newProxyInstance(
            IMap.class.getClassLoader(), new Class<?>[]{IMap.class}, (proxy, method, args) ->
            {
                final Object result;
                try
                {
                    result = method.invoke(map, args);
                }
                catch (final InvocationTargetException ex)
                {
                    throw ex.getCause();
                }
                if ("entrySet".equals(method.getName()) && args == null && storeDuringRead.compareAndSet(true, false))
                {
                    reader[0].store("late", fence("late"));
                }
                return result;
            });
        reader[0] = new GeofenceRecords(overlapping, KEY, 1, 10_000, null, null, null);
        reader[0].store("field", fence("field"));
        storeDuringRead.set(true);
        assertThat(reader[0].read().fences()).extracting(GeofenceRecords.Fence::id).as("fetched before the store")
            .containsExactly("field");

        // More than a read looks at (1 fence + 100) in every partition: only the fences read first are sure to be read.
        final com.hazelcast.partition.PartitionService partitions = attacker.getPartitionService();
        final int[] perPartition = new int[partitions.getPartitions().size()];
        final Map<String, String> junk = new HashMap<>();
        int full = 0;
        for (int i = 0; full < perPartition.length; i++)
        {
            final String key = "junk-" + i;
            final int partition = partitions.getPartition(key).getPartitionId();
            if (perPartition[partition] <= GeofenceRecords.SLACK + 1)
            {
                junk.put(key, "x");
                if (++perPartition[partition] == GeofenceRecords.SLACK + 2)
                {
                    full++;
                }
            }
            if (junk.size() == 1_000)
            {
                map.setAll(junk);
                junk.clear();
            }
        }
        map.setAll(junk);

        assertThat(reader[0].read().fences()).extracting(GeofenceRecords.Fence::id).as("both read first")
            .containsExactlyInAnyOrder("field", "late");
    }

    /**
     * Every ingest node's relay reads the fences once a second, on the thread that delivers commands: a fence that has
     * not changed since the last read is not verified and parsed again (its polygon is the one taken before), and one
     * that changed is.
     */
    @Test
    void shouldNotParseAnUnchangedFenceAgainAtTheNextRead() throws Exception
    {
        final IMap<String, String> map = attacker.getMap("geofences-cache-" + UUID.randomUUID());
        final GeofenceRecords reader = new GeofenceRecords(map, KEY, 1_000, 10_000, null, null, null);
        reader.store("field", fence("field"));
        final GeofenceRecords.Fence first = reader.read().fences().get(0);
        assertThat(reader.read().fences().get(0).polygon()).as("unchanged: taken as it was").isSameAs(first.polygon());

        reader.store("field", fenceNode("field").put("extra", 1));
        final GeofenceRecords.Fence changed = reader.read().fences().get(0);
        assertThat(changed.polygon()).as("changed: read anew").isNotSameAs(first.polygon());
        assertThat(changed.feature().path("extra").asInt()).isEqualTo(1);

        // The same text under another id (copied by a grid client) verifies under neither id's cache entry.
        map.set("copy", map.get("field"));
        assertThat(reader.read().refused()).extracting(GeofenceRecords.Refused::id).containsExactly("copy");
    }

    /**
     * A sealed fence of more points than this reader's limit (stored by a gateway with a higher limit, or by a version
     * before the limit) still applies, beside the others: the limit is what the API stores.
     */
    @Test
    void shouldStillApplyASealedFenceOfMorePointsThanTheLimitAFenceNeverSilentlyStopsApplying() throws Exception
    {
        // Stored before the limit (or by a gateway with a higher one): refused at the read, a keep-out (or the only
        // keep-in) stopped applying on every gateway and ingest node at the upgrade, with nothing but a count.
        final IMap<String, String> map = attacker.getMap("geofences-points-" + UUID.randomUUID());
        final Metrics metrics = new Metrics("test");
        final Counter unreadable = metrics.counter("refused", "", "reason=\"UNREADABLE\"");
        new GeofenceRecords(map, KEY, 1_000, 1_000_000, null, null, null).store("border", border(51));
        final GeofenceRecords reader = new GeofenceRecords(map, KEY, 1_000, 50, null, unreadable, null);
        reader.store("field", fence("field"));

        for (int read = 1; read <= 2; read++)
        {
            final GeofenceRecords.Fences fences = reader.read();
            assertThat(fences.fences()).extracting(GeofenceRecords.Fence::id).containsExactlyInAnyOrder("border", "field");
            assertThat(fences.refused()).isEmpty();
        }
        assertThat(unreadable.get()).isZero();
    }

    /**
     * What a read hands out is the caller's own: a caller changing a fence's Feature (a listing adding a member, a
     * check editing its ring) must not change what every later read and lookup finds, as it did when the remembered
     * Feature itself was handed out (a keep-out turned keep-in, or its ring emptied, on every later order's check).
     */
    @Test
    void shouldNotLetACallerChangeTheFenceLaterReadsFind() throws Exception
    {
        final IMap<String, String> map = attacker.getMap("geofences-own-" + UUID.randomUUID());
        final GeofenceRecords reader = new GeofenceRecords(map, KEY, 1_000, 10_000, null, null, null);
        reader.store("field", fence("field"));
        final String stored = reader.read().fences().get(0).feature().toString();

        final GeofenceRecords.Fences first = reader.read();
        final ObjectNode read = (ObjectNode)first.fences().get(0).feature();
        ((ObjectNode)read.path("properties")).put("kind", "keep-in").put("name", "changed");
        ((ArrayNode)read.path("geometry").path("coordinates").path(0)).removeAll();
        read.put("extra", 1);
        final ObjectNode found = (ObjectNode)((GeofenceRecords.Fence)reader.find("field")).feature();
        found.put("id", "other");
        assertThatThrownBy(() -> first.fences().add(first.fences().get(0))).isInstanceOf(UnsupportedOperationException.class);
        first.fences().get(0).polygon().bounds()[0] = 0;

        final GeofenceRecords.Fence again = reader.read().fences().get(0);
        assertThat(again.feature().toString()).isEqualTo(stored);
        assertThat(((GeofenceRecords.Fence)reader.find("field")).feature().toString()).isEqualTo(stored);
        assertThat(again.keepIn()).isFalse();
        assertThat(again.polygon().bounds()).containsExactly(52.40, 13.30, 52.45, 13.35);
        assertThat(reader.read().set().breach(52.42, 13.32)).contains("inside the keep-out geofence 'field'");
    }

    /** A keep-out ring of {@code points} distinct points (and the closing one). */
    private static com.fasterxml.jackson.databind.JsonNode border(final int points) throws Exception
    {
        final StringBuilder ring = new StringBuilder();
        for (int i = 0; i <= points; i++)
        {
            final double angle = 2 * Math.PI * (i % points) / points;
            ring.append(i == 0 ? "[" : ",[").append(10 + Math.cos(angle)).append(',').append(50 + Math.sin(angle))
                .append(']');
        }
        return new ObjectMapper().readTree("{\"type\":\"Feature\",\"properties\":{\"name\":\"border\"," +
            "\"kind\":\"keep-out\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[" + ring + "]]}}");
    }

    private static com.fasterxml.jackson.databind.node.ObjectNode fenceNode(final String id) throws Exception
    {
        return (com.fasterxml.jackson.databind.node.ObjectNode)fence(id);
    }

    private static com.fasterxml.jackson.databind.JsonNode fence(final String id) throws Exception
    {
        return new ObjectMapper().readTree("{\"type\":\"Feature\",\"id\":\"" + id + "\"," +
            "\"properties\":{\"name\":\"" + id + "\",\"kind\":\"keep-out\"},\"geometry\":{\"type\":\"Polygon\"," +
            "\"coordinates\":[[[13.30,52.40],[13.35,52.40],[13.35,52.45],[13.30,52.45],[13.30,52.40]]]}}");
    }
}
