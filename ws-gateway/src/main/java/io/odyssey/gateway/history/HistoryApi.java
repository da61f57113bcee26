package io.odyssey.gateway.history;

import com.fasterxml.jackson.core.JsonGenerator;
import io.odyssey.gateway.JsonText;
import io.odyssey.runtime.Geodesy;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;
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
import java.util.TreeSet;

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
 */
public final class HistoryApi implements HttpHandler
{
    public static final String PREFIX = "/api/v1/history";
    static final int DEFAULT_MAX_POINTS = 1_000;
    static final int MAX_POINTS_LIMIT = 20_000;
    static final long DEFAULT_LOOKBACK_S = 300;
    /** A window long enough for any question about a flight, short enough that no query scans the whole archive. */
    static final Duration MAX_WINDOW = Duration.ofDays(31);
    static final double MAX_RADIUS_M = 100_000;

    private static final Logger LOG = LoggerFactory.getLogger(HistoryApi.class);

    private final HistoryStore store;

    /** @param store the archive, or null when none is configured (every request then answers 503). */
    public HistoryApi(final HistoryStore store)
    {
        this.store = store;
    }

    public void handleRequest(final HttpServerExchange exchange) throws Exception
    {
        if (exchange.isInIoThread())
        {
            exchange.dispatch(this);
            return;
        }
        try
        {
            if (!Methods.GET.equals(exchange.getRequestMethod()))
            {
                throw new Problem(405, "method-not-allowed", "the history API is read-only: use GET");
            }
            if (store == null)
            {
                throw new Problem(503, "no-archive",
                    "no archive database is configured for this gateway (ODYSSEY_GATEWAY_DB_URL)");
            }
            route(exchange, exchange.getRelativePath());
        }
        catch (final Problem problem)
        {
            problem(exchange, problem);
        }
        catch (final SQLException ex)
        {
            LOG.warn("history query failed: {}", ex.toString());
            problem(exchange, new Problem(503, "archive-unavailable", "the archive database did not answer: " + ex.getMessage()));
        }
    }

    private void route(final HttpServerExchange exchange, final String path) throws Problem, SQLException
    {
        final String[] parts = path.replaceAll("^/+|/+$", "").split("/");
        if (parts.length == 3 && "drones".equals(parts[0]) && "track".equals(parts[2]))
        {
            track(exchange, droneId(parts[1]));
        }
        else if (parts.length == 1 && "fleet".equals(parts[0]))
        {
            fleetAt(exchange);
        }
        else if (parts.length == 2 && "fleet".equals(parts[0]) && "diff".equals(parts[1]))
        {
            fleetDiff(exchange);
        }
        else if (parts.length == 1 && "near".equals(parts[0]))
        {
            near(exchange);
        }
        else
        {
            throw new Problem(404, "not-found", "no such history resource: " + PREFIX + path);
        }
    }

    private void track(final HttpServerExchange exchange, final long droneId) throws Problem, SQLException
    {
        final Instant from = instant(exchange, "from");
        final Instant to = instant(exchange, "to");
        window(from, to);
        final int maxPoints = (int)number(exchange, "maxPoints", DEFAULT_MAX_POINTS, 2, MAX_POINTS_LIMIT);
        final String format = text(exchange, "format", "geojson").toLowerCase(Locale.ROOT);
        if (!List.of("geojson", "gpx", "csv").contains(format))
        {
            throw Problem.badRequest("format must be geojson, gpx or csv, got '" + format + "'");
        }
        final List<HistoryStore.Sample> samples = store.track(droneId, from, to, maxPoints);
        if (samples.isEmpty() && !store.droneKnown(droneId))
        {
            throw new Problem(404, "unknown-drone", "drone " + droneId + " has no archived telemetry");
        }
        final HistoryStore.TrackStats stats = store.trackStats(droneId, from, to);
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

    private void fleetAt(final HttpServerExchange exchange) throws Problem, SQLException
    {
        final Instant at = instant(exchange, "at");
        final long lookbackS = number(exchange, "lookbackS", DEFAULT_LOOKBACK_S, 1, MAX_WINDOW.toSeconds());
        final Map<Long, HistoryStore.Sample> fleet = store.fleetAt(at, lookbackS);
        respond(exchange, 200, "application/json", null, JsonText.of(out ->
        {
            out.writeStartObject();
            out.writeStringField("at", at.toString());
            out.writeNumberField("lookbackS", lookbackS);
            out.writeNumberField("count", fleet.size());
            out.writeArrayFieldStart("drones");
            for (final HistoryStore.Sample sample : fleet.values())
            {
                TrackFormats.writeSample(out, sample);
            }
            out.writeEndArray();
            out.writeEndObject();
        }));
    }

    private void fleetDiff(final HttpServerExchange exchange) throws Problem, SQLException
    {
        final Instant from = instant(exchange, "from");
        final Instant to = instant(exchange, "to");
        window(from, to);
        final long lookbackS = number(exchange, "lookbackS", DEFAULT_LOOKBACK_S, 1, MAX_WINDOW.toSeconds());
        final Map<Long, HistoryStore.Sample> before = store.fleetAt(from, lookbackS);
        final Map<Long, HistoryStore.Sample> after = store.fleetAt(to, lookbackS);
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

    private void near(final HttpServerExchange exchange) throws Problem, SQLException
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
        final List<HistoryStore.NearHit> hits = store.near(lat, lon, radiusM, from, to);
        respond(exchange, 200, "application/json", null, JsonText.of(out ->
        {
            out.writeStartObject();
            out.writeNumberField("lat", lat);
            out.writeNumberField("lon", lon);
            out.writeNumberField("radiusM", radiusM);
            out.writeStringField("from", from.toString());
            out.writeStringField("to", to.toString());
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
        try
        {
            return Instant.parse(value);
        }
        catch (final DateTimeParseException ex)
        {
            throw Problem.badRequest("'" + name + "' must be an ISO-8601 instant such as 2026-12-01T14:00:00Z, got '" +
                value + "'");
        }
    }

    private static void window(final Instant from, final Instant to) throws Problem
    {
        if (!from.isBefore(to))
        {
            throw Problem.badRequest("'from' must be before 'to'");
        }
        if (Duration.between(from, to).compareTo(MAX_WINDOW) > 0)
        {
            throw Problem.badRequest("the window may span at most " + MAX_WINDOW.toDays() + " days");
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
        exchange.getResponseSender().send(body);
    }

    static void problem(final HttpServerExchange exchange, final Problem problem)
    {
        respond(exchange, problem.status, "application/problem+json", null, JsonText.of(out ->
        {
            out.writeStartObject();
            out.writeStringField("type", "urn:odyssey:problem:" + problem.type);
            out.writeStringField("title", problem.title());
            out.writeNumberField("status", problem.status);
            out.writeStringField("detail", problem.getMessage());
            out.writeStringField("instance", exchange.getRequestPath());
            out.writeEndObject();
        }));
    }
}
