package io.odyssey.journal;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.wire.DocumentContext;

import java.nio.file.Path;

/**
 * An ingest node's alert journal ({@link JournalLayout#ALERTS}): every raise and clear, in the order the alert engine
 * produced them, with the telemetry index that caused each. What the archiver stores and a replay is compared with.
 * Single writer (the alert monitor's thread).
 */
public final class AlertJournal implements AutoCloseable
{
    private final SingleChronicleQueue queue;
    private ExcerptAppender appender;

    public AlertJournal(final Path root, final RollCycle rollCycle)
    {
        queue = TelemetryJournal.open(root.resolve(JournalLayout.ALERTS), rollCycle, SystemTimeProvider.INSTANCE);
    }

    public long append(final byte event, final int type, final long droneId, final long otherDroneId, final long atNanos,
        final long telemetryIndex, final long evaluatedIndex, final double value)
    {
        if (appender == null)
        {
            appender = queue.createAppender();
        }
        try (DocumentContext entry = appender.writingDocument())
        {
            final Bytes<?> bytes = entry.wire().bytes();
            bytes.writeByte(event);
            bytes.writeByte((byte)type);
            bytes.writeLong(droneId);
            bytes.writeLong(otherDroneId);
            bytes.writeLong(atNanos);
            bytes.writeLong(telemetryIndex);
            bytes.writeLong(evaluatedIndex);
            bytes.writeDouble(value);
        }
        return appender.lastIndexAppended();
    }

    public SingleChronicleQueue queue()
    {
        return queue;
    }

    public void close()
    {
        queue.close();
    }

    /** Bytes of one entry: event, type, five longs (drone, other drone, time, telemetry index, evaluated index), value. */
    public static final int ENTRY_LENGTH = 2 + 6 * 8;

    /** A reusable view of one alert journal entry. */
    public static final class Entry
    {
        private boolean complete;
        private long index;
        private byte event;
        private int type;
        private long droneId;
        private long otherDroneId;
        private long atNanos;
        private long telemetryIndex;
        private long evaluatedIndex;
        private double value;

        /** @return false at the end of the journal. */
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
                // A short entry (a torn write, another writer) is reported as incomplete rather than read past its end.
                complete = bytes.readRemaining() >= ENTRY_LENGTH;
                if (!complete)
                {
                    event = 0;
                    type = -1;
                    return true;
                }
                event = bytes.readByte();
                type = bytes.readByte();
                droneId = bytes.readLong();
                otherDroneId = bytes.readLong();
                atNanos = bytes.readLong();
                telemetryIndex = bytes.readLong();
                evaluatedIndex = bytes.readLong();
                value = bytes.readDouble();
                return true;
            }
        }

        public long index()
        {
            return index;
        }

        /** False for an entry shorter than {@link #ENTRY_LENGTH}: none of its fields was read. */
        public boolean complete()
        {
            return complete;
        }

        public boolean raised()
        {
            return event == JournalLayout.ALERT_RAISED || event == JournalLayout.ALERT_RAISED_ACROSS_NODES;
        }

        /** {@link JournalLayout#ALERT_RAISED}, {@link JournalLayout#ALERT_CLEARED}, {@link JournalLayout#ALERT_HANDED_OVER}, or one of the two across nodes. */
        /** A loss of separation with another node's drone: outside what a replay of this journal can reproduce. */
        public boolean acrossNodes()
        {
            return event == JournalLayout.ALERT_RAISED_ACROSS_NODES || event == JournalLayout.ALERT_CLEARED_ACROSS_NODES;
        }

        public byte event()
        {
            return event;
        }

        public int type()
        {
            return type;
        }

        public long droneId()
        {
            return droneId;
        }

        public long otherDroneId()
        {
            return otherDroneId;
        }

        public long atNanos()
        {
            return atNanos;
        }

        public long telemetryIndex()
        {
            return telemetryIndex;
        }

        /** The last telemetry entry the monitor had evaluated when this was produced (a restart resumes after it). */
        public long evaluatedIndex()
        {
            return evaluatedIndex;
        }

        public double value()
        {
            return value;
        }
    }
}
