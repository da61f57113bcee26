package io.odyssey.runtime;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** What a process killed with kill -9 leaves in /dev/shm, swept by the next start; real media drivers. */
class StaleAeronDirectoriesTest
{
    /** Above the drivers' heartbeat interval (a second, Aeron's timer interval), below the 10 s of production. */
    private static final long TIMEOUT_MS = 2_500;
    private static long deadPid;
    private static Process alive;

    @TempDir
    Path base;

    @BeforeAll
    static void processes() throws Exception
    {
        final Process gone = new ProcessBuilder("true").start();
        gone.waitFor(10, TimeUnit.SECONDS);
        deadPid = gone.pid();
        alive = new ProcessBuilder("sleep", "60").start();
    }

    @AfterAll
    static void stopProcesses()
    {
        alive.destroyForcibly();
    }

    @Test
    void shouldDeleteTheDirectoryOfAKilledProcesssDriverOnceItsHeartbeatIsOld() throws Exception
    {
        final Path dir = base.resolve("odyssey-aeron-ingest-" + deadPid + "-123");
        // A driver that stops without deleting its files: what kill -9 leaves (its heartbeat stops).
        driver(dir).close();
        assertThat(dir.resolve("cnc.dat")).exists();
        assertThat(StaleAeronDirectories.sweep(base, TIMEOUT_MS)).as("at once: its heartbeat is fresh").isEmpty();

        age(dir);
        // Real time must pass: Aeron's check compares the driver's heartbeat in cnc.dat with the wall clock, which no
        // test can step (and the mtime guard is aged above). 2.6 s, once.
        Thread.sleep(TIMEOUT_MS + 100);
        assertThat(StaleAeronDirectories.sweep(base, TIMEOUT_MS)).containsExactly(dir);
        assertThat(dir).doesNotExist();
    }

    @Test
    void shouldKeepALiveDriversDirectoryEvenInThisProcessAndUnderADeadPid() throws Exception
    {
        final Path own = base.resolve("odyssey-aeron-simulator-" + ProcessHandle.current().pid() + "-7");
        final Path deadName = base.resolve("odyssey-aeron-gateway-" + deadPid + "-8");
        try (MediaDriver first = driver(own); MediaDriver second = driver(deadName))
        {
            age(own);
            age(deadName);
            // Past the timeout, so that only the live drivers' own heartbeats can keep their directories.
            Thread.sleep(TIMEOUT_MS + 100);
            assertThat(StaleAeronDirectories.sweep(base, TIMEOUT_MS)).as("their heartbeats go on").isEmpty();
            assertThat(own).exists();
            assertThat(deadName).exists();
        }
    }

    @Test
    void shouldKeepTheDirectoryOfAProcessThatRunsAndNamesOfAnotherShape() throws Exception
    {
        final Path running = Files.createDirectories(base.resolve("odyssey-aeron-edge-" + alive.pid() + "-1"));
        final Path odd = Files.createDirectories(base.resolve("odyssey-aeron-notapid"));
        final Path other = Files.createDirectories(base.resolve("someone-elses-" + deadPid + "-1"));
        Stream.of(running, odd, other).forEach(StaleAeronDirectoriesTest::age);
        assertThat(StaleAeronDirectories.sweep(base, TIMEOUT_MS)).isEmpty();
        assertThat(running).exists();
        assertThat(odd).exists();
        assertThat(other).exists();
    }

    @Test
    void shouldSweepWhenAProcessStartsItsEmbeddedDriverInItsDefaultDirectory() throws Exception
    {
        final Path shm;
        try (AeronTransport probe = AeronTransport.launchEmbedded(null, "sweep-probe"))
        {
            shm = Path.of(probe.directory()).getParent();
        }
        final Path left = Files.createDirectories(shm.resolve("odyssey-aeron-ingest-" + deadPid + "-" + System.nanoTime()));
        Files.write(left.resolve("cnc.dat"), new byte[64]);
        age(left);
        try (AeronTransport transport = AeronTransport.launchEmbedded(null, "sweep-probe"))
        {
            assertThat(left).as("a killed process's directory, swept by the next start").doesNotExist();
            assertThat(Path.of(transport.directory())).exists();
        }
        finally
        {
            if (Files.exists(left))
            {
                org.agrona.IoUtil.delete(left.toFile(), true);
            }
        }
    }

    @Test
    void shouldDeleteALinkPlantedInADeadDirectoryButNeverWhatItPointsTo() throws Exception
    {
        final Path precious = Files.createDirectories(base.resolve("journal"));
        Files.write(precious.resolve("20261207.cq4"), new byte[]{1, 2, 3});
        final Path dir = Files.createDirectories(base.resolve("odyssey-aeron-ingest-" + deadPid + "-5"));
        Files.createSymbolicLink(dir.resolve("j"), precious);
        final Path linkedDir = base.resolve("odyssey-aeron-ingest-" + deadPid + "-6");
        Files.createSymbolicLink(linkedDir, precious);
        age(dir);

        assertThat(StaleAeronDirectories.sweep(base, TIMEOUT_MS)).containsExactly(dir);
        assertThat(dir).doesNotExist();
        assertThat(linkedDir).as("a link named like ours is not a directory of ours").exists();
        assertThat(precious.resolve("20261207.cq4")).as("what the links point to").exists();
    }

    @Test
    void shouldNotWaitOnADriverKilledWhileItCreatedItsFiles() throws Exception
    {
        final Path dir = Files.createDirectories(base.resolve("odyssey-aeron-ingest-" + deadPid + "-9"));
        Files.write(dir.resolve("cnc.dat"), new byte[4096]);
        age(dir);
        final long start = System.nanoTime();
        assertThat(StaleAeronDirectories.sweep(base, TimeUnit.SECONDS.toMillis(10))).containsExactly(dir);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("ms: not the 10 s timeout").isLessThan(5_000);
    }

    @Test
    void shouldReadThePidFromTheNamesItMakes()
    {
        assertThat(StaleAeronDirectories.pidOf("odyssey-aeron-mavlink-edge-4242-998877")).isEqualTo(4242);
        assertThat(StaleAeronDirectories.pidOf("odyssey-aeron-ingest-1-2")).isEqualTo(1);
        assertThat(StaleAeronDirectories.pidOf("odyssey-aeron-ingest-x-2")).isEqualTo(-1);
        assertThat(StaleAeronDirectories.pidOf("odyssey-aeron-12-3")).isEqualTo(-1);
        assertThat(StaleAeronDirectories.pidOf("other-aeron-ingest-1-2")).isEqualTo(-1);
    }

    private static MediaDriver driver(final Path dir)
    {
        return MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(dir.toString())
            .threadingMode(ThreadingMode.SHARED)
            .termBufferSparseFile(true)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(false));
    }

    /** Every file of {@code dir} last changed a minute ago: a dead process's, and no driver still creating them. */
    private static void age(final Path dir)
    {
        final FileTime minuteAgo = FileTime.fromMillis(System.currentTimeMillis() - 60_000);
        try (Stream<Path> files = Files.walk(dir))
        {
            for (final Path file : (Iterable<Path>)files::iterator)
            {
                Files.getFileAttributeView(file, java.nio.file.attribute.BasicFileAttributeView.class,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS).setTimes(minuteAgo, null, null);
            }
        }
        catch (final IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }
}
