package io.odyssey.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A directory a process writes to, checked by doing it: create the directory (and its parents), then create, write,
 * force and delete a small file in it. Asking {@code Files.isWritable} is not enough: it says yes to root whatever the
 * mode, and says nothing of a read-only mount, a full disk or a directory the kernel refuses for other reasons.
 * <p>
 * At start every role that writes a directory {@linkplain #require requires} it, so a volume the process's user cannot
 * write (Docker copies no ownership into a new named volume when the image lacks the directory) stops the process
 * with exit code 2 and a message naming the directory, the setting and the user, instead of a process that reports
 * healthy, accepts work and fails every write (Chronicle Queue silently opens such a journal read-only).
 */
public final class WritableDirectory
{
    private static final String PROBE_PREFIX = ".odyssey-write-probe-";

    private WritableDirectory()
    {
    }

    /**
     * Creates {@code dir} if needed and proves it writable.
     *
     * @param setting the setting that named the directory, for the operator to know what to change.
     * @return {@code dir} as an absolute path.
     * @throws ConfigurationException naming the setting, the directory, this process's user and the directory's owner.
     */
    public static Path require(final Setting setting, final Path dir)
    {
        final Path absolute = dir.toAbsolutePath();
        final String problem = problem(absolute);
        if (problem != null)
        {
            throw new ConfigurationException(setting.envName() + ": cannot write to " + absolute + " as " +
                currentUser() + ": " + problem + describe(absolute) + ". Make the directory writable for this user " +
                "(for a container volume: create it in the image owned by the user, or chown it to the uid), or point " +
                setting.envName() + " at one that is");
        }
        return absolute;
    }

    /**
     * Tries to create, write and delete a file in {@code dir} (creating the directory first).
     *
     * @return null when that worked, else what failed.
     */
    public static String problem(final Path dir)
    {
        final Path probe = dir.resolve(PROBE_PREFIX + ProcessHandle.current().pid());
        try
        {
            Files.createDirectories(dir);
            Files.write(probe, "probe\n".getBytes(StandardCharsets.US_ASCII), StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
            Files.delete(probe);
            return null;
        }
        catch (final FileSystemException ex)
        {
            final String reason = ex.getReason();
            return ex.getClass().getSimpleName() + " on " + ex.getFile() + (reason == null ? "" : " (" + reason + ")");
        }
        catch (final IOException | SecurityException ex)
        {
            return ex.toString();
        }
        finally
        {
            try
            {
                Files.deleteIfExists(probe);
            }
            catch (final IOException | SecurityException ignored)
            {
                // Not writable in the first place, or already gone.
            }
        }
    }

    /**
     * A readiness check that the directory can still be written (a volume remounted read-only after disk errors, a
     * full disk, permissions changed under a running process): probes at most once per {@code intervalNs} and
     * answers from the last probe in between, so frequent health requests cost no I/O.
     */
    public static HealthCheck healthCheck(final Path dir, final long intervalNs)
    {
        return new HealthCheck()
        {
            private long probedAtNs;
            private String lastProblem;
            private boolean probed;

            public synchronized Result check()
            {
                final long now = System.nanoTime();
                if (!probed || now - probedAtNs >= intervalNs)
                {
                    lastProblem = problem(dir);
                    probedAtNs = now;
                    probed = true;
                }
                return lastProblem == null ? Result.up(dir + " writable") :
                    Result.down("cannot write " + dir + " as " + currentUser() + ": " + lastProblem);
            }
        };
    }

    /** This process's user as the operator knows it: name and, where the system tells, numeric uid. */
    public static String currentUser()
    {
        final String uid = ownerUid(Path.of("/proc/self"));
        return "user " + System.getProperty("user.name", "?") + (uid == null ? "" : " (uid " + uid + ")");
    }

    /** The nearest existing directory's owner and mode: what an operator compares with the user above. */
    private static String describe(final Path dir)
    {
        Path existing = dir;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS))
        {
            existing = existing.getParent();
        }
        if (existing == null)
        {
            return "";
        }
        final String uid = ownerUid(existing);
        String mode = null;
        try
        {
            mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(existing));
        }
        catch (final IOException | UnsupportedOperationException | SecurityException ignored)
        {
            // Not a POSIX file system: the owner alone says enough.
        }
        return "; " + (existing.equals(dir) ? "it" : existing + ", the nearest existing parent,") + " is " +
            (Files.isDirectory(existing) ? "a directory" : "not a directory") +
            (uid == null ? "" : " owned by uid " + uid) + (mode == null ? "" : " with mode " + mode);
    }

    private static String ownerUid(final Path path)
    {
        try
        {
            return String.valueOf(Files.getAttribute(path, "unix:uid"));
        }
        catch (final IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException ex)
        {
            return null;
        }
    }
}
