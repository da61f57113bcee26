package io.odyssey.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code odyssey-cli latency}: the live per-hop latency percentiles of a running system, read from the processes'
 * {@code /metrics} (the last second's HdrHistogram interval of every hop).
 */
@Command(name = "latency", mixinStandardHelpOptions = true,
    description = "Live per-hop latency percentiles (drone send to each hop) from the processes' /metrics.")
final class LatencyCommand implements Callable<Integer>
{
    private static final String[] QUANTILES = {"0.5", "0.9", "0.99", "0.999", "1.0"};

    @Option(names = "--metrics", split = ",", paramLabel = "URL",
        description = "Metrics endpoints to read (default: ingest and gateway of ./odyssey up: ${DEFAULT-VALUE}).",
        defaultValue = "http://127.0.0.1:9101/metrics,http://127.0.0.1:8080/metrics")
    List<String> endpoints;

    @Option(names = "--watch", description = "Refresh every second until interrupted.")
    boolean watch;

    @Option(names = "--json", description = "JSON instead of a table.")
    boolean json;

    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public Integer call() throws Exception
    {
        do
        {
            final Map<String, double[]> hops = new LinkedHashMap<>();
            final Map<String, Double> counts = new LinkedHashMap<>();
            final List<String> unreachable = new ArrayList<>();
            for (final String endpoint : endpoints)
            {
                final String body;
                try
                {
                    final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(endpoint))
                        .timeout(Duration.ofSeconds(3));
                    // The gateway's /metrics needs a viewer token (the other roles' status ports ignore it).
                    final String token = System.getenv(GatewayOptions.TOKEN_ENV);
                    if (token != null && token.matches("[A-Za-z0-9._~+-]+"))
                    {
                        request.header("Authorization", "Bearer " + token);
                    }
                    // Bounded like every answer the CLI reads (CliConfig.MAX_ANSWER_BYTES, GatewayOptions.ANSWER_TIMEOUT_S).
                    final HttpResponse<String> response = GatewayOptions.exchange(http, request.build(),
                        CliConfig.maxAnswerBytes(spec.root().userObject() instanceof OdysseyCli cli ? cli.environment :
                            System.getenv()), endpoint);
                    if (response.statusCode() != 200)
                    {
                        unreachable.add(endpoint + " (HTTP " + response.statusCode() + ")");
                        continue;
                    }
                    body = response.body();
                }
                catch (final OdysseyCli.Unreachable ex)
                {
                    unreachable.add(ex.getMessage());
                    continue;
                }
                catch (final Exception ex)
                {
                    unreachable.add(endpoint + " (" + ex.getClass().getSimpleName() + ")");
                    continue;
                }
                for (final PrometheusText.Sample sample : PrometheusText.parse(body))
                {
                    // A label is the server's text, and is printed: one printable line (Terminal.line).
                    final String hop = sample.labels().containsKey("hop") ? Terminal.line(sample.labels().get("hop")) : null;
                    if (hop == null)
                    {
                        continue;
                    }
                    if ("odyssey_hop_latency_seconds".equals(sample.name()))
                    {
                        final int index = List.of(QUANTILES).indexOf(sample.labels().get("quantile"));
                        if (index >= 0)
                        {
                            hops.computeIfAbsent(hop, h -> new double[QUANTILES.length])[index] = sample.value() * 1000.0;
                        }
                    }
                    else if ("odyssey_hop_latency_seconds_count".equals(sample.name()))
                    {
                        counts.put(hop, sample.value());
                    }
                }
            }
            print(hops, counts, unreachable);
            if (!unreachable.isEmpty() && hops.isEmpty())
            {
                return OdysseyCli.EXIT_UNREACHABLE;
            }
            if (watch)
            {
                Thread.sleep(1_000);
            }
        }
        while (watch);
        return 0;
    }

    private void print(final Map<String, double[]> hops, final Map<String, Double> counts, final List<String> unreachable)
    {
        if (json)
        {
            final ObjectNode out = JSON.createObjectNode().put("unit", "ms");
            final ObjectNode hopsJson = out.putObject("hops");
            for (final Map.Entry<String, double[]> hop : hops.entrySet())
            {
                final ObjectNode quantiles = hopsJson.putObject(hop.getKey());
                for (int i = 0; i < QUANTILES.length; i++)
                {
                    final double ms = hop.getValue()[i];
                    if (Double.isNaN(ms))
                    {
                        quantiles.putNull("p" + QUANTILES[i]);
                    }
                    else
                    {
                        quantiles.put("p" + QUANTILES[i], Math.round(ms * 1000.0) / 1000.0);
                    }
                }
                quantiles.put("count", counts.getOrDefault(hop.getKey(), 0.0).longValue());
            }
            final ArrayNode unreachableJson = out.putArray("unreachable");
            unreachable.forEach(endpoint -> unreachableJson.add(endpoint));
            System.out.println(Terminal.json(out));
            return;
        }
        System.out.printf(Locale.ROOT, "%-20s %9s %9s %9s %9s %9s %8s%n", "hop (send ->)", "p50 ms", "p90 ms", "p99 ms",
            "p99.9 ms", "max ms", "count/s");
        for (final Map.Entry<String, double[]> hop : hops.entrySet())
        {
            final double[] v = hop.getValue();
            System.out.printf(Locale.ROOT, "%-20s %9s %9s %9s %9s %9s %8d%n", hop.getKey(), ms(v[0]), ms(v[1]), ms(v[2]),
                ms(v[3]), ms(v[4]), counts.getOrDefault(hop.getKey(), 0.0).longValue());
        }
        for (final String endpoint : unreachable)
        {
            System.out.println("unreachable: " + endpoint);
        }
    }

    private static String ms(final double value)
    {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.2f", value);
    }
}
