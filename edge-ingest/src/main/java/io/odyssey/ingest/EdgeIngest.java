package io.odyssey.ingest;

import io.aeron.Subscription;
import io.odyssey.codecs.RejectReason;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.GridConnection;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.runtime.HealthCheck;
import io.odyssey.runtime.IdleStrategies;
import io.odyssey.runtime.StatusServer;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import io.odyssey.runtime.RealTimeClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A running edge ingest node: embedded media driver and UDP subscription, a grid client, the ingest agent on its own
 * thread, and the status endpoint. Closing stops the agent, makes one last bounded attempt to write what is
 * pending, then releases the grid client and Aeron.
 */
public final class EdgeIngest implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(EdgeIngest.class);

    private final AeronTransport transport;
    private final Subscription subscription;
    private final GridConnection grid;
    private final TelemetryIngestAgent agent;
    private final AgentRunner runner;
    private final StatusServer status;
    private final IngestMetrics metrics;

    private EdgeIngest(
        final AeronTransport transport, final Subscription subscription, final GridConnection grid,
        final TelemetryIngestAgent agent, final AgentRunner runner, final StatusServer status, final IngestMetrics metrics)
    {
        this.transport = transport;
        this.subscription = subscription;
        this.grid = grid;
        this.agent = agent;
        this.runner = runner;
        this.status = status;
        this.metrics = metrics;
    }

    public static EdgeIngest launch(final EdgeIngestConfig config) throws Exception
    {
        config.conclude();
        final IngestMetrics metrics = new IngestMetrics();
        final LatestStateTable table = new LatestStateTable(config.maxDrones);
        final GridConnection grid = GridConnection.connect(config.clusterName, config.gridMembers, config.nodeId,
            "drone states are kept and written when it returns");

        AeronTransport transport = null;
        AgentRunner runner = null;
        try
        {
            transport = AeronTransport.launchEmbedded(config.aeronDir, "ingest");
            final Subscription subscription = transport.aeron().addSubscription(
                AeronTransport.udpChannel(config.endpoint), config.streamId);
            final TelemetryIngestAgent agent = new TelemetryIngestAgent(subscription, FleetGrid.fleetMap(grid.client()),
                new RealTimeClock(), config.nodeId, config.fragmentLimit, config.flushIntervalMs, table, metrics);
            runner = new AgentRunner(IdleStrategies.byName(EdgeIngestConfig.IDLE_STRATEGY, config.idleStrategy),
                ex -> LOG.error("ingest agent error", ex), null, agent);

            // Gauges read plain fields the agent thread writes: a monitoring approximation, never used for decisions.
            metrics.metrics.gauge("odyssey_ingest_drones", "Drones this node has heard", table::size);
            metrics.metrics.gauge("odyssey_ingest_dirty_drones", "Drones changed since the last grid write", table::dirtyCount);
            metrics.metrics.gauge("odyssey_ingest_aeron_images", "Connected senders (Aeron images)", subscription::imageCount);
            metrics.metrics.gauge("odyssey_ingest_grid_connected", "1 while connected to the grid", () -> grid.isConnected() ? 1 : 0);

            final Map<String, HealthCheck> checks = new LinkedHashMap<>();
            checks.put("aeron", () -> subscription.isClosed() ? HealthCheck.Result.down("subscription closed") :
                HealthCheck.Result.up(config.endpoint + ", " + subscription.imageCount() + " sender(s)"));
            checks.put("grid", grid.healthCheck());
            final AgentRunner agentRunner = runner;
            checks.put("agent", () -> agentRunner.isClosed() ? HealthCheck.Result.down("stopped") :
                HealthCheck.Result.up("running"));
            AgentRunner.startOnThread(runner);
            final StatusServer status = new StatusServer(config.statusHost, config.statusPort, metrics.metrics, checks);
            LOG.info("ingest node {} receiving telemetry on udp {} stream {}, flushing to the grid every {} ms",
                config.nodeId, config.endpoint, config.streamId, config.flushIntervalMs);
            return new EdgeIngest(transport, subscription, grid, agent, runner, status, metrics);
        }
        catch (final Exception | Error ex)
        {
            CloseHelper.quietCloseAll(runner, transport, grid);
            throw ex;
        }
    }

    public long receivedCount()
    {
        return metrics.framesReceived.get();
    }

    public long acceptedCount()
    {
        return metrics.framesAccepted.get();
    }

    public long rejectedCount(final RejectReason reason)
    {
        return metrics.framesRejected[reason.ordinal()].get();
    }

    public long gridEntriesWritten()
    {
        return metrics.gridEntriesWritten.get();
    }

    public int statusPort()
    {
        return status.port();
    }

    public void close()
    {
        CloseHelper.quietClose(status);
        CloseHelper.quietClose(runner);
        // The agent's thread has stopped: it is now safe to drive its last flush from here.
        agent.finalFlush(2_000);
        grid.close();
        CloseHelper.quietClose(subscription);
        transport.close();
    }
}
