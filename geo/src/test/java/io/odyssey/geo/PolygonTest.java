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

    /**
     * An imported border (a 10,000-point ring around a city): a path sample inside its box, where every order's samples
     * near it fall, looks only at the edges near its latitude, not at all 10,000 (a thousand such fences made one
     * 20 m sample cost 10^7 edges, a long mission seconds of a gateway worker).
     */
    @Test
    void shouldLookAtOnlyTheEdgesNearASampleInsideALargeFencesBox()
    {
        // A smooth ring: a horizontal line crosses it twice, as across most borders at this scale.
        final double[][] shape = ring(10_000, 52.5, 13.4, 0.2, 0.0, false, new SplittableRandom(3));
        final Polygon border = new Polygon("border", shape[0], shape[1]);
        final SplittableRandom random = new SplittableRandom(11);
        int most = 0;
        long all = 0;
        for (int i = 0; i < 10_000; i++)
        {
            final double lat = 52.3 + random.nextDouble() * 0.4;
            final double lon = 13.2 + random.nextDouble() * 0.4;
            final int examined = border.edgesExamined(lat, lon);
            most = Math.max(most, examined);
            all += examined;
        }
        // The most: near the ring's top and bottom, where its edges lie nearly along a latitude.
        assertThat(most).as("edges looked at by one sample, at most").isLessThanOrEqualTo(100);
        assertThat(all / 10_000.0).as("edges looked at per sample, on average").isLessThanOrEqualTo(10);
        assertThat(border.contains(52.5, 13.4)).isTrue();
    }

    /**
     * The edge index changes which edges are looked at, never the answer: random rings (star-shaped, jagged, with
     * horizontal edges and repeated latitudes from snapping) answer as a full ray cast does, on and off vertices.
     */
    @Test
    void shouldAnswerAsAFullRayCastForLargeJaggedRings()
    {
        final SplittableRandom random = new SplittableRandom(5);
        for (int round = 0; round < 200; round++)
        {
            final int points = 3 + random.nextInt(round < 100 ? 30 : 3_000);
            final double[][] shape = ring(points, 10.0, 20.0, 1.0, 0.5, true, random);
            final double[] lons = shape[0];
            final double[] lats = shape[1];
            final Polygon fence = new Polygon("ring", lons, lats);
            for (int i = 0; i < 500; i++)
            {
                double lat = 8.9 + random.nextDouble() * 2.2;
                double lon = 18.9 + random.nextDouble() * 2.2;
                if (random.nextInt(4) == 0)
                {
                    // On a vertex's latitude (or on a vertex): where a ray cast's edge cases are.
                    final int k = random.nextInt(points);
                    lat = lats[k];
                    lon = random.nextBoolean() ? lons[k] : lon;
                }
                assertThat(fence.contains(lat, lon)).as("round %d, %f, %f", round, lat, lon)
                    .isEqualTo(rayCast(lons, lats, lat, lon));
            }
        }
    }

    /**
     * {lons, lats} of a star-shaped ring of {@code points} around a centre, each radius cut by up to {@code jagged} of
     * it at random; {@code snap}: half its latitudes snapped to a coarse grid (horizontal edges, many vertices on one
     * latitude).
     */
    private static double[][] ring(
        final int points, final double lat, final double lon, final double radius, final double jagged,
        final boolean snap, final SplittableRandom random)
    {
        final double[] lons = new double[points];
        final double[] lats = new double[points];
        for (int i = 0; i < points; i++)
        {
            final double angle = 2 * Math.PI * i / points;
            final double r = radius * (1 - jagged * random.nextDouble());
            lats[i] = lat + r * Math.sin(angle);
            lons[i] = lon + r * Math.cos(angle);
            if (snap && random.nextBoolean())
            {
                lats[i] = Math.round(lats[i] * 100) / 100.0;
            }
        }
        return new double[][]{lons, lats};
    }

    /** The ray cast without a box, as Polygon did before it had one. */
    private static boolean rayCast(final double lat, final double lon)
    {
        return rayCast(LONS, LATS, lat, lon);
    }

    private static boolean rayCast(final double[] lons, final double[] lats, final double lat, final double lon)
    {
        boolean inside = false;
        for (int i = 0, j = lons.length - 1; i < lons.length; j = i++)
        {
            if ((lats[i] > lat) != (lats[j] > lat) &&
                lon < (lons[j] - lons[i]) * (lat - lats[i]) / (lats[j] - lats[i]) + lons[i])
            {
                inside = !inside;
            }
        }
        return inside;
    }
}
