package io.odyssey.ingest;

import io.odyssey.codecs.sign.TestDroneKeys;
import io.odyssey.testing.FailOnErrorLog;
import io.odyssey.testing.LoggedOutput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * An ingest node's parts with real parts under them: started in order and stopped in reverse, one log line each, and
 * a start that fails halfway leaves nothing running (no thread, no bound port) that would stop a second attempt.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EdgeIngestLifecycleIT
{
    private static final Path KEYS = TestDroneKeys.file(1, 10);
    private static final List<String> START_ORDER = List.of("grid", "journals", "housekeeping", "aeron", "drone-keys",
        "fleet-map", "command-relay", "alerts", "ingest", "status");
    private static final Pattern LIFECYCLE_LINE = Pattern.compile("edge-ingest: (\\S+) (started|stopped)");
    /** The threads a node starts of its own (the grid writer's carries the node id). */
    private static final Set<String> NODE_THREADS = Set.of("ingest-housekeeping", "ingest-alerts", "ingest-commands",
        "telemetry-ingest", "ingest-grid-writer-ingest-lifecycle");

    @TempDir
    Path dir;

    @Test
    void shouldStartItsPartsInOrderAndStopThemInReverseWithOneLineEach() throws Exception
    {
        try (TestGrid grid = TestGrid.start("ingest-lifecycle-it"))
        {
            final EdgeIngestConfig config = grid.ingestConfig("ingest-lifecycle", 100, dir.resolve("journal"), KEYS);

            final Set<Thread> before = Thread.getAllStackTraces().keySet();

            final String log = LoggedOutput.during(() -> EdgeIngest.launch(config).close());

            assertThat(lifecycle(log)).containsExactlyElementsOf(expected(START_ORDER, START_ORDER));
            assertNothingLeftRunning(grid, before);
        }
    }

    @Test
    void shouldStopEveryPartThatStartedWhenTheLastOneCannotStart() throws Exception
    {
        try (TestGrid grid = TestGrid.start("ingest-lifecycle-it");
            ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            final EdgeIngestConfig config = grid.ingestConfig("ingest-lifecycle", 100, dir.resolve("journal"), KEYS);
            config.statusHost = "127.0.0.1";
            config.statusPort = taken.getLocalPort();
            final Set<Thread> before = Thread.getAllStackTraces().keySet();

            final String log = LoggedOutput.during(() -> assertThatThrownBy(() -> EdgeIngest.launch(config))
                .isInstanceOf(java.net.BindException.class));

            assertThat(log).contains("edge-ingest: status did not start");
            // The part that failed is stopped too (whatever it had opened), then the others in reverse.
            assertThat(lifecycle(log)).containsExactlyElementsOf(
                expected(START_ORDER.subList(0, START_ORDER.size() - 1), START_ORDER));
            assertNothingLeftRunning(grid, before);
        }
    }

    /** "x started" for each of {@code started} in order, then "x stopped" for each of {@code stopped} in reverse. */
    private static List<String> expected(final List<String> started, final List<String> stopped)
    {
        final List<String> lines = new java.util.ArrayList<>();
        started.forEach(part -> lines.add(part + " started"));
        for (int i = stopped.size() - 1; i >= 0; i--)
        {
            lines.add(stopped.get(i) + " stopped");
        }
        return lines;
    }

    private static List<String> lifecycle(final String log)
    {
        final List<String> lines = new java.util.ArrayList<>();
        final Matcher matcher = LIFECYCLE_LINE.matcher(log);
        while (matcher.find())
        {
            lines.add(matcher.group(1) + " " + matcher.group(2));
        }
        return lines;
    }

    /**
     * The node's threads (those started since {@code before}) end and its telemetry port is free again: a restart on
     * the same settings can start.
     */
    private static void assertNothingLeftRunning(final TestGrid grid, final Set<Thread> before) throws Exception
    {
        await().atMost(30, TimeUnit.SECONDS).untilAsserted(() -> assertThat(Thread.getAllStackTraces().keySet())
            .filteredOn(thread -> thread.isAlive() && !before.contains(thread)).extracting(Thread::getName)
            .doesNotContainAnyElementsOf(NODE_THREADS));
        try (DatagramSocket endpoint = new DatagramSocket(grid.port(100), InetAddress.getLoopbackAddress()))
        {
            assertThat(endpoint.isBound()).isTrue();
        }
    }
}
