package io.odyssey.runtime;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * {@code GET /health/live}, {@code /health/ready} (and its alias {@code /health}) and {@code GET /metrics} for
 * processes that have no HTTP server of their own (grid node, edge ingest, simulator, archiver). A cold path: the
 * JDK's built-in server on one thread is plenty.
 * <p>
 * The health answers are {@link Health}'s: 200 {@code {"status":"UP",...}} when every check passes, 503 otherwise,
 * so they back container probes directly (liveness and readiness apart).
 */
public final class StatusServer implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(StatusServer.class);

    private final HttpServer server;
    private final AutoCloseable sampler;
    private final Metrics metrics;
    private final Health health;

    /**
     * @param host   interface to bind (loopback by default in every process's config).
     * @param port   port; 0 picks a free one (tests).
     * @param health the checks evaluated on every health request.
     */
    public StatusServer(final String host, final int port, final Metrics metrics, final Health health)
        throws IOException
    {
        this.metrics = metrics;
        this.health = health;
        server = HttpServer.create(new InetSocketAddress(host, port), 16);
        // Contexts match by prefix: the handlers answer their exact paths only.
        server.createContext(Health.PATH, this::health);
        server.createContext("/metrics", this::metrics);
        server.setExecutor(Executors.newSingleThreadExecutor(r -> daemon(r, metrics.role() + "-status-http")));
        sampler = metrics.startSampling();
        server.start();
        LOG.info("status endpoint listening on http://{}:{}/ (health/live, health/ready, metrics)", host, port());
    }

    public int port()
    {
        return server.getAddress().getPort();
    }

    private void health(final HttpExchange exchange) throws IOException
    {
        final Health.Report report = health.forPath(exchange.getRequestURI().getPath());
        if (report == null)
        {
            notFound(exchange);
            return;
        }
        respond(exchange, report.status(), Health.CONTENT_TYPE, report.body());
    }

    private void metrics(final HttpExchange exchange) throws IOException
    {
        if (!"/metrics".equals(exchange.getRequestURI().getPath()))
        {
            notFound(exchange);
            return;
        }
        respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.renderPrometheus());
    }

    private static void notFound(final HttpExchange exchange) throws IOException
    {
        respond(exchange, 404, "text/plain; charset=utf-8", "not found: the status endpoint serves /health/live, " +
            "/health/ready, /health and /metrics\n");
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
