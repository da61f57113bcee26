package io.odyssey.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code odyssey-cli history}: the fleet's past through the gateway's history API (docs/api/history.md). Times are
 * ISO-8601 instants or ages such as {@code 10m} (ten minutes ago); {@code --last 10m} is the window up to now.
 */
@Command(name = "history", mixinStandardHelpOptions = true,
    description = "The fleet's past from the archive: tracks, the fleet at an instant, changes, drones near a point.",
    subcommands = {HistoryCommand.Track.class, HistoryCommand.Fleet.class, HistoryCommand.Diff.class,
        HistoryCommand.Near.class})
final class HistoryCommand
{
    private static final Pattern AGE = Pattern.compile("(\\d+)\\s*(s|m|h|d)");

    /** A window: --from/--to, or --last AGE. */
    static class Window
    {
        @Option(names = "--from", paramLabel = "TIME", description = "Start: an ISO-8601 instant or an age (10m, 2h).")
        String from;

        @Option(names = "--to", paramLabel = "TIME", description = "End (default now): an ISO-8601 instant or an age.")
        String to;

        @Option(names = "--last", paramLabel = "AGE", description = "The window up to now, e.g. 10m, 2h, 1d.")
        String last;

        String query(final Instant now)
        {
            final Instant end = last != null || to == null ? now : time(to, now, "--to");
            final Instant start;
            if (last != null)
            {
                start = now.minus(age(last, "--last"));
            }
            else if (from != null)
            {
                start = time(from, now, "--from");
            }
            else
            {
                throw new IllegalArgumentException("give --last AGE, or --from TIME [--to TIME]");
            }
            return "from=" + start + "&to=" + end;
        }
    }

    static Instant time(final String text, final Instant now, final String option)
    {
        try
        {
            return Instant.parse(text);
        }
        catch (final DateTimeParseException ex)
        {
            return now.minus(age(text, option));
        }
    }

    static Duration age(final String text, final String option)
    {
        final Matcher matcher = AGE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!matcher.matches())
        {
            throw new IllegalArgumentException(option + " takes an ISO-8601 instant or an age such as 30s, 10m, 2h, 1d; got '" +
                text + "'");
        }
        final long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2))
        {
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
    }

    @Command(name = "track", mixinStandardHelpOptions = true,
        description = "A drone's track: distance flown, max altitude, battery used; or the track itself as GeoJSON, GPX or CSV.")
    static final class Track implements Callable<Integer>
    {
        @CommandLine.Mixin
        GatewayOptions common = new GatewayOptions();
        @CommandLine.Mixin
        Window window = new Window();

        @Parameters(paramLabel = "ID", description = "The drone.")
        long droneId;

        @Option(names = "--max-points", paramLabel = "N", defaultValue = "1000", description = "Point budget (default ${DEFAULT-VALUE}).")
        int maxPoints;

        @Option(names = "--format", paramLabel = "FORMAT", description = "Export the track: geojson, gpx or csv.")
        String format;

        @Option(names = "--out", paramLabel = "FILE", description = "Write the export to FILE instead of standard output.")
        Path file;

        public Integer call() throws Exception
        {
            final String exportFormat = format == null ? "geojson" : format.toLowerCase(Locale.ROOT);
            final HttpResponse<String> response = common.get("/api/v1/history/drones/" + droneId + "/track?" +
                window.query(Instant.now()) + "&maxPoints=" + maxPoints + "&format=" + GatewayOptions.encode(exportFormat));
            if (format != null || common.json)
            {
                if (file != null)
                {
                    Files.writeString(file, response.body());
                    common.out().printf("wrote %s (%d bytes)%n", file, response.body().length());
                }
                else if ("geojson".equals(exportFormat))
                {
                    common.printJson(response);
                }
                else
                {
                    // GPX or CSV: lines of text, printed through the terminal filter of out().
                    common.out().print(response.body());
                    common.out().flush();
                }
                return 0;
            }
            final JsonNode p = common.json(response).path("properties");
            final PrintWriter out = common.out();
            out.printf(Locale.ROOT, "drone %d, %s .. %s%n", p.path("droneId").asLong(), p.path("from").asText(),
                p.path("to").asText());
            out.printf(Locale.ROOT, "  frames          %d%n", p.path("frames").asLong());
            out.printf(Locale.ROOT, "  distance flown  %.1f m%n", p.path("distanceM").asDouble());
            out.printf(Locale.ROOT, "  max altitude    %.1f m%n", p.path("maxAltitudeM").asDouble());
            out.printf(Locale.ROOT, "  battery used    %.1f %%%n", p.path("batteryUsedPct").asDouble());
            return 0;
        }
    }

    @Command(name = "fleet", mixinStandardHelpOptions = true, description = "Every drone's state at an instant.")
    static final class Fleet implements Callable<Integer>
    {
        @CommandLine.Mixin
        GatewayOptions common = new GatewayOptions();

        @Option(names = "--at", paramLabel = "TIME", required = true, description = "An ISO-8601 instant or an age (10m).")
        String at;

        @Option(names = "--lookback", paramLabel = "SECONDS", defaultValue = "300",
            description = "Drones unheard this long before the instant had left (default ${DEFAULT-VALUE}).")
        long lookbackS;

        public Integer call() throws Exception
        {
            final HttpResponse<String> response = common.get("/api/v1/history/fleet?at=" + time(at, Instant.now(), "--at") +
                "&lookbackS=" + lookbackS);
            if (common.json)
            {
                common.printJson(response);
                return 0;
            }
            final JsonNode fleet = common.json(response);
            final PrintWriter out = common.out();
            out.printf(Locale.ROOT, "fleet at %s: %d drones%n", fleet.path("at").asText(), fleet.path("count").asInt());
            out.printf(Locale.ROOT, "%8s %-12s %10s %11s %8s %7s  %s%n", "id", "status", "lat", "lon", "alt m", "bat %", "last heard");
            for (final JsonNode d : fleet.path("drones"))
            {
                out.printf(Locale.ROOT, "%8d %-12s %10.5f %11.5f %8.1f %7.1f  %s%n", d.path("id").asLong(),
                    d.path("status").asText(), d.path("lat").asDouble(), d.path("lon").asDouble(),
                    d.path("alt").asDouble(), d.path("bat").asDouble(), d.path("time").asText());
            }
            return 0;
        }
    }

    @Command(name = "diff", mixinStandardHelpOptions = true, description = "What changed in the fleet between two instants.")
    static final class Diff implements Callable<Integer>
    {
        @CommandLine.Mixin
        GatewayOptions common = new GatewayOptions();

        @Option(names = "--from", paramLabel = "TIME", required = true, description = "An ISO-8601 instant or an age.")
        String from;

        @Option(names = "--to", paramLabel = "TIME", description = "An ISO-8601 instant or an age (default now).")
        String to;

        public Integer call() throws Exception
        {
            final Instant now = Instant.now();
            final HttpResponse<String> response = common.get("/api/v1/history/fleet/diff?from=" + time(from, now, "--from") + "&to=" +
                (to == null ? now : time(to, now, "--to")));
            if (common.json)
            {
                common.printJson(response);
                return 0;
            }
            final JsonNode diff = common.json(response);
            final PrintWriter out = common.out();
            out.printf("added:   %s%n", diff.path("added"));
            out.printf("removed: %s%n", diff.path("removed"));
            out.printf(Locale.ROOT, "%8s %10s %10s %10s  %s%n", "id", "moved m", "alt +/- m", "bat +/- %", "status");
            for (final JsonNode c : diff.path("changed"))
            {
                out.printf(Locale.ROOT, "%8d %10.1f %10.1f %10.1f  %s%n", c.path("id").asLong(), c.path("movedM").asDouble(),
                    c.path("altitudeChangeM").asDouble(), c.path("batteryChangePct").asDouble(),
                    c.path("statusFrom").asText().equals(c.path("statusTo").asText()) ? c.path("statusTo").asText() :
                        c.path("statusFrom").asText() + " -> " + c.path("statusTo").asText());
            }
            return 0;
        }
    }

    @Command(name = "near", mixinStandardHelpOptions = true,
        description = "Drones that came within a radius of a point during a window.")
    static final class Near implements Callable<Integer>
    {
        @CommandLine.Mixin
        GatewayOptions common = new GatewayOptions();
        @CommandLine.Mixin
        Window window = new Window();

        @Parameters(paramLabel = "LAT,LON,RADIUS_M", split = ",", arity = "1",
            description = "The point and the radius in metres, e.g. 52.52,13.405,500.")
        double[] place;

        public Integer call() throws Exception
        {
            if (place.length != 3)
            {
                throw new CommandLine.ParameterException(common.spec.commandLine(),
                    "give LAT,LON,RADIUS_M, e.g. 52.52,13.405,500");
            }
            final HttpResponse<String> response = common.get("/api/v1/history/near?lat=" + place[0] + "&lon=" + place[1] +
                "&radiusM=" + place[2] + "&" + window.query(Instant.now()));
            if (common.json)
            {
                common.printJson(response);
                return 0;
            }
            final JsonNode near = common.json(response);
            final PrintWriter out = common.out();
            out.printf(Locale.ROOT, "%d drones within %.0f m of %.5f,%.5f%n", near.path("drones").size(),
                near.path("radiusM").asDouble(), near.path("lat").asDouble(), near.path("lon").asDouble());
            out.printf(Locale.ROOT, "%8s %11s %8s  %-24s %s%n", "id", "closest m", "frames", "first seen", "last seen");
            for (final JsonNode d : near.path("drones"))
            {
                out.printf(Locale.ROOT, "%8d %11.1f %8d  %-24s %s%n", d.path("id").asLong(), d.path("closestM").asDouble(),
                    d.path("frames").asLong(), d.path("firstSeen").asText(), d.path("lastSeen").asText());
            }
            return 0;
        }
    }
}
