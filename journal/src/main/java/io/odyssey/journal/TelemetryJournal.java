package io.odyssey.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.PointerBytesStore;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.core.time.TimeProvider;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.UUID;

/**
 * An ingest node's journals: every accepted telemetry frame (its SBE bytes, as received) and, apart, every refused
 * frame with its cause. Two Chronicle Queues under one root directory ({@link JournalLayout#TELEMETRY},
 * {@link JournalLayout#QUARANTINE}), rolled by the configured cycle; {@link JournalRetention} deletes old cycles.
 * <p>
 * <b>Allocation-free appends</b>: the frame is copied straight from the Aeron term buffer into the queue's mapped
 * memory through a reused {@link PointerBytesStore}; no intermediate copy, no object per entry. An entry is durable
 * once appended as far as the process is concerned (the mapping belongs to the OS): a crash of this process loses
 * nothing appended, a crash of the machine may lose what the OS had not written back yet.
 * <p>
 * Single writer: the appenders are created on, and used only from, the thread that appends first (the ingest agent).
 */
public final class TelemetryJournal implements FrameJournal, AutoCloseable
{
    private final SingleChronicleQueue telemetry;
    private final SingleChronicleQueue quarantine;
    private final PointerBytesStore pointer = new PointerBytesStore();
    private final Path root;
    private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

    /** Tells the readers which entries' monotonic times share an origin (see {@link #newRunId}). */
    private final long runId;
    private ExcerptAppender telemetryAppender;
    private ExcerptAppender quarantineAppender;

    public TelemetryJournal(final Path root, final RollCycle rollCycle)
    {
        this(root, rollCycle, SystemTimeProvider.INSTANCE);
    }

    /** With a time provider so tests can write entries into past cycles. */
    public TelemetryJournal(final Path root, final RollCycle rollCycle, final TimeProvider time)
    {
        this.root = root;
        this.runId = newRunId();
        this.telemetry = open(root.resolve(JournalLayout.TELEMETRY), rollCycle, time);
        try
        {
            this.quarantine = open(root.resolve(JournalLayout.QUARANTINE), rollCycle, time);
        }
        catch (final RuntimeException ex)
        {
            telemetry.close();
            throw ex;
        }
    }

    /**
     * Opens (creating when absent) one journal queue for writing; shared with the tools that read it.
     *
     * @throws JournalNotWritableException when the queue opened read-only (it would fail every append).
     */
    public static SingleChronicleQueue open(final Path dir, final RollCycle rollCycle, final TimeProvider time)
    {
        return requireAppendable(
            SingleChronicleQueueBuilder.single(dir.toFile()).rollCycle(rollCycle).timeProvider(time).build(), dir);
    }

    /**
     * Chronicle falls back to a read-only queue without failing (an unwritable directory, a missing JVM export);
     * creating an appender is where it says so.
     *
     * @return {@code queue}, which is closed when it cannot be appended to.
     */
    static SingleChronicleQueue requireAppendable(final SingleChronicleQueue queue, final Path dir)
    {
        try
        {
            queue.createAppender().close();
            return queue;
        }
        catch (final IllegalStateException ex)
        {
            queue.close();
            throw new JournalNotWritableException("the journal " + dir + " opened read-only (" + ex.getMessage() +
                "): its directory is not writable, or the JVM lacks --add-exports=java.base/sun.nio.ch=ALL-UNNAMED", ex);
        }
    }

    /**
     * The run id: the same for every process of one boot of the host where the kernel tells which boot it is (Linux's
     * {@code /proc/sys/kernel/random/boot_id}), else a random one per opening; never {@link JournalLayout#NO_RUN}.
     * {@code System.nanoTime()} is the kernel's monotonic clock, one for every process from boot to shutdown, so the
     * monotonic times of two processes of one boot compare: a restart of ingest meanwhile is timed by them. Drawn per
     * process, a restart was timed by the receive times alone, and a step of the wall clock forward while ingest was
     * down read as that much silence (every drone reported lost, past the expiry forgotten). A reboot starts the
     * monotonic clock again and changes the boot id, so it is another run.
     */
    private static long newRunId()
    {
        final long boot = bootRunId(BOOT_ID);
        if (boot != JournalLayout.NO_RUN)
        {
            return boot;
        }
        final SecureRandom random = new SecureRandom();
        long id;
        do
        {
            id = random.nextLong();
        }
        while (id == JournalLayout.NO_RUN);
        return id;
    }

    /** The run id of the boot named in {@code bootIdFile} (a UUID), or NO_RUN if it cannot be read. */
    static long bootRunId(final Path bootIdFile)
    {
        try
        {
            // A UUID's 36 characters and a newline: read no more, whatever the file holds.
            final String text;
            try (java.io.InputStream in = Files.newInputStream(bootIdFile))
            {
                text = new String(in.readNBytes(64), StandardCharsets.US_ASCII).trim();
            }
            final UUID boot = UUID.fromString(text);
            // The boot id's 128 random bits folded to 64 (0 would read as "no monotonic time").
            final long id = boot.getMostSignificantBits() ^ boot.getLeastSignificantBits();
            return id == JournalLayout.NO_RUN ? 1 : id;
        }
        catch (final IOException | RuntimeException ex)
        {
            return JournalLayout.NO_RUN;
        }
    }

    /** This process's run: the id its clocked entries carry. */
    public long runId()
    {
        return runId;
    }

    /**
     * Appends an accepted telemetry frame in the clocked layout: receive time on the wall clock, this run's id and the
     * receive time on the monotonic clock (see {@link JournalLayout}).
     *
     * @return the entry's journal index (cycle and sequence, see {@link RollCycle#toIndex}).
     */
    public long appendTelemetry(final DirectBuffer frame, final int offset, final int length, final long receivedAtNanos,
        final long monotonicNanos)
    {
        if (telemetryAppender == null)
        {
            telemetryAppender = telemetry.createAppender();
        }
        try (DocumentContext entry = telemetryAppender.writingDocument())
        {
            final Bytes<?> bytes = entry.wire().bytes();
            bytes.writeLong(receivedAtNanos);
            bytes.writeLong(JournalLayout.TELEMETRY_CLOCK_TAG);
            bytes.writeLong(runId);
            bytes.writeLong(monotonicNanos);
            copy(bytes, frame, offset, length);
        }
        return telemetryAppender.lastIndexAppended();
    }

    /**
     * Appends an accepted telemetry frame in the layout before the clocked one (receive time on the wall clock only),
     * as older versions wrote it: for tools that make journals without a monotonic clock to hand (drills, tests of
     * how such journals are read). Readers pace entries without a run on their receive times.
     *
     * @return the entry's journal index (cycle and sequence, see {@link RollCycle#toIndex}).
     */
    public long appendTelemetry(final DirectBuffer frame, final int offset, final int length, final long receivedAtNanos)
    {
        if (telemetryAppender == null)
        {
            telemetryAppender = telemetry.createAppender();
        }
        try (DocumentContext entry = telemetryAppender.writingDocument())
        {
            final Bytes<?> bytes = entry.wire().bytes();
            bytes.writeLong(receivedAtNanos);
            copy(bytes, frame, offset, length);
        }
        return telemetryAppender.lastIndexAppended();
    }

    /**
     * Appends a refused frame with the cause: a {@link io.odyssey.codecs.RejectReason} ordinal or one of the
     * {@code JournalLayout.CAUSE_*} codes. Frames longer than {@link JournalLayout#QUARANTINE_MAX_FRAME_BYTES} keep
     * their first bytes and their original length.
     *
     * @return true: it was appended.
     */
    public boolean appendQuarantined(
        final DirectBuffer frame, final int offset, final int length, final long receivedAtNanos, final int cause)
    {
        if (quarantineAppender == null)
        {
            quarantineAppender = quarantine.createAppender();
        }
        try (DocumentContext entry = quarantineAppender.writingDocument())
        {
            final Bytes<?> bytes = entry.wire().bytes();
            bytes.writeLong(receivedAtNanos);
            bytes.writeShort((short)cause);
            bytes.writeInt(length);
            copy(bytes, frame, offset, Math.min(length, JournalLayout.QUARANTINE_MAX_FRAME_BYTES));
        }
        return true;
    }

    /**
     * Copies without an intermediate buffer: from native memory (the Aeron term buffer) through a reused pointer
     * store, from a heap array directly. Either way Chronicle handles an entry that straddles a mapped chunk.
     */
    private void copy(final Bytes<?> bytes, final DirectBuffer frame, final int offset, final int length)
    {
        final byte[] array = frame.byteArray();
        if (array != null)
        {
            bytes.write(array, frame.wrapAdjustment() + offset, length);
        }
        else
        {
            pointer.set(frame.addressOffset() + offset, length);
            bytes.write(pointer, 0L, (long)length);
        }
    }

    public Path root()
    {
        return root;
    }

    public SingleChronicleQueue telemetryQueue()
    {
        return telemetry;
    }

    public SingleChronicleQueue quarantineQueue()
    {
        return quarantine;
    }

    public void close()
    {
        CloseHelper.closeAll(telemetry, quarantine);
    }
}
