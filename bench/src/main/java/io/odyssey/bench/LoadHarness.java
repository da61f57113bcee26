package io.odyssey.bench;

import io.odyssey.codecs.CommandState;
import io.odyssey.gateway.control.AccessControl;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.simulator.Simulator;
import io.odyssey.simulator.SimulatorConfig;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.hazelcast.core.HazelcastInstance;
import io.aeron.ExclusivePublication;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.gateway.Gateway;
import io.odyssey.gateway.GatewayConfig;
import io.odyssey.grid.FleetGrid;
import io.odyssey.ingest.EdgeIngest;
import io.odyssey.ingest.EdgeIngestConfig;
import io.odyssey.mavlink.edge.MavlinkEdge;
import io.odyssey.mavlink.edge.MavlinkEdgeConfig;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.runtime.ProcessLauncher;
import io.odyssey.runtime.RealTimeClock;
import org.HdrHistogram.Histogram;
import org.agrona.CloseHelper;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The end-to-end load harness ({@code ./odyssey bench}): starts the real stack in this JVM (a Hazelcast member, an
 * edge ingest node, a WebSocket gateway with coalescing off, then one at the dashboard's 16 ms), drives it with paced SBE
 * telemetry over Aeron UDP, and records with HdrHistogram, per hop, from each frame's stamps as a WebSocket client
 * receives them: drone send → ingest decoded → fleet map written → gateway listener → client received. The send
 * stamp is the frame's <em>scheduled</em> time, so a sender that falls behind shows as latency (coordinated
 * omission corrected). Plain UDP and bare Aeron echo baselines are measured in the same run; then the fan-out cost of
 * 1, 10 and 100 clients, and the highest ingest rate sustained without loss. Everything goes under the output
 * directory: {@code .hlog} interval logs and {@code .hgrm} tables per hop and scenario, {@code summary.md},
 * {@code summary.json} and {@code latency.svg}.
 * <p>
 * {@code --smoke} runs every scenario tiny (20 drones, seconds each, fan-out to 3 clients, 5 orders) and exits 1
 * unless the client received the fleet and every order completed: {@code ./odyssey test} runs it so that CI proves the
 * harness works on a clean clone. Its figures mean nothing.
 */
public final class LoadHarness
{
    static final String[] HOPS = {"ingest_decoded", "grid_written", "gateway_received", "client_received", "coalescing"};
    private static final JsonFactory JSON = new JsonFactory();
    private static final RealTimeClock CLOCK = new RealTimeClock();
    private static final String BENCH_TOKEN = AccessControl.newSecret();
    /** Drones of the round-trip scenario: a real simulator, ids above any the load publisher uses. */
    private static final int ROUND_TRIP_DRONES = 10;
    private static final long ROUND_TRIP_FIRST_ID = 9_000_000;
    /**
     * Hops of the MAVLink scenario, from the vehicle's scheduled send: the edge's receive stamp (the telemetry's
     * {@code sentAtNs}), then as the SBE scenario's; and {@code edge_to_client}, the part from the edge's stamp on.
     */
    static final String[] MAVLINK_HOPS = {"edge_received", "ingest_decoded", "grid_written", "gateway_received",
        "client_received", "edge_to_client"};
    /** The MAVLink scenario's vehicles: drone ids apart from the SBE publisher's and the round trips'. */
    private static final long MAVLINK_FIRST_ID = 8_000_001;
    /** The MAVLink round trip's vehicles: a real simulator's MAVLink drones, through an edge of their own. */
    private static final long MAVLINK_ROUND_TRIP_FIRST_ID = 9_100_001;

    private final Options options;
    private final Path out;
    private final Map<String, Map<String, Histogram>> scenarios = new LinkedHashMap<>();
    private final Map<String, Object> facts = new LinkedHashMap<>();
    /** While the archiver runs: samples its "archived" hop once a second. */
    private Runnable archiveSampler;
    /** Each run's histograms of the scenarios run more than once ({@code --repeat}), by scenario. */
    private final Map<String, List<Map<String, Histogram>>> repeats = new LinkedHashMap<>();
    /** The gateways of the run, whose own threads' CPU is told apart from the rest of this JVM's. */
    private List<Gateway> gateways = List.of();
    /** Each role of this JVM started in a thread group of its own, so its threads' CPU can be told apart. */
    private final CpuSplit cpu = new CpuSplit();
    /** The part of the CPU split each gateway's threads are counted in. */
    private final Map<Gateway, String> gatewayParts = new java.util.IdentityHashMap<>();
    /** The parts of the CPU split, in the order the summary shows them (then any other, e.g. the archiver). */
    static final List<String> CPU_PARTS = List.of(CpuSplit.SENDER, "ingest", "grid", "gateway", "idleGateways",
        CpuSplit.CLIENT, CpuSplit.GC, CpuSplit.JIT, CpuSplit.OTHER, CpuSplit.UNATTRIBUTED, CpuSplit.TOTAL);
    /** The issue-14 figure: what the pipeline (not the harness's sender and client) costs per drone update. */
    static final String PIPELINE_CPU = "cpuNsPerDroneUpdate.ingest+grid+gateway";

    /** @param mavlinkOnly run the MAVLink scenarios only ({@code --mavlink}), not the SBE ones beside them. */
    record Options(int drones, double rateHz, int durationS, int warmUpS, boolean quick, Path out, int clients,
        boolean archiver, boolean smoke, int repeat, boolean mavlinkOnly, java.util.regex.Pattern only)
    {
        Options(final int drones, final double rateHz, final int durationS, final int warmUpS, final boolean quick,
            final Path out, final int clients, final boolean archiver, final boolean smoke)
        {
            this(drones, rateHz, durationS, warmUpS, quick, out, clients, archiver, smoke, 1, false, null);
        }

        /**
         * Whether this run includes the scenario: all of them, or the MAVLink ones ({@code --mavlink}), or those whose
         * names match {@code --only} (a profile of one scenario needs none of the others).
         */
        boolean runs(final String scenario)
        {
            return (only == null || only.matcher(scenario).matches()) && (!mavlinkOnly || scenario.startsWith("mavlink"));
        }

        /** Fan-out runs: 1, 10 and 100 clients; 1 and 3 in a smoke run. */
        int[] fanouts()
        {
            return smoke ? new int[]{1, 3} : new int[]{1, 10, 100};
        }
    }

    private LoadHarness(final Options options)
    {
        this.options = options;
        this.out = options.out();
    }

    public static void main(final String[] args) throws Exception
    {
        ProcessLauncher.defaultSystemProperties();
        Integer drones = null;
        double rate = 10;
        Integer duration = null;
        boolean quick = false;
        boolean smoke = false;
        int clients = 1;
        boolean archiver = false;
        int repeat = 1;
        boolean mavlinkOnly = false;
        java.util.regex.Pattern only = null;
        Path out = Path.of("bench-results", Instant.now().toString().replace(":", "").replaceAll("\\..*", "") + "Z", "e2e");
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--drones" -> drones = Integer.parseInt(args[++i]);
                case "--rate" -> rate = Double.parseDouble(args[++i]);
                case "--duration" -> duration = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                case "--quick" -> quick = true;
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--archiver" -> archiver = true;
                case "--smoke" -> smoke = true;
                case "--repeat" -> repeat = Math.max(1, Integer.parseInt(args[++i]));
                case "--mavlink" -> mavlinkOnly = true;
                case "--only" -> only = java.util.regex.Pattern.compile(args[++i]);
                default ->
                {
                    System.err.println("usage: LoadHarness [--drones N] [--rate HZ] [--duration S] [--clients N] " +
                        "[--archiver] [--quick] [--smoke] [--repeat N] [--mavlink] [--only SCENARIO-REGEX] [--out DIR]");
                    System.exit(2);
                }
            }
        }
        final int measuredS = duration != null ? duration : smoke ? 3 : 20;
        final LoadHarness harness = new LoadHarness(new Options(drones != null ? drones : smoke ? 20 : 1_000, rate,
            quick ? Math.min(measuredS, 8) : measuredS, smoke ? 1 : quick ? 2 : 5, quick || smoke, out.toAbsolutePath(),
            clients, archiver, smoke, repeat, mavlinkOnly, only));
        harness.run();
        if (smoke)
        {
            final List<String> failures = harness.smokeFailures();
            if (!failures.isEmpty())
            {
                failures.forEach(failure -> log("smoke run failed: " + failure));
                System.exit(1);
            }
        }
        System.exit(0);
    }

    private void run() throws Exception
    {
        Files.createDirectories(out);
        final int base = 24_000 + (int)(Math.random() * 10_000);
        log("baselines: UDP loopback echo and bare Aeron UDP echo, paced at 10k/s");
        final int echoes = options.smoke() ? 1_000 : options.quick() ? 5_000 : 20_000;
        final Map<String, Histogram> baselines = new LinkedHashMap<>();
        baselines.put("udp_echo_one_way", Baselines.udpEcho(echoes, 100_000));
        baselines.put("aeron_echo_one_way", Baselines.aeronEcho(echoes, 100_000, base + 50));
        scenarios.put("baseline", baselines);
        final Path baselineDir = Files.createDirectories(out.resolve("baseline"));
        for (final Map.Entry<String, Histogram> baseline : baselines.entrySet())
        {
            try (java.io.PrintStream table = new java.io.PrintStream(baselineDir.resolve(baseline.getKey() + ".hgrm").toFile()))
            {
                baseline.getValue().outputPercentileDistribution(table, 1_000_000.0);
            }
        }

        final String cluster = "odyssey-bench-" + UUID.randomUUID();
        final HazelcastInstance member = cpu.start("grid", () -> FleetGrid.newMember(FleetGrid.memberConfig(cluster,
            "127.0.0.1", base, List.of("127.0.0.1:" + base), 0)));
        final Path journal = Files.createTempDirectory("odyssey-bench-journal-");
        final EdgeIngestConfig ingestConfig = new EdgeIngestConfig();
        ingestConfig.clusterName = cluster;
        ingestConfig.gridMembers = List.of("127.0.0.1:" + base);
        ingestConfig.endpoint = "127.0.0.1:" + (base + 100);
        ingestConfig.statusPort = 0;
        ingestConfig.journalDir = journal.toString();
        ingestConfig.maxDrones = 200_000;
        // Every frame is signed with its drone's key, as real drones do: the bench measures the verifying ingest.
        final java.nio.file.Path droneKeys = io.odyssey.codecs.sign.TestDroneKeys.add(
            io.odyssey.codecs.sign.TestDroneKeys.file(1, Math.max(10_000, options.drones())),
            ROUND_TRIP_FIRST_ID, ROUND_TRIP_FIRST_ID + ROUND_TRIP_DRONES - 1);
        // MAVLink vehicles sign with their drone's key too: the edges verify every frame and sign what they forward.
        io.odyssey.codecs.sign.TestDroneKeys.add(droneKeys, MAVLINK_FIRST_ID, MAVLINK_FIRST_ID + options.drones() - 1);
        io.odyssey.codecs.sign.TestDroneKeys.add(droneKeys, MAVLINK_ROUND_TRIP_FIRST_ID,
            MAVLINK_ROUND_TRIP_FIRST_ID + ROUND_TRIP_DRONES - 1);
        ingestConfig.droneKeys = droneKeys.toString();
        ingestConfig.commandKeyFile = io.odyssey.gateway.TestKeys.commandKeyFile(cluster);
        try (EdgeIngest ingest = cpu.start("ingest", () -> EdgeIngest.launch(ingestConfig));
            AeronTransport sender = cpu.start(CpuSplit.SENDER, () -> AeronTransport.launchEmbedded(null, "bench-sender"));
            io.odyssey.archiver.Archiver archiver = options.archiver() ?
                cpu.start("archiver", () -> startArchiver(journal, base)) : null)
        {
            final ExclusivePublication publication = sender.aeron().addExclusivePublication(
                AeronTransport.udpChannel(ingestConfig.endpoint), 1001);
            while (!publication.isConnected())
            {
                Thread.sleep(10);
            }
            final Publisher publisher = new Publisher(publication, 200_000,
                io.odyssey.codecs.sign.TestDroneKeys.signer(droneKeys, 1), Math.max(options.drones(), 10_000));
            // One gateway at a time, as a deployment of one runs: a second, idle one would receive every fleet map
            // event too (the grid member sending each twice), a cost the pipeline of one gateway does not have.
            final Gateway immediate = startGateway(cluster, base, 0);

            final List<MavlinkEdge> edges = new ArrayList<>();
            try
            {
                final int vehicles = options.drones();
                log("MAVLink: " + MavlinkVehicles.edges(vehicles) + " edge(s) for " + vehicles + " vehicles (" +
                    MavlinkVehicles.VEHICLES_PER_EDGE + " system ids each)");
                for (int e = 0; e < MavlinkVehicles.edges(vehicles); e++)
                {
                    final long first = MAVLINK_FIRST_ID + (long)e * MavlinkVehicles.VEHICLES_PER_EDGE;
                    final String name = "load-" + e;
                    final int count = Math.min(MavlinkVehicles.VEHICLES_PER_EDGE, vehicles - e * MavlinkVehicles.VEHICLES_PER_EDGE);
                    edges.add(cpu.start("mavlink", () -> launchEdge(name, first, count, ingestConfig.endpoint, droneKeys)));
                }
                final List<Integer> edgePorts = new ArrayList<>();
                for (final MavlinkEdge edge : edges)
                {
                    edgePorts.add(edge.mavlinkPort());
                }
                try (MavlinkVehicles mavlink = new MavlinkVehicles(MAVLINK_FIRST_ID, vehicles, edgePorts, droneKeys))
                {
                    if (!options.mavlinkOnly())
                    {
                        // Unmeasured: JIT compilation, the journal's first files, connection pools, so the first
                        // scenario measures the system and not its start.
                        log("warm-up run (not measured)");
                        scenario("warm-up", immediate, 1, false, publisher, ingest, options.drones(), options.rateHz(),
                            options.smoke() ? 1 : options.quick() ? 4 : 10);
                        scenarios.remove("warm-up");
                        log(String.format(Locale.ROOT, "end to end: %d drones x %.0f Hz, %d client(s), coalescing off%s",
                            options.drones(), options.rateHz(), options.clients(),
                            archiver != null ? ", with the archiver" : ""));
                        final double[] archivedP99Ms = {0};
                        archiveSampler = archiver == null ? null : () -> archivedP99Ms[0] = Math.max(archivedP99Ms[0],
                            hopP99Ms(archiver.statusPort(), "archived"));
                        if (options.runs("e2e-coalesce-0"))
                        {
                            final Map<String, Object> e2e = repeated("e2e-coalesce-0", immediate, options.clients(),
                                false, publisher, ingest, options.drones(), options.rateHz(), options.durationS());
                            if (archiver != null)
                            {
                                e2e.put("archiverWorstSecondP99Ms", Math.round(archivedP99Ms[0] * 100) / 100.0);
                                e2e.put("archiverRows", archiver.rowsArchived());
                                e2e.put("archiverLagEntriesAtEnd", archiver.lagEntries());
                                archiveSampler = null;
                            }
                            facts.put("e2e", e2e);
                        }
                    }
                    // Right after the SBE run, on the same stack, gateway and client: the two paths side by side.
                    log(String.format(Locale.ROOT, "MAVLink: %d vehicles x %.0f Hz through %d edge(s), coalescing off",
                        vehicles, options.rateHz(), edges.size()));
                    if (!options.runs("mavlink"))
                    {
                        log("MAVLink: not in this run (--only)");
                    }
                    else if (!options.smoke())
                    {
                        // Unmeasured, as for the SBE path: the edges' JIT and first vehicles. A smoke run only proves
                        // the path works, in as few seconds as it can.
                        mavlinkScenario("mavlink-warm-up", immediate, mavlink, edges, ingest, options.rateHz(),
                            options.quick() ? 4 : 10);
                        scenarios.remove("mavlink-warm-up");
                    }
                    if (options.runs("mavlink"))
                    {
                        facts.put("mavlink", mavlinkScenario("mavlink", immediate, mavlink, edges, ingest,
                            options.rateHz(), options.durationS()));
                    }
                }
            }
            finally
            {
                CloseHelper.quietCloseAll(edges);
                immediate.close();
            }
            try (Gateway coalescing = startGateway(cluster, base, 16))
            {
                if (!options.smoke() && !options.runs("e2e-coalesce-16") && options.fanouts().length > 0 &&
                    java.util.Arrays.stream(options.fanouts()).anyMatch(c -> options.runs("fanout-" + c) ||
                        options.runs("fanout-" + c + "-binary")))
                {
                    // The coalescing gateway's own first seconds (its first flushes, its client's first frames) are
                    // otherwise measured in whichever fan-out scenario comes first (with --only 'fanout-...' the JSON
                    // one-client one). It explains part of that scenario's tail only: on a quiet machine its grid
                    // write p99 went from 99 ms (89-104, medians of 3) to 67 (29-98) with it, against ~20 binary.
                    log("coalescing gateway warm-up (not measured)");
                    scenario("coalescing-warm-up", coalescing, 1, false, publisher, ingest, options.drones(),
                        options.rateHz(), options.quick() ? 4 : 10);
                    scenarios.remove("coalescing-warm-up");
                }
                if (options.runs("e2e-coalesce-16"))
                {
                    log("end to end with the dashboard's coalescing (16 ms)");
                    facts.put("e2e-coalesce-16", repeated("e2e-coalesce-16", coalescing, 1, false, publisher, ingest,
                        options.drones(), options.rateHz(), options.durationS()));
                }
                for (final int clients : options.fanouts())
                {
                    for (final boolean binary : new boolean[]{false, true})
                    {
                        final String name = "fanout-" + clients + (binary ? "-binary" : "");
                        if (!options.runs(name))
                        {
                            continue;
                        }
                        log("fan-out: " + clients + " " + (binary ? "binary" : "JSON") +
                            " clients on the 16 ms gateway (one of them measured)");
                        facts.put(name, repeated(name, coalescing, clients, binary, publisher, ingest,
                            options.drones(), options.rateHz(), options.smoke() ? 1 : options.quick() ? 5 : 10));
                    }
                }
                if (options.runs("max-rate"))
                {
                    facts.put("max-rate", maxRate(publisher, ingest));
                }
                final int orders = options.smoke() ? 5 : options.quick() ? 50 : 200;
                if (options.runs("command-round-trip"))
                {
                    log("command round trip: " + orders + " orders, one at a time: REST -> ledger -> ingest -> Aeron -> " +
                        "simulator -> answer -> ledger (completed)");
                    final SimulatorConfig config = new SimulatorConfig();
                    config.commandEndpoint = "127.0.0.1:0";
                    facts.put("command-round-trip", commandRoundTrip("command-round-trip", config, ROUND_TRIP_FIRST_ID,
                        member, coalescing.port(), ingest, ingestConfig.endpoint, orders, ingestConfig.droneKeys));
                }
                if (options.runs("mavlink-command-round-trip"))
                {
                    log("MAVLink command round trip: " + orders + " orders, one at a time: REST -> ledger -> ingest -> " +
                        "Aeron -> MAVLink edge -> COMMAND_LONG -> simulated PX4 vehicle -> COMMAND_ACK -> edge -> ingest -> " +
                        "ledger (completed)");
                    try (MavlinkEdge edge = launchEdge("round-trip", MAVLINK_ROUND_TRIP_FIRST_ID, ROUND_TRIP_DRONES,
                        ingestConfig.endpoint, droneKeys))
                    {
                        final SimulatorConfig config = new SimulatorConfig();
                        config.commandEndpoint = SimulatorConfig.NO_COMMANDS;
                        config.mavlinkDrones = ROUND_TRIP_DRONES;
                        config.mavlinkEdge = "127.0.0.1:" + edge.mavlinkPort();
                        facts.put("mavlink-command-round-trip", commandRoundTrip("mavlink-command-round-trip", config,
                            MAVLINK_ROUND_TRIP_FIRST_ID, member, coalescing.port(), ingest, ingestConfig.endpoint, orders,
                            ingestConfig.droneKeys));
                    }
                }
            }
        }
        finally
        {
            member.shutdown();
        }
        final Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cpus", Runtime.getRuntime().availableProcessors());
        machine.put("java", System.getProperty("java.version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put("date", Instant.now().toString());
        facts.put("machine", machine);
        Summary.write(out, options, scenarios, facts, repeats);
        log("results in " + out);
    }

    /**
     * What a smoke run must show, whatever the machine's load: the measured client received drones in the end-to-end
     * run and every drone's final state, and every order of the round trip completed.
     */
    List<String> smokeFailures()
    {
        final List<String> failures = new ArrayList<>();
        final List<String> runs = options.mavlinkOnly() ? List.of("mavlink") : List.of("e2e", "mavlink");
        for (final String run : runs)
        {
            final org.HdrHistogram.Histogram received = scenarios.getOrDefault(run.equals("e2e") ? "e2e-coalesce-0" : run,
                Map.of()).get("client_received");
            if (received == null || received.getTotalCount() == 0)
            {
                failures.add("the client received no drone in the " + run + " run");
            }
            @SuppressWarnings("unchecked")
            final Map<String, Object> result = (Map<String, Object>)facts.getOrDefault(run, Map.of());
            if (!Long.valueOf(0).equals(result.get("finalStateNotDelivered")))
            {
                failures.add("final states not delivered to the client in the " + run + " run: " +
                    result.get("finalStateNotDelivered"));
            }
        }
        for (final String run : options.mavlinkOnly() ? List.of("mavlink-command-round-trip") :
            List.of("command-round-trip", "mavlink-command-round-trip"))
        {
            @SuppressWarnings("unchecked")
            final Map<String, Object> roundTrip = (Map<String, Object>)facts.getOrDefault(run, Map.of());
            if (!Integer.valueOf(0).equals(roundTrip.get("notCompleted")))
            {
                failures.add("orders not completed in the " + run + ": " + roundTrip.get("notCompleted"));
            }
        }
        return failures;
    }

    /**
     * Orders sent one at a time to a real simulator's drones through the gateway's REST API; each one's issue → accepted
     * and issue → completed latency comes from the ledger's own transition stamps (one clock: one machine). The order
     * is a set-speed, which the drone completes at once, so the figure is the system's round trip, not a flight.
     *
     * @param config the simulator's settings of the run (how its drones take orders: SBE on a command endpoint, or
     *               MAVLink through an edge); the rest is set here.
     */
    private Map<String, Object> commandRoundTrip(final String name, final SimulatorConfig config, final long firstId,
        final HazelcastInstance member, final int gatewayPort, final EdgeIngest ingest, final String ingestEndpoint,
        final int orders, final String droneKeys) throws Exception
    {
        config.droneKeys = droneKeys;
        config.drones = ROUND_TRIP_DRONES;
        config.firstId = firstId;
        config.endpoints = List.of(ingestEndpoint);
        config.statusPort = 0;
        final int linksBefore = ingest.commandLinks();
        final Histogram toAck = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        final Histogram toEffect = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        final CommandLedger ledger = new CommandLedger(member);
        final HttpClient http = HttpClient.newHttpClient();
        int failed = 0;
        try (Simulator simulator = Simulator.launch(config))
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (ingest.commandLinks() < linksBefore + ROUND_TRIP_DRONES || get(http, gatewayPort,
                "/api/v1/drones/" + (firstId + ROUND_TRIP_DRONES - 1)) != 200)
            {
                if (System.nanoTime() > deadline)
                {
                    throw new IllegalStateException("the round-trip drones never became commandable");
                }
                Thread.sleep(50);
            }
            for (int i = 0; i < orders; i++)
            {
                final long drone = firstId + i % ROUND_TRIP_DRONES;
                final HttpResponse<String> issued = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + gatewayPort + "/api/v1/commands"))
                    .header("Authorization", "Bearer " + BENCH_TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"droneId\":" + drone + ",\"type\":\"set-speed\",\"speed\":" +
                        (i % 2 == 0 ? 10 : 12) + "}")).build(), HttpResponse.BodyHandlers.ofString());
                if (issued.statusCode() != 202)
                {
                    throw new IllegalStateException("order refused: " + issued.body());
                }
                final long id = Long.parseLong(new com.fasterxml.jackson.databind.ObjectMapper().readTree(issued.body())
                    .get("id").asText());
                CommandRecord command = ledger.get(id);
                final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while ((command == null || command.active()) && System.nanoTime() < until)
                {
                    Thread.sleep(1);
                    command = ledger.get(id);
                }
                if (command == null || command.state() != CommandState.COMPLETED)
                {
                    failed++;
                    continue;
                }
                toAck.recordValue(command.firstAt(CommandState.ACCEPTED) - command.issuedAtNanos());
                toEffect.recordValue(command.firstAt(CommandState.COMPLETED) - command.issuedAtNanos());
            }
        }
        final Map<String, Histogram> hops = new LinkedHashMap<>();
        hops.put("issued_to_accepted", toAck);
        hops.put("issued_to_completed", toEffect);
        scenarios.put(name, hops);
        final Map<String, Object> result = new LinkedHashMap<>();
        result.put("orders", orders);
        result.put("notCompleted", failed);
        return result;
    }

    private static int get(final HttpClient http, final int port, final String path) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer " + BENCH_TOKEN).GET().build(), HttpResponse.BodyHandlers.discarding())
            .statusCode();
    }

    /**
     * A MAVLink edge in this JVM, as {@code MavlinkEdgeMain} runs one: its registry file names {@code count} vehicles,
     * system ids 1.. for drones {@code firstDroneId}.., it hears them on a free loopback port and sends to the ingest
     * node. Vehicles are not declared lost while the run is quiet between scenarios (that would only log).
     */
    private MavlinkEdge launchEdge(final String name, final long firstDroneId, final int count, final String ingestEndpoint,
        final Path droneKeys) throws Exception
    {
        final StringBuilder registry = new StringBuilder("# SYSTEM_ID DRONE_ID\n");
        for (int v = 0; v < count; v++)
        {
            registry.append(MavlinkVehicles.systemId(v)).append(' ').append(firstDroneId + v).append('\n');
        }
        final MavlinkEdgeConfig config = new MavlinkEdgeConfig();
        config.vehicles = Files.writeString(Files.createTempFile("odyssey-bench-vehicles-" + name + "-", ""), registry)
            .toString();
        config.droneKeys = droneKeys.toString();
        config.listen = "127.0.0.1:0";
        config.commandEndpoint = "127.0.0.1:0";
        config.endpoints = List.of(ingestEndpoint);
        config.statusPort = 0;
        config.heartbeatTimeoutMs = 600_000;
        return MavlinkEdge.launch(config);
    }

    /**
     * The MAVLink scenario: {@code vehicles} send their telemetry through the edges to the stack, and one client of
     * {@code gateway} records each position's hops from its vehicle's scheduled send (see {@link MavlinkVehicles}).
     * Returns the run's counts: datagrams sent, telemetry the edges forwarded, frames they refused, what ingest
     * accepted, final states not delivered, and this JVM's CPU (vehicles, edges, ingest, grid, gateways, client).
     */
    private Map<String, Object> mavlinkScenario(final String name, final Gateway gateway, final MavlinkVehicles vehicles,
        final List<MavlinkEdge> edges, final EdgeIngest ingest, final double rateHz, final int durationS) throws Exception
    {
        final Path dir = out.resolve(name);
        final Map<String, Object> result = new LinkedHashMap<>();
        try (HopRecorder hops = new HopRecorder(dir, MAVLINK_HOPS))
        {
            final ProbeClient probe = new ProbeClient(hops, vehicles);
            final WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + gateway.port() + "/ws/fleet"), probe).get(10, TimeUnit.SECONDS);
            final long acceptedBefore = ingest.acceptedCount();
            final long receivedBefore = edgeCounter(edges, "odyssey_mavlink_datagrams_received_total");
            final long forwardedBefore = edgeCounter(edges, "odyssey_mavlink_telemetry_sent_total");
            final long refusedBefore = edgeCounter(edges, "odyssey_mavlink_frames_refused_total");
            final long offersFailedBefore = edgeCounter(edges, "odyssey_mavlink_offers_failed_total");
            final long cpuBefore = processCpuNanos();
            final long[] positions = vehicles.run(rateHz, options.warmUpS() + durationS, options.warmUpS(),
                hops::startRecording, hops::interval);
            final long cpu = processCpuNanos() - cpuBefore;
            // Quiet period: every vehicle's last position must reach the client.
            Thread.sleep(2_000);
            hops.finish(dir);
            long notDelivered = 0;
            for (int v = 0; v < vehicles.vehicles(); v++)
            {
                final Integer seen = probe.lastSlot.get(vehicles.firstDroneId() + v);
                if (seen == null || seen != MavlinkVehicles.slotOf(positions[v]))
                {
                    notDelivered++;
                }
            }
            final long accepted = ingest.acceptedCount() - acceptedBefore;
            result.put("vehicles", vehicles.vehicles());
            result.put("edges", edges.size());
            result.put("datagramsSent", vehicles.sent());
            result.put("datagramsNotSent", vehicles.failed());
            // Sent but not received: dropped by the kernel from a full socket buffer while the edge's thread waited for a core.
            result.put("edgeDatagramsReceived", edgeCounter(edges, "odyssey_mavlink_datagrams_received_total") - receivedBefore);
            result.put("edgeTelemetrySent", edgeCounter(edges, "odyssey_mavlink_telemetry_sent_total") - forwardedBefore);
            result.put("edgeFramesRefused", edgeCounter(edges, "odyssey_mavlink_frames_refused_total") - refusedBefore);
            result.put("edgeOffersFailed", edgeCounter(edges, "odyssey_mavlink_offers_failed_total") - offersFailedBefore);
            result.put("accepted", accepted);
            result.put("finalStateNotDelivered", notDelivered);
            result.put("cpuPercent", Math.round(100.0 * cpu / TimeUnit.SECONDS.toNanos(options.warmUpS() + durationS) /
                Runtime.getRuntime().availableProcessors() * 10) / 10.0);
            result.put("jvmCpuNsPerPosition", accepted == 0 ? 0 : cpu / accepted);
            result.put("heapUsedMb", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20);
            socket.abort();
            scenarios.put(name, new LinkedHashMap<>(hops.totals()));
        }
        log("  " + name + ": " + result);
        return result;
    }

    /** A counter summed over the edges' /metrics (every label); -1 when one cannot be read. */
    private static long edgeCounter(final List<MavlinkEdge> edges, final String counter)
    {
        long total = 0;
        for (final MavlinkEdge edge : edges)
        {
            try
            {
                final String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + edge.statusPort() + "/metrics")).timeout(Duration.ofSeconds(5))
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
                for (final io.odyssey.cli.PrometheusText.Sample sample : io.odyssey.cli.PrometheusText.parse(body))
                {
                    total += counter.equals(sample.name()) ? (long)sample.value() : 0;
                }
            }
            catch (final Exception ex)
            {
                return -1;
            }
        }
        return total;
    }

    /** A gateway in a thread group of its own ({@link CpuSplit}), the one the scenarios from now on measure. */
    private Gateway startGateway(final String cluster, final int base, final long coalesceMs) throws Exception
    {
        final String part = "gateway:" + coalesceMs;
        final Gateway gateway = cpu.start(part, () -> Gateway.launch(gatewayConfig(cluster, base, coalesceMs)));
        gateways = List.of(gateway);
        gatewayParts.put(gateway, part);
        return gateway;
    }

    private static GatewayConfig gatewayConfig(final String cluster, final int base, final long coalesceMs)
    {
        final GatewayConfig config = new GatewayConfig();
        // Reading the fleet needs no token here (anonymous viewers); orders in the round-trip scenario use one.
        config.anonymousRole = "viewer";
        config.tokens = List.of("bench:operator:" + BENCH_TOKEN);
        config.clusterName = cluster;
        config.gridMembers = List.of("127.0.0.1:" + base);
        config.port = 0;
        config.coalesceMs = coalesceMs;
        config.commandKeyFile = io.odyssey.gateway.TestKeys.commandKeyFile(cluster);
        config.dbUrl = "";
        // The round trip measures latency, one order at a time as fast as they complete: no token budget in its way.
        config.commandRate = 100_000;
        config.commandBurst = 100_000;
        return config;
    }

    /**
     * A scenario run {@code --repeat} times: the histograms of all runs together go to the main table, each run's to
     * the table of medians and spreads; the counts returned are each count's median over the runs (and every run's).
     */
    private Map<String, Object> repeated(final String name, final Gateway gateway, final int clients, final boolean binary,
        final Publisher publisher, final EdgeIngest ingest, final int drones, final double rateHz, final int durationS)
        throws Exception
    {
        if (options.repeat() == 1)
        {
            return scenario(name, gateway, clients, binary, publisher, ingest, drones, rateHz, durationS);
        }
        final List<Map<String, Object>> results = new ArrayList<>();
        final List<Map<String, Histogram>> runs = new ArrayList<>();
        final Map<String, Histogram> all = new LinkedHashMap<>();
        for (int run = 1; run <= options.repeat(); run++)
        {
            log("  run " + run + " of " + options.repeat());
            final String runName = name + "-run" + run;
            results.add(scenario(runName, gateway, clients, binary, publisher, ingest, drones, rateHz, durationS));
            final Map<String, Histogram> hops = scenarios.remove(runName);
            runs.add(hops);
            hops.forEach((hop, h) -> all.computeIfAbsent(hop, k -> new Histogram(TimeUnit.SECONDS.toNanos(60), 3)).add(h));
        }
        scenarios.put(name, all);
        repeats.put(name, runs);
        final Map<String, Object> medians = new LinkedHashMap<>();
        for (final String key : results.get(0).keySet())
        {
            if (results.get(0).get(key) instanceof Number)
            {
                final double[] values = results.stream().mapToDouble(r -> ((Number)r.get(key)).doubleValue()).sorted().toArray();
                medians.put(key, values[values.length / 2]);
            }
        }
        medians.put("runs", results);
        return medians;
    }

    /**
     * One measured run: the clients connect, the load runs a warm-up and then the measured duration, and the
     * measuring client's hops are recorded. Returns the scenario's counts, with what a drone update cost: bytes on the
     * measured client's wire, and CPU time of the gateway's own threads and of the rest of this JVM (ingest, grid
     * member, sender, measured client), per drone update delivered.
     *
     * @param binary whether the clients read binary {@code odyssey.bin.v1} frames (JSON otherwise).
     */
    private Map<String, Object> scenario(final String name, final Gateway gateway, final int clients, final boolean binary,
        final Publisher publisher, final EdgeIngest ingest, final int drones, final double rateHz, final int durationS)
        throws Exception
    {
        final int port = gateway.port();
        final Path dir = out.resolve(name);
        final Map<String, Object> result = new LinkedHashMap<>();
        try (HopRecorder hops = new HopRecorder(dir, HOPS))
        {
            final List<WebSocket> sockets = new ArrayList<>();
            final ProbeClient probe = new ProbeClient(hops);
            final HttpClient http = HttpClient.newHttpClient();
            final WebSocket.Builder builder = http.newWebSocketBuilder();
            if (binary)
            {
                builder.subprotocols("odyssey.bin.v1", "odyssey.v1");
            }
            sockets.add(builder.buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/fleet"), probe)
                .get(10, TimeUnit.SECONDS));
            final AtomicLong otherBytes = new AtomicLong();
            // The other clients run in a process of their own at the lowest CPU priority, so that on a small
            // machine they load the gateway without starving the gateway and the measured client.
            final Process others = clients > 1 ? startOtherClients(port, clients - 1, binary) : null;
            final long othersCpuBefore = others == null ? 0 : cpuNanosOf(others);
            final long acceptedBefore = ingest.acceptedCount();
            final long rejectedBefore = ingest.receivedCount() - ingest.acceptedCount() - ingest.heartbeatCount();
            final CpuSplit.Snapshot splitBefore = cpu.snapshot();
            final long cpuBefore = processCpuNanos();
            final long gatewayCpuBefore = gateway.threadCpuNanos();
            final long gatewaysCpuBefore = gatewaysCpuNanos();
            final long deliveredBefore = gateway.droneUpdatesDelivered();
            probe.startCounting();
            final Runnable sampler = archiveSampler;
            final long[] lastSequence = publisher.run(drones, rateHz, options.warmUpS() + durationS, options.warmUpS(),
                hops::startRecording, () ->
                {
                    hops.interval();
                    if (sampler != null)
                    {
                        sampler.run();
                    }
                });
            final long cpuAfter = processCpuNanos();
            final CpuSplit.Snapshot splitAfter = cpu.snapshot();
            final long gatewayCpu = gateway.threadCpuNanos() - gatewayCpuBefore;
            final long otherCpu = cpuAfter - cpuBefore - (gatewaysCpuNanos() - gatewaysCpuBefore);
            final long delivered = gateway.droneUpdatesDelivered() - deliveredBefore;
            final long probeDrones = probe.drones.get();
            final long probeBytes = probe.bytes.get();
            final double runSeconds = options.warmUpS() + durationS;
            result.put("alertMessagesPerSecond", Math.round(10.0 * probe.alertMessages.get() / runSeconds) / 10.0);
            result.put("alertEventsPerSecond", Math.round(10.0 * probe.alertEvents.get() / runSeconds) / 10.0);
            result.put("alertBytesPerSecond", Math.round(probe.alertBytes.get() / runSeconds));
            // Quiet period: every drone's last state must reach the client.
            Thread.sleep(2_000);
            hops.finish(dir);
            long notDelivered = 0;
            for (int d = 0; d < drones; d++)
            {
                final Long seen = probe.lastSeq.get((long)d + 1);
                if (seen == null || seen < lastSequence[d])
                {
                    notDelivered++;
                }
            }
            result.put("clients", clients);
            result.put("sent", publisher.sent());
            result.put("backPressured", publisher.backPressured());
            result.put("accepted", ingest.acceptedCount() - acceptedBefore);
            result.put("rejected", ingest.receivedCount() - ingest.acceptedCount() - ingest.heartbeatCount() - rejectedBefore);
            result.put("finalStateNotDelivered", notDelivered);
            result.put("cpuPercent", Math.round(100.0 * (cpuAfter - cpuBefore) /
                TimeUnit.SECONDS.toNanos(options.warmUpS() + durationS) / Runtime.getRuntime().availableProcessors() * 10) / 10.0);
            result.put("encoding", binary ? "binary" : "json");
            result.put("bytesPerDroneUpdate", probeDrones == 0 ? 0 : Math.round(10.0 * probeBytes / probeDrones) / 10.0);
            result.put("droneUpdatesDelivered", delivered);
            result.put("gatewayCpuNsPerUpdateDelivered", delivered == 0 ? 0 : gatewayCpu / delivered);
            final long accepted = ingest.acceptedCount() - acceptedBefore;
            result.put("gatewayCpuNsPerDroneUpdate", accepted == 0 ? 0 : gatewayCpu / accepted);
            result.put("restOfJvmCpuNsPerDroneUpdate", accepted == 0 ? 0 : otherCpu / accepted);
            putCpuSplit(result, CpuSplit.between(splitBefore, splitAfter), gatewayParts.get(gateway), accepted);
            result.put("heapUsedMb", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20);
            if (others != null)
            {
                // Their CPU is not the gateway's (remote browsers' would be their own), but on this machine it
                // competes with the pipeline for the same cores: reported so that a 100-client figure can be read.
                final long othersCpuAfter = cpuNanosOf(others);
                final long othersCpuNs = othersCpuBefore < 0 || othersCpuAfter < 0 ? -1 : othersCpuAfter - othersCpuBefore;
                result.put("otherClientsCpuMs", othersCpuNs < 0 ? -1 : othersCpuNs / 1_000_000);
                result.put("otherClientsCpuNsPerDroneUpdate", othersCpuNs < 0 || accepted == 0 ? -1 : othersCpuNs / accepted);
                others.getOutputStream().close();
                final String report = new String(others.getInputStream().readAllBytes());
                others.waitFor(10, TimeUnit.SECONDS);
                final int at = report.lastIndexOf("bytes ");
                otherBytes.set(at < 0 ? -1 : Long.parseLong(report.substring(at + 6).trim()));
            }
            result.put("otherClientsBytes", otherBytes.get());
            for (final WebSocket socket : sockets)
            {
                socket.abort();
            }
            scenarios.put(name, new LinkedHashMap<>(hops.totals()));
        }
        return result;
    }

    /**
     * The highest rate ingest takes without loss or delay: 10,000 drones at increasing rates, five seconds each;
     * a step passes when ingest accepted at least 99.9 % of what was offered and the decode hop's p99 stayed under
     * 100 ms. Stops at the first failing step.
     */
    private Map<String, Object> maxRate(final Publisher publisher, final EdgeIngest ingest) throws Exception
    {
        final Map<String, Object> result = new LinkedHashMap<>();
        final List<Map<String, Object>> steps = new ArrayList<>();
        double best = 0;
        final int[] rates = options.smoke() ? new int[]{5_000} : options.quick() ? new int[]{20_000, 50_000, 100_000} :
            new int[]{20_000, 50_000, 100_000, 150_000, 200_000};
        for (final int framesPerSecond : rates)
        {
            final long acceptedBefore = ingest.acceptedCount();
            final double[] worstP99Ms = {0};
            final int drones = options.smoke() ? 1_000 : 10_000;
            // The decode hop's p99 over each second, as ingest itself reports it on /metrics.
            final Runnable sample = () -> worstP99Ms[0] = Math.max(worstP99Ms[0], ingestDecodedP99Ms(ingest.statusPort()));
            publisher.run(drones, framesPerSecond / (double)drones, options.smoke() ? 3 : 6, 1, () -> { }, sample);
            Thread.sleep(1_500);
            final long accepted = ingest.acceptedCount() - acceptedBefore;
            final long offered = publisher.sent() + publisher.backPressured();
            final boolean pass = accepted >= offered * 0.999 && worstP99Ms[0] < 100;
            final Map<String, Object> step = new LinkedHashMap<>();
            step.put("framesPerSecond", framesPerSecond);
            step.put("offered", offered);
            step.put("accepted", accepted);
            step.put("backPressured", publisher.backPressured());
            step.put("worstSecondIngestDecodedP99Ms", Math.round(worstP99Ms[0] * 100) / 100.0);
            step.put("pass", pass);
            steps.add(step);
            log("  " + step);
            if (!pass)
            {
                break;
            }
            best = framesPerSecond;
        }
        result.put("steps", steps);
        result.put("highestSustainedFramesPerSecond", best);
        return result;
    }

    /**
     * The CPU split by part ({@link CpuSplit}): ns per drone update ingest accepted ({@code cpuNsPerDroneUpdate.<part>})
     * and share of the process's CPU, % ({@code cpuShare.<part>}). The measured gateway is {@code gateway}; the other,
     * with no client but listening to the fleet map all the same, {@code idleGateways}.
     */
    static void putCpuSplit(final Map<String, Object> result, final Map<String, Long> split, final String measuredGateway,
        final long accepted)
    {
        final Map<String, Long> parts = new LinkedHashMap<>();
        CPU_PARTS.forEach(part -> parts.put(part, 0L));
        split.forEach((part, ns) -> parts.merge(!part.startsWith("gateway:") ? part :
            part.equals(measuredGateway) ? "gateway" : "idleGateways", ns, Long::sum));
        final long total = parts.get(CpuSplit.TOTAL);
        parts.forEach((part, ns) ->
        {
            result.put("cpuNsPerDroneUpdate." + part, accepted == 0 ? 0 : ns / accepted);
            result.put("cpuShare." + part, total <= 0 ? 0 : Math.round(1000.0 * ns / total) / 10.0);
        });
        result.put(PIPELINE_CPU, accepted == 0 ? 0 : (parts.get("ingest") + parts.get("grid") + parts.get("gateway")) / accepted);
    }

    private long gatewaysCpuNanos()
    {
        return gateways.stream().mapToLong(Gateway::threadCpuNanos).sum();
    }

    /** CPU time of a process this harness started (its JVM's start included); -1 when the platform cannot say. */
    private static long cpuNanosOf(final Process process)
    {
        return process.toHandle().info().totalCpuDuration().map(Duration::toNanos).orElse(-1L);
    }

    private static Process startOtherClients(final int port, final int count, final boolean binary) throws Exception
    {
        final List<String> command = new ArrayList<>(List.of("nice", "-n", "19",
            Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m", "-cp",
            System.getProperty("java.class.path"), FanoutClients.class.getName(), String.valueOf(port), String.valueOf(count),
            binary ? "binary" : "json"));
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final java.io.BufferedReader lines = new java.io.BufferedReader(new java.io.InputStreamReader(process.getInputStream()));
        final String first = lines.readLine();
        if (first == null || !first.startsWith("connected"))
        {
            throw new IllegalStateException("the fan-out clients did not connect: " + first);
        }
        return process;
    }

    private static io.odyssey.archiver.Archiver startArchiver(final Path journal, final int base) throws Exception
    {
        final io.odyssey.archiver.ArchiverConfig config = new io.odyssey.archiver.ArchiverConfig();
        config.name = "bench";
        config.journalDir = journal.toString();
        config.dbUrl = "";
        config.embeddedDbDir = Files.createTempDirectory("odyssey-bench-pg-").toString();
        config.embeddedDbPort = base + 60;
        config.statusPort = 0;
        return io.odyssey.archiver.Archiver.launch(config);
    }

    /** The last second's p99 of ingest_decoded from ingest's /metrics, in ms; 0 when it cannot be read. */
    private static double ingestDecodedP99Ms(final int statusPort)
    {
        return hopP99Ms(statusPort, "ingest_decoded");
    }

    /** The last second's p99 of a latency hop from a process's /metrics, in ms; 0 when it cannot be read. */
    private static double hopP99Ms(final int statusPort, final String hop)
    {
        try
        {
            final String body = HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + statusPort + "/metrics")).timeout(Duration.ofSeconds(2)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            for (final io.odyssey.cli.PrometheusText.Sample sample : io.odyssey.cli.PrometheusText.parse(body))
            {
                if ("odyssey_hop_latency_seconds".equals(sample.name()) && hop.equals(sample.labels().get("hop")) &&
                    "0.99".equals(sample.labels().get("quantile")))
                {
                    return sample.value() * 1000;
                }
            }
        }
        catch (final Exception ignore)
        {
            // not readable this second
        }
        return 0;
    }

    private static long processCpuNanos()
    {
        return io.odyssey.runtime.ProcessCpu.nanos();
    }

    static void log(final String line)
    {
        System.out.println("[bench] " + line);
    }

    /** One frame of a paced run. */
    interface PacedSend
    {
        /** Sends frame {@code k} (0, 1, ...), due at {@code dueEpochNanos}. @return whether it went out. */
        boolean send(long k, long dueEpochNanos);
    }

    /**
     * Paces a run: frame k is due at start + k / {@code perSecond}, sent as soon as it is due (parked until shortly
     * before, then spun). The due time is the frame's send stamp, so a sender that falls behind shows as latency
     * (coordinated omission corrected). {@code measuring} runs once after {@code warmUpS}, {@code everySecond} once a
     * second after it.
     */
    static void pace(final double perSecond, final int seconds, final int warmUpS, final Runnable measuring,
        final Runnable everySecond, final PacedSend frame)
    {
        final long intervalNs = (long)(1e9 / perSecond);
        final long total = (long)(perSecond * seconds);
        final long startNanoTime = System.nanoTime();
        final long startEpoch = CLOCK.nanoTime();
        long nextSecond = startNanoTime + TimeUnit.SECONDS.toNanos(1);
        boolean warm = warmUpS == 0;
        if (warm)
        {
            measuring.run();
        }
        for (long k = 0; k < total; k++)
        {
            final long dueOffset = k * intervalNs;
            long now;
            while ((now = System.nanoTime()) - startNanoTime < dueOffset)
            {
                final long wait = dueOffset - (now - startNanoTime);
                if (wait > 200_000)
                {
                    LockSupport.parkNanos(wait - 100_000);
                }
                else
                {
                    Thread.onSpinWait();
                }
            }
            if (now >= nextSecond)
            {
                nextSecond += TimeUnit.SECONDS.toNanos(1);
                if (!warm && now - startNanoTime >= TimeUnit.SECONDS.toNanos(warmUpS))
                {
                    warm = true;
                    measuring.run();
                }
                else if (warm)
                {
                    everySecond.run();
                }
            }
            frame.send(k, startEpoch + dueOffset);
        }
    }

    /**
     * Paced SBE telemetry over Aeron: frame k is due at start + k / rate, and carries that due time as its send stamp.
     * <p>
     * Where the drones are: each at its home in the simulator's default layout ({@link SimulatorConfig}'s seed, centre
     * and 3 km radius, as {@code ./odyssey up} flies them), creeping east a few centimetres a frame. Until 2026-12-06
     * they stood in a line 1.1 m apart, so each was within the 30 m separation of ~50 others and ingest's separation
     * monitor cost what no real fleet costs (docs/performance.md, "The CPU of a drone update, per role").
     */
    static final class Publisher
    {
        private final ExclusivePublication publication;
        private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
        private final TelemetryFrameWriter writer;
        private final long[] sequences;
        private final double[] homeLat;
        private final double[] homeLon;
        private long sent;
        private long backPressured;

        /** @param layoutDrones drones placed as the simulator would; beyond them the layout repeats. */
        Publisher(final ExclusivePublication publication, final int maxDrones,
            final io.odyssey.codecs.sign.FrameSigner signer, final int layoutDrones)
        {
            this.publication = publication;
            this.writer = new TelemetryFrameWriter().signWith(signer);
            this.sequences = new long[maxDrones];
            final SimulatorConfig defaults = new SimulatorConfig();
            final io.odyssey.simulator.DroneFleet layout = new io.odyssey.simulator.DroneFleet(layoutDrones, 1,
                defaults.seed, defaults.centerLat, defaults.centerLon, defaults.radiusM, defaults.cruiseSpeedMps);
            this.homeLat = new double[layoutDrones];
            this.homeLon = new double[layoutDrones];
            for (int i = 0; i < layoutDrones; i++)
            {
                homeLat[i] = layout.homeLatitude(i);
                homeLon[i] = layout.homeLongitude(i);
            }
        }

        /** @return the last sequence sent per drone. */
        long[] run(final int drones, final double rateHz, final int seconds, final int warmUpS, final Runnable measuring,
            final Runnable everySecond)
        {
            sent = 0;
            backPressured = 0;
            pace(drones * rateHz, seconds, warmUpS, measuring, everySecond, (k, dueEpochNanos) ->
            {
                final int drone = (int)(k % drones);
                final long sequence = ++sequences[drone];
                final int length = writer.telemetry(buffer, 0, drone + 1, sequence, dueEpochNanos,
                    homeLat[drone % homeLat.length], homeLon[drone % homeLon.length] + (sequence % 1000) * 1e-6, 100f,
                    90f, 12f, 80f, DroneStatus.CRUISING,
                    (byte)0, 0f);
                if (publication.offer(buffer, 0, length) > 0)
                {
                    sent++;
                    return true;
                }
                backPressured++;
                return false;
            });
            return sequences.clone();
        }

        long sent()
        {
            return sent;
        }

        long backPressured()
        {
            return backPressured;
        }
    }

    /**
     * The measuring client: parses every drone of every message (JSON, or binary {@code odyssey.bin.v1} records) and
     * records its hops; counts the drones and bytes of the fleet frames it got once counting started. With MAVLink
     * vehicles it records theirs only ({@link #MAVLINK_HOPS}, from each position's vehicle send: JSON), and keeps each
     * one's last position's slot in {@link #lastSlot}.
     */
    static final class ProbeClient implements WebSocket.Listener
    {
        private final HopRecorder hops;
        private final MavlinkVehicles vehicles;
        private final StringBuilder partial = new StringBuilder();
        private ByteBuffer partialBinary = ByteBuffer.allocate(1 << 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        private volatile boolean counting;
        final Map<Long, Long> lastSeq = new ConcurrentHashMap<>();
        final Map<Long, Integer> lastSlot = new ConcurrentHashMap<>();
        final AtomicLong drones = new AtomicLong();
        final AtomicLong bytes = new AtomicLong();
        /** Alert messages ({@code alert}, {@code alerts}, {@code alertEvents}) received once counting started, their bytes and events. */
        final AtomicLong alertMessages = new AtomicLong();
        final AtomicLong alertBytes = new AtomicLong();
        final AtomicLong alertEvents = new AtomicLong();

        ProbeClient(final HopRecorder hops)
        {
            this(hops, null);
        }

        ProbeClient(final HopRecorder hops, final MavlinkVehicles vehicles)
        {
            this.hops = hops;
            this.vehicles = vehicles;
        }

        void startCounting()
        {
            drones.set(0);
            bytes.set(0);
            alertMessages.set(0);
            alertBytes.set(0);
            alertEvents.set(0);
            counting = true;
        }

        public CompletionStage<?> onText(final WebSocket socket, final CharSequence data, final boolean last)
        {
            final long receivedAt = CLOCK.nanoTime();
            partial.append(data);
            if (last)
            {
                final String text = partial.toString();
                final int count = parse(text, receivedAt);
                if (counting && count > 0)
                {
                    drones.addAndGet(count);
                    // The fleet frames' text is ASCII (the gateway writes names and numbers only): a char is a byte.
                    bytes.addAndGet(text.length());
                }
                else if (counting && text.startsWith("{\"type\":\"alert"))
                {
                    // What alerts cost the client: messages, bytes (ASCII too) and raises and clears carried.
                    alertMessages.incrementAndGet();
                    alertBytes.addAndGet(text.length());
                    alertEvents.addAndGet(occurrences(text, "\"event\":"));
                }
                partial.setLength(0);
            }
            socket.request(1);
            return null;
        }

        public CompletionStage<?> onBinary(final WebSocket socket, final ByteBuffer data, final boolean last)
        {
            final long receivedAt = CLOCK.nanoTime();
            if (partialBinary.remaining() < data.remaining())
            {
                final ByteBuffer grown = ByteBuffer.allocate(Math.max(partialBinary.capacity() * 2,
                    partialBinary.position() + data.remaining())).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                partialBinary.flip();
                grown.put(partialBinary);
                partialBinary = grown;
            }
            partialBinary.put(data);
            if (last)
            {
                final int length = partialBinary.position();
                final int count = parseBinary(partialBinary, receivedAt);
                if (counting)
                {
                    drones.addAndGet(count);
                    bytes.addAndGet(length);
                }
                partialBinary.clear();
            }
            socket.request(1);
            return null;
        }

        private static int occurrences(final String text, final String token)
        {
            int count = 0;
            for (int at = text.indexOf(token); at >= 0; at = text.indexOf(token, at + token.length()))
            {
                count++;
            }
            return count;
        }

        /** Reads the records of one binary frame in place (header and record lengths as the frame says). */
        private int parseBinary(final ByteBuffer frame, final long receivedAt)
        {
            final int headerLength = frame.getShort(4) & 0xFFFF;
            final int recordLength = frame.getShort(6) & 0xFFFF;
            final int count = frame.getInt(12);
            int at = headerLength + ((frame.get(3) & 1) != 0 ? 32 : 0);
            for (int i = 0; i < count; i++, at += recordLength)
            {
                final long sent = frame.getLong(at + 16);
                final long ingest = sent + frame.getInt(at + 36) * 1_000L;
                final long grid = ingest + frame.getInt(at + 40) * 1_000L;
                final long gateway = grid + frame.getInt(at + 44) * 1_000L;
                hops.record("ingest_decoded", ingest - sent);
                hops.record("grid_written", grid - sent);
                hops.record("gateway_received", gateway - sent);
                hops.record("client_received", receivedAt - sent);
                hops.record("coalescing", receivedAt - gateway);
                lastSeq.merge(frame.getLong(at), frame.getLong(at + 8), Math::max);
            }
            return count;
        }

        /** A MAVLink vehicle's position: every hop from the vehicle's scheduled send, which its longitude tells. */
        private void recordVehicle(final long id, final double lon, final long edgeReceived, final long ingest,
            final long grid, final long gateway, final long receivedAt)
        {
            final long vehicleSent = vehicles.sentAt(id, lon);
            if (vehicleSent != 0)
            {
                hops.record("edge_received", edgeReceived - vehicleSent);
                hops.record("ingest_decoded", ingest - vehicleSent);
                hops.record("grid_written", grid - vehicleSent);
                hops.record("gateway_received", gateway - vehicleSent);
                hops.record("client_received", receivedAt - vehicleSent);
                hops.record("edge_to_client", receivedAt - edgeReceived);
            }
            lastSlot.put(id, MavlinkVehicles.slot(lon));
        }

        /** @return the drones the message carried. */
        private int parse(final String text, final long receivedAt)
        {
            int count = 0;
            try (JsonParser parser = JSON.createParser(text))
            {
                long id = 0;
                long seq = 0;
                double lon = 0;
                long sent = 0;
                long ingest = 0;
                long grid = 0;
                long gateway = 0;
                int depth = 0;
                boolean inDrones = false;
                for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken())
                {
                    if (token == JsonToken.FIELD_NAME && depth == 1 && "drones".equals(parser.currentName()))
                    {
                        inDrones = true;
                    }
                    else if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY)
                    {
                        depth++;
                    }
                    else if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY)
                    {
                        depth--;
                        if (inDrones && token == JsonToken.END_OBJECT && depth == 2 && sent != 0)
                        {
                            if (vehicles == null)
                            {
                                hops.record("ingest_decoded", ingest - sent);
                                hops.record("grid_written", grid - sent);
                                hops.record("gateway_received", gateway - sent);
                                hops.record("client_received", receivedAt - sent);
                                hops.record("coalescing", receivedAt - gateway);
                            }
                            else if (vehicles.owns(id))
                            {
                                recordVehicle(id, lon, sent, ingest, grid, gateway, receivedAt);
                            }
                            lastSeq.merge(id, seq, Math::max);
                            sent = 0;
                            count++;
                        }
                    }
                    else if (inDrones && depth == 3 && token.isScalarValue())
                    {
                        switch (parser.currentName())
                        {
                            case "id" -> id = parser.getLongValue();
                            case "seq" -> seq = parser.getLongValue();
                            case "lon" -> lon = parser.getDoubleValue();
                            case "sentAtNs" -> sent = Long.parseLong(parser.getText());
                            case "ingestNs" -> ingest = Long.parseLong(parser.getText());
                            case "gridNs" -> grid = Long.parseLong(parser.getText());
                            case "gatewayNs" -> gateway = Long.parseLong(parser.getText());
                            default ->
                            {
                            }
                        }
                    }
                }
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException("the gateway sent invalid JSON", ex);
            }
            return count;
        }
    }
}
