package io.odyssey.simulator;

import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.runtime.Counter;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;

/**
 * Flies the fleet and publishes its telemetry. Drone {@code i} sends at phase {@code i/N} of each period, so the
 * frames of N drones are spread evenly over the period instead of leaving in one burst (bursts would measure
 * queueing, not latency). Each frame advances its drone by exactly one period of simulated time.
 * <p>
 * Allocation-free: one reusable direct buffer, one flyweight writer, one publication per endpoint. A frame that
 * cannot be offered is dropped and counted, never retried: the next frame carries newer state anyway.
 */
final class TelemetryPublisherAgent implements Agent
{
    /** Never send more than this many frames in one duty cycle, so close() and the driver get a look in. */
    private static final int MAX_FRAMES_PER_CYCLE = 4096;

    private final DroneFleet fleet;
    private final ExclusivePublication[] publications;
    private final NanoClock nanoClock;
    private final EpochNanoClock epochClock;
    private final long periodNs;
    private final double dtSeconds;
    private final long heartbeatEveryRounds;
    private final TelemetryFrameWriter writer = new TelemetryFrameWriter();
    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
    private final Counter framesSent;
    private final Counter heartbeatsSent;
    private final Counter backPressured;
    private final Counter notConnected;
    private final Counter otherFailures;
    private final Counter roundsSkipped;

    private long startNs;
    private long round;
    private int cursor;

    TelemetryPublisherAgent(
        final DroneFleet fleet,
        final ExclusivePublication[] publications,
        final NanoClock nanoClock,
        final EpochNanoClock epochClock,
        final double rateHz,
        final long heartbeatIntervalMs,
        final SimulatorMetrics metrics)
    {
        this.fleet = fleet;
        this.publications = publications;
        this.nanoClock = nanoClock;
        this.epochClock = epochClock;
        this.periodNs = (long)(1_000_000_000L / rateHz);
        this.dtSeconds = 1.0 / rateHz;
        this.heartbeatEveryRounds = Math.max(1, Math.round(heartbeatIntervalMs * rateHz / 1000.0));
        this.framesSent = metrics.framesSent;
        this.heartbeatsSent = metrics.heartbeatsSent;
        this.backPressured = metrics.backPressured;
        this.notConnected = metrics.notConnected;
        this.otherFailures = metrics.otherFailures;
        this.roundsSkipped = metrics.roundsSkipped;
    }

    public void onStart()
    {
        startNs = nanoClock.nanoTime();
    }

    public int doWork()
    {
        final long now = nanoClock.nanoTime();
        final int size = fleet.size();
        int work = 0;
        while (work < MAX_FRAMES_PER_CYCLE && dueNs(round, cursor, size) <= now)
        {
            send(cursor);
            work++;
            if (++cursor == size)
            {
                cursor = 0;
                round++;
                // After a long stall (GC, suspended VM) do not fire a backlog of stale rounds: rejoin the schedule.
                final long behind = (now - dueNs(round, 0, size)) / periodNs;
                if (behind > 1)
                {
                    round += behind;
                    roundsSkipped.add(behind);
                }
            }
        }
        return work;
    }

    private long dueNs(final long round, final int index, final int size)
    {
        return startNs + round * periodNs + (periodNs * index) / size;
    }

    private void send(final int index)
    {
        final long sequence = fleet.step(index, dtSeconds);
        final long droneId = fleet.droneId(index);
        final ExclusivePublication publication = publicationFor(droneId);
        final int length = writer.telemetry(buffer, 0, droneId, sequence, epochClock.nanoTime(),
            fleet.latitude(index), fleet.longitude(index), (float)fleet.altitude(index), (float)fleet.heading(index),
            (float)fleet.speed(index), (float)fleet.battery(index), fleet.status(index), fleet.flags(index),
            (float)fleet.climbRate(index));
        if (offer(publication, length))
        {
            framesSent.increment();
        }
        if (round % heartbeatEveryRounds == 0)
        {
            final int heartbeatLength = writer.heartbeat(buffer, 0, droneId, epochClock.nanoTime(), sequence);
            if (offer(publication, heartbeatLength))
            {
                heartbeatsSent.increment();
            }
        }
    }

    /**
     * The drone's home endpoint ({@code id % endpoints}) while it is connected; otherwise the next connected one, so the
     * drones of an ingest node that died move to the others (Aeron reports a UDP publication unconnected once the
     * receiver's status messages stop, after its connection timeout) and move back when it returns.
     */
    private ExclusivePublication publicationFor(final long droneId)
    {
        final int count = publications.length;
        final int home = (int)(droneId % count);
        for (int i = 0; i < count; i++)
        {
            final ExclusivePublication candidate = publications[(home + i) % count];
            if (candidate.isConnected())
            {
                return candidate;
            }
        }
        return publications[home];
    }

    private boolean offer(final ExclusivePublication publication, final int length)
    {
        final long result = publication.offer(buffer, 0, length);
        if (result > 0)
        {
            return true;
        }
        if (result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION)
        {
            backPressured.increment();
        }
        else if (result == Publication.NOT_CONNECTED)
        {
            notConnected.increment();
        }
        else
        {
            otherFailures.increment();
        }
        return false;
    }

    public String roleName()
    {
        return "telemetry-publisher";
    }
}
