package io.odyssey.gateway.control;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hazelcast.map.IMap;
import io.odyssey.codecs.CommandLimits;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.Waypoint;
import io.odyssey.gateway.DroneJson;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.GeofenceSet;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.grid.ledger.CommandState;
import io.odyssey.runtime.Counter;
import io.odyssey.geo.Geodesy;
import io.odyssey.runtime.SafeText;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.function.Supplier;

import static io.odyssey.codecs.CommandLimits.MAX_ALTITUDE_M;
import static io.odyssey.codecs.CommandLimits.MAX_SPEED_MPS;
import static io.odyssey.codecs.CommandLimits.MIN_ALTITUDE_M;
import static io.odyssey.codecs.CommandLimits.MIN_SPEED_MPS;

/**
 * The command & control REST API under {@code /api/v1} (docs/api/commands.md, docs/api/openapi.yaml): drones, commands,
 * geofences, tokens, whoami. Runs on worker threads (it makes blocking grid calls). Authentication happened in the
 * {@link Guard} in front of it; the role each operation needs is checked here, next to the operation.
 */
public final class ControlApi implements HttpHandler
{
    public static final String PREFIX = "/api/v1";
    static final int DEFAULT_EXPIRES_S = 300;
    static final int MIN_EXPIRES_S = 1;
    static final int MAX_EXPIRES_S = 86_400;
    static final int MAX_KEY_LENGTH = 128;
    static final int MAX_NAME_LENGTH = 100;
    static final int MAX_FREE_TEXT_LENGTH = 1_000;
    private static final Logger LOG = LoggerFactory.getLogger(ControlApi.class);
    /** The request's body, read by {@link RequestBodies} before the API runs. */
    private static final AttachmentKey<byte[]> BODY = AttachmentKey.create(byte[].class);

    private final CommandLedger ledger;
    private final IMap<String, String> geofences;
    private final AccessControl access;
    private final Supplier<Collection<DroneState>> fleet;
    private final LongFunction<DroneState> drone;
    private final Counter refused;
    private final CommandQuotas limits;
    private final RequestBodies bodies;
    private DroneKeyAdmin droneKeys;

    public ControlApi(
        final CommandLedger ledger, final IMap<String, String> geofences, final AccessControl access,
        final Supplier<Collection<DroneState>> fleet, final LongFunction<DroneState> drone, final Counter refused,
        final CommandQuotas limits, final RequestBodies bodies)
    {
        this.ledger = ledger;
        this.geofences = geofences;
        this.access = access;
        this.fleet = fleet;
        this.drone = drone;
        this.refused = refused;
        this.limits = limits;
        this.bodies = bodies;
    }

    /** Serves {@code /drones/{id}/keys} with {@code admin}; without one those routes answer 503. */
    public ControlApi droneKeys(final DroneKeyAdmin admin)
    {
        this.droneKeys = admin;
        return this;
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
        exchange.putAttachment(BODY, body);
        try
        {
            route(exchange);
        }
        catch (final ApiError error)
        {
            if (error.status != 401 && error.status != 403)
            {
                refused.increment();
            }
            sendProblem(exchange, error);
        }
        catch (final com.hazelcast.core.HazelcastException | java.util.concurrent.CompletionException ex)
        {
            LOG.warn("{} {} failed: {}", exchange.getRequestMethod(), loggable(exchange.getRequestPath()), ex.toString());
            sendProblem(exchange, new ApiError(503, "the grid did not answer: " + ex.getMessage()));
        }
        catch (final RuntimeException | IOException ex)
        {
            LOG.error("{} {} failed", exchange.getRequestMethod(), loggable(exchange.getRequestPath()), ex);
            sendProblem(exchange, new ApiError(500, "the gateway failed on this request: " + ex));
        }
    }

    private void route(final HttpServerExchange exchange) throws IOException
    {
        final String path = exchange.getRequestPath();
        final String[] parts = path.substring(PREFIX.length()).split("/");
        // parts[0] is "" (the path starts with a slash after the prefix).
        final String resource = parts.length > 1 ? parts[1] : "";
        final String id = parts.length > 2 ? parts[2] : null;
        final String action = parts.length > 3 ? parts[3] : null;
        final boolean get = Methods.GET.equals(exchange.getRequestMethod());
        final boolean post = Methods.POST.equals(exchange.getRequestMethod());
        if ("drones".equals(resource) && "keys".equals(action))
        {
            droneKeys(exchange, id, parts.length > 4 ? parts[4] : null, parts.length);
            return;
        }
        if (parts.length > 4 || (action != null && !("commands".equals(resource) && "cancel".equals(action))))
        {
            throw new ApiError(404, "no such resource: " + path);
        }
        switch (resource)
        {
            case "whoami" ->
            {
                if (id != null)
                {
                    throw new ApiError(404, "no such resource: " + path);
                }
                requireMethod(get, exchange);
            }
            case "drones" -> requireMethod(get, exchange);
            case "commands" -> requireMethod(id == null ? get || post : action == null ? get : post, exchange);
            case "geofences" -> requireMethod(id == null ? get || post :
                get || Methods.PUT.equals(exchange.getRequestMethod()) || Methods.DELETE.equals(exchange.getRequestMethod()), exchange);
            case "tokens" -> requireMethod(id == null ? get || post : Methods.DELETE.equals(exchange.getRequestMethod()), exchange);
            default -> throw new ApiError(404, "no such resource: " + path);
        }
        final Principal principal = exchange.getAttachment(Guard.PRINCIPAL);
        switch (resource)
        {
            case "whoami" -> send(exchange, 200, Guard.principalJson(principal));
            case "drones" -> send(exchange, 200, id == null ? listDrones(exchange) : showDrone(id));
            case "commands" ->
            {
                if (id == null && get)
                {
                    send(exchange, 200, listCommands(exchange));
                }
                else if (id == null)
                {
                    require(principal, Role.OPERATOR);
                    postCommands(exchange, principal);
                }
                else if (action == null)
                {
                    send(exchange, 200, CommandJson.toJson(existing(id)));
                }
                else
                {
                    require(principal, Role.OPERATOR);
                    final CommandRecord target = existing(id);
                    admit(principal, 1);
                    send(exchange, 202, CommandJson.toJson(cancel(target, principal, sourceOf(exchange), null, 0).command()));
                }
            }
            case "geofences" -> geofences(exchange, principal, id);
            case "tokens" -> tokens(exchange, principal, id);
            default -> throw new ApiError(404, "no such resource: " + path);
        }
    }

    private static void requireMethod(final boolean allowed, final HttpServerExchange exchange)
    {
        if (!allowed)
        {
            throw new ApiError(405, exchange.getRequestMethod() + " is not allowed on " + exchange.getRequestPath());
        }
    }

    private static void require(final Principal principal, final Role role)
    {
        if (!principal.role().allows(role))
        {
            throw new ApiError(403, "FORBIDDEN",
                "'" + principal.name() + "' is a " + principal.role().wireName() + "; this needs " + role.wireName(), null);
        }
    }

    // ---- drones ----

    private String listDrones(final HttpServerExchange exchange)
    {
        final String status = query(exchange, "status");
        final double[] near = numbers(query(exchange, "near"), 3, "near", "LAT,LON,RADIUS_M");
        final double[] bbox = numbers(query(exchange, "bbox"), 4, "bbox", "W,S,E,N");
        final int limit = integer(query(exchange, "limit"), 1000, 1, 100_000, "limit");
        if (near != null && !(Math.abs(near[0]) <= 90 && Math.abs(near[1]) <= 180 && near[2] > 0))
        {
            throw new ApiError(400, "near is LAT,LON,RADIUS_M with a valid position and a positive radius");
        }
        if (bbox != null && !(bbox[0] < bbox[2] && bbox[1] < bbox[3]))
        {
            throw new ApiError(400, "bbox is W,S,E,N with W < E and S < N");
        }
        final List<DroneState> matching = select(status, bbox);
        final List<DroneState> result = new ArrayList<>();
        for (final DroneState state : matching)
        {
            if (near == null || Geodesy.distanceM(near[0], near[1], state.latitude(), state.longitude()) <= near[2])
            {
                result.add(state);
            }
        }
        final long now = nowNanos();
        final DroneJson encoder = new DroneJson();
        final StringBuilder json = new StringBuilder("{\"drones\":[");
        final int count = Math.min(limit, result.size());
        for (int i = 0; i < count; i++)
        {
            json.append(i == 0 ? "" : ",").append(encoder.text(result.get(i), now));
        }
        return json.append("],\"count\":").append(count).append('}').toString();
    }

    private List<DroneState> select(final String status, final double[] bbox)
    {
        if (status != null && !status.matches("GROUNDED|TAKING_OFF|CRUISING|HOVERING|LANDING|RETURNING|EMERGENCY"))
        {
            throw new ApiError(400, "status is one of GROUNDED, TAKING_OFF, CRUISING, HOVERING, LANDING, RETURNING, EMERGENCY");
        }
        final List<DroneState> result = new ArrayList<>();
        for (final DroneState state : fleet.get())
        {
            if ((status == null || status.equals(state.status())) && (bbox == null ||
                (state.longitude() >= bbox[0] && state.latitude() >= bbox[1] && state.longitude() <= bbox[2] &&
                    state.latitude() <= bbox[3])))
            {
                result.add(state);
            }
        }
        result.sort(Comparator.comparingLong(DroneState::droneId));
        return result;
    }

    private String showDrone(final String id)
    {
        final long droneId = droneId(id);
        final DroneState state = drone.apply(droneId);
        if (state == null)
        {
            throw new ApiError(404, "UNKNOWN_DRONE", "drone " + droneId + " is not in the fleet", null);
        }
        final ArrayNode commands = CommandJson.JSON.createArrayNode();
        for (final CommandRecord command : ledger.list(droneId, null, false, 20))
        {
            commands.add(CommandJson.toJson(command));
        }
        final String droneJson = new DroneJson().text(state, nowNanos());
        return droneJson.substring(0, droneJson.length() - 1) + ",\"commands\":" + commands + "}";
    }

    // ---- commands ----

    private ObjectNode listCommands(final HttpServerExchange exchange)
    {
        final String droneParam = query(exchange, "droneId");
        final String stateParam = query(exchange, "state");
        CommandState state = null;
        if (stateParam != null)
        {
            try
            {
                state = CommandState.fromWireName(stateParam);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new ApiError(400, "state is one of issued, sent, accepted, rejected, in-progress, completed, " +
                    "failed, expired, cancelled");
            }
        }
        final List<CommandRecord> found = ledger.list(droneParam == null ? 0 : droneId(droneParam), state,
            "true".equals(query(exchange, "active")), integer(query(exchange, "limit"), 100, 1, 10_000, "limit"));
        final ObjectNode result = CommandJson.JSON.createObjectNode();
        final ArrayNode commands = result.putArray("commands");
        found.forEach(command -> commands.add(CommandJson.toJson(command)));
        return result;
    }

    /** An order of every type, as an operator would send it: what {@link #warmUp()} validates. */
    private static final String[] WARM_UP_BODIES = {
        "{\"droneId\":1,\"type\":\"takeoff\",\"alt\":30}",
        "{\"droneIds\":[1,2],\"type\":\"goto\",\"lat\":52.52,\"lon\":13.4,\"alt\":80,\"speed\":12}",
        "{\"selection\":{\"status\":\"IDLE\",\"bbox\":[13.3,52.4,13.5,52.6]},\"type\":\"mission\"," +
            "\"waypoints\":[{\"lat\":52.5,\"lon\":13.4,\"alt\":60,\"speed\":10,\"holdS\":5}]}",
        "{\"droneId\":1,\"type\":\"set-speed\",\"speed\":12,\"idempotencyKey\":\"warm-up\",\"expiresInS\":60}",
        "{\"droneId\":1,\"type\":\"hold\"}",
    };

    /**
     * Runs the command path once, changing nothing, before the gateway says it is ready. Measured by the fault drills
     * on two busy cores, the first order after a start took 3–4 s (loading and compiling JSON parsing, validation,
     * sealing, the ledger's queries) and the next ones tens of milliseconds; an operator's first order after a
     * restart must not be the one that pays. Every command type is parsed and validated, the geofences read, a record
     * sealed, rendered and logged, a problem rendered, and the ledger's reads run for ids nothing can have.
     *
     * @return how long it took, in milliseconds.
     */
    public long warmUp()
    {
        final long start = System.nanoTime();
        CommandParameters params = null;
        for (final String text : WARM_UP_BODIES)
        {
            final JsonNode body = parse(utf8(text.getBytes(StandardCharsets.UTF_8)));
            final CommandType type = CommandType.fromWireName(body.path("type").asText());
            checkedText("idempotencyKey", body.path("idempotencyKey").asText("warm-up"), MAX_KEY_LENGTH);
            params = params(type, body);
            if (!body.has("selection"))
            {
                targets(body);
            }
        }
        GeofenceSet.fromFeatureTexts(geofences.values());
        drone.apply(1L);
        final long now = nowNanos();
        final CommandRecord sample = CommandRecord.issued(0L, 1L, CommandType.HOLD, params, null, "warm-up",
            "127.0.0.1", now, now + TimeUnit.SECONDS.toNanos(DEFAULT_EXPIRES_S));
        ledger.warmUp(sample);
        final String rendered = CommandJson.toJson(sample).toString() + CommandJson.toJson(
            sample.rejectedBeforeSending(now, "warm-up")).toString();
        final long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        LOG.info("command path warmed up in {} ms ({} characters rendered)", ms, rendered.length());
        return ms;
    }

    private void postCommands(final HttpServerExchange exchange, final Principal principal) throws IOException
    {
        final JsonNode body = body(exchange);
        final CommandType type = CommandType.fromWireName(body.path("type").asText(null));
        if (type == null)
        {
            throw new ApiError(400, "type is one of " + CommandType.wireNames());
        }
        final boolean keyInBody = body.hasNonNull("idempotencyKey");
        final String key = keyInBody ? body.get("idempotencyKey").asText() :
            exchange.getRequestHeaders().getFirst("Idempotency-Key");
        if (key != null)
        {
            final String field = keyInBody ? "idempotencyKey" : "the Idempotency-Key header";
            if (key.isEmpty())
            {
                throw new ApiError(400, field + " is 1 to " + MAX_KEY_LENGTH + " characters");
            }
            checkedText(field, key, MAX_KEY_LENGTH);
            if (!keyInBody && !key.chars().allMatch(c -> c < 0x7F))
            {
                // Header values have no character set (a UTF-8 key arrives as one Latin-1 character per byte).
                limits.textRefused().increment();
                throw new ApiError(400, "INVALID_TEXT", field + " may hold ASCII only; send other keys as " +
                    "idempotencyKey in the body", null);
            }
        }
        final int expiresInS = body.has("expiresInS") ?
            integer(body.get("expiresInS").asText(), DEFAULT_EXPIRES_S, MIN_EXPIRES_S, MAX_EXPIRES_S, "expiresInS") : DEFAULT_EXPIRES_S;
        final String from = sourceOf(exchange);
        if (type == CommandType.CANCEL)
        {
            final String target = body.path("targetCommandId").asText(null);
            if (target == null)
            {
                throw new ApiError(400, "cancel needs targetCommandId");
            }
            final CommandRecord targetCommand = existing(target);
            admit(principal, 1);
            final CommandLedger.Issued cancel = cancel(targetCommand, principal, from, key, expiresInS);
            send(exchange, cancel.created() ? 202 : 200, CommandJson.toJson(cancel.command()));
            return;
        }
        final CommandParameters params = params(type, body);
        final List<Long> drones = targets(body);
        admit(principal, drones.size());
        // Read once per request, however many drones it names.
        final GeofenceSet fences = type.movesAlongPath() ?
            GeofenceSet.fromFeatureTexts(geofences.values()) : GeofenceSet.NONE;
        if (drones.size() == 1 && body.has("droneId"))
        {
            final CommandLedger.Issued issued = issue(drones.get(0), type, params, fences, key, principal, from,
                expiresInS);
            send(exchange, issued.created() ? 202 : 200, CommandJson.toJson(issued.command()));
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
                    key == null ? null : key + "/" + droneId, principal, from, expiresInS).command()));
            }
            catch (final ApiError error)
            {
                refused.increment();
                final ObjectNode problem = refusedDrones.addObject();
                problem.put("droneId", droneId);
                problem.put("status", error.status);
                problem.put("title", error.title());
                problem.put("detail", error.getMessage());
                if (error.commandId != null)
                {
                    problem.put("commandId", error.commandId);
                }
            }
        }
        send(exchange, 202, result);
    }

    private CommandLedger.Issued issue(
        final long droneId, final CommandType type, final CommandParameters params, final GeofenceSet fences,
        final String key,
        final Principal principal, final String from, final int expiresInS)
    {
        final DroneState state = drone.apply(droneId);
        if (state == null)
        {
            throw new ApiError(404, "UNKNOWN_DRONE", "drone " + droneId + " is not in the fleet", null);
        }
        final long now = nowNanos();
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
            throw new ApiError(422, "GEOFENCE", violation, Long.toString(command.id()));
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
            throw new ApiError(409, "command " + target.id() + " is already " + target.state().wireName());
        }
        final long now = nowNanos();
        final CommandRecord cancel = CommandRecord.issued(ledger.newId(), target.droneId(), CommandType.CANCEL,
            CommandParameters.cancel(target.id()),
            key, principal.name(), from, now, now + TimeUnit.SECONDS.toNanos(expiresInS == 0 ? DEFAULT_EXPIRES_S : expiresInS));
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
            throw new ApiError(503, "NO_COMMAND_KEY", "this gateway holds no command key (ODYSSEY_COMMAND_KEY_FILE): " +
                "it cannot authorise commands", null);
        }
        try
        {
            return ledger.issue(command, limits.maxActive(command.type()));
        }
        catch (final CommandLedger.ActiveLimitException ex)
        {
            limits.activeLimited().increment();
            throw new ApiError(409, "ACTIVE_LIMIT", ex.getMessage(), null);
        }
        catch (final CommandLedger.IdempotencyConflictException ex)
        {
            throw new ApiError(409, "IDEMPOTENCY_KEY", ex.getMessage(), null);
        }
    }

    /**
     * Takes {@code commands} from the principal's rate budget, or refuses the whole request with 429 and how long to
     * wait: nothing of a refused request is issued.
     */
    private void admit(final Principal principal, final int commands)
    {
        final long waitNanos = limits.rate().tryAcquire(principal.name(), commands);
        if (waitNanos > 0)
        {
            limits.rateLimited().add(commands);
            final long retryAfterS = Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
            throw new ApiError(429, "RATE_LIMITED", "'" + principal.name() + "' may send " +
                trim(limits.rate().perSecond()) + " commands a second and " + limits.rate().burst() + " at once" +
                (commands > 1 ? "; this request is " + commands + " commands (one per drone)" : "") + ": retry in " +
                retryAfterS + " s", null, retryAfterS);
        }
    }

    /**
     * {@code value} when it may be stored, shown and logged as it is ({@link SafeText}: no control characters, no
     * lone surrogates, at most {@code maxLength} characters); otherwise the request is refused, naming the field.
     */
    private String checkedText(final String field, final String value, final int maxLength)
    {
        final String violation = SafeText.violation(value, maxLength);
        if (violation != null)
        {
            limits.textRefused().increment();
            throw new ApiError(400, "INVALID_TEXT", field + " " + violation, null);
        }
        return value;
    }

    /** Every name and string of a geofence Feature, checked: its name goes into command reasons and the archive. */
    private void checkFeatureText(final JsonNode node, final String path)
    {
        if (node.isTextual())
        {
            checkedText(path, node.asText(), "properties.name".equals(path) ? MAX_NAME_LENGTH : MAX_FREE_TEXT_LENGTH);
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
            final java.util.Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext())
            {
                final Map.Entry<String, JsonNode> field = fields.next();
                checkedText("a member name in " + (path.isEmpty() ? "the feature" : path), field.getKey(), MAX_NAME_LENGTH);
                checkFeatureText(field.getValue(), path.isEmpty() ? field.getKey() : path + "." + field.getKey());
            }
        }
    }

    private CommandRecord existing(final String id)
    {
        final long commandId;
        try
        {
            commandId = Long.parseLong(id);
        }
        catch (final NumberFormatException ex)
        {
            throw new ApiError(404, "no command " + id);
        }
        final CommandRecord command = ledger.get(commandId);
        if (command == null)
        {
            throw new ApiError(404, "no command " + id);
        }
        return command;
    }

    /** The drones a request names: one id, a list, or a selection by status and/or box. */
    private List<Long> targets(final JsonNode body)
    {
        if (body.has("droneId"))
        {
            return List.of(droneId(body.get("droneId").asText()));
        }
        if (body.has("droneIds"))
        {
            final JsonNode ids = body.get("droneIds");
            if (!ids.isArray() || ids.isEmpty() || ids.size() > 10_000)
            {
                throw new ApiError(400, "droneIds is an array of 1 to 10000 drone ids");
            }
            final List<Long> drones = new ArrayList<>();
            for (final JsonNode id : ids)
            {
                final long droneId = droneId(id.asText());
                if (!drones.contains(droneId))
                {
                    drones.add(droneId);
                }
            }
            return drones;
        }
        final JsonNode selection = body.path("selection");
        final String status = selection.hasNonNull("status") ? selection.get("status").asText() : null;
        double[] bbox = null;
        if (selection.hasNonNull("bbox"))
        {
            final JsonNode box = selection.get("bbox");
            if (!box.isArray() || box.size() != 4)
            {
                throw new ApiError(400, "selection.bbox is [w, s, e, n]");
            }
            bbox = new double[]{box.get(0).asDouble(), box.get(1).asDouble(), box.get(2).asDouble(), box.get(3).asDouble()};
            if (!(bbox[0] < bbox[2] && bbox[1] < bbox[3]))
            {
                throw new ApiError(400, "selection.bbox is [w, s, e, n] with w < e and s < n");
            }
        }
        if (status == null && bbox == null)
        {
            throw new ApiError(400, "name the drones: droneId, droneIds, or selection with status and/or bbox");
        }
        final List<Long> drones = new ArrayList<>();
        for (final DroneState state : select(status, bbox))
        {
            drones.add(state.droneId());
        }
        if (drones.isEmpty())
        {
            throw new ApiError(400, "the selection matches no drone");
        }
        return drones;
    }

    /**
     * The bounds this API checks orders against, as the dashboard reads them from {@code /config.json}
     * (docs/api/websocket.md), so it refuses what the gateway would and nothing it would take.
     */
    public static String commandLimitsJson()
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
            throw new ApiError(400, "a mission has 1 to " + CommandLimits.MAX_WAYPOINTS + " waypoints");
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
            catch (final ApiError error)
            {
                throw new ApiError(400, "waypoint " + index + ": " + error.getMessage());
            }
            index++;
        }
        return out;
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

    // ---- geofences ----

    private void geofences(final HttpServerExchange exchange, final Principal principal, final String id) throws IOException
    {
        if (id != null)
        {
            checkedText("the geofence id", id, MAX_NAME_LENGTH);
        }
        final boolean get = Methods.GET.equals(exchange.getRequestMethod());
        if (get)
        {
            if (id == null)
            {
                final ObjectNode collection = CommandJson.JSON.createObjectNode();
                collection.put("type", "FeatureCollection");
                final ArrayNode features = collection.putArray("features");
                geofences.values().stream().map(ControlApi::parse)
                    .sorted(Comparator.comparing(f -> f.path("id").asText())).forEach(features::add);
                send(exchange, 200, collection);
            }
            else
            {
                final String text = geofences.get(id);
                if (text == null)
                {
                    throw new ApiError(404, "no geofence " + id);
                }
                send(exchange, 200, text);
            }
            return;
        }
        require(principal, Role.ADMIN);
        if (Methods.DELETE.equals(exchange.getRequestMethod()))
        {
            if (geofences.remove(id) == null)
            {
                throw new ApiError(404, "no geofence " + id);
            }
            LOG.info("geofence {} deleted by {}", id, principal.name());
            exchange.setStatusCode(204);
            exchange.endExchange();
            return;
        }
        final JsonNode feature = body(exchange);
        checkFeatureText(feature, "");
        try
        {
            GeofenceSet.polygon(feature, "the geofence");
        }
        catch (final IllegalArgumentException ex)
        {
            throw new ApiError(400, ex.getMessage());
        }
        final String fenceId = id != null ? id : UUID.randomUUID().toString().substring(0, 8);
        if (id != null && !geofences.containsKey(id))
        {
            throw new ApiError(404, "no geofence " + id);
        }
        if ("keep-in".equals(feature.path("properties").path("kind").asText()))
        {
            for (final Map.Entry<String, String> entry : geofences.entrySet())
            {
                if (!entry.getKey().equals(fenceId) &&
                    "keep-in".equals(parse(entry.getValue()).path("properties").path("kind").asText()))
                {
                    throw new ApiError(409, "there is a keep-in geofence already (" + entry.getKey() + "); change it instead");
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
        send(exchange, id == null ? 201 : 200, stored);
    }

    // ---- drone keys ----

    /** {@code /drones/{id}/keys} (GET list, POST add, DELETE revoke) and {@code /drones/{id}/keys/rotate} (POST). */
    private void droneKeys(final HttpServerExchange exchange, final String id, final String sub, final int parts)
    {
        final boolean rotate = "rotate".equals(sub) && parts == 5;
        if (parts > 5 || (sub != null && !rotate))
        {
            throw new ApiError(404, "no such resource: " + exchange.getRequestPath());
        }
        final String method = exchange.getRequestMethod().toString();
        requireMethod(rotate ? "POST".equals(method) : "GET".equals(method) || "POST".equals(method) ||
            "DELETE".equals(method), exchange);
        final Principal principal = exchange.getAttachment(Guard.PRINCIPAL);
        require(principal, Role.ADMIN);
        if (droneKeys == null)
        {
            throw new ApiError(503, "NO_COMMAND_KEY", "this gateway manages no drone keys", null);
        }
        final long droneId = DroneKeyAdmin.droneId(id);
        if (rotate)
        {
            send(exchange, 200, droneKeys.rotate(droneId, optionalBody(exchange), principal.name()));
        }
        else if ("GET".equals(method))
        {
            send(exchange, 200, droneKeys.list(droneId));
        }
        else if ("POST".equals(method))
        {
            optionalBody(exchange);
            send(exchange, 201, droneKeys.add(droneId, principal.name()));
        }
        else
        {
            droneKeys.revoke(droneId, principal.name());
            exchange.setStatusCode(204);
            exchange.endExchange();
        }
    }

    // ---- tokens ----

    private void tokens(final HttpServerExchange exchange, final Principal principal, final String name) throws IOException
    {
        require(principal, Role.ADMIN);
        if (Methods.GET.equals(exchange.getRequestMethod()))
        {
            final ObjectNode result = CommandJson.JSON.createObjectNode();
            final ArrayNode tokens = result.putArray("tokens");
            access.list().forEach(token -> tokens.add(CommandJson.JSON.valueToTree(token)));
            send(exchange, 200, result);
        }
        else if (Methods.POST.equals(exchange.getRequestMethod()))
        {
            final JsonNode body = body(exchange);
            final Role role = Role.parse(body.path("role").asText(null));
            if (role == null)
            {
                throw new ApiError(400, "role is viewer, operator or admin");
            }
            final String tokenName = body.path("name").asText(null);
            if (tokenName != null)
            {
                checkedText("name", tokenName, MAX_NAME_LENGTH);
            }
            final String secret = access.create(tokenName, role);
            LOG.info("token '{}' ({}) created by {}", tokenName, role.wireName(), principal.name());
            final ObjectNode result = CommandJson.JSON.createObjectNode();
            result.put("name", tokenName);
            result.put("role", role.wireName());
            result.put("token", secret);
            send(exchange, 201, result);
        }
        else
        {
            checkedText("the token name", name, MAX_NAME_LENGTH);
            if (!access.delete(name))
            {
                throw new ApiError(404, "no token created through the API is named '" + name + "'");
            }
            LOG.info("token '{}' deleted by {}", name, principal.name());
            exchange.setStatusCode(204);
            exchange.endExchange();
        }
    }

    // ---- helpers ----

    /** The body, or an empty object when there is none. */
    private static JsonNode optionalBody(final HttpServerExchange exchange)
    {
        final byte[] bytes = exchange.getAttachment(BODY);
        return bytes == null || bytes.length == 0 ? CommandJson.JSON.createObjectNode() : body(exchange);
    }

    private static JsonNode body(final HttpServerExchange exchange)
    {
        final byte[] bytes = exchange.getAttachment(BODY);
        final JsonNode body = parse(utf8(bytes));
        if (!body.isObject())
        {
            throw new ApiError(400, "the body is one JSON object");
        }
        return body;
    }

    /** The body as text: bytes that are not UTF-8 are refused, never silently replaced. */
    private static String utf8(final byte[] bytes)
    {
        try
        {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        }
        catch (final CharacterCodingException ex)
        {
            throw new ApiError(400, "INVALID_TEXT", "the body is not valid UTF-8", null);
        }
    }

    private static JsonNode parse(final String text)
    {
        try
        {
            return CommandJson.JSON.readTree(text);
        }
        catch (final IOException ex)
        {
            throw new ApiError(400, "the body is not valid JSON: " + ex.getMessage().lines().findFirst().orElse(""));
        }
    }

    private static double required(final JsonNode node, final String field, final double min, final double max)
    {
        if (!node.hasNonNull(field))
        {
            throw new ApiError(400, field + " is required");
        }
        return inRange(node.get(field), field, min, max);
    }

    private static double optional(final JsonNode node, final String field, final double min, final double max, final double dflt)
    {
        return node.hasNonNull(field) ? inRange(node.get(field), field, min, max) : dflt;
    }

    private static double inRange(final JsonNode value, final String field, final double min, final double max)
    {
        final double number = value.isNumber() ? value.asDouble() : Double.NaN;
        if (!(number >= min && number <= max))
        {
            throw new ApiError(400, field + " must be a number from " + trim(min) + " to " + trim(max) + ", not " + value);
        }
        return number;
    }

    private static String trim(final double value)
    {
        return value == Math.rint(value) ? Long.toString((long)value) : Double.toString(value);
    }

    private static long droneId(final String text)
    {
        try
        {
            final long id = Long.parseLong(text);
            if (id > 0)
            {
                return id;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // Answered below.
        }
        throw new ApiError(400, "a drone id is a positive integer, not '" + text + "'");
    }

    private static String query(final HttpServerExchange exchange, final String name)
    {
        final Deque<String> values = exchange.getQueryParameters().get(name);
        return values == null || values.isEmpty() || values.peekFirst().isEmpty() ? null : values.peekFirst();
    }

    private static double[] numbers(final String text, final int count, final String name, final String shape)
    {
        if (text == null)
        {
            return null;
        }
        final String[] parts = text.split(",");
        if (parts.length != count)
        {
            throw new ApiError(400, name + " is " + shape);
        }
        final double[] values = new double[count];
        try
        {
            for (int i = 0; i < count; i++)
            {
                values[i] = Double.parseDouble(parts[i].trim());
            }
        }
        catch (final NumberFormatException ex)
        {
            throw new ApiError(400, name + " is " + shape);
        }
        return values;
    }

    private static int integer(final String text, final int dflt, final int min, final int max, final String name)
    {
        if (text == null)
        {
            return dflt;
        }
        try
        {
            final int value = Integer.parseInt(text.trim());
            if (value >= min && value <= max)
            {
                return value;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // Answered below.
        }
        throw new ApiError(400, name + " must be an integer from " + min + " to " + max);
    }

    /** A request's path as a log line may hold it: decoded from the URL, it may carry a newline ("%0A"). */
    private static String loggable(final String path)
    {
        return SafeText.sanitised(path, 200);
    }

    private static String sourceOf(final HttpServerExchange exchange)
    {
        return exchange.getSourceAddress() == null ? "unknown" : exchange.getSourceAddress().getAddress().getHostAddress();
    }

    private static long nowNanos()
    {
        final java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private static void send(final HttpServerExchange exchange, final int status, final Object body)
    {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.getResponseSender().send(body.toString());
    }

    /** Answers {@code error} as application/problem+json. */
    public static void sendProblem(final HttpServerExchange exchange, final ApiError error)
    {
        final ObjectNode problem = CommandJson.JSON.createObjectNode();
        problem.put("type", "about:blank");
        problem.put("title", error.title());
        problem.put("status", error.status);
        problem.put("detail", error.getMessage());
        if (error.code != null)
        {
            problem.put("code", error.code);
        }
        if (error.commandId != null)
        {
            problem.put("commandId", error.commandId);
        }
        if (error.retryAfterS > 0)
        {
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, Long.toString(error.retryAfterS));
        }
        exchange.setStatusCode(error.status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/problem+json");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.getResponseSender().send(problem.toString());
    }
}
