package io.odyssey.ingest;

import io.odyssey.runtime.AtomicFile;
import io.odyssey.runtime.ConfigurationException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The highest key id this node has used per drone for the keys admins manage through the API, kept on disk beside the
 * journal so that it outlives a restart. Without it a restarted node has no memory, and a grid client could play an
 * older genuine record back (the key a rotation retired, the keys before a revocation) or remove the record (bringing
 * the key file's key back) and have it taken until the next change. With it, {@link GridDroneKeys} refuses a record
 * below the mark, and a drone with a mark but no record is refused outright until an admin gives it a key again.
 * <p>
 * One line per drone, {@code <drone id> <key id>}, written whole to a temporary file and moved over the old one, so a
 * crash leaves the old marks or the new ones ({@link AtomicFile}); the temporary file a crash mid-write leaves is
 * deleted when the marks are loaded at the next start. Cold path: it changes only when a drone's keys do. A file that does not
 * parse stops the node from starting: it would otherwise start without memory, the gap the file closes.
 */
final class DroneKeyMarks
{
    static final String FILE_NAME = "drone-key-marks";
    private static final Logger LOG = LoggerFactory.getLogger(DroneKeyMarks.class);

    private final Path file;
    private final int maxDrones;
    private final TreeMap<Long, Long> marks;

    private DroneKeyMarks(final Path file, final int maxDrones, final TreeMap<Long, Long> marks)
    {
        this.file = file;
        this.maxDrones = maxDrones;
        this.marks = marks;
    }

    /**
     * Reads the marks in {@code file} (none when it does not exist yet).
     *
     * @throws ConfigurationException naming the file and the line when it cannot be read or does not parse.
     */
    static DroneKeyMarks load(final Path file, final int maxDrones)
    {
        final TreeMap<Long, Long> marks = new TreeMap<>();
        try
        {
            // Loaded once at the node's start, before its first write: no write of this file is under way.
            final int leftovers = AtomicFile.deleteLeftovers(file);
            if (leftovers > 0)
            {
                LOG.info("deleted {} temporary file(s) of {} that a write left when the node died during it; the " +
                    "file itself holds the marks of the last write that finished", leftovers, file);
            }
        }
        catch (final IOException ex)
        {
            // Litter, not the marks: the node starts, and says why they stay.
            LOG.warn("temporary files of {} left by an unfinished write could not be deleted ({})", file, ex.toString());
        }
        if (!Files.exists(file))
        {
            return new DroneKeyMarks(file, maxDrones, marks);
        }
        try
        {
            if (Files.size(file) > 64L * (maxDrones + 1))
            {
                throw unreadable(file, "larger than " + maxDrones + " drones' marks");
            }
            int number = 0;
            for (final String line : Files.readAllLines(file, StandardCharsets.US_ASCII))
            {
                number++;
                if (line.isBlank())
                {
                    continue;
                }
                final String[] parts = line.strip().split(" ");
                if (parts.length != 2 || marks.size() >= maxDrones)
                {
                    throw unreadable(file, "line " + number + " is not '<drone id> <key id>'");
                }
                try
                {
                    final long droneId = Long.parseLong(parts[0]);
                    final long keyId = Long.parseLong(parts[1]);
                    if (droneId <= 0 || keyId <= 0 || marks.put(droneId, keyId) != null)
                    {
                        throw unreadable(file, "line " + number + " is not '<drone id> <key id>' of a drone not yet named");
                    }
                }
                catch (final NumberFormatException ex)
                {
                    throw unreadable(file, "line " + number + " is not '<drone id> <key id>'");
                }
            }
        }
        catch (final IOException ex)
        {
            throw unreadable(file, "it cannot be read (" + ex.getClass().getSimpleName() + ")");
        }
        return new DroneKeyMarks(file, maxDrones, marks);
    }

    private static ConfigurationException unreadable(final Path file, final String why)
    {
        return new ConfigurationException("the drone key marks " + file + " (the highest key id used per drone, kept " +
            "so that a restarted node refuses older key records) cannot be used: " + why + "; delete the file to start " +
            "without them, which lets older key records in the grid be taken again until each drone's next change");
    }

    /** @return the highest key id used for {@code droneId}, 0 when none. */
    long mark(final long droneId)
    {
        return marks.getOrDefault(droneId, 0L);
    }

    /** The drones with a mark: a read-only view, for the one thread that also raises the marks. */
    Set<Long> drones()
    {
        return Collections.unmodifiableSet(marks.keySet());
    }

    /**
     * Raises the marks to the key ids in use and writes the file when one moved.
     *
     * @return false when a drone could not be marked: the file holds {@code maxDrones} already.
     * @throws IOException when the file could not be written (the marks in memory are raised all the same).
     */
    boolean raise(final Map<Long, Long> keyIdsInUse) throws IOException
    {
        boolean moved = false;
        boolean all = true;
        for (final Map.Entry<Long, Long> entry : keyIdsInUse.entrySet())
        {
            final long before = mark(entry.getKey());
            if (entry.getValue() > before)
            {
                if (before == 0 && marks.size() >= maxDrones)
                {
                    all = false;
                    continue;
                }
                marks.put(entry.getKey(), entry.getValue());
                moved = true;
            }
        }
        if (moved)
        {
            write();
        }
        return all;
    }

    private void write() throws IOException
    {
        final StringBuilder text = new StringBuilder(marks.size() * 24);
        marks.forEach((droneId, keyId) -> text.append(droneId).append(' ').append(keyId).append('\n'));
        AtomicFile.write(file, text);
    }
}
