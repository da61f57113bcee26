package io.odyssey.gateway.history;

import com.fasterxml.jackson.core.JsonGenerator;
import io.odyssey.gateway.JsonText;
import io.odyssey.gateway.Problem;
import io.odyssey.gateway.control.Guard;
import io.odyssey.gateway.control.Principal;
import io.odyssey.geo.Geodesy;
import io.odyssey.runtime.RateLimitedLog;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code /api/v1/history/...}: the fleet's past from the archive database (contract: docs/api/history.md).
 * <ul>
 *     <li>{@code GET drones/{id}/track?from&to[&maxPoints][&format=geojson|gpx|csv]}: a drone's track, thinned to a
 *     point budget, with distance flown, maximum altitude and battery used at full resolution;</li>
 *     <li>{@code GET fleet?at[&lookbackS]}: every drone's state at an instant (time travel);</li>
 *     <li>{@code GET fleet/diff?from&to[&lookbackS]}: what changed between two instants;</li>
 *     <li>{@code GET near?lat&lon&radiusM&from&to}: drones within a radius of a point during a window (PostGIS when
 *     the database has it, else a haversine over a bounding box).</li>
 * </ul>
 * Errors are {@code application/problem+json}: 400 for a bad parameter, 404 for a drone never archived, 503 when
 * there is no archive database or it does not answer. JDBC blocks, so requests
 * run on Undertow's worker threads, never its I/O thread.
 * <p>
 * <b>Budgets</b> ({@link HistoryLimits}): a window and a look-back of at most a configured length (400 beyond), at most
 * a configured number of rows per answer, a time budget per request that its wait for a database connection and all
 * its queries share ({@link RequestDeadline}; 503 with {@code Retry-After} when spent), and at most a configured
 * number of history requests at once: the next is answered 429 with {@code Retry-After} at once,
 * never queued, so history can hold only that many of the gateway's worker threads and the rest of the API (commands,
 * drones, health) keeps answering while history is saturated.
 */
public final class HistoryApi implements HttpHandler
{
    public static final String PREFIX = "/api/v1/history";
    static final int DEFAULT_MAX_POINTS = 1_000;
    static final long DEFAULT_LOOKBACK_S = 300;
    static final double MAX_RADIUS_M = 100_000;
    /** Seconds a client is asked to wait when every history slot is taken: requests take a second or so. */
    static final long BUSY_RETRY_AFTER_S = 1;
    /** Seconds a client is asked to wait after a timeout or an unreachable database: give it time to recover. */
    static final long UNAVAILABLE_RETRY_AFTER_S = 5;

    private static final Logger LOG = LoggerFactory.getLogger(HistoryApi.class);
    /** Gives back the request's history slots; run once, just before the answer is sent. */
    private static final AttachmentKey<Runnable> RELEASE = AttachmentKey.create(Runnable.class);
    private static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");
    private static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

    private final HistoryStore store;
    private final HistoryLimits limits;
    private final Semaphore slots;
    /** History requests running per caller (token name); an entry goes with its caller's last request. */
    private final Map<String, Integer> perCaller = new ConcurrentHashMap<>();
    private final int maxPerCaller;
    private final RateLimitedLog timeoutLog = new RateLimitedLog(LOG, 10_000_000_000L);

    /** @param store the archive, or null when none is configured (every request then answers 503). */
    public HistoryApi(final HistoryStore store, final HistoryLimits limits)
    {
        this.store = store;
        this.limits = limits;
        this.slots = new Semaphore(limits.maxConcurrent());
        this.maxPerCaller = Math.max(1, limits.maxConcurrent() / 2);
    }

    /** Takes one of the caller's history slots: at most half of all (at least one), so one caller cannot take all. */
    private boolean enter(final String caller)
    {
        final boolean[] entered = {false};
        perCaller.compute(caller, (key, running) ->
        {
            final int now = running == null ? 0 : running;
            if (now >= maxPerCaller)
            {
                return running;
            }
            entered[0] = true;
            return now + 1;
        });
        return entered[0];
    }

    private void leave(final String caller)
    {
        perCaller.computeIfPresent(caller, (key, running) -> running <= 1 ? null : running - 1);
    }

    public void handleRequest(final HttpServerExchange exchange) throws Exception
    {
        if (exchange.isInIoThread())
        {
            exchange.dispatch(this);
            return;
        }
        // Started first: whatever this request waits for below counts against its budget.
        final RequestDeadline deadline = RequestDeadline.startingNow(limits.requestBudgetMs());
        try
        {
            if (store == null)
            {
                throw new Problem(503, "NO_ARCHIVE",
                    "no archive database is configured for this gateway (ODYSSEY_GATEWAY_DB_URL)");
            }
            final Principal principal = exchange.getAttachment(Guard.PRINCIPAL);
            final String caller = principal == null ? "anonymous" : principal.name();
            if (!enter(caller))
            {
                limits.busy().increment();
                throw new Problem(429, "BUSY", "'" + caller + "' is running " + maxPerCaller + " history request(s) " +
                    "already, the most one caller may (half of ODYSSEY_GATEWAY_HISTORY_MAX_CONCURRENT): retry when one " +
                    "is answered", null, BUSY_RETRY_AFTER_S);
            }
            if (!slots.tryAcquire())
            {
                leave(caller);
                limits.busy().increment();
                throw new Problem(429, "BUSY", "the gateway is answering " + limits.maxConcurrent() + " history " +
                    "requests already, the most it runs at once (ODYSSEY_GATEWAY_HISTORY_MAX_CONCURRENT): retry shortly",
                    null, BUSY_RETRY_AFTER_S);
            }
            // Given back just before the answer is sent (respond), not after it: a client that sends its next request
            // as soon as it has the answer (the dashboard loads tracks one after another) found its slot still taken.
            final AtomicBoolean held = new AtomicBoolean(true);
            final Runnable release = () ->
            {
                if (held.compareAndSet(true, false))
                {
                    slots.release();
                    leave(caller);
                }
            };
            exchange.putAttachment(RELEASE, release);
            try
            {
                route(exchange, exchange.getRelativePath(), deadline);
                store.healthState().succeeded();
            }
            finally
            {
                release.run();
            }
        }
        catch (final Problem problem)
        {
            if (problem.status() == 400)
            {
                limits.invalid().increment();
            }
            problem.send(exchange);
        }
        catch (final SQLException ex)
        {
            databaseProblem(ex).send(exchange);
        }
    }

    /** A query that failed, as the client should see it; counted, and logged once per change (not per request). */
    private Problem databaseProblem(final SQLException ex)
    {
        final String state = HistoryHealth.rootSqlCause(ex).getSQLState();
        if (state != null && state.startsWith("22"))
        {
            // Data exception (a value out of the database's range, e.g. a year it cannot store): the request's fault,
            // not an outage.
            limits.invalid().increment();
            return Problem.badRequest("the archive cannot take a value of this request: " + HistoryHealth.cause(ex));
        }
        if ("57014".equals(state))
        {
            // The database cancelled a query at what was left of the request's budget, or the budget was spent before
            // the next query could start: the same to the client, who waited as long either way.
            limits.timedOut().increment();
            synchronized (timeoutLog)
            {
                timeoutLog.warn(System.nanoTime(), "a history request ran past its time budget of {} ms",
                    limits.requestBudgetMs());
            }
            return new Problem(503, "STATEMENT_TIMEOUT", "the request took longer than " + limits.requestBudgetMs() +
                " ms, its time budget (ODYSSEY_GATEWAY_HISTORY_STATEMENT_TIMEOUT_MS), and was cancelled: ask about a " +
                "shorter window, or retry when the archive is less busy", null, UNAVAILABLE_RETRY_AFTER_S);
        }
        limits.unavailable().increment();
        store.healthState().failed(ex);
        return new Problem(503, "ARCHIVE_UNAVAILABLE",
            "the archive database did not answer: " + HistoryHealth.cause(ex), null, UNAVAILABLE_RETRY_AFTER_S);
    }

    private void route(final HttpServerExchange exchange, final String path, final RequestDeadline deadline)
        throws Problem, SQLException
    {
        final String[] parts = path.replaceAll("^/+|/+$", "").split("/");
        if (parts.length == 3 && "drones".equals(parts[0]) && "track".equals(parts[2]))
        {
            track(exchange, droneId(parts[1]), deadline);
        }
        else if (parts.length == 1 && "fleet".equals(parts[0]))
        {
            fleetAt(exchange, deadline);
        }
        else if (parts.length == 2 && "fleet".equals(parts[0]) && "diff".equals(parts[1]))
        {
            fleetDiff(exchange, deadline);
        }
        else if (parts.length == 1 && "near".equals(parts[0]))
        {
            near(exchange, deadline);
        }
        else
        {
            throw new Problem(404, "NOT_FOUND", "no such history resource: " + PREFIX + path);
        }
    }

    private void track(final HttpServerExchange exchange, final long droneId, final RequestDeadline deadline)
        throws Problem, SQLException
    {
        final Instant from = instant(exchange, "from");
        final Instant to = instant(exchange, "to");
        window(from, to);
        final int maxPoints = (int)number(exchange, "maxPoints", Math.min(DEFAULT_MAX_POINTS, limits.maxRows()), 2,
            limits.maxRows());
        final String format = text(exchange, "format", "geojson").toLowerCase(Locale.ROOT);
        if (!List.of("geojson", "gpx", "csv").contains(format))
        {
            throw Problem.badRequest("format must be geojson, gpx or csv, got '" + format + "'");
        }
        // Read, and the connection given back, before the answer is written (so for every resource below).
        final List<HistoryStore.Sample> samples;
        final HistoryStore.TrackStats stats;
        try (HistoryStore.Reads reads = store.open(deadline))
        {
            samples = reads.track(droneId, from, to, maxPoints);
            if (samples.isEmpty() && !reads.droneKnown(droneId))
            {
                throw new Problem(404, "UNKNOWN_DRONE", "drone " + droneId + " has no archived telemetry");
            }
            stats = reads.trackStats(droneId, from, to);
        }
        final String name = "drone-" + droneId + "-track";
        switch (format)
        {
            case "gpx" -> respond(exchange, 200, "application/gpx+xml", name + ".gpx",
                TrackFormats.gpx(droneId, samples));
            case "csv" -> respond(exchange, 200, "text/csv; charset=utf-8", name + ".csv", TrackFormats.csv(samples));
            default -> respond(exchange, 200, "application/geo+json", null,
                TrackFormats.geoJson(droneId, from, to, samples, stats));
        }
    }

    private void fleetAt(final HttpServerExchange exchange, final RequestDeadline deadline) throws Problem, SQLException
    {
        final Instant at = instant(exchange, "at");
        final long lookbackS = lookback(exchange);
        final NavigableMap<Long, HistoryStore.Sample> fleet;
        try (HistoryStore.Reads reads = store.open(deadline))
        {
            fleet = reads.fleetAt(at, lookbackS, limits.maxRows() + 1);
        }
        final boolean truncated = cut(fleet, limits.maxRows());
        respond(exchange, 200, "application/json", null, JsonText.of(out ->
        {
            out.writeStartObject();
            out.writeStringField("at", at.toString());
            out.writeNumberField("lookbackS", lookbackS);
            out.writeNumberField("count", fleet.size());
            out.writeBooleanField("truncated", truncated);
            out.writeArrayFieldStart("drones");
            for (final HistoryStore.Sample sample : fleet.values())
            {
                TrackFormats.writeSample(out, sample);
            }
            out.writeEndArray();
            out.writeEndObject();
        }));
    }

    private void fleetDiff(final HttpServerExchange exchange, final RequestDeadline deadline) throws Problem, SQLException
    {
        final Instant from = instant(exchange, "from");
        final Instant to = instant(exchange, "to");
        window(from, to);
        final long lookbackS = lookback(exchange);
        final NavigableMap<Long, HistoryStore.Sample> before;
        final NavigableMap<Long, HistoryStore.Sample> after;
        try (HistoryStore.Reads reads = store.open(deadline))
        {
            before = reads.fleetAt(from, lookbackS, limits.maxRows() + 1);
            after = reads.fleetAt(to, lookbackS, limits.maxRows() + 1);
        }
        // Each side holds the lowest ids only when cut: compare both below the lower of their cuts, so that a drone
        // is never "added" or "removed" only because one side's cut fell before it.
        final boolean truncated = cut(before, limits.maxRows()) | cut(after, limits.maxRows());
        if (truncated)
        {
            final long last = Math.min(lastId(before), lastId(after));
            before.keySet().removeIf(id -> id > last);
            after.keySet().removeIf(id -> id > last);
        }
        final TreeSet<Long> ids = new TreeSet<>(before.keySet());
        ids.addAll(after.keySet());
        final List<Long> added = new ArrayList<>();
        final List<Long> removed = new ArrayList<>();
        final List<Long> changed = new ArrayList<>();
        for (final Long id : ids)
        {
            final HistoryStore.Sample a = before.get(id);
            final HistoryStore.Sample b = after.get(id);
            if (a == null)
            {
                added.add(id);
            }
            else if (b == null)
            {
                removed.add(id);
            }
            else if (b.seq() != a.seq())
            {
                changed.add(id);
            }
        }
        respond(exchange, 200, "application/json", null, JsonText.of(out ->
        {
            out.writeStartObject();
            out.writeStringField("from", from.toString());
            out.writeStringField("to", to.toString());
            out.writeBooleanField("truncated", truncated);
            writeIds(out, "added", added);
            writeIds(out, "removed", removed);
            out.writeArrayFieldStart("changed");
            for (final Long id : changed)
            {
                final HistoryStore.Sample a = before.get(id);
                final HistoryStore.Sample b = after.get(id);
                out.writeStartObject();
                out.writeNumberField("id", id);
                out.writeNumberField("movedM", round(Geodesy.distanceM(a.lat(), a.lon(), b.lat(), b.lon())));
                out.writeNumberField("altitudeChangeM", round(b.altM() - a.altM()));
                out.writeNumberField("batteryChangePct", round(b.batteryPct() - a.batteryPct()));
                out.writeStringField("statusFrom", a.status());
                out.writeStringField("statusTo", b.status());
                out.writeFieldName("from");
                TrackFormats.writeSample(out, a);
                out.writeFieldName("to");
                TrackFormats.writeSample(out, b);
                out.writeEndObject();
            }
            out.writeEndArray();
            out.writeEndObject();
        }));
    }

    private void near(final HttpServerExchange exchange, final RequestDeadline deadline) throws Problem, SQLException
    {
        final double lat = decimal(exchange, "lat", -90, 90);
        final double lon = decimal(exchange, "lon", -180, 180);
        final double radiusM = decimal(exchange, "radiusM", 0, MAX_RADIUS_M);
        if (radiusM == 0)
        {
            throw Problem.badRequest("'radiusM' must be more than 0");
        }
        final Instant from = instant(exchange, "from");
        final Instant to = instant(exchange, "to");
        window(from, to);
        final List<HistoryStore.NearHit> hits;
        try (HistoryStore.Reads reads = store.open(deadline))
        {
            hits = new ArrayList<>(reads.near(lat, lon, radiusM, from, to, limits.maxRows() + 1));
        }
        final boolean truncated = hits.size() > limits.maxRows();
        if (truncated)
        {
            hits.subList(limits.maxRows(), hits.size()).clear();
        }
        respond(exchange, 200, "application/json", null, JsonText.of(out ->
        {
            out.writeStartObject();
            out.writeNumberField("lat", lat);
            out.writeNumberField("lon", lon);
            out.writeNumberField("radiusM", radiusM);
            out.writeStringField("from", from.toString());
            out.writeStringField("to", to.toString());
            out.writeBooleanField("truncated", truncated);
            out.writeArrayFieldStart("drones");
            for (final HistoryStore.NearHit hit : hits)
            {
                out.writeStartObject();
                out.writeNumberField("id", hit.droneId());
                out.writeNumberField("closestM", round(hit.closestM()));
                out.writeStringField("firstSeen", hit.firstTime().toString());
                out.writeStringField("lastSeen", hit.lastTime().toString());
                out.writeNumberField("frames", hit.frames());
                out.writeEndObject();
            }
            out.writeEndArray();
            out.writeEndObject();
        }));
    }

    /** Keeps the first {@code max} entries (lowest ids); true when there were more. */
    private static boolean cut(final NavigableMap<Long, HistoryStore.Sample> fleet, final int max)
    {
        if (fleet.size() <= max)
        {
            return false;
        }
        final java.util.Iterator<Long> ids = fleet.keySet().iterator();
        for (int kept = 0; ids.hasNext(); kept++)
        {
            ids.next();
            if (kept >= max)
            {
                ids.remove();
            }
        }
        return true;
    }

    private static long lastId(final NavigableMap<Long, HistoryStore.Sample> fleet)
    {
        return fleet.isEmpty() ? Long.MAX_VALUE : fleet.lastKey();
    }

    private long lookback(final HttpServerExchange exchange) throws Problem
    {
        final long max = limits.maxWindow().toSeconds();
        final long lookbackS = number(exchange, "lookbackS", Math.min(DEFAULT_LOOKBACK_S, max), 1, max);
        return lookbackS;
    }

    private static void writeIds(final JsonGenerator out, final String name, final List<Long> ids) throws IOException
    {
        out.writeArrayFieldStart(name);
        for (final Long id : ids)
        {
            out.writeNumber(id);
        }
        out.writeEndArray();
    }

    static double round(final double value)
    {
        return Math.round(value * 100.0) / 100.0;
    }

    private static long droneId(final String text) throws Problem
    {
        try
        {
            final long id = Long.parseLong(text);
            if (id > 0)
            {
                return id;
            }
        }
        catch (final NumberFormatException ignore)
        {
            // answered below
        }
        throw Problem.badRequest("a drone id is a positive whole number, got '" + text + "'");
    }

    private static String text(final HttpServerExchange exchange, final String name, final String fallback)
    {
        final Deque<String> values = exchange.getQueryParameters().get(name);
        return values == null || values.isEmpty() || values.peekFirst().isBlank() ? fallback : values.peekFirst().trim();
    }

    private static Instant instant(final HttpServerExchange exchange, final String name) throws Problem
    {
        final String value = text(exchange, name, null);
        if (value == null)
        {
            throw Problem.badRequest("'" + name + "' is required: an ISO-8601 instant such as 2026-12-01T14:00:00Z");
        }
        final Instant instant;
        try
        {
            instant = Instant.parse(value);
        }
        catch (final DateTimeParseException ex)
        {
            throw Problem.badRequest("'" + name + "' must be an ISO-8601 instant such as 2026-12-01T14:00:00Z, got '" +
                value + "'");
        }
        if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST))
        {
            // Instant takes a billion years either way; JDBC and the database do not.
            throw Problem.badRequest("'" + name + "' must be between the years 1 and 9999, got '" + value + "'");
        }
        return instant;
    }

    private void window(final Instant from, final Instant to) throws Problem
    {
        if (!from.isBefore(to))
        {
            throw Problem.badRequest("'from' must be before 'to'");
        }
        if (Duration.between(from, to).compareTo(limits.maxWindow()) > 0)
        {
            throw Problem.badRequest("the window may span at most " + limits.maxWindow().toSeconds() + " s (" +
                limits.maxWindow().toString().substring(2).toLowerCase(Locale.ROOT) +
                ", ODYSSEY_GATEWAY_HISTORY_MAX_WINDOW_S); this one spans " + Duration.between(from, to).toSeconds() + " s");
        }
    }

    private static long number(final HttpServerExchange exchange, final String name, final long fallback,
        final long min, final long max) throws Problem
    {
        final String value = text(exchange, name, null);
        if (value == null)
        {
            return fallback;
        }
        try
        {
            final long parsed = Long.parseLong(value);
            if (parsed >= min && parsed <= max)
            {
                return parsed;
            }
        }
        catch (final NumberFormatException ignore)
        {
            // answered below
        }
        throw Problem.badRequest("'" + name + "' must be a whole number from " + min + " to " + max + ", got '" + value + "'");
    }

    private static double decimal(final HttpServerExchange exchange, final String name, final double min,
        final double max) throws Problem
    {
        final String value = text(exchange, name, null);
        if (value == null)
        {
            throw Problem.badRequest("'" + name + "' is required");
        }
        try
        {
            final double parsed = Double.parseDouble(value);
            if (parsed >= min && parsed <= max)
            {
                return parsed;
            }
        }
        catch (final NumberFormatException ignore)
        {
            // answered below
        }
        throw Problem.badRequest("'" + name + "' must be a number in [" + min + ", " + max + "], got '" + value + "'");
    }

    private static void respond(final HttpServerExchange exchange, final int status, final String type,
        final String attachment, final String body)
    {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, type);
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        if (attachment != null)
        {
            exchange.getResponseHeaders().put(Headers.CONTENT_DISPOSITION, "attachment; filename=\"" + attachment + "\"");
        }
        final Runnable release = exchange.getAttachment(RELEASE);
        if (release != null)
        {
            release.run();
        }
        exchange.getResponseSender().send(body);
    }
}
