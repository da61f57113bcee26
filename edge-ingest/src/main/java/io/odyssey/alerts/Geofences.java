package io.odyssey.alerts;

import io.odyssey.runtime.Polygon;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Geofences from a GeoJSON FeatureCollection: each Feature a Polygon (its outer ring) with {@code properties.kind}
 * {@code "keep-in"} or {@code "keep-out"} and an optional {@code properties.name}.
 */
public final class Geofences
{
    private Geofences()
    {
    }

    public record Set(List<Polygon> keepIn, List<Polygon> keepOut)
    {
        public static final Set NONE = new Set(List.of(), List.of());
    }

    /** @throws IllegalArgumentException saying what is wrong with the file, and where. */
    public static Set read(final Path file)
    {
        final JsonNode root;
        try
        {
            root = new ObjectMapper().readTree(Files.readString(file));
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot read geofences from " + file + ": " + ex.getMessage(), ex);
        }
        if (!"FeatureCollection".equals(root.path("type").asText()))
        {
            throw new IllegalArgumentException(file + ": expected a GeoJSON FeatureCollection");
        }
        final List<Polygon> keepIn = new ArrayList<>();
        final List<Polygon> keepOut = new ArrayList<>();
        int number = 0;
        for (final JsonNode feature : root.path("features"))
        {
            number++;
            final String name = feature.path("properties").path("name").asText("geofence " + number);
            final String kind = feature.path("properties").path("kind").asText("");
            if (!"Polygon".equals(feature.path("geometry").path("type").asText()))
            {
                throw new IllegalArgumentException(file + ": feature " + number + " (" + name + ") is not a Polygon");
            }
            final JsonNode ring = feature.path("geometry").path("coordinates").path(0);
            final double[] lons = new double[ring.size()];
            final double[] lats = new double[ring.size()];
            for (int i = 0; i < ring.size(); i++)
            {
                lons[i] = ring.get(i).path(0).asDouble();
                lats[i] = ring.get(i).path(1).asDouble();
            }
            final Polygon polygon = new Polygon(name, lons, lats);
            switch (kind)
            {
                case "keep-in" -> keepIn.add(polygon);
                case "keep-out" -> keepOut.add(polygon);
                default -> throw new IllegalArgumentException(file + ": feature " + number + " (" + name +
                    ") needs properties.kind \"keep-in\" or \"keep-out\", got \"" + kind + "\"");
            }
        }
        return new Set(keepIn, keepOut);
    }
}
