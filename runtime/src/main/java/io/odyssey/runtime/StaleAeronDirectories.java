package io.odyssey.runtime;

import io.aeron.CommonContext;
import org.agrona.IoUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Deletes the private Aeron directories ({@code odyssey-aeron-<role>-<pid>-<n>}) that processes killed without a
 * chance to clean up (kill -9, the OOM killer, a liveness probe's kill) left behind.
 * <p>
 * Why: each holds its driver's memory-mapped buffers, ~50 MB of RAM on a tmpfs {@code /dev/shm}, and nothing else ever
 * deletes it, since every start makes a directory of a new name. In Kubernetes the pod's {@code /dev/shm} is a
 * memory-backed emptyDir that outlives a container's restarts: an ingest node restarted four or five times filled its
 * 256 MiB, and the kubelet evicts a pod over its emptyDir's size limit (the MAVLink edge's 64 MiB at the first restart).
 * <p>
 * A directory is deleted only when all three say its driver is gone: the process its name gives is not running (or
 * is this process, which has not started its driver yet: in a container a restarted process has the pid of the one
 * before it), its driver's heartbeat in {@code cnc.dat} is older than the timeout (Aeron's own test, which is also what
 * tells another live driver of this same JVM, as tests run several, from a dead one), and nothing in it changed within
 * the timeout (a driver still creating its files has no heartbeat yet).
 */
final class StaleAeronDirectories
{
    static final String PREFIX = "odyssey-aeron-";
    /** Aeron's own driver timeout: a driver whose heartbeat is older has already failed every client it had. */
    static final long DEFAULT_TIMEOUT_MS = TimeUnit.SECONDS.toMillis(10);

    private static final Logger LOG = LoggerFactory.getLogger(StaleAeronDirectories.class);

    private StaleAeronDirectories()
    {
    }

    /**
     * @return the directories deleted. Never throws: a directory it cannot read or delete is left and logged, and the
     * driver about to start does not depend on the sweep.
     */
    static List<Path> sweep(final Path base, final long timeoutMs)
    {
        final List<Path> deleted = new ArrayList<>();
        final long selfPid = ProcessHandle.current().pid();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(base, PREFIX + "*"))
        {
            for (final Path dir : dirs)
            {
                try
                {
                    if (Files.isDirectory(dir) && isStale(dir, selfPid, timeoutMs))
                    {
                        IoUtil.delete(dir.toFile(), false);
                        deleted.add(dir);
                        LOG.info("deleted the Aeron directory {} of a process that is gone", dir);
                    }
                }
                catch (final IOException | RuntimeException ex)
                {
                    LOG.warn("could not check or delete the Aeron directory {}: {}", dir, ex.toString());
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            LOG.warn("could not look for Aeron directories left by killed processes in {}: {}", base, ex.toString());
        }
        return deleted;
    }

    private static boolean isStale(final Path dir, final long selfPid, final long timeoutMs) throws IOException
    {
        final long pid = pidOf(dir.getFileName().toString());
        if (pid < 0 || (pid != selfPid && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)))
        {
            return false;
        }
        final long cutoff = System.currentTimeMillis() - timeoutMs;
        if (lastModified(dir) > cutoff)
        {
            return false;
        }
        return !CommonContext.isDriverActive(dir.toFile(), timeoutMs, message -> { });
    }

    /** The pid of {@code odyssey-aeron-<role>-<pid>-<n>}, or -1 for a name of another shape (never deleted). */
    static long pidOf(final String name)
    {
        final int last = name.lastIndexOf('-');
        final int before = last > 0 ? name.lastIndexOf('-', last - 1) : -1;
        if (!name.startsWith(PREFIX) || before < PREFIX.length())
        {
            return -1;
        }
        try
        {
            Long.parseLong(name.substring(last + 1));
            return Long.parseLong(name.substring(before + 1, last));
        }
        catch (final NumberFormatException ex)
        {
            return -1;
        }
    }

    /** The latest modification of the directory or any file in it (one level down: Aeron's layout is shallow). */
    private static long lastModified(final Path dir) throws IOException
    {
        long latest = Files.getLastModifiedTime(dir).toMillis();
        try (var files = Files.walk(dir, 2))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                final FileTime time = Files.getLastModifiedTime(file);
                latest = Math.max(latest, time.toMillis());
            }
        }
        return latest;
    }
}
