package io.odyssey.gateway.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.odyssey.gateway.GatewayConfig;
import io.odyssey.gateway.Problem;
import io.odyssey.grid.GeofenceRecords;
import io.odyssey.grid.GeofenceSet;
import io.odyssey.runtime.Counter;
import io.undertow.server.HttpServerExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@code /geofences} and {@code /geofences/{geofenceId}}: GeoJSON Feature polygons (keep-in, at most one, or keep-out)
 * that orders are checked against and the ingest nodes guard. Anyone may read them; an admin changes them. Each is
 * stored sealed ({@link GeofenceRecords}): a record in the grid without a valid seal (a grid client wrote or altered it)
 * applies nowhere, and is listed under {@code refused} with its id and why, so an admin can delete or replace it.
 */
final class GeofencesResource
{
    static final int MAX_NAME_LENGTH = 100;
    static final int MAX_FREE_TEXT_LENGTH = 1_000;
    /** Properties and other members of a Feature, as JSON text: a name, a kind and a few notes fit many times over. */
    static final int MAX_REST_LENGTH = 8_192;
    private static final Logger LOG = LoggerFactory.getLogger(GeofencesResource.class);

    private final GeofenceRecords geofences;
    private final int maxTotalPoints;
    private final Counter textRefused;

    GeofencesResource(final GeofenceRecords geofences, final int maxTotalPoints, final Counter textRefused)
    {
        this.geofences = geofences;
        this.maxTotalPoints = maxTotalPoints;
        this.textRefused = textRefused;
    }

    void list(final HttpServerExchange exchange)
    {
        final GeofenceRecords.Fences read = geofences.read();
        final ObjectNode collection = CommandJson.JSON.createObjectNode();
        collection.put("type", "FeatureCollection");
        final ArrayNode features = collection.putArray("features");
        read.fences().forEach(fence -> features.add(fence.feature()));
        // A foreign member (RFC 7946, 6.1): what is in the grid and applies nowhere, for an admin to delete.
        final ArrayNode refused = collection.putArray("refused");
        for (final GeofenceRecords.Refused record : read.refused())
        {
            final ObjectNode entry = refused.addObject();
            entry.put("id", record.id());
            entry.put("deletable", record.deletable());
            entry.put("reason", record.refusal().name());
            entry.put("detail", record.detail());
        }
        Requests.send(exchange, 200, collection);
    }

    void show(final HttpServerExchange exchange)
    {
        final String id = id(exchange);
        final Object found = geofences.find(id);
        if (found == null)
        {
            throw new Problem(404, "no geofence " + id);
        }
        if (found instanceof GeofenceRecords.Refused refused)
        {
            throw new Problem(409, "GEOFENCE_REFUSED", "the record under geofence id " + id + " applies nowhere (" +
                refused.refusal() + ": " + refused.detail() + "); delete it, or replace it with PUT", null);
        }
        Requests.send(exchange, 200, ((GeofenceRecords.Fence)found).feature());
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
        if (!geofences.remove(id))
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
        checkOneRingAndSmallRest(feature);
        try
        {
            GeofenceSet.polygon(feature, "the geofence", geofences.maxPoints());
        }
        catch (final GeofenceSet.TooManyPoints ex)
        {
            // Every order's check and every ingest node's guard reads every fence: one of an imported border's
            // 14,000 points made each goto/mission take 3-11 s. Counted by positions received, before reading them.
            throw new Problem(400, "GEOFENCE_TOO_LARGE", ex.getMessage() + ": simplify it", null);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new Problem(400, ex.getMessage());
        }
        final String fenceId = id != null ? id : UUID.randomUUID().toString().substring(0, 8);
        if (!geofences.sealing())
        {
            throw new Problem(503, "NO_COMMAND_KEY", "this gateway holds no command key (ODYSSEY_COMMAND_KEY_FILE) to " +
                "seal geofences with: ingest nodes and other gateways would not take one it stored", null);
        }
        // Any record under the id may be replaced: a refused one too, which is how an admin restores a fence.
        if (id != null && !geofences.contains(id))
        {
            throw new Problem(404, "no geofence " + id);
        }
        // One read for both checks below (each read verifies up to the limit's worth of records).
        final List<GeofenceRecords.Fence> current = geofences.read().fences();
        // Only fences that apply count: records a grid client planted must not keep the admin from drawing one. A PUT
        // over a refused record adds a fence as much as a POST does.
        if (current.size() >= geofences.maxFences() && current.stream().noneMatch(fence -> fence.id().equals(fenceId)))
        {
            throw new Problem(409, "GEOFENCES_FULL", "there are " + geofences.maxFences() + " geofences, the most " +
                GeofenceRecords.MAX_FENCES.envName() + " allows: delete one, or change one with PUT", null);
        }
        // All fences together: every order's path is tested every 20 m against every fence, and a thousand fences of
        // 10,000 points made a sample cost 10^7 edges (a long mission held this worker for seconds). Counted as the
        // per-fence limit counts, over the fences that apply; a change counts its new positions in place of its old.
        final int positions = GeofenceSet.positions(feature);
        long total = positions;
        int replaced = 0;
        for (final GeofenceRecords.Fence fence : current)
        {
            if (fence.id().equals(fenceId))
            {
                replaced = fence.positions();
            }
            else
            {
                total += fence.positions();
            }
        }
        // A change that does not grow its fence always passes: fences stored before the limit (or by a gateway with a
        // higher one, or two admins at once) can hold the total over it, and simplifying one is the way back under.
        if (total > maxTotalPoints && positions > replaced)
        {
            throw new Problem(409, "GEOFENCES_POINTS_FULL", "the geofences would hold " + total + " positions, more than " +
                maxTotalPoints + " (" + GatewayConfig.GEOFENCE_MAX_TOTAL_POINTS.envName() + "): simplify or delete one",
                null);
        }
        if ("keep-in".equals(feature.path("properties").path("kind").asText()))
        {
            // Only fences that apply: a keep-in record planted in the grid must not block the admin's own.
            for (final GeofenceRecords.Fence fence : current)
            {
                if (fence.keepIn() && !fence.id().equals(fenceId))
                {
                    throw new Problem(409, "there is a keep-in geofence already (" + fence.id() + "); change it instead");
                }
            }
        }
        final ObjectNode stored = ((ObjectNode)feature).deepCopy();
        stored.put("id", fenceId);
        if (!stored.path("properties").has("name"))
        {
            ((ObjectNode)stored.path("properties")).put("name", fenceId);
        }
        geofences.store(fenceId, stored);
        LOG.info("geofence {} {} by {}", fenceId, id == null ? "created" : "changed", principal.name());
        Requests.send(exchange, id == null ? 201 : 200, stored);
    }

    /**
     * One ring, and little besides it. Readers apply the outer ring only, so a hole was silently ignored: inside a
     * keep-in it was taken for allowed airspace. And everything but the ring (properties, other members) is stored in
     * full, kept by every reader and sent on every listing: uncounted by the limits on points, a thousand fences of
     * 256 KiB of numbers were gigabytes on each gateway and ingest node.
     */
    private static void checkOneRingAndSmallRest(final JsonNode feature)
    {
        final JsonNode rings = feature.path("geometry").path("coordinates");
        if (rings.isArray() && rings.size() > 1)
        {
            throw new Problem(400, "GEOFENCE_HOLES", "a geofence is one ring: holes are not supported (draw a keep-out " +
                "fence inside the keep-in instead)", null);
        }
        if (feature.isObject())
        {
            final ObjectNode rest = ((ObjectNode)feature).deepCopy();
            if (rest.path("geometry") instanceof ObjectNode geometry)
            {
                geometry.remove("coordinates");
            }
            final int length = rest.toString().length();
            if (length > MAX_REST_LENGTH)
            {
                throw new Problem(400, "GEOFENCE_TOO_LARGE", "a geofence's text besides its ring (properties and other " +
                    "members) is at most " + MAX_REST_LENGTH + " characters; this one " + length, null);
            }
        }
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
