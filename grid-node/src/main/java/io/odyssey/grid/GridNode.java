package io.odyssey.grid;

import com.hazelcast.cluster.ClusterState;
import com.hazelcast.core.HazelcastInstance;
import io.odyssey.runtime.Health;
import io.odyssey.runtime.HealthCheck;
import io.odyssey.runtime.Metrics;
import io.odyssey.runtime.StatusServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running grid member plus its status endpoint. Closing it leaves the cluster gracefully: Hazelcast migrates
 * this member's partitions to the others before it goes, so no drone's state is lost on a clean stop.
 */
public final class GridNode implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(GridNode.class);

    private final HazelcastInstance member;
    private final StatusServer status;

    private GridNode(final HazelcastInstance member, final StatusServer status)
    {
        this.member = member;
        this.status = status;
    }

    public static GridNode launch(final GridNodeConfig config) throws Exception
    {
        config.conclude();
        final HazelcastInstance member = FleetGrid.newMember(FleetGrid.memberConfig(
            config.clusterName, config.bindHost, config.port, config.members, config.backupCount, config.kubernetesServiceDns));
        LOG.info("grid member {} joined cluster '{}' with {} member(s)",
            member.getCluster().getLocalMember().getAddress(), config.clusterName, member.getCluster().getMembers().size());

        final Metrics metrics = new Metrics("grid-node");
        metrics.gauge("odyssey_grid_members", "Members in the cluster as seen by this member",
            () -> member.getCluster().getMembers().size());
        metrics.gauge("odyssey_grid_fleet_owned_entries", "Fleet map entries owned by this member",
            () -> FleetGrid.fleetMap(member).getLocalMapStats().getOwnedEntryCount());
        metrics.gauge("odyssey_grid_fleet_backup_entries", "Fleet map backup entries held by this member",
            () -> FleetGrid.fleetMap(member).getLocalMapStats().getBackupEntryCount());
        metrics.gauge("odyssey_grid_cluster_safe", "1 when every partition has its backups in sync",
            () -> member.getPartitionService().isClusterSafe() ? 1 : 0);

        // Live while the member runs; a cluster that is not ACTIVE (frozen, passive during a shutdown) is not ready.
        final Health health = new Health(metrics.role());
        health.live("member", () -> member.getLifecycleService().isRunning() ?
            HealthCheck.Result.up(member.getCluster().getLocalMember().getAddress().toString()) :
            HealthCheck.Result.down("member not running"));
        health.ready("cluster", () ->
        {
            final ClusterState state = member.getCluster().getClusterState();
            final String detail = state + ", " + member.getCluster().getMembers().size() + " member(s)";
            return state == ClusterState.ACTIVE ? HealthCheck.Result.up(detail) : HealthCheck.Result.down(detail);
        });
        final StatusServer status = new StatusServer(config.statusHost, config.statusPort, metrics, health);
        return new GridNode(member, status);
    }

    public HazelcastInstance instance()
    {
        return member;
    }

    public int statusPort()
    {
        return status.port();
    }

    public void close()
    {
        status.close();
        member.shutdown();
    }
}
