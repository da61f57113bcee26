package io.odyssey.mavlink.edge;

import io.odyssey.runtime.Endpoints;
import io.odyssey.runtime.IdleStrategies;
import io.odyssey.runtime.ProgressWatch;
import io.odyssey.runtime.Setting;

import java.util.List;

/**
 * Every setting of the MAVLink edge, with defaults; read from the environment, then system properties. The
 * constructor reads them; tests set the public fields; {@link #conclude()} validates.
 */
public final class MavlinkEdgeConfig
{
    public static final Setting LISTEN = Setting.of("ODYSSEY_MAVLINK_LISTEN", "127.0.0.1:14550",
        "UDP host:port the edge hears vehicles on (ground stations' usual port is 14550; 0.0.0.0:14550 to hear the network)");
    public static final Setting VEHICLES = Setting.of("ODYSSEY_MAVLINK_VEHICLES", ".odyssey/mavlink-vehicles",
        "The vehicle registry: one line per vehicle, 'SYSTEM_ID DRONE_ID [unsigned]' (# comments); a vehicle not in it is refused");
    public static final Setting DRONE_KEYS = Setting.of("ODYSSEY_MAVLINK_DRONE_KEYS", ".odyssey/drone-keys",
        "The drones' link key file (as ./odyssey drone-keys writes it): a vehicle signs MAVLink with its drone's key");
    public static final Setting ENDPOINTS = Setting.of("ODYSSEY_MAVLINK_INGEST_ENDPOINTS", "127.0.0.1:40123",
        "Comma-separated host:port of the edge ingest nodes' telemetry endpoints; vehicles are sharded over them by drone id");
    public static final Setting STREAM_ID = Setting.of("ODYSSEY_MAVLINK_STREAM_ID", "1001", "Aeron stream id of telemetry");
    public static final Setting SIGNING_WINDOW_S = Setting.of("ODYSSEY_MAVLINK_SIGNING_WINDOW_S", "60",
        "How far a signed frame's timestamp may be from the edge's clock when its stream is new, and ahead of it ever");
    public static final Setting HEARTBEAT_TIMEOUT_MS = Setting.of("ODYSSEY_MAVLINK_HEARTBEAT_TIMEOUT_MS", "5000",
        "A vehicle without a HEARTBEAT for this long counts as lost (its telemetry stops; ingest expires it from the map)");
    public static final Setting COMMAND_ENDPOINT = Setting.of("ODYSSEY_MAVLINK_COMMAND_ENDPOINT", "127.0.0.1:40126",
        "Where the edge takes the vehicles' orders from ingest (Aeron UDP host:port, port 0 = any free one); every vehicle's heartbeat advertises it");
    public static final Setting COMMAND_ADVERTISE = Setting.of("ODYSSEY_MAVLINK_COMMAND_ADVERTISE", "",
        "The command endpoint as ingest reaches it, host[:port] (default: the endpoint's host, for 0.0.0.0 this host's address, and the port listened on; a port forwarded to it through NAT)");
    public static final Setting COMMAND_STREAM_ID = Setting.of("ODYSSEY_MAVLINK_COMMAND_STREAM_ID", "1002",
        "Aeron stream id of commands (as ingest sends them)");
    public static final Setting COMMAND_ACK_TIMEOUT_MS = Setting.of("ODYSSEY_MAVLINK_COMMAND_ACK_TIMEOUT_MS", "1000",
        "How long the edge waits for a vehicle's COMMAND_ACK (or the next mission request) before it sends again");
    public static final Setting COMMAND_ATTEMPTS = Setting.of("ODYSSEY_MAVLINK_COMMAND_ATTEMPTS", "5",
        "Sends of one MAVLink command (the first and the retries, confirmation 0, 1, ...) before the order fails with 'vehicle no answer'; times 10 ACK timeouts, the longest an order stays in the protocol however the vehicle answers ('vehicle no final answer')");
    public static final Setting AERON_DIR = Setting.of("ODYSSEY_MAVLINK_AERON_DIR", "",
        "Directory of the embedded Aeron media driver (default: a private one under /dev/shm)");
    public static final Setting IDLE_STRATEGY = Setting.of("ODYSSEY_MAVLINK_IDLE_STRATEGY", "backoff",
        "Idle strategy of the receiving thread: " + IdleStrategies.NAMES);
    public static final Setting STATUS_HOST = Setting.of("ODYSSEY_MAVLINK_STATUS_HOST", "127.0.0.1",
        "Interface of /health and /metrics");
    public static final Setting STATUS_PORT = Setting.of("ODYSSEY_MAVLINK_STATUS_PORT", "9105",
        "Port of /health and /metrics (0 = any)");
    public static final List<Setting> ALL = List.of(LISTEN, VEHICLES, DRONE_KEYS, ENDPOINTS, STREAM_ID, SIGNING_WINDOW_S,
        HEARTBEAT_TIMEOUT_MS, COMMAND_ENDPOINT, COMMAND_ADVERTISE, COMMAND_STREAM_ID, COMMAND_ACK_TIMEOUT_MS,
        COMMAND_ATTEMPTS, AERON_DIR, IDLE_STRATEGY, STATUS_HOST, STATUS_PORT, ProgressWatch.LIVENESS_TIMEOUT_S);

    public String listen = LISTEN.get();
    public String vehicles = VEHICLES.get();
    public String droneKeys = DRONE_KEYS.get();
    public List<String> endpoints = Endpoints.parse(ENDPOINTS, ENDPOINTS.get());
    public int streamId = STREAM_ID.intValue();
    public long signingWindowS = SIGNING_WINDOW_S.longValue();
    public long heartbeatTimeoutMs = HEARTBEAT_TIMEOUT_MS.longValue();
    public String commandEndpoint = COMMAND_ENDPOINT.get();
    public String commandAdvertise = COMMAND_ADVERTISE.get();
    public int commandStreamId = COMMAND_STREAM_ID.intValue();
    public long commandAckTimeoutMs = COMMAND_ACK_TIMEOUT_MS.longValue();
    public int commandAttempts = COMMAND_ATTEMPTS.intValue();
    public String aeronDir = AERON_DIR.get();
    public String idleStrategy = IDLE_STRATEGY.get();
    public String statusHost = STATUS_HOST.get();
    public int statusPort = STATUS_PORT.intValue();
    public long livenessTimeoutS = ProgressWatch.LIVENESS_TIMEOUT_S.longValue();

    /**
     * Checks every value, failing with a {@link io.odyssey.runtime.ConfigurationException} that names the setting.
     *
     * @return this.
     */
    public MavlinkEdgeConfig conclude()
    {
        final int colon = listen == null ? -1 : listen.lastIndexOf(':');
        if (colon <= 0)
        {
            throw LISTEN.invalid(String.valueOf(listen), "host:port");
        }
        final int port = LISTEN.parseInt(listen.substring(colon + 1).trim());
        if (port < 0 || port > 65535)
        {
            throw LISTEN.invalid(listen, "a port between 0 and 65535");
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
        if (signingWindowS < 1 || signingWindowS > 3600)
        {
            throw SIGNING_WINDOW_S.invalid(String.valueOf(signingWindowS), "between 1 and 3600 seconds");
        }
        if (heartbeatTimeoutMs < 500 || heartbeatTimeoutMs > 600_000)
        {
            throw HEARTBEAT_TIMEOUT_MS.invalid(String.valueOf(heartbeatTimeoutMs), "between 500 and 600000");
        }
        final int commandColon = commandEndpoint == null ? -1 : commandEndpoint.lastIndexOf(':');
        if (commandColon <= 0)
        {
            throw COMMAND_ENDPOINT.invalid(String.valueOf(commandEndpoint), "host:port");
        }
        final int commandPort = COMMAND_ENDPOINT.parseInt(commandEndpoint.substring(commandColon + 1).trim());
        if (commandPort < 0 || commandPort > 65535)
        {
            throw COMMAND_ENDPOINT.invalid(commandEndpoint, "a port between 0 and 65535");
        }
        advertisedPort(0);
        if (commandStreamId == 0)
        {
            throw COMMAND_STREAM_ID.invalid("0", "a non-zero Aeron stream id");
        }
        if (commandAckTimeoutMs < 50 || commandAckTimeoutMs > 30_000)
        {
            throw COMMAND_ACK_TIMEOUT_MS.invalid(String.valueOf(commandAckTimeoutMs), "between 50 and 30000");
        }
        if (commandAttempts < 1 || commandAttempts > 20)
        {
            throw COMMAND_ATTEMPTS.invalid(String.valueOf(commandAttempts), "between 1 and 20");
        }
        IdleStrategies.byName(IDLE_STRATEGY, idleStrategy);
        if (statusPort < 0 || statusPort > 65535)
        {
            throw STATUS_PORT.invalid(String.valueOf(statusPort), "between 0 and 65535");
        }
        return this;
    }

    String listenHost()
    {
        return listen.substring(0, listen.lastIndexOf(':')).trim();
    }

    int listenPort()
    {
        return Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1).trim());
    }

    String commandHost()
    {
        return commandEndpoint.substring(0, commandEndpoint.lastIndexOf(':')).trim();
    }

    int commandPort()
    {
        return Integer.parseInt(commandEndpoint.substring(commandEndpoint.lastIndexOf(':') + 1).trim());
    }

    /** The host heartbeats advertise for commands: the advertised one, else the endpoint's. */
    String advertisedHost()
    {
        final String advertise = commandAdvertise == null ? "" : commandAdvertise.trim();
        final int colon = advertise.lastIndexOf(':');
        final String host = colon > 0 ? advertise.substring(0, colon) : advertise;
        return host.isBlank() ? commandHost() : host;
    }

    /** The port heartbeats advertise: the advertised one, else {@code listening}. */
    int advertisedPort(final int listening)
    {
        final String advertise = commandAdvertise == null ? "" : commandAdvertise.trim();
        final int colon = advertise.lastIndexOf(':');
        if (colon <= 0)
        {
            return listening;
        }
        final int port = COMMAND_ADVERTISE.parseInt(advertise.substring(colon + 1).trim());
        if (port < 1 || port > 65535)
        {
            throw COMMAND_ADVERTISE.invalid(advertise, "host[:port] with a port between 1 and 65535");
        }
        return port;
    }
}
