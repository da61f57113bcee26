package io.odyssey.ingest;

import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicate;
import com.hazelcast.query.Predicates;
import io.odyssey.alerts.AlertMonitor;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.UnreadableRecords;
import io.odyssey.relay.CommandRelay;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.RateLimitedLog;
import io.odyssey.runtime.Component;
import io.odyssey.runtime.Health;
import io.odyssey.runtime.HealthCheck;
import io.odyssey.runtime.RealTimeClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@link AlertMonitor} on a thread of its own: alerts are evaluated off the hot path, from the telemetry journal
 * the ingest thread appends to, and written to the alert journal and the grid.
 */
final class AlertMonitorPart implements Component
{
    private static final Logger LOG = LoggerFactory.getLogger(AlertMonitorPart.class);
    /** How long stopping waits for the monitor's thread to end. */
    static final long STOP_TIMEOUT_MS = 5_000;

    private final EdgeIngestConfig config;
    private final IngestJournals journals;
    private final GridLink grid;
    private final IngestMetrics metrics;
    private AlertMonitor monitor;
    private Thread thread;

    AlertMonitorPart(final EdgeIngestConfig config, final IngestJournals journals, final GridLink grid,
        final IngestMetrics metrics)
    {
        this.config = config;
        this.journals = journals;
        this.grid = grid;
        this.metrics = metrics;
    }

    public String name()
    {
        return "alerts";
    }

    public void start()
    {
        final RealTimeClock wallClock = new RealTimeClock();
        final IMap<Long, DroneState> fleet = FleetGrid.fleetMap(grid.client());
        final AlertMonitor alerts = new AlertMonitor(config.alertRules(), config.maxDrones,
            journals.telemetry().telemetryQueue(), journals.alerts(), FleetGrid.alertsMap(grid.client()), config.nodeId,
            journals.root(), wallClock::nanoTime, metrics.alertsRaised, metrics.alertsCleared,
            AlertMonitor.fleetGuard(fleet, config.nodeId));
        alerts.firstStartAfter(journals.telemetryEndAtStart());
        // The ingest agent journals monotonic times on System.nanoTime (SystemNanoClock): idle ticks follow the same.
        alerts.liveRun(journals.telemetry().runId(), System::nanoTime);
        final Counter leftOut = metrics.metrics.counter("odyssey_ingest_fleet_states_unreadable_total",
            CommandRelay.FLEET_STATES_LEFT_OUT_HELP, "reader=\"alerts\"");
        final UnreadableRecords unreadable = new UnreadableRecords("fleet state", leftOut);
        final Predicate<Long, DroneState> airborneElsewhere = Predicates.and(
            Predicates.notEqual("ingestNode", config.nodeId), Predicates.notEqual("status", DroneStatus.GROUNDED.name()));
        final RateLimitedLog misfiledLog = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));
        alerts.remoteDrones(() ->
        {
            // By key: a grid client can file a state of one drone under another's key. Taken for the drone it names
            // (one on its pad, filed as flying beside one of this node's), it raised a loss of separation with a
            // drone that was not there, or moved a real remote drone away from a real conflict.
            final List<DroneState> states = new ArrayList<>();
            int misfiled = 0;
            long misfiledKey = 0;
            // Untyped: a key of another type (an Integer) or a value of another class threw a ClassCastException
            // here, which the monitor took for the grid being away: the remote picture froze, uncounted.
            for (final Map.Entry<?, ?> entry : unreadable.readableEntries(fleet.entrySet(airborneElsewhere)))
            {
                final DroneState state = DroneState.filedUnder(entry.getKey(), entry.getValue());
                if (state != null)
                {
                    states.add(state);
                }
                else
                {
                    misfiled++;
                    misfiledKey = entry.getKey() instanceof Long k ? k : -1;
                }
            }
            if (misfiled > 0)
            {
                leftOut.add(misfiled);
                if (misfiledLog.tryAcquire(System.nanoTime()))
                {
                    LOG.warn("the separation check left out {} fleet state(s) filed under another drone's key, written " +
                        "into the grid by something else (under drone {}, for example; {} such lines suppressed)",
                        misfiled, misfiledKey, misfiledLog.suppressedSinceLast());
                }
            }
            return states;
        });
        metrics.metrics.gauge("odyssey_ingest_alert_drones",
            "Drones the alert engine holds now (this node's and other nodes' airborne ones)", alerts::drones);
        metrics.metrics.gauge("odyssey_ingest_alert_remote_drones_unreadable",
            "Other nodes' fleet-map entries the separation check left out at its last look (a status no drone sends)",
            alerts::remoteDronesUnreadable);
        metrics.metrics.gauge("odyssey_ingest_alert_frames_unevaluated",
            "Frames from drones the alert engine had no room for, not evaluated (since start)", alerts::unevaluatedFrames);
        metrics.metrics.gauge("odyssey_ingest_alert_clock_steps_back",
            "Times the telemetry journal's receive times fell since start: this node's wall clock was stepped back " +
            "(the alert engine takes the fall out of its clock)", alerts::clockStepsBack);
        metrics.metrics.gauge("odyssey_ingest_alert_clock_steps_forward",
            "Times since start the telemetry journal's receive times ran more than a second ahead of its monotonic " +
            "times: this node's wall clock was stepped forward (the alert engine paces silence on the monotonic times)",
            alerts::clockStepsForward);
        metrics.metrics.gauge("odyssey_ingest_alert_monotonic_steps_refused",
            "Times since start a monotonic step between two telemetry journal entries of one run fell, or ran more " +
            "than a second ahead of the receive times (a damaged entry): the alert engine took the receive step instead",
            alerts::monotonicStepsRefused);
        monitor = alerts;
        thread = new Thread(alerts, "ingest-alerts");
        thread.setDaemon(true);
        thread.start();
    }

    public void health(final Health health)
    {
        health.ready("alerts", () -> thread.isAlive() ? HealthCheck.Result.up("evaluating") :
            HealthCheck.Result.down("the alert monitor stopped (see the log)"));
    }

    public void stop() throws InterruptedException
    {
        if (monitor != null)
        {
            monitor.stop();
        }
        if (thread != null)
        {
            thread.join(STOP_TIMEOUT_MS);
        }
    }
}
