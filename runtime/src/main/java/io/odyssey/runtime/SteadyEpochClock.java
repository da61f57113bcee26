package io.odyssey.runtime;

import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Epoch nanoseconds for the times a node stamps into, signs or checks against frames of the drone link: the wall clock,
 * except that a step back of it no larger than {@link #followBackNanos()} is ridden out: the time goes on at half the
 * monotonic clock's rate from where it was, so it never goes back and meets the wall clock again after twice the step.
 * <p>
 * Why: frames are signed with timestamps that must rise per drone and link, within a window (60 s by default) of each
 * receiver's clock, and the MAVLink edge bounds its telemetry sequences by this clock's milliseconds. Read straight
 * from the wall clock, a step back (an NTP correction, an operator, a VM restored) held the signer's timestamps still
 * and stopped the edge's positions ({@code too_frequent}) for as long as the step. At full rate this clock would stay
 * ahead of the wall clock by the step for ever (both advance alike); at half rate it gives the step back over twice its
 * length, as an NTP slew would, only faster.
 * <p>
 * A step back larger than {@link #followBackNanos()} is followed: this clock cannot tell a correction (the clock was
 * wrong ahead, and every receiver with a right clock has been refusing this node's frames as out of window) from a
 * mistake (the clock was right). Following it is what makes a corrected node heard again at once, with no restart;
 * after a mistake of that size the node is out of every receiver's window either way until its clock is put right,
 * which the receivers' refusal counters show. Steps forward are followed at once, as is the wall clock's ordinary
 * slewing (the steady time never runs ahead of the wall clock by more than a step back it is riding out).
 * <p>
 * Allocation-free; thread-safe (a reading is a few nanoseconds beside the HMAC every signed frame costs).
 */
public final class SteadyEpochClock implements EpochNanoClock
{
    /** The receivers' default window: a step back within it is ridden out, a larger one followed. */
    public static final long DEFAULT_FOLLOW_BACK_NS = TimeUnit.SECONDS.toNanos(60);
    private static final Logger LOG = LoggerFactory.getLogger(SteadyEpochClock.class);

    private final EpochNanoClock wall;
    private final NanoClock monotonic;
    private final long followBackNs;
    private long anchorEpochNs;
    private long anchorMonotonicNs;
    private long stepsRiddenOut;
    private long stepsFollowed;
    private boolean ridingOut;

    /** The real-time clock, steadied over steps back of up to {@link #DEFAULT_FOLLOW_BACK_NS}. */
    public SteadyEpochClock()
    {
        this(new RealTimeClock(), new SystemNanoClock(), DEFAULT_FOLLOW_BACK_NS);
    }

    /**
     * @param wall           the wall clock it follows.
     * @param monotonic      the clock it advances with while a step back is ridden out.
     * @param followBackNs   the largest step back ridden out; a larger one is followed.
     */
    public SteadyEpochClock(final EpochNanoClock wall, final NanoClock monotonic, final long followBackNs)
    {
        if (followBackNs < 0)
        {
            throw new IllegalArgumentException("followBackNs must be >= 0, got " + followBackNs);
        }
        this.wall = wall;
        this.monotonic = monotonic;
        this.followBackNs = followBackNs;
        anchorEpochNs = wall.nanoTime();
        anchorMonotonicNs = monotonic.nanoTime();
    }

    public synchronized long nanoTime()
    {
        final long wallNs = wall.nanoTime();
        final long monotonicNs = monotonic.nanoTime();
        // Half rate from the last reading at or behind the wall clock: with no step the wall clock is always ahead of
        // this, so every reading is the wall clock and a new anchor; after a step back, this goes on from where it was.
        final long steadyNs = anchorEpochNs + (monotonicNs - anchorMonotonicNs) / 2;
        final long behind = steadyNs - wallNs;
        if (behind <= 0 || behind > followBackNs)
        {
            if (behind > followBackNs)
            {
                // Rare (a clock put right), so a line each time: the operator can match it to refusals elsewhere.
                stepsFollowed++;
                LOG.warn("the wall clock stepped back {} ms, more than the {} s ridden out: followed (signed times " +
                    "go back with it)", behind / 1_000_000, followBackNs / 1_000_000_000);
            }
            ridingOut = false;
            anchorEpochNs = wallNs;
            anchorMonotonicNs = monotonicNs;
            return wallNs;
        }
        // The wall clock is behind, within the step this clock rides out: keep advancing from where it was.
        if (!ridingOut && behind > TimeUnit.MILLISECONDS.toNanos(1))
        {
            ridingOut = true;
            stepsRiddenOut++;
            LOG.warn("the wall clock stepped back {} ms: times go on at half rate until it catches up",
                behind / 1_000_000);
        }
        return steadyNs;
    }

    /** How far back the wall clock may step and be ridden out. */
    public long followBackNanos()
    {
        return followBackNs;
    }

    /** Steps back of the wall clock ridden out so far (a step counts once, however long it takes to catch up). */
    public synchronized long stepsRiddenOut()
    {
        return stepsRiddenOut;
    }

    /** Steps back of the wall clock larger than {@link #followBackNanos()}, followed so far. */
    public synchronized long stepsFollowed()
    {
        return stepsFollowed;
    }
}
