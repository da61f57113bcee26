package io.odyssey.runtime;

import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Epoch nanoseconds for the times a node stamps into, signs or checks against frames of the drone link: the wall clock,
 * except that a step back of it no larger than {@link #followBackNanos()} is ridden out on the monotonic clock.
 * <p>
 * Why: frames are signed with rising timestamps that receivers hold within a window (60 s by default) of their own
 * clock. Signed straight from the wall clock, a step back (an NTP correction, an operator, a VM restored) made the
 * signer hold its timestamps at the last one signed until the wall clock caught up, so after a window's worth of real
 * time every receiver refused the node's frames, for as long as the step. Here the time keeps advancing with the
 * monotonic clock from where it was.
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
        final long steadyNs = anchorEpochNs + (monotonicNs - anchorMonotonicNs);
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
        // The wall clock is behind, within the step this clock rides out: keep advancing from where it was. A
        // microsecond or so is only the two clocks read a few nanoseconds apart, not a step.
        if (!ridingOut && behind > TimeUnit.MILLISECONDS.toNanos(1))
        {
            ridingOut = true;
            stepsRiddenOut++;
            LOG.warn("the wall clock stepped back {} ms: times go on from the monotonic clock until it catches up",
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
