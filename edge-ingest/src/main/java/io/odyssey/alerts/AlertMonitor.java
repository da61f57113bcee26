package io.odyssey.alerts;

import io.odyssey.codecs.sbe.DroneStatus;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

import com.hazelcast.map.IMap;
import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.codecs.sbe.TelemetryDecoder;
import io.odyssey.grid.ActiveAlert;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.RemoveAlertIfFromNode;
import io.odyssey.journal.AlertJournal;
import io.odyssey.journal.AlertType;
import io.odyssey.journal.JournalEntry;
import io.odyssey.journal.JournalLayout;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.RateLimitedLog;
import io.odyssey.runtime.SafeText;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * Runs the {@link AlertEngine} over an ingest node's telemetry journal, on its own thread, so the ingest hot path only
 * appends: every accepted frame, in journal order, then journals each raise and clear ({@link AlertJournal}) and keeps
 * the grid's {@code alerts} map (what is active now) in step for the gateway.
 * <p>
 * Before each entry the engine is ticked to that entry's time (its journaled monotonic time within a run of the
 * ingest process, its receive time across runs, see {@link AlertEngine}), and while the journal is idle as far as
 * {@link #idleTick} says; so a journal replay, which ticks only by entry times, raises and clears the same alerts at
 * the same times in the same order.
 * <p>
 * Restart: the monitor records how far it evaluated, and a warm-up point about ten minutes earlier. After a restart
 * it replays from the warm-up point with its output muted, which rebuilds the engine's state exactly (it is
 * deterministic), and carries on live from the first entry it had not evaluated: no alert is raised twice.
 */
public final class AlertMonitor implements Runnable, AlertSink
{
    /** The file under the journal root holding "evaluated-index warm-up-index". */
    public static final String PROGRESS_FILE = "alerts-progress";
    static final long WARM_UP_NANOS = TimeUnit.MINUTES.toNanos(10);
    private static final long IDLE_TICK_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long PROGRESS_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long CHECKPOINT_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final int BATCH = 4_096;
    private static final int CHECKPOINTS = 32;

    private static final Logger LOG = LoggerFactory.getLogger(AlertMonitor.class);
    /** How often other nodes' airborne drones are read from the fleet map for the separation check across nodes. */
    static final long REMOTE_REFRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final AlertEngine engine;
    private final SingleChronicleQueue telemetry;
    private final AlertJournal journal;
    private final IMap<String, ActiveAlert> activeAlerts;
    private final String nodeId;
    private final Path progressFile;
    private final LongSupplier wallClockNanos;
    private final Counter raisedCounter;
    private final Counter clearedCounter;
    private final JournalEntry entry = JournalEntry.telemetry();
    private final TelemetryFrameReader reader = new TelemetryFrameReader();
    private final RateLimitedLog alertLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(1));
    /** (engine clock, index) about once a minute, oldest first: where a restart's warm-up starts. */
    private final long[] checkpointTimes = new long[CHECKPOINTS];
    private final long[] checkpointIndexes = new long[CHECKPOINTS];
    private int checkpointHead;
    private int checkpointCount;
    private volatile boolean running = true;
    /** The journal's last index when the node started (-1: empty): where a first start begins. */
    private long firstStartAfter = Long.MIN_VALUE;
    private volatile long evaluatedIndex = -1;
    private boolean muted;
    private long lastProgressNanos;
    /** This process's monotonic clock (the one ingest journals entries' monotonic times on). */
    private LongSupplier monotonicNanos = System::nanoTime;
    /** The run this process journals under ({@link JournalLayout#NO_RUN}: none, a replay). */
    private long liveRunId = JournalLayout.NO_RUN;
    /** Monotonic time the last entry was read; idle ticks count from it. */
    private long lastEntryReadNanos = System.nanoTime();

    /**
     * @param activeAlerts the grid map of active alerts (a replay's is in a grid of its own).
     * @param guard        asked before a lost link is raised whether the drone is still this node's (see
     *                     {@link #fleetGuard}); replays answer from the live node's recorded hand-overs.
     */
    public AlertMonitor(final AlertRules rules, final int capacity, final SingleChronicleQueue telemetry,
        final AlertJournal journal, final IMap<String, ActiveAlert> activeAlerts, final String nodeId,
        final Path journalRoot, final LongSupplier wallClockNanos, final Counter raised, final Counter cleared,
        final AlertSink.LinkGuard guard)
    {
        this.engine = new AlertEngine(rules, capacity, this);
        this.engine.linkGuard(guard);
        this.telemetry = telemetry;
        this.journal = journal;
        this.activeAlerts = Objects.requireNonNull(activeAlerts, "activeAlerts");
        this.nodeId = nodeId;
        this.progressFile = journalRoot.resolve(PROGRESS_FILE);
        this.wallClockNanos = wallClockNanos;
        this.raisedCounter = raised;
        this.clearedCounter = cleared;
    }

    private Supplier<Collection<DroneState>> remoteSource = List::of;
    private Set<Long> remoteIds = new HashSet<>();
    private long nextRemoteRefreshNanos;
    /** Other nodes' entries left out of the last look because their status is none a drone sends. */
    private volatile int remoteUnreadable;
    private final RateLimitedLog remoteLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(60));

    public void run()
    {
        final ExcerptTailer tailer = telemetry.createTailer();
        try
        {
            warmUp(tailer);
            while (running)
            {
                final int evaluated = evaluate(tailer, BATCH);
                recordProgress(false);
                refreshRemoteDrones();
                if (evaluated == 0)
                {
                    idleTick();
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
                }
            }
            recordProgress(true);
        }
        catch (final RuntimeException ex)
        {
            LOG.error("alert monitor stopped: alerts are no longer evaluated on this node", ex);
            throw ex;
        }
    }

    /**
     * Where other nodes' airborne drones come from (the fleet map), for the separation check across nodes; none until
     * set (a replay sees its own journal's drones only).
     */
    public void remoteDrones(final Supplier<Collection<DroneState>> source)
    {
        this.remoteSource = Objects.requireNonNull(source, "source");
    }

    /** At most every {@link #REMOTE_REFRESH_NANOS}: the engine learns where other nodes' drones are now. */
    private void refreshRemoteDrones()
    {
        final long now = System.nanoTime();
        if (now - nextRemoteRefreshNanos < 0)
        {
            return;
        }
        nextRemoteRefreshNanos = now + REMOTE_REFRESH_NANOS;
        final Collection<DroneState> others;
        try
        {
            others = remoteSource.get();
        }
        catch (final RuntimeException ex)
        {
            // The grid is away: keep the last picture; conflicts across nodes wait for it.
            return;
        }
        final Set<Long> seen = new HashSet<>();
        int unreadable = 0;
        for (final DroneState state : others)
        {
            final DroneStatus status = state.droneStatus();
            if (status == DroneStatus.NULL_VAL)
            {
                // Not a state any node writes (forged, or from a newer version): one entry must not stop the monitor.
                unreadable++;
                if (remoteLog.tryAcquire(now))
                {
                    // The text comes from the grid: made safe for a log line (no forged lines), and kept short.
                    LOG.warn("drone {} in the fleet map (node {}) has a status no drone sends ({}): left out of the " +
                        "separation check ({} more since the last line)", state.droneId(),
                        SafeText.sanitised(state.ingestNode(), 64), SafeText.sanitised(state.status(), 64),
                        remoteLog.suppressedSinceLast());
                }
                continue;
            }
            engine.onRemote(state.droneId(), state.latitude(), state.longitude(), state.altitude(), status.value());
            seen.add(state.droneId());
        }
        remoteUnreadable = unreadable;
        for (final Long gone : remoteIds)
        {
            if (!seen.contains(gone))
            {
                engine.removeRemote(gone);
            }
        }
        remoteIds = seen;
    }

    /**
     * The live node's journal run and monotonic clock (the ingest agent's): idle ticks then follow that clock from the
     * last entry's journaled monotonic time. Without a call idle ticks go as after a restart (no entry of the
     * current run): on the wall clock and the monotonic time since the last entry was read.
     */
    public void liveRun(final long runId, final LongSupplier monotonicNanos)
    {
        this.liveRunId = runId;
        this.monotonicNanos = Objects.requireNonNull(monotonicNanos, "monotonicNanos");
        this.lastEntryReadNanos = monotonicNanos.getAsLong();
    }

    /** Evaluates up to {@code limit} entries; returns how many there were. Also what a replay drives directly. */
    public int evaluate(final ExcerptTailer tailer, final int limit)
    {
        int count = 0;
        while (count < limit && entry.readNext(tailer))
        {
            count++;
            process(entry);
        }
        if (count > 0)
        {
            lastEntryReadNanos = monotonicNanos.getAsLong();
        }
        return count;
    }

    /**
     * While no entry comes: moves the engine on to now (less a margin: entries appended just before are visible by
     * then), so silent drones are reported lost on time. When the last entry is of this process's run, on the
     * monotonic clock alone, from that entry's journaled monotonic time: the same clock a replay moves by when the next
     * entry comes, and one a step of the wall clock does not move. Otherwise (the last entry was journaled before a
     * restart, or carries no monotonic time) the node's time away is known from the wall clock only: to it, or, if
     * later, to the last entry plus the monotonic time since it was read (the wall clock may have been stepped back).
     */
    public void idleTick()
    {
        final long now = monotonicNanos.getAsLong();
        if (!engine.tickOnRun(liveRunId, now - IDLE_TICK_MARGIN_NANOS))
        {
            engine.tick(wallClockNanos.getAsLong() - IDLE_TICK_MARGIN_NANOS);
            engine.tickSinceLastEntry(now - lastEntryReadNanos - IDLE_TICK_MARGIN_NANOS);
        }
    }

    /** Evaluates one entry read elsewhere (a replay reads each entry once for ingest and alerts). */
    public void evaluate(final JournalEntry entry)
    {
        process(entry);
    }

    /** While muted the engine's state advances but nothing is journaled or published (warm-ups). */
    public void muted(final boolean muted)
    {
        this.muted = muted;
    }

    /**
     * On a journal without recorded progress, evaluate only the entries after this index (the journal's last index
     * when the node started, -1 when it was empty); without a call, the monitor starts at the journal's end.
     */
    public void firstStartAfter(final long index)
    {
        this.firstStartAfter = index;
    }

    private void process(final JournalEntry entry)
    {
        final long receivedAt = entry.receivedAtNanos();
        // Set first: what this entry causes (and the tick before it) is journaled as evaluated up to this entry, so
        // after a restart evaluation resumes behind it.
        evaluatedIndex = entry.index();
        if (reader.read(entry.frame(), 0, entry.frameLength()) == TelemetryFrameReader.TELEMETRY)
        {
            // Only a frame's receive time moves the engine's clock: a torn entry reads as received at 0.
            engine.advanceTo(receivedAt, entry.runId(), entry.monotonicNanos());
            final TelemetryDecoder t = reader.telemetry();
            engine.onTelemetry(entry.index(), receivedAt, t.droneId(), t.sentAtNanos(), t.latitude(), t.longitude(),
                t.altitude(), t.battery(), reader.statusCode());
        }
        checkpoint(engine.clockNanos(), entry.index());
    }

    /** Ticks the engine to a data time (a replay's end, for lost links that live would have seen). */
    public void tick(final long nanos)
    {
        engine.tick(nanos);
    }

    private void warmUp(final ExcerptTailer tailer)
    {
        final long[] progress = readProgress();
        if (progress == null)
        {
            // First start on this journal: evaluate what arrived since the node started (not the journal's past).
            if (firstStartAfter == Long.MIN_VALUE)
            {
                tailer.toEnd();
            }
            else if (firstStartAfter < 0 || !tailer.moveToIndex(firstStartAfter))
            {
                tailer.toStart();
            }
            else
            {
                entry.readNext(tailer); // the last entry from before the start: not ours to evaluate
            }
            LOG.info("alert monitor evaluating new telemetry of {}", telemetry.file());
            return;
        }
        // The progress file is written once a second; alerts journaled after it tell how far evaluation really got.
        final long[] lastAlerts = lastJournaledEvaluation();
        final long evaluated = Math.max(progress[0], lastAlerts[0]);
        if (!tailer.moveToIndex(progress[1]))
        {
            tailer.toStart();
        }
        muted = true;
        long replayed = 0;
        try
        {
            while (entry.readNext(tailer))
            {
                if (entry.index() > evaluated)
                {
                    // Not evaluated before the restart: step back so the live loop reads it, unmuted.
                    tailer.moveToIndex(entry.index());
                    break;
                }
                process(entry);
                replayed++;
            }
        }
        finally
        {
            muted = false;
        }
        if (lastAlerts[0] == evaluated && lastAlerts[1] != Long.MIN_VALUE)
        {
            // Alerts raised by idle ticks after the last entry (lost links): tick as far, still muted.
            muted = true;
            engine.tick(lastAlerts[1]);
            muted = false;
        }
        LOG.info("alert monitor resumed after index {} (state rebuilt from {} entries before it)",
            Long.toHexString(evaluated), replayed);
    }

    /** Keeps the newest checkpoint that is at least the warm-up old, and the younger ones. */
    /**
     * The evaluated index of the last journaled alert, and the latest data time among the alerts journaled at that
     * same evaluated index; {-1, MIN_VALUE} when the journal is empty.
     */
    private long[] lastJournaledEvaluation()
    {
        final AlertJournal.Entry last = new AlertJournal.Entry();
        final ExcerptTailer backwards = journal.queue().createTailer().direction(TailerDirection.BACKWARD).toEnd();
        long evaluated = -1;
        long latest = Long.MIN_VALUE;
        while (last.readNext(backwards))
        {
            if (!last.complete())
            {
                continue;
            }
            if (evaluated == -1)
            {
                evaluated = last.evaluatedIndex();
            }
            else if (last.evaluatedIndex() != evaluated)
            {
                break;
            }
            latest = Math.max(latest, last.atNanos());
        }
        return new long[]{evaluated, latest};
    }

    /**
     * Spaced on the engine's clock (receive times with the steps back taken out): on the receive times a step back
     * stopped new checkpoints for its length, and a restart meanwhile warmed up from the whole step's entries.
     */
    private void checkpoint(final long clockNanos, final long index)
    {
        if (clockNanos == Long.MIN_VALUE)
        {
            return;
        }
        if (checkpointCount > 0 &&
            clockNanos - checkpointTimes[(checkpointHead + checkpointCount - 1) % CHECKPOINTS] < CHECKPOINT_INTERVAL_NANOS)
        {
            return;
        }
        if (checkpointCount == CHECKPOINTS)
        {
            checkpointHead = (checkpointHead + 1) % CHECKPOINTS;
            checkpointCount--;
        }
        final int tail = (checkpointHead + checkpointCount) % CHECKPOINTS;
        checkpointTimes[tail] = clockNanos;
        checkpointIndexes[tail] = index;
        checkpointCount++;
        while (checkpointCount > 1 && clockNanos - checkpointTimes[(checkpointHead + 1) % CHECKPOINTS] >= WARM_UP_NANOS)
        {
            checkpointHead = (checkpointHead + 1) % CHECKPOINTS;
            checkpointCount--;
        }
    }

    private void recordProgress(final boolean force)
    {
        final long now = System.nanoTime();
        final long evaluated = evaluatedIndex;
        if (evaluated < 0 || (!force && now - lastProgressNanos < PROGRESS_INTERVAL_NANOS))
        {
            return;
        }
        lastProgressNanos = now;
        final long warmUpFrom = checkpointCount == 0 ? evaluated : checkpointIndexes[checkpointHead];
        try
        {
            final Path temporary = progressFile.resolveSibling(PROGRESS_FILE + ".tmp");
            Files.write(temporary, (evaluated + " " + warmUpFrom).getBytes(StandardCharsets.US_ASCII));
            Files.move(temporary, progressFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final IOException ex)
        {
            LOG.warn("could not record the alert monitor's progress: {}", ex.toString());
        }
    }

    private long[] readProgress()
    {
        try
        {
            if (!Files.exists(progressFile))
            {
                return null;
            }
            final String[] parts = Files.readString(progressFile).trim().split("\\s+");
            return new long[]{Long.parseLong(parts[0]), Long.parseLong(parts[1])};
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.warn("unreadable alert progress in {} ({}): evaluating from the journal's end", progressFile, ex.toString());
            return null;
        }
    }

    public void raised(final AlertType type, final long droneId, final long otherDroneId, final long atNanos,
        final long journalIndex, final double value)
    {
        raised(JournalLayout.ALERT_RAISED, type, droneId, otherDroneId, atNanos, journalIndex, value);
    }

    private void raised(final byte event, final AlertType type, final long droneId, final long otherDroneId,
        final long atNanos, final long journalIndex, final double value)
    {
        if (muted)
        {
            return;
        }
        journal.append(event, type.ordinal(), droneId, otherDroneId, atNanos, journalIndex,
            evaluatedIndex, value);
        raisedCounter.increment();
        final ActiveAlert alert = new ActiveAlert(type.name(), droneId, otherDroneId, atNanos, journalIndex, value, nodeId);
        activeAlerts.setAsync(alert.key(), alert);
        log("raised", type, droneId, otherDroneId, value);
    }

    public void raisedAcrossNodes(final AlertType type, final long droneId, final long otherDroneId, final long atNanos,
        final long journalIndex, final double value)
    {
        raised(JournalLayout.ALERT_RAISED_ACROSS_NODES, type, droneId, otherDroneId, atNanos, journalIndex, value);
    }

    public void clearedAcrossNodes(final AlertType type, final long droneId, final long otherDroneId, final long atNanos,
        final long journalIndex, final double value)
    {
        cleared(JournalLayout.ALERT_CLEARED_ACROSS_NODES, type, droneId, otherDroneId, atNanos, journalIndex, value);
    }

    public void cleared(final AlertType type, final long droneId, final long otherDroneId, final long atNanos,
        final long journalIndex, final double value)
    {
        cleared(JournalLayout.ALERT_CLEARED, type, droneId, otherDroneId, atNanos, journalIndex, value);
    }

    private void cleared(final byte event, final AlertType type, final long droneId, final long otherDroneId,
        final long atNanos, final long journalIndex, final double value)
    {
        if (muted)
        {
            return;
        }
        journal.append(event, type.ordinal(), droneId, otherDroneId, atNanos, journalIndex,
            evaluatedIndex, value);
        clearedCounter.increment();
        // Only what this node raised: after a hand-over the drone's new node may have raised the same key.
        activeAlerts.submitToKey(ActiveAlert.key(type.name(), droneId, otherDroneId), new RemoveAlertIfFromNode(nodeId));
        log("cleared", type, droneId, otherDroneId, value);
    }

    public void handedOver(final long droneId, final long atNanos, final long journalIndex)
    {
        if (muted)
        {
            return;
        }
        journal.append(JournalLayout.ALERT_HANDED_OVER, AlertType.LOST_LINK.ordinal(), droneId, 0, atNanos, journalIndex,
            evaluatedIndex, Double.NaN);
        log("handed over (now heard by another node)", AlertType.LOST_LINK, droneId, 0, Double.NaN);
    }

    public void expired(final long droneId, final long atNanos, final long journalIndex)
    {
        if (!muted)
        {
            log("forgotten (silent past the expiry)", AlertType.LOST_LINK, droneId, 0, Double.NaN);
        }
    }

    /**
     * The live guard: a drone whose state in the fleet map was last written by another ingest node has moved there
     * (the simulator, or a real drone, failed over): it is not lost. One grid read, only when a lost link is due. A
     * state that cannot be read, or names another drone than its key, says nothing of a hand-over: the drone is lost.
     */
    public static AlertSink.LinkGuard fleetGuard(final IMap<Long, DroneState> fleet, final String nodeId)
    {
        return droneId ->
        {
            try
            {
                final Object stored = fleet.get(droneId);
                // A state naming another drone was filed under this key by a grid client: no word of this drone, so
                // not a hand-over (taken as one, a planted state naming another node silenced the drone's LOST_LINK).
                final DroneState state = DroneState.filedUnder(droneId, stored);
                return state == null || nodeId.equals(state.ingestNode());
            }
            catch (final RuntimeException ex)
            {
                return true; // the grid is away: a silent drone is reported as lost, which is the safe side
            }
        };
    }

    private void log(final String what, final AlertType type, final long droneId, final long otherDroneId,
        final double value)
    {
        if (alertLog.tryAcquire(System.nanoTime()))
        {
            LOG.info("alert {} {} drone {}{} ({}) ({} more alert events since the last line)", what, type, droneId,
                otherDroneId == 0 ? "" : " and " + otherDroneId, Double.isNaN(value) ? "-" : String.format("%.1f", value),
                alertLog.suppressedSinceLast());
        }
    }

    public long evaluatedIndex()
    {
        return evaluatedIndex;
    }

    /** Drones the engine holds now (a monitoring approximation when read from another thread). */
    public int drones()
    {
        return engine.drones();
    }

    /** Other nodes' fleet-map entries the last look left out: their status is none a drone sends. */
    public int remoteDronesUnreadable()
    {
        return remoteUnreadable;
    }

    /** How often the journal's receive times fell: the node's wall clock seen stepped back (since start). */
    public long clockStepsBack()
    {
        return engine.clockStepsBack();
    }

    /** How often the receive times ran more than a second ahead of the monotonic times within a run (since start). */
    public long clockStepsForward()
    {
        return engine.clockStepsForward();
    }

    /**
     * How often a monotonic step within a run fell, or ran more than a second ahead of the receive times (a damaged
     * entry), and the receive step was taken instead (since start).
     */
    public long monotonicStepsRefused()
    {
        return engine.monotonicStepsRefused();
    }

    /** Frames from drones the engine had no room for, not evaluated (read from another thread: approximate). */
    public long unevaluatedFrames()
    {
        return engine.tableFull();
    }

    public void stop()
    {
        running = false;
    }
}
