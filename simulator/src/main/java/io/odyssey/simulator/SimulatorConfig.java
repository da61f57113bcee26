package io.odyssey.simulator;

import io.odyssey.runtime.Endpoints;
import io.odyssey.runtime.IdleStrategies;
import io.odyssey.runtime.ProgressWatch;
import io.odyssey.runtime.Setting;

import java.util.List;

/**
 * Every setting of the simulator process, with defaults; read from the environment, then system properties. The
 * constructor reads them; tests set the public fields; {@link #conclude()} validates.
 */
public final class SimulatorConfig
{
    public static final Setting DRONES = Setting.of("ODYSSEY_SIM_DRONES", "50", "Number of drones this process flies (1..100000)");
    public static final Setting FIRST_ID = Setting.of(
        "ODYSSEY_SIM_FIRST_ID", "1", "Id of the first drone; processes flying side by side use distinct ranges");
    public static final Setting RATE_HZ = Setting.of("ODYSSEY_SIM_RATE_HZ", "10", "Telemetry frames per second per drone (0.1..100)");
    public static final Setting ENDPOINTS = Setting.of(
        "ODYSSEY_SIM_ENDPOINTS", "127.0.0.1:40123", "Ingest endpoints (host:port, comma-separated); drones are sharded by id");
    public static final Setting STREAM_ID = Setting.of("ODYSSEY_SIM_STREAM_ID", "1001", "Aeron stream id of telemetry");
    public static final Setting SEED = Setting.of("ODYSSEY_SIM_SEED", "42", "Seed of the patrols: the same seed flies the same paths");
    public static final Setting CENTER = Setting.of("ODYSSEY_SIM_CENTER", "52.5200,13.4050", "Centre of the patrol area, lat,lon");
    public static final Setting RADIUS_M = Setting.of("ODYSSEY_SIM_RADIUS_M", "3000", "Radius of the patrol area, metres");
    public static final Setting CRUISE_SPEED_MPS = Setting.of("ODYSSEY_SIM_CRUISE_SPEED_MPS", "12", "Cruise speed, m/s");
    public static final Setting HEARTBEAT_INTERVAL_MS = Setting.of(
        "ODYSSEY_SIM_HEARTBEAT_INTERVAL_MS", "1000", "Heartbeat interval per drone, ms");
    public static final Setting AERON_DIR = Setting.of(
        "ODYSSEY_SIM_AERON_DIR", "", "Directory of the embedded Aeron media driver (default: a private one under /dev/shm)");
    public static final Setting IDLE_STRATEGY = Setting.of(
        "ODYSSEY_SIM_IDLE_STRATEGY", "backoff", "Idle strategy of the publishing thread: backoff, busy, yield, sleep");
    public static final Setting STATUS_HOST = Setting.of("ODYSSEY_SIM_STATUS_HOST", "127.0.0.1", "Interface of /health and /metrics");
    public static final Setting STATUS_PORT = Setting.of("ODYSSEY_SIM_STATUS_PORT", "9103", "Port of /health and /metrics (0 = any)");
    public static final Setting COMMAND_ENDPOINT = Setting.of("ODYSSEY_SIM_COMMAND_ENDPOINT", "127.0.0.1:40125",
        "Where the drones take commands (Aeron UDP host:port; port 0 = any free one; none = take no commands)");
    public static final Setting COMMAND_STREAM_ID = Setting.of(
        "ODYSSEY_SIM_COMMAND_STREAM_ID", "1002", "Aeron stream id of commands");
    public static final Setting COMMAND_ADVERTISE = Setting.of("ODYSSEY_SIM_COMMAND_ADVERTISE", "",
        "IPv4 address or host name, optionally with :port, the heartbeats give as the command endpoint (default: the " +
        "endpoint's host, for 0.0.0.0 this host's address, and the port listened on; a port forwarded to it through NAT)");
    public static final Setting COMMAND_CONTROL_ENDPOINTS = Setting.of("ODYSSEY_SIM_COMMAND_CONTROL_ENDPOINTS", "",
        "Per ingest endpoint, in the same order, the ingest node's command control endpoint (host:port, its " +
        "ODYSSEY_INGEST_COMMAND_CONTROL_ENDPOINT): the drones open a command channel through it that works behind NAT; " +
        "empty = none (commands only at the advertised endpoint)");
    public static final Setting TIME_SCALE = Setting.of("ODYSSEY_SIM_TIME_SCALE", "1",
        "Simulated seconds per real second (0.1..100): each telemetry step moves the drones dt * scale");
    public static final Setting FAILSAFE_BATTERY_PCT = Setting.of("ODYSSEY_SIM_FAILSAFE_BATTERY_PCT", "25",
        "Battery % below which an airborne drone flies home on its own (earlier if home is far); 0 to under 60");
    public static final Setting BATTERY_DRAIN_FACTOR = Setting.of("ODYSSEY_SIM_BATTERY_DRAIN_FACTOR", "1",
        "Multiplies the battery drain aloft (0..1000; 0 = never runs down; well above 1 the failsafe's reserve " +
        "no longer suffices and drones may land empty)");

    public static final Setting DRONE_KEYS = Setting.of("ODYSSEY_SIM_DRONE_KEYS", ".odyssey/drone-keys",
        "Key file of the drones' link keys (owner-only; the ingest nodes' ODYSSEY_INGEST_DRONE_KEYS holds the same " +
        "drones): every frame is signed with its drone's key, and only commands signed with it are obeyed. Required");

    public static final Setting MAVLINK_DRONES = Setting.of("ODYSSEY_SIM_MAVLINK_DRONES", "0",
        "How many of this process's drones (the last ones) speak MAVLink 2 to a MAVLink edge, as PX4 vehicles, instead of SBE to ingest (0..255; system ids 1..n)");
    public static final Setting MAVLINK_EDGE = Setting.of("ODYSSEY_SIM_MAVLINK_EDGE", "127.0.0.1:14550",
        "host:port of the MAVLink edge the MAVLink drones send to");
    public static final Setting MAVLINK_DROP_ACKS = Setting.of("ODYSSEY_SIM_MAVLINK_DROP_ACKS", "0",
        "Test hook: the first N COMMAND_ACKs the MAVLink drones would send are lost (a lossy radio), so the edge's retries show");
    public static final Setting MAVLINK_BUSY_COMMANDS = Setting.of("ODYSSEY_SIM_MAVLINK_BUSY_COMMANDS", "0",
        "Test hook: the first N commands the MAVLink drones get are answered TEMPORARILY_REJECTED and not acted on (a busy autopilot), so the edge's asking again shows");
    public static final Setting MAVLINK_MODE_SWITCHES = Setting.of("ODYSSEY_SIM_MAVLINK_MODE_SWITCHES", "",
        "Test and drill hook: DRONE:MODE:SECONDS, comma-separated: each named MAVLink drone switches flight mode by " +
        "itself SECONDS (real time) after it accepts its first order to move (take-off, reposition, mission start), " +
        "once: POSCTL, a pilot taking over on the RC (it stops and holds where it is until an order from the ground " +
        "takes it back), or RTL, a failsafe (it flies home and lands)");
    public static final List<Setting> ALL = List.of(DRONES, FIRST_ID, RATE_HZ, ENDPOINTS, STREAM_ID, SEED, CENTER, RADIUS_M,
        CRUISE_SPEED_MPS, HEARTBEAT_INTERVAL_MS, AERON_DIR, IDLE_STRATEGY, STATUS_HOST, STATUS_PORT, COMMAND_ENDPOINT,
        COMMAND_STREAM_ID, COMMAND_ADVERTISE, COMMAND_CONTROL_ENDPOINTS, TIME_SCALE, FAILSAFE_BATTERY_PCT, BATTERY_DRAIN_FACTOR,
        DRONE_KEYS, MAVLINK_DRONES, MAVLINK_EDGE, MAVLINK_DROP_ACKS, MAVLINK_BUSY_COMMANDS,
        MAVLINK_MODE_SWITCHES, ProgressWatch.LIVENESS_TIMEOUT_S);

    /**
     * The drones' keys, read now; every drone this process flies must have one (a drone that cannot sign would only be
     * refused by every ingest node).
     */
    public io.odyssey.codecs.sign.DroneKeyRing droneKeyRing()
    {
        final io.odyssey.codecs.sign.DroneKeyRing ring =
            io.odyssey.codecs.sign.DroneKeyRing.load(DRONE_KEYS, java.nio.file.Path.of(droneKeys));
        long missing = 0;
        long firstMissing = 0;
        for (long id = firstId; id < firstId + drones; id++)
        {
            if (ring.keys().entry(id) == null && missing++ == 0)
            {
                firstMissing = id;
            }
        }
        if (missing > 0)
        {
            throw DRONE_KEYS.invalid(droneKeys, "a key for every drone flown (ids " + firstId + ".." +
                (firstId + drones - 1) + "); " + missing + " have none, the first is drone " + firstMissing);
        }
        return ring;
    }

    /** Value of {@link #COMMAND_ENDPOINT} that turns commands off (a blank variable means "the default"). */
    public static final String NO_COMMANDS = "none";
    /** Highest drone id: what every part of Odyssey accepts (2^53 - 1, what a JSON client reads exactly). */
    public static final long MAX_DRONE_ID = io.odyssey.codecs.TelemetryFrameReader.MAX_DRONE_ID;

    public int drones = DRONES.intValue();
    public long firstId = FIRST_ID.longValue();
    public double rateHz = RATE_HZ.doubleValue();
    public List<String> endpoints = Endpoints.parse(ENDPOINTS, ENDPOINTS.get());
    public int streamId = STREAM_ID.intValue();
    public long seed = SEED.longValue();
    public double centerLat;
    public double centerLon;
    public double radiusM = RADIUS_M.doubleValue();
    public double cruiseSpeedMps = CRUISE_SPEED_MPS.doubleValue();
    public long heartbeatIntervalMs = HEARTBEAT_INTERVAL_MS.longValue();
    public String aeronDir = AERON_DIR.get();
    public String idleStrategy = IDLE_STRATEGY.get();
    public String statusHost = STATUS_HOST.get();
    public int statusPort = STATUS_PORT.intValue();
    /** host:port, or empty / {@link #NO_COMMANDS} for none. */
    public String commandEndpoint = COMMAND_ENDPOINT.get();
    public int commandStreamId = COMMAND_STREAM_ID.intValue();
    /** Blank: the endpoint's host. */
    public String commandAdvertise = COMMAND_ADVERTISE.get();
    /** Empty, or one per entry of {@link #endpoints}. */
    public List<String> commandControlEndpoints = COMMAND_CONTROL_ENDPOINTS.get().isBlank() ? List.of() :
        Endpoints.parse(COMMAND_CONTROL_ENDPOINTS, COMMAND_CONTROL_ENDPOINTS.get());
    public double timeScale = TIME_SCALE.doubleValue();
    public double failsafeBatteryPct = FAILSAFE_BATTERY_PCT.doubleValue();
    public double batteryDrainFactor = BATTERY_DRAIN_FACTOR.doubleValue();
    public long livenessTimeoutS = ProgressWatch.LIVENESS_TIMEOUT_S.longValue();
    public String droneKeys = DRONE_KEYS.get();
    public int mavlinkDrones = MAVLINK_DRONES.intValue();
    public String mavlinkEdge = MAVLINK_EDGE.get();
    public int mavlinkDropAcks = MAVLINK_DROP_ACKS.intValue();
    public int mavlinkBusyCommands = MAVLINK_BUSY_COMMANDS.intValue();
    /** {@link #MAVLINK_MODE_SWITCHES}' text; {@link #conclude()} reads it into {@link #mavlinkModeSwitches()}. */
    public String mavlinkModeSwitches = MAVLINK_MODE_SWITCHES.get();
    private List<MavlinkModeSwitch> modeSwitches = List.of();

    public SimulatorConfig()
    {
        final String[] center = CENTER.get().split(",");
        if (center.length != 2)
        {
            throw CENTER.invalid(CENTER.get(), "lat,lon");
        }
        try
        {
            centerLat = Double.parseDouble(center[0].trim());
            centerLon = Double.parseDouble(center[1].trim());
        }
        catch (final NumberFormatException ex)
        {
            throw CENTER.invalid(CENTER.get(), "lat,lon in degrees");
        }
    }

    /**
     * Checks every value, failing with a {@link io.odyssey.runtime.ConfigurationException} that names the setting.
     *
     * @return this.
     */
    public SimulatorConfig conclude()
    {
        if (drones < 1 || drones > 100_000)
        {
            throw DRONES.invalid(String.valueOf(drones), "between 1 and 100000");
        }
        if (firstId < 1 || firstId > MAX_DRONE_ID - drones)
        {
            throw FIRST_ID.invalid(String.valueOf(firstId), "a positive id with id + drones below " + MAX_DRONE_ID);
        }
        if (mavlinkDrones < 0 || mavlinkDrones > Math.min(255, drones))
        {
            throw MAVLINK_DRONES.invalid(String.valueOf(mavlinkDrones), "between 0 and 255, at most the drones flown");
        }
        if (mavlinkDropAcks < 0)
        {
            throw MAVLINK_DROP_ACKS.invalid(String.valueOf(mavlinkDropAcks), "0 or more");
        }
        if (mavlinkBusyCommands < 0)
        {
            throw MAVLINK_BUSY_COMMANDS.invalid(String.valueOf(mavlinkBusyCommands), "0 or more");
        }
        modeSwitches = MavlinkModeSwitch.parse(MAVLINK_MODE_SWITCHES, mavlinkModeSwitches,
            firstId + drones - mavlinkDrones, firstId + drones - 1);
        if (mavlinkDrones > 0)
        {
            final int colon = mavlinkEdge == null ? -1 : mavlinkEdge.lastIndexOf(':');
            if (colon <= 0)
            {
                throw MAVLINK_EDGE.invalid(String.valueOf(mavlinkEdge), "host:port");
            }
            final int port = MAVLINK_EDGE.parseInt(mavlinkEdge.substring(colon + 1).trim());
            if (port < 1 || port > 65535)
            {
                throw MAVLINK_EDGE.invalid(mavlinkEdge, "a port between 1 and 65535");
            }
        }
        if (!(rateHz >= 0.1 && rateHz <= 100))
        {
            throw RATE_HZ.invalid(String.valueOf(rateHz), "between 0.1 and 100");
        }
        if (endpoints == null || endpoints.isEmpty())
        {
            throw ENDPOINTS.invalid(String.valueOf(endpoints), "at least one host:port");
        }
        endpoints = Endpoints.parse(ENDPOINTS, String.join(",", endpoints));
        if (streamId == 0)
        {
            throw STREAM_ID.invalid("0", "a non-zero Aeron stream id");
        }
        if (!(centerLat > -80 && centerLat < 80 && centerLon >= -180 && centerLon <= 180))
        {
            throw CENTER.invalid(centerLat + "," + centerLon, "a lat,lon with |lat| < 80");
        }
        if (!(radiusM >= 50 && radiusM <= 200_000))
        {
            throw RADIUS_M.invalid(String.valueOf(radiusM), "between 50 and 200000 metres");
        }
        if (!(cruiseSpeedMps >= 1 && cruiseSpeedMps <= 60))
        {
            throw CRUISE_SPEED_MPS.invalid(String.valueOf(cruiseSpeedMps), "between 1 and 60 m/s");
        }
        if (heartbeatIntervalMs < 100 || heartbeatIntervalMs > 3_600_000)
        {
            throw HEARTBEAT_INTERVAL_MS.invalid(String.valueOf(heartbeatIntervalMs), "between 100 and 3600000");
        }
        IdleStrategies.byName(IDLE_STRATEGY, idleStrategy);
        if (statusHost == null || statusHost.isBlank())
        {
            throw STATUS_HOST.invalid(String.valueOf(statusHost), "an interface address or host name");
        }
        if (statusPort < 0 || statusPort > 65535)
        {
            throw STATUS_PORT.invalid(String.valueOf(statusPort), "between 0 and 65535");
        }
        if (takesCommands())
        {
            final int colon = commandEndpoint.lastIndexOf(':');
            if (colon <= 0 || colon == commandEndpoint.length() - 1)
            {
                throw COMMAND_ENDPOINT.invalid(commandEndpoint, "host:port or " + NO_COMMANDS);
            }
            final int port = COMMAND_ENDPOINT.parseInt(commandEndpoint.substring(colon + 1).trim());
            if (port < 0 || port > 65535)
            {
                throw COMMAND_ENDPOINT.invalid(commandEndpoint, "host:port with a port between 0 and 65535");
            }
        }
        if (commandControlEndpoints == null)
        {
            commandControlEndpoints = List.of();
        }
        if (!commandControlEndpoints.isEmpty())
        {
            commandControlEndpoints = Endpoints.parse(COMMAND_CONTROL_ENDPOINTS, String.join(",", commandControlEndpoints));
            if (commandControlEndpoints.size() != endpoints.size())
            {
                throw COMMAND_CONTROL_ENDPOINTS.invalid(String.join(",", commandControlEndpoints),
                    "one host:port per ingest endpoint of " + ENDPOINTS.envName() + " (" + endpoints.size() + "), in the same order");
            }
        }
        if ((takesCommands() || hasCommandChannels()) && commandStreamId == 0)
        {
            throw COMMAND_STREAM_ID.invalid("0", "a non-zero Aeron stream id");
        }
        if (takesCommands() && commandAdvertise != null && !commandAdvertise.isBlank())
        {
            advertisedPort(0);
        }
        if (!(timeScale >= 0.1 && timeScale <= 100))
        {
            throw TIME_SCALE.invalid(String.valueOf(timeScale), "between 0.1 and 100");
        }
        if (!(failsafeBatteryPct >= 0 && failsafeBatteryPct < DroneFleet.TAKEOFF_BATTERY_PCT))
        {
            throw FAILSAFE_BATTERY_PCT.invalid(String.valueOf(failsafeBatteryPct),
                "at least 0 and below " + DroneFleet.TAKEOFF_BATTERY_PCT + " (the charge a drone takes off with)");
        }
        if (!(batteryDrainFactor >= 0 && batteryDrainFactor <= 1000))
        {
            throw BATTERY_DRAIN_FACTOR.invalid(String.valueOf(batteryDrainFactor), "between 0 and 1000");
        }
        ProgressWatch.timeoutNs(livenessTimeoutS);
        if (droneKeys == null || droneKeys.isBlank())
        {
            throw DRONE_KEYS.invalid(String.valueOf(droneKeys), "the path of the drones' key file (`./odyssey up` " +
                "makes one; docs/operations.md, \"Drone keys\"): drones sign every frame with their key");
        }
        return this;
    }

    /** The mode switches of {@link #MAVLINK_MODE_SWITCHES}, as {@link #conclude()} read them. */
    List<MavlinkModeSwitch> mavlinkModeSwitches()
    {
        return modeSwitches;
    }

    /** Whether the drones listen for commands at all ({@link #commandEndpoint} is neither blank nor "none"). */
    public boolean takesCommands()
    {
        return commandEndpoint != null && !commandEndpoint.isBlank() && !NO_COMMANDS.equalsIgnoreCase(commandEndpoint.trim());
    }

    /**
     * Whether the drones open command channels through the ingest nodes' control endpoints (Aeron response channels,
     * which reach them behind NAT).
     */
    public boolean hasCommandChannels()
    {
        return commandControlEndpoints != null && !commandControlEndpoints.isEmpty();
    }

    /** The host {@link #COMMAND_ADVERTISE} gives, without a port; blank when it is not set. */
    String advertisedHost()
    {
        final String advertise = commandAdvertise == null ? "" : commandAdvertise.trim();
        final int colon = advertise.lastIndexOf(':');
        // An IPv6 literal has several colons and no port here (it is refused later: heartbeats carry IPv4).
        return colon > 0 && advertise.indexOf(':') == colon ? advertise.substring(0, colon) : advertise;
    }

    /**
     * The port the heartbeats give: the one {@link #COMMAND_ADVERTISE} names, else {@code listening}.
     *
     * @param listening the port the command subscription is bound to.
     */
    int advertisedPort(final int listening)
    {
        final String advertise = commandAdvertise == null ? "" : commandAdvertise.trim();
        final int colon = advertise.lastIndexOf(':');
        if (colon <= 0 || advertise.indexOf(':') != colon)
        {
            return listening;
        }
        final int port = COMMAND_ADVERTISE.parseInt(advertise.substring(colon + 1));
        if (port < 1 || port > 65_535)
        {
            throw COMMAND_ADVERTISE.invalid(advertise, "host or host:port with a port between 1 and 65535");
        }
        return port;
    }

    /** Host part of {@link #commandEndpoint}. */
    String commandHost()
    {
        return commandEndpoint.substring(0, commandEndpoint.lastIndexOf(':')).trim();
    }

    /** Port part of {@link #commandEndpoint}; 0 = any free port. */
    int commandPort()
    {
        return Integer.parseInt(commandEndpoint.substring(commandEndpoint.lastIndexOf(':') + 1).trim());
    }
}
