package io.odyssey.geo;

/**
 * A simple polygon in longitude/latitude (one ring, closed or not), tested by ray casting. Geofences are small next to
 * the Earth, so treating degrees as planar is exact enough for "inside or not" away from the poles and the
 * antimeridian.
 */
public final class Polygon
{
    private final String name;
    private final double[] lons;
    private final double[] lats;

    public Polygon(final String name, final double[] lons, final double[] lats)
    {
        if (lons.length != lats.length || lons.length < 3)
        {
            throw new IllegalArgumentException("polygon '" + name + "' needs at least three points, as many longitudes as latitudes");
        }
        this.name = name;
        this.lons = lons.clone();
        this.lats = lats.clone();
    }

    public String name()
    {
        return name;
    }

    public boolean contains(final double lat, final double lon)
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
