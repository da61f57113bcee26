package io.odyssey.alerts;

import com.hazelcast.map.IMap;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.grid.ActiveAlert;
import io.odyssey.journal.AlertJournal;
import io.odyssey.journal.TelemetryJournal;
import io.odyssey.runtime.Metrics;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The monitor's restart point: about ten minutes of the journal before the last entry it evaluated, found from
 * checkpoints spaced a minute apart. Spaced on the receive times, a wall clock stepped back stopped new checkpoints for
 * the step's length, so a restart meanwhile replayed everything since before the step.
 */
class AlertMonitorClockStepTest
{
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long HOUR = TimeUnit.HOURS.toNanos(1);

    @TempDir
    Path root;

    @Test
    void shouldWarmUpFromAboutTenMinutesBackAfterTheReceiveClockSteppedBack() throws Exception
    {
        final long start = 1_800_000_000L * SECOND;
        final int perPhase = 12 * 60;
        try (TelemetryJournal telemetry = new TelemetryJournal(root, RollCycles.FAST_DAILY);
            AlertJournal alerts = new AlertJournal(root.resolve("alerts"), RollCycles.FAST_DAILY))
        {
            final TelemetryFrameWriter writer = new TelemetryFrameWriter();
            final UnsafeBuffer frame = new UnsafeBuffer(new byte[256]);
            long last = -1;
            // A drone reporting once a second for 24 minutes; half way, the node's clock is stepped back an hour.
            for (int i = 0; i < 2 * perPhase; i++)
            {
                final long receivedAt = start + i * SECOND - (i >= perPhase ? HOUR : 0);
                final int length = writer.telemetry(frame, 0, 1, i + 1, receivedAt - SECOND / 100, 52.5, 13.4, 50f, 90f,
                    10f, 80f, DroneStatus.CRUISING, (byte)0, 0.5f);
                last = telemetry.appendTelemetry(frame, 0, length, receivedAt);
            }
            final Metrics metrics = new Metrics("test");
            final AlertMonitor monitor = new AlertMonitor(
                new AlertRules(20, 5, 5 * SECOND, 50, 30, 150, List.of(), List.of(), 60 * SECOND), 16,
                telemetry.telemetryQueue(), alerts, untouchedMap(), "node-t", root, () -> start + 2 * perPhase * SECOND - HOUR,
                metrics.counter("raised_total", "raised"), metrics.counter("cleared_total", "cleared"),
                droneId -> true);
            monitor.firstStartAfter(-1);
            final Thread thread = new Thread(monitor, "alerts-test");
            thread.start();
            final long lastIndex = last;
            await().atMost(30, TimeUnit.SECONDS).until(() -> monitor.evaluatedIndex() == lastIndex);
            monitor.stop();
            thread.join(10_000);

            final String[] progress = Files.readString(root.resolve(AlertMonitor.PROGRESS_FILE)).trim().split("\\s+");
            final long evaluated = Long.parseLong(progress[0]);
            final long warmUpFrom = Long.parseLong(progress[1]);
            assertThat(evaluated).isEqualTo(lastIndex);
            // One entry a second, one roll cycle: index distance = seconds of data to replay after a restart.
            assertThat(evaluated - warmUpFrom).as("entries a restart would replay").isBetween(600L, 661L);
        }
    }

    /** The active-alert map: nothing is raised here (one drone, reporting, fully charged), so nothing may touch it. */
    @SuppressWarnings("unchecked")
    private static IMap<String, ActiveAlert> untouchedMap()
    {
        return (IMap<String, ActiveAlert>)Proxy.newProxyInstance(IMap.class.getClassLoader(), new Class<?>[] {IMap.class},
            (proxy, method, args) ->
            {
                throw new AssertionError("the active-alert map was used: " + method.getName());
            });
    }
}
