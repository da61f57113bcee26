package io.odyssey.simulator;

import io.aeron.ExclusivePublication;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.runtime.HealthCheck;
import io.odyssey.runtime.IdleStrategies;
import io.odyssey.runtime.StatusServer;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;

/** A running simulator: embedded media driver, one publication per ingest endpoint, the publisher agent, status. */
public final class Simulator implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Simulator.class);

    private final AeronTransport transport;
    private final ExclusivePublication[] publications;
    private final AgentRunner runner;
    private final StatusServer status;
    private final SimulatorMetrics metrics;
    private final DroneFleet fleet;

    private Simulator(
        final AeronTransport transport, final ExclusivePublication[] publications, final AgentRunner runner,
        final StatusServer status, final SimulatorMetrics metrics, final DroneFleet fleet)
    {
        this.transport = transport;
        this.publications = publications;
        this.runner = runner;
        this.status = status;
        this.metrics = metrics;
        this.fleet = fleet;
    }

    public static Simulator launch(final SimulatorConfig config) throws Exception
    {
        config.conclude();
        final DroneFleet fleet = new DroneFleet(config.drones, config.firstId, config.seed, config.centerLat,
            config.centerLon, config.radiusM, config.cruiseSpeedMps);
        final SimulatorMetrics metrics = new SimulatorMetrics();
        final AeronTransport transport = AeronTransport.launchEmbedded(config.aeronDir, "simulator");
        ExclusivePublication[] publications = new ExclusivePublication[0];
        AgentRunner runner = null;
        try
        {
            publications = new ExclusivePublication[config.endpoints.size()];
            for (int i = 0; i < publications.length; i++)
            {
                publications[i] = transport.aeron().addExclusivePublication(
                    AeronTransport.udpChannel(config.endpoints.get(i)), config.streamId);
            }
            final ExclusivePublication[] pubs = publications;
            metrics.metrics.gauge("odyssey_sim_drones", "Drones flown by this process", () -> config.drones);
            metrics.metrics.gauge("odyssey_sim_endpoints_connected", "Ingest endpoints with a connected subscriber", () ->
            {
                int connected = 0;
                for (final ExclusivePublication publication : pubs)
                {
                    connected += publication.isConnected() ? 1 : 0;
                }
                return connected;
            });

            final TelemetryPublisherAgent agent = new TelemetryPublisherAgent(fleet, publications, new SystemNanoClock(),
                new SystemEpochNanoClock(), config.rateHz, config.heartbeatIntervalMs, metrics);
            runner = new AgentRunner(IdleStrategies.byName(SimulatorConfig.IDLE_STRATEGY, config.idleStrategy),
                ex -> LOG.error("publisher error", ex), null, agent);
            AgentRunner.startOnThread(runner);

            final Map<String, HealthCheck> checks = new LinkedHashMap<>();
            checks.put("ingest-endpoints", () ->
            {
                final StringBuilder down = new StringBuilder();
                for (int i = 0; i < pubs.length; i++)
                {
                    if (!pubs[i].isConnected())
                    {
                        down.append(down.length() == 0 ? "" : ", ").append(config.endpoints.get(i));
                    }
                }
                return down.length() == 0 ? HealthCheck.Result.up(pubs.length + " connected") :
                    HealthCheck.Result.down("not connected: " + down);
            });
            final StatusServer status = new StatusServer(config.statusHost, config.statusPort, metrics.metrics, checks);
            LOG.info("flying {} drones (ids {}..{}) at {} Hz to {}", config.drones, config.firstId,
                config.firstId + config.drones - 1, config.rateHz, config.endpoints);
            return new Simulator(transport, publications, runner, status, metrics, fleet);
        }
        catch (final Exception | Error ex)
        {
            CloseHelper.quietClose(runner);
            CloseHelper.quietCloseAll(publications);
            transport.close();
            throw ex;
        }
    }

    public long framesSent()
    {
        return metrics.framesSent.get();
    }

    public int statusPort()
    {
        return status.port();
    }

    public int drones()
    {
        return fleet.size();
    }

    public void close()
    {
        CloseHelper.closeAll(status, runner);
        CloseHelper.closeAll(publications);
        transport.close();
    }
}
