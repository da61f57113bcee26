package io.odyssey.grid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one reader of geofences, and the checks the gateway and the ingest nodes make with it. */
class GeofenceSetTest
{
    /** A square of about 1.1 km a side around (52.5, 13.4). */
    private static final String KEEP_IN = feature("keep-in", "field", 13.395, 52.495, 13.405, 52.505);
    /** A small square inside it, east of the centre. */
    private static final String KEEP_OUT = feature("keep-out", "tower", 13.401, 52.499, 13.402, 52.501);

    private static String feature(final String kind, final String name, final double minLon, final double minLat,
        final double maxLon, final double maxLat)
    {
        return "{\"type\":\"Feature\",\"properties\":{\"kind\":\"" + kind + "\",\"name\":\"" + name + "\"}," +
            "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[" + minLon + "," + minLat + "],[" + maxLon + "," +
            minLat + "],[" + maxLon + "," + maxLat + "],[" + minLon + "," + maxLat + "],[" + minLon + "," + minLat + "]]]}}";
    }

    private final GeofenceSet fences = GeofenceSet.fromFeatureTexts(List.of(KEEP_IN, KEEP_OUT));

    @Test
    void shouldSortFeaturesByKind()
    {
        assertThat(fences.keepIn()).hasSize(1);
        assertThat(fences.keepOut()).hasSize(1);
        assertThat(fences.isEmpty()).isFalse();
        assertThat(GeofenceSet.NONE.isEmpty()).isTrue();
    }

    /**
     * A fence of many points (an admin importing a detailed border; the API's 256 KiB body holds ~20,000) is read on
     * every goto and mission and by every ingest node's relay once a second, on the thread that sends commands. Each
     * point was compared with every point kept before it: 20,000 took 1.5-3 s, these 100,000 (5 * 10^9 comparisons)
     * 38 s on the loaded test machine, against well under a second to parse their JSON. Read in one pass now: measured
     * against that parse in the same run (not a fixed time, which a loaded machine stretches), with a wide margin.
     */
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldReadAFenceOfAHundredThousandPointsInOnePass() throws Exception
    {
        final int points = 100_000;
        final StringBuilder border = new StringBuilder(points * 40).append("{\"type\":\"Feature\",\"properties\":" +
            "{\"kind\":\"keep-out\",\"name\":\"border\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[");
        for (int i = 0; i <= points; i++)
        {
            final double angle = 2 * Math.PI * (i % points) / points;
            border.append(i == 0 ? "[" : ",[").append(13.4 + 0.01 * Math.cos(angle)).append(',')
                .append(52.5 + 0.01 * Math.sin(angle)).append(']');
        }
        final String text = border.append("]]}}").toString();

        final long parseStartNs = System.nanoTime();
        final JsonNode feature = new ObjectMapper().readTree(text);
        final long parseNs = System.nanoTime() - parseStartNs;
        final long readStartNs = System.nanoTime();
        final GeofenceSet set = GeofenceSet.fromFeatures(List.of(feature));
        final long readNs = System.nanoTime() - readStartNs;

        assertThat(readNs).as("reading the fence took %d ms, parsing its JSON %d ms", readNs / 1_000_000,
            parseNs / 1_000_000).isLessThan(20 * parseNs);
        assertThat(set.breach(52.5, 13.4)).isEqualTo("inside the keep-out geofence 'border'");
        assertThat(set.breach(52.52, 13.4)).isNull();
    }

    /** A repeat is dropped where it stands again, the ring keeps the order it was drawn in (a bow tie otherwise). */
    @Test
    void shouldKeepEachPointWhereItFirstStands()
    {
        // A unit square drawn with (1,0) again after (1,1): kept once, where it first stood.
        final String square = "{\"type\":\"Feature\",\"properties\":{\"kind\":\"keep-out\",\"name\":\"square\"}," +
            "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[1,0],[0,1],[0,0]]]}}";
        final GeofenceSet set = GeofenceSet.fromFeatureTexts(List.of(square));
        assertThat(set.breach(0.5, 0.5)).isEqualTo("inside the keep-out geofence 'square'");
        assertThat(set.breach(0.9, 0.1)).isEqualTo("inside the keep-out geofence 'square'");
        assertThat(set.breach(1.5, 0.5)).isNull();
    }

    @Test
    void shouldCountAPointRepeatedAnywhereInTheRingOnceAndMinusZeroAsZero()
    {
        final String twoPoints = "{\"type\":\"Feature\",\"properties\":{\"kind\":\"keep-out\",\"name\":\"flat\"}," +
            "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,1],[-0.0,0],[1,1],[0,-0.0]]]}}";
        assertThatThrownBy(() -> GeofenceSet.fromFeatureTexts(List.of(twoPoints)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("three distinct points");
    }

    @Test
    void shouldNameTheFenceADroneBreaches()
    {
        assertThat(fences.breach(52.5, 13.398)).isNull();
        assertThat(fences.breach(52.5, 13.4015)).isEqualTo("inside the keep-out geofence 'tower'");
        assertThat(fences.breach(52.6, 13.4)).isEqualTo("outside the keep-in geofence 'field'");
    }

    @Test
    void shouldRefuseAPathThatCrossesAKeepOutFenceBetweenItsEnds()
    {
        // Both ends are clear; the straight leg between them runs through the tower.
        assertThat(fences.pathViolation(List.of(new double[]{52.5, 13.3965}, new double[]{52.5, 13.4045})))
            .isEqualTo("the path crosses the keep-out geofence 'tower'");
        assertThat(fences.pathViolation(List.of(new double[]{52.497, 13.3965}, new double[]{52.497, 13.4045}))).isNull();
    }

    @Test
    void shouldRefuseLeavingTheKeepInFenceButLetADroneOutsideFlyBack()
    {
        assertThat(fences.pathViolation(List.of(new double[]{52.5, 13.398}, new double[]{52.52, 13.398})))
            .isEqualTo("the path leaves the keep-in geofence 'field'");
        assertThat(fences.pathViolation(List.of(new double[]{52.52, 13.398}, new double[]{52.497, 13.398}))).isNull();
    }

    @Test
    void shouldSayWhatIsWrongWithABadFeature()
    {
        assertThatThrownBy(() -> GeofenceSet.fromFeatureTexts(List.of("{not json")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("a geofence is not JSON");
        assertThatThrownBy(() -> GeofenceSet.fromFeatureTexts(List.of(feature("keep-near", "x", 1, 1, 2, 2))))
            .hasMessageContaining("properties.kind is \"keep-in\" or \"keep-out\", not \"keep-near\"");
        assertThatThrownBy(() -> GeofenceSet.fromFeatureTexts(List.of(feature("keep-in", "x", 1, 1, 200, 2))))
            .hasMessageContaining("coordinates are [lon, lat] in range");
        assertThatThrownBy(() -> GeofenceSet.fromFeatureTexts(List.of(KEEP_IN.replace("Polygon", "LineString"))))
            .hasMessageContaining("a geofence's geometry is a Polygon");
        assertThatThrownBy(() -> GeofenceSet.fromFeatureTexts(List.of(KEEP_IN, feature("keep-out", "flat", 1, 1, 1, 1))))
            .hasMessageStartingWith("feature 2 (flat: a geofence needs at least three distinct points");
    }
    /**
     * The limit counts the ring's positions as received, every one (the closing one and repeats too): what parsing,
     * sorting and storing a fence cost. A ring padded with repeats of three points was taken however long, up to the
     * limit and one more (only distinct points were counted after reading them all).
     */
    @Test
    void shouldRefuseARingOfMorePositionsThanTheLimitRepeatsAndTheClosingOneIncluded() throws Exception
    {
        final ObjectMapper json = new ObjectMapper();
        final JsonNode square = json.readTree(feature("keep-out", "square", 0, 0, 1, 1));
        assertThat(GeofenceSet.positions(square)).isEqualTo(5);
        assertThat(GeofenceSet.polygon(square, "x", 5).size()).as("distinct points").isEqualTo(4);
        assertThatThrownBy(() -> GeofenceSet.polygon(square, "x", 4)).isInstanceOf(GeofenceSet.TooManyPoints.class)
            .hasMessageContaining("at most 4 positions (ODYSSEY_GEOFENCE_MAX_POINTS)").hasMessageContaining("this one 5");

        final StringBuilder ring = new StringBuilder("[[0,0],[1,0],[1,1]");
        for (int i = 0; i < 16; i++)
        {
            ring.append(",[1,1]");
        }
        final JsonNode padded = json.readTree("{\"type\":\"Feature\",\"properties\":{\"kind\":\"keep-out\"}," +
            "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[" + ring + ",[0,0]]]}}");
        assertThat(GeofenceSet.positions(padded)).isEqualTo(20);
        assertThatThrownBy(() -> GeofenceSet.polygon(padded, "x", 19)).isInstanceOf(GeofenceSet.TooManyPoints.class)
            .hasMessageContaining("this one 20");
        assertThat(GeofenceSet.polygon(padded, "x", 20).size()).isEqualTo(3);
    }
}
