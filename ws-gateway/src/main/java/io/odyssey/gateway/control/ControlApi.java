package io.odyssey.gateway.control;

import io.odyssey.gateway.Problem;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.GeofenceRecords;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.runtime.Counter;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RoutingHandler;
import org.agrona.concurrent.EpochNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.concurrent.CompletionException;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * The command & control REST API under {@code /api/v1} (docs/api/commands.md, docs/api/openapi.yaml): one resource
 * class per job ({@link DronesResource}, {@link CommandsResource}, {@link GeofencesResource},
 * {@link DroneKeysResource}, {@link TokensResource}) routed by Undertow's {@link RoutingHandler} on the operations the
 * OpenAPI document lists (HEAD wherever GET; OPTIONS answers {@code Allow}; any other method on those paths is 405,
 * any other path 404: {@link RouteTable}), and every refusal answered as
 * the gateway's one {@link Problem}. Runs on worker threads (the resources make blocking grid calls), once
 * {@link RequestBodies} has read the whole body. Authentication happened in the {@link Guard} in front of it (a viewer
 * at least); the routes that need more say so in the route table ({@link Guard#atLeast}), refused and counted as at
 * the door.
 */
public final class ControlApi implements HttpHandler
{
    public static final String PREFIX = "/api/v1";
    private static final Logger LOG = LoggerFactory.getLogger(ControlApi.class);

    private final Counter refused;
    private final RequestBodies bodies;
    private final CommandsResource commands;
    private final RoutingHandler routes;
    private DroneKeysResource droneKeys = DroneKeysResource.NONE;

    /**
     * @param geofenceMaxTotalPoints {@code ODYSSEY_GEOFENCE_MAX_TOTAL_POINTS}: the most ring positions of all fences
     *                               together the API stores
     * @param clock the time the API stamps on the commands it issues and the drones it shows (epoch nanoseconds, as
     *              the ledger keeps every time)
     */
    public ControlApi(
        final CommandLedger ledger, final GeofenceRecords geofences, final int geofenceMaxTotalPoints,
        final AccessControl access,
        final Supplier<Collection<DroneState>> fleet, final LongFunction<DroneState> drone, final Counter refused,
        final CommandQuotas limits, final RequestBodies bodies, final EpochNanoClock clock, final Guard guard)
    {
        this.refused = refused;
        this.bodies = bodies;
        final FleetLookup lookup = new FleetLookup(fleet, drone);
        final DronesResource drones = new DronesResource(lookup, ledger, clock);
        final GeofencesResource fences = new GeofencesResource(geofences, geofenceMaxTotalPoints, limits.textRefused());
        final TokensResource tokens = new TokensResource(access, limits.textRefused());
        commands = new CommandsResource(ledger, geofences, lookup, refused, limits, clock);
        // Path parameters stay out of the query parameters: GET /commands?droneId= must not see a path's droneId.
        routes = new RouteTable()
            .get("/whoami", exchange -> Requests.send(exchange, 200, Guard.principalJson(Requests.principal(exchange))))
            .get("/drones", drones::list)
            .get("/drones/{droneId}", drones::show)
            .get("/drones/{droneId}/keys", guard.atLeast(Role.ADMIN, exchange -> droneKeys.list(exchange)))
            .post("/drones/{droneId}/keys", guard.atLeast(Role.ADMIN, exchange -> droneKeys.add(exchange)))
            .delete("/drones/{droneId}/keys", guard.atLeast(Role.ADMIN, exchange -> droneKeys.revoke(exchange)))
            .post("/drones/{droneId}/keys/rotate", guard.atLeast(Role.ADMIN, exchange -> droneKeys.rotate(exchange)))
            .get("/commands", commands::list)
            .post("/commands", guard.atLeast(Role.OPERATOR, commands::issue))
            .get("/commands/{commandId}", commands::show)
            .post("/commands/{commandId}/cancel", guard.atLeast(Role.OPERATOR, commands::cancel))
            .get("/geofences", fences::list)
            .post("/geofences", guard.atLeast(Role.ADMIN, fences::create))
            .get("/geofences/{geofenceId}", fences::show)
            .put("/geofences/{geofenceId}", guard.atLeast(Role.ADMIN, fences::change))
            .delete("/geofences/{geofenceId}", guard.atLeast(Role.ADMIN, fences::delete))
            .get("/tokens", guard.atLeast(Role.ADMIN, tokens::list))
            .post("/tokens", guard.atLeast(Role.ADMIN, tokens::create))
            .delete("/tokens/{name}", guard.atLeast(Role.ADMIN, tokens::delete))
            .handler();
    }

    /** Serves {@code /drones/{id}/keys} with {@code admin}; without one those routes answer 503. */
    public ControlApi droneKeys(final DroneKeyAdmin admin)
    {
        this.droneKeys = new DroneKeysResource(admin);
        return this;
    }

    /** Runs the command path once before the gateway says it is ready ({@link CommandsResource#warmUp()}). */
    public long warmUp()
    {
        return commands.warmUp();
    }

    /** The bounds orders are checked against, as {@code /config.json} gives them to the dashboard. */
    public static String commandLimitsJson()
    {
        return CommandOrders.limitsJson();
    }

    public void handleRequest(final HttpServerExchange exchange) throws Exception
    {
        if (exchange.isInIoThread())
        {
            exchange.dispatch(this);
            return;
        }
        bodies.receive(exchange, this::serve);
    }

    /** Runs on a worker thread once the whole body (if any) has arrived. */
    private void serve(final HttpServerExchange exchange, final byte[] body)
    {
        exchange.putAttachment(Requests.BODY, body);
        try
        {
            // The gateway mounts this API on several prefixes; the routes are the paths below /api/v1, a trailing
            // slash ignored as it always was (/drones/ is the list, not drone "").
            final String path = exchange.getRequestPath();
            final String below = path.startsWith(PREFIX) ? path.substring(PREFIX.length()) : path;
            exchange.setRelativePath(below.length() > 1 && below.endsWith("/") ? below.substring(0, below.length() - 1) :
                below);
            routes.handleRequest(exchange);
        }
        catch (final Problem problem)
        {
            if (problem.status() != 401 && problem.status() != 403)
            {
                refused.increment();
            }
            problem.send(exchange);
        }
        catch (final com.hazelcast.core.HazelcastException | CompletionException ex)
        {
            LOG.warn("{} {} failed: {}", exchange.getRequestMethod(), Requests.loggable(exchange.getRequestPath()),
                ex.toString());
            // The exception's text names members, addresses and internals: the log has it, the client does not.
            new Problem(503, "GRID_UNAVAILABLE", "the grid did not answer; retry shortly", null, 5).send(exchange);
        }
        catch (final Exception ex)
        {
            LOG.error("{} {} failed", exchange.getRequestMethod(), Requests.loggable(exchange.getRequestPath()), ex);
            new Problem(500, "the gateway failed on this request (its log has the cause)").send(exchange);
        }
    }
}
