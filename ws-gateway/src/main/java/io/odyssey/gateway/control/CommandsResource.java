package io.odyssey.gateway.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.Waypoint;
import io.odyssey.gateway.BoundingBox;
import io.odyssey.gateway.Problem;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.GeofenceRecords;
import io.odyssey.grid.GeofenceSet;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.runtime.Counter;
import io.undertow.server.HttpServerExchange;
import org.agrona.concurrent.EpochNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.odyssey.gateway.control.CommandOrders.DEFAULT_EXPIRES_S;
import static io.odyssey.gateway.control.CommandOrders.MAX_EXPIRES_S;
import static io.odyssey.gateway.control.CommandOrders.MIN_EXPIRES_S;
import static io.odyssey.gateway.control.Requests.integer;
import static io.odyssey.gateway.control.Requests.query;

/**
 * {@code /commands} (list, issue to one or many drones), {@code /commands/{commandId}} and
 * {@code /commands/{commandId}/cancel}: orders into the ledger, within the caller's rate and each drone's queue, and
 * refused (still recorded) when their path crosses a geofence.
 */
final class CommandsResource
{
    static final int MAX_KEY_LENGTH = 128;
    private static final Logger LOG = LoggerFactory.getLogger(CommandsResource.class);
    /** The wire names a {@code state} filter may take, for the answer to one it may not. */
    private static final String STATES = Arrays.stream(CommandState.values()).map(CommandState::wireName)
        .collect(Collectors.joining(", "));
    /** An order of every type, as an operator would send it: what {@link #warmUp()} validates. */
    private static final String[] WARM_UP_BODIES = {
        "{\"droneId\":1,\"type\":\"takeoff\",\"alt\":30}",
        "{\"droneIds\":[1,2],\"type\":\"goto\",\"lat\":52.52,\"lon\":13.4,\"alt\":80,\"speed\":12}",
        "{\"selection\":{\"status\":\"IDLE\",\"bbox\":[13.3,52.4,13.5,52.6]},\"type\":\"mission\"," +
            "\"waypoints\":[{\"lat\":52.5,\"lon\":13.4,\"alt\":60,\"speed\":10,\"holdS\":5}]}",
        "{\"droneId\":1,\"type\":\"set-speed\",\"speed\":12,\"idempotencyKey\":\"warm-up\",\"expiresInS\":60}",
        "{\"droneId\":1,\"type\":\"hold\"}",
    };

    private final CommandLedger ledger;
    private final GeofenceRecords geofences;
    private final FleetLookup fleet;
    private final Counter refused;
    private final CommandQuotas limits;
    private final EpochNanoClock clock;

    CommandsResource(
        final CommandLedger ledger, final GeofenceRecords geofences, final FleetLookup fleet, final Counter refused,
        final CommandQuotas limits, final EpochNanoClock clock)
    {
        this.ledger = ledger;
        this.geofences = geofences;
        this.fleet = fleet;
        this.refused = refused;
        this.limits = limits;
        this.clock = clock;
    }

    void list(final HttpServerExchange exchange)
    {
        final String droneParam = query(exchange, "droneId");
        final String stateParam = query(exchange, "state");
        final CommandState state = stateParam == null ? null : CommandState.fromWireName(stateParam);
        if (stateParam != null && state == null)
        {
            throw new Problem(400, "state is one of " + STATES);
        }
        final List<CommandRecord> found = ledger.list(droneParam == null ? 0 : Requests.droneId(droneParam), state,
            "true".equals(query(exchange, "active")), integer(query(exchange, "limit"), 100, 1, 10_000, "limit"));
        final ObjectNode result = CommandJson.JSON.createObjectNode();
        final ArrayNode commands = result.putArray("commands");
        final boolean withSource = CommandJson.showsSource(Requests.principal(exchange));
        found.forEach(command -> commands.add(CommandJson.toJson(command, withSource)));
        Requests.send(exchange, 200, result);
    }

    void show(final HttpServerExchange exchange)
    {
        Requests.send(exchange, 200, CommandJson.toJson(existing(Requests.pathParameter(exchange, "commandId")),
            CommandJson.showsSource(Requests.principal(exchange))));
    }

    /** {@code POST /commands/{commandId}/cancel}. */
    void cancel(final HttpServerExchange exchange)
    {
        final Principal principal = Requests.principal(exchange);
        final CommandRecord target = existing(Requests.pathParameter(exchange, "commandId"));
        admit(principal, CommandRateLimiter.Budget.SAFETY, 1);
        Requests.send(exchange, 202,
            CommandJson.toJson(cancel(target, principal, Requests.sourceOf(exchange), null, 0).command(),
                CommandJson.showsSource(principal)));
    }

    /** {@code POST /commands}: one order for one drone, several, or a selection. */
    void issue(final HttpServerExchange exchange)
    {
        final Principal principal = Requests.principal(exchange);
        final JsonNode body = Requests.body(exchange);
        final CommandType type = CommandType.fromWireName(body.path("type").asText(null));
        if (type == null)
        {
            throw new Problem(400, "type is one of " + CommandType.wireNames());
        }
        final String key = idempotencyKey(exchange, body);
        final Long expires = Requests.integerField(body, "expiresInS");
        if (expires != null && (expires < MIN_EXPIRES_S || expires > MAX_EXPIRES_S))
        {
            throw new Problem(400, "expiresInS must be an integer from " + MIN_EXPIRES_S + " to " + MAX_EXPIRES_S);
        }
        final int expiresInS = expires == null ? DEFAULT_EXPIRES_S : expires.intValue();
        final String from = Requests.sourceOf(exchange);
        if (type == CommandType.CANCEL)
        {
            // A string, as command ids are everywhere: a 64-bit id as a JSON number loses digits in JavaScript.
            final String target = Requests.textField(body, "targetCommandId");
            if (target == null)
            {
                throw new Problem(400, "cancel needs targetCommandId");
            }
            final CommandRecord targetCommand = existing(target);
            admit(principal, CommandRateLimiter.Budget.SAFETY, 1);
            final CommandLedger.Issued cancel = cancel(targetCommand, principal, from, key, expiresInS);
            Requests.send(exchange, cancel.created() ? 202 : 200, CommandJson.toJson(cancel.command(),
                CommandJson.showsSource(principal)));
            return;
        }
        final CommandParameters params = CommandOrders.params(type, body);
        final CommandRateLimiter.Budget budget = CommandRateLimiter.Budget.of(type);
        // A budget in debt is refused before its drones are read: a list of 10,000 ids costs a worker time.
        admit(principal, budget, 0);
        final List<Long> drones = targets(body);
        admit(principal, budget, drones.size());
        // Read once per request, however many drones it names; only sealed fences apply (a record a grid client
        // planted or broke is left out and counted, and refuses nothing).
        final GeofenceSet fences = type.movesAlongPath() ? geofences.read().set() : GeofenceSet.NONE;
        if (drones.size() == 1 && body.has("droneId"))
        {
            final CommandLedger.Issued issued = issue(drones.get(0), type, params, fences, key, principal, from,
                expiresInS);
            Requests.send(exchange, issued.created() ? 202 : 200, CommandJson.toJson(issued.command(),
                CommandJson.showsSource(principal)));
            return;
        }
        final ObjectNode result = CommandJson.JSON.createObjectNode();
        final ArrayNode commands = result.putArray("commands");
        final ArrayNode refusedDrones = result.putArray("refused");
        for (final long droneId : drones)
        {
            try
            {
                commands.add(CommandJson.toJson(issue(droneId, type, params, fences,
                    key == null ? null : key + "/" + droneId, principal, from, expiresInS).command(),
                    CommandJson.showsSource(principal)));
            }
            catch (final Problem problem)
            {
                // Still paid for: refused drones cost the gateway and the ledger (most are recorded, rejected), and a refund
                // would let a request of refused drones repeat without limit.
                refused.increment();
                final ObjectNode refusal = refusedDrones.addObject();
                refusal.put("droneId", droneId);
                refusal.put("status", problem.status());
                refusal.put("title", problem.title());
                refusal.put("detail", problem.getMessage());
                if (problem.commandId() != null)
                {
                    refusal.put("commandId", problem.commandId());
                }
            }
        }
        Requests.send(exchange, 202, result);
    }

    /**
     * Runs the command path once, changing nothing, before the gateway says it is ready. Measured by the fault drills
     * on two busy cores, the first order after a start took 3–4 s (loading and compiling JSON parsing, validation,
     * sealing, the ledger's queries) and the next ones tens of milliseconds; an operator's first order after a
     * restart must not be the one that pays. Every command type is parsed and validated, the geofences read, a record
     * sealed, rendered and logged, a problem rendered, and the ledger's reads run for ids nothing can have.
     *
     * @return how long it took, in milliseconds.
     */
    long warmUp()
    {
        final long start = System.nanoTime();
        CommandParameters params = null;
        for (final String text : WARM_UP_BODIES)
        {
            final JsonNode body = Requests.parse(Requests.utf8(text.getBytes(StandardCharsets.UTF_8)));
            final CommandType type = CommandType.fromWireName(body.path("type").asText());
            Requests.checkedText(limits.textRefused(), "idempotencyKey", body.path("idempotencyKey").asText("warm-up"),
                MAX_KEY_LENGTH);
            params = CommandOrders.params(type, body);
            if (!body.has("selection"))
            {
                targets(body);
            }
        }
        geofences.read();
        fleet.drone(1L);
        final long now = clock.nanoTime();
        final CommandRecord sample = CommandRecord.issued(0L, 1L, CommandType.HOLD, params, null, "warm-up",
            "127.0.0.1", now, now + TimeUnit.SECONDS.toNanos(DEFAULT_EXPIRES_S));
        ledger.warmUp(sample);
        final String rendered = CommandJson.toJson(sample, true).toString() + CommandJson.toJson(
            sample.rejectedBeforeSending(now, "warm-up"), false).toString();
        final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        LOG.info("command path warmed up in {} ms ({} characters rendered)", ms, rendered.length());
        return ms;
    }

    /** The request's idempotency key (body, else header), checked; null when it gives none. */
    private String idempotencyKey(final HttpServerExchange exchange, final JsonNode body)
    {
        final String keyField = Requests.textField(body, "idempotencyKey");
        final boolean keyInBody = keyField != null;
        final String key = keyInBody ? keyField : exchange.getRequestHeaders().getFirst("Idempotency-Key");
        if (key != null)
        {
            final String field = keyInBody ? "idempotencyKey" : "the Idempotency-Key header";
            if (key.isEmpty())
            {
                throw new Problem(400, field + " is 1 to " + MAX_KEY_LENGTH + " characters");
            }
            Requests.checkedText(limits.textRefused(), field, key, MAX_KEY_LENGTH);
            if (!keyInBody && !key.chars().allMatch(c -> c < 0x7F))
            {
                // Header values have no character set (a UTF-8 key arrives as one Latin-1 character per byte).
                limits.textRefused().increment();
                throw new Problem(400, "INVALID_TEXT", field + " may hold ASCII only; send other keys as " +
                    "idempotencyKey in the body", null);
            }
        }
        return key;
    }

    private CommandLedger.Issued issue(
        final long droneId, final CommandType type, final CommandParameters params, final GeofenceSet fences,
        final String key, final Principal principal, final String from, final int expiresInS)
    {
        final DroneState state = fleet.existing(droneId);
        final long now = clock.nanoTime();
        final CommandRecord command = CommandRecord.issued(ledger.newId(), droneId, type, params, key,
            principal.name(), from, now, now + TimeUnit.SECONDS.toNanos(expiresInS));
        final String violation = geofenceViolation(type, params, state, fences);
        if (violation != null)
        {
            // Refused, and still recorded: the audit trail shows who asked for what and why it was refused.
            final CommandLedger.Issued issued = issue(command.rejectedBeforeSending(now, violation));
            LOG.info("refused {} for drone {} from {}: {}", type.wireName(), droneId, principal.name(), violation);
            if (!issued.created())
            {
                return issued;
            }
            throw new Problem(422, "GEOFENCE", violation, Long.toString(command.id()));
        }
        final CommandLedger.Issued issued = issue(command);
        if (issued.created())
        {
            LOG.info("command {} {} for drone {} issued by {} from {}", command.id(), type.wireName(), droneId,
                principal.name(), from);
        }
        return issued;
    }

    private CommandLedger.Issued cancel(
        final CommandRecord target, final Principal principal, final String from, final String key, final int expiresInS)
    {
        if (target.state().isFinal())
        {
            throw new Problem(409, "command " + target.id() + " is already " + target.state().wireName());
        }
        final long now = clock.nanoTime();
        final CommandRecord cancel = CommandRecord.issued(ledger.newId(), target.droneId(), CommandType.CANCEL,
            CommandParameters.cancel(target.id()), key, principal.name(), from, now,
            now + TimeUnit.SECONDS.toNanos(expiresInS == 0 ? DEFAULT_EXPIRES_S : expiresInS));
        LOG.info("command {} cancel of {} issued by {} from {}", cancel.id(), target.id(), principal.name(), from);
        return issue(cancel);
    }

    /**
     * Into the ledger, unless the drone has as many active commands as it may: a key already used for a different
     * command is a conflict, and so is a drone whose queue is full (it frees up as its commands end: no time to promise).
     */
    private CommandLedger.Issued issue(final CommandRecord command)
    {
        if (!ledger.authorises())
        {
            // Unauthorised, the ingest nodes would only refuse it: say so now rather than fill the ledger with refusals.
            throw new Problem(503, "NO_COMMAND_KEY", "this gateway holds no command key (ODYSSEY_COMMAND_KEY_FILE): " +
                "it cannot authorise commands", null);
        }
        try
        {
            return ledger.issue(command, limits.maxActive(command.type()));
        }
        catch (final CommandLedger.ActiveLimitException ex)
        {
            limits.activeLimited().increment();
            throw new Problem(409, "ACTIVE_LIMIT", ex.getMessage(), null);
        }
        catch (final CommandLedger.IdempotencyConflictException ex)
        {
            throw new Problem(409, "IDEMPOTENCY_KEY", ex.getMessage(), null);
        }
    }

    /**
     * Takes {@code commands} from the principal's rate budget, or refuses the whole request with 429 and how long to
     * wait: nothing of a refused request is issued.
     */
    private void admit(final Principal principal, final CommandRateLimiter.Budget budget, final int commands)
    {
        final long waitNanos = limits.rate().tryAcquire(principal.name(), budget, commands);
        if (waitNanos > 0)
        {
            limits.rateLimited().add(Math.max(1, commands));
            final long retryAfterS = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
            throw new Problem(429, "RATE_LIMITED", "'" + principal.name() + "' may send " +
                Requests.trim(limits.rate().perSecond()) + " commands a second and " + limits.rate().burst() +
                " at once" + (budget == CommandRateLimiter.Budget.SAFETY ? " of stop, hold, land, return-to-home and cancel" :
                " of other orders") + (commands > 1 ? "; this request is " + commands + " commands (one per drone)" : "") +
                ": retry in " + retryAfterS + " s", null, retryAfterS);
        }
    }

    private CommandRecord existing(final String pathId)
    {
        // Like every id in a path (docs/api/commands.md, "Text"): a control or bidi character is refused and counted,
        // not quoted back in the 404.
        final String id = Requests.checkedText(limits.textRefused(), "the command id", pathId, MAX_KEY_LENGTH);
        final long commandId;
        try
        {
            commandId = Long.parseLong(id);
        }
        catch (final NumberFormatException ex)
        {
            throw new Problem(404, "no command " + id);
        }
        final CommandRecord command = ledger.get(commandId);
        if (command == null)
        {
            throw new Problem(404, "no command " + id);
        }
        return command;
    }

    /** The drones a request names: one id, a list, or a selection by status and/or box. */
    private List<Long> targets(final JsonNode body)
    {
        if (body.has("droneId"))
        {
            return List.of(Requests.droneId(body.get("droneId"), "droneId"));
        }
        if (body.has("droneIds"))
        {
            final JsonNode ids = body.get("droneIds");
            if (!ids.isArray() || ids.isEmpty() || ids.size() > 10_000)
            {
                throw new Problem(400, "droneIds is an array of 1 to 10000 drone ids");
            }
            final List<Long> drones = new ArrayList<>(ids.size());
            final Set<Long> seen = new HashSet<>(ids.size() * 2);
            for (final JsonNode id : ids)
            {
                final long droneId = Requests.droneId(id, "droneIds");
                if (seen.add(droneId))
                {
                    drones.add(droneId);
                }
            }
            return drones;
        }
        final JsonNode selection = body.path("selection");
        final String status = selection.hasNonNull("status") ? selection.get("status").asText() : null;
        BoundingBox bbox = null;
        if (selection.hasNonNull("bbox"))
        {
            final JsonNode box = selection.get("bbox");
            if (!box.isArray() || box.size() != 4 || !(box.get(0).isNumber() && box.get(1).isNumber() &&
                box.get(2).isNumber() && box.get(3).isNumber()))
            {
                // asDouble() reads text as 0: ["a", ...] was a box from longitude 0.
                throw new Problem(400, "selection.bbox is [w, s, e, n], four numbers");
            }
            bbox = FleetLookup.box(new double[]{box.get(0).asDouble(), box.get(1).asDouble(), box.get(2).asDouble(),
                box.get(3).asDouble()}, "selection.bbox");
        }
        if (status == null && bbox == null)
        {
            throw new Problem(400, "name the drones: droneId, droneIds, or selection with status and/or bbox");
        }
        final List<Long> drones = new ArrayList<>();
        for (final DroneState state : fleet.select(status, bbox))
        {
            drones.add(state.droneId());
        }
        if (drones.isEmpty())
        {
            throw new Problem(400, "the selection matches no drone");
        }
        return drones;
    }

    private static String geofenceViolation(
        final CommandType type, final CommandParameters params, final DroneState state, final GeofenceSet fences)
    {
        if (fences.isEmpty())
        {
            return null;
        }
        final List<double[]> path = new ArrayList<>();
        path.add(new double[]{state.latitude(), state.longitude()});
        if (type == CommandType.GOTO)
        {
            path.add(new double[]{params.latitude(), params.longitude()});
        }
        else
        {
            for (final Waypoint waypoint : params.waypoints())
            {
                path.add(new double[]{waypoint.latitude(), waypoint.longitude()});
            }
        }
        return fences.pathViolation(path);
    }
}
