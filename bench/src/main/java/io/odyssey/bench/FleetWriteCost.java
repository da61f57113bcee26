package io.odyssey.bench;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one fleet map write costs in CPU, per write path, without the rest of the pipeline: a real member, a writing
 * client (ingest's part) and a listening client (a gateway's feed: every event, with its value), each in a thread
 * group of its own ({@link CpuSplit}), in one JVM. Rounds alternate the paths — {@code setAll} (the client's
 * {@code setAllAsync}: one request per partition) and {@code batch} ({@link FleetGrid#writeNewest}: one request) —
 * each writing the same batches ingest's flush makes at 1,000 drones × 10 Hz (50 drones, each a newer sequence, one
 * batch in flight), and prints the CPU per entry of each part. CPU time, not wall time: on a shared machine it moves
 * far less than latency does, and the paths are compared in the same JVM, back to back.
 * <p>
 * {@code java -cp … io.odyssey.bench.FleetWriteCost [--rounds 6] [--batches 2000] [--batch 50] [--drones 1000]
 * [--out FILE]}
 */
public final class FleetWriteCost
{
    private FleetWriteCost()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        int rounds = 6;
        int batches = 2_000;
        int batchSize = 50;
        int drones = 1_000;
        Path out = null;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--batches" -> batches = Integer.parseInt(args[++i]);
                case "--batch" -> batchSize = Integer.parseInt(args[++i]);
                case "--drones" -> drones = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default ->
                {
                    System.err.println("usage: FleetWriteCost [--rounds N] [--batches N] [--batch N] [--drones N] [--out FILE]");
                    System.exit(2);
                }
            }
        }
        final CpuSplit cpu = new CpuSplit();
        final String cluster = "fleet-write-cost-" + UUID.randomUUID();
        final int port = 24_000 + (int)(Math.random() * 10_000);
        final List<String> members = List.of("127.0.0.1:" + port);
        final HazelcastInstance member = cpu.start("grid", () -> FleetGrid.newMember(
            FleetGrid.memberConfig(cluster, "127.0.0.1", port, members, 0)));
        final HazelcastInstance writer = cpu.start("writer", () -> HazelcastClient.newHazelcastClient(
            FleetGrid.clientConfig(cluster, members, "fleet-write-cost-writer")));
        // One event thread, as the gateway runs its grid client (ODYSSEY_GATEWAY_GRID_EVENT_THREADS).
        final HazelcastInstance listener = cpu.start("listener", () -> HazelcastClient.newHazelcastClient(
            FleetGrid.clientConfig(cluster, members, "fleet-write-cost-listener")
                .setProperty("hazelcast.client.event.thread.count", "1")));
        final AtomicLong events = new AtomicLong();
        FleetGrid.fleetMap(listener).addEntryListener(new Feed(events), true);
        final IMap<Long, DroneState> fleet = FleetGrid.fleetMap(writer);

        final StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
            "# FleetWriteCost: %d rounds x %d batches of %d drones (of %d), one in flight; load %s%n" +
            "round | path | grid ns/entry | writer ns/entry | listener ns/entry | gc+jit ns/entry | events/entry | wall s%n",
            rounds, batches, batchSize, drones, loadAverage()));
        final long[] sequences = new long[drones + 1];
        int cursor = 0;
        // A warm-up round of each path first, not reported: both compiled before either is measured.
        for (int round = -2; round < rounds; round++)
        {
            final boolean batch = (round & 1) != 0;
            final CpuSplit.Snapshot before = cpu.snapshot();
            final long eventsBefore = events.get();
            final long started = System.nanoTime();
            for (int b = 0; b < batches; b++)
            {
                final Map<Long, DroneState> states = new HashMap<>(batchSize * 2);
                for (int i = 0; i < batchSize; i++)
                {
                    final int id = 1 + cursor;
                    cursor = (cursor + 1) % drones;
                    states.put((long)id, new DroneState(id, ++sequences[id], 1L, 2L, 3L, 52.52, 13.405, 100f, 90f, 12f, 0f,
                        80f, "CRUISING", 0, "ingest-1"));
                }
                (batch ? FleetGrid.writeNewest(fleet, states) : fleet.setAllAsync(states))
                    .toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            final long entries = (long)batches * batchSize;
            // The listener's events arrive after the writes are acknowledged: wait for them (bounded).
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (events.get() - eventsBefore < entries && System.nanoTime() < deadline)
            {
                TimeUnit.MILLISECONDS.sleep(5);
            }
            final double wallS = (System.nanoTime() - started) / 1e9;
            final Map<String, Long> split = CpuSplit.between(before, cpu.snapshot());
            if (round >= 0)
            {
                report.append(String.format(Locale.ROOT, "%d | %s | %d | %d | %d | %d | %.3f | %.1f%n", round,
                    batch ? "batch" : "setAll", split.getOrDefault("grid", 0L) / entries,
                    split.getOrDefault("writer", 0L) / entries, split.getOrDefault("listener", 0L) / entries,
                    (split.getOrDefault(CpuSplit.GC, 0L) + split.getOrDefault(CpuSplit.JIT, 0L)) / entries,
                    (events.get() - eventsBefore) / (double)entries, wallS));
                System.out.print(report.substring(report.lastIndexOf("\n", report.length() - 2) + 1));
            }
        }
        // What the parts cost doing nothing (heartbeats, metrics, idle threads): a round's figure holds that much per
        // second of its wall time, which is why the rounds' wall times are printed.
        final CpuSplit.Snapshot idleBefore = cpu.snapshot();
        TimeUnit.SECONDS.sleep(5);
        final Map<String, Long> idle = CpuSplit.between(idleBefore, cpu.snapshot());
        report.append(String.format(Locale.ROOT, "idle, ns of CPU per second: grid %d, writer %d, listener %d%n",
            idle.getOrDefault("grid", 0L) / 5, idle.getOrDefault("writer", 0L) / 5, idle.getOrDefault("listener", 0L) / 5));
        report.append("load at the end ").append(loadAverage()).append('\n');
        System.out.print(report);
        if (out != null)
        {
            Files.createDirectories(out.toAbsolutePath().getParent());
            Files.writeString(out, report);
        }
        listener.shutdown();
        writer.shutdown();
        member.shutdown();
        System.exit(0);
    }

    private static String loadAverage()
    {
        try
        {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        }
        catch (final java.io.IOException ex)
        {
            return "unknown";
        }
    }

    /** A gateway's feed in its cheapest form: takes each event's value (deserialised) and counts it. */
    private record Feed(AtomicLong events) implements EntryAddedListener<Long, DroneState>,
        EntryUpdatedListener<Long, DroneState>
    {
        public void entryAdded(final com.hazelcast.core.EntryEvent<Long, DroneState> event)
        {
            entryUpdated(event);
        }

        public void entryUpdated(final com.hazelcast.core.EntryEvent<Long, DroneState> event)
        {
            if (event.getValue() != null)
            {
                events.incrementAndGet();
            }
        }
    }
}
