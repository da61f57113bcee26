package io.odyssey.simulator;

import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sign.NoDroneKeyException;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.RateLimitedLog;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Flies the fleet and publishes its telemetry, heartbeats and answers to commands.
 * <p>
 * <b>Schedule.</b> Drone {@code i} of N sends its telemetry at phase {@code i/N} of each period ({@code 1/rate}), so the
 * frames of N drones are spread evenly over the period instead of leaving in one burst (bursts would measure queueing,
 * not latency). Heartbeats run on their own schedule, spread the same way over the heartbeat interval, so their
 * cadence does not depend on the telemetry rate. Each telemetry frame advances its drone by exactly one period of
 * simulated time (times the time scale): the flight depends on the number of frames sent, never on how late the
 * thread woke up. After a stall (GC, suspended VM) whole rounds already a period overdue are skipped rather than sent as
 * a burst. Heartbeats say where the drones take commands.
 * <p>
 * <b>Answers</b> to commands ({@link CommandIntake} hands them to the fleet earlier in the same duty cycle) go out first
 * in each cycle, before any telemetry, on the publication the drone's telemetry uses, so the ingest node that hears the
 * drone hears its answers. Unlike telemetry an answer is not dropped when it cannot be offered: it stays pending in the
 * fleet (only the latest phase of each command) and is offered again after {@link #ANSWER_RETRY_NS}. Once a second of
 * real time (its own spread schedule) each drone running a command reports its progress.
 * <p>
 * <b>Routing.</b> Drone {@code id} publishes to endpoint {@code id % endpoints} while that endpoint is connected, and
 * otherwise to the next connected one, so the drones of an ingest node that died move to the others (Aeron reports a
 * UDP publication unconnected once the receiver's status messages stop, after its connection timeout) and move back
 * when it returns. With every endpoint connected each drone is heard on exactly one.
 * <p>
 * <b>Allocation-free</b>: one reusable direct buffer, one flyweight writer, primitive state. A frame that cannot be
 * offered is dropped and counted by {@link DropCause}, never retried: the next frame carries newer state anyway.
 */
final class TelemetryPublisherAgent implements Agent
{
    /** Never send more than this many frames of one kind in one duty cycle, so close() and the driver get a look in. */
    static final int MAX_FRAMES_PER_CYCLE = 4096;
    /** After an answer could not be offered, wait this long before offering pending answers again (no busy retry). */
    static final long ANSWER_RETRY_NS = TimeUnit.MILLISECONDS.toNanos(5);
    /** Progress reports of a running command, real time: the ground shows it, so it follows the operator's clock. */
    static final long PROGRESS_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);

    private final DroneFleet fleet;
    private final TelemetryOutlet outlet;
    private final NanoClock nanoClock;
    private final EpochNanoClock epochClock;
    private final double dtSeconds;
    private final Schedule telemetry;
    private final Schedule heartbeats;
    private final Schedule progress;
    private final int commandAddress;
    private final int commandPort;
    private final TelemetryFrameWriter writer = new TelemetryFrameWriter();
    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
    private final Counter framesSent;
    private final Counter heartbeatsSent;
    private final Counter[] dropped;
    private final Counter roundsSkipped;
    private final Counter statusesSent;
    private final Counter[] statusOffersFailed;
    private final Counter statusesLost;
    private final RateLimitedLog noKeyLog =
        new RateLimitedLog(LoggerFactory.getLogger(TelemetryPublisherAgent.class), TimeUnit.SECONDS.toNanos(10));
    private MavlinkDroneLink mavlink;
    private long answersLostReported;
    private long answerRetryAtNs;

    /**
     * @param nanoClock      monotonic clock driving the schedule (injected in tests).
     * @param epochClock     source of {@code sentAtNanos}.
     * @param timeScale      simulated seconds per real second.
     * @param commandAddress IPv4 address (as an int) where the drones take commands, 0 for none.
     * @param commandPort    UDP port where the drones take commands, 0 for none.
     */
    /** Drones of {@code link} speak MAVLink to the edge instead of SBE to ingest; set before it starts. */
    void mavlink(final MavlinkDroneLink link)
    {
        this.mavlink = link;
    }

    /** Every frame this agent sends is signed by {@code signer} (its drones' keys); set before it starts. */
    void signWith(final io.odyssey.codecs.sign.FrameSigner signer)
    {
        writer.signWith(signer);
    }

    TelemetryPublisherAgent(
        final DroneFleet fleet,
        final TelemetryOutlet outlet,
        final NanoClock nanoClock,
        final EpochNanoClock epochClock,
        final double rateHz,
        final double timeScale,
        final long heartbeatIntervalMs,
        final int commandAddress,
        final int commandPort,
        final SimulatorMetrics metrics)
    {
        this.fleet = fleet;
        this.outlet = outlet;
        this.nanoClock = nanoClock;
        this.epochClock = epochClock;
        this.dtSeconds = timeScale / rateHz;
        this.telemetry = new Schedule(Math.round(1e9 / rateHz), fleet.size());
        this.heartbeats = new Schedule(heartbeatIntervalMs * 1_000_000L, fleet.size());
        this.progress = new Schedule(PROGRESS_INTERVAL_NS, fleet.size());
        this.commandAddress = commandAddress;
        this.commandPort = commandPort;
        this.framesSent = metrics.framesSent;
        this.heartbeatsSent = metrics.heartbeatsSent;
        this.dropped = metrics.dropped;
        this.roundsSkipped = metrics.roundsSkipped;
        this.statusesSent = metrics.statusesSent;
        this.statusOffersFailed = metrics.statusOffersFailed;
        this.statusesLost = metrics.statusesLost;
    }

    public void onStart()
    {
        final long now = nanoClock.nanoTime();
        telemetry.start(now);
        heartbeats.start(now);
        progress.start(now);
        answerRetryAtNs = now;
    }

    public int doWork()
    {
        final long now = nanoClock.nanoTime();
        // Answers first: they matter more than telemetry, whose next frame is newer anyway.
        int work = sendAnswers(now);
        if (mavlink != null)
        {
            // The MAVLink drones' orders, from the edge (their answers go with this cycle's steps or at once).
            work += mavlink.poll(now);
        }
        for (int i = 0; i < MAX_FRAMES_PER_CYCLE && telemetry.dueNs() <= now; i++)
        {
            sendTelemetry(telemetry.cursor);
            roundsSkipped.add(telemetry.advance(now));
            work++;
        }
        for (int i = 0; i < MAX_FRAMES_PER_CYCLE && heartbeats.dueNs() <= now; i++)
        {
            sendHeartbeat(heartbeats.cursor);
            heartbeats.advance(now);
            work++;
        }
        for (int i = 0; i < MAX_FRAMES_PER_CYCLE && progress.dueNs() <= now; i++)
        {
            fleet.progressUpdate(progress.cursor);
            progress.advance(now);
        }
        return work;
    }

    /** Offers the pending answers of the queued drones, each drone's in order, keeping those that could not go. */
    private int sendAnswers(final long nowNs)
    {
        final int queued = fleet.answersQueued();
        if (queued == 0 || nowNs - answerRetryAtNs < 0)
        {
            return 0;
        }
        int sent = 0;
        boolean failed = false;
        for (int n = 0, drones = Math.min(queued, MAX_FRAMES_PER_CYCLE); n < drones; n++)
        {
            final int index = fleet.pollAnswerQueue();
            if (mavlink != null && mavlink.speaksMavlink(index))
            {
                // A MAVLink vehicle speaks only MAVLink: what its flight controller did shows in its telemetry.
                while (fleet.writeAnswer(index, writer, buffer, 0, epochClock.nanoTime()) > 0)
                {
                    fleet.answerSent(index);
                }
                continue;
            }
            final int endpoint = endpointFor(fleet.droneId(index));
            int length;
            try
            {
                while ((length = fleet.writeAnswer(index, writer, buffer, 0, epochClock.nanoTime())) > 0)
                {
                    final long result = outlet.offer(endpoint, buffer, 0, length);
                    if (result <= 0)
                    {
                        statusOffersFailed[DropCause.of(result).ordinal()].increment();
                        failed = true;
                        break;
                    }
                    fleet.answerSent(index);
                    statusesSent.increment();
                    sent++;
                }
            }
            catch (final NoDroneKeyException ex)
            {
                noKey(index);
                continue;
            }
            if (length > 0)
            {
                fleet.queueAnswers(index);
            }
        }
        answerRetryAtNs = failed ? nowNs + ANSWER_RETRY_NS : nowNs;
        final long lost = fleet.answersLost();
        if (lost != answersLostReported)
        {
            statusesLost.add(lost - answersLostReported);
            answersLostReported = lost;
        }
        return sent;
    }

    private void sendTelemetry(final int index)
    {
        fleet.step(index, dtSeconds);
        if (mavlink != null && mavlink.speaksMavlink(index))
        {
            mavlink.step(index, nanoClock.nanoTime());
            return;
        }
        final int endpoint = endpointFor(fleet.droneId(index));
        final int length;
        try
        {
            length = fleet.writeTelemetry(index, writer, buffer, 0, epochClock.nanoTime());
        }
        catch (final NoDroneKeyException ex)
        {
            noKey(index);
            return;
        }
        if (offer(endpoint, length))
        {
            framesSent.increment();
        }
    }

    /**
     * Drone {@code index} could not be signed for: its frame is dropped and counted, and the others go on (thrown out
     * of the duty cycle, it stopped every drone after it in the schedule, and logged a stack trace per frame).
     */
    private void noKey(final int index)
    {
        dropped[DropCause.NO_KEY.ordinal()].increment();
        noKeyLog.warn(nanoClock.nanoTime(), "drone {} has no key in the simulator's key file (revoked?): its frames " +
            "are not sent", fleet.droneId(index));
    }

    private void sendHeartbeat(final int index)
    {
        if (mavlink != null && mavlink.speaksMavlink(index))
        {
            // A MAVLink drone's HEARTBEAT goes with its telemetry, to the edge.
            return;
        }
        final long droneId = fleet.droneId(index);
        final int endpoint = endpointFor(droneId);
        final int length;
        try
        {
            length = writer.heartbeat(
                buffer, 0, droneId, epochClock.nanoTime(), fleet.sequence(index), commandAddress, commandPort);
        }
        catch (final NoDroneKeyException ex)
        {
            noKey(index);
            return;
        }
        if (offer(endpoint, length))
        {
            heartbeatsSent.increment();
        }
    }

    /** The drone's home endpoint while it is connected, else the next connected one, else home. */
    int endpointFor(final long droneId)
    {
        final int count = outlet.endpointCount();
        final int home = (int)(droneId % count);
        for (int i = 0; i < count; i++)
        {
            final int candidate = (home + i) % count;
            if (outlet.isConnected(candidate))
            {
                return candidate;
            }
        }
        return home;
    }

    private boolean offer(final int endpoint, final int length)
    {
        final long result = outlet.offer(endpoint, buffer, 0, length);
        if (result > 0)
        {
            return true;
        }
        dropped[DropCause.of(result).ordinal()].increment();
        return false;
    }

    public String roleName()
    {
        return "telemetry-publisher";
    }

    /**
     * Send times of N drones spread evenly over a period: drone {@code i} is due at
     * {@code start + round * period + period * i / N}.
     */
    static final class Schedule
    {
        private final long periodNs;
        private final int size;
        private long startNs;
        private long round;
        private int cursor;

        Schedule(final long periodNs, final int size)
        {
            this.periodNs = periodNs;
            this.size = size;
        }

        void start(final long nowNs)
        {
            startNs = nowNs;
            round = 0;
            cursor = 0;
        }

        long dueNs()
        {
            return startNs + round * periodNs + (periodNs * cursor) / size;
        }

        /**
         * Moves on to the next drone; after the last, to the next round, skipping rounds that are already more than a
         * full period overdue.
         *
         * @return the number of rounds skipped.
         */
        long advance(final long nowNs)
        {
            if (++cursor < size)
            {
                return 0;
            }
            cursor = 0;
            round++;
            final long behind = (nowNs - dueNs()) / periodNs;
            if (behind > 1)
            {
                round += behind;
                return behind;
            }
            return 0;
        }
    }
}
