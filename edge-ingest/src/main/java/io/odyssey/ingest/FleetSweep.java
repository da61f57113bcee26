package io.odyssey.ingest;

import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import io.odyssey.grid.ActiveAlert;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.RemoveSilentDrone;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.RateLimitedLog;
import org.agrona.concurrent.EpochNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Drones silent for the expiry leave the live fleet map: every sweep removes the entries whose newest state was received
 * before {@code now - expiry}, whichever node wrote them (see {@link RemoveSilentDrone} for why that is safe). The
 * gateway sees each as a removed entry and drops the drone from its clients' maps. Runs on the ingest node's
 * housekeeping thread, never on the hot path; a grid that is away only delays it.
 * <p>
 * Alerts follow their drones: each node's alert engine clears its own silent drones' alerts at the expiry (journaled),
 * but a node that died, or restarted without the drone, leaves its alerts behind. So the sweep also removes active
 * alerts raised more than the expiry ago whose drone is no longer in the fleet map (a live node has cleared its own by
 * then: the drone leaves the map at the expiry, its alert engine clears in the same data time).
 * <p>
 * Time is the hosts' clocks: an entry's receive time is the writing node's, the cutoff this node's. Their skew (NTP
 * keeps it far below a second) shortens or lengthens the expiry by as much.
 */
final class FleetSweep implements Runnable
{
    private static final Logger LOG = LoggerFactory.getLogger(FleetSweep.class);

    private final IMap<Long, DroneState> fleet;
    private final IMap<String, ActiveAlert> alerts;
    private final long expiryNanos;
    private final EpochNanoClock clock;
    private final Counter removed;
    private final Counter orphanAlerts;
    private final Counter failures;
    private final RateLimitedLog failureLog = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));

    FleetSweep(final IMap<Long, DroneState> fleet, final IMap<String, ActiveAlert> alerts, final long expiryNanos,
        final EpochNanoClock clock, final Counter removed, final Counter orphanAlerts, final Counter failures)
    {
        this.orphanAlerts = orphanAlerts;
        this.fleet = fleet;
        this.alerts = alerts;
        this.expiryNanos = expiryNanos;
        this.clock = clock;
        this.removed = removed;
        this.failures = failures;
    }

    /** How often to sweep: a quarter of the expiry, between 1 s and a minute (so a drone leaves within 1.25 expiries). */
    static long periodMillis(final long expiryNanos)
    {
        return Math.max(1_000, Math.min(60_000, TimeUnit.NANOSECONDS.toMillis(expiryNanos) / 4));
    }

    public void run()
    {
        final long heardBefore = clock.nanoTime() - expiryNanos;
        try
        {
            final Map<Long, Boolean> outcome = fleet.executeOnEntries(new RemoveSilentDrone(heardBefore),
                Predicates.lessThan("ingestNanos", heardBefore));
            int count = 0;
            for (final Boolean gone : outcome.values())
            {
                count += Boolean.TRUE.equals(gone) ? 1 : 0;
            }
            if (count > 0)
            {
                removed.add(count);
                LOG.info("{} drones silent for more than {} s left the fleet map", count,
                    TimeUnit.NANOSECONDS.toSeconds(expiryNanos));
            }
            int orphans = 0;
            for (final Map.Entry<String, ActiveAlert> alert :
                alerts.entrySet(Predicates.lessThan("raisedAtNanos", heardBefore)))
            {
                final ActiveAlert value = alert.getValue();
                final boolean gone = !fleet.containsKey(value.droneId()) ||
                    (value.otherDroneId() != 0 && !fleet.containsKey(value.otherDroneId()));
                // Removed only if unchanged meanwhile: a raise of the same key since is not an orphan.
                if (gone && alerts.remove(alert.getKey(), value))
                {
                    orphans++;
                }
            }
            if (orphans > 0)
            {
                orphanAlerts.add(orphans);
                LOG.info("{} active alerts of drones that left the fleet map removed (their node no longer clears them)",
                    orphans);
            }
        }
        catch (final RuntimeException ex)
        {
            // A scheduled task that throws is never run again: count, log now and then, and sweep next time.
            failures.increment();
            if (failureLog.tryAcquire(System.nanoTime()))
            {
                LOG.warn("sweeping the fleet map for silent drones failed; next sweep in {} ms ({} more since the last " +
                    "line): {}", periodMillis(expiryNanos), failureLog.suppressedSinceLast(), ex.toString());
            }
        }
    }
}
