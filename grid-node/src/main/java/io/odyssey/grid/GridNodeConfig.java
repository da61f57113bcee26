package io.odyssey.grid;

import io.odyssey.runtime.Setting;

import java.util.ArrayList;
import java.util.List;

/** Every setting of the grid node process, with defaults; read from the environment, then system properties. */
public final class GridNodeConfig
{
    public static final Setting BIND_HOST = Setting.of(
        "ODYSSEY_GRID_BIND_HOST", "127.0.0.1", "Interface the member binds and advertises; 0.0.0.0 = all (containers)");
    public static final Setting KUBERNETES_SERVICE_DNS = Setting.of(
        "ODYSSEY_GRID_KUBERNETES_SERVICE_DNS", "",
        "Headless Service DNS name for Kubernetes discovery (e.g. odyssey-grid: relative to the pod's namespace); empty = join ODYSSEY_GRID_MEMBERS");
    public static final Setting PORT = Setting.of(
        "ODYSSEY_GRID_PORT", "5701", "First member port to try (auto-increments when taken)");
    public static final Setting BACKUP_COUNT = Setting.of(
        "ODYSSEY_GRID_BACKUP_COUNT", "1", "Synchronous backups of each fleet map partition");
    public static final Setting SHUTDOWN_TIMEOUT_S = Setting.of(
        "ODYSSEY_GRID_SHUTDOWN_TIMEOUT_S", "120",
        "Longest wait, s, on a graceful stop for this member's partitions to migrate to the others (Hazelcast's " +
        "graceful-shutdown wait); a container's stop grace period must be longer");
    public static final Setting FLEET_BATCH_MS = Setting.of(
        "ODYSSEY_GRID_FLEET_BATCH_MS", String.valueOf(FleetChangeBatcher.DEFAULT_INTERVAL_MS),
        "The member sends the gateways its partitions' fleet changes at most once per this many ms (the first change " +
        "after a quiet interval at once), one message per interval (1..1000)");
    public static final Setting FLEET_BATCH_MAX_DRONES = Setting.of(
        "ODYSSEY_GRID_FLEET_BATCH_MAX_DRONES", String.valueOf(FleetChangeBatcher.DEFAULT_MAX_DRONES),
        "Drones whose change may wait for the member's next fleet message; a change beyond is refused (counted) and the " +
        "gateways reload the fleet map (1..10000000)");
    public static final Setting STATUS_HOST = Setting.of(
        "ODYSSEY_GRID_STATUS_HOST", "127.0.0.1", "Interface of the health/metrics HTTP endpoint");
    public static final Setting STATUS_PORT = Setting.of(
        "ODYSSEY_GRID_STATUS_PORT", "9102", "Port of the health/metrics HTTP endpoint (0 = any free port)");

    public static final List<Setting> ALL;

    static
    {
        final List<Setting> all = new ArrayList<>(GridSettings.ALL);
        all.addAll(List.of(BIND_HOST, KUBERNETES_SERVICE_DNS, PORT, BACKUP_COUNT, SHUTDOWN_TIMEOUT_S, FLEET_BATCH_MS, FLEET_BATCH_MAX_DRONES,
            STATUS_HOST, STATUS_PORT));
        ALL = List.copyOf(all);
    }

    public String clusterName = GridSettings.CLUSTER_NAME.get();
    public List<String> members = GridSettings.members(GridSettings.MEMBERS.get());
    public String bindHost = BIND_HOST.get();
    public String kubernetesServiceDns = KUBERNETES_SERVICE_DNS.get();
    public int port = PORT.intValue();
    public int backupCount = BACKUP_COUNT.intValue();
    public int shutdownTimeoutS = SHUTDOWN_TIMEOUT_S.intValue();
    public int fleetBatchMs = FLEET_BATCH_MS.intValue();
    public int fleetBatchMaxDrones = FLEET_BATCH_MAX_DRONES.intValue();
    public String statusHost = STATUS_HOST.get();
    public int statusPort = STATUS_PORT.intValue();

    /** Validates the combination; throws naming the offending setting. */
    public GridNodeConfig conclude()
    {
        if (port < 1 || port > 65535)
        {
            throw PORT.invalid(String.valueOf(port), "a port number");
        }
        if (backupCount < 0 || backupCount > 6)
        {
            throw BACKUP_COUNT.invalid(String.valueOf(backupCount), "between 0 and 6");
        }
        if (shutdownTimeoutS < 1 || shutdownTimeoutS > 3600)
        {
            throw SHUTDOWN_TIMEOUT_S.invalid(String.valueOf(shutdownTimeoutS), "between 1 and 3600 seconds");
        }
        if (fleetBatchMs < 1 || fleetBatchMs > 1000)
        {
            throw FLEET_BATCH_MS.invalid(String.valueOf(fleetBatchMs), "between 1 and 1000 ms");
        }
        if (fleetBatchMaxDrones < 1 || fleetBatchMaxDrones > 10_000_000)
        {
            throw FLEET_BATCH_MAX_DRONES.invalid(String.valueOf(fleetBatchMaxDrones), "between 1 and 10000000");
        }
        return this;
    }
}
