package io.odyssey.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Issue 14 against a real gateway, a real grid member and real WebSocket clients: a binary client and a JSON client
 * of the same gateway see the same drones (within the binary encoding's precision); a client with flow control that
 * stops acknowledging costs the gateway no backlog and gets the newest state of every drone when it acknowledges
 * again, and is closed if it never does; an old JSON client that knows nothing of acknowledgements is served as before.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GatewayFlowControlIT
{
    private static final String CLUSTER = "gateway-flow-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final AtomicLong NEXT_DRONE = new AtomicLong(1_000);
    private static final long STRICT_STALL_MS = 1_500;

    private static HazelcastInstance member;
    private static IMap<Long, DroneState> fleet;
    private static Gateway gateway;
    /** A short stall timeout, for the client that never acknowledges again. */
    private static Gateway strict;

    @BeforeAll
    static void start() throws Exception
    {
        member = FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER, "127.0.0.1", GRID_PORT, List.of("127.0.0.1:" + GRID_PORT), 1));
        fleet = FleetGrid.fleetMap(member);
        gateway = Gateway.launch(config(60_000));
        strict = Gateway.launch(config(STRICT_STALL_MS));
    }

    private static GatewayConfig config(final long stallTimeoutMs)
    {
        final GatewayConfig config = GatewayIT.config(16);
        config.clusterName = CLUSTER;
        config.gridMembers = List.of("127.0.0.1:" + GRID_PORT);
        config.stallTimeoutMs = stallTimeoutMs;
        return config;
    }

    @AfterAll
    static void stop()
    {
        for (final Gateway running : new Gateway[]{strict, gateway})
        {
            if (running != null)
            {
                running.close();
            }
        }
        if (member != null)
        {
            member.shutdown();
        }
    }

    @Test
    void shouldGiveABinaryClientAndAJsonClientTheSameDroneStates() throws Exception
    {
        final long[] ids = {NEXT_DRONE.getAndIncrement(), NEXT_DRONE.getAndIncrement(), NEXT_DRONE.getAndIncrement()};
        try (FleetClient binary = FleetClient.offering(gateway.port(), "/ws/fleet", "odyssey.bin.v1", "odyssey.v1");
            FleetClient json = FleetClient.offering(gateway.port(), "/ws/fleet", "odyssey.v1"))
        {
            assertThat(binary.subprotocol()).isEqualTo("odyssey.bin.v1");
            assertThat(json.subprotocol()).isEqualTo("odyssey.v1");
            assertThat(binary.awaitType("hello").get("flow").get("maxWindow").asInt()).isEqualTo(64);
            binary.awaitType("snapshot");
            json.awaitType("snapshot");

            final Map<Long, Long> finalSeq = new HashMap<>();
            for (int seq = 1; seq <= 20; seq++)
            {
                for (int i = 0; i < ids.length; i++)
                {
                    fleet.set(ids[i], odd(ids[i], seq, i));
                    finalSeq.put(ids[i], (long)seq);
                }
            }
            await().atMost(WAIT).until(() -> hasFinal(binary.binaryDrones, json, finalSeq));

            for (final long id : ids)
            {
                final BinaryFleetFrame.Drone b = binary.binaryDrones.get(id);
                final JsonNode j = json.drones.get(id);
                assertThat(b.seq()).isEqualTo(j.get("seq").asLong());
                assertThat(String.valueOf(b.sentAtNs())).isEqualTo(j.get("sentAtNs").asText());
                assertThat(b.lat()).isCloseTo(j.get("lat").asDouble(), within(0.5e-7 + 1e-12));
                assertThat(b.lon()).isCloseTo(j.get("lon").asDouble(), within(0.5e-7 + 1e-12));
                // JSON rounds alt, hdg and bat to 0.1, binary to 0.01: both within half a step of the same float.
                assertThat(b.alt()).isCloseTo(j.get("alt").asDouble(), within(0.05 + 0.005 + 1e-9));
                // A heading near north: JSON may say 360.0 where binary says 0 (the spec's full turn): compare angles.
                final double turn = ((b.hdg() - j.get("hdg").asDouble()) % 360 + 540) % 360 - 180;
                assertThat(turn).isCloseTo(0, within(0.05 + 0.005 + 1e-9));
                assertThat(b.bat()).isCloseTo(j.get("bat").asDouble(), within(0.05 + 0.005 + 1e-9));
                assertThat(b.spd()).isCloseTo(j.get("spd").asDouble(), within(1e-9));
                assertThat(b.climb()).isCloseTo(j.get("climb").asDouble(), within(1e-9));
                assertThat(BinaryFleetFrame.STATUSES[b.status()]).isEqualTo(j.get("status").asText());
                assertThat(b.flags()).isEqualTo(j.get("flags").asInt());
                assertThat(binary.nodes.get(b.node())).isEqualTo(j.get("node").asText());
                final long sent = Long.parseLong(j.get("sentAtNs").asText());
                assertThat((double)b.ingestUs()).isCloseTo((Long.parseLong(j.get("ingestNs").asText()) - sent) / 1000.0,
                    within(0.5));
            }
            assertThat(binary.typesReceived.indexOf("nodes")).as("the node table before the first binary frame")
                .isLessThan(binary.typesReceived.indexOf("binary-snapshot"));
            assertThat(binary.sequenceViolations).isEmpty();
            assertThat(json.sequenceViolations).isEmpty();
            assertThat(GatewayIT.metric(gateway.port(), "odyssey_ws_drone_records_encoded_total", ""))
                .as("records encoded once per version, not per client").isPositive();
        }
        try (FleetClient alerts = FleetClient.offering(gateway.port(), "/ws/alerts", "odyssey.bin.v1", "odyssey.v1"))
        {
            assertThat(alerts.subprotocol()).as("only /ws/fleet speaks binary").isEqualTo("odyssey.v1");
        }
    }

    @Test
    void shouldHoldAClientThatStopsAcknowledgingAndGiveItTheNewestStateWhenItDoes() throws Exception
    {
        final long[] ids = new long[50];
        for (int i = 0; i < ids.length; i++)
        {
            ids[i] = NEXT_DRONE.getAndIncrement();
        }
        try (FleetClient client = FleetClient.offering(gateway.port(), "/ws/fleet", "odyssey.bin.v1", "odyssey.v1"))
        {
            client.awaitType("hello");
            client.send("{\"type\":\"flow\",\"window\":1}");
            final long snapshot = client.awaitType("snapshot").get("frame").asLong();
            client.send("{\"type\":\"ack\",\"frame\":" + snapshot + "}");
            client.send("{\"type\":\"ack\",\"frame\":" + (snapshot + 1_000) + "}");
            assertThat(client.awaitType("error").get("code").asText()).isEqualTo("BAD_ACK");

            final long heldBefore = GatewayIT.metric(gateway.port(), "odyssey_ws_frames_held_total", "");
            final int framesBefore = client.frameBytes.size();
            final Map<Long, Long> finalSeq = new HashMap<>();
            long maxPending = 0;
            for (int seq = 1; seq <= 60; seq++)
            {
                final Map<Long, DroneState> batch = new HashMap<>();
                for (final long id : ids)
                {
                    batch.put(id, GatewayIT.state(id, seq, 40.0 + seq / 1000.0, 40.0));
                    finalSeq.put(id, (long)seq);
                }
                fleet.setAll(batch);
                if (seq % 10 == 0)
                {
                    maxPending = Math.max(maxPending, GatewayIT.metric(gateway.port(), "odyssey_ws_max_pending_bytes", ""));
                }
            }
            await().atMost(WAIT).until(() ->
                GatewayIT.metric(gateway.port(), "odyssey_ws_frames_held_total", "") > heldBefore + 3);
            assertThat(client.frameBytes.size() - framesBefore)
                .as("one frame within the window of 1, then nothing until the next ack").isLessThanOrEqualTo(1);
            assertThat(maxPending).as("nothing queued for it in the gateway").isLessThan(64 * 1024);
            final boolean stale = ids.length > 0 && !hasFinal(client.binaryDrones, null, finalSeq);
            assertThat(stale).as("it does not have the newest state while it does not acknowledge").isTrue();

            client.send("{\"type\":\"ack\",\"frame\":" + client.lastFrame.get() + "}");
            await().atMost(WAIT).until(() -> hasFinal(client.binaryDrones, null, finalSeq));
            assertThat(client.sequenceViolations).isEmpty();
            assertThat(client.isOpen()).isTrue();
        }
    }

    @Test
    void shouldCloseAClientThatNeverAcknowledgesAgain() throws Exception
    {
        final long id = NEXT_DRONE.getAndIncrement();
        final long slowBefore = GatewayIT.metric(strict.port(), "odyssey_ws_clients_closed_total", "reason=\"slow\"");
        try (FleetClient client = FleetClient.offering(strict.port(), "/ws/fleet", "odyssey.v1"))
        {
            client.awaitType("hello");
            client.send("{\"type\":\"flow\",\"window\":2}");
            client.awaitType("snapshot");
            final long deadline = System.nanoTime() + WAIT.toNanos();
            for (int seq = 1; client.isOpen() && System.nanoTime() < deadline; seq++)
            {
                fleet.set(id, GatewayIT.state(id, seq, 30.0, 30.0 + seq / 1e4));
                await().pollDelay(Duration.ofMillis(50)).until(() -> true);
            }
            assertThat(client.isOpen()).isFalse();
            assertThat(GatewayIT.metric(strict.port(), "odyssey_ws_clients_closed_total", "reason=\"slow\""))
                .isGreaterThan(slowBefore);
        }
    }

    @Test
    void shouldServeAnOldJsonClientThatNeverAcknowledgesAsBefore() throws Exception
    {
        final long id = NEXT_DRONE.getAndIncrement();
        try (FleetClient client = FleetClient.connect(strict.port()))
        {
            client.awaitType("hello");
            final long first = client.awaitType("snapshot").get("frame").asLong();
            for (int seq = 1; seq <= 40; seq++)
            {
                fleet.set(id, GatewayIT.state(id, seq, 31.0, 31.0 + seq / 1e4));
                await().pollDelay(Duration.ofMillis(100)).until(() -> true);
            }
            await().atMost(WAIT).until(() -> client.drones.containsKey(id) && client.drones.get(id).get("seq").asLong() == 40);
            assertThat(client.changeFrames.get()).as("frames keep coming without any ack").isGreaterThan(3);
            assertThat(client.lastFrame.get()).isGreaterThan(first);
            assertThat(client.isOpen()).as("well past the stall timeout: never closed for not acknowledging").isTrue();
            assertThat(client.sequenceViolations).isEmpty();
        }
    }

    /** A state with values that exercise the rounding: many decimals, halves, a heading near north. */
    private static DroneState odd(final long id, final int seq, final int variant)
    {
        final long sent = System.currentTimeMillis() * 1_000_000L + 123_456;
        return new DroneState(id, seq, sent, sent + 1_234_567, sent + 2_345_678, 52.123456789 + seq * 1.234567e-6 + variant,
            13.987654321 - seq * 7.654321e-7, 100.25f + seq, 359.996f - variant * 120.05f, 12.345f, -1.255f, 66.65f,
            variant == 0 ? "CRUISING" : variant == 1 ? "HOVERING" : "RETURNING", 8 | variant, "ingest-" + variant);
    }

    /** Whether the binary map (and the JSON client, when given) hold the final sequence of every drone. */
    private static boolean hasFinal(
        final Map<Long, BinaryFleetFrame.Drone> binary, final FleetClient json, final Map<Long, Long> finalSeq)
    {
        for (final Map.Entry<Long, Long> drone : finalSeq.entrySet())
        {
            final BinaryFleetFrame.Drone b = binary.get(drone.getKey());
            if (b == null || b.seq() != drone.getValue())
            {
                return false;
            }
            if (json != null)
            {
                final JsonNode j = json.drones.get(drone.getKey());
                if (j == null || j.get("seq").asLong() != drone.getValue())
                {
                    return false;
                }
            }
        }
        return true;
    }
}
