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
        public long appendTelemetry(
            final DirectBuffer frame, final int offset, final int length, final long receivedAtNanos)
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
     * Appends an accepted telemetry frame.
     *
     * @return the entry's journal index, -1 when nothing was appended.
     */
    long appendTelemetry(DirectBuffer frame, int offset, int length, long receivedAtNanos);

    /**
     * Appends a refused frame with the cause: a {@link io.odyssey.codecs.RejectReason} ordinal or one of the
     * {@code JournalLayout.CAUSE_*} codes.
     *
     * @return whether it was appended (false only for {@link #NONE}).
     */
    boolean appendQuarantined(DirectBuffer frame, int offset, int length, long receivedAtNanos, int cause);
}
