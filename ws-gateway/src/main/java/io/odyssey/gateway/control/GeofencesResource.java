package io.odyssey.gateway.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hazelcast.map.IMap;
import io.odyssey.gateway.Problem;
import io.odyssey.grid.GeofenceSet;
import io.odyssey.runtime.Counter;
import io.undertow.server.HttpServerExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;

/**
 * {@code /geofences} and {@code /geofences/{geofenceId}}: GeoJSON Feature polygons (keep-in, at most one, or keep-out)
 * that orders are checked against and the ingest nodes guard. Anyone may read them; an admin changes them.
 */
final class GeofencesResource
{
    static final int MAX_NAME_LENGTH = 100;
    static final int MAX_FREE_TEXT_LENGTH = 1_000;
    private static final Logger LOG = LoggerFactory.getLogger(GeofencesResource.class);

    private final IMap<String, String> geofences;
    private final Counter textRefused;

    GeofencesResource(final IMap<String, String> geofences, final Counter textRefused)
    {
        this.geofences = geofences;
        this.textRefused = textRefused;
    }

    void list(final HttpServerExchange exchange)
    {
        final ObjectNode collection = CommandJson.JSON.createObjectNode();
        collection.put("type", "FeatureCollection");
        final ArrayNode features = collection.putArray("features");
        geofences.values().stream().map(Requests::parse)
            .sorted(Comparator.comparing(f -> f.path("id").asText())).forEach(features::add);
        Requests.send(exchange, 200, collection);
    }

    void show(final HttpServerExchange exchange)
    {
        final String id = id(exchange);
        final String text = geofences.get(id);
        if (text == null)
        {
            throw new Problem(404, "no geofence " + id);
        }
        Requests.send(exchange, 200, text);
    }

    void create(final HttpServerExchange exchange)
    {
        store(exchange, null);
    }

    void change(final HttpServerExchange exchange)
    {
        store(exchange, id(exchange));
    }

    void delete(final HttpServerExchange exchange)
    {
        final String id = id(exchange);
        final Principal principal = Requests.principal(exchange);
        if (geofences.remove(id) == null)
        {
            throw new Problem(404, "no geofence " + id);
        }
        LOG.info("geofence {} deleted by {}", id, principal.name());
        Requests.noContent(exchange);
    }

    /** The id in the path, checked before anything else: it goes into logs and command reasons. */
    private String id(final HttpServerExchange exchange)
    {
        return Requests.checkedText(textRefused, "the geofence id", Requests.pathParameter(exchange, "geofenceId"),
            MAX_NAME_LENGTH);
    }

    /** Creates a fence ({@code id} null) or changes fence {@code id}. */
    private void store(final HttpServerExchange exchange, final String id)
    {
        final Principal principal = Requests.principal(exchange);
        final JsonNode feature = Requests.body(exchange);
        checkFeatureText(feature, "");
        try
        {
            GeofenceSet.polygon(feature, "the geofence");
        }
        catch (final IllegalArgumentException ex)
        {
            throw new Problem(400, ex.getMessage());
        }
        final String fenceId = id != null ? id : UUID.randomUUID().toString().substring(0, 8);
        if (id != null && !geofences.containsKey(id))
        {
            throw new Problem(404, "no geofence " + id);
        }
        if ("keep-in".equals(feature.path("properties").path("kind").asText()))
        {
            for (final Map.Entry<String, String> entry : geofences.entrySet())
            {
                if (!entry.getKey().equals(fenceId) &&
                    "keep-in".equals(Requests.parse(entry.getValue()).path("properties").path("kind").asText()))
                {
                    throw new Problem(409, "there is a keep-in geofence already (" + entry.getKey() + "); change it instead");
                }
            }
        }
        final ObjectNode stored = ((ObjectNode)feature).deepCopy();
        stored.put("id", fenceId);
        if (!stored.path("properties").has("name"))
        {
            ((ObjectNode)stored.path("properties")).put("name", fenceId);
        }
        geofences.set(fenceId, stored.toString());
        LOG.info("geofence {} {} by {}", fenceId, id == null ? "created" : "changed", principal.name());
        Requests.send(exchange, id == null ? 201 : 200, stored);
    }

    /** Every name and string of a geofence Feature, checked: its name goes into command reasons and the archive. */
    private void checkFeatureText(final JsonNode node, final String path)
    {
        if (node.isTextual())
        {
            Requests.checkedText(textRefused, path, node.asText(),
                "properties.name".equals(path) ? MAX_NAME_LENGTH : MAX_FREE_TEXT_LENGTH);
        }
        else if (node.isArray())
        {
            for (int i = 0; i < node.size(); i++)
            {
                checkFeatureText(node.get(i), path + "[" + i + "]");
            }
        }
        else if (node.isObject())
        {
            final Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext())
            {
                final Map.Entry<String, JsonNode> field = fields.next();
                Requests.checkedText(textRefused, "a member name in " + (path.isEmpty() ? "the feature" : path),
                    field.getKey(), MAX_NAME_LENGTH);
                checkFeatureText(field.getValue(), path.isEmpty() ? field.getKey() : path + "." + field.getKey());
            }
        }
    }
}
