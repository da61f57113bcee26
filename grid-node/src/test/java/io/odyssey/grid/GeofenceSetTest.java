package io.odyssey.grid;

import org.junit.jupiter.api.Test;

import java.util.List;

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
}
