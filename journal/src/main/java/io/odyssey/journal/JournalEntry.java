package io.odyssey.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A reusable view of one journal entry, filled by {@link #readNext}: its journal index, when ingest received it (on
 * its wall clock and, for telemetry entries of the clocked layout, on its monotonic clock with the run's id), and
 * the frame bytes (for quarantine entries also the cause and the original length). The frame is copied out of the
 * queue into a buffer this view owns, so it stays valid after the tailer moved on.
 */
public final class JournalEntry
{
    private final ExpandableArrayBuffer frame = new ExpandableArrayBuffer(256);
    private final boolean quarantine;
    private long index;
    private long receivedAtNanos;
    private long runId;
    private long monotonicNanos;
    private int cause;
    private int originalLength;
    private int frameLength;

    private JournalEntry(final boolean quarantine)
    {
        this.quarantine = quarantine;
    }

    public static JournalEntry telemetry()
    {
        return new JournalEntry(false);
    }

    public static JournalEntry quarantine()
    {
        return new JournalEntry(true);
    }

    /**
     * Reads the tailer's next entry into this view.
     *
     * @return false when the tailer is at the end of the journal (nothing was read).
     */
    public boolean readNext(final ExcerptTailer tailer)
    {
        try (DocumentContext entry = tailer.readingDocument())
        {
            if (!entry.isPresent())
            {
                return false;
            }
            final Bytes<?> bytes = entry.wire().bytes();
            index = entry.index();
            final int header = quarantine ? JournalLayout.QUARANTINE_FRAME_OFFSET : JournalLayout.TELEMETRY_FRAME_OFFSET;
            if (bytes.readRemaining() < header)
            {
                // A torn or foreign entry: an empty frame, which every reader refuses as truncated.
                receivedAtNanos = 0;
                runId = JournalLayout.NO_RUN;
                monotonicNanos = 0;
                cause = 0;
                originalLength = 0;
                frameLength = 0;
                return true;
            }
            receivedAtNanos = bytes.readLong();
            runId = JournalLayout.NO_RUN;
            monotonicNanos = 0;
            if (!quarantine && bytes.readRemaining() >= JournalLayout.TELEMETRY_CLOCKED_FRAME_OFFSET - 8 &&
                bytes.readLong(bytes.readPosition()) == JournalLayout.TELEMETRY_CLOCK_TAG)
            {
                // The clocked layout; an older entry's frame never starts so (its block length is not 0).
                bytes.readSkip(8);
                runId = bytes.readLong();
                monotonicNanos = bytes.readLong();
            }
            if (quarantine)
            {
                cause = bytes.readShort();
                originalLength = bytes.readInt();
            }
            frameLength = (int)bytes.readRemaining();
            frame.checkLimit(frameLength);
            bytes.read(frame.byteArray(), 0, frameLength);
            if (!quarantine)
            {
                originalLength = frameLength;
            }
            return true;
        }
    }

    public long index()
    {
        return index;
    }

    public long receivedAtNanos()
    {
        return receivedAtNanos;
    }

    /**
     * The run that wrote the entry ({@link JournalLayout#NO_RUN} for entries of the older layout, quarantine entries
     * and torn ones): monotonic times of two entries are comparable only within one run.
     */
    public long runId()
    {
        return runId;
    }

    /** The receive time on the writing run's monotonic clock; meaningful only when {@link #runId()} is not NO_RUN. */
    public long monotonicNanos()
    {
        return monotonicNanos;
    }

    /** The frame as journaled (for quarantine entries possibly only its first bytes). */
    public MutableDirectBuffer frame()
    {
        return frame;
    }

    public int frameLength()
    {
        return frameLength;
    }

    /** Quarantine entries: the frame's length as received. */
    public int originalLength()
    {
        return originalLength;
    }

    /** Quarantine entries: see {@link JournalLayout#causeName}. */
    public int cause()
    {
        return cause;
    }
}
