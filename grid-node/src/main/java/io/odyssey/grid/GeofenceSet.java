package io.odyssey.grid;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.odyssey.geo.Geodesy;
import io.odyssey.geo.Polygon;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Keep-in and keep-out geofences, read from GeoJSON Features (a Polygon's outer ring with {@code properties.kind}
 * {@code keep-in} or {@code keep-out} and an optional {@code properties.name}): the one reader of a geofence's shape,
 * used by the gateway and the ingest nodes through {@link GeofenceRecords} (the {@link FleetGrid#GEOFENCES_MAP} map,
 * sealed, record by record: checking commands, ordering drones that strayed home) and by the alert engine (a file).
 * <p>
 * A path is checked at points no more than {@link #STEP_M} metres apart along each straight leg: a drone flying the
 * leg would cross a fence between two samples only by clipping a corner narrower than that.
 */
public final class GeofenceSet
{
    public static final GeofenceSet NONE = new GeofenceSet(List.of(), List.of());
    public static final double STEP_M = 20.0;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<Polygon> keepIn;
    private final List<Polygon> keepOut;

    public GeofenceSet(final List<Polygon> keepIn, final List<Polygon> keepOut)
    {
        this.keepIn = List.copyOf(keepIn);
        this.keepOut = List.copyOf(keepOut);
    }

    /**
     * The fences of these Feature texts, all or none: throws IllegalArgumentException for a bad one. For trusted text
     * only; the grid's map is read through {@link GeofenceRecords}, which leaves out a bad record and keeps the others.
     */
    public static GeofenceSet fromFeatureTexts(final Collection<String> features)
    {
        final List<JsonNode> parsed = new ArrayList<>();
        for (final String text : features)
        {
            try
            {
                parsed.add(JSON.readTree(text));
            }
            catch (final IOException ex)
            {
                throw new IllegalArgumentException("a geofence is not JSON: " + ex.getMessage(), ex);
            }
        }
        return fromFeatures(parsed);
    }

    public static GeofenceSet fromFeatures(final Iterable<JsonNode> features)
    {
        final List<Polygon> keepIn = new ArrayList<>();
        final List<Polygon> keepOut = new ArrayList<>();
        int number = 0;
        for (final JsonNode feature : features)
        {
            number++;
            final Polygon polygon;
            try
            {
                polygon = polygon(feature, "geofence " + number);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("feature " + number + " (" + ex.getMessage() + ")", ex);
            }
            if ("keep-in".equals(kind(feature)))
            {
                keepIn.add(polygon);
            }
            else
            {
                keepOut.add(polygon);
            }
        }
        return new GeofenceSet(keepIn, keepOut);
    }

    public static String kind(final JsonNode feature)
    {
        return feature.path("properties").path("kind").asText("");
    }

    /**
     * Checks a feature's shape.
     *
     * @throws IllegalArgumentException saying what is wrong.
     */
    public static Polygon polygon(final JsonNode feature, final String defaultName)
    {
        return polygon(feature, defaultName, Integer.MAX_VALUE);
    }

    /**
     * Checks a feature's shape, refusing a ring of more than {@code maxPoints} positions before reading them: every
     * position received counts, the closing one and repeats too ({@link #positions}). Not distinct points: what a
     * reader pays to parse, sort and store a fence is its positions, and the distinct points (its edges, what a path
     * sample costs) are never more.
     *
     * @throws TooManyPoints when the ring holds more points than that.
     * @throws IllegalArgumentException saying what else is wrong.
     */
    public static Polygon polygon(final JsonNode feature, final String defaultName, final int maxPoints)
    {
        final String name = feature.path("properties").path("name").asText(defaultName);
        if (!"Feature".equals(feature.path("type").asText()))
        {
            throw new IllegalArgumentException(name + ": a geofence is a GeoJSON Feature");
        }
        final JsonNode geometry = feature.path("geometry");
        final JsonNode ring = geometry.path("coordinates").path(0);
        if (!"Polygon".equals(geometry.path("type").asText()) || !ring.isArray())
        {
            throw new IllegalArgumentException(name + ": a geofence's geometry is a Polygon");
        }
        final String kind = kind(feature);
        if (!"keep-in".equals(kind) && !"keep-out".equals(kind))
        {
            throw new IllegalArgumentException(name + ": properties.kind is \"keep-in\" or \"keep-out\", not \"" + kind + "\"");
        }
        // Counted before a point is read: a fence read on every order and every relay pass must not cost more than
        // the limit's worth, whatever a record holds. Repeats count: a ring padded with them cost as much to read.
        if (ring.size() > maxPoints)
        {
            throw new TooManyPoints(name, ring.size(), maxPoints);
        }
        final int count = ring.size();
        final double[] ringLons = new double[count];
        final double[] ringLats = new double[count];
        for (int i = 0; i < count; i++)
        {
            final JsonNode point = ring.get(i);
            final double lon = point.path(0).asDouble(Double.NaN);
            final double lat = point.path(1).asDouble(Double.NaN);
            if (!(lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180))
            {
                throw new IllegalArgumentException(name + ": coordinates are [lon, lat] in range");
            }
            // + 0.0 turns -0.0 into 0.0: the same point (== says so), though not the same bits.
            ringLons[i] = lon + 0.0;
            ringLats[i] = lat + 0.0;
        }
        // A point repeated anywhere in the ring (the closing one, at least) is kept once, where it first stands. Found
        // by sorting, not by comparing each point with every one kept before (quadratic: a fence of 20,000 points took
        // seconds on every read, which every goto and mission and every relay pass make), nor in a hash set (points
        // can be chosen to share one hash: quadratic again).
        final Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++)
        {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) ->
        {
            final int byLon = Double.compare(ringLons[a], ringLons[b]);
            final int byLat = byLon != 0 ? byLon : Double.compare(ringLats[a], ringLats[b]);
            return byLat != 0 ? byLat : Integer.compare(a, b);
        });
        final boolean[] repeated = new boolean[count];
        for (int k = 1; k < count; k++)
        {
            final int previous = order[k - 1];
            final int current = order[k];
            // Equal points sort by their place in the ring: every one after the first of its run is a repeat.
            repeated[current] = ringLons[current] == ringLons[previous] && ringLats[current] == ringLats[previous];
        }
        final List<double[]> points = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            if (!repeated[i])
            {
                points.add(new double[]{ringLons[i], ringLats[i]});
            }
        }
        if (points.size() < 3)
        {
            throw new IllegalArgumentException(name + ": a geofence needs at least three distinct points");
        }
        final double[] lons = new double[points.size()];
        final double[] lats = new double[points.size()];
        for (int i = 0; i < points.size(); i++)
        {
            lons[i] = points.get(i)[0];
            lats[i] = points.get(i)[1];
        }
        return new Polygon(name, lons, lats);
    }

    /**
     * The positions of a Feature's ring as received, every one counted (the closing one and repeats too), or 0 when it
     * has no ring: what the limits on points ({@code ODYSSEY_GEOFENCE_MAX_POINTS}, and the gateway's
     * {@code ODYSSEY_GEOFENCE_MAX_TOTAL_POINTS}) count, since parsing, sorting and storing a fence cost that much.
     */
    public static int positions(final JsonNode feature)
    {
        final JsonNode ring = feature.path("geometry").path("coordinates").path(0);
        return ring.isArray() ? ring.size() : 0;
    }

    /** A fence of more positions than the limit ({@code ODYSSEY_GEOFENCE_MAX_POINTS}): refused unread. */
    public static final class TooManyPoints extends IllegalArgumentException
    {
        private static final long serialVersionUID = 1L;

        TooManyPoints(final String name, final int points, final int maxPoints)
        {
            super(name + ": a geofence's ring holds at most " + maxPoints + " positions (ODYSSEY_GEOFENCE_MAX_POINTS), " +
                "each counted, the closing one and repeats too; this one " + points);
        }
    }

    public List<Polygon> keepIn()
    {
        return keepIn;
    }

    public List<Polygon> keepOut()
    {
        return keepOut;
    }

    public boolean isEmpty()
    {
        return keepIn.isEmpty() && keepOut.isEmpty();
    }

    /** Why a drone at this point is where it must not be, or null when it is fine. */
    public String breach(final double lat, final double lon)
    {
        for (final Polygon fence : keepOut)
        {
            if (fence.contains(lat, lon))
            {
                return "inside the keep-out geofence '" + fence.name() + "'";
            }
        }
        if (!keepIn.isEmpty() && !inside(keepIn, lat, lon))
        {
            return "outside the keep-in geofence '" + keepIn.get(0).name() + "'";
        }
        return null;
    }

    /**
     * @param path lat,lon pairs from the drone's position through each target.
     * @return why the path is refused, or null when it keeps to every fence.
     */
    public String pathViolation(final List<double[]> path)
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
