package io.odyssey.runtime;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** The status endpoint over real HTTP: liveness apart from readiness, {@code /health} as readiness, nothing else. */
class StatusServerTest
{
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void shouldKeepLivenessUpWhileADependencyIsDownAndReadinessDown() throws Exception
    {
        final AtomicBoolean gridUp = new AtomicBoolean(true);
        final AtomicBoolean threadMoving = new AtomicBoolean(true);
        final Health health = new Health("test")
            .live("agent", () -> threadMoving.get() ? HealthCheck.Result.up("moving") : HealthCheck.Result.down("stuck"))
            .ready("grid", () -> gridUp.get() ? HealthCheck.Result.up("connected") : HealthCheck.Result.down("away"));
        try (StatusServer server = new StatusServer("127.0.0.1", 0, new Metrics("test"), health))
        {
            assertThat(get(server, "/health/live").statusCode()).isEqualTo(200);
            assertThat(get(server, "/health/ready").statusCode()).isEqualTo(200);

            gridUp.set(false);

            final HttpResponse<String> live = get(server, "/health/live");
            assertThat(live.statusCode()).isEqualTo(200);
            assertThat(live.body()).isEqualTo("{\"status\":\"UP\",\"role\":\"test\",\"checks\":" +
                "{\"agent\":{\"healthy\":true,\"detail\":\"moving\"}}}");
            final HttpResponse<String> ready = get(server, "/health/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(ready.body()).contains("\"status\":\"DOWN\"", "\"agent\":{\"healthy\":true",
                "\"grid\":{\"healthy\":false,\"detail\":\"away\"}");
            assertThat(get(server, "/health").body()).as("/health is readiness").isEqualTo(ready.body());

            gridUp.set(true);
            threadMoving.set(false);

            assertThat(get(server, "/health/live").statusCode()).isEqualTo(503);
            assertThat(get(server, "/health/ready").statusCode()).as("a wedged process is not ready").isEqualTo(503);
        }
    }

    @Test
    void shouldAnswerNotFoundForAnyOtherPath() throws Exception
    {
        try (StatusServer server = new StatusServer("127.0.0.1", 0, new Metrics("test"), new Health("test")))
        {
            assertThat(get(server, "/health/livez").statusCode()).isEqualTo(404);
            assertThat(get(server, "/health/").statusCode()).isEqualTo(404);
            assertThat(get(server, "/metricsx").statusCode()).isEqualTo(404);
            assertThat(get(server, "/metrics").statusCode()).isEqualTo(200);
            assertThat(get(server, "/health").statusCode()).as("no checks: up").isEqualTo(200);
        }
    }

    private HttpResponse<String> get(final StatusServer server, final String path) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
