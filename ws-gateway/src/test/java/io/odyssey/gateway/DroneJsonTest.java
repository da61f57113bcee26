package io.odyssey.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.odyssey.grid.DroneState;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class DroneJsonTest
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DroneJson encoder = new DroneJson();

    @Test
    void shouldWriteEveryFieldOfTheContractWithItsType() throws Exception
    {
        final DroneState state = new DroneState(4711, 123_456, 1_764_000_000_123_456_789L, 1_764_000_000_124_000_001L,
            1_764_000_000_126_000_002L, 52.518123456789, 13.404987654321, 87.54f, 271.25f, 12.044f, -0.5f, 64.5f,
            "CRUISING", 9, "ingest-1");

        final JsonNode drone = JSON.readTree(encoder.encode(state, 1_764_000_000_130_000_003L));

        assertThat(drone.get("id").isIntegralNumber()).isTrue();
        assertThat(drone.get("id").asLong()).isEqualTo(4711);
        assertThat(drone.get("seq").asLong()).isEqualTo(123_456);
        assertThat(drone.get("sentAtNs").isTextual()).isTrue();
        assertThat(drone.get("sentAtNs").asText()).isEqualTo("1764000000123456789");
        assertThat(drone.get("ingestNs").asText()).isEqualTo("1764000000124000001");
        assertThat(drone.get("gridNs").asText()).isEqualTo("1764000000126000002");
        assertThat(drone.get("gatewayNs").asText()).isEqualTo("1764000000130000003");
        assertThat(drone.get("lat").asDouble()).isEqualTo(52.518123456789);
        assertThat(drone.get("lon").asDouble()).isEqualTo(13.404987654321);
        assertThat(drone.get("alt").asDouble()).isEqualTo(87.5);
        assertThat(drone.get("hdg").asDouble()).isEqualTo(271.3);
        assertThat(drone.get("spd").asDouble()).isEqualTo(12.04);
        assertThat(drone.get("climb").asDouble()).isEqualTo(-0.5);
        assertThat(drone.get("bat").asDouble()).isEqualTo(64.5);
        assertThat(drone.get("status").asText()).isEqualTo("CRUISING");
        assertThat(drone.get("flags").asInt()).isEqualTo(9);
        assertThat(drone.get("node").asText()).isEqualTo("ingest-1");
        assertThat(fieldNames(drone)).containsExactly("id", "seq", "sentAtNs", "ingestNs", "gridNs", "gatewayNs", "lat",
            "lon", "alt", "hdg", "spd", "climb", "bat", "status", "flags", "node");
    }

    @Test
    void shouldRoundSensorValuesForDisplayWithoutLosingTheSign()
    {
        assertThat(text(state(0f, 0f, 0f, -0.25f, 0f))).contains("\"climb\":-0.25");
        assertThat(text(state(0f, 0f, 0f, -0.004f, 0f))).contains("\"climb\":0.0");
        assertThat(text(state(0f, 0f, 0f, -0.0f, 0f))).contains("\"climb\":0.0");
        assertThat(text(state(-12.06f, 0f, 0f, 0f, 0f))).contains("\"alt\":-12.1");
        assertThat(text(state(0f, 359.96f, 0f, 0f, 0f))).contains("\"hdg\":360.0");
        assertThat(text(state(0f, 0f, 12.05f, 0f, 0f))).contains("\"spd\":12.05");
        assertThat(text(state(0f, 0f, 3.1f, 0f, 0f))).contains("\"spd\":3.1,");
        assertThat(text(state(0f, 0f, 0f, 0f, 100f))).contains("\"bat\":100.0");
        assertThat(text(state(3.0e13f, 0f, 0f, 0f, 0f))).contains("\"alt\":3.0").contains("E13");
    }

    @Test
    void shouldWriteNonFiniteNumbersAsNullNotAsInvalidJson() throws Exception
    {
        final DroneState state = new DroneState(1, 1, 1, 2, 3, Double.NaN, Double.POSITIVE_INFINITY, Float.NaN,
            Float.NEGATIVE_INFINITY, 0f, 0f, 50f, "GROUNDED", 0, "n");

        final JsonNode drone = JSON.readTree(encoder.encode(state, 4));

        assertThat(drone.get("lat").isNull()).isTrue();
        assertThat(drone.get("lon").isNull()).isTrue();
        assertThat(drone.get("alt").isNull()).isTrue();
        assertThat(drone.get("hdg").isNull()).isTrue();
    }

    @Test
    void shouldEscapeTheIngestNodeName() throws Exception
    {
        final String node = "edge \"north\"\\ \n\u0001 Zürich ✈";
        final DroneState state = new DroneState(1, 1, 1, 2, 3, 1, 1, 1f, 1f, 1f, 1f, 1f, "HOVERING", 0, node);

        final byte[] json = encoder.encode(state, 4);

        assertThat(JSON.readTree(json).get("node").asText()).isEqualTo(node);
        assertThat(new String(json, StandardCharsets.UTF_8)).contains("Zürich ✈");
    }

    @Test
    void shouldEncodeOneSelfContainedObjectPerCallWithTheSameEncoder() throws Exception
    {
        final List<byte[]> encoded = new ArrayList<>();
        for (int id = 1; id <= 1_000; id++)
        {
            encoded.add(encoder.encode(new DroneState(id, id * 2L, id, id + 1, id + 2, id / 100.0, -id / 100.0,
                id, id % 360, 1f, 0f, 50f, "CRUISING", id & 15, "node-" + id), id + 3L));
        }

        for (int i = 0; i < encoded.size(); i++)
        {
            final byte[] json = encoded.get(i);
            assertThat(json[0]).isEqualTo((byte)'{');
            assertThat(json[json.length - 1]).isEqualTo((byte)'}');
            final JsonNode drone = JSON.readTree(json);
            assertThat(drone.get("id").asLong()).isEqualTo(i + 1);
            assertThat(drone.get("seq").asLong()).isEqualTo((i + 1) * 2L);
            assertThat(drone.get("node").asText()).isEqualTo("node-" + (i + 1));
        }
    }

    private String text(final DroneState state)
    {
        return new String(encoder.encode(state, 1), StandardCharsets.UTF_8);
    }

    private static DroneState state(final float alt, final float hdg, final float spd, final float climb, final float bat)
    {
        return new DroneState(7, 1, 1, 2, 3, 10.0, 20.0, alt, hdg, spd, climb, bat, "CRUISING", 0, "n");
    }

    private static List<String> fieldNames(final JsonNode node)
    {
        final List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
