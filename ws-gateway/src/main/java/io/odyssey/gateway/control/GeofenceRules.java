package io.odyssey.gateway.control;

import com.fasterxml.jackson.databind.JsonNode;
import io.odyssey.runtime.Geodesy;
import io.odyssey.runtime.Polygon;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Validates geofence features and checks a flight path against them. A path is checked at points no more than
 * {@link #STEP_M} metres apart along each straight leg: a drone flying the leg would cross a fence between two samples
 * only by clipping a corner narrower than that.
 */
final class GeofenceRules
{
    static final double STEP_M = 20.0;

    private final List<Polygon> keepIn = new ArrayList<>();
    private final List<Polygon> keepOut = new ArrayList<>();

    GeofenceRules(final Collection<JsonNode> features)
    {
        for (final JsonNode feature : features)
        {
            final Polygon polygon = polygon(feature);
            if ("keep-in".equals(feature.path("properties").path("kind").asText()))
            {
                keepIn.add(polygon);
            }
            else
            {
                keepOut.add(polygon);
            }
        }
    }

    /** Checks a feature's shape; throws a 400 {@link ApiError} saying what is wrong. */
    static Polygon polygon(final JsonNode feature)
    {
        if (!"Feature".equals(feature.path("type").asText()))
        {
            throw new ApiError(400, "a geofence is a GeoJSON Feature");
        }
        final JsonNode geometry = feature.path("geometry");
        final JsonNode ring = geometry.path("coordinates").path(0);
        if (!"Polygon".equals(geometry.path("type").asText()) || !ring.isArray())
        {
            throw new ApiError(400, "a geofence's geometry is a Polygon");
        }
        final String kind = feature.path("properties").path("kind").asText();
        if (!"keep-in".equals(kind) && !"keep-out".equals(kind))
        {
            throw new ApiError(400, "properties.kind is keep-in or keep-out");
        }
        final List<double[]> points = new ArrayList<>();
        for (final JsonNode point : ring)
        {
            final double lon = point.path(0).asDouble(Double.NaN);
            final double lat = point.path(1).asDouble(Double.NaN);
            if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180))
            {
                throw new ApiError(400, "geofence coordinates are [lon, lat] in range");
            }
            if (points.stream().noneMatch(p -> p[0] == lon && p[1] == lat))
            {
                points.add(new double[]{lon, lat});
            }
        }
        if (points.size() < 3)
        {
            throw new ApiError(400, "a geofence needs at least three distinct points");
        }
        final double[] lons = new double[points.size()];
        final double[] lats = new double[points.size()];
        for (int i = 0; i < points.size(); i++)
        {
            lons[i] = points.get(i)[0];
            lats[i] = points.get(i)[1];
        }
        return new Polygon(feature.path("properties").path("name").asText("unnamed"), lons, lats);
    }

    /**
     * @param path lat,lon pairs from the drone's position through each target.
     * @return why the path is refused, or null when it keeps to every fence.
     */
    String violation(final List<double[]> path)
    {
        final double[] start = path.get(0);
        final boolean startsInside = keepIn.isEmpty() || inside(keepIn, start[0], start[1]);
        for (int leg = 1; leg < path.size(); leg++)
        {
            final double[] from = path.get(leg - 1);
            final double[] to = path.get(leg);
            final double length = Geodesy.distanceM(from[0], from[1], to[0], to[1]);
            final int steps = Math.max(1, (int)Math.ceil(length / STEP_M));
            for (int i = 1; i <= steps; i++)
            {
                final double lat = from[0] + (to[0] - from[0]) * i / steps;
                final double lon = from[1] + (to[1] - from[1]) * i / steps;
                for (final Polygon fence : keepOut)
                {
                    if (fence.contains(lat, lon))
                    {
                        return "the path crosses the keep-out geofence '" + fence.name() + "'";
                    }
                }
                // A drone already outside may fly back in; only leaving is refused.
                if (startsInside && !keepIn.isEmpty() && !inside(keepIn, lat, lon))
                {
                    return "the path leaves the keep-in geofence '" + keepIn.get(0).name() + "'";
                }
            }
        }
        return null;
    }

    private static boolean inside(final List<Polygon> fences, final double lat, final double lon)
    {
        for (final Polygon fence : fences)
        {
            if (fence.contains(lat, lon))
            {
                return true;
            }
        }
        return false;
    }
}
