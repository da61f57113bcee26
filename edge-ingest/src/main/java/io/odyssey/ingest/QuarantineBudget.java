package io.odyssey.ingest;

import io.odyssey.codecs.RejectReason;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * How many refused frames of each cause the quarantine journal takes: a rate per second with a burst of one second's
 * worth, per cause (a generic cell rate algorithm: one "next free" time per cause, no allocation, no timer). The frames
 * beyond it are still counted under their reject reason; only their copy in the journal is skipped (and counted).
 * <p>
 * Why: every refused frame costs the node up to {@code QUARANTINE_MAX_FRAME_BYTES} of disk for the journal's retention,
 * and anyone who can reach the UDP port can send refused frames as fast as the link allows. The causes such a sender
 * produces without holding a key get the tighter budget; those only a drone with a key produces (its content, its
 * sequence, its send time) the looser one, so a misbehaving drone's frames are kept for the post-mortem.
 * <p>
 * Not thread-safe: the ingest agent's thread only.
 */
final class QuarantineBudget
{
    /** The budget index of {@code JournalLayout.CAUSE_MALFORMED} (a frame the reader threw on). */
    static final int MALFORMED = RejectReason.values().length;
    /** Reject reasons plus MALFORMED. */
    static final int CAUSES = MALFORMED + 1;

    /**
     * What a sender without a key can produce at will: refusals before the signature verifies, and those of an authentic
     * frame captured and sent again (its replay window, its timestamp window).
     */
    static final Set<RejectReason> UNAUTHENTICATED = EnumSet.of(RejectReason.TRUNCATED, RejectReason.UNKNOWN_SCHEMA,
        RejectReason.UNKNOWN_TEMPLATE, RejectReason.UNSUPPORTED_VERSION, RejectReason.INVALID_DRONE_ID,
        RejectReason.DRONE_ID_OUT_OF_RANGE, RejectReason.UNSIGNED, RejectReason.UNKNOWN_KEY, RejectReason.BAD_SIGNATURE,
        RejectReason.REPLAYED, RejectReason.TIMESTAMP_OUT_OF_WINDOW);

    private static final long SECOND_NS = TimeUnit.SECONDS.toNanos(1);
    /** Marks a cause with a budget of 0: never journaled. */
    private static final long NEVER = Long.MAX_VALUE;

    /** Per cause: nanoseconds of budget one append costs; 0 = unlimited, {@link #NEVER} = no appends. */
    private final long[] costNs = new long[CAUSES];
    /** Per cause: how far ahead of now the next free time may run, i.e. the burst. */
    private final long[] toleranceNs = new long[CAUSES];
    /** Per cause: when its budget is back to the state of an idle cause ("theoretical arrival time"). */
    private final long[] nextFreeNs = new long[CAUSES];
    private final boolean[] started = new boolean[CAUSES];

    /** Every refused frame journaled: where frames are not journaled at all (a replay) or in tests of other rules. */
    static QuarantineBudget unlimited()
    {
        return new QuarantineBudget(-1, -1);
    }

    /**
     * @param unauthenticatedPerS appends per second per cause in {@link #UNAUTHENTICATED} and MALFORMED; 0 = none;
     *                            negative = unlimited.
     * @param authenticatedPerS   appends per second per other cause; 0 = none; negative = unlimited.
     */
    QuarantineBudget(final double unauthenticatedPerS, final double authenticatedPerS)
    {
        for (int cause = 0; cause < CAUSES; cause++)
        {
            final boolean unauthenticated = cause == MALFORMED || UNAUTHENTICATED.contains(RejectReason.get(cause));
            final double perS = unauthenticated ? unauthenticatedPerS : authenticatedPerS;
            costNs[cause] = perS < 0 ? 0 : perS == 0 ? NEVER : Math.max(1, (long)(SECOND_NS / perS));
            toleranceNs[cause] = Math.max(0, SECOND_NS - costNs[cause]);
        }
    }

    /** The budget index of a quarantine cause code (a reject reason's ordinal, or {@code CAUSE_MALFORMED}). */
    static int index(final int cause)
    {
        return cause >= 0 && cause < MALFORMED ? cause : MALFORMED;
    }

    /** @return whether a frame of this cause (budget index) may be journaled now; if so, its cost is taken. */
    boolean tryAcquire(final int cause, final long nowNs)
    {
        final long cost = costNs[cause];
        if (cost == 0)
        {
            return true;
        }
        if (cost == NEVER)
        {
            return false;
        }
        long nextFree = nextFreeNs[cause];
        // First use, idle for a while, or the wall clock stepped back further than a grant can reach ahead: start afresh.
        if (!started[cause] || nextFree - nowNs < 0 || nextFree - nowNs > toleranceNs[cause] + cost)
        {
            nextFree = nowNs;
            started[cause] = true;
        }
        if (nextFree - nowNs > toleranceNs[cause])
        {
            return false;
        }
        nextFreeNs[cause] = nextFree + cost;
        return true;
    }
}
