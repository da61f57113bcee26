package io.odyssey.cli;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class LatencyCommandTest
{
    private static final String METRICS = """
        # TYPE odyssey_hop_latency_seconds summary
        odyssey_hop_latency_seconds{role="edge-ingest",hop="ingest_decoded",quantile="0.5"} 9.06239E-4
        odyssey_hop_latency_seconds{role="edge-ingest",hop="ingest_decoded",quantile="0.9"} 0.002
        odyssey_hop_latency_seconds{role="edge-ingest",hop="ingest_decoded",quantile="0.99"} 0.004513791
        odyssey_hop_latency_seconds{role="edge-ingest",hop="ingest_decoded",quantile="0.999"} 0.006
        odyssey_hop_latency_seconds{role="edge-ingest",hop="ingest_decoded",quantile="1.0"} 0.0076
        odyssey_hop_latency_seconds_count{role="edge-ingest",hop="ingest_decoded"} 500
        odyssey_hop_latency_seconds{role="edge-ingest",hop="grid_written",quantile="0.5"} NaN
        odyssey_ingest_frames_accepted_total{role="edge-ingest"} 42
        """;

    @Test
    void shouldShowEachHopsPercentilesInMillisecondsFromARealMetricsEndpoint() throws Exception
    {
        final HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/metrics", exchange ->
        {
            final byte[] body = METRICS.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        final PrintStream original = System.out;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try
        {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            final int exit = OdysseyCli.commandLine().execute("latency", "--metrics",
                "http://127.0.0.1:" + server.getAddress().getPort() + "/metrics");
            assertThat(exit).isZero();
            final int jsonExit = OdysseyCli.commandLine().execute("latency", "--json", "--metrics",
                "http://127.0.0.1:" + server.getAddress().getPort() + "/metrics");
            assertThat(jsonExit).isZero();
        }
        finally
        {
            System.setOut(original);
            server.stop(0);
        }
        final String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("ingest_decoded", "0.91", "4.51", "7.60", "500");
        assertThat(text).containsPattern("grid_written\\s+-");
        assertThat(text).contains("\"ingest_decoded\":{\"p0.5\":0.906");
    }

    @Test
    void shouldExitNonZeroWhenNoServerAnswers()
    {
        final int exit = OdysseyCli.commandLine().execute("latency", "--metrics", "http://127.0.0.1:1/metrics");
        assertThat(exit).isEqualTo(OdysseyCli.EXIT_UNREACHABLE);
    }

    @Test
    void shouldAnswerUsageErrorsWithExitCode2()
    {
        assertThat(OdysseyCli.commandLine().execute("latency", "--no-such-option")).isEqualTo(2);
    }
}
