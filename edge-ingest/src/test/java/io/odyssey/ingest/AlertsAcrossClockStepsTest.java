package io.odyssey.ingest;

import com.hazelcast.map.IMap;
import io.odyssey.alerts.AlertMonitor;
import io.odyssey.alerts.AlertRules;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.grid.ActiveAlert;
import io.odyssey.journal.AlertJournal;
import io.odyssey.journal.AlertType;
import io.odyssey.journal.FrameJournal;
import io.odyssey.journal.TelemetryJournal;
import io.odyssey.runtime.Metrics;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The alert engine's lost links and expiries across steps of the ingest node's wall clock, end to end: frames through
 * the ingest agent into the telemetry journal (with the agent's wall and monotonic clocks injected), evaluated by an
 * alert monitor as the live node does, and again by a second monitor as a replay of the journal does.
 */
class AlertsAcrossClockStepsTest
{
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long START = 1_800_000_000L * SECOND;

    @TempDir
    Path root;

    /** The node's wall clock (receive times) and its monotonic clock (never stepped, origin anywhere). */
    private final AtomicLong wall = new AtomicLong(START);
    private final AtomicLong monotonic = new AtomicLong(-TimeUnit.DAYS.toNanos(2));
    private final TelemetryFrameWriter writer = new TelemetryFrameWriter();
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
    private final long[] sequences = new long[8];

    @ParameterizedTest
    @ValueSource(longs = {10, 400})
    void shouldRaiseNoLostLinkNorExpiryWhenTheWallClockStepsForwardWhileTheDronesKeepSending(final long stepSeconds)
        throws Exception
    {
        try (TelemetryJournal telemetry = new TelemetryJournal(root, RollCycles.FAST_DAILY);
            AlertJournal alerts = new AlertJournal(root.resolve("alerts"), RollCycles.FAST_DAILY))
        {
            final TelemetryIngestAgent agent = agent(telemetry);
            final AlertMonitor live = monitor(telemetry, alerts, "live");
            live.liveRun(telemetry.runId(), monotonic::get);
            final ExcerptTailer tailer = telemetry.telemetryQueue().createTailer();
            for (int second = 0; second < 30; second++)
            {
                if (second == 15)
                {
                    // NTP (or a VM restored from a snapshot) sets the node's clock forward; nothing else changes.
                    wall.addAndGet(stepSeconds * SECOND);
                }
                frame(agent, 1, 52.5);
                frame(agent, 2, 52.6);
                live.evaluate(tailer, 100);
                // The monitor's idle ticks between the frames, each reading the clocks as they are now.
                pass(200 * MS);
                live.idleTick();
                pass(800 * MS);
                live.idleTick();
            }
            assertThat(events(alerts)).as("alerts raised or cleared").isEmpty();
            assertThat(live.drones()).as("both drones still known").isEqualTo(2);

            // A replay of the same journal agrees.
            try (AlertJournal replayed = new AlertJournal(root.resolve("replayed"), RollCycles.FAST_DAILY))
            {
                final AlertMonitor replay = monitor(telemetry, replayed, "replay");
                replay.evaluate(telemetry.telemetryQueue().createTailer(), Integer.MAX_VALUE);
                assertThat(events(replayed)).isEmpty();
            }
        }
    }

    @Test
    void shouldReplayTheLostLinksTheLiveNodeRaisedWhileIdleAcrossAStepBack() throws Exception
    {
        try (TelemetryJournal telemetry = new TelemetryJournal(root, RollCycles.FAST_DAILY);
            AlertJournal alerts = new AlertJournal(root.resolve("alerts"), RollCycles.FAST_DAILY);
            AlertJournal replayed = new AlertJournal(root.resolve("replayed"), RollCycles.FAST_DAILY))
        {
            final TelemetryIngestAgent agent = agent(telemetry);
            final AlertMonitor live = monitor(telemetry, alerts, "live");
            live.liveRun(telemetry.runId(), monotonic::get);
            final ExcerptTailer tailer = telemetry.telemetryQueue().createTailer();
            for (int second = 0; second < 10; second++)
            {
                frame(agent, 1, 52.5);
                frame(agent, 2, 52.6);
                live.evaluate(tailer, 100);
                pass(SECOND);
            }
            // Both drones fall silent; meanwhile the node's clock is stepped back an hour. The live monitor's idle
            // ticks (monotonic time since the last entry) see both silent past the lost-link timeout.
            wall.addAndGet(-TimeUnit.HOURS.toNanos(1));
            for (int tick = 0; tick < 10; tick++)
            {
                pass(SECOND);
                live.idleTick();
            }
            // Drone 1 is heard again, 11 s after its last frame.
            frame(agent, 1, 52.5);
            live.evaluate(tailer, 100);
            final List<String> liveEvents = events(alerts);
            assertThat(liveEvents).as("what the live node saw").containsExactly(
                "raised LOST_LINK 1 at=" + (START + 14 * SECOND),
                "raised LOST_LINK 2 at=" + (START + 14 * SECOND),
                "cleared LOST_LINK 1 at=" + wall.get());

            final AlertMonitor replay = monitor(telemetry, replayed, "replay");
            replay.evaluate(telemetry.telemetryQueue().createTailer(), Integer.MAX_VALUE);
            assertThat(events(replayed)).as("the replay, which has only the journal").isEqualTo(liveEvents);
        }
    }

    @Test
    void shouldRaiseNoLostLinkWhenTheWallClockStepsForwardWhileTheProcessRestarts() throws Exception
    {
        // A restart is timed on the monotonic clock only where the kernel names the boot (Linux): elsewhere each
        // process is a run of its own, and a step while ingest was down still reads as silence (documented).
        org.junit.jupiter.api.Assumptions.assumeTrue(
            java.nio.file.Files.isReadable(java.nio.file.Path.of("/proc/sys/kernel/random/boot_id")));
        try (AlertJournal alerts = new AlertJournal(root.resolve("alerts"), RollCycles.FAST_DAILY))
        {
            try (TelemetryJournal telemetry = new TelemetryJournal(root, RollCycles.FAST_DAILY))
            {
                final TelemetryIngestAgent agent = agent(telemetry);
                for (int second = 0; second < 10; second++)
                {
                    frame(agent, 1, 52.5);
                    frame(agent, 2, 52.6);
                    pass(SECOND);
                }
            }
            // The ingest process stops and is started again 2 s later (same host, no reboot); meanwhile NTP sets the
            // clock ten minutes forward. Taken from the receive times alone, the restart read as ten minutes of
            // silence: every drone reported lost, and past the expiry forgotten, though none was silent 5 s.
            pass(2 * SECOND);
            wall.addAndGet(TimeUnit.MINUTES.toNanos(10));
            try (TelemetryJournal telemetry = new TelemetryJournal(root, RollCycles.FAST_DAILY))
            {
                final TelemetryIngestAgent agent = agent(telemetry);
                final AlertMonitor live = monitor(telemetry, alerts, "live");
                live.liveRun(telemetry.runId(), monotonic::get);
                final ExcerptTailer tailer = telemetry.telemetryQueue().createTailer();
                for (int second = 0; second < 10; second++)
                {
                    frame(agent, 1, 52.5);
                    frame(agent, 2, 52.6);
                    live.evaluate(tailer, 100);
                    pass(200 * MS);
                    live.idleTick();
                    pass(800 * MS);
                    live.idleTick();
                }
                assertThat(events(alerts)).as("alerts raised or cleared").isEmpty();
                assertThat(live.drones()).as("both drones still known").isEqualTo(2);
            }
        }
    }

    private void pass(final long nanos)
    {
        wall.addAndGet(nanos);
        monotonic.addAndGet(nanos);
    }

    private TelemetryIngestAgent agent(final FrameJournal journal)
    {
        return new TelemetryIngestAgent(FrameSource.NONE, journal, batch -> CompletableFuture.completedFuture(null),
            wall::get, monotonic::get, "node-t", 256, 5, new LatestStateTable(16), new IngestMetrics());
    }

    private void frame(final TelemetryIngestAgent agent, final int drone, final double latitude)
    {
        final int length = writer.telemetry(buffer, 0, drone, ++sequences[drone], wall.get() - MS, latitude, 13.4, 50f,
            90f, 10f, 75f, DroneStatus.CRUISING, (byte)0, 0.5f);
        agent.onFragment(buffer, 0, length, null);
    }

    /** Lost after 5 s of silence, forgotten after 300 s (the defaults). */
    private AlertMonitor monitor(final TelemetryJournal telemetry, final AlertJournal alerts, final String node)
    {
        final Metrics metrics = new Metrics(node);
        final AlertMonitor monitor = new AlertMonitor(
            new AlertRules(20, 5, 5 * SECOND, 50, 30, 150, List.of(), List.of(), 300 * SECOND), 16,
            telemetry.telemetryQueue(), alerts, acceptingMap(), node, root.resolve(node), wall::get,
            metrics.counter("raised_total", "raised"), metrics.counter("cleared_total", "cleared"), droneId -> true);
        monitor.firstStartAfter(-1);
        return monitor;
    }

    /** Each journaled alert event as the operator reads it: what, which drone, when (not which entry evaluated it). */
    private static List<String> events(final AlertJournal journal)
    {
        final List<String> events = new ArrayList<>();
        final AlertJournal.Entry entry = new AlertJournal.Entry();
        final ExcerptTailer tailer = journal.queue().createTailer();
        while (entry.readNext(tailer))
        {
            events.add((entry.raised() ? "raised " : "cleared ") + AlertType.values()[entry.type()] + " " +
                entry.droneId() + " at=" + entry.atNanos());
        }
        return events;
    }

    /** The grid's active-alert map: takes what the monitor writes (asynchronously, answering nothing). */
    @SuppressWarnings("unchecked")
    private static IMap<String, ActiveAlert> acceptingMap()
    {
        return (IMap<String, ActiveAlert>)Proxy.newProxyInstance(IMap.class.getClassLoader(), new Class<?>[] {IMap.class},
            (proxy, method, args) -> null);
    }
}
