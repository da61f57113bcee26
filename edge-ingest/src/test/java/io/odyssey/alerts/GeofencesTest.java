package io.odyssey.alerts;

import io.odyssey.geo.Polygon;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GeofencesTest
{
    @TempDir
    Path dir;

    @Test
    void shouldReadKeepInAndKeepOutPolygonsFromGeoJson() throws Exception
    {
        final Path file = dir.resolve("fences.geojson");
        Files.writeString(file, """
            {"type":"FeatureCollection","features":[
             {"type":"Feature","properties":{"kind":"keep-in","name":"city"},
              "geometry":{"type":"Polygon","coordinates":[[[13.0,52.0],[13.1,52.0],[13.1,52.1],[13.0,52.1],[13.0,52.0]]]}},
             {"type":"Feature","properties":{"kind":"keep-out","name":"airport"},
              "geometry":{"type":"Polygon","coordinates":[[[13.04,52.04],[13.06,52.04],[13.06,52.06],[13.04,52.06]]]}}]}""");
        final Geofences.Set fences = Geofences.read(file);
        assertThat(fences.keepIn()).extracting(Polygon::name).containsExactly("city");
        assertThat(fences.keepOut()).extracting(Polygon::name).containsExactly("airport");
        assertThat(fences.keepIn().get(0).contains(52.01, 13.01)).isTrue();
        assertThat(fences.keepIn().get(0).contains(52.2, 13.01)).isFalse();
        assertThat(fences.keepOut().get(0).contains(52.05, 13.05)).isTrue();
    }

    @Test
    void shouldSayWhatIsWrongWithABadFile() throws Exception
    {
        final Path file = dir.resolve("bad.geojson");
        Files.writeString(file, """
            {"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kind":"nearby"},
              "geometry":{"type":"Polygon","coordinates":[[[13.0,52.0],[13.1,52.0],[13.1,52.1]]]}}]}""");
        assertThatThrownBy(() -> Geofences.read(file)).hasMessageContaining("feature 1")
            .hasMessageContaining("keep-in").hasMessageContaining("nearby");
        Files.writeString(file, "{\"type\":\"Feature\"}");
        assertThatThrownBy(() -> Geofences.read(file)).hasMessageContaining("FeatureCollection");
        assertThatThrownBy(() -> Geofences.read(dir.resolve("missing.geojson"))).hasMessageContaining("cannot read");
    }
}
