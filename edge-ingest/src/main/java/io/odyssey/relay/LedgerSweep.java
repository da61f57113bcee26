package io.odyssey.relay;

import com.hazelcast.map.IMap;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.grid.ledger.CommandUpdate;
import io.odyssey.runtime.RateLimitedLog;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * One pass over every unfinished command in the ledger, deciding each one's next step from the ledger and the fleet
 * map as they are now: refuse it (no valid seal), expire it (not delivered in time), settle a cancel whose target was
 * never sent, send or resend it ({@link CommandSender}; only for a drone this node hears), fail it (its drone lost),
 * confirm its effect ({@link EffectConfirmation}), or ask its drone to repeat a lost answer. Once a second it also
 * journals commands refused without any relay, removes records marked active that cannot be read, removes a block of
 * final records without a valid seal (planted history: {@link CommandLedger#removeUnsealedFinal()}; only with the
 * command key), and runs the {@link GeofenceGuard}. Relay thread only.
 * <p>
 * Two clocks: the ledger's times (issued, sent, expires) are wall-clock times every node shares, but how often this
 * sweep does its own housekeeping is paced on a monotonic clock. Paced on the wall clock, the guard stopped for as long
 * as the clock stepped back (an NTP correction, a VM restored from a snapshot): an hour's step, an hour in which no
 * drone leaving its fence was ordered home. A command's resends, its expiry and the lost-contact check are timed on the
 * same monotonic clock, from what this node saw and when ({@link LocalCommandTimes}).
 */
final class LedgerSweep
{
    /** A running command is sent again after this many resend intervals, so the drone repeats its latest answer. */
    static final int ANSWER_REPEAT_INTERVALS = 5;
    static final long GUARD_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    /** A walk for planted history that took d waits this many d before the next (relay thread time it may take). */
    static final int UNSEALED_SCAN_SPACING = 20;
    private static final Logger LOG = LoggerFactory.getLogger(CommandRelay.class);

    private final CommandLedger ledger;
    private final IMap<Long, DroneState> fleet;
    private final String nodeId;
    private final EpochNanoClock clock;
    /** Paces the guard and the walk (never the ledger's times). */
    private final NanoClock pacing;
    private final long resendNs;
    private final long expiryGraceNs;
    private final CommandLinks links;
    private final CommandSender sender;
    private final EffectConfirmation effects;
    private final GeofenceGuard guard;
    private final TransitionRecorder recorder;
    private final CommandRelay.CommandMetrics metrics;
    /** When this node saw each command sent, first saw it, and last saw each drone heard: its own time. */
    private final LocalCommandTimes seen;
    private final RateLimitedLog unauthorisedLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(5));
    private final RateLimitedLog retiredLog = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));
    private final RateLimitedLog walkLog = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));
    private final RateLimitedLog misfiledLog = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));
    private boolean guardRan;
    private long lastGuardNanos;
    private long nextUnsealedScanNanos;

    LedgerSweep(
        final CommandLedger ledger, final IMap<Long, DroneState> fleet, final String nodeId, final EpochNanoClock clock,
        final NanoClock pacing, final long resendNs, final CommandLinks links, final CommandSender sender, final EffectConfirmation effects,
        final GeofenceGuard guard, final TransitionRecorder recorder, final CommandRelay.CommandMetrics metrics)
    {
        this.ledger = ledger;
        this.fleet = fleet;
        this.nodeId = nodeId;
        this.clock = clock;
        this.pacing = pacing;
        // The first walk at once (a monotonic clock's origin is arbitrary, so not "at 0").
        this.nextUnsealedScanNanos = pacing.nanoTime();
        this.resendNs = resendNs;
        this.expiryGraceNs = Math.max(TimeUnit.SECONDS.toNanos(2), 2 * resendNs);
        this.links = links;
        this.sender = sender;
        this.effects = effects;
        this.guard = guard;
        this.recorder = recorder;
        this.metrics = metrics;
        this.seen = new LocalCommandTimes(ANSWER_REPEAT_INTERVALS * resendNs, nodeId, metrics.clockStepsForward,
            metrics.clockStepsBack);
    }

    /** One pass over every unfinished command: deliver, resend, expire, confirm effects. */
    void sweep()
    {
        // Links are used and closed on the pacing clock (CommandSender stamps them by it too): idle is a local duration.
        links.closeIdle(pacing.nanoTime());
        // One pair of readings, side by side, for both the step check and the judgement of the orders this pass sees
        // first: read apart, a pause between them (GC, a stalled VM) was a step this node never saw, and one inside
        // the step check's pair was taken for a step forward, then back. The wall clock first: a pause before it is
        // in both readings.
        final long wallAt = clock.nanoTime();
        final long paceAt = pacing.nanoTime();
        // Every pass, so a step is seen before anything is judged after it (even with no command active).
        seen.startPass(wallAt, paceAt);
        final boolean guardPass = !guardRan || paceAt - lastGuardNanos >= GUARD_INTERVAL_NS;
        final long guardAt = clock.nanoTime();
        if (guardPass)
        {
            guardRan = true;
            lastGuardNanos = paceAt;
            recorder.journalUnrelayed();
            // The guard before the walk below: housekeeping must never keep drones from being held inside their fences.
            guard.guard(guardAt);
            if (paceAt - nextUnsealedScanNanos >= 0)
            {
                // After the journaling above: a final record no relay journals is kept until then. The walk reads up to
                // CommandLedger.UNSEALED_SCAN_RECORDS whole records on this thread (~80 µs each), so a pass that took d
                // waits UNSEALED_SCAN_SPACING x d: at most ~5% of the relay's time.
                final long start = pacing.nanoTime();
                try
                {
                    ledger.removeUnsealedFinal();
                }
                catch (final RuntimeException ex)
                {
                    // Whatever a grid client planted, the rest of the sweep (sends, resends, expiries) still runs.
                    if (walkLog.tryAcquire(start))
                    {
                        LOG.warn("the walk for planted ledger history failed: {}; {} such lines suppressed",
                            ex.toString(), walkLog.suppressedSinceLast());
                    }
                }
                final long end = pacing.nanoTime();
                nextUnsealedScanNanos = end + UNSEALED_SCAN_SPACING * (end - start);
            }
        }
        // Read after the guard (its orders are acted on in this pass) and once: the retiring takes the same list.
        final Collection<CommandRecord> active = ledger.active();
        if (guardPass)
        {
            retireUnreadable(active, guardAt);
        }
        // The sweep re-adds those still waiting; anything finished meanwhile (elsewhere, or expired) drops out.
        effects.forgetAwaiting();
        if (active.isEmpty())
        {
            seen.endPass();
            effects.endSweep();
            return;
        }
        final Set<Long> drones = new HashSet<>();
        for (final CommandRecord command : active)
        {
            drones.add(command.droneId());
        }
        final Map<Long, DroneState> states = metrics.fleetStates.getAll(fleet, drones, DroneState.class);
        countMisfiled(states);
        // The wall clock for what the ledger records and the frames carry, the monotonic clock for every "how long".
        final long now = clock.nanoTime();
        final long monotonic = pacing.nanoTime();
        for (final CommandRecord command : active)
        {
            if (!ledger.authorised(command))
            {
                refuseUnauthorised(command, now);
                continue;
            }
            seen.see(command);
            final DroneState filed = states.get(command.droneId());
            // Another drone's state filed under this drone's key is not this drone heard (counted above).
            final DroneState state = DroneState.filedUnder(command.droneId(), filed);
            final boolean mine = state != null && nodeId.equals(state.ingestNode());
            if (command.state().isUndelivered())
            {
                // The drone refuses a command past its expiry itself (the frame carries it); the grace lets a frame
                // sent just before the expiry be answered before the ledger gives up on it.
                if (seen.pastExpiry(command, monotonic) > expiryGraceNs)
                {
                    recorder.record(ledger.update(command.id(), CommandUpdate.moveTo(CommandState.EXPIRED, now,
                        "not delivered before it expired" + (state == null ? " (the drone is unknown)" :
                            !mine ? " (the drone was out of contact)" :
                            links.hasRoute(command.droneId()) ? " (the drone did not answer)" :
                            " (no command link to the drone: it never announced one)"))));
                }
                else if (command.type() == CommandType.CANCEL && cancelBeforeDelivery(command, now))
                {
                    continue;
                }
                else if (mine && (command.state() == CommandState.ISSUED ||
                    seen.sinceSent(command, monotonic) >= resendNs))
                {
                    send(command, now, monotonic);
                }
            }
            else if (state == null || seen.silence(command.droneId(), state, monotonic) > CommandRelay.LOST_CONTACT_NS)
            {
                // Delivered, but nobody hears the drone any more: the order's fate cannot be known, so it failed
                // (any node may say so; the update is idempotent).
                recorder.record(ledger.update(command.id(), CommandUpdate.moveTo(CommandState.FAILED, now,
                    "lost contact with the drone for more than " +
                        TimeUnit.NANOSECONDS.toSeconds(CommandRelay.LOST_CONTACT_NS) + " s")));
            }
            else if (mine && command.doneAtNanos() != 0)
            {
                effects.confirm(command, state, now);
            }
            else if (mine && command.id() > 0 && seen.sinceSent(command, monotonic) >= ANSWER_REPEAT_INTERVALS * resendNs)
            {
                // An answer lost on the way (this node restarting, a packet dropped) must not leave the command
                // waiting forever: the drone is asked to repeat its latest word (it never starts a command on such a
                // request). A drone's own commands are never sent to it.
                send(command, now, monotonic);
            }
        }
        seen.endPass();
        effects.endSweep();
    }

    private void send(final CommandRecord command, final long now, final long monotonic)
    {
        final CommandRecord updated = sender.send(command, now);
        if (updated != null)
        {
            seen.sent(updated, monotonic);
        }
    }

    /**
     * A fleet state filed under another drone's key was written by a grid client, not an ingest node (they file each
     * drone's state under its own id): taken for the drone it names, such a state with a sequence no real one reaches
     * kept two drones' silence timers resetting each other, so neither drone's delivered commands ever failed for lost
     * contact. Left out as no state at all, like one that cannot be read, and counted with those.
     */
    private void countMisfiled(final Map<Long, DroneState> states)
    {
        int misfiled = 0;
        long example = 0;
        for (final Map.Entry<Long, DroneState> entry : states.entrySet())
        {
            if (DroneState.filedUnder(entry.getKey(), entry.getValue()) == null)
            {
                misfiled++;
                example = entry.getKey();
            }
        }
        if (misfiled > 0)
        {
            metrics.fleetStatesLeftOut.add(misfiled);
            if (misfiledLog.tryAcquire(pacing.nanoTime()))
            {
                LOG.warn("left out {} fleet state(s) filed under another drone's key, written into the grid by " +
                    "something else (under drone {}, for example); {} such lines suppressed", misfiled, example,
                    misfiledLog.suppressedSinceLast());
            }
        }
    }

    /**
     * Records marked active that this version cannot read (written into the grid by something else), or copies of a
     * sealed one under a key that is not its id, can be neither relayed nor moved to a final state by an update, so without this they would stay "active" for ever: removed,
     * counted and logged (any node may; each is read once more before it goes).
     */
    private void retireUnreadable(final Collection<CommandRecord> active, final long now)
    {
        final int retired = ledger.retireUnreadableActive(active);
        if (retired > 0)
        {
            metrics.retired.add(retired);
            if (retiredLog.tryAcquire(pacing.nanoTime()))
            {
                LOG.warn("removed {} ledger record(s) marked active that cannot be read or are copies under another " +
                    "key (written straight into the grid); {} such lines suppressed", retired,
                    retiredLog.suppressedSinceLast());
            }
        }
    }

    /**
     * A command without the command key's seal was not put in the ledger by a gateway or an ingest node (the grid is
     * storage anyone on its network can write): it never reaches a drone, and it ends here with the reason, in the
     * ledger, the command journal and so the archive's audit. Any node may settle it; the update is idempotent.
     */
    private void refuseUnauthorised(final CommandRecord command, final long now)
    {
        metrics.unauthorised.increment();
        if (unauthorisedLog.tryAcquire(pacing.nanoTime()))
        {
            LOG.warn("refused command {} for drone {}: not authorised by a gateway or ingest node (no valid command-key " +
                "seal: written straight into the grid, or sealed under another ODYSSEY_COMMAND_KEY_FILE); {} more since " +
                "the last such line", command.id(), command.droneId(), unauthorisedLog.suppressedSinceLast());
        }
        recorder.record(ledger.update(command.id(), CommandUpdate.moveTo(command.state().isUndelivered() ?
            CommandState.REJECTED : CommandState.FAILED, now, CommandRelay.UNAUTHORISED_REASON)));
    }

    /**
     * A cancel whose target was never sent needs no drone: both are settled here. (A target already sent may have
     * reached the drone, so that cancel goes to the drone like any command.)
     */
    private boolean cancelBeforeDelivery(final CommandRecord cancel, final long now)
    {
        final long targetId = cancel.parameters().targetCommandId();
        final CommandRecord target = targetId == 0 ? null : ledger.get(targetId);
        if (target == null)
        {
            recorder.record(ledger.update(cancel.id(), CommandUpdate.moveTo(CommandState.REJECTED, now, "no such command")));
            return true;
        }
        if (target.state().isFinal())
        {
            recorder.record(ledger.update(cancel.id(), CommandUpdate.moveTo(CommandState.REJECTED, now,
                "the command is already " + target.state().wireName())));
            return true;
        }
        if (target.state() == CommandState.ISSUED)
        {
            recorder.record(ledger.update(target.id(), CommandUpdate.moveTo(CommandState.CANCELLED, now,
                "cancelled before delivery by " + cancel.issuedBy())));
            recorder.record(ledger.update(cancel.id(), CommandUpdate.moveTo(CommandState.COMPLETED, now, null)));
            return true;
        }
        return false;
    }
}
