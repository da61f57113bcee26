package io.odyssey.bench;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The harness's report from known histograms: the tables, the goals judged right, a readable plot and JSON. */
class SummaryTest
{
    @TempDir
    Path out;

    @Test
    void shouldReportPercentilesGoalsAndAPlot() throws Exception
    {
        final Map<String, Map<String, Histogram>> scenarios = new LinkedHashMap<>();
        scenarios.put("baseline", Map.of("udp_echo_one_way", histogram(10_000, 20_000), "aeron_echo_one_way", histogram(50_000, 80_000)));
        for (final String name : List.of("e2e-coalesce-0", "e2e-coalesce-16", "fanout-1", "fanout-10", "fanout-100"))
        {
            final Map<String, Histogram> hops = new LinkedHashMap<>();
            for (final String hop : LoadHarness.HOPS)
            {
                hops.put(hop, histogram(1_000_000, name.equals("fanout-100") ? 40_000_000 : 3_000_000));
            }
            scenarios.put(name, hops);
        }
        final Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("max-rate", Map.of("highestSustainedFramesPerSecond", 150_000.0));

        Summary.write(out, new LoadHarness.Options(1_000, 10, 20, 5, false, out, 1, false, false), scenarios, facts);

        final String md = Files.readString(out.resolve("summary.md"));
        assertThat(md).contains("| e2e-coalesce-0 | client_received | 2.00 |", "| highest sustained ingest rate (frames/s) | 150000 | >= 100000 | yes |",
            "| fan-out to 100 clients: p99 added vs 1 client (ms) |", "**no**");
        assertThat(Files.readString(out.resolve("summary.json"))).contains("\"latencyMs\"", "\"goals\"", "\"met\" : true");
        final String svg = Files.readString(out.resolve("latency.svg"));
        assertThat(svg).startsWith("<svg").contains("client_received", "aeron_echo_one_way (baseline)", "99.9%");
        assertThat(svg.split("<polyline", -1).length - 1).isEqualTo(LoadHarness.HOPS.length + 2);
    }

    @Test
    void shouldReportASmokeRunWithItsFewerFanOutClientsAndSayItsFiguresMeanNothing() throws Exception
    {
        final Map<String, Map<String, Histogram>> scenarios =
            sbeScenarios("e2e-coalesce-0", "e2e-coalesce-16", "fanout-1", "fanout-3");
        final Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("max-rate", Map.of("highestSustainedFramesPerSecond", 5_000.0));

        Summary.write(out, new LoadHarness.Options(20, 10, 3, 1, true, out, 1, false, true), scenarios, facts);

        assertThat(Files.readString(out.resolve("summary.md"))).startsWith("# Smoke run: the harness works")
            .contains("| fan-out to 3 clients: p99 added vs 1 client (ms) | 0 | <= 10 | yes |");
        assertThat(Files.readString(out.resolve("summary.json"))).contains("\"smoke\" : true");
    }

    @Test
    void shouldReportTheMavlinkPathBesideTheSbePathOfTheSameRunWithRatios() throws Exception
    {
        final Map<String, Map<String, Histogram>> scenarios =
            sbeScenarios("e2e-coalesce-0", "e2e-coalesce-16", "fanout-1", "fanout-10", "fanout-100");
        scenarios.put("mavlink", mavlinkHops());
        scenarios.put("command-round-trip", Map.of("issued_to_accepted", histogram(4_000_000, 6_000_000),
            "issued_to_completed", histogram(100_000_000, 110_000_000)));
        scenarios.put("mavlink-command-round-trip", Map.of("issued_to_accepted", histogram(8_000_000, 12_000_000),
            "issued_to_completed", histogram(100_000_000, 110_000_000)));
        final Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("max-rate", Map.of("highestSustainedFramesPerSecond", 150_000.0));

        Summary.write(out, new LoadHarness.Options(1_000, 10, 20, 5, false, out, 1, false, false), scenarios, facts);

        final String md = Files.readString(out.resolve("summary.md"));
        assertThat(md).contains("## MAVLink beside SBE",
            "| vehicle send → client received | p50 | 4.00 | 2.00 | 2",
            "| order issued → accepted in the ledger | p50 | 10.00 | 5.00 | 2",
            "| mavlink | edge_received | 0.100 |",
            "| end to end p50, coalescing off (ms) |");
        assertThat(Files.readString(out.resolve("summary.json"))).contains("\"mavlinkBesideSbe\"");
        assertThat(Files.readString(out.resolve("latency.svg"))).contains("MAVLink client_received", "MAVLink edge_received");
    }

    @Test
    void shouldReportAMavlinkOnlyRunWithoutTheSbeScenariosGoals() throws Exception
    {
        final Map<String, Map<String, Histogram>> scenarios = sbeScenarios();
        scenarios.put("mavlink", mavlinkHops());

        Summary.write(out, new LoadHarness.Options(1_000, 10, 20, 5, false, out, 1, false, false, 1, true, null), scenarios,
            new LinkedHashMap<>());

        final String md = Files.readString(out.resolve("summary.md"));
        assertThat(md).contains("| vehicle send → client received | p50 | 4.00 | - | - |").doesNotContain("## Against the baselines");
        assertThat(Files.readString(out.resolve("summary.json"))).contains("\"mavlinkOnly\" : true");
    }

    @Test
    void shouldReportARunOfSomeScenariosOnlyWithTheGoalsItHasFiguresFor() throws Exception
    {
        final Map<String, Map<String, Histogram>> scenarios = sbeScenarios("fanout-1", "fanout-1-binary");
        final Map<String, Object> facts = new LinkedHashMap<>();
        for (final String name : List.of("fanout-1", "fanout-1-binary"))
        {
            facts.put(name, Map.of("bytesPerDroneUpdate", name.endsWith("binary") ? 60.0 : 290.0,
                "gatewayCpuNsPerUpdateDelivered", name.endsWith("binary") ? 2_000.0 : 9_000.0));
        }

        Summary.write(out, new LoadHarness.Options(1_000, 10, 8, 2, true, out, 1, false, false, 1, false,
            java.util.regex.Pattern.compile("fanout-1(-binary)?")), scenarios, facts);

        assertThat(Files.readString(out.resolve("summary.md")))
            .contains("| gateway CPU per delivered update, binary / JSON (1 client) | 0.222 | <= 0.33 | yes |")
            .doesNotContain("end to end p50", "highest sustained ingest rate", "fan-out to 100");
    }

    @Test
    void shouldSplitWhatADroneUpdateCostsPerRoleAndJudgeThePipelinesShareAgainstTheGoal() throws Exception
    {
        final Map<String, Map<String, Histogram>> scenarios = sbeScenarios("fanout-1", "fanout-1-binary");
        final Map<String, Object> facts = new LinkedHashMap<>();
        for (final String name : List.of("fanout-1", "fanout-1-binary"))
        {
            final Map<String, Object> result = new LinkedHashMap<>(Map.of("bytesPerDroneUpdate", 60.0,
                "gatewayCpuNsPerUpdateDelivered", 8_000.0));
            // 1,000 updates: the measured gateway (coalescing 16 ms) 8 ms, the idle one 2 ms, ingest 20 ms, grid 30 ms...
            final long ingest = name.endsWith("binary") ? 10_000_000 : 20_000_000;
            final Map<String, Long> split = new LinkedHashMap<>(Map.of("sender", 15_000_000L, "ingest", ingest,
                "grid", 30_000_000L, "gateway:16", 8_000_000L, "gateway:0", 2_000_000L, "client", 10_000_000L,
                "gc", 5_000_000L, "jit", 4_000_000L, "other", 1_000_000L));
            final long attributed = split.values().stream().mapToLong(Long::longValue).sum();
            split.put(CpuSplit.UNATTRIBUTED, 5_000_000L);
            split.put(CpuSplit.TOTAL, attributed + 5_000_000L);
            LoadHarness.putCpuSplit(result, split, "gateway:16", 1_000);
            facts.put(name, result);
        }

        Summary.write(out, new LoadHarness.Options(1_000, 10, 8, 2, true, out, 1, false, false, 1, false,
            java.util.regex.Pattern.compile("fanout-1(-binary)?")), scenarios, facts);

        final String md = Files.readString(out.resolve("summary.md"));
        assertThat(md).contains("| sender (simulated drones) | ingest | grid member | gateway | idle gateway | measured client |" +
                " GC | JIT | other threads | unattributed | process | ingest + grid + gateway |",
            // 100 ms in all: each part's ns per update and share of the process.
            "| 15000 (15 %) | 20000 (20 %) | 30000 (30 %) | 8000 (8 %) | 2000 (2 %) | 10000 (10 %) | 5000 (5 %) | " +
                "4000 (4 %) | 1000 (1 %) | 5000 (5 %) | 100000 (100 %) | **58000** |",
            "| CPU per drone update, ingest + grid + gateway, fanout-1 (ns) | 58000 | <= 25000 | **no** |",
            "| CPU per drone update, ingest + grid + gateway, fanout-1-binary (ns) | 48000 | <= 25000 | **no** |");
        assertThat(Files.readString(out.resolve("summary.json")))
            .contains("\"cpuNsPerDroneUpdate.idleGateways\" : 2000", "\"cpuShare.grid\" : 30.0");
    }

    /** The baselines and the named SBE scenarios, each hop 1 to 3 ms. */
    private static Map<String, Map<String, Histogram>> sbeScenarios(final String... names)
    {
        final Map<String, Map<String, Histogram>> scenarios = new LinkedHashMap<>();
        scenarios.put("baseline", Map.of("udp_echo_one_way", histogram(10_000, 20_000), "aeron_echo_one_way", histogram(50_000, 80_000)));
        for (final String name : names)
        {
            final Map<String, Histogram> hops = new LinkedHashMap<>();
            for (final String hop : LoadHarness.HOPS)
            {
                hops.put(hop, histogram(1_000_000, 3_000_000));
            }
            scenarios.put(name, hops);
        }
        return scenarios;
    }

    /** MAVLink hops: 0.1 ms to the edge, 4 ms to the client at the median. */
    private static Map<String, Histogram> mavlinkHops()
    {
        final Map<String, Histogram> hops = new LinkedHashMap<>();
        for (final String hop : LoadHarness.MAVLINK_HOPS)
        {
            hops.put(hop, hop.equals("edge_received") ? histogram(0, 200_000) : histogram(2_000_000, 6_000_000));
        }
        return hops;
    }

    /** Values spread evenly between low and high nanoseconds. */
    private static Histogram histogram(final long low, final long high)
    {
        final Histogram h = new Histogram(3);
        for (int i = 0; i < 1_000; i++)
        {
            h.recordValue(low + (high - low) * i / 999);
        }
        return h;
    }
}
