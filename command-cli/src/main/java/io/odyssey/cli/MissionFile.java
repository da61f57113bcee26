package io.odyssey.cli;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A mission's waypoints read from a file, as the {@code waypoints} of a {@code mission} command
 * (docs/api/commands.md): each {@code {"lat","lon"}} with optional {@code alt} (m above home), {@code speed} (m/s)
 * and {@code holdS} (seconds to hover there). Three formats, told apart by the extension ({@code .csv},
 * {@code .geojson}) or else by the content:
 * <ul>
 * <li>JSON: an array of waypoints, or {@code {"waypoints":[...]}}. Fields other than the five are refused, so a typo
 * ({@code "altitude"}) is not silently dropped.</li>
 * <li>CSV: a header row naming the columns ({@code lat,lon} and any of {@code alt,speed,holdS}, in any order), then
 * one waypoint a row; blank lines and lines starting with {@code #} are skipped, empty optional cells left out.</li>
 * <li>GeoJSON: a {@code LineString} or {@code MultiPoint} (each position a waypoint), or {@code Point}s, as bare
 * geometries, Features or a FeatureCollection, in file order. Positions are {@code [lon, lat(, alt)]}; a feature's
 * properties {@code alt}, {@code speed}, {@code holdS} apply to each of its waypoints, and a property {@code alt}
 * wins over a position's third value (GeoJSON altitudes are often elevations, not heights above home). Other
 * properties are ignored: GeoJSON from planning tools carries names and styles.</li>
 * </ul>
 * Anything wrong is an {@link IllegalArgumentException} naming the file and the line, so the CLI exits 2 with a
 * message the operator can act on: what makes no sense anywhere (latitude 95, a missing longitude), and what the
 * gateway and the drones would refuse (the contract's {@link io.odyssey.codecs.CommandLimits}: altitude, speed, hold,
 * how many waypoints), so such a mission is refused before it is sent.
 */
final class MissionFile
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final List<String> FIELDS = List.of("lat", "lon", "alt", "speed", "holdS");
    private static final Set<String> GEOJSON_TYPES = Set.of("FeatureCollection", "Feature", "Point", "MultiPoint",
        "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection");

    private final String name;
    /** The line each JSON object or array started on, for messages (Jackson's trees do not keep locations). */
    private final Map<JsonNode, Integer> lines = new IdentityHashMap<>();
    private final ArrayNode waypoints = NODES.arrayNode();

    private MissionFile(final String name)
    {
        this.name = name;
    }

    /** The waypoints in {@code file}, in order; at least one. */
    static ArrayNode read(final Path file)
    {
        final String text;
        try
        {
            text = Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("cannot read mission file " + file + " (" + GatewayOptions.describe(ex) + ")");
        }
        return parse(file.getFileName().toString(), text);
    }

    /** The waypoints in {@code text}; {@code name} (the file name) picks the format and names the file in messages. */
    static ArrayNode parse(final String name, final String text)
    {
        final MissionFile mission = new MissionFile(name);
        final String content = text.startsWith("\uFEFF") ? text.substring(1) : text;
        final String lower = name.toLowerCase(Locale.ROOT);
        final String start = content.stripLeading();
        if (lower.endsWith(".csv") || (!lower.endsWith(".json") && !lower.endsWith(".geojson") &&
            !start.startsWith("{") && !start.startsWith("[")))
        {
            mission.csv(content);
        }
        else
        {
            mission.json(content, lower.endsWith(".geojson"));
        }
        if (mission.waypoints.isEmpty())
        {
            throw new IllegalArgumentException(name + ": no waypoints (a mission needs at least one)");
        }
        return mission.waypoints;
    }

    private void csv(final String text)
    {
        final String[] rows = text.split("\\R", -1);
        String[] columns = null;
        int headerLine = 0;
        for (int i = 0; i < rows.length; i++)
        {
            final int line = i + 1;
            final String row = rows[i].strip();
            if (row.isEmpty() || row.startsWith("#"))
            {
                continue;
            }
            final String[] cells = cells(row);
            if (columns == null)
            {
                columns = header(cells, line);
                headerLine = line;
                continue;
            }
            if (cells.length != columns.length)
            {
                throw error(line, cells.length + " values for the " + columns.length + " columns of the header (" +
                    String.join(",", columns) + ")");
            }
            final ObjectNode waypoint = NODES.objectNode();
            for (int c = 0; c < cells.length; c++)
            {
                if (cells[c].isEmpty())
                {
                    if (columns[c].equals("lat") || columns[c].equals("lon"))
                    {
                        throw error(line, "no " + columns[c]);
                    }
                    continue;
                }
                try
                {
                    waypoint.put(columns[c], Double.parseDouble(cells[c]));
                }
                catch (final NumberFormatException ex)
                {
                    throw error(line, columns[c] + " '" + cells[c] + "' is not a number");
                }
            }
            add(waypoint, line);
        }
        if (columns == null)
        {
            throw new IllegalArgumentException(name + ": empty (expected a header row such as lat,lon,alt,speed,holdS)");
        }
        if (waypoints.isEmpty())
        {
            throw error(headerLine, "a header but no waypoint rows");
        }
    }

    private String[] header(final String[] cells, final int line)
    {
        final String[] columns = new String[cells.length];
        for (int c = 0; c < cells.length; c++)
        {
            final String cell = cells[c];
            columns[c] = FIELDS.stream().filter(f -> f.equalsIgnoreCase(cell)).findFirst().orElseThrow(() ->
                error(line, "the header row must name the columns (lat,lon and any of alt,speed,holdS); '" + cell +
                    "' is not one" + (looksNumeric(cell) ? " (is the header row missing?)" : "")));
            for (int p = 0; p < c; p++)
            {
                if (columns[p].equals(columns[c]))
                {
                    throw error(line, "column " + columns[c] + " appears twice");
                }
            }
        }
        final List<String> named = List.of(columns);
        if (!named.contains("lat") || !named.contains("lon"))
        {
            throw error(line, "the header row must have lat and lon columns");
        }
        return columns;
    }

    private static String[] cells(final String row)
    {
        final String[] cells = row.split(",", -1);
        for (int i = 0; i < cells.length; i++)
        {
            String cell = cells[i].strip();
            if (cell.length() >= 2 && cell.startsWith("\"") && cell.endsWith("\""))
            {
                cell = cell.substring(1, cell.length() - 1).strip();
            }
            cells[i] = cell;
        }
        return cells;
    }

    private void json(final String text, final boolean geoJsonByName)
    {
        final JsonNode root;
        try (JsonParser parser = JSON.getFactory().createParser(text))
        {
            if (parser.nextToken() == null)
            {
                throw new IllegalArgumentException(name + ": empty");
            }
            root = located(parser);
            if (parser.nextToken() != null)
            {
                throw error(parser.currentTokenLocation().getLineNr(), "more JSON after the first value");
            }
        }
        catch (final JsonParseException ex)
        {
            throw error(ex.getLocation() == null ? 0 : ex.getLocation().getLineNr(), "not valid JSON: " +
                ex.getOriginalMessage());
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException(name + ": " + GatewayOptions.describe(ex));
        }
        if (root.isObject() && GEOJSON_TYPES.contains(root.path("type").asText()))
        {
            geoJson(root, NODES.objectNode());
        }
        else if (geoJsonByName)
        {
            throw error(line(root), "expected a GeoJSON Feature, FeatureCollection or geometry");
        }
        else if (root.isArray())
        {
            plainWaypoints(root);
        }
        else if (root.isObject() && root.path("waypoints").isArray())
        {
            plainWaypoints(root.path("waypoints"));
        }
        else
        {
            throw error(line(root), "expected an array of waypoints, {\"waypoints\":[...]}, or GeoJSON");
        }
    }

    private void plainWaypoints(final JsonNode array)
    {
        int index = 0;
        for (final JsonNode item : array)
        {
            index++;
            final int line = line(item) > 0 ? line(item) : line(array);
            if (!item.isObject())
            {
                throw error(line, "waypoint " + index + " is not an object like {\"lat\":52.5,\"lon\":13.4}");
            }
            final ObjectNode waypoint = NODES.objectNode();
            for (final Map.Entry<String, JsonNode> field : item.properties())
            {
                if (!FIELDS.contains(field.getKey()))
                {
                    throw error(line, "waypoint " + index + ": unknown field \"" + field.getKey() + "\" (expected " +
                        String.join(", ", FIELDS) + ")");
                }
                if (!field.getValue().isNull())
                {
                    waypoint.put(field.getKey(), number(field.getValue(), line, "waypoint " + index + ": " + field.getKey()));
                }
            }
            if (!waypoint.has("lat") || !waypoint.has("lon"))
            {
                throw error(line, "waypoint " + index + " has no " + (waypoint.has("lat") ? "lon" : "lat"));
            }
            add(waypoint, line);
        }
    }

    private void geoJson(final JsonNode node, final ObjectNode properties)
    {
        final int line = line(node);
        final String type = node.path("type").asText();
        switch (type)
        {
            case "FeatureCollection" ->
            {
                if (!node.path("features").isArray())
                {
                    throw error(line, "a FeatureCollection without a features array");
                }
                for (final JsonNode feature : node.path("features"))
                {
                    geoJson(feature, NODES.objectNode());
                }
            }
            case "Feature" ->
            {
                final ObjectNode own = NODES.objectNode();
                final JsonNode given = node.path("properties");
                for (final String field : List.of("alt", "speed", "holdS"))
                {
                    if (given.hasNonNull(field))
                    {
                        own.put(field, number(given.path(field), line(given), "property " + field));
                    }
                }
                if (!node.path("geometry").isObject())
                {
                    throw error(line, "a Feature without a geometry");
                }
                geoJson(node.path("geometry"), own);
            }
            case "Point" -> position(node.path("coordinates"), line, properties);
            case "MultiPoint", "LineString" ->
            {
                if (!node.path("coordinates").isArray() || node.path("coordinates").isEmpty())
                {
                    throw error(line, "a " + type + " without coordinates");
                }
                for (final JsonNode position : node.path("coordinates"))
                {
                    position(position, line(position) > 0 ? line(position) : line, properties);
                }
            }
            default -> throw error(line, "a " + (type.isEmpty() ? "feature without a type" : type) +
                " cannot be a mission: use a LineString, a MultiPoint or Points");
        }
    }

    private void position(final JsonNode position, final int line, final ObjectNode properties)
    {
        if (!position.isArray() || position.size() < 2)
        {
            throw error(line, "a position must be [lon, lat] or [lon, lat, alt], got " + position);
        }
        final ObjectNode waypoint = NODES.objectNode();
        waypoint.put("lat", number(position.get(1), line, "latitude (the second value)"));
        waypoint.put("lon", number(position.get(0), line, "longitude (the first value)"));
        if (properties.has("alt"))
        {
            waypoint.set("alt", properties.get("alt"));
        }
        else if (position.size() > 2 && !position.get(2).isNull())
        {
            waypoint.put("alt", number(position.get(2), line, "altitude (the third value)"));
        }
        if (properties.has("speed"))
        {
            waypoint.set("speed", properties.get("speed"));
        }
        if (properties.has("holdS"))
        {
            waypoint.set("holdS", properties.get("holdS"));
        }
        add(waypoint, line);
    }

    private void add(final ObjectNode waypoint, final int line)
    {
        final double lat = waypoint.path("lat").asDouble();
        final double lon = waypoint.path("lon").asDouble();
        final String which = "waypoint " + (waypoints.size() + 1);
        if (lat < -90 || lat > 90)
        {
            throw error(line, which + ": latitude " + lat + " is outside -90..90" +
                (lon >= -90 && lon <= 90 && lat >= -180 && lat <= 180 ? " (are lat and lon swapped?)" : ""));
        }
        if (lon < -180 || lon > 180)
        {
            throw error(line, which + ": longitude " + lon + " is outside -180..180");
        }
        final double alt = waypoint.path("alt").asDouble();
        final double speed = waypoint.path("speed").asDouble();
        final double holdS = waypoint.path("holdS").asDouble();
        for (final String problem : new String[] {
            waypoint.has("alt") ? OrderBounds.altitude(which + ": alt", alt) : null,
            waypoint.has("speed") ? OrderBounds.speed(which + ": speed", speed) : null,
            waypoint.has("holdS") ? OrderBounds.hold(which + ": holdS", holdS) : null,
            OrderBounds.waypointCount(waypoints.size() + 1)})
        {
            if (problem != null)
            {
                throw error(line, problem);
            }
        }
        // One field order whatever the file's, so the same route is the same request.
        final ObjectNode ordered = waypoints.addObject();
        for (final String field : FIELDS)
        {
            if (waypoint.has(field))
            {
                ordered.set(field, waypoint.get(field));
            }
        }
    }

    private double number(final JsonNode value, final int line, final String what)
    {
        if (value == null || !value.isNumber() || !Double.isFinite(value.asDouble()))
        {
            throw error(line, what + " must be a number, got " + value);
        }
        return value.asDouble();
    }

    /** Reads the value at the parser's current token, remembering the line each object and array started on. */
    private JsonNode located(final JsonParser parser) throws IOException
    {
        final int line = parser.currentTokenLocation().getLineNr();
        final JsonToken token = parser.currentToken();
        if (token == JsonToken.START_OBJECT)
        {
            final ObjectNode object = NODES.objectNode();
            while (parser.nextToken() == JsonToken.FIELD_NAME)
            {
                final String field = parser.currentName();
                parser.nextToken();
                object.set(field, located(parser));
            }
            lines.put(object, line);
            return object;
        }
        if (token == JsonToken.START_ARRAY)
        {
            final ArrayNode array = NODES.arrayNode();
            while (parser.nextToken() != JsonToken.END_ARRAY)
            {
                array.add(located(parser));
            }
            lines.put(array, line);
            return array;
        }
        return switch (token)
        {
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDoubleValue());
            case VALUE_STRING -> NODES.textNode(parser.getText());
            case VALUE_TRUE, VALUE_FALSE -> NODES.booleanNode(token == JsonToken.VALUE_TRUE);
            default -> NODES.nullNode();
        };
    }

    private int line(final JsonNode node)
    {
        return lines.getOrDefault(node, 0);
    }

    private IllegalArgumentException error(final long line, final String message)
    {
        return new IllegalArgumentException(name + (line > 0 ? " line " + line : "") + ": " + message);
    }

    private static boolean looksNumeric(final String cell)
    {
        try
        {
            Double.parseDouble(cell);
            return true;
        }
        catch (final NumberFormatException ex)
        {
            return false;
        }
    }
}
