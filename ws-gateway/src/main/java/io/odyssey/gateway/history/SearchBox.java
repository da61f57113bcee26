package io.odyssey.gateway.history;

import io.odyssey.geo.Geodesy;

/**
 * The latitude/longitude box around a circle on the Earth, as plain column ranges: the predicate a radius query keeps
 * next to the exact distance test. Plain ranges are what an index on the columns, and TimescaleDB's compressed chunks
 * (by their per-segment min/max, where the PostGIS index is not used), can filter by; the exact test then decides.
 * <p>
 * The box contains the whole circle: its half-height is the circle's angular radius, its half-width the exact widest
 * longitude of a spherical cap ({@code asin(sin r / cos lat)}, a little more than {@code r / cos lat}), the radius
 * padded by 1 % and 10 m so that PostGIS's distances on the spheroid (up to 0.6 % shorter than on the sphere) never
 * reach outside it. Across the antimeridian it is two longitude ranges; around a pole every longitude.
 *
 * @param minLon2 with {@code maxLon2}, the second longitude range when the box crosses the antimeridian; NaN otherwise.
 */
record SearchBox(double minLat, double maxLat, double minLon, double maxLon, double minLon2, double maxLon2)
{
    static SearchBox around(final double lat, final double lon, final double radiusM)
    {
        final double r = (radiusM * 1.01 + 10) / Geodesy.EARTH_RADIUS_M;
        final double dLat = Math.toDegrees(r);
        final double minLat = lat - dLat;
        final double maxLat = lat + dLat;
        final double cosLat = Math.cos(Math.toRadians(lat));
        if (minLat <= -90 || maxLat >= 90 || Math.sin(r) >= cosLat)
        {
            return new SearchBox(Math.max(-90, minLat), Math.min(90, maxLat), -180, 180, Double.NaN, Double.NaN);
        }
        final double dLon = Math.toDegrees(Math.asin(Math.sin(r) / cosLat));
        final double west = lon - dLon;
        final double east = lon + dLon;
        if (west < -180)
        {
            return new SearchBox(minLat, maxLat, west + 360, 180, -180, east);
        }
        if (east > 180)
        {
            return new SearchBox(minLat, maxLat, west, 180, -180, east - 360);
        }
        return new SearchBox(minLat, maxLat, west, east, Double.NaN, Double.NaN);
    }

    boolean split()
    {
        return !Double.isNaN(minLon2);
    }

    /** The predicate on {@code lat} and {@code lon}, with placeholders for {@link #bind}. */
    String sql()
    {
        return split() ? "lat BETWEEN ? AND ? AND (lon BETWEEN ? AND ? OR lon BETWEEN ? AND ?)" :
            "lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?";
    }

    /** Binds {@link #sql()}'s placeholders from {@code first}; returns the next free index. */
    int bind(final java.sql.PreparedStatement query, final int first) throws java.sql.SQLException
    {
        int i = first;
        query.setDouble(i++, minLat);
        query.setDouble(i++, maxLat);
        query.setDouble(i++, minLon);
        query.setDouble(i++, maxLon);
        if (split())
        {
            query.setDouble(i++, minLon2);
            query.setDouble(i++, maxLon2);
        }
        return i;
    }

    boolean contains(final double lat, final double lon)
    {
        return lat >= minLat && lat <= maxLat &&
            ((lon >= minLon && lon <= maxLon) || (split() && lon >= minLon2 && lon <= maxLon2));
    }
}
