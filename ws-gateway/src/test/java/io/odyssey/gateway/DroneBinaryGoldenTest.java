package io.odyssey.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.odyssey.grid.DroneState;
import org.agrona.concurrent.EpochNanoClock;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.IntConsumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The gateway's binary encoding against docs/api/fleet-binary-golden.json, the file the dashboard's decoder is tested
 * against too: every vector's drones encode to exactly its bytes, and a real session builds the same frame (and the
 * same JSON) as the spec's example.
 */
class DroneBinaryGoldenTest
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void shouldEncodeEveryGoldenVectorToItsExactBytes() throws Exception
    {
        final JsonNode golden = golden();
        assertThat(golden.get("recordLength").asInt()).isEqualTo(DroneBinary.RECORD_LENGTH);
        for (final JsonNode vector : golden.get("vectors"))
        {
            final NodeTable nodes = new NodeTable(() -> { });
            vector.get("nodes").forEach(name -> nodes.indexOf(name.asText()));
            final DroneRecords records = new DroneRecords(nodes, new GatewayMetrics());
            final FrameWriter writer = new FrameWriter(64);
            final BoundingBox box = box(vector.get("bbox"));
            writer.beginBinary(box);
            for (final JsonNode drone : vector.get("drones"))
            {
                writer.record(records.buffer(), records.offsetOf(
                    new DroneView(state(drone, vector.get("nodes")), ns(drone, "gatewayNs"), 0), 10));
            }
            vector.get("removed").forEach(id -> writer.removedId(id.asLong()));
            writer.finishBinary((byte)vector.get("frameType").asInt(), vector.get("frame").asLong(), box != null,
                vector.get("drones").size(), vector.get("removed").size(), Long.parseLong(vector.get("frameTimeNs").asText()));

            assertThat(HEX.formatHex(bytes(writer.toByteBuffer()))).as(vector.get("name").asText())
                .isEqualTo(vector.get("hex").asText());
            assertThat(writer.length()).isEqualTo(vector.get("bytes").asInt());
        }
    }

    @Test
    void shouldBuildTheSpecsSnapshotInASessionOfEachEncoding() throws Exception
    {
        final JsonNode vector = golden().get("vectors").get(0);
        final FleetView fleet = new FleetView(() -> { }, () -> { });
        for (final JsonNode drone : vector.get("drones"))
        {
            fleet.merge(state(drone, vector.get("nodes")), ns(drone, "gatewayNs"));
        }
        final long frameTimeNs = Long.parseLong(vector.get("frameTimeNs").asText());
        final EpochNanoClock clock = () -> frameTimeNs;
        final GatewayMetrics metrics = new GatewayMetrics();
        final DroneRecords records = new DroneRecords(new NodeTable(() -> { }), metrics);

        final RecordingLink binaryLink = new RecordingLink();
        final ClientSession binary = new ClientSession(binaryLink, metrics, 1 << 20, 1_000_000_000L, 0, 0, true);
        binary.requestSnapshot(null);
        binary.flush(fleet, 0, new FrameWriter(64), new DroneJson(), records, clock);
        assertThat(binaryLink.sent).as("the node table, then the snapshot").hasSize(2);
        assertThat(binaryLink.sent.get(0).text()).isEqualTo("{\"type\":\"nodes\",\"nodes\":[\"ingest-1\",\"ingest-2\"]}");
        assertThat(HEX.formatHex(binaryLink.sent.get(1).bytes())).isEqualTo(vector.get("hex").asText());
        assertThat(binaryLink.sent.get(1).binary()).isTrue();

        final RecordingLink jsonLink = new RecordingLink();
        final ClientSession json = new ClientSession(jsonLink, metrics, 1 << 20, 1_000_000_000L, 0, 0, false);
        json.requestSnapshot(null);
        json.flush(fleet, 0, new FrameWriter(64), new DroneJson(), records, clock);
        assertThat(jsonLink.sent).hasSize(1);
        assertThat(jsonLink.sent.get(0).text()).isEqualTo(vector.get("json").asText());
        assertThat(metrics.recordsEncoded.get()).as("each drone encoded once").isEqualTo(2);
    }

    @Test
    void shouldDecodeWhatTheGoldenFileSaysAndRefuseWhatItRefuses() throws Exception
    {
        final JsonNode golden = golden();
        final List<JsonNode> readable = new ArrayList<>();
        golden.get("vectors").forEach(readable::add);
        readable.add(golden.get("grown"));
        for (final JsonNode vector : readable)
        {
            final BinaryFleetFrame frame = BinaryFleetFrame.decode(HEX.parseHex(vector.get("hex").asText()));
            final JsonNode expected = vector.get("decoded");
            assertThat(frame.frame()).isEqualTo(expected.get("frame").asLong());
            assertThat(frame.frameTimeNs() / 1_000_000).isEqualTo(expected.get("frameTimeMs").asLong());
            assertThat(frame.drones()).hasSize(expected.get("drones").size());
            for (int i = 0; i < frame.drones().size(); i++)
            {
                final BinaryFleetFrame.Drone drone = frame.drones().get(i);
                final JsonNode want = expected.get("drones").get(i);
                assertThat(drone.id()).isEqualTo(want.get("id").asLong());
                assertThat(drone.seq()).isEqualTo(want.get("seq").asLong());
                assertThat(String.valueOf(drone.sentAtNs())).isEqualTo(want.get("sentAtNs").asText());
                assertNumber(drone.lat(), want.get("lat"), 1e-9);
                assertNumber(drone.lon(), want.get("lon"), 1e-9);
                assertNumber(drone.alt(), want.get("alt"), 1e-9);
                assertNumber(drone.hdg(), want.get("hdg"), 1e-9);
                assertNumber(drone.bat(), want.get("bat"), 1e-9);
                assertNumber(drone.gatewayUs() == null ? null : drone.gatewayUs().doubleValue(), want.get("gatewayUs"), 0);
            }
            assertThat(frame.removed()).hasSize(expected.get("removed").size());
        }
        for (final JsonNode refused : golden.get("refused"))
        {
            assertThatThrownBy(() -> BinaryFleetFrame.decode(HEX.parseHex(refused.get("hex").asText())))
                .as(refused.get("name").asText()).isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static void assertNumber(final Double actual, final JsonNode expected, final double tolerance)
    {
        if (expected.isNull())
        {
            assertThat(actual).isNull();
        }
        else
        {
            assertThat(actual).isCloseTo(expected.asDouble(), within(tolerance));
        }
    }

    /** A drone of a vector as the gateway holds it: float fields are exact float32 values, null is "not had". */
    static DroneState state(final JsonNode drone, final JsonNode nodes)
    {
        final int node = drone.get("node").asInt();
        final DroneState state = new DroneState(drone.get("id").asLong(), drone.get("seq").asLong(),
            ns(drone, "sentAtNs"), ns(drone, "ingestNs"), ns(drone, "gridNs"), drone.get("lat").asDouble(),
            drone.get("lon").asDouble(), f(drone, "alt"), f(drone, "hdg"), f(drone, "spd"), f(drone, "climb"),
            f(drone, "bat"), drone.get("status").asText(), drone.get("flags").asInt(),
            node == DroneBinary.NONE_U16 ? null : nodes.get(node).asText());
        return state;
    }

    static JsonNode golden() throws Exception
    {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("docs/api/fleet-binary-golden.json")))
        {
            dir = dir.getParent();
        }
        assertThat(dir).as("docs/api/fleet-binary-golden.json above the working directory").isNotNull();
        return JSON.readTree(dir.resolve("docs/api/fleet-binary-golden.json").toFile());
    }

    private static long ns(final JsonNode drone, final String field)
    {
        return Long.parseLong(drone.get(field).asText());
    }

    private static float f(final JsonNode drone, final String field)
    {
        return drone.get(field).isNull() ? Float.NaN : (float)drone.get(field).asDouble();
    }

    private static BoundingBox box(final JsonNode bbox)
    {
        return bbox.isNull() ? null :
            new BoundingBox(bbox.get(0).asDouble(), bbox.get(1).asDouble(), bbox.get(2).asDouble(), bbox.get(3).asDouble());
    }

    private static byte[] bytes(final ByteBuffer buffer)
    {
        final byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
    }

    private static final class RecordingLink implements ClientSession.Link
    {
        record Sent(byte[] bytes, boolean binary)
        {
            String text()
            {
                return new String(bytes, StandardCharsets.UTF_8);
            }
        }

        final List<Sent> sent = new ArrayList<>();

        public void sendText(final ByteBuffer frame, final IntConsumer written)
        {
            final int length = frame.remaining();
            sent.add(new Sent(bytes(frame), false));
            written.accept(length);
        }

        public void sendBinary(final ByteBuffer frame, final IntConsumer written)
        {
            final int length = frame.remaining();
            sent.add(new Sent(bytes(frame), true));
            written.accept(length);
        }

        public void close(final int code, final String reason)
        {
        }

        public void ping()
        {
        }
    }
}
