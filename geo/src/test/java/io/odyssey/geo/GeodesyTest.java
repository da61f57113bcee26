package io.odyssey.geo;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class GeodesyTest
{
    @Test
    void shouldMeasureAKnownDistance()
    {
        // One degree of latitude along a meridian on the mean sphere.
        assertThat(Geodesy.distanceM(52.0, 13.0, 53.0, 13.0)).isCloseTo(111_195.1, within(0.5));
        assertThat(Geodesy.distanceM(52.5, 13.4, 52.5, 13.4)).isZero();
    }

    @Test
    void shouldSayCloserThanExactlyWhenTheDistanceDoes()
    {
        // Neighbours as the alert engine asks about them: up to a few thresholds apart, at every latitude drones fly.
        final SplittableRandom random = new SplittableRandom(42);
        int close = 0;
        for (int i = 0; i < 200_000; i++)
        {
            final double lat = random.nextDouble(-85, 85);
            final double lon = random.nextDouble(-180, 180);
            final double metres = random.nextDouble(1, 2_000);
            final double spread = metres * 3 / 111_000.0;
            final double otherLat = Math.max(-90, Math.min(90, lat + random.nextDouble(-spread, spread)));
            final double otherLon = lon + random.nextDouble(-spread, spread) / Math.max(0.05, Math.cos(Math.toRadians(lat)));
            final double distance = Geodesy.distanceM(lat, lon, otherLat, otherLon);
            if (Math.abs(distance - metres) < 1e-6)
            {
                continue;
            }
            final boolean expected = distance < metres;
            assertThat(Geodesy.closerThan(lat, lon, otherLat, otherLon, metres))
                .as("(%f, %f) to (%f, %f): %f m against %f m", lat, lon, otherLat, otherLon, distance, metres)
                .isEqualTo(expected);
            close += expected ? 1 : 0;
        }
        assertThat(close).as("both answers were asked for").isBetween(10_000, 190_000);
    }

    @Test
    void shouldAnswerFarPairsAndHugeThresholds()
    {
        assertThat(Geodesy.closerThan(0, 0, 0, 180, 1_000)).isFalse();
        assertThat(Geodesy.closerThan(0, 0, 0, 180, 1e9)).as("beyond half the Earth's circumference").isTrue();
        assertThat(Geodesy.closerThan(89.9, 0, 89.9, 180, 30_000)).as("across the pole").isTrue();
    }
}
