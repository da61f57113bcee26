package io.odyssey.grid.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.Waypoint;
import io.odyssey.codecs.sbe.CommandReason;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A command's {@link CommandParameters} in the contract's JSON ({@code params} of docs/api/commands.md: the REST
 * answers, the commands feed, the journal and so the archive): only the fields the command has, named as a request
 * names them. Cold path. Also reads that form back, for ledger records written before the parameters were typed.
 */
public final class CommandParametersJson
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private CommandParametersJson()
    {
    }

    public static ObjectNode toJson(final CommandParameters parameters)
    {
        final ObjectNode node = JSON.createObjectNode();
        if (parameters.startedByDrone())
        {
            node.put("startedBy", "drone");
            node.put("reason", reasonText(parameters.startedBecause()));
            node.put("droneCommandId", Long.toString(parameters.droneCommandId()));
        }
        putUnlessNaN(node, "lat", parameters.latitude());
        putUnlessNaN(node, "lon", parameters.longitude());
        putUnlessNaN(node, "alt", parameters.altitude());
        putUnlessNaN(node, "speed", parameters.speed());
        if (parameters.targetCommandId() != 0)
        {
            node.put("targetCommandId", Long.toString(parameters.targetCommandId()));
        }
        if (!parameters.waypoints().isEmpty())
        {
            final ArrayNode waypoints = node.putArray("waypoints");
            for (final Waypoint waypoint : parameters.waypoints())
            {
                final ObjectNode point = waypoints.addObject();
                putUnlessNaN(point, "lat", waypoint.latitude());
                putUnlessNaN(point, "lon", waypoint.longitude());
                putUnlessNaN(point, "alt", waypoint.altitude());
                putUnlessNaN(point, "speed", waypoint.speed());
                putUnlessNaN(point, "holdS", waypoint.holdSeconds());
            }
        }
        return node;
    }

    /** The text of {@link #toJson}: one spelling per value, so it may be sealed and compared. */
    public static String text(final CommandParameters parameters)
    {
        return toJson(parameters).toString();
    }

    /** How a drone's reason reads in the contract ({@code failsafe low battery}); null for none. */
    public static String reasonText(final CommandReason reason)
    {
        return reason == null || reason == CommandReason.NONE || reason == CommandReason.NULL_VAL ? null :
            reason.name().toLowerCase(Locale.ROOT).replace('_', ' ');
    }

    /**
     * The parameters {@code json} describes: lenient (a field that is not a number is absent), for ledger records of
     * the previous version, which kept the request's JSON text; {@link CommandParameters#NONE} if it is not JSON.
     */
    static CommandParameters parseLegacy(final String json)
    {
        final JsonNode node;
        try
        {
            node = json == null ? JSON.createObjectNode() : JSON.readTree(json);
        }
        catch (final java.io.IOException ex)
        {
            return CommandParameters.NONE;
        }
        if (node == null || !node.isObject())
        {
            return CommandParameters.NONE;
        }
        final List<Waypoint> waypoints = new ArrayList<>();
        for (final JsonNode point : node.path("waypoints"))
        {
            waypoints.add(new Waypoint(number(point, "lat"), number(point, "lon"), number(point, "alt"),
                number(point, "speed"), number(point, "holdS")));
        }
        final boolean byDrone = "drone".equals(node.path("startedBy").asText(null));
        CommandReason because = null;
        if (byDrone)
        {
            because = CommandReason.NONE;
            for (final CommandReason reason : CommandReason.values())
            {
                if (reason != CommandReason.NULL_VAL && reason.name().toLowerCase(Locale.ROOT).replace('_', ' ')
                    .equals(node.path("reason").asText(null)))
                {
                    because = reason;
                }
            }
        }
        return new CommandParameters(number(node, "lat"), number(node, "lon"), number(node, "alt"),
            number(node, "speed"), id(node, "targetCommandId"), waypoints, byDrone ? id(node, "droneCommandId") : 0L,
            because);
    }

    private static void putUnlessNaN(final ObjectNode node, final String field, final double value)
    {
        if (!Double.isNaN(value))
        {
            node.put(field, value);
        }
    }

    private static double number(final JsonNode node, final String field)
    {
        final JsonNode value = node.path(field);
        return value.isNumber() ? value.asDouble() : Double.NaN;
    }

    private static long id(final JsonNode node, final String field)
    {
        try
        {
            return node.hasNonNull(field) ? Long.parseLong(node.get(field).asText()) : 0L;
        }
        catch (final NumberFormatException ex)
        {
            return 0L;
        }
    }
}
