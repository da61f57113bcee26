package io.odyssey.ingest;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.alerts.AlertMonitor;
import io.odyssey.alerts.AlertRules;
import io.odyssey.journal.AlertType;
import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
import io.odyssey.journal.AlertJournal;
import io.odyssey.journal.FrameJournal;
import io.odyssey.journal.JournalEntry;
import io.odyssey.journal.JournalLayout;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.Metrics;
import io.odyssey.runtime.RealTimeClock;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import org.agrona.CloseHelper;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Deterministic replay: an ingest node's telemetry journal (or a window of it) fed through the same ingest code
 * ({@link TelemetryIngestAgent}: validation, latest-state table, batched grid writes) and the same alert code
 * ({@link AlertMonitor}) into a separate, embedded grid, with the alerts journaled under the output directory.
 * <p>
 * With a window, the alert engine is first warmed up, muted, on the ten minutes before it, as a restarted node does,
 * so alerts that were already active are not raised again. {@link #verify} then compares the result with the live
 * run: the alerts the live node journaled in the same window, and the fleet state (each drone's last accepted frame,
 * read from the journal independently of the replay; or the live grid's fleet map when given).
 */
public final class Replay
{
    private static final Logger LOG = LoggerFactory.getLogger(Replay.class);
    private static final long WARM_UP_NANOS = TimeUnit.MINUTES.toNanos(10);

    /** What to replay and where the output goes. {@code from}/{@code to} may be null (the whole journal). */
    public record Options(Path journal, Instant from, Instant to, Path output, int maxDrones, AlertRules rules)
    {
    }

    /** One alert raise or clear, as compared between the live run and a replay. */
    public record AlertEvent(String event, AlertType type, long droneId, long otherDroneId, long atNanos,
        long telemetryIndex)
    {
        public boolean raised()
        {
            return "raised".equals(event);
        }

        @Override
        public String toString()
        {
            return event + " " + type + " " + droneId + (otherDroneId == 0 ? "" : "/" + otherDroneId) +
                " at " + Instant.ofEpochSecond(0, atNanos) + " (telemetry " + Long.toHexString(telemetryIndex) + ")";
        }
    }

    /** What a replay produced. */
    public record Result(long entries, long firstIndex, long lastIndex, long firstNanos, long endNanos,
        Map<Long, DroneState> fleet, List<AlertEvent> alerts)
    {
    }

    private Replay()
    {
    }

    public static Result run(final Options options) throws IOException
    {
        final Path output = options.output();
        Files.createDirectories(output);
        final long fromNanos = options.from() == null ? Long.MIN_VALUE : nanos(options.from());
        final long toNanos = options.to() == null ? Long.MAX_VALUE : nanos(options.to());
        HazelcastInstance grid = null;
        GridBatchWriter writer = null;
        try (SingleChronicleQueue source = openReadOnly(options.journal().resolve(JournalLayout.TELEMETRY));
            AlertJournal alertJournal = new AlertJournal(output, RollCycles.FAST_HOURLY))
        {
            final int port = freePort();
            grid = FleetGrid.newMember(FleetGrid.memberConfig("odyssey-replay-" + UUID.randomUUID(), "127.0.0.1",
                port, List.of("127.0.0.1:" + port), 0));
            final IMap<Long, DroneState> fleet = FleetGrid.fleetMap(grid);
            writer = new GridBatchWriter(fleet, "replay");
            final TelemetryIngestAgent agent = new TelemetryIngestAgent(FrameSource.NONE, FrameJournal.NONE, writer,
                new RealTimeClock(), SystemNanoClock.INSTANCE, "replay", 256, 5, new LatestStateTable(options.maxDrones()), new IngestMetrics());
            final Metrics metrics = new Metrics("replay");
            final Counter raised = metrics.counter("replay_alerts_raised_total", "raised");
            final Counter cleared = metrics.counter("replay_alerts_cleared_total", "cleared");
            final Map<Long, ArrayDeque<Long>> handovers = liveHandovers(options.journal().resolve(JournalLayout.ALERTS));
            final AlertMonitor[] monitor = new AlertMonitor[1];
            final AlertMonitor alerts = new AlertMonitor(options.rules(), options.maxDrones(), source, alertJournal,
                FleetGrid.alertsMap(grid), "replay", output, System::nanoTime, raised, cleared, droneId ->
                {
                    // A hand-over the live node recorded at (or just before) this point of the journal.
                    final ArrayDeque<Long> at = handovers.get(droneId);
                    if (at != null && !at.isEmpty() && at.peekFirst() <= monitor[0].evaluatedIndex())
                    {
                        at.pollFirst();
                        return false;
                    }
                    return true;
                });
            monitor[0] = alerts;

            final ExcerptTailer tailer = source.createTailer();
            final JournalEntry entry = JournalEntry.telemetry();
            long entries = 0;
            long firstIndex = -1;
            long lastIndex = -1;
            long lastReceived = Long.MIN_VALUE;
            long firstReceived = Long.MIN_VALUE;
            long warmedUp = 0;
            alerts.muted(fromNanos != Long.MIN_VALUE);
            while (entry.readNext(tailer))
            {
                final long received = entry.receivedAtNanos();
                if (received >= toNanos)
                {
                    break;
                }
                if (received < fromNanos)
                {
                    if (received >= fromNanos - WARM_UP_NANOS)
                    {
                        alerts.evaluate(entry);
                        warmedUp++;
                    }
                    continue;
                }
                alerts.muted(false);
                agent.onFragment(entry.frame(), 0, entry.frameLength(), null);
                agent.serviceGrid();
                alerts.evaluate(entry);
                if (firstIndex < 0)
                {
                    firstIndex = entry.index();
                    firstReceived = received;
                }
                lastIndex = entry.index();
                lastReceived = received;
                entries++;
            }
            alerts.muted(false);
            final long endNanos = lastReceived;
            agent.finalFlush(10_000);
            final Map<Long, DroneState> state = new HashMap<>(fleet);
            LOG.info("replayed {} entries of {} ({} more warmed the alerts up): {} drones, {} alerts raised, {} cleared",
                entries, options.journal(), warmedUp, state.size(), raised.get(), cleared.get());
            return new Result(entries, firstIndex, lastIndex, firstReceived, endNanos, state,
                readAlerts(output.resolve(JournalLayout.ALERTS), Long.MIN_VALUE, Long.MAX_VALUE));
        }
        finally
        {
            CloseHelper.quietClose(writer);
            if (grid != null)
            {
                grid.shutdown();
            }
        }
    }

    /**
     * Differences between a replay and the live run, empty when they agree: the alerts the live node journaled for
     * the replayed entries (and up to the end of the window), and each drone's state against {@code liveFleet}
     * (e.g. the live grid's fleet map), or, when null, against the last accepted frame per drone in the journal.
     */
    public static List<String> verify(final Options options, final Result result, final Map<Long, DroneState> liveFleet)
    {
        final List<String> differences = new ArrayList<>();
        if (result.entries() == 0)
        {
            differences.add("nothing was replayed: the journal holds no entry in the window");
            return differences;
        }
        // The alerts whose time falls within the replayed entries, on both sides: an alert's time is data time, so it
        // does not depend on when the live node's idle ticks happened to run.
        final List<AlertEvent> live = readAlerts(options.journal().resolve(JournalLayout.ALERTS), result.firstNanos(),
            result.endNanos());
        final List<AlertEvent> replayed = result.alerts().stream()
            .filter(e -> e.atNanos() >= result.firstNanos() && e.atNanos() <= result.endNanos()).toList();
        for (int i = 0; i < Math.max(live.size(), replayed.size()); i++)
        {
            final AlertEvent a = i < live.size() ? live.get(i) : null;
            final AlertEvent b = i < replayed.size() ? replayed.get(i) : null;
            if (!Objects.equals(a, b))
            {
                differences.add("alert " + (i + 1) + ": live " + a + ", replay " + b);
            }
        }
        final Map<Long, DroneState> expected = liveFleet != null ? liveFleet : lastFrames(options, result);
        for (final Map.Entry<Long, DroneState> drone : expected.entrySet())
        {
            final DroneState want = drone.getValue();
            final DroneState got = result.fleet().get(drone.getKey());
            if (got == null)
            {
                differences.add("drone " + drone.getKey() + ": missing from the replay");
            }
            else if (got.sequence() != want.sequence() || got.latitude() != want.latitude() ||
                got.longitude() != want.longitude() || got.altitude() != want.altitude() ||
                got.battery() != want.battery() || !got.status().equals(want.status()))
            {
                differences.add("drone " + drone.getKey() + ": live seq " + want.sequence() + " at " + want.latitude() +
                    "," + want.longitude() + ", replay seq " + got.sequence() + " at " + got.latitude() + "," + got.longitude());
            }
        }
        for (final Long id : result.fleet().keySet())
        {
            if (!expected.containsKey(id))
            {
                differences.add("drone " + id + ": in the replay only");
            }
        }
        return differences;
    }

    /** Each drone's last accepted frame in the replayed entries, read straight from the journal. */
    private static Map<Long, DroneState> lastFrames(final Options options, final Result result)
    {
        final Map<Long, DroneState> last = new HashMap<>();
        final TelemetryFrameReader reader = new TelemetryFrameReader();
        try (SingleChronicleQueue source = openReadOnly(options.journal().resolve(JournalLayout.TELEMETRY)))
        {
            final ExcerptTailer tailer = source.createTailer();
            tailer.moveToIndex(result.firstIndex());
            final JournalEntry entry = JournalEntry.telemetry();
            while (entry.readNext(tailer) && entry.index() <= result.lastIndex())
            {
                if (reader.read(entry.frame(), 0, entry.frameLength()) != TelemetryFrameReader.TELEMETRY)
                {
                    continue;
                }
                final var t = reader.telemetry();
                final DroneState previous = last.get(t.droneId());
                if (previous == null || t.sequence() > previous.sequence())
                {
                    last.put(t.droneId(), new DroneState(t.droneId(), t.sequence(), t.sentAtNanos(), 0, 0, t.latitude(),
                        t.longitude(), t.altitude(), t.heading(), t.groundSpeed(), reader.climbRate(), t.battery(),
                        io.odyssey.codecs.sbe.DroneStatus.get((short)reader.statusCode()).name(), 0, "journal"));
                }
            }
        }
        return last;
    }

    /** Alert events whose time is within [fromNanos, toNanos]. */
    static List<AlertEvent> readAlerts(final Path dir, final long fromNanos, final long toNanos)
    {
        final List<AlertEvent> events = new ArrayList<>();
        if (!Files.isDirectory(dir))
        {
            return events;
        }
        try (SingleChronicleQueue queue = openReadOnly(dir))
        {
            final ExcerptTailer tailer = queue.createTailer();
            final AlertJournal.Entry entry = new AlertJournal.Entry();
            while (entry.readNext(tailer))
            {
                // Conflicts with other nodes' drones need those drones, which this journal does not hold: not compared.
                if (entry.complete() && entry.atNanos() >= fromNanos && entry.atNanos() <= toNanos && !entry.acrossNodes())
                {
                    events.add(new AlertEvent(eventName(entry.event()), AlertType.get(entry.type()), entry.droneId(),
                        entry.otherDroneId(), entry.atNanos(), entry.telemetryIndex()));
                }
            }
        }
        return events;
    }

    static String eventName(final byte event)
    {
        return switch (event)
        {
            case JournalLayout.ALERT_RAISED -> "raised";
            case JournalLayout.ALERT_CLEARED -> "cleared";
            case JournalLayout.ALERT_HANDED_OVER -> "handed_over";
            default -> "unknown_" + event;
        };
    }

    /**
     * The hand-overs the live node recorded (drones that moved to another node), per drone in journal order: a replay
     * has no grid to ask, so it follows the live node's answers.
     */
    private static Map<Long, ArrayDeque<Long>> liveHandovers(final Path dir)
    {
        final Map<Long, ArrayDeque<Long>> handovers = new HashMap<>();
        if (!Files.isDirectory(dir))
        {
            return handovers;
        }
        try (SingleChronicleQueue queue = openReadOnly(dir))
        {
            final ExcerptTailer tailer = queue.createTailer();
            final AlertJournal.Entry entry = new AlertJournal.Entry();
            while (entry.readNext(tailer))
            {
                if (entry.complete() && entry.event() == JournalLayout.ALERT_HANDED_OVER)
                {
                    handovers.computeIfAbsent(entry.droneId(), id -> new ArrayDeque<>()).add(entry.evaluatedIndex());
                }
            }
        }
        return handovers;
    }

    private static SingleChronicleQueue openReadOnly(final Path dir)
    {
        if (!Files.isDirectory(dir))
        {
            throw new IllegalArgumentException(dir + " is not a journal directory");
        }
        // The roll cycle is the writer's (from the queue's metadata); the usual one here only avoids a warning.
        return SingleChronicleQueueBuilder.single(dir.toFile()).rollCycle(RollCycles.FAST_HOURLY).readOnly(true).build();
    }

    private static long nanos(final Instant instant)
    {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }
}
