package io.odyssey.ingest;

import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.UnreadableRecords;
import io.odyssey.relay.CommandRelay;
import io.odyssey.runtime.Component;
import io.odyssey.runtime.RealTimeClock;
import org.agrona.CloseHelper;
import org.agrona.concurrent.SystemNanoClock;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * What keeps the grid's fleet map in step with this node: the {@link GridBatchWriter} thread the ingest thread hands
 * its batches to, and the {@link FleetSweep} that removes drones silent for the expiry (and their orphaned alerts).
 */
final class FleetMapSync implements Component
{
    private final EdgeIngestConfig config;
    private final GridLink grid;
    private final Housekeeping housekeeping;
    private final IngestMetrics metrics;
    private GridBatchWriter writer;
    private ScheduledFuture<?> sweep;

    FleetMapSync(final EdgeIngestConfig config, final GridLink grid, final Housekeeping housekeeping,
        final IngestMetrics metrics)
    {
        this.config = config;
        this.grid = grid;
        this.housekeeping = housekeeping;
        this.metrics = metrics;
    }

    public String name()
    {
        return "fleet-map";
    }

    public void start()
    {
        writer = new GridBatchWriter(FleetGrid.fleetMap(grid.client()), config.nodeId);
        final long sweepMs = FleetSweep.periodMillis(config.droneExpiryNanos());
        final UnreadableRecords unreadable = new UnreadableRecords("fleet state", metrics.metrics.counter(
            "odyssey_ingest_fleet_states_unreadable_total", CommandRelay.FLEET_STATES_LEFT_OUT_HELP, "reader=\"sweep\""));
        sweep = housekeeping.every(sweepMs, sweepMs, TimeUnit.MILLISECONDS, new FleetSweep(
            FleetGrid.fleetMap(grid.client()), FleetGrid.alertsMap(grid.client()), config.droneExpiryNanos(),
            new RealTimeClock(), SystemNanoClock.INSTANCE, unreadable, metrics.fleetEntriesExpired,
            metrics.orphanAlertsRemoved, metrics.fleetSweepFailures));
    }

    public String describe()
    {
        return "drones silent for " + TimeUnit.NANOSECONDS.toMillis(config.droneExpiryNanos()) + " ms are removed";
    }

    /** Where the ingest thread's batches go; refuses them once stopped. */
    FleetWriter writer()
    {
        return writer;
    }

    public void stop()
    {
        Housekeeping.cancel(sweep);
        // After the ingest thread's last flush: that is why the ingest thread starts after this part.
        CloseHelper.quietClose(writer);
    }
}
