package io.odyssey.journal;

import com.fasterxml.jackson.databind.ObjectMapper;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * An ingest node's command journal ({@link JournalLayout#COMMANDS}): each ledger transition this node made, with the
 * command it belongs to (who issued it, from where, when, with what parameters), so the archive can rebuild commands,
 * their transitions and the audit trail. One UTF-8 JSON object per entry: commands are rare next to telemetry, and a
 * self-describing entry survives additions to the command model (the ingest node writes it:
 * {@code io.odyssey.relay.CommandJournalEntries}). A transition may be journaled twice (a node dying
 * between the append and noting it in the ledger); (commandId, seq) identifies it, and the archive keeps one.
 * Single writer (the relay's thread).
 */
public final class CommandJournal implements AutoCloseable
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SingleChronicleQueue queue;
    private ExcerptAppender appender;

    public CommandJournal(final Path root, final RollCycle rollCycle)
    {
        queue = TelemetryJournal.open(root.resolve(JournalLayout.COMMANDS), rollCycle, SystemTimeProvider.INSTANCE);
    }

    /**
     * Appends one transition as the ingest node encoded it. The journal does not know the ledger's record, so its
     * readers (the archiver) carry neither the grid nor its client.
     */
    public void append(final String entry)
    {
        if (appender == null)
        {
            appender = queue.createAppender();
        }
        final byte[] text = entry.getBytes(StandardCharsets.UTF_8);
        try (DocumentContext entryContext = appender.writingDocument())
        {
            entryContext.wire().bytes().write(text);
        }
    }

    public SingleChronicleQueue queue()
    {
        return queue;
    }

    public void close()
    {
        queue.close();
    }

    /** Reads the next entry's JSON text, or null at the end of the journal. */
    public static String readNext(final ExcerptTailer tailer, final long[] indexOut)
    {
        final byte[] bytes = readNextBytes(tailer, indexOut);
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    /**
     * Reads the next entry's bytes as journaled (UTF-8 JSON, unless something else wrote them), or null at the end of
     * the journal: for readers that must judge the bytes themselves rather than have invalid UTF-8 replaced.
     */
    public static byte[] readNextBytes(final ExcerptTailer tailer, final long[] indexOut)
    {
        try (DocumentContext entry = tailer.readingDocument())
        {
            if (!entry.isPresent())
            {
                return null;
            }
            final Bytes<?> bytes = entry.wire().bytes();
            final byte[] text = new byte[(int)bytes.readRemaining()];
            bytes.read(text);
            indexOut[0] = entry.index();
            return text;
        }
    }

    /** Parses one entry's text (for readers: archiver, tests). */
    public static com.fasterxml.jackson.databind.JsonNode parse(final String text) throws IOException
    {
        return JSON.readTree(text);
    }
}
