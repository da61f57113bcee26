package io.odyssey.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code odyssey-cli drones}: the live fleet through {@code GET /api/v1/drones} (docs/api/commands.md; drone objects as
 * in docs/api/websocket.md). Also where a drone's one-line form lives, which {@code watch} prints too.
 */
@Command(name = "drones", mixinStandardHelpOptions = true,
    description = "The live fleet: list (filtered), one drone with its recent commands, and drones' link keys.",
    subcommands = {DronesCommand.ListDrones.class, DronesCommand.Show.class, DroneKeysCommand.class})
final class DronesCommand
{
    /** The names of the bits of a drone's {@code flags}, lowest first. */
    private static final String[] FLAGS = {"LOW_BATTERY", "GPS_DEGRADED", "GEOFENCE_BREACH", "SIMULATED",
        "MANUAL_CONTROL"};
    /** The header over {@link #line} rows. */
    static final String HEADER = String.format(Locale.ROOT, "%8s  %-10s  %11s  %11s  %7s  %6s  %6s  %-10s  %s", "id",
        "status", "lat", "lon", "alt m", "m/s", "bat %", "node", "age");

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The drones flying now, by id.")
    static final class ListDrones implements Callable<Integer>
    {
        @CommandLine.Mixin
        GatewayOptions gateway = new GatewayOptions();

        @Option(names = "--status", paramLabel = "STATUS",
            description = "Only drones in this status: GROUNDED, TAKING_OFF, CRUISING, HOVERING, LANDING, RETURNING, EMERGENCY.")
        String status;

        @Option(names = "--near", paramLabel = "LAT,LON,RADIUS_M", converter = GeoArgs.CircleConverter.class,
            description = "Only drones within RADIUS_M metres of the point.")
        GeoArgs.Circle near;

        @Option(names = "--bbox", paramLabel = "W,S,E,N", converter = GeoArgs.BoxConverter.class,
            description = "Only drones inside the box (degrees).")
        GeoArgs.Box bbox;

        @Option(names = "--limit", paramLabel = "N", description = "At most N drones (the gateway's default: 1000).")
        Integer limit;

        public Integer call() throws Exception
        {
            final List<String> query = new ArrayList<>();
            if (status != null)
            {
                query.add("status=" + GatewayOptions.encode(status.toUpperCase(Locale.ROOT)));
            }
            if (near != null)
            {
                query.add("near=" + near.query());
            }
            if (bbox != null)
            {
                query.add("bbox=" + bbox.query());
            }
            if (limit != null)
            {
                query.add("limit=" + limit);
            }
            final HttpResponse<String> response = gateway.get("/api/v1/drones" +
                (query.isEmpty() ? "" : "?" + String.join("&", query)));
            if (gateway.json)
            {
                gateway.printJson(response);
                return 0;
            }
            final JsonNode body = gateway.json(response);
            final PrintWriter out = gateway.out();
            out.printf("%d drones%n", body.path("count").asInt(body.path("drones").size()));
            out.println(HEADER);
            final long nowMs = gateway.clock().millis();
            for (final JsonNode drone : body.path("drones"))
            {
                out.println(line(drone, nowMs));
            }
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One drone's live state and its recent commands.")
    static final class Show implements Callable<Integer>
    {
        @CommandLine.Mixin
        GatewayOptions gateway = new GatewayOptions();

        @Parameters(paramLabel = "ID", description = "The drone.")
        long droneId;

        public Integer call() throws Exception
        {
            final HttpResponse<String> response = gateway.get("/api/v1/drones/" + droneId);
            if (gateway.json)
            {
                gateway.printJson(response);
                return 0;
            }
            final JsonNode d = gateway.json(response);
            final PrintWriter out = gateway.out();
            out.printf("drone %d  %s%n", d.path("id").asLong(), d.path("status").asText());
            out.printf(Locale.ROOT, "  position   %s, %s  alt %s m%n", TextTable.number(d.path("lat"), 6),
                TextTable.number(d.path("lon"), 6), TextTable.number(d.path("alt"), 1));
            out.printf(Locale.ROOT, "  motion     %s m/s heading %s, climb %s m/s%n", TextTable.number(d.path("spd"), 1),
                TextTable.number(d.path("hdg"), 0), TextTable.number(d.path("climb"), 1));
            out.printf(Locale.ROOT, "  battery    %s %%%n", TextTable.number(d.path("bat"), 1));
            out.printf("  flags      %s%n", flags(d.path("flags").asInt()));
            out.printf("  node       %s, seq %s, telemetry age %s%n", TextTable.text(d.path("node")),
                TextTable.text(d.path("seq")), age(d, gateway.clock().millis()));
            out.println();
            final JsonNode commands = d.path("commands");
            out.printf("%d recent commands%n", commands.size());
            if (!commands.isEmpty())
            {
                CommandsCommand.table(commands).print(out);
            }
            return 0;
        }
    }

    /** One drone on one line, under {@link #HEADER}: {@code drones list} and {@code watch} print these. */
    static String line(final JsonNode drone, final long nowMs)
    {
        return Terminal.line(String.format(Locale.ROOT, "%8d  %-10s  %11s  %11s  %7s  %6s  %6s  %-10s  %s", drone.path("id").asLong(),
            drone.path("status").asText(), TextTable.number(drone.path("lat"), 6), TextTable.number(drone.path("lon"), 6),
            TextTable.number(drone.path("alt"), 1), TextTable.number(drone.path("spd"), 1),
            TextTable.number(drone.path("bat"), 1), TextTable.text(drone.path("node")), age(drone, nowMs)));
    }

    /** How old the drone's last telemetry is, from its send stamp ({@code sentAtNs}, a decimal string). */
    static String age(final JsonNode drone, final long nowMs)
    {
        final long sentAtNs;
        try
        {
            sentAtNs = Long.parseLong(drone.path("sentAtNs").asText());
        }
        catch (final NumberFormatException ex)
        {
            return "-";
        }
        final long ms = nowMs - sentAtNs / 1_000_000L;
        if (Math.abs(ms) < 10_000)
        {
            return String.format(Locale.ROOT, "%.1fs", ms / 1000.0);
        }
        if (Math.abs(ms) < 120_000)
        {
            return ms / 1000 + "s";
        }
        return Math.abs(ms) < 7_200_000 ? ms / 60_000 + "m" : ms / 3_600_000 + "h";
    }

    static String flags(final int flags)
    {
        final StringBuilder names = new StringBuilder();
        for (int bit = 0; bit < FLAGS.length; bit++)
        {
            if ((flags & (1 << bit)) != 0)
            {
                names.append(names.length() == 0 ? "" : " ").append(FLAGS[bit]);
            }
        }
        return names.length() == 0 ? "-" : names.toString();
    }
}
