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
        final Map<String, Map<String, Histogram>> scenarios = new LinkedHashMap<>();
        scenarios.put("baseline", Map.of("udp_echo_one_way", histogram(10_000, 20_000), "aeron_echo_one_way", histogram(50_000, 80_000)));
        for (final String name : List.of("e2e-coalesce-0", "e2e-coalesce-16", "fanout-1", "fanout-3"))
        {
            final Map<String, Histogram> hops = new LinkedHashMap<>();
            for (final String hop : LoadHarness.HOPS)
            {
                hops.put(hop, histogram(1_000_000, 3_000_000));
            }
            scenarios.put(name, hops);
        }
        final Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("max-rate", Map.of("highestSustainedFramesPerSecond", 5_000.0));

        Summary.write(out, new LoadHarness.Options(20, 10, 3, 1, true, out, 1, false, true), scenarios, facts);

        assertThat(Files.readString(out.resolve("summary.md"))).startsWith("# Smoke run: the harness works")
            .contains("| fan-out to 3 clients: p99 added vs 1 client (ms) | 0 | <= 10 | yes |");
        assertThat(Files.readString(out.resolve("summary.json"))).contains("\"smoke\" : true");
    }

    @Test
    void shouldReportARunOfSomeScenariosOnlyWithTheGoalsItHasFiguresFor() throws Exception
    {
        final Map<String, Map<String, Histogram>> scenarios = new LinkedHashMap<>();
        scenarios.put("baseline", Map.of("udp_echo_one_way", histogram(10_000, 20_000), "aeron_echo_one_way", histogram(50_000, 80_000)));
        final Map<String, Object> facts = new LinkedHashMap<>();
        for (final String name : List.of("fanout-1", "fanout-1-binary"))
        {
            final Map<String, Histogram> hops = new LinkedHashMap<>();
            for (final String hop : LoadHarness.HOPS)
            {
                hops.put(hop, histogram(1_000_000, 3_000_000));
            }
            scenarios.put(name, hops);
            facts.put(name, Map.of("bytesPerDroneUpdate", name.endsWith("binary") ? 60.0 : 290.0,
                "gatewayCpuNsPerUpdateDelivered", name.endsWith("binary") ? 2_000.0 : 9_000.0));
        }

        Summary.write(out, new LoadHarness.Options(1_000, 10, 8, 2, true, out, 1, false, false, 1,
            java.util.regex.Pattern.compile("fanout-1(-binary)?")), scenarios, facts, Map.of());

        assertThat(Files.readString(out.resolve("summary.md")))
            .contains("| gateway CPU per delivered update, binary / JSON (1 client) | 0.222 | <= 0.33 | yes |")
            .doesNotContain("end to end p50", "highest sustained ingest rate", "fan-out to 100");
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
