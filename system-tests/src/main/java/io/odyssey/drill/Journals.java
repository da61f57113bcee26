package io.odyssey.drill;

import com.fasterxml.jackson.databind.JsonNode;
import io.odyssey.codecs.sbe.MessageHeaderDecoder;
import io.odyssey.codecs.sbe.TelemetryDecoder;
import io.odyssey.journal.AlertJournal;
import io.odyssey.journal.CommandJournal;
import io.odyssey.journal.JournalEntry;
import io.odyssey.journal.JournalLayout;
import io.odyssey.journal.TelemetryJournal;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.agrona.DirectBuffer;

import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Reads an ingest node's journals from outside, as the archiver does (Chronicle Queue allows readers in other
 * processes while the node writes): which frames it accepted and refused, which alerts and command transitions it
 * journaled. Entries are read after a given index and up to another, so a drill looks only at its own window.
 */
final class Journals
{
    /** A telemetry frame a node journaled: accepted (telemetry/) or refused (quarantine/, with its cause). */
    record Frame(long droneId, long sequence, long sentAtNanos, long receivedAtNanos, long index, boolean accepted, int cause)
    {
    }

    /** A command transition as journaled: (commandId, seq) identifies it; state and time must reach the archive. */
    record Transition(long index, String commandId, long seq, String state, long atNanos)
    {
    }

    private Journals()
    {
    }

    /** The index of the newest entry of one queue ({@code telemetry}, {@code quarantine}, ...), -1 when it is empty. */
    static long lastIndex(final Path root, final String queue)
    {
        try (SingleChronicleQueue journal = open(root, queue))
        {
            return journal.lastIndex();
        }
    }

    static void telemetry(final Path root, final long after, final long upTo, final Consumer<Frame> each)
    {
        scanFrames(root, JournalLayout.TELEMETRY, JournalEntry.telemetry(), true, after, upTo, each);
    }

    static void quarantine(final Path root, final long after, final long upTo, final Consumer<Frame> each)
    {
        scanFrames(root, JournalLayout.QUARANTINE, JournalEntry.quarantine(), false, after, upTo, each);
    }

    private static void scanFrames(final Path root, final String queue, final JournalEntry entry, final boolean accepted,
        final long after, final long upTo, final Consumer<Frame> each)
    {
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final TelemetryDecoder telemetry = new TelemetryDecoder();
        try (SingleChronicleQueue journal = open(root, queue))
        {
            final ExcerptTailer tailer = positionAfter(journal, after);
            while (entry.readNext(tailer) && entry.index() <= upTo)
            {
                if (entry.index() <= after)
                {
                    continue;
                }
                final DirectBuffer frame = entry.frame();
                long droneId = Long.MIN_VALUE;
                long sequence = Long.MIN_VALUE;
                long sentAt = Long.MIN_VALUE;
                // Decoded without validation: refused frames are what they are (a forged id, a stale sequence).
                if (entry.frameLength() >= MessageHeaderDecoder.ENCODED_LENGTH)
                {
                    header.wrap(frame, 0);
                    if (header.templateId() == TelemetryDecoder.TEMPLATE_ID &&
                        entry.frameLength() >= MessageHeaderDecoder.ENCODED_LENGTH + TelemetryDecoder.sentAtNanosEncodingOffset() + 8)
                    {
                        telemetry.wrap(frame, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                        droneId = telemetry.droneId();
                        sequence = telemetry.sequence();
                        sentAt = telemetry.sentAtNanos();
                    }
                }
                each.accept(new Frame(droneId, sequence, sentAt, entry.receivedAtNanos(), entry.index(), accepted,
                    accepted ? -1 : entry.cause()));
            }
        }
    }

    /** Each alert entry's index after {@code after} up to {@code upTo}. */
    static void alerts(final Path root, final long after, final long upTo, final Consumer<Long> each)
    {
        final AlertJournal.Entry entry = new AlertJournal.Entry();
        try (SingleChronicleQueue journal = open(root, JournalLayout.ALERTS))
        {
            final ExcerptTailer tailer = positionAfter(journal, after);
            while (entry.readNext(tailer) && entry.index() <= upTo)
            {
                if (entry.index() > after)
                {
                    each.accept(entry.index());
                }
            }
        }
    }

    /** Each command transition after {@code after} up to {@code upTo}; entries that are not a transition come as null ids. */
    static void commands(final Path root, final long after, final long upTo, final Consumer<Transition> each)
    {
        final long[] index = new long[1];
        try (SingleChronicleQueue journal = open(root, JournalLayout.COMMANDS))
        {
            final ExcerptTailer tailer = positionAfter(journal, after);
            String text;
            while ((text = CommandJournal.readNext(tailer, index)) != null && index[0] <= upTo)
            {
                if (index[0] <= after)
                {
                    continue;
                }
                Transition transition;
                try
                {
                    final JsonNode json = CommandJournal.parse(text);
                    transition = new Transition(index[0], json.path("commandId").asText(null), json.path("seq").asLong(),
                        json.path("state").asText(null), Long.parseLong(json.path("atNs").asText("0")));
                }
                catch (final Exception ex)
                {
                    transition = new Transition(index[0], null, -1, null, 0);
                }
                each.accept(transition);
            }
        }
    }

    static SingleChronicleQueue open(final Path root, final String queue)
    {
        // The roll cycle is the writer's: an existing queue's metadata overrides this default.
        return TelemetryJournal.open(root.resolve(queue), RollCycles.FAST_HOURLY, SystemTimeProvider.INSTANCE);
    }

    private static ExcerptTailer positionAfter(final SingleChronicleQueue journal, final long after)
    {
        final ExcerptTailer tailer = journal.createTailer();
        // moveToIndex(after) puts the tailer on that entry, which the caller skips; anything else reads from the start.
        if (after < 0 || !tailer.moveToIndex(after))
        {
            tailer.toStart();
        }
        return tailer;
    }
}
