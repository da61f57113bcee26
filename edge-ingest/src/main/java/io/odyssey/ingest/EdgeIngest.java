package io.odyssey.ingest;

import io.aeron.Subscription;
import io.aeron.exceptions.RegistrationException;
import io.aeron.status.ChannelEndpointStatus;
import io.odyssey.codecs.RejectReason;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.GridConnection;
import io.odyssey.alerts.AlertMonitor;
import io.odyssey.relay.CommandRelay;
import io.odyssey.grid.ledger.CommandAuthority;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.journal.AlertJournal;
import io.odyssey.journal.CommandJournal;
import io.odyssey.journal.JournalNotWritableException;
import io.odyssey.journal.JournalRetention;
import io.odyssey.journal.TelemetryJournal;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.runtime.ConfigurationException;
import io.odyssey.runtime.Health;
import io.odyssey.runtime.HealthCheck;
import io.odyssey.runtime.IdleStrategies;
import io.odyssey.runtime.ProgressWatch;
import io.odyssey.runtime.RealTimeClock;
import io.odyssey.runtime.StatusServer;
import io.odyssey.runtime.WritableDirectory;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A running edge ingest node: an embedded media driver with the telemetry UDP subscription, the journals, a grid client, the
 * {@link TelemetryIngestAgent} on its own thread, the {@link GridBatchWriter} thread that hands its batches to the
 * grid, and the status endpoint ({@code /health}, {@code /metrics}).
 * <p>
 * Several nodes may run against one grid (distinct node ids, endpoints and status ports); each writes the drones it
 * hears, stamped with its node id. Liveness ({@code /health/live}) is the ingest thread's progress only: the node
 * keeps receiving and journaling through a grid outage, so nothing a dependency does may get it restarted. Readiness
 * ({@code /health/ready}, {@code /health}) adds the dependencies: {@code aeron} is DOWN unless the subscription's
 * channel is bound and active, {@code grid} while the client is disconnected, {@code journal} while its directory
 * cannot be written or appends fail.
 * <p>
 * {@link #close()} stops the agent, makes one last bounded attempt to write what is pending, then closes the journals,
 * the grid writer, the grid client, the subscription and the media driver.
 */
public final class EdgeIngest implements AutoCloseable
{
    /** How often journal retention looks for cycles to delete. */
    static final long RETENTION_PERIOD_S = 60;
    /** How often the drone key file is looked at for a rotation or revocation. */
    static final long KEY_RELOAD_PERIOD_S = 5;
    /** How often readiness proves the journal directory writable (cached in between). */
    static final long JOURNAL_PROBE_INTERVAL_NS = TimeUnit.SECONDS.toNanos(5);
    /** How long close waits for the grid to take the last states. */
    public static final long FINAL_FLUSH_TIMEOUT_MS = 2_000;

    private static final Logger LOG = LoggerFactory.getLogger(EdgeIngest.class);

    private final AeronTransport transport;
    private final Subscription subscription;
    private final GridConnection grid;
    private final GridBatchWriter gridWriter;
    private final TelemetryJournal journal;
    private final AlertJournal alertJournal;
    private final AlertMonitor alertMonitor;
    private final Thread alertThread;
    private final ScheduledExecutorService housekeeping;
    private final TelemetryIngestAgent agent;
    private final AgentRunner runner;
    private final StatusServer status;
    private final IngestMetrics metrics;
    private final LatestStateTable table;
    private final CommandRelay relay;
    private final CommandJournal commandJournal;
    private boolean closed;

    private EdgeIngest(
        final AeronTransport transport,
        final Subscription subscription,
        final GridConnection grid,
        final GridBatchWriter gridWriter,
        final TelemetryJournal journal,
        final AlertJournal alertJournal,
        final AlertMonitor alertMonitor,
        final Thread alertThread,
        final ScheduledExecutorService housekeeping,
        final TelemetryIngestAgent agent,
        final AgentRunner runner,
        final StatusServer status,
        final IngestMetrics metrics,
        final LatestStateTable table,
        final CommandRelay relay,
        final CommandJournal commandJournal)
    {
        this.relay = relay;
        this.commandJournal = commandJournal;
        this.transport = transport;
        this.subscription = subscription;
        this.grid = grid;
        this.gridWriter = gridWriter;
        this.journal = journal;
        this.alertJournal = alertJournal;
        this.alertMonitor = alertMonitor;
        this.alertThread = alertThread;
        this.housekeeping = housekeeping;
        this.agent = agent;
        this.runner = runner;
        this.status = status;
        this.metrics = metrics;
        this.table = table;
    }

    /**
     * Validates the configuration, connects to the grid (waiting until it is reachable), starts the media driver,
     * subscribes, starts the ingest thread and the status endpoint.
     *
     * @throws io.odyssey.runtime.ConfigurationException naming the bad setting.
     * @throws Exception when a part cannot start (e.g. the UDP endpoint or status port is taken); whatever had started
     *                   is closed again.
     */
    public static EdgeIngest launch(final EdgeIngestConfig config) throws Exception
    {
        config.conclude();
        // Before anything waits on the grid: a journal that cannot be written is a reason not to start at all.
        final Path journalRoot = WritableDirectory.require(EdgeIngestConfig.JOURNAL_DIR, config.journalRoot());
        AeronTransport.requireWritableParent(EdgeIngestConfig.AERON_DIR, config.aeronDir);
        final CommandAuthority authority = CommandAuthority.fromFile(config.commandKeyFile);
        final IngestMetrics metrics = new IngestMetrics();
        final LatestStateTable table = new LatestStateTable(config.maxDrones);
        final GridConnection grid = GridConnection.connect(config.clusterName, config.gridMembers, config.nodeId,
            "drone states are kept and written when it returns");

        AeronTransport transport = null;
        GridBatchWriter gridWriter = null;
        AgentRunner runner = null;
        TelemetryJournal journal = null;
        AlertJournal alertJournal = null;
        Thread alertThread = null;
        AlertMonitor alertMonitor = null;
        ScheduledExecutorService housekeeping = null;
        CommandJournal commandJournal = null;
        CommandRelay relay = null;
        try
        {
            journal = openJournal(journalRoot, config);
            // Where the alert monitor begins on a journal it has never evaluated: after what was there before us.
            final long journalEndAtStart = journal.telemetryQueue().lastIndex();
            alertJournal = new AlertJournal(journalRoot, config.rollCycle());
            commandJournal = new CommandJournal(journalRoot, config.rollCycle());
            LOG.info("journal open at {} (roll cycle {}, retention {})", journalRoot, config.journalRollCycle,
                config.journalRetentionHours == 0 ? "forever" : config.journalRetentionHours + " h");
            final JournalRetention retention = new JournalRetention(journalRoot, config.journalRetentionHours,
                System::currentTimeMillis, journal.telemetryQueue(), journal.quarantineQueue(), alertJournal.queue(),
                commandJournal.queue());
            housekeeping = Executors.newSingleThreadScheduledExecutor(runnable ->
            {
                final Thread thread = new Thread(runnable, "ingest-journal-retention");
                thread.setDaemon(true);
                return thread;
            });
            housekeeping.scheduleWithFixedDelay(() -> metrics.journalCyclesDeleted.add(retention.run()),
                0, RETENTION_PERIOD_S, TimeUnit.SECONDS);
            transport = AeronTransport.launchEmbedded(EdgeIngestConfig.AERON_DIR, config.aeronDir, "ingest");
            final Subscription subscription = transport.aeron().addSubscription(
                AeronTransport.udpChannel(config.endpoint), config.streamId);
            gridWriter = new GridBatchWriter(FleetGrid.fleetMap(grid.client()), config.nodeId);
            final TelemetryIngestAgent agent = new TelemetryIngestAgent(subscription, journal, gridWriter,
                new RealTimeClock(), config.nodeId, config.fragmentLimit, config.flushIntervalMs, table, metrics);
            agent.droneIds(config.droneIdMin, config.droneIdMax);
            final io.odyssey.codecs.sign.DroneKeyRing droneKeys = config.droneKeyRing();
            agent.verifier(new io.odyssey.codecs.sign.FrameVerifier(droneKeys, new RealTimeClock(),
                (long)(config.signatureWindowS * 1e9)));
            housekeeping.scheduleWithFixedDelay(droneKeys::reloadIfChanged, KEY_RELOAD_PERIOD_S, KEY_RELOAD_PERIOD_S,
                TimeUnit.SECONDS);
            metrics.metrics.gauge("odyssey_ingest_drone_keys",
                "Drones with a link key on this node (the key file's, with the grid's laid over them)",
                () -> droneKeys.keys().size());
            LOG.info("drone keys loaded from {}: {} drones", config.droneKeys, droneKeys.keys().size());
            final io.odyssey.grid.trust.DroneKeyVault vault =
                io.odyssey.grid.trust.DroneKeyVault.fromFile(CommandAuthority.KEY_FILE, config.commandKeyFile);
            if (vault == null)
            {
                LOG.warn("no command key ({} empty): drone keys managed through the API are not used on this node",
                    CommandAuthority.KEY_FILE.envName());
            }
            else
            {
                final ScheduledExecutorService keyThread = housekeeping;
                final GridDroneKeys gridKeys = new GridDroneKeys(FleetGrid.droneKeysMap(grid.client()), vault, droneKeys,
                    keyThread, (int)Math.min(GridDroneKeys.MAX_RECORDS, config.droneIdMax - config.droneIdMin + 1),
                    config.droneIdMin, config.droneIdMax, metrics.metrics).start();
                housekeeping.scheduleWithFixedDelay(gridKeys::requestFullRead, KEY_RELOAD_PERIOD_S, KEY_RELOAD_PERIOD_S,
                    TimeUnit.SECONDS);
            }
            agent.expireAfter(config.droneExpiryNanos());
            final long sweepMs = FleetSweep.periodMillis(config.droneExpiryNanos());
            housekeeping.scheduleWithFixedDelay(new FleetSweep(FleetGrid.fleetMap(grid.client()),
                FleetGrid.alertsMap(grid.client()), config.droneExpiryNanos(), new RealTimeClock(),
                metrics.fleetEntriesExpired, metrics.orphanAlertsRemoved, metrics.fleetSweepFailures), sweepMs, sweepMs,
                TimeUnit.MILLISECONDS);
            final ProgressWatch agentProgress = new ProgressWatch("ingest agent",
                ProgressWatch.timeoutNs(config.livenessTimeoutS));
            runner = new AgentRunner(IdleStrategies.byName(EdgeIngestConfig.IDLE_STRATEGY, config.idleStrategy),
                ex -> LOG.error("ingest agent error", ex), null, agentProgress.watching(agent));

            // Gauges read fields the agent thread writes: a monitoring approximation, never used for decisions.
            metrics.metrics.gauge("odyssey_ingest_drones",
                "Drones this node tracks now (slots taken in its latest-state table, of ODYSSEY_INGEST_MAX_DRONES)", table::size);
            metrics.metrics.gauge("odyssey_ingest_dirty_drones", "Drones changed since the last grid write", table::dirtyCount);
            metrics.metrics.gauge("odyssey_ingest_grid_flush_in_flight", "1 while a batch is being written to the grid",
                () -> agent.flushInFlight() ? 1 : 0);
            metrics.metrics.gauge("odyssey_ingest_aeron_images", "Connected senders (Aeron images)", subscription::imageCount);
            metrics.metrics.gauge("odyssey_ingest_grid_connected", "1 while connected to the grid", () -> grid.isConnected() ? 1 : 0);
            // A full journal disk stops journaling (the frames still reach the map, unjournaled): say so before it is full.
            final FileStore journalStore = Files.getFileStore(journalRoot);
            metrics.metrics.gauge("odyssey_ingest_journal_disk_free_bytes",
                "Bytes this node's journal directory can still use on its file system", () -> usableBytes(journalStore));
            metrics.metrics.gauge("odyssey_ingest_journal_disk_size_bytes",
                "Size of the file system holding this node's journal directory", () -> totalBytes(journalStore));

            final Health health = new Health(metrics.metrics.role());
            final AgentRunner agentRunner = runner;
            health.live("agent", () -> agentRunner.isClosed() ? HealthCheck.Result.down("stopped") : agentProgress.check());
            health.ready("aeron", () -> aeronHealth(subscription, config.endpoint));
            health.ready("grid", grid.healthCheck());
            final HealthCheck journalWritable = WritableDirectory.healthCheck(journalRoot, JOURNAL_PROBE_INTERVAL_NS);
            health.ready("journal", () ->
            {
                // Appends failing say it at once; the probe says it before any telemetry has arrived.
                final String error = agent.journalError();
                return error != null ? HealthCheck.Result.down("appends failing: " + error) : journalWritable.check();
            });
            relay = newCommandRelay(transport, grid, config, commandJournal, metrics, authority, droneKeys);
            agent.commandLink(relay);
            final CommandRelay commands = relay.start();
            metrics.metrics.gauge("odyssey_ingest_command_links",
                "Drones this node can reach with commands (a response channel, or an advertised endpoint)", commands::linkCount);
            metrics.metrics.gauge("odyssey_ingest_command_publications",
                "Open command publications (response channels and advertised endpoints; bounded)", commands::openPublications);
            health.ready("commands", () ->
            {
                final String error = commands.lastError();
                return !commands.isRunning() ? HealthCheck.Result.down("the command relay stopped (see the log)") :
                    error == null ? HealthCheck.Result.up(commands.linkCount() + " command links") :
                    HealthCheck.Result.down("ledger unreachable: " + error);
            });
            AgentRunner.startOnThread(runner);
            // Alerts are evaluated off the hot path, from the journal the agent appends to.
            final RealTimeClock wallClock = new RealTimeClock();
            alertMonitor = new AlertMonitor(config.alertRules(), config.maxDrones, journal.telemetryQueue(), alertJournal,
                FleetGrid.alertsMap(grid.client()), config.nodeId, journalRoot, wallClock::nanoTime, metrics.alertsRaised,
                metrics.alertsCleared, AlertMonitor.fleetGuard(FleetGrid.fleetMap(grid.client()), config.nodeId));
            alertMonitor.firstStartAfter(journalEndAtStart);
            final com.hazelcast.map.IMap<Long, io.odyssey.grid.DroneState> fleet = FleetGrid.fleetMap(grid.client());
            alertMonitor.remoteDrones(() -> fleet.values(com.hazelcast.query.Predicates.and(
                com.hazelcast.query.Predicates.notEqual("ingestNode", config.nodeId),
                com.hazelcast.query.Predicates.notEqual("status", "GROUNDED"))));
            final AlertMonitor monitor = alertMonitor;
            metrics.metrics.gauge("odyssey_ingest_alert_drones",
                "Drones the alert engine holds now (this node's and other nodes' airborne ones)", monitor::drones);
            metrics.metrics.gauge("odyssey_ingest_alert_frames_unevaluated",
                "Frames from drones the alert engine had no room for, not evaluated (since start)", monitor::unevaluatedFrames);
            alertThread = new Thread(alertMonitor, "ingest-alerts");
            alertThread.setDaemon(true);
            alertThread.start();
            final Thread alerts = alertThread;
            health.ready("alerts", () -> alerts.isAlive() ? HealthCheck.Result.up("evaluating") :
                HealthCheck.Result.down("the alert monitor stopped (see the log)"));
            final StatusServer status = new StatusServer(config.statusHost, config.statusPort, metrics.metrics, health);
            LOG.info("ingest node {} receiving telemetry on udp {} stream {}, flushing to the grid every {} ms, " +
                "room for {} drones", config.nodeId, config.endpoint, config.streamId, config.flushIntervalMs, config.maxDrones);
            return new EdgeIngest(transport, subscription, grid, gridWriter, journal, alertJournal, alertMonitor, alertThread,
                housekeeping, agent, runner, status, metrics, table, relay, commandJournal);
        }
        catch (final Exception | Error ex)
        {
            if (housekeeping != null)
            {
                housekeeping.shutdownNow();
            }
            if (alertMonitor != null)
            {
                alertMonitor.stop();
                alertThread.join(5_000);
            }
            CloseHelper.quietCloseAll(runner, relay, commandJournal, gridWriter, journal, alertJournal, transport, grid);
            throw ex;
        }
    }

    private static CommandRelay newCommandRelay(final AeronTransport transport, final GridConnection grid,
        final EdgeIngestConfig config, final CommandJournal commandJournal, final IngestMetrics metrics,
        final CommandAuthority authority, final io.odyssey.codecs.sign.DroneKeyRing droneKeys)
    {
        try
        {
            final CommandRelay.CommandMetrics commandMetrics = new CommandRelay.CommandMetrics(metrics.metrics);
            return new CommandRelay(transport.aeron(), config.commandStreamId,
                new CommandLedger(grid.client(), commandMetrics.textRepaired(), authority),
                FleetGrid.fleetMap(grid.client()), config.nodeId, new RealTimeClock(), config.commandResendMs,
                config.commandSweepMs, commandJournal, commandMetrics,
                grid.client().getMap(FleetGrid.GEOFENCES_MAP), config.geofenceAction, config.commandControlEndpoint,
                config.commandLinksMax, new io.odyssey.codecs.sign.FrameSigner(droneKeys, new RealTimeClock(),
                    config.commandLinkId()));
        }
        catch (final RegistrationException ex)
        {
            // Binding the control endpoint failed: typically its port is taken.
            throw EdgeIngestConfig.COMMAND_CONTROL_ENDPOINT.invalid(config.commandControlEndpoint,
                "a free UDP port on an address of this host to bind (" + ex.getMessage() + ")");
        }
    }

    private static TelemetryJournal openJournal(final Path journalRoot, final EdgeIngestConfig config)
    {
        try
        {
            return new TelemetryJournal(journalRoot, config.rollCycle());
        }
        catch (final JournalNotWritableException ex)
        {
            throw new ConfigurationException(EdgeIngestConfig.JOURNAL_DIR.envName() + ": " + ex.getMessage() + " as " +
                WritableDirectory.currentUser());
        }
    }

    private static HealthCheck.Result aeronHealth(final Subscription subscription, final String endpoint)
    {
        final long channelStatus = subscription.channelStatus();
        if (channelStatus != ChannelEndpointStatus.ACTIVE)
        {
            return HealthCheck.Result.down("udp " + endpoint + " not receiving: channel " +
                ChannelEndpointStatus.status(channelStatus));
        }
        return HealthCheck.Result.up("udp " + endpoint + ", " + subscription.imageCount() + " sender(s)");
    }

    public long alertsRaised()
    {
        return metrics.alertsRaised.get();
    }

    public long alertsCleared()
    {
        return metrics.alertsCleared.get();
    }

    /** Accepted telemetry frames appended to the journal. */
    public long journaledCount()
    {
        return metrics.journalAppended.get();
    }

    /** Refused frames appended to the quarantine journal. */
    public long quarantinedCount()
    {
        return metrics.quarantined.get();
    }

    public long journalFailures()
    {
        return metrics.journalFailures.get();
    }

    /** The root directory of this node's journals. */
    public Path journalRoot()
    {
        return journal.root();
    }

    /** Frames read from Aeron, whatever became of them. */
    public long receivedCount()
    {
        return metrics.framesReceived.get();
    }

    /** Drones this node can reach with commands (a response channel, or an endpoint their heartbeats advertise). */
    public int commandLinks()
    {
        return relay.linkCount();
    }

    /** Command frames sent on {@code link}: {@code response} (drones' response channels) or {@code advertised}. */
    public long commandFramesSent(final String link)
    {
        return relay.framesSent(link);
    }

    /** Telemetry frames accepted into the state table. */
    public long acceptedCount()
    {
        return metrics.framesAccepted.get();
    }

    /** Frames refused for this reason (including {@link RejectReason#STALE_SEQUENCE}, decided here, not by the reader). */
    public long rejectedCount(final RejectReason reason)
    {
        return metrics.framesRejected[reason.ordinal()].get();
    }

    /** Frames the reader could not read at all (it threw). */
    public long malformedCount()
    {
        return metrics.framesMalformed.get();
    }

    /** Drones whose slot was freed after they fell silent for the expiry. */
    public long dronesExpired()
    {
        return metrics.dronesExpired.get();
    }

    /** Fleet map entries this node's sweeps removed (silent for the expiry). */
    public long fleetEntriesExpired()
    {
        return metrics.fleetEntriesExpired.get();
    }

    /** Drones the alert engine holds now (approximate: read from another thread). */
    public int alertDrones()
    {
        return alertMonitor.drones();
    }

    /** Drones taken back after a verified restart (sequence from the start, later signed timestamp). */
    public long restartedCount()
    {
        return metrics.dronesRestarted.get();
    }

    public long heartbeatCount()
    {
        return metrics.heartbeats.get();
    }

    public long gridFlushes()
    {
        return metrics.gridFlushes.get();
    }

    public long gridEntriesWritten()
    {
        return metrics.gridEntriesWritten.get();
    }

    public long gridWriteFailures()
    {
        return metrics.gridWriteFailures.get();
    }

    /** Drones with a slot in the state table (approximate while frames arrive). */
    public int dronesKnown()
    {
        return table.size();
    }

    /** Drones whose newest state waits for the next batch (approximate while frames arrive). */
    public int dirtyDrones()
    {
        return table.dirtyCount();
    }

    /** True while a batch is being written to the grid. */
    public boolean flushInFlight()
    {
        return agent.flushInFlight();
    }

    /** The port {@code /health} and {@code /metrics} are served on (the chosen one when configured as 0). */
    /** NaN when the file system cannot say (a scrape shows the gap rather than a made-up figure). */
    private static double usableBytes(final FileStore store)
    {
        try
        {
            return store.getUsableSpace();
        }
        catch (final IOException ex)
        {
            return Double.NaN;
        }
    }

    private static double totalBytes(final FileStore store)
    {
        try
        {
            return store.getTotalSpace();
        }
        catch (final IOException ex)
        {
            return Double.NaN;
        }
    }

    public int statusPort()
    {
        return status.port();
    }

    /** Test hook: the ingest thread's next duty cycle waits for {@code release}, as a wedged thread would. */
    void blockAgentUntil(final java.util.concurrent.CountDownLatch release)
    {
        agent.blockNextDutyCycle(release);
    }

    /** The media driver's directory (unique per node unless configured). */
    public String aeronDirectory()
    {
        return transport.directory();
    }

    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        CloseHelper.quietClose(status);
        CloseHelper.quietClose(runner);
        CloseHelper.quietClose(relay);
        CloseHelper.quietClose(commandJournal);
        // The agent's thread has stopped: it is now safe to drive its last flush from here.
        agent.finalFlush(FINAL_FLUSH_TIMEOUT_MS);
        housekeeping.shutdownNow();
        alertMonitor.stop();
        try
        {
            alertThread.join(5_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        CloseHelper.quietClose(alertJournal);
        CloseHelper.quietClose(journal);
        CloseHelper.quietClose(gridWriter);
        CloseHelper.quietClose(grid);
        CloseHelper.quietClose(subscription);
        transport.close();
    }
}
