package io.odyssey.geo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What an order's path check costs against many large fences: {@code fences} smooth borders of {@code points} points
 * each (radius 0.2°, centres spread 0.05° apart so every sample of the path falls inside every box, the worst case
 * for the box prefilter), and a 50 km leg sampled every 20 m ({@code GeofenceSet.STEP_M}) through them. For each
 * sample and fence it runs {@link Polygon#contains} (the strip index) and the full ray cast over the whole ring (what
 * {@code Polygon} did before), and writes edges tested and nanoseconds per sample to {@code out}. A plain timed run,
 * not a test: time is the machine's; the edges are not.
 * <pre>
 * java -cp geo/target/classes:geo/target/test-classes io.odyssey.geo.PolygonCheckCost 100 10000 bench-results/polygon.txt
 * </pre>
 */
public final class PolygonCheckCost
{
    private PolygonCheckCost()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        final int fences = Integer.parseInt(args[0]);
        final int points = Integer.parseInt(args[1]);
        final Path out = Path.of(args[2]);
        final Polygon[] polygons = new Polygon[fences];
        final double[][] lons = new double[fences][points];
        final double[][] lats = new double[fences][points];
        for (int f = 0; f < fences; f++)
        {
            final double lat = 52.5 + 0.05 * Math.sin(f);
            final double lon = 13.4 + 0.05 * Math.cos(f);
            for (int i = 0; i < points; i++)
            {
                final double angle = 2 * Math.PI * i / points;
                lats[f][i] = lat + 0.2 * Math.sin(angle);
                lons[f][i] = lon + 0.2 * Math.cos(angle);
            }
            polygons[f] = new Polygon("fence-" + f, lons[f], lats[f]);
        }
        // 50 km south to north through the middle of every box: 2,500 samples 20 m apart.
        final int samples = 2_500;
        final double[] sampleLat = new double[samples];
        final double[] sampleLon = new double[samples];
        for (int s = 0; s < samples; s++)
        {
            sampleLat[s] = 52.3 + 0.45 * s / samples;
            sampleLon[s] = 13.41;
        }
        final StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
            "# %d fences x %d points, %d samples 20 m apart, every sample inside every box%n", fences, points, samples));
        for (int round = 1; round <= 3; round++)
        {
            long edges = 0;
            int inside = 0;
            long start = System.nanoTime();
            for (int s = 0; s < samples; s++)
            {
                for (final Polygon polygon : polygons)
                {
                    inside += polygon.contains(sampleLat[s], sampleLon[s]) ? 1 : 0;
                    edges += polygon.edgesExamined(sampleLat[s], sampleLon[s]);
                }
            }
            final long indexed = System.nanoTime() - start;
            int fullInside = 0;
            start = System.nanoTime();
            for (int s = 0; s < samples; s++)
            {
                for (int f = 0; f < fences; f++)
                {
                    fullInside += rayCast(lons[f], lats[f], sampleLat[s], sampleLon[s]) ? 1 : 0;
                }
            }
            final long full = System.nanoTime() - start;
            if (inside != fullInside)
            {
                throw new AssertionError("the index answered otherwise than the full ray cast");
            }
            // The indexed time includes a second pass for edgesExamined: halve it for contains alone.
            report.append(String.format(Locale.ROOT,
                "round %d: strip index %.1f edges/sample/fence, %.1f us/sample (all fences); full ray cast %d " +
                    "edges/sample/fence, %.1f us/sample; a 50 km leg: %.3f s vs %.3f s%n", round,
                (double)edges / samples / fences, indexed / 2.0 / samples / 1e3, points, full / (double)samples / 1e3,
                indexed / 2.0 / 1e9, full / 1e9));
        }
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, report);
        System.out.print(report);
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
