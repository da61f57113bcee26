package io.odyssey.mavlink.edge;

import io.aeron.Subscription;
import io.odyssey.codecs.sign.DroneKeyRing;
import io.odyssey.codecs.sign.FrameVerifier;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.runtime.CommandEndpoint;
import io.odyssey.runtime.Health;
import io.odyssey.runtime.HealthCheck;
import io.odyssey.runtime.IdleStrategies;
import io.odyssey.runtime.ProgressWatch;
import io.odyssey.runtime.SteadyEpochClock;
import io.odyssey.runtime.StatusServer;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A running MAVLink edge: a UDP socket the vehicles send to, an embedded media driver with one publication per ingest
 * endpoint, the vehicle link agent on one thread, and {@code /health} + {@code /metrics}. Usable in-process by tests:
 * {@link #launch} with port 0 for the socket and the status server, {@link #mavlinkPort()}, {@link #close()}.
 * <p>
 * Readiness is UP while at least one ingest endpoint is connected; liveness is the agent's progress.
 */
public final class MavlinkEdge implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(MavlinkEdge.class);
    static final long KEY_RELOAD_PERIOD_MS = 1_000;

    /** How far a command's signed timestamp may be from the edge's clock: a minute, as a simulated drone allows. */
    static final long COMMAND_WINDOW_NS = TimeUnit.SECONDS.toNanos(60);

    private final DatagramChannel socket;
    private final AeronTransport transport;
    private final IngestOutlet outlet;
    private final Subscription commands;
    private final String commandEndpoint;
    private final AgentRunner runner;
    private final StatusServer status;
    private final MavlinkEdgeMetrics metrics;
    private final ScheduledExecutorService keyReload;

    private MavlinkEdge(final DatagramChannel socket, final AeronTransport transport, final IngestOutlet outlet,
        final Subscription commands, final String commandEndpoint, final AgentRunner runner, final StatusServer status,
        final MavlinkEdgeMetrics metrics, final ScheduledExecutorService keyReload)
    {
        this.socket = socket;
        this.transport = transport;
        this.outlet = outlet;
        this.commands = commands;
        this.commandEndpoint = commandEndpoint;
        this.runner = runner;
        this.status = status;
        this.metrics = metrics;
        this.keyReload = keyReload;
    }

    /** Validates {@code config}, opens the socket and the publications, and starts the agent and status server. */
    public static MavlinkEdge launch(final MavlinkEdgeConfig config) throws Exception
    {
        config.conclude();
        final VehicleRegistry registry = VehicleRegistry.load(MavlinkEdgeConfig.VEHICLES, Path.of(config.vehicles));
        return launch(config, registry, DroneKeyRing.load(MavlinkEdgeConfig.DRONE_KEYS, Path.of(config.droneKeys)));
    }

    static MavlinkEdge launch(final MavlinkEdgeConfig config, final VehicleRegistry registry, final DroneKeyRing keys)
        throws Exception
    {
        config.conclude();
        final MavlinkEdgeMetrics metrics = new MavlinkEdgeMetrics();
        DatagramChannel socket = null;
        AeronTransport transport = null;
        IngestOutlet outlet = null;
        Subscription commands = null;
        AgentRunner runner = null;
        ScheduledExecutorService keyReload = null;
        try
        {
            socket = DatagramChannel.open();
            socket.configureBlocking(false);
            bind(socket, config);
            transport = AeronTransport.launchEmbedded(MavlinkEdgeConfig.AERON_DIR, config.aeronDir, "mavlink-edge");
            outlet = new IngestOutlet(transport.aeron(), config.endpoints, config.streamId);
            // Resolved before anything runs: a name that does not resolve is a configuration error.
            final int commandAddress = CommandEndpoint.advertisedAddress(
                config.commandAdvertise == null || config.commandAdvertise.isBlank() ? MavlinkEdgeConfig.COMMAND_ENDPOINT :
                    MavlinkEdgeConfig.COMMAND_ADVERTISE, config.advertisedHost());
            commands = CommandEndpoint.subscribe(transport.aeron(), MavlinkEdgeConfig.COMMAND_ENDPOINT,
                config.commandEndpoint, config.commandHost(), config.commandPort(), config.commandStreamId);
            final int commandPort = config.advertisedPort(
                config.commandPort() != 0 ? config.commandPort() : CommandEndpoint.boundPort(commands));
            // One steady clock for everything the agent stamps, signs and checks: a step back of the wall clock
            // neither stops its sequences nor holds its signatures (SteadyEpochClock). One thread uses it.
            final SteadyEpochClock clock = new SteadyEpochClock();
            final VehicleLinkAgent agent = new VehicleLinkAgent(socket, registry, keys, outlet, clock,
                new SystemNanoClock(), metrics, config.signingWindowS, config.heartbeatTimeoutMs,
                config.commandAckTimeoutMs, config.commandAttempts)
                .takeOrders(commands, new FrameVerifier(keys, clock, COMMAND_WINDOW_NS), commandAddress, commandPort);
            final String commandEndpoint = CommandEndpoint.ipv4(commandAddress) + ":" + commandPort;
            final ProgressWatch progress = new ProgressWatch("vehicle link", ProgressWatch.timeoutNs(config.livenessTimeoutS));
            runner = new AgentRunner(IdleStrategies.byName(MavlinkEdgeConfig.IDLE_STRATEGY, config.idleStrategy),
                ex -> LOG.error("vehicle link error", ex), null, progress.watching(agent));
            AgentRunner.startOnThread(runner);

            final IngestOutlet publications = outlet;
            final AgentRunner agentRunner = runner;
            metrics.metrics.gauge("odyssey_mavlink_clock_steps_back_ridden_out",
                "Steps back of the wall clock the signing clock rode out (at half rate until the wall clock met it)", clock::stepsRiddenOut);
            metrics.metrics.gauge("odyssey_mavlink_clock_steps_back_followed",
                "Steps back of the wall clock larger than the signing clock rides out (60 s), followed",
                clock::stepsFollowed);
            metrics.metrics.gauge("odyssey_mavlink_vehicles_registered", "Vehicles in the registry", registry::size);
            metrics.metrics.gauge("odyssey_mavlink_vehicles_live", "Vehicles heard within the heartbeat timeout",
                agent::liveVehicles);
            metrics.metrics.gauge("odyssey_mavlink_endpoints_connected", "Ingest endpoints with a connected subscriber",
                publications::connectedCount);
            final Health health = new Health(metrics.metrics.role())
                .live("agent", () -> agentRunner.isClosed() ? HealthCheck.Result.down("stopped") : progress.check())
                .ready("ingest-endpoints", () -> publications.connectedCount() > 0 ?
                    HealthCheck.Result.up(publications.connectedCount() + " of " + publications.endpointCount() + " connected") :
                    HealthCheck.Result.down("no ingest endpoint connected of " + config.endpoints));
            final StatusServer status = new StatusServer(config.statusHost, config.statusPort, metrics.metrics, health);
            keyReload = Executors.newSingleThreadScheduledExecutor(runnable ->
            {
                final Thread thread = new Thread(runnable, "mavlink-edge-key-reload");
                thread.setDaemon(true);
                return thread;
            });
            // A rotation or revocation written into the key file applies within a second.
            keyReload.scheduleWithFixedDelay(keys::reloadIfChanged, KEY_RELOAD_PERIOD_MS, KEY_RELOAD_PERIOD_MS,
                TimeUnit.MILLISECONDS);
            LOG.info("hearing MAVLink 2 on udp {} for {} registered vehicles, sending to ingest {} stream {}",
                socket.getLocalAddress(), registry.size(), config.endpoints, config.streamId);
            LOG.info("taking the vehicles' orders on {} stream {}, advertised as {}", config.commandEndpoint,
                config.commandStreamId, commandEndpoint);
            return new MavlinkEdge(socket, transport, outlet, commands, commandEndpoint, runner, status, metrics,
                keyReload);
        }
        catch (final Exception | Error ex)
        {
            if (keyReload != null)
            {
                keyReload.shutdownNow();
            }
            CloseHelper.quietCloseAll(runner, commands, outlet, transport, socket);
            throw ex;
        }
    }


    /** Where the vehicles take orders, as their heartbeats advertise it ({@code a.b.c.d:port}). */
    public String commandEndpoint()
    {
        return commandEndpoint;
    }

    private static void bind(final DatagramChannel socket, final MavlinkEdgeConfig config)
    {
        try
        {
            socket.bind(new InetSocketAddress(config.listenHost(), config.listenPort()));
        }
        catch (final IOException | UnresolvedAddressException ex)
        {
            // The operator's fix is this setting (another edge or a ground station holds the port): say so.
            throw MavlinkEdgeConfig.LISTEN.invalid(config.listen, "a UDP address this host can listen on (" + ex + ")");
        }
    }

    /** The UDP port vehicles send to (the bound one when the configuration asked for any). */
    public int mavlinkPort() throws IOException
    {
        return ((InetSocketAddress)socket.getLocalAddress()).getPort();
    }

    public int statusPort()
    {
        return status.port();
    }

    MavlinkEdgeMetrics metrics()
    {
        return metrics;
    }

    public void close()
    {
        keyReload.shutdownNow();
        CloseHelper.closeAll(status, runner, commands, outlet, transport, socket);
        LOG.info("stopped");
    }
}
