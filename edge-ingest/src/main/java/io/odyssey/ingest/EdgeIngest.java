package io.odyssey.ingest;

import io.odyssey.codecs.RejectReason;
import io.odyssey.grid.ledger.CommandAuthority;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.runtime.Components;
import io.odyssey.runtime.Health;
import io.odyssey.runtime.WritableDirectory;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A running edge ingest node, as named parts started in this order and stopped in reverse (one log line each):
 * <ol>
 *   <li>{@link GridLink}: the grid client (starting waits until the grid is reachable);</li>
 *   <li>{@link IngestJournals}: telemetry, alert and command journals;</li>
 *   <li>{@link Housekeeping}: the thread for slow periodic work (journal retention, key reloads, the fleet sweep);</li>
 *   <li>{@link TelemetryEndpoint}: the embedded media driver and the telemetry UDP subscription;</li>
 *   <li>{@link DroneLinkKeys}: the drones' link keys (file, and the grid's);</li>
 *   <li>{@link FleetMapSync}: the thread writing batches to the fleet map, and the sweep of silent drones;</li>
 *   <li>{@link CommandRelayPart}: commands from the ledger to the drones and their answers back;</li>
 *   <li>{@link AlertMonitorPart}: alerts evaluated from the journal, off the hot path;</li>
 *   <li>{@link IngestThread}: the hot path, the {@link TelemetryIngestAgent} on its own thread;</li>
 *   <li>{@link StatusEndpoint}: {@code /health} and {@code /metrics}.</li>
 * </ol>
 * Several nodes may run against one grid (distinct node ids, endpoints and status ports); each writes the drones it
 * hears, stamped with its node id. Liveness ({@code /health/live}) is the ingest thread's progress only: the node
 * keeps receiving and journaling through a grid outage, so nothing a dependency does may get it restarted. Readiness
 * ({@code /health/ready}, {@code /health}) adds the dependencies: {@code aeron} is DOWN unless the subscription's
 * channel is bound and active, {@code grid} while the client is disconnected, {@code journal} while its directory
 * cannot be written or appends fail, {@code commands} and {@code alerts} while their threads are stopped.
 * <p>
 * {@link #close()} stops the ingest thread first, which makes one last bounded attempt to write what is pending, then
 * the other parts in reverse order of their start.
 */
public final class EdgeIngest implements AutoCloseable
{
    private final IngestMetrics metrics = new IngestMetrics();
    private final LatestStateTable table;
    private final IngestJournals journals;
    private final TelemetryEndpoint telemetry;
    private final CommandRelayPart commands;
    private final IngestThread ingest;
    private final StatusEndpoint status;
    private final Components parts;

    /** Lays out the parts and what each takes from the others; nothing starts yet. */
    private EdgeIngest(final EdgeIngestConfig config, final Path journalRoot, final CommandAuthority authority)
    {
        table = new LatestStateTable(config.maxDrones);
        final Health health = new Health(metrics.metrics.role());
        final GridLink grid = new GridLink(config, metrics);
        journals = new IngestJournals(journalRoot, config, metrics);
        final Housekeeping housekeeping = new Housekeeping(journals, metrics);
        telemetry = new TelemetryEndpoint(config, metrics);
        final DroneLinkKeys keys = new DroneLinkKeys(config, grid, housekeeping, metrics);
        final FleetMapSync fleet = new FleetMapSync(config, grid, housekeeping, metrics);
        commands = new CommandRelayPart(config, telemetry, grid, journals, keys, authority, metrics);
        final AlertMonitorPart alerts = new AlertMonitorPart(config, journals, grid, metrics);
        ingest = new IngestThread(config, telemetry, journals, fleet, keys, commands, table, metrics);
        status = new StatusEndpoint(config.statusHost, config.statusPort, metrics.metrics, health);
        parts = new Components(metrics.metrics.role(), health, grid, journals, housekeeping, telemetry, keys, fleet,
            commands, alerts, ingest, status);
    }

    /**
     * Validates the configuration, then starts the parts in order (connecting to the grid waits until it is
     * reachable).
     *
     * @throws io.odyssey.runtime.ConfigurationException naming the bad setting.
     * @throws Exception when a part cannot start (e.g. the UDP endpoint or status port is taken); whatever had started
     *                   is stopped again.
     */
    public static EdgeIngest launch(final EdgeIngestConfig config) throws Exception
    {
        config.conclude();
        // Before anything waits on the grid: a journal that cannot be written is a reason not to start at all.
        final Path journalRoot = WritableDirectory.require(EdgeIngestConfig.JOURNAL_DIR, config.journalRoot());
        AeronTransport.requireWritableParent(EdgeIngestConfig.AERON_DIR, config.aeronDir);
        final EdgeIngest node = new EdgeIngest(config, journalRoot, CommandAuthority.fromFile(config.commandKeyFile));
        node.parts.start();
        return node;
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
        return journals.root();
    }

    /** Frames read from Aeron, whatever became of them. */
    public long receivedCount()
    {
        return metrics.framesReceived.get();
    }

    /** Drones this node can reach with commands (a response channel, or an endpoint their heartbeats advertise). */
    public int commandLinks()
    {
        return commands.relay().linkCount();
    }

    /** Command frames sent on {@code link}: {@code response} (drones' response channels) or {@code advertised}. */
    public long commandFramesSent(final String link)
    {
        return commands.relay().framesSent(link);
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
        return ingest.flushInFlight();
    }

    /** The port {@code /health} and {@code /metrics} are served on (the chosen one when configured as 0). */
    public int statusPort()
    {
        return status.port();
    }

    /** Test hook: the ingest thread's next duty cycle waits for {@code release}, as a wedged thread would. */
    void blockAgentUntil(final CountDownLatch release)
    {
        ingest.blockNextDutyCycle(release);
    }

    /** The media driver's directory (unique per node unless configured). */
    public String aeronDirectory()
    {
        return telemetry.transport().directory();
    }

    /** Stops the parts in reverse order of their start; again does nothing. */
    public void close()
    {
        parts.close();
    }
}
