package io.odyssey.gateway.control;

import io.odyssey.gateway.Problem;
import io.undertow.server.HttpServerExchange;

/**
 * {@code /drones/{droneId}/keys} (list, add, revoke) and {@code /drones/{droneId}/keys/rotate}: a drone's link keys,
 * for an admin (the routes admit only admins: {@link Guard#atLeast}). A gateway without a command key manages none:
 * {@link #NONE} answers every such request 503.
 */
class DroneKeysResource
{
    /** For a gateway that manages no drone keys. */
    static final DroneKeysResource NONE = new DroneKeysResource(null)
    {
        DroneKeyAdmin admin(final HttpServerExchange exchange)
        {
            throw new Problem(503, "NO_COMMAND_KEY", "this gateway manages no drone keys", null);
        }
    };

    private final DroneKeyAdmin keys;

    DroneKeysResource(final DroneKeyAdmin keys)
    {
        this.keys = keys;
    }

    void list(final HttpServerExchange exchange)
    {
        final DroneKeyAdmin admin = admin(exchange);
        Requests.send(exchange, 200, admin.list(droneId(exchange)));
    }

    void add(final HttpServerExchange exchange)
    {
        final Principal principal = Requests.principal(exchange);
        final DroneKeyAdmin admin = admin(exchange);
        final long droneId = droneId(exchange);
        Requests.optionalBody(exchange);
        Requests.send(exchange, 201, admin.add(droneId, principal.name()));
    }

    void revoke(final HttpServerExchange exchange)
    {
        final Principal principal = Requests.principal(exchange);
        admin(exchange).revoke(droneId(exchange), principal.name());
        Requests.noContent(exchange);
    }

    void rotate(final HttpServerExchange exchange)
    {
        final Principal principal = Requests.principal(exchange);
        final DroneKeyAdmin admin = admin(exchange);
        final long droneId = droneId(exchange);
        Requests.send(exchange, 200, admin.rotate(droneId, Requests.optionalBody(exchange), principal.name()));
    }

    /** The keys' admin ({@link #NONE} refuses here, before anything of the request is read). */
    DroneKeyAdmin admin(final HttpServerExchange exchange)
    {
        return keys;
    }

    private static long droneId(final HttpServerExchange exchange)
    {
        return DroneKeyAdmin.droneId(Requests.pathParameter(exchange, "droneId"));
    }
}
