package io.odyssey.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.Console;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The orders an operator gives drones, one subcommand each; what they share (drones, expiry, idempotency key,
 * {@code --wait}) is {@link OrderCommand}. Each maps to one command {@code type} of docs/api/commands.md.
 */
final class Orders
{
    private Orders()
    {
    }

    /** An order that takes nothing but its drones. */
    abstract static class DronesOnly extends OrderCommand
    {
        @Parameters(paramLabel = "ID", arity = "0..*", description = "The drones (one or more ids).")
        List<String> ids = new ArrayList<>();

        List<String> droneArguments()
        {
            return ids;
        }
    }

    @Command(name = "takeoff", description = "Take off and hover above home.")
    static final class Takeoff extends DronesOnly
    {
        @Option(names = "--alt", paramLabel = "M",
            description = "Hover this many metres above home (1..500; the gateway's default: 30).")
        Double alt;

        String type()
        {
            return "takeoff";
        }

        void parameters(final ObjectNode body)
        {
            if (alt != null)
            {
                body.put("alt", checked(alt, OrderBounds.altitude("--alt", alt)));
            }
        }
    }

    @Command(name = "goto",
        customSynopsis = {"odyssey-cli goto [ID...] LAT LON [--alt=M] [--speed=MPS] [OPTIONS]",
            "odyssey-cli goto [ID...] --to=LAT,LON [--alt=M] [--speed=MPS] [OPTIONS]"},
        description = {"Fly to a point and hover there.",
            "The last two arguments are the point (LAT LON, degrees), the ones before it the drones; or give the " +
                "point as --to LAT,LON and every argument is a drone."})
    static final class Goto extends OrderCommand
    {
        @Parameters(paramLabel = "ARG", arity = "0..*", description = "The drone ids, then LAT LON (unless --to).")
        List<String> arguments = new ArrayList<>();

        @Option(names = "--to", paramLabel = "LAT,LON", converter = GeoArgs.PointConverter.class,
            description = "The point, instead of the last two arguments.")
        GeoArgs.Point to;

        @Option(names = "--alt", paramLabel = "M", description = "Altitude above home, 1..500 m (default: keep the altitude).")
        Double alt;

        @Option(names = "--speed", paramLabel = "MPS", description = "Cruise speed, 1..60 m/s (default: the drone's).")
        Double speed;

        String type()
        {
            return "goto";
        }

        List<String> droneArguments()
        {
            if (to != null)
            {
                return arguments;
            }
            if (arguments.size() < 2)
            {
                throw usage("where to? give LAT LON after the drone ids, or --to LAT,LON");
            }
            return arguments.subList(0, arguments.size() - 2);
        }

        void parameters(final ObjectNode body)
        {
            final GeoArgs.Point point;
            if (to != null)
            {
                point = to;
            }
            else
            {
                point = new GeoArgs.Point(number(arguments.get(arguments.size() - 2), "LAT"),
                    number(arguments.get(arguments.size() - 1), "LON"));
                try
                {
                    GeoArgs.checkLatLon(point.lat(), point.lon());
                }
                catch (final CommandLine.TypeConversionException ex)
                {
                    throw usage(ex.getMessage());
                }
            }
            body.put("lat", point.lat());
            body.put("lon", point.lon());
            if (alt != null)
            {
                body.put("alt", checked(alt, OrderBounds.altitude("--alt", alt)));
            }
            if (speed != null)
            {
                body.put("speed", checked(speed, OrderBounds.speed("--speed", speed)));
            }
        }
    }

    @Command(name = "mission",
        description = {"Fly a route of waypoints from a file.",
            "FILE is JSON (an array of {\"lat\",\"lon\",\"alt\"?,\"speed\"?,\"holdS\"?}, or {\"waypoints\":[...]}), " +
                "CSV (a header row lat,lon[,alt,speed,holdS], one waypoint a row) or GeoJSON (a LineString or " +
                "MultiPoint, or Point features with optional properties alt, speed, holdS; positions are " +
                "[lon,lat(,alt)]). The extension (.csv, .geojson) or else the content tells which. A file that cannot " +
                "be used is exit 2, with the line that is wrong."})
    static final class Mission extends DronesOnly
    {
        @Option(names = "--file", paramLabel = "FILE", required = true, description = "The waypoints.")
        Path file;

        String type()
        {
            return "mission";
        }

        void parameters(final ObjectNode body)
        {
            body.set("waypoints", MissionFile.read(file));
        }
    }

    @Command(name = "hold", description = "Stop and hover where you are (completed once slower than 0.5 m/s).")
    static final class Hold extends DronesOnly
    {
        String type()
        {
            return "hold";
        }
    }

    @Command(name = "resume", description = "Go on with what the drone was doing before a hold.")
    static final class Resume extends DronesOnly
    {
        String type()
        {
            return "resume";
        }
    }

    @Command(name = "rth", aliases = "return-to-home",
        description = "Return to home and land (the command type return-to-home; completed once grounded at home).")
    static final class ReturnHome extends DronesOnly
    {
        String type()
        {
            return "return-to-home";
        }
    }

    @Command(name = "land", description = "Land where you are (completed once grounded).")
    static final class Land extends DronesOnly
    {
        String type()
        {
            return "land";
        }
    }

    @Command(name = "stop",
        description = {"Emergency stop: drop whatever the drone is doing and come down (completed once grounded).",
            "For more than one drone (several ids, or any --status/--bbox selection) give --yes, or confirm at the " +
                "prompt; without a terminal to ask on, an unconfirmed stop sends nothing and exits 2."})
    static final class Stop extends DronesOnly
    {
        @Option(names = "--yes", description = "Do not ask before stopping several drones.")
        boolean yes;

        String type()
        {
            return "stop";
        }

        boolean confirmed(final String drones)
        {
            if (yes || (ids.size() == 1 && status == null && bbox == null))
            {
                return true;
            }
            final Console console = System.console();
            if (console == null)
            {
                throw usage("an emergency stop of " + drones + " needs --yes (there is no terminal to ask on)");
            }
            final String answer = console.readLine("Emergency stop for %s? Type 'stop' to confirm: ", drones);
            return answer != null && "stop".equals(answer.strip());
        }
    }

    @Command(name = "set-speed",
        customSynopsis = "odyssey-cli set-speed [ID...] MPS [OPTIONS]",
        description = {"Change the cruise speed of the current and later flights.",
            "The last argument is the speed in m/s (1..60), the ones before it the drones."})
    static final class SetSpeed extends OrderCommand
    {
        @Parameters(paramLabel = "ARG", arity = "0..*", description = "The drone ids, then the speed in m/s.")
        List<String> arguments = new ArrayList<>();

        String type()
        {
            return "set-speed";
        }

        List<String> droneArguments()
        {
            if (arguments.isEmpty())
            {
                throw usage("how fast? give the speed in m/s after the drone ids");
            }
            return arguments.subList(0, arguments.size() - 1);
        }

        void parameters(final ObjectNode body)
        {
            final double speed = number(arguments.get(arguments.size() - 1), "MPS");
            body.put("speed", checked(speed, OrderBounds.speed("MPS", speed)));
        }
    }
}
