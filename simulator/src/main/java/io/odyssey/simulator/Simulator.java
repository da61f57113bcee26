package io.odyssey.simulator;

import io.odyssey.runtime.AeronTransport;
import io.odyssey.runtime.HealthCheck;
import io.odyssey.runtime.IdleStrategies;
import io.odyssey.runtime.Metrics;
import io.odyssey.runtime.StatusServer;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import io.odyssey.runtime.RealTimeClock;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;

/**
 * A running simulator: an embedded media driver, one publication per ingest endpoint, the publisher agent on its own
 * thread, and {@code /health} + {@code /metrics}. Usable in-process by tests: {@link #launch(SimulatorConfig)} with
 * {@code statusPort = 0}, read the counters, {@link #close()}.
 * <p>
 * Health is UP when every endpoint has a connected subscriber and DOWN (naming the others) otherwise; either way the
 * drones keep flying and publishing, so an ingest that starts later hears them as soon as it connects.
 */
public final class Simulator implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Simulator.class);

    private final SimulatorConfig config;
    private final AeronTransport transport;
    private final AeronTelemetryOutlet outlet;
    private final AgentRunner runner;
    private final StatusServer status;
    private final SimulatorMetrics metrics;

    private Simulator(
        final SimulatorConfig config, final AeronTransport transport, final AeronTelemetryOutlet outlet,
        final AgentRunner runner, final StatusServer status, final SimulatorMetrics metrics)
    {
        this.config = config;
        this.transport = transport;
        this.outlet = outlet;
        this.runner = runner;
        this.status = status;
        this.metrics = metrics;
    }

    /**
     * Validates {@code config} ({@link SimulatorConfig#conclude()}), starts the driver, publications, publisher and
     * status server, and returns once drones are flying.
     */
    public static Simulator launch(final SimulatorConfig config) throws Exception
    {
        config.conclude();
        final DroneFleet fleet = new DroneFleet(config.drones, config.firstId, config.seed, config.centerLat,
            config.centerLon, config.radiusM, config.cruiseSpeedMps);
        final SimulatorMetrics metrics = new SimulatorMetrics();
        final AeronTransport transport = AeronTransport.launchEmbedded(config.aeronDir, "simulator");
        AeronTelemetryOutlet outlet = null;
        AgentRunner runner = null;
        try
        {
            outlet = new AeronTelemetryOutlet(transport.aeron(), config.endpoints, config.streamId);
            final AeronTelemetryOutlet publications = outlet;
            metrics.metrics.gauge("odyssey_sim_drones", "Drones flown by this process", () -> config.drones);
            metrics.metrics.gauge("odyssey_sim_endpoints_connected", "Ingest endpoints with a connected subscriber",
                publications::connectedCount);

            final TelemetryPublisherAgent agent = new TelemetryPublisherAgent(fleet, outlet, new SystemNanoClock(),
                new RealTimeClock(), config.rateHz, config.heartbeatIntervalMs, metrics);
            runner = new AgentRunner(IdleStrategies.byName(SimulatorConfig.IDLE_STRATEGY, config.idleStrategy),
                ex -> LOG.error("publisher error", ex), null, agent);
            AgentRunner.startOnThread(runner);

            final StatusServer status = new StatusServer(config.statusHost, config.statusPort, metrics.metrics,
                Map.of("ingest-endpoints", () -> endpointHealth(publications)));
            LOG.info("flying {} drones (ids {}..{}) at {} Hz to {} stream {}", config.drones, config.firstId,
                config.firstId + config.drones - 1, config.rateHz, config.endpoints, config.streamId);
            return new Simulator(config, transport, outlet, runner, status, metrics);
        }
        catch (final Exception | Error ex)
        {
            CloseHelper.quietCloseAll(runner, outlet, transport);
            throw ex;
        }
    }

    private static HealthCheck.Result endpointHealth(final AeronTelemetryOutlet outlet)
    {
        final StringBuilder down = new StringBuilder();
        for (int i = 0; i < outlet.endpointCount(); i++)
        {
            if (!outlet.isConnected(i))
            {
                down.append(down.length() == 0 ? "" : ", ").append(outlet.endpoint(i));
            }
        }
        return down.length() == 0 ? HealthCheck.Result.up(outlet.endpointCount() + " connected") :
            HealthCheck.Result.down("not connected: " + down + " (still publishing; frames to it are dropped)");
    }

    /** Telemetry frames published so far (offers that succeeded). */
    public long framesSent()
    {
        return metrics.framesSent.get();
    }

    /** Heartbeats published so far. */
    public long heartbeatsSent()
    {
        return metrics.heartbeatsSent.get();
    }

    /** Frames (telemetry and heartbeats) dropped for {@code cause}. */
    public long framesDropped(final DropCause cause)
    {
        return metrics.dropped(cause);
    }

    /** Frames dropped for any cause. */
    public long framesDropped()
    {
        return metrics.droppedTotal();
    }

    /** Number of endpoints with a connected subscriber. */
    public int connectedEndpoints()
    {
        return outlet.connectedCount();
    }

    /** The {@code ingest-endpoints} health check as {@code /health} reports it. */
    public HealthCheck.Result health()
    {
        return endpointHealth(outlet);
    }

    /** The counters and gauges served at {@code /metrics}. */
    public Metrics metrics()
    {
        return metrics.metrics;
    }

    /** Port of {@code /health} and {@code /metrics} (the chosen one when configured as 0). */
    public int statusPort()
    {
        return status.port();
    }

    public int drones()
    {
        return config.drones;
    }

    public long firstDroneId()
    {
        return config.firstId;
    }

    public List<String> endpoints()
    {
        return config.endpoints;
    }

    /** Directory of the embedded media driver. */
    public String aeronDirectory()
    {
        return transport.directory();
    }

    /** Stops the status server, the publisher (waiting for its thread), the publications and the driver, in order. */
    public void close()
    {
        CloseHelper.closeAll(status, runner, outlet, transport);
    }
}
