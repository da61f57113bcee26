package io.odyssey.ingest;

import io.odyssey.codecs.sign.FrameVerifier;
import io.odyssey.runtime.Component;
import io.odyssey.runtime.Health;
import io.odyssey.runtime.HealthCheck;
import io.odyssey.runtime.IdleStrategies;
import io.odyssey.runtime.ProgressWatch;
import io.odyssey.runtime.RealTimeClock;
import io.odyssey.runtime.WritableDirectory;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The hot path: the {@link TelemetryIngestAgent} on its own thread, reading telemetry from the endpoint, journaling,
 * keeping the latest state per drone and handing batches to the fleet map. It starts after everything it feeds (so
 * the first frame finds them ready) and stops first (so nothing is written into a part already stopped), with one
 * last bounded flush of what is pending.
 */
final class IngestThread implements Component
{
    /** How long stopping waits for the grid to take the last states. */
    static final long FINAL_FLUSH_TIMEOUT_MS = 2_000;
    /** How often readiness proves the journal directory writable (cached in between). */
    static final long JOURNAL_PROBE_INTERVAL_NS = TimeUnit.SECONDS.toNanos(5);
    private static final Logger LOG = LoggerFactory.getLogger(IngestThread.class);

    private final EdgeIngestConfig config;
    private final TelemetryEndpoint endpoint;
    private final IngestJournals journals;
    private final FleetMapSync fleet;
    private final DroneLinkKeys keys;
    private final CommandRelayPart commands;
    private final LatestStateTable table;
    private final IngestMetrics metrics;
    private TelemetryIngestAgent agent;
    private ProgressWatch progress;
    private AgentRunner runner;

    IngestThread(final EdgeIngestConfig config, final TelemetryEndpoint endpoint, final IngestJournals journals,
        final FleetMapSync fleet, final DroneLinkKeys keys, final CommandRelayPart commands, final LatestStateTable table,
        final IngestMetrics metrics)
    {
        this.config = config;
        this.endpoint = endpoint;
        this.journals = journals;
        this.fleet = fleet;
        this.keys = keys;
        this.commands = commands;
        this.table = table;
        this.metrics = metrics;
    }

    public String name()
    {
        return "ingest";
    }

    public void start()
    {
        final TelemetryIngestAgent ingest = new TelemetryIngestAgent(endpoint, journals.telemetry(),
            fleet.writer(), new RealTimeClock(), SystemNanoClock.INSTANCE, config.nodeId, config.fragmentLimit,
            config.flushIntervalMs, table,
            metrics);
        ingest.droneIds(config.droneIdMin, config.droneIdMax);
        ingest.verifier(new FrameVerifier(keys.ring(), new RealTimeClock(), (long)(config.signatureWindowS * 1e9)));
        ingest.expireAfter(config.droneExpiryNanos());
        ingest.sentTimeWindow(config.sentTimeWindowNanos());
        ingest.quarantineBudget(config.quarantineUnauthenticatedPerS, config.quarantinePerS);
        ingest.commandLink(commands.relay());
        agent = ingest;
        progress = new ProgressWatch("ingest agent", ProgressWatch.timeoutNs(config.livenessTimeoutS));
        runner = new AgentRunner(IdleStrategies.byName(EdgeIngestConfig.IDLE_STRATEGY, config.idleStrategy),
            ex -> LOG.error("ingest agent error", ex), null, progress.watching(ingest));
        // Gauges read fields the agent thread writes: a monitoring approximation, never used for decisions.
        metrics.metrics.gauge("odyssey_ingest_drones",
            "Drones this node tracks now (slots taken in its latest-state table, of ODYSSEY_INGEST_MAX_DRONES)", table::size);
        metrics.metrics.gauge("odyssey_ingest_dirty_drones", "Drones changed since the last grid write", table::dirtyCount);
        metrics.metrics.gauge("odyssey_ingest_grid_flush_in_flight", "1 while a batch is being written to the grid",
            () -> ingest.flushInFlight() ? 1 : 0);
        AgentRunner.startOnThread(runner);
    }

    public String describe()
    {
        return "node " + config.nodeId + " receiving telemetry on udp " + config.endpoint + " stream " + config.streamId +
            ", flushing to the grid every " + config.flushIntervalMs + " ms, room for " + config.maxDrones + " drones";
    }

    /**
     * Liveness is this thread's progress only: the node keeps receiving and journaling through a grid outage. The
     * journal's readiness is here too: failing appends say it at once, the probe says it before any telemetry arrived.
     */
    public void health(final Health health)
    {
        health.live("agent", () -> runner.isClosed() ? HealthCheck.Result.down("stopped") : progress.check());
        final HealthCheck journalWritable = WritableDirectory.healthCheck(journals.root(), JOURNAL_PROBE_INTERVAL_NS);
        health.ready("journal", () ->
        {
            final String error = agent.journalError();
            return error != null ? HealthCheck.Result.down("appends failing: " + error) : journalWritable.check();
        });
    }

    boolean flushInFlight()
    {
        return agent.flushInFlight();
    }

    /** Test hook: the next duty cycle waits for {@code release}, as a wedged thread would. */
    void blockNextDutyCycle(final CountDownLatch release)
    {
        agent.blockNextDutyCycle(release);
    }

    public void stop()
    {
        CloseHelper.quietClose(runner);
        if (agent != null)
        {
            // The agent's thread has stopped: it is now safe to drive its last flush from here.
            agent.finalFlush(FINAL_FLUSH_TIMEOUT_MS);
        }
    }
}
