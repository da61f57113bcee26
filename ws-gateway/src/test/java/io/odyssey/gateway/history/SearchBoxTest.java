package io.odyssey.gateway.history;

import io.odyssey.geo.Geodesy;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class SearchBoxTest
{
    @Test
    void shouldContainEveryPointOfTheCircleAnywhereOnEarthWithRoomForTheSpheroid()
    {
        final Random random = new Random(42);
        for (int i = 0; i < 3_000; i++)
        {
            final double lat = -89.9 + random.nextDouble() * 179.8;
            final double lon = -180 + random.nextDouble() * 360;
            final double radiusM = Math.pow(10, random.nextDouble() * 5);
            final SearchBox box = SearchBox.around(lat, lon, radiusM);
            for (int bearing = 0; bearing < 360; bearing += 5)
            {
                // 0.6 % further than the radius: where PostGIS's spheroid may still call it inside.
                final double[] point = destination(lat, lon, bearing, radiusM * 1.006);
                assertThat(box.contains(point[0], point[1]))
                    .as("%s,%s r=%s bearing %d -> %s,%s in %s", lat, lon, radiusM, bearing, point[0], point[1], box).isTrue();
            }
        }
    }

    @Test
    void shouldBeOneNarrowRangeAwayFromThePolesAndTheAntimeridian()
    {
        final SearchBox berlin = SearchBox.around(52.52, 13.405, 1_000);
        assertThat(berlin.split()).isFalse();
        assertThat(berlin.maxLat() - berlin.minLat()).isCloseTo(2 * 1_020.0 / 111_195, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(berlin.maxLon() - berlin.minLon()).isLessThan(0.04);
        assertThat(berlin.sql()).isEqualTo("lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?");
        assertThat(berlin.contains(52.52, 13.5)).isFalse();
    }

    @Test
    void shouldSplitAcrossTheAntimeridianAndOpenUpAroundAPole()
    {
        final SearchBox fiji = SearchBox.around(-17.7, 179.99, 10_000);
        assertThat(fiji.split()).isTrue();
        assertThat(fiji.contains(-17.7, -179.95)).isTrue();
        assertThat(fiji.contains(-17.7, 0)).isFalse();
        assertThat(fiji.sql()).contains(" OR ");

        final SearchBox pole = SearchBox.around(89.99, 0, 5_000);
        assertThat(pole.minLon()).isEqualTo(-180);
        assertThat(pole.maxLon()).isEqualTo(180);
        assertThat(pole.maxLat()).isEqualTo(90);
    }

    private static double[] destination(final double lat, final double lon, final double bearingDeg, final double distanceM)
    {
        final double d = distanceM / Geodesy.EARTH_RADIUS_M;
        final double phi1 = Math.toRadians(lat);
        final double theta = Math.toRadians(bearingDeg);
        final double phi2 = Math.asin(Math.sin(phi1) * Math.cos(d) + Math.cos(phi1) * Math.sin(d) * Math.cos(theta));
        final double lambda2 = Math.toRadians(lon) + Math.atan2(Math.sin(theta) * Math.sin(d) * Math.cos(phi1),
            Math.cos(d) - Math.sin(phi1) * Math.sin(phi2));
        double lon2 = Math.toDegrees(lambda2);
        lon2 = ((lon2 + 540) % 360) - 180;
        return new double[]{Math.toDegrees(phi2), lon2};
    }
}
