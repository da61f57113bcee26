package io.odyssey.ingest;

import io.aeron.Image;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.odyssey.codecs.RejectReason;
import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.codecs.sbe.HeartbeatDecoder;
import io.odyssey.codecs.sbe.TelemetryDecoder;
import io.odyssey.grid.DroneState;
import io.odyssey.journal.FrameJournal;
import io.odyssey.journal.JournalLayout;
import io.odyssey.runtime.RateLimitedLog;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The ingest hot path: poll telemetry from Aeron, validate it, journal it (accepted frames to the telemetry journal,
 * refused ones with their cause to the quarantine journal), keep the newest state per drone, and write the changed
 * drones to the fleet map in batches.
 * <p>
 * <b>Per frame nothing is allocated</b>: the reader is a flyweight over the Aeron term buffer, the state table is
 * preallocated (primitive arrays and a primitive open-addressing index), counters are atomic adds and latency goes
 * into an HdrHistogram recorder. Only a rate-limited log line allocates, at most once a second per cause.
 * <p>
 * <b>Per flush</b> (every flush interval, only while something changed) the drones changed since the last flush are
 * handed as one batch to the {@link FleetWriter} (in production {@link GridBatchWriter}: one {@code setAllAsync},
 * serialised on its own thread so this one keeps polling). This is the one place ingest allocates: a {@link HashMap},
 * a boxed key and one {@link DroneState} per changed drone, because the grid client takes objects. At most one batch
 * is in flight; while it is, frames keep overwriting their drones' slots, so a slow grid costs freshness, never
 * memory. A failed batch marks its drones dirty again (their <em>newest</em> state is retried, not the failed copy)
 * and further attempts back off up to {@link #MAX_RETRY_DELAY_NS}, so an absent grid is not hammered with batches.
 * <p>
 * Threads: everything runs on the agent's thread except {@code onFlushComplete}, which runs on a grid client thread
 * and only records metrics and publishes the outcome through a volatile field; the agent applies it (clears the
 * in-flight flag, re-marks on failure) on its next duty cycle, so the state table has a single writer.
 */
final class TelemetryIngestAgent implements Agent, FragmentHandler, LatestStateTable.Evictions
{
    /** Longest wait between attempts while the grid keeps refusing batches. */
    static final long MAX_RETRY_DELAY_NS = TimeUnit.SECONDS.toNanos(1);
    /** First wait after a failed batch, when the flush interval is shorter. */
    static final long MIN_RETRY_DELAY_NS = TimeUnit.MILLISECONDS.toNanos(10);
    /** Drone id logged when the rejected frame never got far enough to name its drone. */
    static final long UNKNOWN_DRONE = Long.MIN_VALUE;
    /** Frames a drone may be ahead of what its signed clock explains (a burst after a link outage, a skipped count). */
    static final long SEQUENCE_SLACK = 10_000;
    /** Slots looked at per duty cycle for silent drones: a few hundred nanoseconds, a full pass within a second. */
    static final int EVICTION_SLOTS_PER_CYCLE = 256;

    private static final Logger LOG = LoggerFactory.getLogger(TelemetryIngestAgent.class);
    private static final long LOG_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final int NO_OUTCOME = 0;
    private static final int SUCCEEDED = 1;
    private static final int FAILED = 2;

    private final FrameSource source;
    private final FrameJournal journal;
    private final FleetWriter writer;
    private final EpochNanoClock clock;
    /**
     * Paces the batches to the grid and measures drones' silence (never a frame's or a state's time): paced on the wall
     * clock, a clock stepped back an hour (NTP, a VM restored from a snapshot) stopped every write of drone states for
     * that hour, and with it the fleet's live state, the geofence guard and every command in flight on this node's drones.
     */
    private final NanoClock pacing;
    private final String nodeId;
    private final int fragmentLimit;
    private final long flushIntervalNs;
    private final LatestStateTable table;
    private final IngestMetrics metrics;
    private final TelemetryFrameReader reader = new TelemetryFrameReader();
    private final RateLimitedLog[] rejectLogs = new RateLimitedLog[RejectReason.values().length];
    private final RateLimitedLog malformedLog = new RateLimitedLog(LOG, LOG_INTERVAL_NS);
    private final RateLimitedLog evictionLog = new RateLimitedLog(LOG, LOG_INTERVAL_NS);
    /** A drone not heard for this long gives its slot back (0 = never). */
    private long expiryNs;
    /** How far a telemetry frame's send time may be from its signed time (or this node's clock); 0 = unchecked. */
    private long sentTimeWindowNs;
    /** How many refused frames of each cause go to the quarantine journal. */
    private QuarantineBudget quarantineBudget = QuarantineBudget.unlimited();
    private final RateLimitedLog journalLog = new RateLimitedLog(LOG, LOG_INTERVAL_NS);
    /** The frame being handled, for the journal. */
    private DirectBuffer frameBuffer;
    private int frameOffset;
    private int frameLength;
    private Header frameHeader;
    /** The last journal failure, for health; null while the journal works. Written by the agent only. */
    private volatile String journalError;
    /** Used by whichever thread completes a batch; at most one batch is in flight, so never two at once. */
    private final RateLimitedLog gridLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(5));
    private final int[] inFlightSlots;
    /** Per slot: the drone's command endpoint as last announced, (IPv4 << 16) | port; 0 = none. */
    private final long[] commandEndpoints;
    /** Per slot: the correlation id of the image the drone's last heartbeat arrived on; 0 = none. */
    private final long[] commandImages;
    private io.odyssey.relay.CommandLink commandLink = io.odyssey.relay.CommandLink.NONE;
    private int inFlightCount;
    private long nextFlushNs;
    private long retryDelayNs;
    /** Written by the agent only; volatile because the status endpoint reads it as a gauge. */
    private volatile boolean flushInFlight;
    /** Handed from the grid client's completing thread to the agent. */
    private volatile int flushOutcome = NO_OUTCOME;
    private volatile CountDownLatch blockedUntil;

    /**
     * @param source          telemetry in: the node's subscription, {@link FrameSource#NONE} when frames are handed
     *                        to {@link #onFragment} directly.
     * @param journal         where accepted and refused frames are appended, {@link FrameJournal#NONE} when they come
     *                        from a journal already.
     * @param writer          where batches go.
     * @param clock           the wall clock: receive and flush times (shared with other nodes and the journal).
     * @param pacing          a monotonic clock: when batches start, and how long a drone has been silent.
     * @param flushIntervalMs minimum time between the starts of two batches; 0 = as soon as the last one completed.
     */
    TelemetryIngestAgent(
        final FrameSource source,
        final FrameJournal journal,
        final FleetWriter writer,
        final EpochNanoClock clock,
        final NanoClock pacing,
        final String nodeId,
        final int fragmentLimit,
        final long flushIntervalMs,
        final LatestStateTable table,
        final IngestMetrics metrics)
    {
        this.source = Objects.requireNonNull(source, "source");
        this.journal = Objects.requireNonNull(journal, "journal");
        this.writer = Objects.requireNonNull(writer, "writer");
        this.clock = clock;
        this.pacing = pacing;
        // Due at once (a monotonic clock's origin is arbitrary: its time may be below 0).
        this.nextFlushNs = pacing.nanoTime();
        this.nodeId = nodeId;
        this.fragmentLimit = fragmentLimit;
        this.flushIntervalNs = TimeUnit.MILLISECONDS.toNanos(flushIntervalMs);
        this.table = table;
        this.metrics = metrics;
        this.inFlightSlots = new int[table.capacity()];
        this.commandEndpoints = new long[table.capacity()];
        this.commandImages = new long[table.capacity()];
        this.retryDelayNs = firstRetryDelayNs();
        for (final RejectReason reason : RejectReason.values())
        {
            rejectLogs[reason.ordinal()] = new RateLimitedLog(LOG, LOG_INTERVAL_NS);
        }
    }

    public int doWork() throws InterruptedException
    {
        final CountDownLatch block = blockedUntil;
        if (block != null)
        {
            blockedUntil = null;
            block.await();
        }
        return source.poll(this, fragmentLimit) + serviceGrid() + evictSilentDrones();
    }

    /**
     * Every frame must verify (signature under its drone's key, timestamp window, replay window) before anything else
     * looks at it; set before the agent starts. Without it frames are taken unverified: a replay's frames come from a
     * journal that holds only frames verified when they arrived (under keys that may have rotated since).
     */
    void verifier(final io.odyssey.codecs.sign.FrameVerifier verifier)
    {
        reader.verifier(verifier);
    }

    /** Only these drone ids are accepted (see {@link TelemetryFrameReader#droneIds}); set before the agent starts. */
    void droneIds(final long min, final long max)
    {
        reader.droneIds(min, max);
    }

    /**
     * A telemetry frame whose send time lies further than this from its signed timestamp (from this node's clock when
     * frames are not verified) is refused, {@link RejectReason#SENT_TIME_OUT_OF_WINDOW}: the send time dates the frame
     * in the archive and ages the drone on every dashboard, and one far in the future would poison both. Set before the
     * agent starts; 0 (the default) = unchecked, for a replay, whose journal holds frames checked when they arrived.
     */
    void sentTimeWindow(final long nanos)
    {
        sentTimeWindowNs = nanos;
    }

    /** How many refused frames of each cause the quarantine journal takes; set before the agent starts (default: all). */
    void quarantineBudget(final double unauthenticatedPerS, final double authenticatedPerS)
    {
        quarantineBudget = new QuarantineBudget(unauthenticatedPerS, authenticatedPerS);
    }

    /** Drones silent this long give their slots back; set before the agent starts (0, the default, = never). */
    void expireAfter(final long nanos)
    {
        expiryNs = nanos;
    }

    /**
     * A bounded slice of the table per duty cycle: drones not heard for the expiry are evicted. Never while a flush is
     * in flight, whose failure would mark its (possibly freed) slots dirty again.
     * <p>
     * Silence is measured on the monotonic clock: on the wall clock a step forward evicted every drone at once (their
     * command links forgotten with them) and a step back kept silent drones for the step's length. One wall-clock
     * condition stays, with frames verified: eviction forgets the drone's replay windows, so it waits until the wall
     * clock is two signature windows past the latest time the drone was heard at, when no frame it signed (up to one
     * window ahead of this node's clock) can pass the window again. Without a step that is always so by then (the
     * expiry is longer than two windows); after a step back it holds the slot until the wall clock is there again.
     */
    int evictSilentDrones()
    {
        if (expiryNs == 0 || flushInFlight || table.size() == 0)
        {
            return 0;
        }
        final io.odyssey.codecs.sign.FrameVerifier verifier = reader.verifier();
        final long heardWallBefore = verifier == null ? Long.MAX_VALUE : clock.nanoTime() - 2 * verifier.windowNanos();
        return table.evictSilent(pacing.nanoTime() - expiryNs, heardWallBefore, EVICTION_SLOTS_PER_CYCLE, this);
    }

    /** A drone gone silent: its command link is forgotten too (the fleet map entry goes with the node's sweep). */
    public void evicted(final long droneId, final int slot)
    {
        metrics.dronesExpired.increment();
        if (reader.verifier() != null)
        {
            reader.verifier().forget(droneId);
        }
        if (commandEndpoints[slot] != 0 || commandImages[slot] != 0)
        {
            commandEndpoints[slot] = 0;
            commandImages[slot] = 0;
            commandLink.onLink(droneId, 0, 0, 0, null);
        }
        if (evictionLog.tryAcquire(pacing.nanoTime()))
        {
            LOG.info("drone {} silent for {} s: forgotten, its slot is free ({} more since the last line)", droneId,
                TimeUnit.NANOSECONDS.toSeconds(expiryNs), evictionLog.suppressedSinceLast());
        }
    }

    /**
     * Test hook: the next duty cycle waits until {@code release} opens, as a wedged thread would (a hung disk, a
     * deadlock), so the liveness check can be seen to notice. A volatile read per duty cycle otherwise.
     */
    void blockNextDutyCycle(final CountDownLatch release)
    {
        blockedUntil = release;
    }

    /** The grid half of a duty cycle: apply a finished batch's outcome, then start the next batch if one is due. */
    int serviceGrid()
    {
        return completeFlush() + flushIfDue();
    }

    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        metrics.framesReceived.increment();
        final long now = clock.nanoTime();
        frameBuffer = buffer;
        frameOffset = offset;
        frameLength = length;
        frameHeader = header;
        try
        {
            final int kind = reader.read(buffer, offset, length);
            if (kind != TelemetryFrameReader.REJECTED && header != null && reader.verifier() != null)
            {
                // Read means verified when a verifier is set: the sender holds a drone's key.
                source.signedFrame(header);
            }
            if (kind == TelemetryFrameReader.TELEMETRY)
            {
                onTelemetry(now);
            }
            else if (kind == TelemetryFrameReader.HEARTBEAT)
            {
                onHeartbeat(now);
            }
            else if (kind == TelemetryFrameReader.COMMAND_STATUS)
            {
                metrics.commandStatuses.increment();
                commandLink.onCommandStatus(reader.commandStatus(), now);
            }
            else
            {
                reject(reader.rejectReason(), now);
            }
        }
        catch (final RuntimeException ex)
        {
            // The reader bounds-checks what it reads, so this is the last line of defence: one frame the reader did
            // not foresee is counted and skipped, and the next frame is read as usual.
            metrics.framesMalformed.increment();
            quarantine(JournalLayout.CAUSE_MALFORMED, now);
            if (malformedLog.tryAcquire(pacing.nanoTime()))
            {
                LOG.warn("malformed frame of {} bytes skipped ({} more since the last line)",
                    length, malformedLog.suppressedSinceLast(), ex);
            }
        }
    }

    private void onTelemetry(final long now)
    {
        final TelemetryDecoder telemetry = reader.telemetry();
        if (!plausibleSendTime(telemetry.sentAtNanos(), now))
        {
            reject(RejectReason.SENT_TIME_OUT_OF_WINDOW, now);
            return;
        }
        final long droneId = telemetry.droneId();
        final int slot = table.slotFor(droneId);
        if (slot == LatestStateTable.NO_SLOT)
        {
            reject(RejectReason.DRONE_CAPACITY, now);
            return;
        }
        final long monotonicNow = pacing.nanoTime();
        table.heard(slot, now, monotonicNow);
        final long sequence = telemetry.sequence();
        final long lastSequence = table.sequence(slot);
        final long lastSignedAt = table.signedAt(slot);
        final io.odyssey.codecs.sign.FrameVerifier verifier = reader.verifier();
        if (sequence <= lastSequence)
        {
            // Verified frames are fresh per link; one whose sequence went back but whose signed time is later than the
            // last accepted telemetry's (on any link) comes from a drone that restarted: taken at once.
            if (verifier == null || lastSignedAt == 0 || verifier.timestamp() <= lastSignedAt)
            {
                reject(RejectReason.STALE_SEQUENCE, now);
                return;
            }
            metrics.dronesRestarted.increment();
            table.restarted(slot, sequence);
        }
        if (verifier != null && sequence > sequenceCeiling(verifier.timestamp()))
        {
            reject(RejectReason.SEQUENCE_JUMP, now);
            return;
        }
        // Journaled before the grid sees it: an accepted frame is durable even if the grid write comes later or never.
        journalAccepted(now, monotonicNow);
        table.update(slot, reader, now);
        metrics.framesAccepted.increment();
        metrics.ingestDecoded.record(now - telemetry.sentAtNanos());
    }

    /**
     * Whether the send time lies within the window of the frame's signed time (verified frames: the drone's own clock,
     * itself within the signature window of this node's) or of {@code now}. Compared as a difference both ways, so
     * that no value of the 64 bits a sender controls overflows into acceptance.
     */
    private boolean plausibleSendTime(final long sentAtNanos, final long now)
    {
        if (sentTimeWindowNs == 0)
        {
            return true;
        }
        final io.odyssey.codecs.sign.FrameVerifier verifier = reader.verifier();
        final long reference = verifier == null ? now :
            io.odyssey.codecs.sign.FrameSignature.epochNanosOf(verifier.timestamp());
        final long ahead = sentAtNanos - reference;
        // A difference beyond 2^63 wraps to the other sign: reject when the operands' signs make that possible.
        if ((sentAtNanos ^ reference) < 0 && (ahead ^ sentAtNanos) < 0)
        {
            return false;
        }
        return ahead <= sentTimeWindowNs && ahead >= -sentTimeWindowNs;
    }

    /**
     * The highest sequence a drone can have counted by {@code signedTimestamp} (10 µs units since the signing epoch):
     * one frame per millisecond since that epoch (ten times the fastest telemetry rate Odyssey is built for, 100 Hz),
     * plus {@link #SEQUENCE_SLACK}. A bound on the sequence itself rather than on its advance since the drone's last
     * frame: a drone that restarted counting from its boot time (as the simulator does, in milliseconds of the
     * signing clock) jumps far ahead of its last run and stays under it, so it is never locked out, while a sequence
     * no clock explains is refused wherever it appears, a drone's first frame included. It also keeps every accepted
     * sequence far below 2^53 (about 3.7e11 in 2026), what a JSON client reads exactly.
     */
    static long sequenceCeiling(final long signedTimestamp)
    {
        return SEQUENCE_SLACK + Math.max(0, signedTimestamp) / 100;
    }

    /** With the monotonic time too: the alert engine paces silence on it, so a step of the wall clock is no silence. */
    private void journalAccepted(final long now, final long monotonicNow)
    {
        try
        {
            if (journal.appendTelemetry(frameBuffer, frameOffset, frameLength, now, monotonicNow) >= 0)
            {
                metrics.journalAppended.increment();
            }
            if (journalError != null)
            {
                journalError = null;
                LOG.info("journal appends succeed again");
            }
        }
        catch (final RuntimeException ex)
        {
            onJournalFailure(ex, now);
        }
    }

    private void quarantine(final int cause, final long now)
    {
        final int budgetIndex = QuarantineBudget.index(cause);
        if (!quarantineBudget.tryAcquire(budgetIndex, now))
        {
            metrics.quarantineSkipped[budgetIndex].increment();
            return;
        }
        try
        {
            if (journal.appendQuarantined(frameBuffer, frameOffset, frameLength, now, cause))
            {
                metrics.quarantined.increment();
            }
        }
        catch (final RuntimeException ex)
        {
            onJournalFailure(ex, now);
        }
    }

    /**
     * A journal that cannot be written (disk full, permissions) must not stop the live view: the frame still updates
     * the fleet map, the failure is counted, logged at a bounded rate and reported by the {@code journal} health check.
     */
    private void onJournalFailure(final RuntimeException ex, final long now)
    {
        metrics.journalFailures.increment();
        journalError = ex.toString();
        if (journalLog.tryAcquire(pacing.nanoTime()))
        {
            LOG.error("journal append failed; the frame still updates the fleet map ({} more since the last line)",
                journalLog.suppressedSinceLast(), ex);
        }
    }

    /** The last journal failure while appends keep failing, null while they succeed. */
    String journalError()
    {
        return journalError;
    }

    private void onHeartbeat(final long now)
    {
        metrics.heartbeats.increment();
        final long droneId = reader.heartbeat().droneId();
        // A heartbeat takes a slot like telemetry does: "last heard" is what command routing needs per drone.
        final int slot = table.slotFor(droneId);
        if (slot == LatestStateTable.NO_SLOT)
        {
            reject(RejectReason.DRONE_CAPACITY, now);
            return;
        }
        table.heard(slot, now, pacing.nanoTime());
        final int address = reader.heartbeatCommandAddress();
        final int port = reader.heartbeatCommandPort();
        final long endpoint = ((address & 0xFFFF_FFFFL) << 16) | port;
        // The image the heartbeat came in on: its sender can be answered on a response channel (NAT-proof).
        final Image image = frameHeader != null && frameHeader.context() instanceof Image heard ? heard : null;
        final long imageId = image == null ? 0 : image.correlationId();
        if (endpoint != commandEndpoints[slot] || imageId != commandImages[slot])
        {
            // Rare (a drone's first heartbeat here, a new address, a restarted sender): only then does the command
            // side hear of it.
            commandEndpoints[slot] = endpoint;
            commandImages[slot] = imageId;
            commandLink.onLink(droneId, address, port, imageId, image == null ? null : image.sourceIdentity());
        }
    }

    /** Where answers to commands and drones' command endpoints go; set before the agent starts. */
    void commandLink(final io.odyssey.relay.CommandLink link)
    {
        commandLink = link;
    }

    private void reject(final RejectReason reason, final long now)
    {
        metrics.framesRejected[reason.ordinal()].increment();
        quarantine(reason.ordinal(), now);
        final RateLimitedLog log = rejectLogs[reason.ordinal()];
        // Log lines rate-limited on the monotonic clock: on the wall clock, a step back silenced them for its length.
        if (log.tryAcquire(pacing.nanoTime()))
        {
            final long suppressed = log.suppressedSinceLast();
            final long droneId = droneIdOfCurrentFrame(reason);
            if (droneId == UNKNOWN_DRONE)
            {
                LOG.warn("rejected frame: {} ({} more for this reason since the last line)", reason, suppressed);
            }
            else if (reason == RejectReason.DRONE_CAPACITY)
            {
                LOG.warn("rejected frame from drone {}: {}, this node already tracks its maximum of {} drones " +
                    "(ODYSSEY_INGEST_MAX_DRONES) until silent ones expire ({} more for this reason since the last line)",
                    droneId, reason, table.capacity(), suppressed);
            }
            else
            {
                LOG.warn("rejected frame from drone {}: {} ({} more for this reason since the last line)",
                    droneId, reason, suppressed);
            }
        }
    }

    /**
     * The drone id of the frame just refused, when the reader got as far as its body: that is the case for every
     * content check (the reader wraps the body before validating it), not for header-level refusals.
     */
    private long droneIdOfCurrentFrame(final RejectReason reason)
    {
        switch (reason)
        {
            case INVALID_DRONE_ID, LATITUDE_OUT_OF_RANGE, LONGITUDE_OUT_OF_RANGE, ALTITUDE_OUT_OF_RANGE,
                HEADING_OUT_OF_RANGE, NEGATIVE_SPEED, BATTERY_OUT_OF_RANGE, UNKNOWN_STATUS, STALE_SEQUENCE,
                DRONE_ID_OUT_OF_RANGE, DRONE_CAPACITY, UNKNOWN_KEY, BAD_SIGNATURE, REPLAYED, TIMESTAMP_OUT_OF_WINDOW,
                SEQUENCE_JUMP, UNSIGNED, SENT_TIME_OUT_OF_WINDOW:
                final int templateId = reader.header().templateId();
                if (templateId == TelemetryDecoder.TEMPLATE_ID)
                {
                    return reader.telemetry().droneId();
                }
                if (templateId == HeartbeatDecoder.TEMPLATE_ID)
                {
                    return reader.heartbeat().droneId();
                }
                if (templateId == io.odyssey.codecs.sbe.CommandStatusDecoder.TEMPLATE_ID)
                {
                    return reader.commandStatus().droneId();
                }
                return UNKNOWN_DRONE;

            default:
                return UNKNOWN_DRONE;
        }
    }

    private int flushIfDue()
    {
        if (flushInFlight || table.dirtyCount() == 0)
        {
            return 0;
        }
        final long paceAt = pacing.nanoTime();
        if (paceAt - nextFlushNs < 0)
        {
            return 0;
        }
        nextFlushNs = paceAt + flushIntervalNs;
        startFlush(clock.nanoTime());
        return 1;
    }

    private void startFlush(final long now)
    {
        // The one allocation of the ingest path (see the class comment): once per flush, one state per changed drone.
        final Map<Long, DroneState> batch = new HashMap<>((int)(table.dirtyCount() / 0.75f) + 1);
        // Raised before the dirty list empties, so an observer never sees "nothing dirty, nothing in flight" mid-way.
        flushInFlight = true;
        inFlightCount = table.drainDirty(batch, inFlightSlots, now, nodeId);
        final CompletionStage<Void> written;
        try
        {
            written = writer.writeAll(batch);
        }
        catch (final RuntimeException ex)
        {
            onFlushComplete(batch, ex);
            return;
        }
        written.whenComplete((ignored, error) -> onFlushComplete(batch, error));
    }

    /** Runs on the thread that completes the write: records metrics and publishes the outcome to the agent thread. */
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
                LOG.warn("writing {} drone states to the grid failed; their newest states will be retried " +
                    "({} more failures since the last line): {}", batch.size(), gridLog.suppressedSinceLast(),
                    error.toString());
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
            // The slots now hold the newest state, which may be newer than the copy that failed: that is what goes next.
            for (int i = 0; i < inFlightCount; i++)
            {
                table.markDirty(inFlightSlots[i]);
            }
            nextFlushNs = pacing.nanoTime() + retryDelayNs;
            retryDelayNs = Math.min(retryDelayNs * 2, MAX_RETRY_DELAY_NS);
        }
        else
        {
            retryDelayNs = firstRetryDelayNs();
        }
        inFlightCount = 0;
        flushInFlight = false;
        return 1;
    }

    private long firstRetryDelayNs()
    {
        return Math.max(flushIntervalNs, MIN_RETRY_DELAY_NS);
    }

    boolean flushInFlight()
    {
        return flushInFlight;
    }

    /**
     * On close, once the agent's thread has stopped: keeps writing what is dirty until it is written or the time is up.
     *
     * @return true when nothing was left unwritten.
     */
    boolean finalFlush(final long timeoutMs)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true)
        {
            completeFlush();
            if (!flushInFlight && table.dirtyCount() == 0)
            {
                return true;
            }
            if (System.nanoTime() - deadline >= 0)
            {
                LOG.warn("closing with {} drone states not confirmed written to the grid (it did not answer within {} ms)",
                    table.dirtyCount() + inFlightCount, timeoutMs);
                return false;
            }
            if (!flushInFlight)
            {
                startFlush(clock.nanoTime());
            }
            // Off the hot path now: wait politely for the grid's answer instead of spinning a core.
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
        }
    }

    public String roleName()
    {
        return "telemetry-ingest";
    }
}
