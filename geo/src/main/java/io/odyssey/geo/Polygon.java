package io.odyssey.geo;

/**
 * A simple polygon in longitude/latitude (one ring, closed or not), tested by ray casting. Geofences are small next to
 * the Earth, so treating degrees as planar is exact enough for "inside or not" away from the poles and the
 * antimeridian.
 * <p>
 * Its bounding box is computed once, at construction: a point outside it is answered without looking at a single edge.
 * An order's path is tested every 20 m against every fence, and most samples are nowhere near most fences, so a
 * fence of thousands of points (an imported border) costs four comparisons per sample instead of a pass over its ring.
 * <p>
 * Inside the box, a point is tested against the edges of its latitude strip only. The box's height is cut into strips,
 * each listing the edges whose latitude span meets it (built once, here): a horizontal ray from the point can cross
 * only an edge spanning the point's latitude, and every such edge is listed in the point's strip, so the answer is the
 * full ray cast's while the work is the edges near that latitude (a smooth border of 10,000 points: ~2-60 edges, not
 * 10,000; {@link #edgesExamined}). As many strips as edges, halved while the lists would hold more than
 * {@value #ENTRIES_PER_EDGE} entries per edge (tall edges, listed in every strip they span): memory stays linear in the
 * ring. A ring whose every latitude is crossed by most edges (a comb) still costs a pass over them: that is the ray
 * cast's own work, and the API's caps on points bound it.
 */
public final class Polygon
{
    private final String name;
    private final double[] lons;
    private final double[] lats;
    private final double minLon;
    private final double maxLon;
    private final double minLat;
    private final double maxLat;
    /** Strips per degree of latitude, from {@link #minLat}. */
    private final double stripScale;
    private final int strips;
    /** The edges of strip {@code s}: {@code stripEdges[stripStart[s]] .. stripEdges[stripStart[s + 1] - 1]}. */
    private final int[] stripStart;
    /** Edge {@code i} joins point {@code i - 1} (the last, for 0) to point {@code i}. */
    private final int[] stripEdges;
    /** Most entries of the strip lists per edge: halving the strips until they fit keeps memory linear in the ring. */
    static final int ENTRIES_PER_EDGE = 8;

    public Polygon(final String name, final double[] lons, final double[] lats)
    {
        if (lons.length != lats.length || lons.length < 3)
        {
            throw new IllegalArgumentException("polygon '" + name + "' needs at least three points, as many longitudes as latitudes");
        }
        this.name = name;
        this.lons = lons.clone();
        this.lats = lats.clone();
        double west = Double.POSITIVE_INFINITY;
        double east = Double.NEGATIVE_INFINITY;
        double south = Double.POSITIVE_INFINITY;
        double north = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < lons.length; i++)
        {
            west = Math.min(west, lons[i]);
            east = Math.max(east, lons[i]);
            south = Math.min(south, lats[i]);
            north = Math.max(north, lats[i]);
        }
        minLon = west;
        maxLon = east;
        minLat = south;
        maxLat = north;
        final int n = this.lats.length;
        int count = n;
        long entries = listed(count);
        while (count > 1 && entries > (long)ENTRIES_PER_EDGE * n)
        {
            count = Math.max(1, count / 2);
            entries = listed(count);
        }
        strips = count;
        stripScale = scale(count);
        stripStart = new int[count + 1];
        for (int i = 0, j = n - 1; i < n; j = i++)
        {
            for (int s = strip(Math.min(this.lats[i], this.lats[j])); s <= strip(Math.max(this.lats[i], this.lats[j])); s++)
            {
                stripStart[s + 1]++;
            }
        }
        for (int s = 0; s < count; s++)
        {
            stripStart[s + 1] += stripStart[s];
        }
        stripEdges = new int[(int)entries];
        final int[] filled = stripStart.clone();
        for (int i = 0, j = n - 1; i < n; j = i++)
        {
            for (int s = strip(Math.min(this.lats[i], this.lats[j])); s <= strip(Math.max(this.lats[i], this.lats[j])); s++)
            {
                stripEdges[filled[s]++] = i;
            }
        }
    }

    /** Strips per degree for {@code count} strips over the box (any when it has no height: one strip then). */
    private double scale(final int count)
    {
        final double height = maxLat - minLat;
        return height > 0 ? count / height : 0;
    }

    /** How many entries the strip lists would hold with {@code count} strips. */
    private long listed(final int count)
    {
        final double scale = scale(count);
        long entries = 0;
        for (int i = 0, j = lats.length - 1; i < lats.length; j = i++)
        {
            entries += strip(Math.max(lats[i], lats[j]), scale, count) - strip(Math.min(lats[i], lats[j]), scale, count) + 1;
        }
        return entries;
    }

    private int strip(final double lat)
    {
        return strip(lat, stripScale, strips);
    }

    /**
     * The strip of a latitude within the box. Monotonic in {@code lat} (a subtraction and a product by a positive
     * factor, each rounded monotonically; then floored and clamped): an edge spanning a point's latitude always spans
     * its strip, so no edge a ray could cross is missed.
     */
    private int strip(final double lat, final double scale, final int count)
    {
        return Math.min(count - 1, Math.max(0, (int)((lat - minLat) * scale)));
    }

    /** How many points its ring holds. */
    public int size()
    {
        return lons.length;
    }

    /** Its bounding box: {@code {minLat, minLon, maxLat, maxLon}}. */
    public double[] bounds()
    {
        return new double[]{minLat, minLon, maxLat, maxLon};
    }

    public String name()
    {
        return name;
    }

    public boolean contains(final double lat, final double lon)
    {
        return (scan(lat, lon) & 1) != 0;
    }

    /**
     * How many edges {@link #contains} looks at for this point: the work of one path sample, for tests and benchmarks
     * (time varies with the machine; this does not).
     */
    public int edgesExamined(final double lat, final double lon)
    {
        return (int)(scan(lat, lon) >>> 1);
    }

    /** The ray cast: edges looked at shifted left by one, or'ed with 1 when the point is inside. */
    private long scan(final double lat, final double lon)
    {
        // Written so that NaN is outside, as the ray cast below would find.
        if (!(lat >= minLat && lat <= maxLat && lon >= minLon && lon <= maxLon))
        {
            return 0;
        }
        boolean inside = false;
        final int s = strip(lat);
        final int last = stripStart[s + 1];
        for (int k = stripStart[s]; k < last; k++)
        {
            final int i = stripEdges[k];
            final int j = i == 0 ? lons.length - 1 : i - 1;
            if ((lats[i] > lat) != (lats[j] > lat) &&
                lon < (lons[j] - lons[i]) * (lat - lats[i]) / (lats[j] - lats[i]) + lons[i])
            {
                inside = !inside;
            }
        }
        return (long)(last - stripStart[s]) << 1 | (inside ? 1 : 0);
    }
}
