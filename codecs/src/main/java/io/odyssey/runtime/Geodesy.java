package io.odyssey.runtime;

/** Distances on the Earth, as every part of Odyssey measures them (alerts, history). */
public final class Geodesy
{
    /** Mean Earth radius (IUGG), metres. */
    public static final double EARTH_RADIUS_M = 6_371_008.8;

    private Geodesy()
    {
    }

    /** Great-circle distance in metres (haversine); allocation-free. */
    public static double distanceM(final double lat1, final double lon1, final double lat2, final double lon2)
    {
        final double sinLat = Math.sin(Math.toRadians(lat2 - lat1) / 2);
        final double sinLon = Math.sin(Math.toRadians(lon2 - lon1) / 2);
        final double a = sinLat * sinLat + Math.cos(Math.toRadians(lat1)) * Math.cos(Math.toRadians(lat2)) * sinLon * sinLon;
        return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1.0, Math.sqrt(a)));
    }
}
