package io.odyssey.bench;

import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** The harness's report: a markdown table, the same as JSON, and a plot of latency by percentile per hop (SVG). */
final class Summary
{
    private static final double[] PERCENTILES = {50, 90, 99, 99.9, 100};
    private static final String[] COLOURS = {"#2563eb", "#16a34a", "#d97706", "#dc2626", "#7c3aed", "#0891b2", "#64748b"};

    private Summary()
    {
    }

    static void write(final Path out, final LoadHarness.Options options, final Map<String, Map<String, Histogram>> scenarios,
        final Map<String, Object> facts) throws IOException
    {
        write(out, options, scenarios, facts, Map.of());
    }

    /**
     * @param repeats each run's histograms of the scenarios run more than once ({@code --repeat}); their rows in the
     *                main table are all runs together, and a table of each percentile's median and spread follows.
     */
    static void write(final Path out, final LoadHarness.Options options, final Map<String, Map<String, Histogram>> scenarios,
        final Map<String, Object> facts, final Map<String, java.util.List<Map<String, Histogram>>> repeats) throws IOException
    {
        final StringBuilder md = new StringBuilder();
        final Map<String, Object> json = new LinkedHashMap<>();
        json.put("options", Map.of("drones", options.drones(), "rateHz", options.rateHz(), "durationS", options.durationS(),
            "warmUpS", options.warmUpS(), "clients", options.clients(), "archiver", options.archiver(), "smoke", options.smoke(),
            "mavlinkOnly", options.mavlinkOnly()));
        md.append(options.smoke() ? "# Smoke run: the harness works; these figures mean nothing\n\n" : "")
            .append("# End-to-end latency — ").append(options.drones()).append(" drones x ")
            .append(fmt(options.rateHz())).append(" Hz, ").append(options.durationS()).append(" s measured after ")
            .append(options.warmUpS()).append(" s warm-up, ").append(options.clients()).append(" client(s)")
            .append(options.archiver() ? ", with the archiver" : "").append("\n\n");
        md.append("Latency from the drone's scheduled send time (coordinated omission corrected) to each hop, ms. ")
            .append("MAVLink vehicles: from the vehicle's scheduled send, kept by the harness (MAVLink carries no send ")
            .append("time the edge trusts); `edge_received` is the edge's receive stamp, `edge_to_client` the part ")
            .append("after it.\n\n");
        md.append("| scenario | hop | p50 | p90 | p99 | p99.9 | max | count |\n|---|---|---|---|---|---|---|---|\n");
        final Map<String, Object> latencies = new LinkedHashMap<>();
        for (final Map.Entry<String, Map<String, Histogram>> scenario : scenarios.entrySet())
        {
            final Map<String, Object> hops = new LinkedHashMap<>();
            for (final Map.Entry<String, Histogram> hop : scenario.getValue().entrySet())
            {
                final Histogram h = hop.getValue();
                final Map<String, Object> row = new LinkedHashMap<>();
                md.append("| ").append(scenario.getKey()).append(" | ").append(hop.getKey());
                for (final double p : PERCENTILES)
                {
                    final double ms = ms(h, p);
                    md.append(" | ").append(fmt(ms));
                    row.put(p == 100 ? "max" : "p" + fmt(p), ms);
                }
                md.append(" | ").append(h.getTotalCount()).append(" |\n");
                row.put("count", h.getTotalCount());
                hops.put(hop.getKey(), row);
            }
            latencies.put(scenario.getKey(), hops);
        }
        json.put("latencyMs", latencies);
        json.put("runs", facts);
        if (!repeats.isEmpty())
        {
            json.put("repeatedMs", repeatTable(md, repeats));
        }

        // Ratios to the same-run baselines, and the goals of the latency issue: those of the SBE scenarios run (none in a
        // MAVLink-only run; some in a run of --only some).
        if (scenarios.keySet().stream().anyMatch(name -> name.startsWith("e2e-") || name.startsWith("fanout-")))
        {
            json.put("goals", goals(md, options, scenarios, facts));
        }
        if (scenarios.containsKey("mavlink"))
        {
            json.put("mavlinkBesideSbe", mavlinkBesideSbe(md, scenarios));
        }
        md.append("\n## Cost of a drone update\n\n| scenario | bytes per drone update (measured client) | gateway CPU ns per ")
            .append("update delivered | gateway CPU ns per drone update | rest of the JVM CPU ns per drone update |");
        for (final String part : LoadHarness.CPU_PARTS)
        {
            md.append(' ').append(CPU_PART_TITLES.getOrDefault(part, part)).append(" |");
        }
        md.append(" ingest + grid + gateway |\n|---|---|---|---|---|").append("---|".repeat(LoadHarness.CPU_PARTS.size() + 1))
            .append('\n');
        facts.forEach((name, value) ->
        {
            if (value instanceof Map<?, ?> result && result.containsKey("bytesPerDroneUpdate"))
            {
                md.append("| ").append(name).append(" | ").append(fmt(number(facts, name, "bytesPerDroneUpdate")))
                    .append(" | ").append(fmt(number(facts, name, "gatewayCpuNsPerUpdateDelivered")))
                    .append(" | ").append(fmt(number(facts, name, "gatewayCpuNsPerDroneUpdate")))
                    .append(" | ").append(fmt(number(facts, name, "restOfJvmCpuNsPerDroneUpdate"))).append(" |");
                for (final String part : LoadHarness.CPU_PARTS)
                {
                    md.append(' ').append(fmt(number(facts, name, "cpuNsPerDroneUpdate." + part))).append(" (")
                        .append(fmt(number(facts, name, "cpuShare." + part))).append(" %) |");
                }
                md.append(" **").append(fmt(number(facts, name, LoadHarness.PIPELINE_CPU))).append("** |\n");
            }
        });
        md.append("""

            Gateway CPU: its own threads by name (fan-out, HTTP server, grid client), over the drone states it put in \
            frames for all its clients, or over the drone updates ingest accepted; the rest of the JVM: the process less \
            the gateway. The other clients run in a process of their own and are in none of these figures.

            The split (ns per drone update ingest accepted, and share of the process's CPU): each role was started on a \
            thread of a thread group of its own, and a thread counts for the role whose group it is in (threads join the \
            group of the thread that creates them, so a role's Hazelcast, Aeron, Undertow and Chronicle threads are its \
            own); `main` is the sender, `HttpClient-…` threads the measured client; GC (`GC Thread#…`, `G1 …`, \
            `VM Thread`) and JIT (`C1/C2 CompilerThread…`) from `/proc/self/task/*/schedstat`; other: the JDK's own \
            threads and its common fork-join pool; unattributed: the process's CPU that no live thread accounts for \
            (threads that ended, clock resolution). Idle gateway: a gateway with no client but listening to the fleet map \
            all the same (none since the harness runs one gateway at a time). A repeated scenario shows each figure's median over the runs, \
            so its parts need not add up exactly.
            """);

        md.append("\n## Runs\n\n");
        facts.forEach((name, value) -> md.append("- **").append(name).append("**: ").append(value).append('\n'));
        md.append("\nFiles: per scenario a directory with `<hop>.hlog` (HdrHistogram interval logs, one interval a second, ")
            .append("readable by HistogramLogProcessor) and `<hop>.hgrm` (percentile table, ms); `latency.svg`.\n");

        Files.writeString(out.resolve("summary.md"), md);
        Files.writeString(out.resolve("summary.json"),
            new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json) + "\n");
        Files.writeString(out.resolve("latency.svg"), plot(scenarios));
        System.out.print(md);
    }

    private static Map<String, Object> goals(final StringBuilder md, final LoadHarness.Options options,
        final Map<String, Map<String, Histogram>> scenarios, final Map<String, Object> facts)
    {
        final Histogram aeron = scenarios.get("baseline").get("aeron_echo_one_way");
        final Histogram udp = scenarios.get("baseline").get("udp_echo_one_way");
        final Map<String, Histogram> e2e = scenarios.get("e2e-coalesce-0");
        final Map<String, Histogram> coalesced = scenarios.get("e2e-coalesce-16");
        final Map<String, Object> goals = new LinkedHashMap<>();
        md.append("\n## Against the baselines and the goals\n\n| what | measured | goal | met |\n|---|---|---|---|\n");
        // A run of some scenarios only (--only) has no figure for the goals of the others.
        if (e2e != null)
        {
            goal(md, goals, "ingest hop p50 / bare Aeron echo p50", ms(e2e.get("ingest_decoded"), 50) / ms(aeron, 50), "< 2", v -> v < 2);
            goal(md, goals, "ingest hop p50 / plain UDP echo p50", ms(e2e.get("ingest_decoded"), 50) / ms(udp, 50), "(reference)", v -> true);
            goal(md, goals, "end to end p50, coalescing off (ms)", ms(e2e.get("client_received"), 50), "<= 5", v -> v <= 5);
            goal(md, goals, "end to end p99, coalescing off (ms)", ms(e2e.get("client_received"), 99), "<= 25", v -> v <= 25);
            goal(md, goals, "end to end p99.9, coalescing off (ms)", ms(e2e.get("client_received"), 99.9), "<= 100", v -> v <= 100);
            if (coalesced != null)
            {
                goal(md, goals, "added by 16 ms coalescing, p50 (ms)",
                    ms(coalesced.get("client_received"), 50) - ms(e2e.get("client_received"), 50), "<= 16", v -> v <= 16);
            }
        }
        final int[] fanouts = options.fanouts();
        final int most = fanouts[fanouts.length - 1];
        final Map<String, Histogram> mostJson = scenarios.get("fanout-" + most);
        final Map<String, Histogram> oneJson = scenarios.get("fanout-1");
        if (mostJson != null && oneJson != null)
        {
            goal(md, goals, "fan-out to " + most + " clients: p99 added vs 1 client (ms)",
                ms(mostJson.get("client_received"), 99) - ms(oneJson.get("client_received"), 99), "<= 10", v -> v <= 10);
        }
        if (facts.get("max-rate") instanceof Map<?, ?> max)
        {
            goal(md, goals, "highest sustained ingest rate (frames/s)",
                ((Number)max.get("highestSustainedFramesPerSecond")).doubleValue(), ">= 100000", v -> v >= 100_000);
        }
        // Issue 14: the same scenarios in both encodings, same run.
        final double jsonBytes = number(facts, "fanout-1", "bytesPerDroneUpdate");
        final double binaryBytes = number(facts, "fanout-1-binary", "bytesPerDroneUpdate");
        goal(md, goals, "bytes per drone update, binary / JSON (1 client)", binaryBytes / jsonBytes, "<= 0.25", v -> v <= 0.25);
        final double jsonCpu = number(facts, "fanout-1", "gatewayCpuNsPerUpdateDelivered");
        final double binaryCpu = number(facts, "fanout-1-binary", "gatewayCpuNsPerUpdateDelivered");
        goal(md, goals, "gateway CPU per delivered update, binary / JSON (1 client)", binaryCpu / jsonCpu, "<= 0.33",
            v -> v <= 1 / 3.0);
        // Issue 14: what the pipeline itself (not the harness's sender and client) costs per drone update, one client.
        for (final String oneClient : new String[]{"e2e-coalesce-0", "fanout-1", "fanout-1-binary"})
        {
            final double pipeline = number(facts, oneClient, LoadHarness.PIPELINE_CPU);
            if (!Double.isNaN(pipeline) && (!oneClient.startsWith("e2e") || options.clients() == 1))
            {
                goal(md, goals, "CPU per drone update, ingest + grid + gateway, " + oneClient + " (ns)", pipeline,
                    "<= 25000", v -> v <= 25_000);
            }
        }
        final Map<String, Histogram> mostBinary = scenarios.get("fanout-" + most + "-binary");
        final Map<String, Histogram> oneBinary = scenarios.get("fanout-1-binary");
        if (mostBinary != null && oneBinary != null)
        {
            goal(md, goals, "fan-out to " + most + " binary clients: p99 added vs 1 client (ms)",
                ms(mostBinary.get("client_received"), 99) - ms(oneBinary.get("client_received"), 99), "<= 25", v -> v <= 25);
        }
        return goals;
    }

    /**
     * The MAVLink path beside the SBE path of the same run: end to end from the vehicle's send and from the edge's
     * receive stamp against the SBE drones' end to end, and the command round trips through each.
     */
    private static Map<String, Object> mavlinkBesideSbe(final StringBuilder md,
        final Map<String, Map<String, Histogram>> scenarios)
    {
        final Map<String, Histogram> mavlink = scenarios.get("mavlink");
        final Map<String, Histogram> sbe = scenarios.getOrDefault("e2e-coalesce-0", Map.of());
        final Map<String, Histogram> sbeOrders = scenarios.getOrDefault("command-round-trip", Map.of());
        final Map<String, Histogram> mavlinkOrders = scenarios.getOrDefault("mavlink-command-round-trip", Map.of());
        final Map<String, Object> json = new LinkedHashMap<>();
        md.append("\n## MAVLink beside SBE (same run, coalescing off)\n\n")
            .append("| what | percentile | MAVLink | SBE | MAVLink / SBE |\n|---|---|---|---|---|\n");
        final Object[][] rows = {
            {"vehicle send → client received", mavlink.get("client_received"), sbe.get("client_received")},
            {"edge received → client received (the path after the edge)", mavlink.get("edge_to_client"),
                sbe.get("client_received")},
            {"vehicle send → edge received (UDP, the edge's verify and read)", mavlink.get("edge_received"), null},
            {"order issued → accepted in the ledger", mavlinkOrders.get("issued_to_accepted"),
                sbeOrders.get("issued_to_accepted")},
            {"order issued → completed in the ledger", mavlinkOrders.get("issued_to_completed"),
                sbeOrders.get("issued_to_completed")}};
        for (final Object[] row : rows)
        {
            for (final double p : new double[]{50, 99})
            {
                final double ours = ms((Histogram)row[1], p);
                final double theirs = ms((Histogram)row[2], p);
                md.append("| ").append(row[0]).append(" | p").append(fmt(p)).append(" | ").append(fmt(ours)).append(" | ")
                    .append(fmt(theirs)).append(" | ").append(fmt(ours / theirs)).append(" |\n");
                json.put(row[0] + " p" + fmt(p), Map.of("mavlinkMs", ours, "sbeMs", theirs));
            }
        }
        return json;
    }

    /** Column titles of the CPU split's parts. */
    private static final Map<String, String> CPU_PART_TITLES = Map.ofEntries(Map.entry("sender", "sender (simulated drones)"),
        Map.entry("ingest", "ingest"), Map.entry("grid", "grid member"), Map.entry("gateway", "gateway"),
        Map.entry("idleGateways", "idle gateway"), Map.entry("client", "measured client"), Map.entry("gc", "GC"),
        Map.entry("jit", "JIT"), Map.entry("other", "other threads"), Map.entry("unattributed", "unattributed"),
        Map.entry("total", "process"));

    /** A numeric fact of a run (the median over the runs of a repeated scenario); NaN when there is none. */
    private static double number(final Map<String, Object> facts, final String run, final String key)
    {
        return facts.get(run) instanceof Map<?, ?> result && result.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    /** Each percentile's median over the runs, with the lowest and highest run: how much a figure can be trusted. */
    private static Map<String, Object> repeatTable(
        final StringBuilder md, final Map<String, java.util.List<Map<String, Histogram>>> repeats)
    {
        final Map<String, Object> json = new LinkedHashMap<>();
        final int runs = repeats.values().iterator().next().size();
        md.append("\n## Median over ").append(runs).append(" runs (lowest–highest run), ms\n\n")
            .append("| scenario | hop | p50 | p90 | p99 | p99.9 | max |\n|---|---|---|---|---|---|---|\n");
        repeats.forEach((scenario, each) ->
        {
            final Map<String, Object> hops = new LinkedHashMap<>();
            for (final String hop : each.get(0).keySet())
            {
                md.append("| ").append(scenario).append(" | ").append(hop);
                final Map<String, Object> row = new LinkedHashMap<>();
                for (final double p : PERCENTILES)
                {
                    final double[] values = each.stream().mapToDouble(run -> ms(run.get(hop), p)).sorted().toArray();
                    final double median = values[values.length / 2];
                    md.append(" | ").append(fmt(median)).append(" (").append(fmt(values[0])).append("–")
                        .append(fmt(values[values.length - 1])).append(')');
                    row.put(p == 100 ? "max" : "p" + fmt(p), Map.of("median", median, "min", values[0],
                        "max", values[values.length - 1]));
                }
                md.append(" |\n");
                hops.put(hop, row);
            }
            json.put(scenario, hops);
        });
        return json;
    }

    private interface Check
    {
        boolean met(double value);
    }

    private static void goal(final StringBuilder md, final Map<String, Object> goals, final String what, final double value,
        final String target, final Check check)
    {
        final boolean met = check.met(value);
        md.append("| ").append(what).append(" | ").append(fmt(value)).append(" | ").append(target).append(" | ")
            .append(met ? "yes" : "**no**").append(" |\n");
        goals.put(what, Map.of("value", value, "goal", target, "met", met));
    }

    static double ms(final Histogram h, final double percentile)
    {
        if (h == null || h.getTotalCount() == 0)
        {
            return Double.NaN;
        }
        return (percentile == 100 ? h.getMaxValue() : h.getValueAtPercentile(percentile)) / 1e6;
    }

    static String fmt(final double v)
    {
        if (Double.isNaN(v))
        {
            return "-";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e12)
        {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, Math.abs(v) < 1 ? "%.3f" : "%.2f", v);
    }

    /**
     * Latency by percentile, log-log: x is the percentile on the usual "number of nines" scale (0, 90, 99, 99.9,
     * 99.99 %), y the latency in ms. One line per hop of the end-to-end run without coalescing, plus the baselines.
     */
    static String plot(final Map<String, Map<String, Histogram>> scenarios)
    {
        final Map<String, Histogram> lines = new LinkedHashMap<>();
        scenarios.getOrDefault("e2e-coalesce-0", Map.of()).forEach((hop, h) -> lines.put(hop, h));
        final Map<String, Histogram> mavlink = scenarios.getOrDefault("mavlink", Map.of());
        for (final String hop : new String[]{"edge_received", "client_received"})
        {
            if (mavlink.containsKey(hop))
            {
                lines.put("MAVLink " + hop, mavlink.get(hop));
            }
        }
        scenarios.getOrDefault("baseline", Map.of()).forEach((name, h) -> lines.put(name + " (baseline)", h));
        final int width = 940;
        final int height = 520;
        final int left = 70;
        final int right = 270;
        final int top = 40;
        final int bottom = 60;
        final double maxNines = 4;
        double minMs = Double.MAX_VALUE;
        double maxMs = 0;
        for (final Histogram h : lines.values())
        {
            if (h.getTotalCount() > 0)
            {
                minMs = Math.min(minMs, Math.max(h.getMinNonZeroValue() / 1e6, 0.001));
                maxMs = Math.max(maxMs, h.getMaxValue() / 1e6);
            }
        }
        final double logMin = Math.floor(Math.log10(Math.max(minMs, 0.001)));
        final double logMax = Math.ceil(Math.log10(Math.max(maxMs, 0.01)));
        final StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" " +
            "font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n", width, height));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\">Latency by percentile (drone send to " +
            "each hop; same-run baselines)</text>\n", left));
        final int plotW = width - left - right;
        final int plotH = height - top - bottom;
        for (int n = 0; n <= maxNines; n++)
        {
            final double x = left + plotW * n / maxNines;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e5e7eb\"/>" +
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n", x, top, x, top + plotH, x, top + plotH + 18,
                n == 0 ? "0%" : new String[]{"", "90%", "99%", "99.9%", "99.99%"}[n]));
        }
        for (double e = logMin; e <= logMax; e++)
        {
            final double y = top + plotH - plotH * (e - logMin) / Math.max(1, logMax - logMin);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e5e7eb\"/>" +
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s ms</text>\n", left, y, left + plotW, y, left - 6, y + 4,
                fmt(Math.pow(10, e))));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">percentile</text>\n",
            left + plotW / 2, height - 18));
        int index = 0;
        for (final Map.Entry<String, Histogram> line : lines.entrySet())
        {
            final Histogram h = line.getValue();
            if (h.getTotalCount() == 0)
            {
                continue;
            }
            final String colour = COLOURS[index % COLOURS.length];
            final StringBuilder points = new StringBuilder();
            for (int i = 0; i <= 200; i++)
            {
                final double nines = maxNines * i / 200.0;
                final double percentile = 100.0 * (1 - Math.pow(10, -nines));
                final double ms = Math.max(h.getValueAtPercentile(percentile) / 1e6, Math.pow(10, logMin));
                final double x = left + plotW * nines / maxNines;
                final double y = top + plotH - plotH * (Math.log10(ms) - logMin) / Math.max(1, logMax - logMin);
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            svg.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"2\"")
                .append(line.getKey().contains("baseline") ? " stroke-dasharray=\"5,4\"" : "")
                .append(" points=\"").append(points.toString().trim()).append("\"/>\n");
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>" +
                "<text x=\"%d\" y=\"%d\">%s</text>\n", left + plotW + 14, top + 10 + index * 20, left + plotW + 34,
                top + 10 + index * 20, colour, left + plotW + 40, top + 14 + index * 20, line.getKey()));
            index++;
        }
        return svg.append("</svg>\n").toString();
    }
}
