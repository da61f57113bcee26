package io.odyssey.runtime;

import io.aeron.CommonContext;
import io.aeron.CncFileDescriptor;
import org.agrona.SemanticVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
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
 * Only directories of this process's user are looked at, and a symbolic link is never followed (a link is deleted,
 * not what it points to): anyone may write {@code /dev/shm}. A directory is deleted only when all three say its driver
 * is gone: the process its name gives is not running (or
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
                    if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS) && ownedByUs(dir) &&
                        isStale(dir, selfPid, timeoutMs))
                    {
                        deleteWithoutFollowingLinks(dir);
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
        final Path cnc = dir.resolve(CncFileDescriptor.CNC_FILE);
        if (!Files.isRegularFile(cnc, LinkOption.NOFOLLOW_LINKS))
        {
            return true;
        }
        // Aeron's own check busy-waits its timeout on a cnc.dat whose version is not written yet (a driver killed while
        // creating its files) and throws on another major version (a driver of an older Aeron): both are dead drivers'
        // files here (their process is gone), and neither may cost every later start its timeout.
        final int version = cncVersion(cnc);
        if (version == 0 || SemanticVersion.major(version) != SemanticVersion.major(CncFileDescriptor.CNC_VERSION))
        {
            return true;
        }
        return !CommonContext.isDriverActive(dir.toFile(), timeoutMs, message -> { });
    }

    /** The version field at the start of cnc.dat (0 while a driver has not finished creating it). */
    private static int cncVersion(final Path cnc) throws IOException
    {
        try (FileChannel channel = FileChannel.open(cnc, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS))
        {
            final ByteBuffer field = ByteBuffer.allocate(Integer.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            while (field.hasRemaining() &&
                channel.read(field, CncFileDescriptor.CNC_VERSION_FIELD_OFFSET + field.position()) > 0)
            {
                // reads the four bytes
            }
            return field.hasRemaining() ? 0 : field.getInt(0);
        }
    }

    /**
     * Only directories of this process's own user: another user (anyone may write {@code /dev/shm}) could otherwise
     * name a directory of theirs like ours and have a role delete what it holds.
     */
    private static boolean ownedByUs(final Path dir) throws IOException
    {
        // By uid, not name: a process whose uid has no passwd entry (OpenShift's arbitrary uids, docker run --user N)
        // has "?" for a user name, while the owner would read as the number.
        final Object owner = Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        return owner != null && owner.equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    }

    /**
     * Deletes the tree without following a symbolic link anywhere in it (a link is removed, never what it points to):
     * a link planted in such a directory must not make a role delete the journal or keys it points at.
     */
    private static void deleteWithoutFollowingLinks(final Path dir) throws IOException
    {
        Files.walkFileTree(dir, new SimpleFileVisitor<>()
        {
            @Override
            public FileVisitResult visitFile(final Path file, final BasicFileAttributes attributes) throws IOException
            {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(final Path visited, final IOException failure) throws IOException
            {
                if (failure != null)
                {
                    throw failure;
                }
                Files.delete(visited);
                return FileVisitResult.CONTINUE;
            }
        });
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
        long latest = Files.getLastModifiedTime(dir, LinkOption.NOFOLLOW_LINKS).toMillis();
        try (var files = Files.walk(dir, 2))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                final FileTime time = Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS);
                latest = Math.max(latest, time.toMillis());
            }
        }
        return latest;
    }
}
