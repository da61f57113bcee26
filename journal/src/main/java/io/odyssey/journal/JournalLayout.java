package io.odyssey.journal;

import io.odyssey.codecs.RejectReason;

/**
 * The byte layout of journal entries: what ingest appends and what the archiver and replay read. Chronicle Queue frames
 * each entry (length and index); the body is ours, little-endian like the SBE frames it carries.
 * <pre>
 * telemetry:  receivedAtNanos:int64  clockTag:int64 ("\0\0CLOCK1")  runId:int64  monotonicNanos:int64
 *             frame:SBE bytes (header + Telemetry body), to the end of the entry
 * telemetry written before the clocked layout (still read):  receivedAtNanos:int64  frame:SBE bytes
 * quarantine: receivedAtNanos:int64  cause:int16  originalLength:int32  frame:the first bytes (at most 4 KiB)
 * alerts:     event:int8 (1 raised, 2 cleared, 3 the drone was handed over to another node, 4/5 raised/cleared with
 *             another node's drone)  type:int8 (AlertType ordinal)  droneId:int64  otherDroneId:int64
 *             atNanos:int64  telemetryIndex:int64 (the telemetry entry that caused it)
 *             evaluatedIndex:int64 (the last telemetry entry evaluated when it was produced)  value:float64
 * commands:   one UTF-8 JSON object: a ledger transition (commandId, seq) with its command (see CommandJournal)
 * </pre>
 * receivedAtNanos is the writing node's wall clock (epoch nanoseconds), which NTP or a restored VM may step either way.
 * monotonicNanos is that node's monotonic clock ({@code System.nanoTime()}: arbitrary origin, never stepped) when
 * the frame was received, and runId a non-zero number naming that clock's origin: the host's boot where the kernel
 * names it (Linux's boot id: every process of one boot shares the monotonic clock, so a restart of ingest keeps the run
 * and is timed by it), else a random number drawn each time a process opens the journal for writing. Two entries'
 * monotonic times may be compared only when their run ids are equal (a reboot changes the origin).
 * The clock tag tells the layouts apart: its first two bytes (0) sit where an SBE frame has its block length, which is
 * never 0 in an accepted telemetry frame, so no entry of the older layout reads as a clocked one.
 * <p>
 * The quarantine cause is a {@link RejectReason} ordinal (append-only: new reasons go at the end) or one of the
 * codes below for frames the reader never got to judge.
 */
public final class JournalLayout
{
    /** Subdirectory of the journal root holding accepted telemetry. */
    public static final String TELEMETRY = "telemetry";
    /** Subdirectory of the journal root holding refused frames. */
    public static final String QUARANTINE = "quarantine";
    /** Subdirectory of the journal root holding alert raises and clears. */
    public static final String ALERTS = "alerts";
    /** Subdirectory of the journal root holding command-ledger transitions (see {@link CommandJournal}). */
    public static final String COMMANDS = "commands";

    public static final int RECEIVED_AT_OFFSET = 0;
    /** Where the frame starts in a telemetry entry of the layout before the clocked one (no run, no monotonic time). */
    public static final int TELEMETRY_FRAME_OFFSET = 8;
    /** Marks a clocked telemetry entry: the bytes "\0\0CLOCK1", little-endian (its block-length bytes are 0). */
    public static final long TELEMETRY_CLOCK_TAG = 0x314B434F4C430000L;
    public static final int TELEMETRY_CLOCK_TAG_OFFSET = 8;
    public static final int TELEMETRY_RUN_OFFSET = 16;
    public static final int TELEMETRY_MONOTONIC_OFFSET = 24;
    /** Where the frame starts in a clocked telemetry entry. */
    public static final int TELEMETRY_CLOCKED_FRAME_OFFSET = 32;
    /** The run id of entries without one (the layout before the clocked one); never drawn for a run. */
    public static final long NO_RUN = 0;

    public static final int QUARANTINE_CAUSE_OFFSET = 8;
    public static final int QUARANTINE_LENGTH_OFFSET = 10;
    public static final int QUARANTINE_FRAME_OFFSET = 14;
    public static final byte ALERT_RAISED = 1;
    public static final byte ALERT_CLEARED = 2;
    /** The drone is now heard by another node: this node cleared its alerts and forgot it (type is LOST_LINK). */
    public static final byte ALERT_HANDED_OVER = 3;
    /** A loss of separation with another node's drone raised / cleared (a replay of one journal cannot reproduce it). */
    public static final byte ALERT_RAISED_ACROSS_NODES = 4;
    public static final byte ALERT_CLEARED_ACROSS_NODES = 5;

    /** A flood of oversized garbage must not fill the disk faster than the good frames do. */
    public static final int QUARANTINE_MAX_FRAME_BYTES = 4096;

    /** The reader threw on this frame: it could not be read at all. */
    public static final short CAUSE_MALFORMED = 1000;
    /**
     * A valid frame from a drone this node had no room for, in journals written before that became the reject reason
     * {@link RejectReason#DRONE_CAPACITY}; still named when such a journal is read.
     */
    public static final short CAUSE_TABLE_FULL = 1001;

    private JournalLayout()
    {
    }

    /** The name of a quarantine cause, as the counters and logs spell it. */
    public static String causeName(final int cause)
    {
        if (cause == CAUSE_MALFORMED)
        {
            return "MALFORMED";
        }
        if (cause == CAUSE_TABLE_FULL)
        {
            return "TABLE_FULL";
        }
        if (cause >= 0 && cause < RejectReason.values().length)
        {
            return RejectReason.get(cause).name();
        }
        return "UNKNOWN_CAUSE_" + cause;
    }
}
