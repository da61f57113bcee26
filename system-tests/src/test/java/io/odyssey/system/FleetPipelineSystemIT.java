package io.odyssey.system;

import com.fasterxml.jackson.databind.JsonNode;
import io.odyssey.codecs.RejectReason;
import io.odyssey.gateway.Gateway;
import io.odyssey.gateway.GatewayConfig;
import io.odyssey.gateway.TestClients;
import io.odyssey.grid.GridNode;
import io.odyssey.ingest.EdgeIngest;
import io.odyssey.simulator.Simulator;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole live path with real parts: a simulator flying 200 drones publishes SBE telemetry over Aeron UDP on
 * loopback to an edge ingest node, which writes the fleet map held by two real Hazelcast members, whose changes
 * reach a real gateway and, over a real WebSocket, a client.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class FleetPipelineSystemIT
{
    @TempDir
    static Path journals;

    private static final int DRONES = 200;
    private static final String CLUSTER = "pipeline-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);
    private static final int INGEST_PORT = GRID_PORT + 500;
    private static final StackConfigs STACK = new StackConfigs(CLUSTER, GRID_PORT, INGEST_PORT);

    private static GridNode first;
    private static GridNode second;
    private static EdgeIngest ingest;
    private static Gateway gateway;
    private static Simulator simulator;

    @BeforeAll
    static void startTheFleet() throws Exception
    {
        first = GridNode.launch(STACK.grid());
        second = GridNode.launch(STACK.grid());
        ingest = EdgeIngest.launch(STACK.ingest("ingest-system", journals.resolve("ingest-system")));
        gateway = Gateway.launch(gatewayConfig());
        simulator = Simulator.launch(STACK.simulator(1, DRONES));
    }

    @AfterAll
    static void stopTheFleet() throws Exception
    {
        for (final AutoCloseable part : new AutoCloseable[]{simulator, gateway, ingest, second, first})
        {
            if (part != null)
            {
                part.close();
            }
        }
    }

    @Test
    void shouldShowEveryDroneMovingWithGrowingSequencesAndHonourABoundingBox() throws Exception
    {
        try (TestClients.Client client = TestClients.connect(gateway.port()))
        {
            // Every drone appears.
            await().atMost(60, TimeUnit.SECONDS).until(() -> client.drones().size() == DRONES);
            final Map<Long, double[]> firstSeen = new HashMap<>();
            client.drones().forEach((id, drone) ->
                firstSeen.put(id, new double[]{drone.get("seq").asLong(), drone.get("lat").asDouble(), drone.get("lon").asDouble(),
                    drone.get("alt").asDouble()}));
            assertThat(firstSeen.keySet()).allMatch(id -> id >= 1 && id <= DRONES);

            // Sequence numbers advance for every drone, and drones move (freshly started drones climb before they
            // cruise, so altitude counts as movement too).
            await().atMost(30, TimeUnit.SECONDS).untilAsserted(() ->
            {
                int movedAcross = 0;
                int moved = 0;
                for (final Map.Entry<Long, double[]> entry : firstSeen.entrySet())
                {
                    final JsonNode now = client.drones().get(entry.getKey());
                    assertThat(now.get("seq").asLong()).as("drone %d advances", entry.getKey())
                        .isGreaterThan((long)entry.getValue()[0]);
                    final boolean across = now.get("lat").asDouble() != entry.getValue()[1] ||
                        now.get("lon").asDouble() != entry.getValue()[2];
                    movedAcross += across ? 1 : 0;
                    moved += across || now.get("alt").asDouble() != entry.getValue()[3] ? 1 : 0;
                }
                assertThat(movedAcross).as("drones that flew somewhere").isGreaterThan(DRONES / 4);
                assertThat(moved).as("drones that moved").isGreaterThan(DRONES * 9 / 10);
            });
            assertThat(client.sequenceViolations()).as("sequence numbers only grow per drone").isEmpty();

            // Every hop's timestamp is carried through, in order.
            final JsonNode sample = client.drones().get(1L);
            final long sent = Long.parseLong(sample.get("sentAtNs").asText());
            final long ingested = Long.parseLong(sample.get("ingestNs").asText());
            final long gridded = Long.parseLong(sample.get("gridNs").asText());
            final long gatewayed = Long.parseLong(sample.get("gatewayNs").asText());
            assertThat(sent).isLessThanOrEqualTo(ingested);
            assertThat(ingested).isLessThanOrEqualTo(gridded);
            assertThat(gridded).isLessThanOrEqualTo(gatewayed);
            assertThat(sample.get("node").asText()).isEqualTo("ingest-system");

            // A bounding box around the northern half of the patrol area: only drones inside arrive from now on.
            final double[] box = {13.30, 52.52, 13.50, 52.60};
            client.send("{\"type\":\"subscribe\",\"bbox\":[" + box[0] + "," + box[1] + "," + box[2] + "," + box[3] + "]}");
            client.awaitSnapshotWithBox();
            final int messagesBefore = client.messageCount();
            await().atMost(10, TimeUnit.SECONDS).until(() -> client.messageCount() > messagesBefore + 20);
            assertThat(client.drones()).isNotEmpty().hasSizeLessThan(DRONES);
            for (final JsonNode message : client.messagesSince(messagesBefore))
            {
                for (final JsonNode drone : message.path("drones"))
                {
                    assertThat(drone.get("lat").asDouble()).isBetween(box[1], box[3]);
                    assertThat(drone.get("lon").asDouble()).isBetween(box[0], box[2]);
                }
            }
        }

        // Nothing the simulator sent was refused.
        for (final RejectReason reason : RejectReason.values())
        {
            assertThat(ingest.rejectedCount(reason)).as("rejected for %s", reason).isZero();
        }
        assertThat(ingest.acceptedCount()).isGreaterThan(DRONES * 10L);
    }

    private static GatewayConfig gatewayConfig()
    {
        final GatewayConfig config = STACK.gateway(0);
        // These tests are about reading the fleet, not access control (see CommandApiIT): anonymous viewers.
        config.anonymousRole = "viewer";
        return config;
    }
}
