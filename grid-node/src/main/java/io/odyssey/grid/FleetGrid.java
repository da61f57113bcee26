package io.odyssey.grid;

import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;

import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecordSerializer;

import java.util.List;

/**
 * The grid's shape in one place: map names, member configuration and client configuration. Members and
 * clients are built from here so they cannot disagree.
 * <p>
 * {@value #FLEET_MAP} holds the latest {@link DroneState} of every drone, partitioned by drone id with
 * synchronous backups. It is not the system of record (the journal is): writers only ever replace a state with
 * a higher sequence.
 */
public final class FleetGrid
{
    /** Latest state per drone: {@code IMap<Long, DroneState>}. */
    public static final String FLEET_MAP = "fleet";
    /** Alerts raised and not yet cleared, keyed by {@link ActiveAlert#key()}. */
    public static final String ALERTS_MAP = "alerts";
    /** Geofences drawn by admins: {@code IMap<String, String>}, id → GeoJSON Feature text. */
    public static final String GEOFENCES_MAP = "geofences";
    /** Access tokens created through the API: {@code IMap<String, String>}, name → "role sha256-hex". */
    public static final String TOKENS_MAP = "tokens";
    /** Drone link keys managed through the API: {@code IMap<Long, String>}, drone id → sealed record (never clear). */
    public static final String DRONE_KEYS_MAP = "droneKeys";

    private FleetGrid()
    {
    }

    /**
     * Member configuration.
     *
     * @param bindHost    interface to bind and advertise (loopback for local runs, the pod IP in Kubernetes).
     * @param port        first port to try; auto-increments when taken, so several members can share a host.
     * @param backupCount synchronous backups of each fleet map partition (at least 1 in production).
     */
    public static Config memberConfig(
        final String clusterName, final String bindHost, final int port, final List<String> members, final int backupCount)
    {
        return memberConfig(clusterName, bindHost, port, members, backupCount, null);
    }

    /**
     * @param kubernetesServiceDns when set, members find each other through this headless Service's DNS records
     *                             (Hazelcast's built-in Kubernetes discovery) instead of the {@code members} list.
     */
    /**
     * Hazelcast's own health endpoints on the member port ({@code /hazelcast/health/ready}, {@code .../node-state},
     * {@code /hazelcast/health}), which Kubernetes probes: only the read-only health group of the REST API. The
     * configuration API is deprecated in 5.x, but its replacement (the REST server) is not in the open-source
     * edition; it works in 5.7 and a test guards it.
     */
    @SuppressWarnings("removal")
    private static void enableHealthEndpoint(final Config config)
    {
        config.getNetworkConfig().getRestApiConfig().setEnabled(true)
            .enableGroups(com.hazelcast.config.RestEndpointGroup.HEALTH_CHECK);
    }

    public static Config memberConfig(
        final String clusterName, final String bindHost, final int port, final List<String> members, final int backupCount,
        final String kubernetesServiceDns)
    {
        final Config config = new Config();
        config.setClusterName(clusterName);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
        // Stop quickly on SIGTERM: the launcher handles shutdown itself, and migrations are awaited there.
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.getNetworkConfig().setPort(port).setPortAutoIncrement(true).setPortCount(20);
        enableHealthEndpoint(config);
        if ("0.0.0.0".equals(bindHost))
        {
            // Containers: listen everywhere, advertise the pod's address (Hazelcast picks it).
            config.setProperty("hazelcast.socket.bind.any", "true");
        }
        else
        {
            config.getNetworkConfig().getInterfaces().setEnabled(true).addInterface(bindHost);
            config.setProperty("hazelcast.socket.bind.any", "false");
        }
        final JoinConfig join = config.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        if (kubernetesServiceDns != null && !kubernetesServiceDns.isBlank())
        {
            join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", kubernetesServiceDns);
        }
        else
        {
            join.getTcpIpConfig().setEnabled(true).setMembers(members);
        }

        config.addMapConfig(new MapConfig(FLEET_MAP)
            .setBackupCount(backupCount)
            .setAsyncBackupCount(0)
            .setInMemoryFormat(InMemoryFormat.BINARY)
            .setStatisticsEnabled(true));
        config.addMapConfig(new MapConfig(ALERTS_MAP).setBackupCount(backupCount).setAsyncBackupCount(0));
        config.addMapConfig(new MapConfig(GEOFENCES_MAP).setBackupCount(backupCount));
        config.addMapConfig(new MapConfig(TOKENS_MAP).setBackupCount(backupCount));
        config.addMapConfig(new MapConfig(DRONE_KEYS_MAP).setBackupCount(backupCount));
        CommandLedger.configure(config, backupCount);
        config.getSerializationConfig().getCompactSerializationConfig()
            .addSerializer(new DroneStateSerializer())
            .addSerializer(new ActiveAlertSerializer())
            .addSerializer(new CommandRecordSerializer());
        return config;
    }

    /**
     * Client configuration: a smart client that routes each operation to the partition owner and keeps retrying
     * to connect, so processes can start in any order and survive a member restart.
     */
    public static ClientConfig clientConfig(final String clusterName, final List<String> members, final String instanceName)
    {
        final ClientConfig config = new ClientConfig();
        config.setClusterName(clusterName);
        config.setInstanceName(instanceName);
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.client.shutdownhook.enabled", "false");
        // Default routing: each operation goes straight to its partition's owner.
        config.getNetworkConfig().setAddresses(members);
        config.getConnectionStrategyConfig().getConnectionRetryConfig()
            .setClusterConnectTimeoutMillis(Long.MAX_VALUE)
            .setInitialBackoffMillis(200)
            .setMaxBackoffMillis(2_000);
        config.getSerializationConfig().getCompactSerializationConfig()
            .addSerializer(new DroneStateSerializer())
            .addSerializer(new ActiveAlertSerializer())
            .addSerializer(new CommandRecordSerializer());
        return config;
    }

    /**
     * Starts a member and installs the fleet map's invariants ({@link KeepNewestStateInterceptor}) and its feed to the
     * gateways ({@link FleetChangeBatcher}, default interval). Every member must be started through here (tests
     * included), so the guard holds and the gateways hear of every change whichever member owns a partition.
     */
    public static HazelcastInstance newMember(final Config config)
    {
        return newMember(config, FleetChangeBatcher.DEFAULT_INTERVAL_MS, FleetChangeBatcher.DEFAULT_MAX_DRONES);
    }

    /**
     * Also starts the member's {@link FleetChangeBatcher}, the gateways' feed of this member's fleet changes.
     *
     * @param batchIntervalMs  the shortest time between two of its messages while changes keep coming.
     * @param batchMaxDrones   drones whose change may wait for the next message at most.
     */
    public static HazelcastInstance newMember(final Config config, final long batchIntervalMs, final int batchMaxDrones)
    {
        final HazelcastInstance member = Hazelcast.newHazelcastInstance(config);
        fleetMap(member).addInterceptor(new KeepNewestStateInterceptor());
        FleetChangeBatcher.install(member, batchIntervalMs, batchMaxDrones);
        return member;
    }

    public static IMap<Long, DroneState> fleetMap(final HazelcastInstance instance)
    {
        return instance.getMap(FLEET_MAP);
    }

    public static IMap<String, ActiveAlert> alertsMap(final HazelcastInstance instance)
    {
        return instance.getMap(ALERTS_MAP);
    }

    public static IMap<Long, String> droneKeysMap(final HazelcastInstance instance)
    {
        return instance.getMap(DRONE_KEYS_MAP);
    }
}
