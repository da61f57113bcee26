package io.odyssey.geo;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class PolygonTest
{
    /** An L-shaped fence: a concave corner, edges on the box's sides, and vertices on its corners. */
    private static final double[] LONS = {13.0, 13.2, 13.2, 13.1, 13.1, 13.0};
    private static final double[] LATS = {52.0, 52.0, 52.1, 52.1, 52.2, 52.2};

    @Test
    void shouldComputeTheBoundingBoxOnceFromTheRing()
    {
        final Polygon fence = new Polygon("l", LONS, LATS);
        assertThat(fence.bounds()).containsExactly(52.0, 13.0, 52.2, 13.2);
        assertThat(fence.size()).isEqualTo(6);
    }

    /**
     * The bounding-box prefilter changes which points are looked at, never the answer: the same as a full ray cast for
     * points inside, outside, on the box's edges, in the concave notch (inside the box, outside the fence), and NaN.
     */
    @Test
    void shouldAnswerAsAFullRayCastDoesInsideOnAndOutsideTheBox()
    {
        final Polygon fence = new Polygon("l", LONS, LATS);
        final SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++)
        {
            // Snapped to a 0.05 grid half the time, so the box's edges and the ring's vertices are hit often.
            double lat = 51.9 + random.nextDouble() * 0.4;
            double lon = 12.9 + random.nextDouble() * 0.4;
            if (random.nextBoolean())
            {
                lat = Math.round(lat * 20) / 20.0;
                lon = Math.round(lon * 20) / 20.0;
            }
            assertThat(fence.contains(lat, lon)).as("%f, %f", lat, lon).isEqualTo(rayCast(lat, lon));
        }
        assertThat(fence.contains(52.05, 13.05)).isTrue();
        assertThat(fence.contains(52.15, 13.15)).as("the notch").isFalse();
        assertThat(fence.contains(52.05, 13.3)).isFalse();
        assertThat(fence.contains(Double.NaN, 13.05)).isFalse();
        assertThat(fence.contains(52.05, Double.NaN)).isFalse();
    }

    /** The ray cast without a box, as Polygon did before it had one. */
    private static boolean rayCast(final double lat, final double lon)
    {
        boolean inside = false;
        for (int i = 0, j = LONS.length - 1; i < LONS.length; j = i++)
        {
            if ((LATS[i] > lat) != (LATS[j] > lat) &&
                lon < (LONS[j] - LONS[i]) * (lat - LATS[i]) / (LATS[j] - LATS[i]) + LONS[i])
            {
                inside = !inside;
            }
        }
        return inside;
    }
}
