package io.odyssey.relay;

import io.odyssey.grid.DroneState;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What this node has seen of each unfinished command and of each drone with a delivered one, timed on its own
 * monotonic clock: when it last saw the command sent (by itself or any node), when it first saw the command, and when
 * it last saw the drone's fleet state change. The ledger's times are wall-clock times written by many hosts; judged
 * against this node's wall clock, a step of that clock (an NTP correction, a VM restored from a snapshot, an operator
 * setting the date) or the skew between two hosts moved resends, expiries and lost contact by as much: a step back of
 * an hour stopped resends for the hour, a step forward expired every undelivered order whose expiry it passed (any
 * node expires any order: the whole fleet's), and a node more than 30 s ahead of the node hearing a drone failed the
 * drone's delivered commands.
 * <ul>
 * <li><b>Resends</b> are spaced by the monotonic time since this node last saw the command sent. Seen for the first
 * time (this node started, or its drone came over from another node), the ledger's last-send time is trusted only
 * within {@code longestPacingNs}: a wrong clock then costs one send early or one interval late, once.</li>
 * <li><b>Expiry</b> stays the absolute wall time the operator chose; this node judges it once, when it first sees the
 * order (the time left by its wall clock then), and counts that down on its monotonic clock, so a step after that
 * moves nothing, and never for longer than the order's whole sealed lifetime (expiry less issue time). Steps forward this node saw (its wall clock parting from its monotonic clock by more than
 * {@link #STEP_NS} between two passes) are kept out of that first judgement too, so orders issued after a step
 * forward are not expired at once; a step back first takes back the steps forward before it (a clock put wrong and
 * then right again judges as if nothing happened), and beyond that is followed: it cannot be told from the correction
 * of a clock that was ahead, and at worst this node expires late while the others, and the drone, which refuses an
 * order past its expiry itself, do not. A step forward is followed only as far as the orders issued since show it
 * was the correction of a clock that was behind: an order a person issued (sealed) through a gateway after what
 * this node takes for the time now says the gateway's clock agrees with the stepped one, and the steps kept out shrink
 * to this node's lead over that issue time. Orders nodes record themselves (the geofence guard's, a drone's own) are
 * no such evidence, whichever node recorded them: which node is not sealed. Until such an order comes, this node expires orders late by the step
 * (at most by their lifetime; the log line and the counter say so). Not covered: a node started with its wall clock
 * ahead has no step to see, judges every order it first sees by that clock, and expires the fleet's undelivered orders
 * early by as much.</li>
 * <li><b>Lost contact</b> is the monotonic time since this node saw the drone's fleet state change (its sequence or
 * receive time), never another host's receive time against this node's clock; kept by the drone's fleet-map key, never
 * by the id inside the stored state (a grid client can file any state under any key). A node that first sees a drone waits the
 * whole lost-contact time before it fails the drone's commands.</li>
 * </ul>
 * Memory: one entry per active command and per drone with a delivered command (both bounded by the ledger's admission),
 * forgotten at the end of the first pass that does not see them. Relay thread only.
 */
final class LocalCommandTimes
{
    /**
     * The wall clock moving apart from the monotonic clock by more than this between two passes is a step. NTP slews
     * at most 0.5 ms a second and both clocks stall alike in a pause, so a second is no slew.
     */
    static final long STEP_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long MAX_LEFT_NS = TimeUnit.DAYS.toNanos(365);
    private static final Logger LOG = LoggerFactory.getLogger(CommandRelay.class);

    private static final class Seen
    {
        long firstSeenNs;
        /** The order's expiry on the monotonic clock, fixed when first seen. */
        long expiresNs;
        int attempts;
        long lastSentAt;
        long lastSentNs;
        long pass;
    }

    private static final class Heard
    {
        long sequence;
        long ingestNanos;
        long sinceNs;
        long pass;
    }

    private final Map<Long, Seen> commands = new HashMap<>();
    private final Map<Long, Heard> drones = new HashMap<>();
    private final long longestPacingNs;
    private final String nodeId;
    private final Counter stepsForward;
    private final Counter stepsBack;
    private final RateLimitedLog stepLog = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));
    private final RateLimitedLog followedLog = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));
    private long pass;
    private boolean started;
    /** The wall clock minus the monotonic clock at the last pass. */
    private long offsetNs;
    /** The steps forward seen and not taken back by a step back since: kept out of an order's first judgement. */
    private long forwardNs;
    /** This pass's one pair of readings: the step check and every first judgement in the pass go by it. */
    private long passWallNs;
    private long passMonotonicNs;

    /**
     * @param longestPacingNs the longest interval a command is sent again after (first sight trusts the ledger's
     *                        last-send time within it).
     * @param nodeId          this node: the orders it issued carry its own clock, so they say nothing of a step.
     */
    LocalCommandTimes(final long longestPacingNs, final String nodeId, final Counter stepsForward,
        final Counter stepsBack)
    {
        this.longestPacingNs = longestPacingNs;
        this.nodeId = nodeId;
        this.stepsForward = stepsForward;
        this.stepsBack = stepsBack;
    }

    /** A new pass at wall time {@code wallNs}, monotonic {@code monotonicNs}: counts a step of the wall clock. */
    void startPass(final long wallNs, final long monotonicNs)
    {
        pass++;
        final long offset = wallNs - monotonicNs;
        final long step = offset - offsetNs;
        if (started && Math.abs(step) > STEP_NS)
        {
            (step > 0 ? stepsForward : stepsBack).increment();
            forwardNs = Math.max(0, forwardNs + step);
            if (stepLog.tryAcquire(monotonicNs))
            {
                LOG.warn("the wall clock stepped {} {} ms; resends, expiries and lost contact run on this node's own " +
                    "time, and new orders' expiries are judged {} ms behind the wall clock{} ({} more such lines " +
                    "since the last)", step > 0 ? "forward" : "back", Math.abs(step) / 1_000_000, forwardNs / 1_000_000,
                    forwardNs > 0 ? " (until orders issued since show the step put the clock right; a restart " +
                        "ends it too, but only once the wall clock is right: a node started with its clock ahead " +
                        "expires every node's undelivered orders early)" : "",
                    stepLog.suppressedSinceLast());
            }
        }
        started = true;
        offsetNs = offset;
        passWallNs = wallNs;
        passMonotonicNs = monotonicNs;
    }

    /** Forgets the commands and drones this pass did not see (finished, gone). */
    void endPass()
    {
        final long current = pass;
        commands.values().removeIf(seen -> seen.pass != current);
        drones.values().removeIf(heard -> heard.pass != current);
    }

    /** {@code command} as this pass sees it, at the wall and monotonic times of {@link #startPass}. */
    void see(final CommandRecord command)
    {
        final long wallNs = passWallNs;
        final long monotonicNs = passMonotonicNs;
        Seen seen = commands.get(command.id());
        if (seen == null)
        {
            seen = new Seen();
            seen.firstSeenNs = monotonicNs;
            followCorrection(command, wallNs, monotonicNs);
            // The time left by this node's wall clock, less the steps forward it saw; bounded so nothing wraps (a
            // sealed order's times are a gateway's, but a year either way is as good as for ever here).
            final long judgedNs = wallNs - forwardNs;
            final long expiresAt = command.expiresAtNanos();
            long leftNs = expiresAt - judgedNs > MAX_LEFT_NS ? MAX_LEFT_NS :
                judgedNs - expiresAt > MAX_LEFT_NS ? -MAX_LEFT_NS : expiresAt - judgedNs;
            // Never more than the order's whole sealed lifetime: the steps forward kept out may have been the
            // correction of a clock that was behind, and must not keep an order alive longer than it was issued for.
            final long issuedAt = command.issuedAtNanos();
            final long lifetimeNs = expiresAt < issuedAt ? 0 :
                expiresAt - issuedAt < 0 ? MAX_LEFT_NS : expiresAt - issuedAt; // < 0: wrapped, so longer than a year
            leftNs = Math.min(leftNs, lifetimeNs);
            seen.expiresNs = monotonicNs + leftNs;
            seen.attempts = command.attempts();
            seen.lastSentAt = command.lastSentNanos();
            final long ago = command.lastSentNanos() == 0 ? longestPacingNs :
                Math.max(0, Math.min(longestPacingNs, wallNs - command.lastSentNanos()));
            seen.lastSentNs = monotonicNs - ago;
            commands.put(command.id(), seen);
        }
        else if (seen.attempts != command.attempts() || seen.lastSentAt != command.lastSentNanos())
        {
            // Sent again since the last pass, by another node (this node's own sends are noted by sent()).
            seen.attempts = command.attempts();
            seen.lastSentAt = command.lastSentNanos();
            seen.lastSentNs = monotonicNs;
        }
        seen.pass = pass;
    }

    /**
     * An order issued by another host after what this node takes for the time now (its wall clock less the steps
     * forward kept out): that host's clock agrees with the stepped one, so the steps were, as far, the correction of
     * a clock that was behind, and are followed from now on. Issued later than this node's wall clock itself, the
     * issuer is ahead, and only the steps kept out are followed (never a judgement ahead of this node's own clock).
     */
    private void followCorrection(final CommandRecord command, final long wallNs, final long monotonicNs)
    {
        final long issuedAt = command.issuedAtNanos();
        // Orders a node records itself (a geofence guard's, a drone's own) carry that node's clock, whichever node:
        // the field naming it (issuedFrom) is not sealed, and a grid client that re-filed this node's own order as
        // another host's made this node follow its own wrong clock. Only people's orders, through a gateway, count.
        if (forwardNs > 0 && issuedAt > wallNs - forwardNs && !CommandLedger.nodeIssuer(command.issuedBy()) &&
            !nodeId.equals(command.issuedFrom()))
        {
            final long before = forwardNs;
            forwardNs = Math.max(0, wallNs - issuedAt);
            if (followedLog.tryAcquire(monotonicNs))
            {
                LOG.info("command {}, issued by {} at a time {} ms past what this node took for now, shows its wall " +
                    "clock's steps forward put it right: new orders' expiries are judged {} ms behind the wall clock " +
                    "(was {} ms; {} more such lines since the last)", command.id(), command.issuedFrom(),
                    (issuedAt - (wallNs - before)) / 1_000_000, forwardNs / 1_000_000, before / 1_000_000,
                    followedLog.suppressedSinceLast());
            }
        }
    }

    /** This node just sent {@code updated} (the ledger's record after the send) at monotonic {@code monotonicNs}. */
    void sent(final CommandRecord updated, final long monotonicNs)
    {
        final Seen seen = commands.get(updated.id());
        if (seen != null)
        {
            seen.attempts = updated.attempts();
            seen.lastSentAt = updated.lastSentNanos();
            seen.lastSentNs = monotonicNs;
        }
    }

    /** Monotonic time since this node last saw {@code command} sent ({@link #see} it first). */
    long sinceSent(final CommandRecord command, final long monotonicNs)
    {
        return monotonicNs - commands.get(command.id()).lastSentNs;
    }

    /** How far past its expiry {@code command} is on this node's monotonic clock ({@link #see} it first). */
    long pastExpiry(final CommandRecord command, final long monotonicNs)
    {
        return monotonicNs - commands.get(command.id()).expiresNs;
    }

    /**
     * Monotonic time since this node saw drone {@code droneId} heard (its state changed), {@code state} its state now
     * (filed under {@code droneId}: by that key, never by the droneId the stored value names).
     */
    long silence(final long droneId, final DroneState state, final long monotonicNs)
    {
        Heard heard = drones.get(droneId);
        if (heard == null)
        {
            heard = new Heard();
            heard.sequence = state.sequence();
            heard.ingestNanos = state.ingestNanos();
            heard.sinceNs = monotonicNs;
            drones.put(droneId, heard);
        }
        else if (heard.sequence != state.sequence() || heard.ingestNanos != state.ingestNanos())
        {
            heard.sequence = state.sequence();
            heard.ingestNanos = state.ingestNanos();
            heard.sinceNs = monotonicNs;
        }
        heard.pass = pass;
        return monotonicNs - heard.sinceNs;
    }
}
