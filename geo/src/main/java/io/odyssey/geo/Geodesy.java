package io.odyssey.geo;

/** Distances on the Earth, as every part of Odyssey measures them (alerts, history). */
public final class Geodesy
{
    /** Mean Earth radius (IUGG), metres. */
    public static final double EARTH_RADIUS_M = 6_371_008.8;

    private Geodesy()
    {
    }

    /** Metres per degree of latitude: the great-circle distance along a meridian. */
    private static final double METRES_PER_DEGREE = Math.toRadians(1) * EARTH_RADIUS_M;

    /** Great-circle distance in metres (haversine); allocation-free. */
    public static double distanceM(final double lat1, final double lon1, final double lat2, final double lon2)
    {
        return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1.0, Math.sqrt(haversine(lat1, lon1, lat2, lon2))));
    }

    /**
     * True when the two points are closer than {@code metres}, as {@link #distanceM} would say, for a fraction of its
     * cost where most pairs asked about are not close (the alert engine's neighbours): points further apart in
     * latitude alone are answered without trigonometry (a great circle is never shorter than its meridian arc), and
     * the others by the haversine term against the threshold's, without the arcsine.
     */
    public static boolean closerThan(
        final double lat1, final double lon1, final double lat2, final double lon2, final double metres)
    {
        if (Math.abs(lat2 - lat1) * METRES_PER_DEGREE >= metres)
        {
            return false;
        }
        if (metres > Math.PI * EARTH_RADIUS_M)
        {
            // Further than any two points on the sphere can be apart.
            return true;
        }
        final double sinHalf = Math.sin(metres / (2 * EARTH_RADIUS_M));
        return haversine(lat1, lon1, lat2, lon2) < sinHalf * sinHalf;
    }

    /** sin²(d / 2R) for the great-circle distance d between the points. */
    private static double haversine(final double lat1, final double lon1, final double lat2, final double lon2)
    {
        final double sinLat = Math.sin(Math.toRadians(lat2 - lat1) / 2);
        final double sinLon = Math.sin(Math.toRadians(lon2 - lon1) / 2);
        return sinLat * sinLat + Math.cos(Math.toRadians(lat1)) * Math.cos(Math.toRadians(lat2)) * sinLon * sinLon;
    }
}
