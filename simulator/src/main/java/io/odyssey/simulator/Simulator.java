package io.odyssey.simulator;

import io.aeron.Subscription;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.runtime.CommandEndpoint;
import io.odyssey.runtime.Health;
import io.odyssey.runtime.HealthCheck;
import io.odyssey.runtime.IdleStrategies;
import io.odyssey.runtime.Metrics;
import io.odyssey.runtime.ProgressWatch;
import io.odyssey.runtime.SteadyEpochClock;
import io.odyssey.runtime.StatusServer;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.CompositeAgent;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A running simulator: an embedded media driver, one publication per ingest endpoint, a subscription where the drones
 * take commands, the command receiver and the publisher agent on one thread, and {@code /health} + {@code /metrics}.
 * Usable in-process by tests: {@link #launch(SimulatorConfig)} with {@code statusPort = 0} (and a command endpoint on
 * port 0), read the counters and {@link #commandEndpoint()}, {@link #close()}.
 * <p>
 * Readiness is UP when every endpoint has a connected subscriber and DOWN (naming the others) otherwise; either way
 * the drones keep flying and publishing, so an ingest that starts later hears them as soon as it connects. Liveness is
 * the publishing thread's progress alone.
 */
public final class Simulator implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Simulator.class);
    /** The link id the simulated drones sign with (a drone flies in one simulator process). */
    static final int LINK_ID = 1;
    /** How often the key file is looked at for a change (a stat; a read only when it changed). */
    static final long KEY_RELOAD_PERIOD_MS = 1_000;
    /** How far a command's signed timestamp may be from the drone's clock: a minute, as ingest allows by default. */
    static final long COMMAND_WINDOW_NS = TimeUnit.SECONDS.toNanos(60);

    private final SimulatorConfig config;
    private final AeronTransport transport;
    private final AeronTelemetryOutlet outlet;
    private final Subscription commands;
    private final String commandEndpoint;
    private final AgentRunner runner;
    private final StatusServer status;
    private final SimulatorMetrics metrics;
    private java.util.concurrent.ScheduledExecutorService keyReload;
    private MavlinkDroneLink mavlink;

    private Simulator(
        final SimulatorConfig config, final AeronTransport transport, final AeronTelemetryOutlet outlet,
        final Subscription commands, final String commandEndpoint, final AgentRunner runner, final StatusServer status,
        final SimulatorMetrics metrics)
    {
        this.config = config;
        this.transport = transport;
        this.outlet = outlet;
        this.commands = commands;
        this.commandEndpoint = commandEndpoint;
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
        final io.odyssey.codecs.sign.DroneKeyRing droneKeys = config.droneKeyRing();
        // Resolved before anything starts: a name that does not resolve is a configuration error, not a runtime one.
        final int commandAddress = config.takesCommands() ? advertisedAddress(config) : 0;
        final DroneFleet fleet = new DroneFleet(config.drones, config.firstId, config.seed, config.centerLat,
            config.centerLon, config.radiusM, config.cruiseSpeedMps, config.failsafeBatteryPct, config.batteryDrainFactor)
            .counterBase(DroneFleet.bootCounterBase());
        final SimulatorMetrics metrics = new SimulatorMetrics();
        final AeronTransport transport = AeronTransport.launchEmbedded(SimulatorConfig.AERON_DIR, config.aeronDir, "simulator");
        AeronTelemetryOutlet outlet = null;
        Subscription commands = null;
        AgentRunner runner = null;
        MavlinkDroneLink mavlink = null;
        try
        {
            outlet = new AeronTelemetryOutlet(transport.aeron(), config.endpoints, config.streamId,
                config.commandControlEndpoints, config.commandStreamId);
            int commandPort = 0;
            String commandEndpoint = null;
            if (config.takesCommands())
            {
                commands = CommandEndpoint.subscribe(transport.aeron(), SimulatorConfig.COMMAND_ENDPOINT,
                    config.commandEndpoint, config.commandHost(), config.commandPort(), config.commandStreamId);
                commandPort = config.advertisedPort(config.commandPort() != 0 ? config.commandPort() : CommandEndpoint.boundPort(commands));
                commandEndpoint = ipv4(commandAddress) + ":" + commandPort;
            }
            final AeronTelemetryOutlet publications = outlet;
            metrics.metrics.gauge("odyssey_sim_drones", "Drones flown by this process", () -> config.drones);
            metrics.metrics.gauge("odyssey_sim_endpoints_connected", "Ingest endpoints with a connected subscriber",
                publications::connectedCount);

            final SystemNanoClock nanoClock = new SystemNanoClock();
            // One steady clock for everything the agent's thread stamps, signs and checks: a step back of the wall
            // clock neither holds the drones' signatures nor makes ingest's commands look stale (SteadyEpochClock).
            final SteadyEpochClock clock = new SteadyEpochClock();
            metrics.metrics.gauge("odyssey_sim_clock_steps_back_ridden_out",
                "Steps back of the wall clock the signing clock rode out (at half rate until the wall clock met it)", clock::stepsRiddenOut);
            metrics.metrics.gauge("odyssey_sim_clock_steps_back_followed",
                "Steps back of the wall clock larger than the signing clock rides out (60 s), followed",
                clock::stepsFollowed);
            final TelemetryPublisherAgent publisher = new TelemetryPublisherAgent(fleet, outlet, nanoClock,
                clock, config.rateHz, config.timeScale, config.heartbeatIntervalMs, commandAddress,
                commandPort, metrics);
            publisher.signWith(new io.odyssey.codecs.sign.FrameSigner(droneKeys, clock, LINK_ID));
            if (config.mavlinkDrones > 0)
            {
                mavlink = new MavlinkDroneLink(fleet, config.mavlinkDrones, config.mavlinkEdge, droneKeys,
                    clock, metrics, config.mavlinkDropAcks, config.mavlinkBusyCommands,
                    config.mavlinkModeSwitches());
                publisher.mavlink(mavlink);
                LOG.info("drones {}..{} speak MAVLink 2 to {} (system ids 1..{})",
                    fleet.droneId(fleet.size() - config.mavlinkDrones), fleet.droneId(fleet.size() - 1),
                    config.mavlinkEdge, config.mavlinkDrones);
            }
            final CommandIntake intake = new CommandIntake(fleet,
                new io.odyssey.codecs.sign.FrameVerifier(droneKeys, clock, COMMAND_WINDOW_NS), nanoClock, clock,
                metrics);
            // One thread for both (two cores: never a second spinning thread), commands first in each duty cycle.
            final List<Subscription> commandSources = new ArrayList<>(outlet.commandChannels());
            if (commands != null)
            {
                commandSources.add(commands);
            }
            final Agent agent = commandSources.isEmpty() ? publisher : new CompositeAgent(
                new CommandReceiverAgent(commandSources, intake), publisher);
            final ProgressWatch progress = new ProgressWatch("simulator agent",
                ProgressWatch.timeoutNs(config.livenessTimeoutS));
            runner = new AgentRunner(IdleStrategies.byName(SimulatorConfig.IDLE_STRATEGY, config.idleStrategy),
                ex -> LOG.error("publisher error", ex), null, progress.watching(agent));
            AgentRunner.startOnThread(runner);

            final AgentRunner agentRunner = runner;
            final Health health = new Health(metrics.metrics.role())
                .live("agent", () -> agentRunner.isClosed() ? HealthCheck.Result.down("stopped") : progress.check())
                .ready("ingest-endpoints", () -> endpointHealth(publications));
            final StatusServer status = new StatusServer(config.statusHost, config.statusPort, metrics.metrics, health);
            LOG.info("flying {} drones (ids {}..{}) at {} Hz (time x{}) to {} stream {}", config.drones, config.firstId,
                config.firstId + config.drones - 1, config.rateHz, config.timeScale, config.endpoints, config.streamId);
            if (config.hasCommandChannels())
            {
                LOG.info("opening command channels (stream {}) through the ingest nodes' control endpoints {}",
                    config.commandStreamId, config.commandControlEndpoints);
            }
            if (commands != null)
            {
                LOG.info("taking commands on {} stream {}, advertised as {}", config.commandEndpoint,
                    config.commandStreamId, commandEndpoint);
            }
            else if (!config.hasCommandChannels())
            {
                LOG.info("taking no commands ({} is {})", SimulatorConfig.COMMAND_ENDPOINT.envName(),
                    config.commandEndpoint);
            }
            final Simulator simulator = new Simulator(config, transport, outlet, commands, commandEndpoint, runner,
                status, metrics);
            simulator.mavlink = mavlink;
            // A key written into the key file (a rotation handed to the drone) is signed with from the next frames.
            simulator.keyReload = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(runnable ->
            {
                final Thread thread = new Thread(runnable, "simulator-key-reload");
                thread.setDaemon(true);
                return thread;
            });
            simulator.keyReload.scheduleWithFixedDelay(droneKeys::reloadIfChanged, KEY_RELOAD_PERIOD_MS,
                KEY_RELOAD_PERIOD_MS, TimeUnit.MILLISECONDS);
            return simulator;
        }
        catch (final Exception | Error ex)
        {
            CloseHelper.quietCloseAll(runner, mavlink, commands, outlet, transport);
            throw ex;
        }
    }


    /**
     * The IPv4 address heartbeats give for commands, as {@code (a << 24) | (b << 16) | (c << 8) | d}: the advertised
     * host, else the endpoint's host; a wildcard endpoint (0.0.0.0) advertises this host's address, which is what
     * a peer on another machine or container can reach, or loopback when there is none.
     */
    static int advertisedAddress(final SimulatorConfig config)
    {
        final boolean advertised = !config.advertisedHost().isBlank();
        return CommandEndpoint.advertisedAddress(
            advertised ? SimulatorConfig.COMMAND_ADVERTISE : SimulatorConfig.COMMAND_ENDPOINT,
            advertised ? config.advertisedHost() : config.commandHost());
    }

    static String ipv4(final int address)
    {
        return CommandEndpoint.ipv4(address);
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

    /**
     * Where the drones take commands, as their heartbeats advertise it ({@code a.b.c.d:port}, the port resolved when
     * configured as 0), or null when they take none.
     */
    public String commandEndpoint()
    {
        return commandEndpoint;
    }

    /** Valid commands for this process's drones received so far (accepted, rejected and resent ones). */
    public long commandsReceived()
    {
        return metrics.commandsReceived();
    }

    /** Command frames not acted on (dropped, or answered REJECTED for invalid parameters). */
    public long commandFramesInvalid()
    {
        return metrics.commandFramesInvalid();
    }

    /** Command statuses published so far. */
    public long commandStatusesSent()
    {
        return metrics.statusesSent.get();
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

    public List<String> endpoints()
    {
        return config.endpoints;
    }

    /** Directory of the embedded media driver. */
    public String aeronDirectory()
    {
        return transport.directory();
    }

    /**
     * Stops the status server, the agents (waiting for their thread), the command subscription, the publications and
     * the driver, in order.
     */
    public void close()
    {
        if (keyReload != null)
        {
            keyReload.shutdownNow();
        }
        CloseHelper.closeAll(status, runner, mavlink, commands, outlet, transport);
    }
}
