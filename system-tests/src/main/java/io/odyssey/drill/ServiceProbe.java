package io.odyssey.drill;

import io.odyssey.stack.Http;
import io.odyssey.stack.LocalStack;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * What a user notices while a fault is played: a background thread that, every half second, asks the gateway what a
 * user would (its health, an authenticated REST call, a WebSocket handshake) and keeps how long each answer took. A
 * request that gets no answer within 10 s counts as failed; a slow one shows in the maximum.
 */
final class ServiceProbe implements AutoCloseable
{
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final LocalStack stack;
    private final Map<String, List<Long>> latencies = new LinkedHashMap<>();
    private final Map<String, List<String>> failures = new LinkedHashMap<>();
    private final Thread thread;
    private final HttpClient wsClient = HttpClient.newHttpClient();
    private volatile boolean running = true;

    private ServiceProbe(final LocalStack stack)
    {
        this.stack = stack;
        for (final String probe : List.of("health", "rest", "websocket"))
        {
            latencies.put(probe, Collections.synchronizedList(new ArrayList<>()));
            failures.put(probe, Collections.synchronizedList(new ArrayList<>()));
        }
        thread = new Thread(this::loop, "drill-probe");
        thread.setDaemon(true);
    }

    static ServiceProbe start(final LocalStack stack)
    {
        final ServiceProbe probe = new ServiceProbe(stack);
        probe.thread.start();
        return probe;
    }

    private void loop()
    {
        while (running)
        {
            // Health answers 200 or 503 depending on dependencies: either is an answer; silence is the failure.
            final Http.Response health = stack.http().get(stack.gatewayUrl("/health"), null, REQUEST_TIMEOUT);
            record("health", health.status() > 0, health.elapsedMs(), health.describe());
            final Http.Response rest = stack.http().get(stack.gatewayUrl("/api/v1/drones?limit=1"),
                stack.viewerToken(), REQUEST_TIMEOUT);
            record("rest", rest.status() == 200, rest.elapsedMs(), rest.describe());
            handshake();
            try
            {
                Thread.sleep(500);
            }
            catch (final InterruptedException ex)
            {
                return;
            }
        }
    }

    private void handshake()
    {
        final long startNs = System.nanoTime();
        final CompletableFuture<WebSocket> pending = wsClient.newWebSocketBuilder().connectTimeout(REQUEST_TIMEOUT)
            .subprotocols("odyssey.v1", "bearer." + stack.viewerToken())
            .buildAsync(URI.create("ws://127.0.0.1:" + stack.gatewayPort() + "/ws/fleet"), new WebSocket.Listener()
            {
            });
        try
        {
            pending.get(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            record("websocket", true, (System.nanoTime() - startNs) / 1_000_000, "");
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final Exception ex)
        {
            final long ms = (System.nanoTime() - startNs) / 1_000_000;
            record("websocket", false, ms, "no handshake after " + ms + " ms (" + ex.getClass().getSimpleName() + ")");
        }
        finally
        {
            // Also a handshake that completes after the wait ended (close() interrupted it, or it timed out): left
            // open, the JDK client answers the gateway's pings and the session stays counted for as long as this JVM
            // runs, which the churn drill then reports as a session the gateway never released.
            pending.thenAccept(WebSocket::abort);
        }
    }

    private void record(final String probe, final boolean answered, final long ms, final String detail)
    {
        if (!running)
        {
            // Cut short by close(): not an answer the gateway failed to give.
            return;
        }
        latencies.get(probe).add(ms);
        if (!answered)
        {
            failures.get(probe).add(detail);
        }
    }

    /** Resets what was recorded (e.g. after a warm-up). */
    void reset()
    {
        latencies.values().forEach(List::clear);
        failures.values().forEach(List::clear);
    }

    public void close() throws InterruptedException
    {
        running = false;
        thread.interrupt();
        thread.join(15_000);
    }

    /**
     * Checks that every probe was answered, each within {@code boundMs}, and counts the figures.
     *
     * @return whether all held.
     */
    boolean check(final DrillReport report, final String during, final long boundMs)
    {
        boolean held = true;
        for (final String probe : latencies.keySet())
        {
            final List<Long> sorted;
            final List<String> failed;
            synchronized (latencies.get(probe))
            {
                sorted = new ArrayList<>(latencies.get(probe));
            }
            synchronized (failures.get(probe))
            {
                failed = new ArrayList<>(failures.get(probe));
            }
            Collections.sort(sorted);
            final long max = sorted.isEmpty() ? -1 : sorted.get(sorted.size() - 1);
            final long median = sorted.isEmpty() ? -1 : sorted.get(sorted.size() / 2);
            report.count(probe + " max ms", max);
            held &= report.check(String.format(Locale.ROOT, "%s answered within %d ms %s", probe, boundMs, during),
                !sorted.isEmpty() && failed.isEmpty() && max <= boundMs,
                String.format(Locale.ROOT, "%d asked, %d unanswered, median %d ms, max %d ms%s", sorted.size(),
                    failed.size(), median, max, failed.isEmpty() ? "" : "; first: " + failed.get(0)));
        }
        return held;
    }
}
