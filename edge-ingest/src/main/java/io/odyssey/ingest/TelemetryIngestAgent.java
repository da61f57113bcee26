package io.odyssey.ingest;

import com.hazelcast.map.IMap;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.odyssey.codecs.RejectReason;
import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.grid.DroneState;
import io.odyssey.runtime.RateLimitedLog;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The ingest hot path: poll telemetry from Aeron, validate it, keep the newest state per drone, and write the changed
 * drones to the fleet map in batches.
 * <p>
 * Per frame nothing is allocated: the reader is a flyweight and the state table is preallocated. Every flush
 * interval the drones changed since the last flush go to the grid in one asynchronous {@code setAllAsync}. At most
 * one batch is in flight; while it is, frames keep overwriting their drones' slots, so a slow grid costs freshness,
 * never memory. A failed batch marks its drones dirty again, so their newest state is retried.
 */
final class TelemetryIngestAgent implements Agent, FragmentHandler
{
    private static final Logger LOG = LoggerFactory.getLogger(TelemetryIngestAgent.class);
    private static final int NO_OUTCOME = 0;
    private static final int SUCCEEDED = 1;
    private static final int FAILED = 2;

    private final Subscription subscription;
    private final IMap<Long, DroneState> fleet;
    private final EpochNanoClock clock;
    private final String nodeId;
    private final int fragmentLimit;
    private final long flushIntervalNs;
    private final LatestStateTable table;
    private final IngestMetrics metrics;
    private final TelemetryFrameReader reader = new TelemetryFrameReader();
    private final RateLimitedLog[] rejectLogs = new RateLimitedLog[RejectReason.values().length];
    private final RateLimitedLog gridLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(5));
    private final int[] inFlightSlots;
    private int inFlightCount;
    private boolean flushInFlight;
    private volatile int flushOutcome = NO_OUTCOME;
    private long nextFlushNs;

    TelemetryIngestAgent(
        final Subscription subscription,
        final IMap<Long, DroneState> fleet,
        final EpochNanoClock clock,
        final String nodeId,
        final int fragmentLimit,
        final long flushIntervalMs,
        final LatestStateTable table,
        final IngestMetrics metrics)
    {
        this.subscription = subscription;
        this.fleet = fleet;
        this.clock = clock;
        this.nodeId = nodeId;
        this.fragmentLimit = fragmentLimit;
        this.flushIntervalNs = TimeUnit.MILLISECONDS.toNanos(flushIntervalMs);
        this.table = table;
        this.metrics = metrics;
        this.inFlightSlots = new int[table.capacityForFlush()];
        for (final RejectReason reason : RejectReason.values())
        {
            rejectLogs[reason.ordinal()] = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(1));
        }
    }

    public int doWork()
    {
        int work = subscription.poll(this, fragmentLimit);
        work += completeFlush();
        work += flushIfDue();
        return work;
    }

    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        metrics.framesReceived.increment();
        final long now = clock.nanoTime();
        final int kind;
        try
        {
            kind = reader.read(buffer, offset, length);
        }
        catch (final RuntimeException ex)
        {
            // The reader bounds-checks before it reads; this is a last line so one odd frame never stops ingest.
            reject(RejectReason.TRUNCATED, 0, now);
            return;
        }
        if (kind == TelemetryFrameReader.TELEMETRY)
        {
            onTelemetry(now);
        }
        else if (kind == TelemetryFrameReader.HEARTBEAT)
        {
            metrics.heartbeats.increment();
            final int slot = table.existingSlot(reader.heartbeat().droneId());
            if (slot != LatestStateTable.NO_SLOT)
            {
                table.heard(slot, now);
            }
        }
        else
        {
            reject(reader.rejectReason(), 0, now);
        }
    }

    private void onTelemetry(final long now)
    {
        final long droneId = reader.telemetry().droneId();
        final int slot = table.slotFor(droneId);
        if (slot == LatestStateTable.NO_SLOT)
        {
            metrics.tableFull.increment();
            return;
        }
        if (reader.telemetry().sequence() <= table.sequence(slot))
        {
            reject(RejectReason.STALE_SEQUENCE, droneId, now);
            return;
        }
        table.update(slot, reader, now);
        metrics.framesAccepted.increment();
        metrics.ingestDecoded.record(now - reader.telemetry().sentAtNanos());
    }

    private void reject(final RejectReason reason, final long droneId, final long now)
    {
        metrics.framesRejected[reason.ordinal()].increment();
        final RateLimitedLog log = rejectLogs[reason.ordinal()];
        if (log.tryAcquire(now))
        {
            final long suppressed = log.suppressedSinceLast();
            LOG.warn("rejected frame: {}{} ({} more since the last line)", reason,
                droneId > 0 ? " from drone " + droneId : "", suppressed);
        }
    }

    private int flushIfDue()
    {
        if (flushInFlight || table.dirtyCount() == 0)
        {
            return 0;
        }
        final long now = clock.nanoTime();
        if (now - nextFlushNs < 0)
        {
            return 0;
        }
        nextFlushNs = now + flushIntervalNs;
        final Map<Long, DroneState> batch = new HashMap<>((int)(table.dirtyCount() / 0.75f) + 1);
        inFlightCount = table.drainDirty(batch, inFlightSlots, now, nodeId);
        flushInFlight = true;
        try
        {
            fleet.setAllAsync(batch).whenComplete((ignored, error) -> onFlushComplete(batch, error));
        }
        catch (final RuntimeException ex)
        {
            onFlushComplete(batch, ex);
        }
        return 1;
    }

    /** Runs on a Hazelcast thread: only records latency and publishes the outcome to the agent thread. */
    private void onFlushComplete(final Map<Long, DroneState> batch, final Throwable error)
    {
        if (error == null)
        {
            final long now = clock.nanoTime();
            for (final DroneState state : batch.values())
            {
                metrics.gridWritten.record(now - state.sentAtNanos());
            }
            metrics.gridFlushes.increment();
            metrics.gridEntriesWritten.add(batch.size());
            flushOutcome = SUCCEEDED;
        }
        else
        {
            metrics.gridWriteFailures.increment();
            if (gridLog.tryAcquire(System.nanoTime()))
            {
                LOG.warn("writing {} drone states to the grid failed, will retry ({} similar failures since): {}",
                    batch.size(), gridLog.suppressedSinceLast(), error.toString());
            }
            flushOutcome = FAILED;
        }
    }

    private int completeFlush()
    {
        final int outcome = flushOutcome;
        if (outcome == NO_OUTCOME)
        {
            return 0;
        }
        flushOutcome = NO_OUTCOME;
        if (outcome == FAILED)
        {
            for (int i = 0; i < inFlightCount; i++)
            {
                table.markDirty(inFlightSlots[i]);
            }
        }
        inFlightCount = 0;
        flushInFlight = false;
        return 1;
    }

    boolean flushInFlight()
    {
        return flushInFlight;
    }

    /** On close: one last synchronous attempt to write what is dirty, bounded in time. */
    void finalFlush(final long timeoutMs)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (System.nanoTime() - deadline < 0 && (flushInFlight || table.dirtyCount() > 0))
        {
            completeFlush();
            nextFlushNs = 0;
            flushIfDue();
            Thread.onSpinWait();
        }
    }

    public String roleName()
    {
        return "telemetry-ingest";
    }
}
