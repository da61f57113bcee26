package io.odyssey.runtime;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * {@code GET /health} and {@code GET /metrics} for processes that have no HTTP server of their own (grid node,
 * edge ingest, simulator). A cold path: the JDK's built-in server on one thread is plenty.
 * <p>
 * {@code /health} answers 200 with {@code {"status":"UP",...}} when every check passes, 503 otherwise, so it
 * can back container probes directly.
 */
public final class StatusServer implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(StatusServer.class);

    private final HttpServer server;
    private final AutoCloseable sampler;
    private final Metrics metrics;
    private final Supplier<Map<String, HealthCheck.Result>> checks;

    /**
     * @param host    interface to bind (loopback by default in every process's config).
     * @param port    port; 0 picks a free one (tests).
     * @param checks  named health checks evaluated on every {@code /health} request.
     */
    public StatusServer(final String host, final int port, final Metrics metrics, final Map<String, HealthCheck> checks)
        throws IOException
    {
        this.metrics = metrics;
        this.checks = () -> HealthCheck.evaluateAll(checks);
        server = HttpServer.create(new InetSocketAddress(host, port), 16);
        server.createContext("/health", this::health);
        server.createContext("/metrics", this::metrics);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> daemon(r, metrics.role() + "-status-http")));
        sampler = metrics.startSampling();
        server.start();
        LOG.info("status endpoint listening on http://{}:{}/ (health, metrics)", host, port());
    }

    public int port()
    {
        return server.getAddress().getPort();
    }

    private void health(final HttpExchange exchange) throws IOException
    {
        final Map<String, HealthCheck.Result> results = checks.get();
        respond(exchange, HealthCheck.allHealthy(results) ? 200 : 503, "application/json",
            HealthCheck.render(metrics.role(), results));
    }

    private void metrics(final HttpExchange exchange) throws IOException
    {
        respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.renderPrometheus());
    }

    private static void respond(final HttpExchange exchange, final int status, final String type, final String body)
        throws IOException
    {
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(bytes);
        }
    }

    private static Thread daemon(final Runnable runnable, final String name)
    {
        final Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }

    public void close()
    {
        server.stop(0);
        try
        {
            sampler.close();
        }
        catch (final Exception ignore)
        {
            // closing a scheduler does not fail
        }
        ((java.util.concurrent.ExecutorService)server.getExecutor()).shutdownNow();
    }
}
