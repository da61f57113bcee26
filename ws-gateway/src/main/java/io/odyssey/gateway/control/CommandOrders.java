package io.odyssey.gateway.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.odyssey.codecs.CommandLimits;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.Waypoint;
import io.odyssey.gateway.Problem;

import java.util.ArrayList;
import java.util.List;

import static io.odyssey.codecs.CommandLimits.MAX_ALTITUDE_M;
import static io.odyssey.codecs.CommandLimits.MAX_SPEED_MPS;
import static io.odyssey.codecs.CommandLimits.MIN_ALTITUDE_M;
import static io.odyssey.codecs.CommandLimits.MIN_SPEED_MPS;
import static io.odyssey.gateway.control.Requests.optional;
import static io.odyssey.gateway.control.Requests.required;

/**
 * An order's parameters as the request gives them, validated against the contract's {@link CommandLimits} into typed
 * {@link CommandParameters}; and those bounds as the dashboard reads them.
 */
final class CommandOrders
{
    static final int DEFAULT_EXPIRES_S = 300;
    static final int MIN_EXPIRES_S = 1;
    static final int MAX_EXPIRES_S = 86_400;

    private CommandOrders()
    {
    }

    /**
     * The bounds this API checks orders against, as the dashboard reads them from {@code /config.json}
     * (docs/api/websocket.md), so it refuses what the gateway would and nothing it would take.
     */
    static String limitsJson()
    {
        final ObjectNode limits = CommandJson.JSON.createObjectNode();
        limits.put("minAltitudeM", MIN_ALTITUDE_M);
        limits.put("maxAltitudeM", MAX_ALTITUDE_M);
        limits.put("defaultTakeoffAltitudeM", CommandLimits.DEFAULT_TAKEOFF_ALTITUDE_M);
        limits.put("minSpeedMps", MIN_SPEED_MPS);
        limits.put("maxSpeedMps", MAX_SPEED_MPS);
        limits.put("maxWaypoints", CommandLimits.MAX_WAYPOINTS);
        limits.put("maxHoldS", CommandLimits.MAX_HOLD_S);
        limits.put("minExpiresInS", MIN_EXPIRES_S);
        limits.put("maxExpiresInS", MAX_EXPIRES_S);
        return limits.toString();
    }

    /** The request's parameters for {@code type}, validated against the contract's {@link CommandLimits}. */
    static CommandParameters params(final CommandType type, final JsonNode body)
    {
        return switch (type)
        {
            case TAKEOFF -> CommandParameters.takeoff(
                optional(body, "alt", MIN_ALTITUDE_M, MAX_ALTITUDE_M, CommandLimits.DEFAULT_TAKEOFF_ALTITUDE_M));
            case GOTO -> CommandParameters.goTo(required(body, "lat", -90, 90), required(body, "lon", -180, 180),
                optional(body, "alt", MIN_ALTITUDE_M, MAX_ALTITUDE_M, Double.NaN),
                optional(body, "speed", MIN_SPEED_MPS, MAX_SPEED_MPS, Double.NaN));
            case MISSION -> CommandParameters.mission(waypoints(body.path("waypoints")));
            case SET_SPEED -> CommandParameters.setSpeed(required(body, "speed", MIN_SPEED_MPS, MAX_SPEED_MPS));
            // hold, resume, return-to-home, land, stop: nothing to say (a cancel's target is looked up apart).
            default -> CommandParameters.NONE;
        };
    }

    private static List<Waypoint> waypoints(final JsonNode waypoints)
    {
        if (!waypoints.isArray() || waypoints.isEmpty() || waypoints.size() > CommandLimits.MAX_WAYPOINTS)
        {
            throw new Problem(400, "a mission has 1 to " + CommandLimits.MAX_WAYPOINTS + " waypoints");
        }
        final List<Waypoint> out = new ArrayList<>(waypoints.size());
        int index = 0;
        for (final JsonNode waypoint : waypoints)
        {
            try
            {
                out.add(new Waypoint(required(waypoint, "lat", -90, 90), required(waypoint, "lon", -180, 180),
                    optional(waypoint, "alt", MIN_ALTITUDE_M, MAX_ALTITUDE_M, Double.NaN),
                    optional(waypoint, "speed", MIN_SPEED_MPS, MAX_SPEED_MPS, Double.NaN),
                    optional(waypoint, "holdS", CommandLimits.MIN_HOLD_S, CommandLimits.MAX_HOLD_S, Double.NaN)));
            }
            catch (final Problem error)
            {
                throw new Problem(400, "waypoint " + index + ": " + error.getMessage());
            }
            index++;
        }
        return out;
    }
}
