package io.odyssey.mavlink.edge;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.codecs.DroneFlag;
import io.odyssey.codecs.sign.DroneKeyRing;
import io.odyssey.codecs.sign.TestDroneKeys;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
import io.odyssey.ingest.EdgeIngest;
import io.odyssey.ingest.EdgeIngestConfig;
import io.odyssey.runtime.Setting;
import io.odyssey.simulator.Simulator;
import io.odyssey.simulator.SimulatorConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A mixed fleet, the default of the simulator's MAVLink mode: of five simulated drones, the last three speak MAVLink 2
 * as PX4 vehicles to a real edge, the others SBE to the same real ingest node; all five fly on one fleet map.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class MixedFleetIT
{
    private static final String CLUSTER = "mixed-fleet-it-" + UUID.randomUUID();
    private static final int BASE_PORT = 20_000 + (int)(Math.random() * 20_000);
    private static final Path KEYS = TestDroneKeys.file(8001, 8005);

    @TempDir
    static Path dir;

    private static HazelcastInstance member;
    private static IMap<Long, DroneState> fleet;
    private static EdgeIngest ingest;
    private static MavlinkEdge edge;
    private static Simulator simulator;

    @BeforeAll
    static void start() throws Exception
    {
        member = FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER, "127.0.0.1", BASE_PORT,
            List.of("127.0.0.1:" + BASE_PORT), 1));
        fleet = FleetGrid.fleetMap(member);
        final EdgeIngestConfig ingestConfig = new EdgeIngestConfig();
        ingestConfig.clusterName = CLUSTER;
        ingestConfig.gridMembers = List.of("127.0.0.1:" + BASE_PORT);
        ingestConfig.nodeId = "ingest-mixed";
        ingestConfig.endpoint = "127.0.0.1:" + (BASE_PORT + 100);
        ingestConfig.statusPort = 0;
        ingestConfig.journalDir = dir.resolve("journal").toString();
        ingestConfig.droneKeys = KEYS.toString();
        ingest = EdgeIngest.launch(ingestConfig);

        final MavlinkEdgeConfig edgeConfig = new MavlinkEdgeConfig();
        edgeConfig.listen = "127.0.0.1:" + (BASE_PORT + 150);
        edgeConfig.endpoints = List.of("127.0.0.1:" + (BASE_PORT + 100));
        edgeConfig.statusPort = 0;
        final Setting keys = Setting.of("ODYSSEY_TEST_MIXED_KEYS", KEYS.toString(), "keys of the test");
        edge = MavlinkEdge.launch(edgeConfig,
            new VehicleRegistry().register(1, 8003, false).register(2, 8004, false).register(3, 8005, false),
            DroneKeyRing.load(keys, KEYS));

        final SimulatorConfig simConfig = new SimulatorConfig();
        simConfig.drones = 5;
        simConfig.firstId = 8001;
        simConfig.endpoints = List.of("127.0.0.1:" + (BASE_PORT + 100));
        simConfig.statusPort = 0;
        simConfig.commandEndpoint = SimulatorConfig.NO_COMMANDS;
        simConfig.droneKeys = KEYS.toString();
        simConfig.mavlinkDrones = 3;
        simConfig.mavlinkEdge = edgeConfig.listen;
        simulator = Simulator.launch(simConfig);
    }

    @AfterAll
    static void stop()
    {
        for (final AutoCloseable closeable : new AutoCloseable[]{simulator, edge, ingest})
        {
            try
            {
                if (closeable != null)
                {
                    closeable.close();
                }
            }
            catch (final Exception ignore)
            {
                // best effort in teardown
            }
        }
        if (member != null)
        {
            member.shutdown();
        }
    }

    @Test
    void shouldFlyMavlinkAndSbeDronesOnOneFleetMap()
    {
        await().atMost(60, TimeUnit.SECONDS).untilAsserted(() ->
        {
            for (long id = 8001; id <= 8005; id++)
            {
                assertThat(fleet.get(id)).as("drone %d", id).isNotNull();
            }
        });
        final Map<Long, Long> sequences = new HashMap<>();
        for (long id = 8001; id <= 8005; id++)
        {
            sequences.put(id, fleet.get(id).sequence());
        }

        // Every drone keeps flying; the SBE drones say they are simulated, the MAVLink ones came through the edge.
        await().atMost(30, TimeUnit.SECONDS).untilAsserted(() ->
        {
            for (long id = 8001; id <= 8005; id++)
            {
                assertThat(fleet.get(id).sequence()).as("drone %d advances", id).isGreaterThan(sequences.get(id));
            }
        });
        for (long id = 8001; id <= 8002; id++)
        {
            assertThat(fleet.get(id).flags() & DroneFlag.SIMULATED).as("SBE drone %d", id).isNotZero();
        }
        for (long id = 8003; id <= 8005; id++)
        {
            final DroneState state = fleet.get(id);
            assertThat(state.flags() & DroneFlag.SIMULATED).as("MAVLink drone %d", id).isZero();
            assertThat(state.battery()).isBetween(1f, 100f);
            assertThat(state.latitude()).isNotZero();
        }
        assertThat(edge.metrics().telemetrySent.get()).isPositive();
        for (final Refusal refusal : Refusal.values())
        {
            assertThat(edge.metrics().refused[refusal.ordinal()].get()).as(refusal.name()).isZero();
        }
    }
}
