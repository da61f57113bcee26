package io.odyssey.simulator;

import io.odyssey.runtime.Endpoints;
import io.odyssey.runtime.IdleStrategies;
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

    public static final List<Setting> ALL = List.of(DRONES, FIRST_ID, RATE_HZ, ENDPOINTS, STREAM_ID, SEED, CENTER, RADIUS_M,
        CRUISE_SPEED_MPS, HEARTBEAT_INTERVAL_MS, AERON_DIR, IDLE_STRATEGY, STATUS_HOST, STATUS_PORT);

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
        if (firstId < 1 || firstId > (1L << 52) - drones)
        {
            throw FIRST_ID.invalid(String.valueOf(firstId), "a positive id with id + drones below 2^52");
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
        return this;
    }
}
