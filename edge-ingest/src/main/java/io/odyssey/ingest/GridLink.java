package io.odyssey.ingest;

import com.hazelcast.core.HazelcastInstance;
import io.odyssey.grid.GridConnection;
import io.odyssey.runtime.Component;
import io.odyssey.runtime.Health;
import org.agrona.CloseHelper;

/**
 * The node's client of the grid. Starting waits until the grid is reachable; afterwards the node rides out outages
 * (readiness says so, liveness does not).
 */
final class GridLink implements Component
{
    private final EdgeIngestConfig config;
    private final IngestMetrics metrics;
    private GridConnection connection;

    GridLink(final EdgeIngestConfig config, final IngestMetrics metrics)
    {
        this.config = config;
        this.metrics = metrics;
    }

    public String name()
    {
        return "grid";
    }

    public void start()
    {
        connection = GridConnection.connect(config.clusterName, config.gridMembers, config.nodeId,
            "drone states are kept and written when it returns");
        metrics.metrics.gauge("odyssey_ingest_grid_connected", "1 while connected to the grid",
            () -> connection.isConnected() ? 1 : 0);
    }

    public String describe()
    {
        return "cluster " + config.clusterName + " at " + config.gridMembers;
    }

    public void health(final Health health)
    {
        health.ready("grid", connection.healthCheck());
    }

    HazelcastInstance client()
    {
        return connection.client();
    }

    public void stop()
    {
        CloseHelper.quietClose(connection);
    }
}
