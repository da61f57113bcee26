package io.odyssey.runtime;

import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * An embedded Aeron media driver and a client connected to it, configured the way every Odyssey process wants on a
 * small machine: SHARED threading (one driver thread, not three), a back-off idle strategy (no core lost to
 * spinning when idle), small term buffers (Aeron's 16 MB default per publication eats {@code /dev/shm}), and a
 * private directory deleted on start and stop, and after a kill by the next start ({@link StaleAeronDirectories}).
 * The driver's errors are counted and logged, rate-limited, by an {@link AeronDriverErrors}, never printed to stderr.
 */
public final class AeronTransport implements AutoCloseable
{
    /** Term length for our UDP publications: ~1 MB holds 15,000 telemetry frames in flight per term. */
    public static final int TERM_LENGTH = 1024 * 1024;
    /** Term length of command publications: Aeron's minimum, 64 KB (messages up to 8 KB). */
    public static final int COMMAND_TERM_LENGTH = 64 * 1024;

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
        return launchEmbedded(null, directory, role);
    }

    /**
     * @param setting   the setting {@code directory} came from: a directory whose parent cannot be written is refused
     *                  naming it (the driver deletes and creates the directory itself).
     * @param directory the driver's directory, or null/blank for a private one under {@code /dev/shm} (or the temp dir).
     * @param role      used in the default directory name and the log line.
     * @throws ConfigurationException when there is nowhere writable to put the driver's files.
     */
    public static AeronTransport launchEmbedded(final Setting setting, final String directory, final String role)
    {
        return launchEmbedded(setting, directory, role, driver -> { });
    }

    /**
     * @param setting   the setting {@code directory} came from: a directory whose parent cannot be written is refused
     *                  naming it (the driver deletes and creates the directory itself).
     * @param directory the driver's directory, or null/blank for a private one under {@code /dev/shm} (or the temp dir).
     * @param role      used in the default directory name and the log line.
     * @param tuning    what this role sets on the driver beyond the common settings (ingest: its stream session limit,
     *                  and an {@link AeronDriverErrors} whose counts it exports in place of the unexported one).
     * @throws ConfigurationException when there is nowhere writable to put the driver's files.
     */
    public static AeronTransport launchEmbedded(final Setting setting, final String directory, final String role,
        final Consumer<MediaDriver.Context> tuning)
    {
        final String dir;
        if (directory == null || directory.isBlank())
        {
            final String base = defaultBase();
            StaleAeronDirectories.sweep(Path.of(base), StaleAeronDirectories.DEFAULT_TIMEOUT_MS);
            dir = new File(base, StaleAeronDirectories.PREFIX + role + "-" + ProcessHandle.current().pid() +
                "-" + System.nanoTime()).getAbsolutePath();
        }
        else
        {
            if (setting != null)
            {
                requireWritableParent(setting, directory);
            }
            dir = directory;
        }
        final MediaDriver.Context context = new MediaDriver.Context()
            .aeronDirectoryName(dir)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(IdleStrategies.backoff())
            // Sparse logs (Aeron's default, stated because ingest relies on it): a sender's SETUP sizes the log of its
            // image, and a refused image's log then costs only the pages written before the refusal, not its size.
            .termBufferSparseFile(true)
            .publicationTermBufferLength(TERM_LENGTH)
            .ipcTermBufferLength(64 * 1024)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .warnIfDirectoryExists(false)
            .errorHandler(new AeronDriverErrors());
        quietStderrFallback();
        tuning.accept(context);
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

    /**
     * Aeron passes every driver error through its error log in {@code cnc.dat} before the driver's error handler, and
     * prints each one the full log cannot take to the fallback stream, stderr unless {@code aeron.fallback.logger}
     * names another ({@code CommonContext.setupErrorHandler}, read by the driver's context as it starts): a flood of
     * distinct errors (SETUPs past the session limit from many ports) printed two lines each for as long as it
     * lasted. {@link AeronDriverErrors} counts and logs every error (rate-limited), so the fallback is turned off: a
     * system property, the only way Aeron 1.51 offers, read by no one but a media driver's context (not Aeron's
     * client). An operator's own {@code -Daeron.fallback.logger} is kept.
     */
    private static void quietStderrFallback()
    {
        if (System.getProperty(CommonContext.FALLBACK_LOGGER_PROP_NAME) == null)
        {
            System.setProperty(CommonContext.FALLBACK_LOGGER_PROP_NAME, "no_op");
        }
    }

    /**
     * A configured driver directory must be creatable: the driver deletes and creates it itself, so its parent is what
     * must be writable. For a process to check before it waits on anything else.
     *
     * @throws ConfigurationException naming the setting, the directory and the user.
     */
    public static void requireWritableParent(final Setting setting, final String directory)
    {
        if (directory != null && !directory.isBlank())
        {
            final Path parent = Path.of(directory).toAbsolutePath().getParent();
            if (parent != null)
            {
                WritableDirectory.require(setting, parent);
            }
        }
    }

    /**
     * Like Aeron itself, /dev/shm on Linux: the driver's buffers are memory-mapped files, best kept off disk. Else the
     * temp directory. Neither writable (a read-only root file system without the volumes it needs) is refused here,
     * with the fix, rather than by the driver with a stack trace.
     */
    private static String defaultBase()
    {
        final Path shm = Path.of("/dev/shm");
        final String shmProblem = Files.isDirectory(shm) ? WritableDirectory.problem(shm) : "no such directory";
        if (shmProblem == null)
        {
            return shm.toString();
        }
        final Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        final String tmpProblem = WritableDirectory.problem(tmp);
        if (tmpProblem == null)
        {
            return tmp.toString();
        }
        throw new ConfigurationException("no writable directory for the embedded Aeron media driver as " +
            WritableDirectory.currentUser() + ": /dev/shm: " + shmProblem + "; " + tmp + ": " + tmpProblem +
            ". Mount a writable /dev/shm (in Kubernetes an emptyDir with medium Memory) or set the role's AERON_DIR");
    }

    /** Builds a UDP channel URI for {@code host:port} with our term length. */
    public static String udpChannel(final String endpoint)
    {
        return "aeron:udp?endpoint=" + endpoint + "|term-length=" + TERM_LENGTH;
    }

    /**
     * A publication of commands to a drone's own endpoint. Commands are rare and small (a mission of 100 waypoints is
     * under 3 KB), so the smallest term Aeron allows: a node may hold one of these per drone.
     */
    public static String commandChannel(final String endpoint)
    {
        return "aeron:udp?endpoint=" + endpoint + "|term-length=" + COMMAND_TERM_LENGTH;
    }

    /**
     * The drone's end of a command channel that works behind NAT (Aeron response channels): a subscription that asks
     * the ingest node's control endpoint for its commands instead of listening on an address of its own.
     */
    public static String responseSubscriptionChannel(final String controlEndpoint)
    {
        return "aeron:udp?control-mode=response|control=" + controlEndpoint;
    }

    /** {@code channel} (a publication to an ingest node) naming the response subscription commands should reach. */
    public static String withResponseChannel(final String channel, final long responseSubscriptionId)
    {
        return channel + "|response-correlation-id=" + responseSubscriptionId;
    }

    /**
     * The ingest node's end: commands to the sender of the image {@code imageCorrelationId}, sent from the control
     * endpoint to wherever that sender's response subscription asks from (its NAT's outside address).
     *
     * @param imageCorrelationId an image's {@code correlationId()}, or {@code "prototype"}'s stand-in
     *                           {@link #PROTOTYPE_RESPONSE} to bind the control endpoint before any drone is heard.
     */
    public static String responsePublicationChannel(final String controlEndpoint, final String imageCorrelationId)
    {
        return "aeron:udp?control-mode=response|control=" + controlEndpoint + "|response-correlation-id=" +
            imageCorrelationId + "|term-length=" + COMMAND_TERM_LENGTH;
    }

    /** A response publication for no image: binds the control endpoint (Aeron's {@code prototype}). */
    public static final String PROTOTYPE_RESPONSE = "prototype";

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
