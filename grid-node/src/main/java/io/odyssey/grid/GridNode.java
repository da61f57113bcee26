package io.odyssey.grid;

import com.hazelcast.cluster.ClusterState;
import com.hazelcast.core.HazelcastInstance;
import io.odyssey.runtime.Health;
import io.odyssey.runtime.HealthCheck;
import io.odyssey.runtime.Metrics;
import io.odyssey.runtime.ProcessCpu;
import io.odyssey.runtime.StatusServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A running grid member plus its status endpoint. Closing it leaves the cluster gracefully: Hazelcast migrates
 * this member's partitions to the others before it goes, so no drone's state is lost on a clean stop.
 */
public final class GridNode implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(GridNode.class);

    /** How often the cluster's partition safety is asked; the answer is what /metrics shows until the next. */
    private static final long SAFETY_PROBE_INTERVAL_S = 5;

    private final HazelcastInstance member;
    private final StatusServer status;
    private final ScheduledExecutorService safetyProbe;

    private GridNode(final HazelcastInstance member, final StatusServer status, final ScheduledExecutorService safetyProbe)
    {
        this.member = member;
        this.status = status;
        this.safetyProbe = safetyProbe;
    }

    public static GridNode launch(final GridNodeConfig config) throws Exception
    {
        config.conclude();
        final com.hazelcast.config.Config memberConfig = FleetGrid.memberConfig(
            config.clusterName, config.bindHost, config.port, config.members, config.backupCount, config.kubernetesServiceDns);
        // Hazelcast waits up to 600 s by default for a leaving member's partitions to migrate; an orchestrator kills
        // the process at the end of its grace period whatever the wait, so the wait is set to fit inside it (the
        // manifests set both, and a test checks the grace period is the longer).
        memberConfig.setProperty("hazelcast.graceful.shutdown.max.wait", String.valueOf(config.shutdownTimeoutS));
        final HazelcastInstance member = FleetGrid.newMember(memberConfig, config.fleetBatchMs, config.fleetBatchMaxDrones);
        LOG.info("grid member {} joined cluster '{}' with {} member(s)",
            member.getCluster().getLocalMember().getAddress(), config.clusterName, member.getCluster().getMembers().size());

        final Metrics metrics = new Metrics("grid-node");
        member.getUserContext().put(UnreadableRecords.MEMBER_CONTEXT_KEY, new UnreadableRecords("grid",
            metrics.counter("odyssey_grid_unreadable_records_total",
                "Stored records this member's own updates could not read (written by something else), left as they are")));
        metrics.gauge("odyssey_grid_event_queue", "Map events this member has queued for listeners and not yet sent " +
            "(Hazelcast's event queue, at most hazelcast.event.queue.capacity); -1 when this Hazelcast version does not tell",
            () -> eventQueueSize(member));
        metrics.gauge("odyssey_grid_members", "Members in the cluster as seen by this member",
            () -> member.getCluster().getMembers().size());
        metrics.gauge("odyssey_grid_fleet_states_clamped", "Fleet states this member stored as heard now because they " +
            "said they were heard more than 60 s ahead of its clock (forged by a grid client, or an ingest node's clock " +
            "ahead), since it started", KeepNewestStateInterceptor::clamped);
        metrics.gauge("odyssey_grid_fleet_owned_entries", "Fleet map entries owned by this member",
            () -> FleetGrid.fleetMap(member).getLocalMapStats().getOwnedEntryCount());
        metrics.gauge("odyssey_grid_fleet_backup_entries", "Fleet map backup entries held by this member",
            () -> FleetGrid.fleetMap(member).getLocalMapStats().getBackupEntryCount());
        final FleetChangeBatcher batcher = FleetChangeBatcher.of(member);
        metrics.gauge("odyssey_grid_fleet_changes", "Fleet map changes of this member's partitions taken for the " +
            "gateways' feed (its local listener's events) since it started", batcher::changes);
        metrics.gauge("odyssey_grid_fleet_changes_conflated", "Fleet changes replaced by a newer change of the same " +
            "drone before a message carried them", batcher::conflated);
        metrics.gauge("odyssey_grid_fleet_changes_refused", "Fleet changes refused because ODYSSEY_GRID_FLEET_BATCH_MAX_DRONES " +
            "drones were waiting already (each makes the gateways reload the fleet map)", batcher::refused);
        metrics.gauge("odyssey_grid_fleet_states_misfiled", "Fleet map changes of this member's partitions filed under " +
            "another drone's key, a key that is not a drone id or a value that is not a drone state (by a grid client), " +
            "sent to the gateways as that key's drone leaving (or not at all)", batcher::misfiled);
        metrics.gauge("odyssey_grid_fleet_messages_sent", "Fleet change messages this member published to the gateways",
            batcher::messagesSent);
        metrics.gauge("odyssey_grid_fleet_message_drones_sent", "Drone states and removals those messages carried",
            batcher::dronesSent);
        metrics.gauge("odyssey_grid_fleet_message_failures", "Fleet change messages that could not be published (the " +
            "gateways see the gap in the sequence and reload)", batcher::publishFailures);
        metrics.gauge("odyssey_grid_fleet_changes_waiting", "Drones whose change waits for this member's next fleet " +
            "message", batcher::waiting);
        // What a fleet map write costs this member: its partition, event and client threads, backups, GC. The map's
        // local statistics count each entry of a client's putAll/setAll as a put handled by this member.
        final java.util.function.LongSupplier fleetWrites = () ->
        {
            final com.hazelcast.map.LocalMapStats stats = FleetGrid.fleetMap(member).getLocalMapStats();
            return stats.getPutOperationCount() + stats.getSetOperationCount();
        };
        metrics.gauge("odyssey_grid_fleet_writes", "Fleet map entries written through this member since it started " +
            "(puts and sets; each entry of a putAll/setAll counts)", fleetWrites::getAsLong);
        ProcessCpu.register(metrics, "odyssey_grid", "fleet_write", "fleet map entries written through this member",
            fleetWrites);
        // isClusterSafe() asks every member and retries for up to a minute while one has just died: asked inside a
        // scrape it held /metrics (members, entries, everything) for that long, exactly when an operator looks.
        final AtomicInteger clusterSafe = new AtomicInteger();
        final ScheduledExecutorService safetyProbe = Executors.newSingleThreadScheduledExecutor(runnable ->
        {
            final Thread thread = new Thread(runnable, "grid-node-safety-probe");
            thread.setDaemon(true);
            return thread;
        });
        safetyProbe.scheduleWithFixedDelay(() ->
        {
            try
            {
                clusterSafe.set(member.getPartitionService().isClusterSafe() ? 1 : 0);
            }
            catch (final RuntimeException ex)
            {
                clusterSafe.set(0);   // not known to be safe; a scheduled task that throws would never run again
            }
        }, 0, SAFETY_PROBE_INTERVAL_S, TimeUnit.SECONDS);
        metrics.gauge("odyssey_grid_cluster_safe",
            "1 when every partition has its backups in sync (asked every " + SAFETY_PROBE_INTERVAL_S + " s)", clusterSafe::get);

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
        return new GridNode(member, status, safetyProbe);
    }

    /**
     * Where a backlog of events towards the gateways would form on the member side: Hazelcast tells it only through its
     * internal classes, so a version that moved them reads -1 rather than failing the scrape.
     */
    private static int eventQueueSize(final HazelcastInstance member)
    {
        try
        {
            if (member instanceof com.hazelcast.instance.impl.HazelcastInstanceProxy proxy)
            {
                return proxy.getOriginal().node.getNodeEngine().getEventService().getEventQueueSize();
            }
        }
        catch (final RuntimeException | LinkageError ex)
        {
            return -1;
        }
        return -1;
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
        safetyProbe.shutdownNow();
        member.shutdown();
    }
}
