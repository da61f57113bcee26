package io.odyssey.alerts;

import io.odyssey.journal.AlertType;
import io.odyssey.journal.JournalLayout;
import org.agrona.collections.Long2LongHashMap;

import java.util.Arrays;

/**
 * Evaluates every alert rule as telemetry arrives, deterministically: the same frames in the same order (with the same
 * receive times, and the same ticks) raise and clear the same alerts, which is what makes a journal replay reproduce
 * a live run. Time is data time (the receive times ingest journaled), never the wall clock.
 * <p>
 * The per-drone rules are classes of their own ({@link LowBatteryRule}, {@link ImplausibleJumpRule},
 * {@link GeofenceRule}) working on the engine's {@link DroneAlerts}, and so is the separation check
 * ({@link SeparationMonitor}, with its {@link SpatialHash}); the engine keeps the drones' slots and the lost-link and
 * expiry timing.
 * <p>
 * Per frame nothing is allocated: per-drone state lives in primitive arrays indexed by a slot, neighbours for the
 * separation check come from a {@link SpatialHash} (cells about one horizontal minimum wide, intrusive doubly linked
 * lists through the slots), and the pairs in conflict are kept in a small fixed list per drone. Single-threaded.
 * <p>
 * Separation is checked among the drones this engine sees: those of its ingest node, and the airborne drones of other
 * nodes that the monitor feeds in from the fleet map ({@link #onRemote}; remote drones get no other check). A pair
 * across two nodes is reported by the node hearing the lower id only, so each pair is raised once fleet-wide, through
 * {@link AlertSink#raisedAcrossNodes}: those depend on other nodes' drones, which a replay of one journal cannot see.
 * <p>
 * The tables are bounded (twice the capacity: this node's drones, and at most as many of other nodes' drones, which
 * therefore never crowd this node's out), and a slot is freed whenever its drone is gone: handed over to another node,
 * a remote drone no longer airborne, or silent for {@link AlertRules#droneExpiryNanos()} (data time, after its
 * LOST_LINK: its alerts clear first), so drones that come and go (forged ids among them) cannot fill them for good.
 * <p>
 * Silence is measured on the engine's own clock, which moves on between two entries of one run of the ingest process
 * by their journaled monotonic times (never stepped; but a monotonic step that falls, or runs more than a second beyond
 * receive times that did not fall, is taken for damage and the receive step used, so one damaged monotonic time
 * cannot report every drone lost), and otherwise by their receive times (the wall clock) with
 * every fall taken out. On the receive times alone a step of the node's wall clock (NTP, a VM restored from a
 * snapshot) was taken for time passing: forward past the lost-link timeout it raised LOST_LINK for every drone, past
 * the expiry it forgot them all; back, it held every lost link and expiry for the step. Across runs (a restart, or
 * entries journaled before monotonic times were) only receive times tell how long the node was away, so there a step
 * forward still reads as silence, and a fall (journal order: only a step back makes receive times fall) as no time
 * passing. The times the engine reports are on the receive clock (what the node's clock read), converted with the
 * offset between the two clocks as it was at the entry before the event (followed within a run only when it moved by
 * more than {@link #OFFSET_TOLERANCE_NANOS}; silence itself is measured on the engine's clock alone, so an engine
 * started mid-run decides as the live one did): so what live idle ticks report while the
 * journal is idle is what a replay reports when the next entry moves its clock, whatever the wall clock did meanwhile.
 */
public final class AlertEngine
{
    /** Pairs in conflict one drone can take part in at once; further ones are not tracked (and counted). */
    static final int MAX_PARTNERS = 8;
    private static final int NONE = -1;
    /** A step of the wall clock smaller than this is not counted (it is below what the rules time anyway). */
    static final long STEP_NOTICED_NANOS = 1_000_000_000L;
    /** How far reported times may lag or lead the receive clock within a run before the offset follows it. */
    static final long OFFSET_TOLERANCE_NANOS = 100_000_000L;

    private final AlertRules rules;
    private final AlertSink sink;
    private AlertSink.LinkGuard guard = AlertSink.LinkGuard.ALWAYS_OURS;
    /** Receive time of the last journal entry ({@link #advanceTo}), {@link Long#MIN_VALUE} before the first. */
    private long lastReceivedNanos = Long.MIN_VALUE;
    /** The last entry's run ({@link JournalLayout#NO_RUN}: none journaled) and monotonic time. */
    private long lastRunId = JournalLayout.NO_RUN;
    private long lastMonotonicNanos;
    /** The last entry's monotonic step was refused: its monotonic time may be the damaged one, so idle ticks do not count from it. */
    private boolean lastStepRefused;
    /** The engine's clock at the last entry. */
    private long lastClockNanos;
    /**
     * The engine's clock minus the receive clock: the steps of the wall clock seen so far. Within a run it is set
     * again only when the two clocks drift apart by more than {@link #OFFSET_TOLERANCE_NANOS}: followed to the
     * microsecond (the two clocks are read a moment apart for each frame), an alert's raise and clear were reported
     * with two slightly different offsets, so a lost link lasted 8.000016 s where the rules say 8.
     */
    private long offsetNanos;
    /** Written by the engine's thread, read by gauges. */
    private volatile long clockStepsBack;
    private volatile long clockStepsForward;
    private volatile long monotonicStepsRefused;
    /** No drone's silence crosses the lost-link timeout or the expiry before this (engine clock): ticks before it do nothing (O(1)). */
    private long nextLostLinkCheckNanos = Long.MAX_VALUE;
    /** The lost links and expiries due in the current tick (at most two per drone), reported in time order. */
    private final long[] dueAt;
    private final long[] dueDrone;
    private final int[] dueSlot;
    private final boolean[] dueExpiry;
    private int dueCount;
    /** Slots given back (their drones gone), taken again before the high-water mark grows. */
    private final int[] freeSlots;
    private int freeCount;
    /** Another node's drone, known from the fleet map for the separation check only. */
    private final boolean[] remote;
    private final Long2LongHashMap slots;
    private final long[] ids;
    private final double[] lats;
    private final double[] lons;
    private final float[] alts;
    private final int[] statuses;
    /** Receive time of the drone's last frame (the node's clock): when the alerts it ends are reported. */
    private final long[] lastHeardNanos;
    /** The same on the engine's clock: what the drone's silence is measured from. */
    private final long[] lastHeardClockNanos;
    /**
     * The receive time plus the offset at that frame, less the engine's clock there (at most about
     * {@link #OFFSET_TOLERANCE_NANOS}): added back when reporting, so an alert's times keep the one offset (a lost
     * link reported exactly the timeout after the frame's receive time while the offset holds).
     */
    private final long[] heardSkewNanos;
    private final long[] lastSentNanos;
    private final long[] lastIndex;
    private final int[] active;
    /** LOSS_OF_SEPARATION, on the slots' positions. */
    private final SeparationMonitor separation;
    /** The per-drone rules, and the alerts they read and change. */
    private final LowBatteryRule lowBattery;
    private final ImplausibleJumpRule jump;
    private final GeofenceRule geofence;
    private final DroneAlerts alerts = new DroneAlerts()
    {
        public boolean isActive(final int slot, final AlertType type)
        {
            return AlertEngine.this.isActive(slot, type);
        }

        public void raise(final int slot, final AlertType type, final long at, final long index, final double value)
        {
            AlertEngine.this.raise(slot, type, 0, at, index, value);
        }

        public void clear(final int slot, final AlertType type, final long at, final long index, final double value)
        {
            AlertEngine.this.clear(slot, type, 0, at, index, value);
        }
    };
    /** Slots ever used: every live slot is below it (a free one has id 0, drone ids being positive). */
    private int highWater;
    /** Drones held now, and how many of them are other nodes' (at most {@link #remoteCapacity}). */
    private int live;
    private int remoteLive;
    private final int remoteCapacity;
    private long tableFull;

    /**
     * @param capacity drones of this node the engine must always have room for; other nodes' drones (for the
     *                 separation check) get as many slots again, never more, so they can never crowd this node's out.
     */
    public AlertEngine(final AlertRules rules, final int capacity, final AlertSink sink)
    {
        this.rules = rules;
        this.sink = sink;
        this.remoteCapacity = capacity;
        final int slotCount = 2 * capacity;
        this.slots = new Long2LongHashMap(slotCount * 2, 0.65f, NONE);
        ids = new long[slotCount];
        lats = new double[slotCount];
        lons = new double[slotCount];
        alts = new float[slotCount];
        statuses = new int[slotCount];
        lastHeardNanos = new long[slotCount];
        lastHeardClockNanos = new long[slotCount];
        heardSkewNanos = new long[slotCount];
        lastSentNanos = new long[slotCount];
        lastIndex = new long[slotCount];
        active = new int[slotCount];
        freeSlots = new int[slotCount];
        remote = new boolean[slotCount];
        dueAt = new long[slotCount * 2];
        dueDrone = new long[slotCount * 2];
        dueSlot = new int[slotCount * 2];
        dueExpiry = new boolean[slotCount * 2];
        separation = new SeparationMonitor(rules, sink, ids, lats, lons, alts, statuses, remote, lastIndex,
            lastHeardNanos);
        lowBattery = new LowBatteryRule(rules);
        jump = new ImplausibleJumpRule(rules, slotCount);
        geofence = new GeofenceRule(rules);
    }

    /**
     * A journal entry without a monotonic time (journaled before they were): {@link #advanceTo(long, long, long)}
     * paced on receive times alone.
     */
    public void advanceTo(final long receivedAtNanos)
    {
        advanceTo(receivedAtNanos, JournalLayout.NO_RUN, 0);
    }

    /**
     * A journal entry's receive time (wall clock), run and monotonic time, in journal order, before its frame
     * ({@link #onTelemetry}): the engine's clock moves on by the monotonic time elapsed since the previous entry when
     * both are of the same run, else by as much as the receive time did, or not at all where it fell; the engine is
     * ticked to it, reporting what fell due on the receive clock as it read before this entry.
     *
     * @param runId NO_RUN when the entry has no monotonic time.
     */
    public void advanceTo(final long receivedAtNanos, final long runId, final long monotonicNanos)
    {
        if (lastReceivedNanos == Long.MIN_VALUE)
        {
            offsetNanos = 0;
            lastClockNanos = receivedAtNanos;
            lastReceivedNanos = receivedAtNanos;
            lastRunId = runId;
            lastMonotonicNanos = monotonicNanos;
            tickClock(receivedAtNanos);
            return;
        }
        final long receivedElapsed = minus(receivedAtNanos, lastReceivedNanos);
        final long elapsed;
        final boolean sameRun = runId != JournalLayout.NO_RUN && runId == lastRunId;
        if (sameRun)
        {
            final long monotonicElapsed = minus(monotonicNanos, lastMonotonicNanos);
            // The monotonic step, unless a damaged entry made it: one taken as it was raised LOST_LINK for (and
            // expired) every drone. A step of the wall clock forward makes the receive times run ahead of the
            // monotonic times, a damaged monotonic time makes the monotonic times run ahead of the receive times
            // (or fall, at the entry after it, or at it: the one writer reads a clock that never goes back). So a
            // monotonic step that falls, or runs more than a second ahead of a receive step that did not fall, is
            // refused, and the receive step taken instead (as across runs): never further than the receive times
            // moved, however many entries are damaged. Within that second the monotonic step is taken exactly (the
            // two clocks are read a moment apart for each entry), which is what live idle ticks, on the monotonic
            // clock alone, agree with. Where the receive times fell the wall clock was stepped back across the pair,
            // so they bound nothing: the monotonic step is taken (a step back while the journal was idle must not
            // hide the silence). Left open: a step back smaller than an idle gap of more than a second leaves the
            // receive step positive, and the gap is taken as that (counted with the refused steps).
            if (monotonicElapsed < 0 || (receivedElapsed >= 0 && monotonicElapsed - receivedElapsed > STEP_NOTICED_NANOS))
            {
                elapsed = Math.max(0, receivedElapsed);
                monotonicStepsRefused++;
                lastStepRefused = true;
            }
            else
            {
                elapsed = monotonicElapsed;
                lastStepRefused = false;
            }
            if (receivedElapsed - elapsed > STEP_NOTICED_NANOS)
            {
                clockStepsForward++;
            }
        }
        else
        {
            elapsed = Math.max(0, receivedElapsed);
            lastStepRefused = false;
        }
        if (receivedElapsed < 0)
        {
            clockStepsBack++;
        }
        // Saturated, here and wherever the clock is added to: a damaged time near the end of the range wrapped the
        // clock negative, and nothing was due again until it came back round.
        final long clock = plus(lastClockNanos, elapsed);
        tickClock(clock);
        final long offset = minus(clock, receivedAtNanos);
        final long drift = minus(offset, offsetNanos);
        if (!sameRun || drift > OFFSET_TOLERANCE_NANOS || drift < -OFFSET_TOLERANCE_NANOS)
        {
            offsetNanos = offset;
        }
        lastClockNanos = clock;
        lastReceivedNanos = receivedAtNanos;
        lastRunId = runId;
        lastMonotonicNanos = monotonicNanos;
    }

    /**
     * While no entry comes, on the live node: ticks the engine to its monotonic time {@code monotonicNanos}, when the
     * last entry was journaled by the same run (so with a monotonic time of the same origin), as a replay's clock moves
     * when the next entry comes.
     *
     * @return false (nothing done) when the last entry is of another run or has no monotonic time, or its monotonic
     * step was refused (the time may be damaged: far ahead it held every lost link while the journal was idle, far
     * back it reported every drone lost at once): the caller falls back to the wall clock and
     * {@link #tickSinceLastEntry}.
     */
    public boolean tickOnRun(final long runId, final long monotonicNanos)
    {
        if (lastReceivedNanos == Long.MIN_VALUE || runId == JournalLayout.NO_RUN || runId != lastRunId || lastStepRefused)
        {
            return false;
        }
        final long elapsed = minus(monotonicNanos, lastMonotonicNanos);
        if (elapsed > 0)
        {
            tickClock(plus(lastClockNanos, elapsed));
        }
        return true;
    }

    /**
     * While no entry comes: ticks the engine to {@code elapsedNanos} (a monotonic clock's) after the last entry's
     * receive time, so lost links are raised on time even after the wall clock was stepped back and before any frame
     * showed it. Nothing before the first entry.
     */
    public void tickSinceLastEntry(final long elapsedNanos)
    {
        if (lastReceivedNanos != Long.MIN_VALUE)
        {
            tickClock(plus(lastClockNanos, elapsedNanos));
        }
    }

    /** The last entry's time on the engine's clock (steps taken out); what checkpoints are spaced by. */
    public long clockNanos()
    {
        return lastReceivedNanos == Long.MIN_VALUE ? Long.MIN_VALUE : lastClockNanos;
    }

    /** How often the journal's receive times fell, i.e. the node's wall clock was seen stepped back (since start). */
    public long clockStepsBack()
    {
        return clockStepsBack;
    }

    /**
     * How often, between two entries of one run, the receive time moved on more than a second further than the
     * monotonic time did: the node's wall clock stepped forward, which the engine did not take for silence.
     */
    public long clockStepsForward()
    {
        return clockStepsForward;
    }

    /**
     * How often, between two entries of one run, the monotonic time fell, or moved on more than a second further
     * than a receive time that did not fall: a damaged monotonic time (or a step back of the wall clock smaller than
     * an idle gap); the engine's clock moved by the receive times there instead.
     */
    public long monotonicStepsRefused()
    {
        return monotonicStepsRefused;
    }

    /**
     * One accepted telemetry frame, in journal order.
     *
     * @param status the SBE status code (0 = GROUNDED).
     */
    public void onTelemetry(final long journalIndex, final long receivedAtNanos, final long droneId, final long sentAtNanos,
        final double lat, final double lon, final float alt, final float battery, final int status)
    {
        int slot = (int)slots.get(droneId);
        boolean first = slot == NONE;
        if (first)
        {
            slot = newSlot(droneId);
            if (slot == NONE)
            {
                return;
            }
        }
        else if (remote[slot])
        {
            // First heard here after being seen on another node: a fresh start, as for a new drone.
            remote[slot] = false;
            remoteLive--;
            first = true;
        }
        // The engine's clock at this entry, when it was advanced to it (the monitor does, before every frame): silence
        // is measured on that clock alone, so an engine started mid-run (a warm-up, a replay --from) decides as the
        // live one did. receivedAtNanos + offsetNanos was up to OFFSET_TOLERANCE_NANOS off it, by an offset a
        // mid-run start does not share. Otherwise (a caller ticking on receive times alone) the receive time, as
        // the ticks take it.
        final long heardAt = receivedAtNanos == lastReceivedNanos ? lastClockNanos : plus(receivedAtNanos, offsetNanos);
        nextLostLinkCheckNanos = Math.min(nextLostLinkCheckNanos, plus(heardAt, plus(rules.lostLinkNanos(), 1)));
        lats[slot] = lat;
        lons[slot] = lon;
        alts[slot] = alt;
        statuses[slot] = status;
        lastHeardNanos[slot] = receivedAtNanos;
        lastHeardClockNanos[slot] = heardAt;
        heardSkewNanos[slot] = minus(plus(receivedAtNanos, offsetNanos), heardAt);
        lastSentNanos[slot] = sentAtNanos;
        lastIndex[slot] = journalIndex;

        if (isActive(slot, AlertType.LOST_LINK))
        {
            clear(slot, AlertType.LOST_LINK, 0, receivedAtNanos, journalIndex, 0);
        }
        lowBattery.check(alerts, slot, battery, receivedAtNanos, journalIndex);
        if (first)
        {
            jump.start(slot, lat, lon, sentAtNanos);
        }
        else
        {
            jump.check(alerts, slot, lat, lon, sentAtNanos, receivedAtNanos, journalIndex);
        }
        geofence.check(alerts, slot, lat, lon, receivedAtNanos, journalIndex);
        separation.move(slot, lat, lon);
        separation.check(slot, receivedAtNanos, journalIndex);
    }

    /**
     * Advances data time: raises LOST_LINK for every drone silent longer than the timeout, and forgets every drone
     * silent longer than the expiry (clearing its alerts). Each event's time is when the silence crossed its limit, not
     * when the tick happened, and the events of one tick are reported in that time order (then by drone id), so what
     * is reported, and in which order, depends neither on how often ticks come nor on which slot a drone has.
     *
     * @param nowNanos a time on the receive clock (an idle tick, a replay's end), taken as it reads after the steps back
     *                 seen so far; a time behind the engine's does nothing.
     */
    public void tick(final long nowNanos)
    {
        // Saturated: a replay may tick to the end of time (and the offset may be either sign now).
        tickClock(plus(nowNanos, offsetNanos));
    }

    /** {@link #tick} on the engine's clock. */
    private void tickClock(final long nowNanos)
    {
        if (nowNanos < nextLostLinkCheckNanos)
        {
            return;
        }
        final long lostLink = rules.lostLinkNanos();
        final long expiry = rules.droneExpiryNanos();
        long next = Long.MAX_VALUE;
        dueCount = 0;
        for (int slot = 0; slot < highWater; slot++)
        {
            if (ids[slot] == 0 || remote[slot])
            {
                continue;
            }
            if (!isActive(slot, AlertType.LOST_LINK))
            {
                final long lostAt = plus(lastHeardClockNanos[slot], lostLink);
                if (nowNanos <= lostAt)
                {
                    next = Math.min(next, plus(lostAt, 1));
                    continue;
                }
                due(lostAt, slot, false);
            }
            if (expiry > 0)
            {
                final long expiresAt = plus(lastHeardClockNanos[slot], expiry);
                if (nowNanos > expiresAt)
                {
                    due(expiresAt, slot, true);
                }
                else
                {
                    next = Math.min(next, plus(expiresAt, 1));
                }
            }
        }
        sortDue(0, dueCount - 1);
        for (int i = 0; i < dueCount; i++)
        {
            final int slot = dueSlot[i];
            if (ids[slot] != dueDrone[i])
            {
                continue; // handed over at its lost-link deadline, earlier in this tick
            }
            // Reported on the receive clock as it read at the last entry (before the entry moving the clock now).
            final long at = minus(plus(dueAt[i], heardSkewNanos[slot]), offsetNanos);
            if (dueExpiry[i])
            {
                expire(slot, at);
            }
            else if (guard.stillOurs(ids[slot]))
            {
                raise(slot, AlertType.LOST_LINK, 0, at, lastIndex[slot], lostLink / 1e9);
            }
            else
            {
                handOver(slot, at);
            }
        }
        nextLostLinkCheckNanos = next;
    }

    /** a + b, held at the ends of the range instead of wrapping. */
    static long plus(final long a, final long b)
    {
        final long sum = a + b;
        // Overflow only when both have the sign the sum lacks.
        if (((a ^ sum) & (b ^ sum)) < 0)
        {
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return sum;
    }

    /** a - b, held at the ends of the range instead of wrapping. */
    static long minus(final long a, final long b)
    {
        final long difference = a - b;
        // Overflow only when a and b differ in sign and the result has b's.
        if (((a ^ b) & (a ^ difference)) < 0)
        {
            return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
        return difference;
    }

    private void due(final long at, final int slot, final boolean expiry)
    {
        dueAt[dueCount] = at;
        dueDrone[dueCount] = ids[slot];
        dueSlot[dueCount] = slot;
        dueExpiry[dueCount] = expiry;
        dueCount++;
    }

    /** In place, by (time, drone id, lost link before expiry); quicksort with the smaller side first (bounded depth). */
    private void sortDue(final int from, final int to)
    {
        int low = from;
        int high = to;
        while (high - low > 16)
        {
            final int middle = (low + high) >>> 1;
            final long pivotAt = dueAt[middle];
            final long pivotDrone = dueDrone[middle];
            final boolean pivotExpiry = dueExpiry[middle];
            int i = low;
            int j = high;
            while (i <= j)
            {
                while (dueBefore(dueAt[i], dueDrone[i], dueExpiry[i], pivotAt, pivotDrone, pivotExpiry))
                {
                    i++;
                }
                while (dueBefore(pivotAt, pivotDrone, pivotExpiry, dueAt[j], dueDrone[j], dueExpiry[j]))
                {
                    j--;
                }
                if (i <= j)
                {
                    swapDue(i++, j--);
                }
            }
            if (j - low < high - i)
            {
                sortDue(low, j);
                low = i;
            }
            else
            {
                sortDue(i, high);
                high = j;
            }
        }
        for (int i = low + 1; i <= high; i++)
        {
            for (int k = i; k > low && dueBefore(dueAt[k], dueDrone[k], dueExpiry[k], dueAt[k - 1], dueDrone[k - 1],
                dueExpiry[k - 1]); k--)
            {
                swapDue(k, k - 1);
            }
        }
    }

    private static boolean dueBefore(final long at, final long drone, final boolean expiry, final long otherAt,
        final long otherDrone, final boolean otherExpiry)
    {
        if (at != otherAt)
        {
            return at < otherAt;
        }
        if (drone != otherDrone)
        {
            return drone < otherDrone;
        }
        return !expiry && otherExpiry;
    }

    private void swapDue(final int a, final int b)
    {
        final long at = dueAt[a];
        dueAt[a] = dueAt[b];
        dueAt[b] = at;
        final long drone = dueDrone[a];
        dueDrone[a] = dueDrone[b];
        dueDrone[b] = drone;
        final int slot = dueSlot[a];
        dueSlot[a] = dueSlot[b];
        dueSlot[b] = slot;
        final boolean expiry = dueExpiry[a];
        dueExpiry[a] = dueExpiry[b];
        dueExpiry[b] = expiry;
    }

    /**
     * A drone silent past the expiry: its alerts clear (the lost link among them, with how long it was silent) and its
     * conflicts end, at the expiry's time and its last frame's index; then it is forgotten and its slot freed.
     */
    private void expire(final int slot, final long at)
    {
        final long droneId = ids[slot];
        for (final AlertType type : AlertType.values())
        {
            if (type != AlertType.LOSS_OF_SEPARATION && isActive(slot, type))
            {
                clear(slot, type, 0, at, lastIndex[slot],
                    type == AlertType.LOST_LINK ? rules.droneExpiryNanos() / 1e9 : Double.NaN);
            }
        }
        separation.endConflicts(slot, at);
        final long index = lastIndex[slot];
        release(slot);
        sink.expired(droneId, at, index);
    }

    /** Asked before each lost link: a drone another node now hears is handed over, not lost. */
    public void linkGuard(final AlertSink.LinkGuard guard)
    {
        this.guard = guard;
    }

    /** Clears the drone's alerts (and its conflicts), takes it out of the separation check and forgets it. */
    private void handOver(final int slot, final long at)
    {
        final long droneId = ids[slot];
        for (final AlertType type : AlertType.values())
        {
            if (type != AlertType.LOSS_OF_SEPARATION && isActive(slot, type))
            {
                clear(slot, type, 0, at, lastIndex[slot], Double.NaN);
            }
        }
        separation.endConflicts(slot, at);
        final long index = lastIndex[slot];
        release(slot);
        sink.handedOver(droneId, at, index);
    }

    /**
     * Another node's airborne drone as the fleet map has it: a neighbour for this node's separation check only. Ignored
     * for a drone this node hears itself.
     *
     * @param status the SBE status code (0 = GROUNDED).
     */
    public void onRemote(final long droneId, final double lat, final double lon, final float alt, final int status)
    {
        int slot = (int)slots.get(droneId);
        if (slot == NONE)
        {
            if (remoteLive == remoteCapacity)
            {
                return; // their half is full: this node's drones keep theirs
            }
            slot = newSlot(droneId);
            if (slot == NONE)
            {
                return;
            }
            remote[slot] = true;
            remoteLive++;
        }
        else if (!remote[slot])
        {
            return;
        }
        lats[slot] = lat;
        lons[slot] = lon;
        alts[slot] = alt;
        statuses[slot] = status;
        separation.move(slot, lat, lon);
    }

    /** A slot for a drone seen for the first time, outside the spatial hash; NONE (counted) when the table is full. */
    private int newSlot(final long droneId)
    {
        final int slot;
        if (freeCount > 0)
        {
            slot = freeSlots[--freeCount];
        }
        else if (highWater < ids.length)
        {
            slot = highWater++;
        }
        else
        {
            tableFull++;
            return NONE;
        }
        live++;
        slots.put(droneId, slot);
        ids[slot] = droneId;
        active[slot] = 0;
        remote[slot] = false;
        separation.add(slot);
        return slot;
    }

    /** Gives the slot back: out of the spatial hash and the id index (its alerts and conflicts already ended). */
    private void release(final int slot)
    {
        separation.release(slot);
        slots.remove(ids[slot]);
        ids[slot] = 0;
        active[slot] = 0;
        if (remote[slot])
        {
            remote[slot] = false;
            remoteLive--;
        }
        freeSlots[freeCount++] = slot;
        live--;
    }

    /**
     * Another node's drone that left the fleet map's airborne set (landed, gone, or now heard here): its conflicts end
     * at the time and entry of the drone of this node each was with.
     */
    public void removeRemote(final long droneId)
    {
        final int slot = (int)slots.get(droneId);
        if (slot == NONE || !remote[slot])
        {
            return;
        }
        separation.endConflictsOfRemote(slot);
        release(slot);
    }

    private boolean isActive(final int slot, final AlertType type)
    {
        return (active[slot] & (1 << type.ordinal())) != 0;
    }

    private void raise(final int slot, final AlertType type, final long other, final long at, final long index,
        final double value)
    {
        active[slot] |= 1 << type.ordinal();
        sink.raised(type, ids[slot], other, at, index, value);
    }

    private void clear(final int slot, final AlertType type, final long other, final long at, final long index,
        final double value)
    {
        active[slot] &= ~(1 << type.ordinal());
        sink.cleared(type, ids[slot], other, at, index, value);
    }

    /** Drones held now (this node's and the remote ones): the tables' occupancy. */
    public int drones()
    {
        return live;
    }

    /** Conflicting pairs not tracked because a drone already had {@link #MAX_PARTNERS} conflicts. */
    public long untrackedPairs()
    {
        return separation.untrackedPairs();
    }

    /** Frames from drones beyond the engine's capacity, not evaluated. */
    public long tableFull()
    {
        return tableFull;
    }

    /** Clears the engine's memory (for a replay that starts over). */
    public void reset()
    {
        slots.clear();
        separation.reset();
        Arrays.fill(ids, 0);
        Arrays.fill(active, 0);
        Arrays.fill(remote, false);
        highWater = 0;
        live = 0;
        remoteLive = 0;
        freeCount = 0;
        nextLostLinkCheckNanos = Long.MAX_VALUE;
        lastReceivedNanos = Long.MIN_VALUE;
        lastRunId = JournalLayout.NO_RUN;
        lastMonotonicNanos = 0;
        lastStepRefused = false;
        lastClockNanos = 0;
        offsetNanos = 0;
    }
}
