package io.odyssey.mavlink.edge;

import com.hazelcast.map.IMap;
import io.odyssey.codecs.DroneFlag;
import io.odyssey.codecs.sign.TestDroneKeys;
import io.odyssey.grid.DroneState;
import io.odyssey.testing.FailOnErrorLog;
import io.odyssey.simulator.Simulator;
import io.odyssey.simulator.SimulatorConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A mixed fleet, the default of the simulator's MAVLink mode: of five simulated drones, the last three speak MAVLink 2
 * as PX4 vehicles to a real edge, the others SBE to the same real ingest node; all five fly on one fleet map.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
@ExtendWith(FailOnErrorLog.class)
class MixedFleetIT
{
    private static final Path KEYS = TestDroneKeys.file(8001, 8005);

    @TempDir
    static Path dir;

    private static GridAndIngest stack;
    private static IMap<Long, DroneState> fleet;
    private static MavlinkEdge edge;

    @BeforeAll
    static void start() throws Exception
    {
        stack = new GridAndIngest(KEYS, dir.resolve("journal"));
        fleet = stack.fleet();
        final MavlinkEdgeConfig edgeConfig = stack.edgeConfig();
        edge = stack.launchEdge(edgeConfig, 8003, 8004, 8005);
        final SimulatorConfig simConfig = stack.mixedFleet(5, 8001, 3, edgeConfig);
        stack.onTop(Simulator.launch(simConfig));
    }

    @AfterAll
    static void stop()
    {
        if (stack != null)
        {
            stack.close();
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
