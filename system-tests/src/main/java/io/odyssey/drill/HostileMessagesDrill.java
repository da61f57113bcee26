package io.odyssey.drill;

import io.odyssey.stack.FleetWatcher;
import io.odyssey.stack.LocalStack;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Hostile WebSocket clients: a 10 MB message, and a message whose fragments never end, on each of the three
 * endpoints. The gateway must close each such connection itself (1009 or 1008, or at least the connection), keep
 * nothing beyond its bound, count it, and serve everyone else as before.
 */
final class HostileMessagesDrill implements Drill
{
    private static final int TEN_MB = 10 * 1024 * 1024;
    /** An endless message is given up (as not closed by the gateway) after this much. */
    private static final long ENDLESS_LIMIT_BYTES = 64L * 1024 * 1024;
    private static final Duration CLOSE_BOUND = Duration.ofSeconds(20);
    private static final int CHUNK = 16 * 1024;

    /** What one hostile connection achieved. */
    private record Outcome(boolean closedByServer, int closeCode, long bytesSent, long ms, String detail)
    {
    }

    public String name()
    {
        return "hostile-ws";
    }

    public String summary()
    {
        return "A 10 MB WebSocket message and an endless fragmented one on /ws/fleet, /ws/alerts and /ws/commands: the " +
            "gateway must close each such connection within " + CLOSE_BOUND.toSeconds() + " s (1009/1008), count it, " +
            "and keep serving the dashboard client, REST and health.";
    }

    public void run(final DrillContext context) throws Exception
    {
        final LocalStack stack = context.stack();
        final DrillReport report = context.report();
        final double countedBefore = refusals(stack);
        int closed = 0;
        int attempts = 0;
        try (FleetWatcher watcher = context.watch(); ServiceProbe probe = ServiceProbe.start(stack))
        {
            context.everyDroneAdvances(watcher, Duration.ofSeconds(30));
            watcher.takeLongestSilenceMs();
            for (final String endpoint : WebSocketChurnDrill.ENDPOINTS)
            {
                for (final boolean endless : new boolean[] {false, true})
                {
                    attempts++;
                    final String what = (endless ? "endless fragments" : "a 10 MB message") + " on " + endpoint;
                    Outcome outcome;
                    try
                    {
                        outcome = hostile(stack, endpoint, endless);
                    }
                    catch (final java.io.IOException ex)
                    {
                        outcome = new Outcome(false, -2, 0, 0, "no WebSocket: " + ex);
                    }
                    report.say(String.format(Locale.ROOT, "%-36s %s after %d bytes in %d ms%s", what,
                        outcome.closedByServer() ? "closed by the gateway (" + closeCode(outcome.closeCode()) + ")" :
                            "NOT closed by the gateway", outcome.bytesSent(), outcome.ms(),
                        outcome.detail().isEmpty() ? "" : "; " + outcome.detail()));
                    if (context.report().check("the gateway closed the connection sending " + what,
                        outcome.closedByServer() && (outcome.closeCode() == 1009 || outcome.closeCode() == 1008 ||
                            outcome.closeCode() < 0), closeCode(outcome.closeCode())))
                    {
                        closed++;
                    }
                }
            }
            context.checkFeedPauses(watcher, DrillContext.FEED_PAUSE_BOUND_MS);
            probe.close();
            probe.check(report, "while hostile clients sent", DrillContext.ANSWER_BOUND_MS);
        }
        report.count("closed", closed + " of " + attempts);
        final double counted = refusals(stack) - countedBefore;
        report.count("counted", (long)counted);
        report.check("the gateway counted every hostile message", counted >= attempts,
            (long)counted + " counted as too large or broken, " + attempts + " sent");
    }

    /**
     * The gateway's counts of client messages refused as too large and of clients closed for what they sent (too large,
     * broken framing), whatever the counter: {@code odyssey_ws_client_errors_total{code="TOO_LARGE"}},
     * {@code odyssey_ws_clients_closed_total{reason="too_large"|"protocol"}}.
     */
    static double refusals(final LocalStack stack)
    {
        return stack.metric(LocalStack.GATEWAY, sample -> sample.name().startsWith("odyssey_ws_") &&
            sample.name().endsWith("_total") && ("TOO_LARGE".equals(sample.labels().get("code")) ||
                "too_large".equals(sample.labels().get("reason")) || "protocol".equals(sample.labels().get("reason"))));
    }

    private static String closeCode(final int code)
    {
        return code == -1 ? "connection ended without a close frame" : code == -2 ? "still open" : "close code " + code;
    }

    private static Outcome hostile(final LocalStack stack, final String endpoint, final boolean endless) throws Exception
    {
        final long startNs = System.nanoTime();
        final RawWebSocket socket = RawWebSocket.connect(stack.gatewayPort(), endpoint, stack.viewerToken(),
            (int)CLOSE_BOUND.toMillis());
        try (socket)
        {
            final CompletableFuture<Integer> close = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return socket.awaitClose();
                }
                catch (final IOException ex)
                {
                    // A reset or a read timeout: a reset is the gateway ending it, a timeout is not.
                    return ex instanceof java.net.SocketTimeoutException ? -2 : -1;
                }
            });
            // A blocking write has no timeout: a gateway that stops reading without closing would hold us forever.
            final java.util.concurrent.atomic.AtomicBoolean abandoned = new java.util.concurrent.atomic.AtomicBoolean();
            final CompletableFuture<Void> watchdog = CompletableFuture.runAsync(() ->
            {
                try
                {
                    close.get(CLOSE_BOUND.toMillis(), TimeUnit.MILLISECONDS);
                }
                catch (final Exception ex)
                {
                    abandoned.set(true);
                    try
                    {
                        socket.close();
                    }
                    catch (final IOException ignore)
                    {
                        // closing anyway
                    }
                }
            });
            final byte[] chunk = new byte[CHUNK];
            Arrays.fill(chunk, (byte)'a');
            long sent = 0;
            String detail = "";
            try
            {
                if (endless)
                {
                    final long deadline = startNs + CLOSE_BOUND.toNanos();
                    boolean first = true;
                    while (!close.isDone() && sent < ENDLESS_LIMIT_BYTES && System.nanoTime() < deadline)
                    {
                        socket.sendFrame(first ? RawWebSocket.TEXT : RawWebSocket.CONTINUATION, false, chunk);
                        first = false;
                        sent += CHUNK;
                    }
                }
                else
                {
                    final byte[] mask = socket.frameHeader(RawWebSocket.TEXT, true, TEN_MB);
                    while (sent < TEN_MB && !close.isDone())
                    {
                        final int length = (int)Math.min(CHUNK, TEN_MB - sent);
                        socket.payload(chunk, length, mask, sent);
                        sent += length;
                    }
                }
            }
            catch (final IOException ex)
            {
                // The gateway hung up while we were still sending: what it should do.
                detail = "sending stopped: " + ex.getMessage();
            }
            int code;
            try
            {
                final long left = Math.max(1_000, CLOSE_BOUND.toMillis() - (System.nanoTime() - startNs) / 1_000_000);
                code = close.get(left, TimeUnit.MILLISECONDS);
            }
            catch (final java.util.concurrent.TimeoutException ex)
            {
                code = -2;
            }
            watchdog.cancel(false);
            if (abandoned.get())
            {
                code = -2;
            }
            return new Outcome(code != -2, code, sent, (System.nanoTime() - startNs) / 1_000_000, detail);
        }
    }
}
