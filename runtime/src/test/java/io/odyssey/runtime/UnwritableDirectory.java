package io.odyssey.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * A directory this test process cannot write, whoever runs the tests (shared with other modules' tests through the
 * codecs test-jar). Not root: an existing directory with mode 500, as a volume owned by another user looks to a
 * container's user. Root ignores modes: the directory gets the immutable attribute ({@code chattr +i}), which root
 * cannot write through either; where that is not allowed (a container without CAP_LINUX_IMMUTABLE), a directory under
 * {@code /sys/kernel}, where the kernel lets nobody create anything. Each case is checked by trying to write.
 */
public final class UnwritableDirectory implements AutoCloseable
{
    private final Path path;
    private final String how;
    private final Runnable restore;

    private UnwritableDirectory(final Path path, final String how, final Runnable restore)
    {
        this.path = path;
        this.how = how;
        this.restore = restore;
    }

    /** @param parent an existing, writable directory (a test's temporary one) in which to make it. */
    public static UnwritableDirectory in(final Path parent) throws IOException, InterruptedException
    {
        final Path dir = Files.createDirectories(parent.resolve("unwritable"));
        if (!"0".equals(String.valueOf(Files.getAttribute(Path.of("/proc/self"), "unix:uid"))))
        {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-x------"));
            final UnwritableDirectory made = new UnwritableDirectory(dir, "mode 500, not root",
                () -> restoreMode(dir));
            return verified(made);
        }
        if (chattr("+i", dir))
        {
            return verified(new UnwritableDirectory(dir, "immutable attribute, as root", () -> chattr("-i", dir)));
        }
        return verified(new UnwritableDirectory(Path.of("/sys/kernel"),
            "under /sys/kernel, as root without CAP_LINUX_IMMUTABLE", () -> { }));
    }

    private static UnwritableDirectory verified(final UnwritableDirectory made)
    {
        if (WritableDirectory.problem(made.path) == null)
        {
            made.close();
            throw new IllegalStateException("could not make an unwritable directory (" + made.how + "): " + made.path);
        }
        return made;
    }

    private static boolean chattr(final String flag, final Path dir)
    {
        try
        {
            final Process process = new ProcessBuilder("chattr", flag, dir.toString()).redirectErrorStream(true).start();
            return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
        }
        catch (final IOException ex)
        {
            return false; // no chattr on this machine
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void restoreMode(final Path dir)
    {
        try
        {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    public Path path()
    {
        return path;
    }

    /** How it was made unwritable, for assertion messages. */
    public String how()
    {
        return how;
    }

    /** Writable again, so the test's temporary directory can be deleted. */
    public void close()
    {
        restore.run();
    }
}
