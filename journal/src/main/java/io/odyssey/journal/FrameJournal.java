package io.odyssey.journal;

import org.agrona.DirectBuffer;

/**
 * Where an ingest path appends the frames it receives: accepted telemetry, and refused frames with their cause.
 * {@link TelemetryJournal} in a running node; {@link #NONE} where frames come from a journal already (a replay re-reads
 * one and must not write it again).
 */
public interface FrameJournal
{
    /** Appends nothing: for a path whose frames are already journaled elsewhere. */
    FrameJournal NONE = new FrameJournal()
    {
        public long appendTelemetry(final DirectBuffer frame, final int offset, final int length,
            final long receivedAtNanos, final long monotonicNanos)
        {
            return -1;
        }

        public boolean appendQuarantined(
            final DirectBuffer frame, final int offset, final int length, final long receivedAtNanos, final int cause)
        {
            return false;
        }
    };

    /**
     * Appends an accepted telemetry frame with its receive time on the node's wall clock and on its monotonic clock
     * ({@code System.nanoTime()} or the agent's injected one), so what is paced on elapsed time (the alert engine's
     * lost links and expiries) is not fooled by a step of the wall clock.
     *
     * @return the entry's journal index, -1 when nothing was appended.
     */
    long appendTelemetry(DirectBuffer frame, int offset, int length, long receivedAtNanos, long monotonicNanos);

    /**
     * Appends a refused frame with the cause: a {@link io.odyssey.codecs.RejectReason} ordinal or one of the
     * {@code JournalLayout.CAUSE_*} codes.
     *
     * @return whether it was appended (false only for {@link #NONE}).
     */
    boolean appendQuarantined(DirectBuffer frame, int offset, int length, long receivedAtNanos, int cause);
}
