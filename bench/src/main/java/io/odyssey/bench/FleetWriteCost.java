package io.odyssey.bench;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.config.Config;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.QueryCacheConfig;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.query.Predicates;
import com.hazelcast.spi.impl.SerializationServiceSupport;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.KeepNewestStateInterceptor;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What one fleet map write costs in CPU without the rest of the pipeline: a real member, a writing client (ingest's
 * part) and a listening client (a gateway's feed: every event, with its value), each in a thread group of its own
 * ({@link CpuSplit}), in one JVM. Each round writes the batches ingest's flush makes at 1,000 drones × 10 Hz (50
 * drones, each a newer sequence, {@code setAllAsync}, one batch in flight) into one variant of the fleet map, and
 * prints the CPU per entry of each part; rounds alternate the variants, so they are compared back to back in one JVM.
 * CPU time, not wall time: on a shared machine it moves far less than latency does, and the pipeline's harness is too
 * noisy to tell a 20–30 % change in the member's part.
 * With {@code --rate N} the batches leave at ingest's pace for N entries a second (a 50-drone batch every 5 ms at
 * 10,000/s) instead of each as soon as the previous is answered; each round also prints the time from a batch's write
 * to each of its events at the listener (p50 / p99 / max), i.e. what a variant adds to the gateway's hop.
 * <p>
 * The variants are maps of the one member, each the fleet map's configuration ({@link FleetGrid#memberConfig}) with
 * one thing changed:
 * <ul>
 *   <li>{@code fleet}: as configured ({@link FleetGrid#FLEET_MAP} itself, with its keep-newest guard);</li>
 *   <li>{@code object}: in-memory format {@code OBJECT} instead of {@code BINARY}, the same guard;</li>
 *   <li>{@code unguarded}: without the keep-newest interceptor — not a configuration to run (replays and failovers
 *       could put an older state back), the bound of what the guard costs;</li>
 *   <li>{@code keys-only}: as configured, but listened to without values ({@code includeValue=false}): the bound of what
 *       carrying the states in events costs (an update's event holds the old state as well as the new one);</li>
 *   <li>{@code querycache}: as configured, listened to through a Hazelcast {@code QueryCache} of the whole map on the
 *       listening client with Hazelcast's defaults (batch size 1, delay 0: the member sends each event at once);</li>
 *   <li>{@code querycache-batch}: the same with batching (batch size {@code -Dodyssey.bench.queryCacheBatch}, 16 by
 *       default, delay 1 s): the member sends a partition's events when it holds that many, else at the partition's
 *       first write a second after the oldest, else at its scan every 5 s.</li>
 * </ul>
 * Before the rounds it prints what one state costs in the member's own serialization service, in CPU time of the
 * calling thread: {@code toData} (ingest pays it per state written), {@code toObject} (a gateway per event) and a
 * guarded write (the keep-newest interceptor's part of a member's write: Hazelcast deserialises the stored and the
 * incoming state for {@code interceptPut}, the kept one again for {@code afterPut}, and serialises what it stores).
 * <p>
 * {@code java -cp … io.odyssey.bench.FleetWriteCost [--rounds 6] [--batches 2000] [--batch 50] [--drones 1000] [--rate 0]
 * [--variants fleet,object,unguarded,keys-only,querycache,querycache-batch] [--out FILE]}
 */
public final class FleetWriteCost
{
    private static final String QUERY_CACHE = "fleet-write-cost";
    private static final List<String> VARIANTS =
        List.of("fleet", "object", "unguarded", "keys-only", "querycache", "querycache-batch");
    /** The batch size of the {@code querycache-batch} variant (its delay is Hazelcast's smallest above 0: 1 s). */
    private static final int QUERY_CACHE_BATCH = Integer.getInteger("odyssey.bench.queryCacheBatch", 16);

    private FleetWriteCost()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        int rounds = 6;
        int batches = 2_000;
        int batchSize = 50;
        int drones = 1_000;
        int rate = 0;
        List<String> variants = VARIANTS;
        Path out = null;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--batches" -> batches = Integer.parseInt(args[++i]);
                case "--batch" -> batchSize = Integer.parseInt(args[++i]);
                case "--drones" -> drones = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Integer.parseInt(args[++i]);
                case "--variants" -> variants = List.of(args[++i].split(","));
                case "--out" -> out = Path.of(args[++i]);
                default -> usage();
            }
        }
        if (!VARIANTS.containsAll(variants) || variants.isEmpty())
        {
            usage();
        }
        final CpuSplit cpu = new CpuSplit();
        final String cluster = "fleet-write-cost-" + UUID.randomUUID();
        final int port = 24_000 + (int)(Math.random() * 10_000);
        final List<String> members = List.of("127.0.0.1:" + port);
        final HazelcastInstance member = cpu.start("grid", () ->
        {
            final Config config = FleetGrid.memberConfig(cluster, "127.0.0.1", port, members, 0);
            final MapConfig fleetConfig = config.getMapConfig(FleetGrid.FLEET_MAP);
            config.addMapConfig(new MapConfig(fleetConfig).setName(mapName("object")).setInMemoryFormat(InMemoryFormat.OBJECT));
            config.addMapConfig(new MapConfig(fleetConfig).setName(mapName("unguarded")));
            config.addMapConfig(new MapConfig(fleetConfig).setName(mapName("keys-only")));
            config.addMapConfig(new MapConfig(fleetConfig).setName(mapName("querycache")));
            config.addMapConfig(new MapConfig(fleetConfig).setName(mapName("querycache-batch")));
            final HazelcastInstance started = FleetGrid.newMember(config);
            for (final String guarded : List.of("object", "keys-only", "querycache", "querycache-batch"))
            {
                started.getMap(mapName(guarded)).addInterceptor(new KeepNewestStateInterceptor());
            }
            return started;
        });
        final HazelcastInstance writer = cpu.start("writer", () -> HazelcastClient.newHazelcastClient(
            FleetGrid.clientConfig(cluster, members, "fleet-write-cost-writer")));
        // One event thread, as the gateway runs its grid client (ODYSSEY_GATEWAY_GRID_EVENT_THREADS).
        final HazelcastInstance listener = cpu.start("listener", () -> HazelcastClient.newHazelcastClient(
            FleetGrid.clientConfig(cluster, members, "fleet-write-cost-listener")
                .setProperty("hazelcast.client.event.thread.count", "1")
                // Hazelcast's defaults (batch 1, delay 0: each event sent at once) and a batching one (per partition).
                .addQueryCacheConfig(mapName("querycache"), new QueryCacheConfig(QUERY_CACHE).setIncludeValue(true))
                .addQueryCacheConfig(mapName("querycache-batch"), new QueryCacheConfig(QUERY_CACHE).setIncludeValue(true)
                    .setBatchSize(QUERY_CACHE_BATCH).setDelaySeconds(1).setBufferSize(QUERY_CACHE_BATCH * 4))));
        final AtomicLong events = new AtomicLong();
        // Write to listener, per event: what a variant adds to the gateway_received hop.
        final Recorder delays = new Recorder(TimeUnit.SECONDS.toNanos(60), 3);
        final List<IMap<Long, DroneState>> maps = new ArrayList<>();
        for (final String variant : variants)
        {
            final boolean values = !"keys-only".equals(variant);
            final IMap<Long, DroneState> listened = listener.getMap(mapName(variant));
            if (variant.startsWith("querycache"))
            {
                listened.getQueryCache(QUERY_CACHE, Predicates.alwaysTrue(), true)
                    .addEntryListener(new Feed(events, true, delays), true);
            }
            else
            {
                listened.addEntryListener(new Feed(events, values, delays), values);
            }
            maps.add(writer.getMap(mapName(variant)));
        }

        final StringBuilder report = new StringBuilder(codecCost(member));
        report.append(String.format(Locale.ROOT,
            "# FleetWriteCost: %d rounds x %d batches of %d drones (of %d), setAllAsync, one in flight, %s; variants %s; " +
            "load %s%n" +
            "round | variant | grid ns/entry | writer ns/entry | listener ns/entry | gc+jit ns/entry | events/entry | wall s" +
            " | write to event p50 / p99 / max ms%n",
            rounds, batches, batchSize, drones, rate > 0 ? rate + " entries/s" : "as fast as answered",
            String.join(",", variants), loadAverage()));
        // Paced: a batch every batchSize / rate seconds, as ingest's flush at that rate (0: the next once answered).
        final long batchIntervalNs = rate > 0 ? TimeUnit.SECONDS.toNanos(batchSize) / rate : 0;
        final long[] sequences = new long[drones + 1];
        int cursor = 0;
        // A warm-up round of each variant first, not reported: all compiled before any is measured.
        for (int round = -variants.size(); round < rounds * variants.size(); round++)
        {
            final int variant = Math.floorMod(round, variants.size());
            final IMap<Long, DroneState> fleet = maps.get(variant);
            final CpuSplit.Snapshot before = cpu.snapshot();
            final long eventsBefore = events.get();
            final long started = System.nanoTime();
            delays.reset();
            for (int b = 0; b < batches; b++)
            {
                final long dueNs = started + b * batchIntervalNs;
                for (long waitNs = dueNs - System.nanoTime(); waitNs > 0; waitNs = dueNs - System.nanoTime())
                {
                    java.util.concurrent.locks.LockSupport.parkNanos(waitNs);
                }
                final long writtenNs = System.nanoTime();
                final Map<Long, DroneState> states = new HashMap<>(batchSize * 2);
                for (int i = 0; i < batchSize; i++)
                {
                    final int id = 1 + cursor;
                    cursor = (cursor + 1) % drones;
                    states.put((long)id, new DroneState(id, ++sequences[id], writtenNs, 2L, 3L, 52.52, 13.405, 100f, 90f, 12f, 0f,
                        80f, "CRUISING", 0, "ingest-1"));
                }
                fleet.setAllAsync(states).toCompletableFuture().get(30, TimeUnit.SECONDS);
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
            final Histogram delay = delays.getIntervalHistogram();
            if (round >= 0)
            {
                report.append(String.format(Locale.ROOT, "%d | %s | %d | %d | %d | %d | %.3f | %.1f | %.1f / %.1f / %.1f%n",
                    round / variants.size(), variants.get(variant), split.getOrDefault("grid", 0L) / entries,
                    split.getOrDefault("writer", 0L) / entries, split.getOrDefault("listener", 0L) / entries,
                    (split.getOrDefault(CpuSplit.GC, 0L) + split.getOrDefault(CpuSplit.JIT, 0L)) / entries,
                    (events.get() - eventsBefore) / (double)entries, wallS, delay.getValueAtPercentile(50) / 1e6,
                    delay.getValueAtPercentile(99) / 1e6, delay.getMaxValue() / 1e6));
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

    /** CPU ns per state of each serialization step, best of five passes (the first ones also compile). */
    private static String codecCost(final HazelcastInstance member)
    {
        final InternalSerializationService serialization =
            (InternalSerializationService)((SerializationServiceSupport)member).getSerializationService();
        final KeepNewestStateInterceptor guard = new KeepNewestStateInterceptor();
        final DroneState state = new DroneState(7, 2, 1L, 2L, 3L, 52.52, 13.405, 100f, 90f, 12f, 0f, 80f, "CRUISING", 0,
            "ingest-1");
        final Data incoming = serialization.toData(state);
        final Data stored = serialization.toData(new DroneState(7, 1, 1L, 2L, 3L, 52.52, 13.405, 100f, 90f, 12f, 0f, 80f,
            "CRUISING", 0, "ingest-1"));
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final int n = 200_000;
        long toData = Long.MAX_VALUE;
        long toObject = Long.MAX_VALUE;
        long guarded = Long.MAX_VALUE;
        long sink = 0;
        for (int pass = 0; pass < 5; pass++)
        {
            final long t0 = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++)
            {
                sink += serialization.toData(state).totalSize();
            }
            final long t1 = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++)
            {
                sink += ((DroneState)serialization.toObject(incoming)).sequence();
            }
            final long t2 = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++)
            {
                final Object newer = serialization.toObject(incoming);
                final Object kept = guard.interceptPut(serialization.toObject(stored), newer);
                sink += ((DroneState)serialization.toObject(kept == null ? incoming : stored)).sequence();
                sink += serialization.toData(kept == null ? newer : kept).totalSize();
            }
            final long t3 = threads.getCurrentThreadCpuTime();
            toData = Math.min(toData, (t1 - t0) / n);
            toObject = Math.min(toObject, (t2 - t1) / n);
            guarded = Math.min(guarded, (t3 - t2) / n);
        }
        return String.format(Locale.ROOT, "# one DroneState (%d bytes), CPU ns: toData %d, toObject %d, guarded write %d " +
            "(checksum %d)%n", incoming.totalSize(), toData, toObject, guarded, sink);
    }

    private static void usage()
    {
        System.err.println("usage: FleetWriteCost [--rounds N] [--batches N] [--batch N] [--drones N] [--rate ENTRIES_PER_S] " +
            "[--variants " + String.join(",", VARIANTS) + "] [--out FILE]");
        System.exit(2);
    }

    /** The map a variant writes: the fleet map itself for {@code fleet}. */
    private static String mapName(final String variant)
    {
        return "fleet".equals(variant) ? FleetGrid.FLEET_MAP : FleetGrid.FLEET_MAP + "-" + variant;
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

    /** A gateway's feed in its cheapest form: takes each event's value (deserialised, when it has one) and counts it. */
    private record Feed(AtomicLong events, boolean values, Recorder delays) implements EntryAddedListener<Long, DroneState>,
        EntryUpdatedListener<Long, DroneState>
    {
        public void entryAdded(final EntryEvent<Long, DroneState> event)
        {
            entryUpdated(event);
        }

        public void entryUpdated(final EntryEvent<Long, DroneState> event)
        {
            if (!values)
            {
                events.incrementAndGet();
                return;
            }
            final DroneState state = event.getValue();
            if (state != null)
            {
                delays.recordValue(Math.max(0, System.nanoTime() - state.sentAtNanos()));
                events.incrementAndGet();
            }
        }
    }
}
