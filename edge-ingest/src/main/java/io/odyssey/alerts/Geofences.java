package io.odyssey.alerts;

import io.odyssey.grid.GeofenceSet;

import io.odyssey.geo.Polygon;
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
        final GeofenceSet fences;
        try
        {
            fences = GeofenceSet.fromFeatures(root.path("features"));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(file + ": " + ex.getMessage(), ex);
        }
        return new Set(fences.keepIn(), fences.keepOut());
    }
}
