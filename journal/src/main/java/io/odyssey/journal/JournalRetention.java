package io.odyssey.journal;

import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.text.SimpleDateFormat;
import java.util.HashSet;
import java.util.Set;
import java.util.TimeZone;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Deletes journal cycles older than the retention period; open-source Chronicle Queue keeps every cycle forever.
 * <p>
 * A cycle of an archived queue (telemetry, alerts, commands) is deleted only once every archiver that tails it has committed
 * past it: each archiver records its committed index in {@code <root>/archived/<queue>/<archiver>.index}
 * ({@link #recordArchived}). Without any such file the queue is not archived and age alone decides (as for the
 * quarantine). The cycle being written is never deleted.
 * <p>
 * A running archiver rewrites its record at least every {@link #RECORD_REFRESH_MILLIS}, even when it has nothing new to
 * commit. A record not written for longer than the retention period (and at least an hour) is therefore an archiver
 * that is gone: retired, renamed, or down that long. It still holds its queue back, as an archiver that comes back
 * must find what it has not archived; but it is logged and counted ({@link #staleRecords()}), because left alone it
 * stops retention for good and the disk fills.
 */
public final class JournalRetention
{
    /** Directory under the journal root where archivers record how far they have committed. */
    public static final String ARCHIVED_DIR = "archived";
    /** How often a running archiver rewrites its record even when its index has not moved. */
    public static final long RECORD_REFRESH_MILLIS = TimeUnit.MINUTES.toMillis(10);

    private static final Logger LOG = LoggerFactory.getLogger(JournalRetention.class);

    private final Path root;
    private final SingleChronicleQueue[] queues;
    private final long retentionMillis;
    private final LongSupplier clockMillis;
    private final long staleAfterMillis;
    private final Set<Path> warnedStale = new HashSet<>();
    private volatile int staleRecords;

    /**
     * @param root           the journal root the queues live in (their directory names are the queue names).
     * @param retentionHours how long a cycle is kept after it ends; 0 keeps every cycle.
     */
    public JournalRetention(final Path root, final long retentionHours, final LongSupplier clockMillis,
        final SingleChronicleQueue... queues)
    {
        this.root = root;
        this.queues = queues.clone();
        this.retentionMillis = TimeUnit.HOURS.toMillis(retentionHours);
        this.clockMillis = clockMillis;
        this.staleAfterMillis = Math.max(retentionMillis, TimeUnit.HOURS.toMillis(1));
    }

    /** Archiver records not written for longer than the retention period (an hour at least), as of the last pass. */
    public int staleRecords()
    {
        return staleRecords;
    }

    /**
     * One pass over both journals.
     *
     * @return the number of cycle files deleted.
     */
    public int run()
    {
        if (retentionMillis == 0)
        {
            return 0;
        }
        int deleted = 0;
        final Set<Path> stale = new HashSet<>();
        for (final SingleChronicleQueue queue : queues)
        {
            deleted += prune(queue, archivedIndex(root, queue.file().getName(), clockMillis.getAsLong() - staleAfterMillis,
                stale));
        }
        for (final Path record : stale)
        {
            if (warnedStale.add(record))
            {
                LOG.warn("journal retention: {} has not been written for over {} h: its archiver is gone (retired, " +
                    "renamed or down) and holds every cycle of its queue back; delete the file if it is not coming back",
                    record, TimeUnit.MILLISECONDS.toHours(staleAfterMillis));
            }
        }
        warnedStale.retainAll(stale);
        staleRecords = stale.size();
        return deleted;
    }

    private int prune(final SingleChronicleQueue queue, final long archivedIndex)
    {
        final RollCycle rollCycle = queue.rollCycle();
        final int currentCycle = queue.cycle();
        final int archivedCycle;
        if (archivedIndex == Long.MAX_VALUE)
        {
            archivedCycle = Integer.MAX_VALUE;
        }
        else if (archivedIndex < 0)
        {
            archivedCycle = Integer.MIN_VALUE;
        }
        else
        {
            archivedCycle = rollCycle.toCycle(archivedIndex);
        }
        final long cutoffMillis = clockMillis.getAsLong() - retentionMillis;
        final SimpleDateFormat format = new SimpleDateFormat(rollCycle.format());
        format.setTimeZone(TimeZone.getTimeZone("UTC"));
        int deleted = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(queue.file().toPath(), "*" + SingleChronicleQueue.SUFFIX))
        {
            for (final Path file : files)
            {
                final String name = file.getFileName().toString();
                final long startMillis;
                try
                {
                    startMillis = format.parse(name.substring(0, name.length() - SingleChronicleQueue.SUFFIX.length()))
                        .getTime();
                }
                catch (final ParseException ex)
                {
                    continue; // not a cycle file of this roll cycle: not ours to delete
                }
                final int cycle = (int)(startMillis / rollCycle.lengthInMillis());
                final long endMillis = startMillis + rollCycle.lengthInMillis();
                if (cycle < currentCycle && cycle < archivedCycle && endMillis <= cutoffMillis)
                {
                    Files.deleteIfExists(file);
                    deleted++;
                    LOG.info("journal retention deleted {} (ended {} h ago)", file,
                        TimeUnit.MILLISECONDS.toHours(clockMillis.getAsLong() - endMillis));
                }
            }
        }
        catch (final IOException ex)
        {
            LOG.warn("journal retention could not prune {}: {}", queue.file(), ex.toString());
        }
        if (deleted > 0)
        {
            queue.refreshDirectoryListing();
        }
        return deleted;
    }

    /**
     * The lowest index any archiver has committed, or {@link Long#MAX_VALUE} when no archiver has recorded one; adds
     * to {@code stale} the records last written before {@code writtenBeforeMillis}.
     */
    private static long archivedIndex(final Path root, final String queue, final long writtenBeforeMillis,
        final Set<Path> stale)
    {
        final File[] files = root.resolve(ARCHIVED_DIR).resolve(queue).toFile()
            .listFiles((dir, name) -> name.endsWith(".index"));
        long lowest = Long.MAX_VALUE;
        if (files != null)
        {
            for (final File file : files)
            {
                try
                {
                    lowest = Math.min(lowest, Long.parseLong(Files.readString(file.toPath()).trim()));
                    if (file.lastModified() < writtenBeforeMillis)
                    {
                        stale.add(file.toPath());
                    }
                }
                catch (final IOException | NumberFormatException ex)
                {
                    // An unreadable record must not let retention delete what that archiver still needs.
                    LOG.warn("journal retention: cannot read {} ({}); keeping every cycle", file, ex.toString());
                    return Long.MIN_VALUE;
                }
            }
        }
        return lowest;
    }

    /**
     * Records that archiver {@code name} has committed every entry of {@code queue} up to {@code index}; written
     * atomically (temporary file + rename) so retention never reads half a number.
     */
    public static void recordArchived(final Path root, final String queue, final String name, final long index)
        throws IOException
    {
        final Path dir = root.resolve(ARCHIVED_DIR).resolve(queue);
        Files.createDirectories(dir);
        final Path temporary = dir.resolve(name + ".index.tmp");
        Files.write(temporary, Long.toString(index).getBytes(StandardCharsets.US_ASCII));
        Files.move(temporary, dir.resolve(name + ".index"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
