package io.odyssey.geo;

/**
 * A simple polygon in longitude/latitude (one ring, closed or not), tested by ray casting. Geofences are small next to
 * the Earth, so treating degrees as planar is exact enough for "inside or not" away from the poles and the
 * antimeridian.
 * <p>
 * Its bounding box is computed once, at construction: a point outside it is answered without looking at a single edge.
 * An order's path is tested every 20 m against every fence, and most samples are nowhere near most fences, so a
 * fence of thousands of points (an imported border) costs four comparisons per sample instead of a pass over its ring.
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
        // Written so that NaN is outside, as the ray cast below would find.
        if (!(lat >= minLat && lat <= maxLat && lon >= minLon && lon <= maxLon))
        {
            return false;
        }
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
