package io.odyssey.runtime;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;

/**
 * An embedded Aeron media driver and a client connected to it, configured the way every Odyssey process wants on a
 * small machine: SHARED threading (one driver thread, not three), a back-off idle strategy (no core lost to
 * spinning when idle), small term buffers (Aeron's 16 MB default per publication eats {@code /dev/shm}), and a
 * private directory deleted on start and stop.
 */
public final class AeronTransport implements AutoCloseable
{
    /** Term length for our UDP publications: ~1 MB holds 15,000 telemetry frames in flight per term. */
    public static final int TERM_LENGTH = 1024 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(AeronTransport.class);

    private final MediaDriver driver;
    private final Aeron aeron;

    private AeronTransport(final MediaDriver driver, final Aeron aeron)
    {
        this.driver = driver;
        this.aeron = aeron;
    }

    /**
     * @param directory the driver's directory, or null/blank for a private one under {@code /dev/shm} (or the temp dir).
     * @param role      used in the default directory name and the log line.
     */
    public static AeronTransport launchEmbedded(final String directory, final String role)
    {
        // Like Aeron itself, prefer /dev/shm on Linux: the driver's buffers are memory-mapped files, best kept off disk.
        final File shm = new File("/dev/shm");
        final String base = shm.isDirectory() && shm.canWrite() ? shm.getPath() : System.getProperty("java.io.tmpdir");
        final String dir = directory == null || directory.isBlank() ?
            new File(base, "odyssey-aeron-" + role + "-" + ProcessHandle.current().pid() +
                "-" + System.nanoTime()).getAbsolutePath() : directory;
        final MediaDriver.Context context = new MediaDriver.Context()
            .aeronDirectoryName(dir)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(IdleStrategies.backoff())
            .publicationTermBufferLength(TERM_LENGTH)
            .ipcTermBufferLength(64 * 1024)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .warnIfDirectoryExists(false);
        final MediaDriver driver = MediaDriver.launchEmbedded(context);
        try
        {
            final Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
            LOG.info("embedded Aeron media driver started for {} in {}", role, driver.aeronDirectoryName());
            return new AeronTransport(driver, aeron);
        }
        catch (final RuntimeException ex)
        {
            driver.close();
            throw ex;
        }
    }

    /** Builds a UDP channel URI for {@code host:port} with our term length. */
    public static String udpChannel(final String endpoint)
    {
        return "aeron:udp?endpoint=" + endpoint + "|term-length=" + TERM_LENGTH;
    }

    public Aeron aeron()
    {
        return aeron;
    }

    public String directory()
    {
        return driver.aeronDirectoryName();
    }

    public void close()
    {
        CloseHelper.closeAll(aeron, driver);
    }
}
