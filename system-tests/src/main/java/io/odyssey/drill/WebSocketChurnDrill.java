package io.odyssey.drill;

import io.odyssey.stack.FleetWatcher;
import io.odyssey.stack.LocalStack;
import io.odyssey.stack.RoleProcess;

import java.io.OutputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Issue 10, item 1: the gateway deadlocked after a burst of WebSocket connect/disconnect cycles. Plays the cycles of
 * all three kinds on all three endpoints from several threads at once, with fleet changes flowing to every client,
 * while a dashboard client, REST and health are watched; then stops the gateway with SIGTERM (a deadlocked gateway
 * does not stop) and starts it again.
 */
final class WebSocketChurnDrill implements Drill
{
    static final List<String> ENDPOINTS = List.of("/ws/fleet", "/ws/alerts", "/ws/commands");
    private static final String[] KINDS = {"clean close", "reset after the handshake", "reset during the handshake"};
    private static final int THREADS = 6;
    private static final int SOCKET_TIMEOUT_MS = 10_000;

    public String name()
    {
        return "ws-churn";
    }

    public String summary()
    {
        return "WebSocket connect/disconnect cycles on /ws/fleet, /ws/alerts and /ws/commands (clean close, TCP reset " +
            "after the handshake, reset during the handshake) from 6 threads; a dashboard client, REST and health must " +
            "keep answering, every session must be released, and SIGTERM must still stop the gateway.";
    }

    public void run(final DrillContext context) throws Exception
    {
        final LocalStack stack = context.stack();
        final DrillReport report = context.report();
        final int cycles = context.scale().churnCycles();
        final double baselineClients = wsClients(stack);
        final AtomicLongArray done = new AtomicLongArray(KINDS.length);
        final AtomicLongArray failed = new AtomicLongArray(KINDS.length);
        final AtomicReference<String> firstFailure = new AtomicReference<>();
        try (FleetWatcher watcher = context.watch(); ServiceProbe probe = ServiceProbe.start(stack))
        {
            context.everyDroneAdvances(watcher, Duration.ofSeconds(30));
            watcher.takeLongestSilenceMs();
            report.say(cycles + " cycles (" + String.join(", ", KINDS) + ") over " + ENDPOINTS + " from " + THREADS +
                " threads");
            final long startNs = System.nanoTime();
            final AtomicInteger next = new AtomicInteger();
            final List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < THREADS; t++)
            {
                final Thread thread = new Thread(() ->
                {
                    int i;
                    while ((i = next.getAndIncrement()) < cycles && !Thread.currentThread().isInterrupted())
                    {
                        final int kind = i % KINDS.length;
                        final String endpoint = ENDPOINTS.get((i / KINDS.length) % ENDPOINTS.size());
                        try
                        {
                            cycle(stack, kind, endpoint);
                            done.incrementAndGet(kind);
                        }
                        catch (final Exception ex)
                        {
                            failed.incrementAndGet(kind);
                            firstFailure.compareAndSet(null, KINDS[kind] + " on " + endpoint + ": " + ex);
                        }
                    }
                }, "churn-" + t);
                thread.setDaemon(true);
                thread.start();
                threads.add(thread);
            }
            // On a healthy gateway a cycle takes milliseconds; a wedged one holds each for the socket timeout.
            final long deadline = startNs + TimeUnit.SECONDS.toNanos(60) + cycles * TimeUnit.MILLISECONDS.toNanos(100);
            try
            {
                for (final Thread thread : threads)
                {
                    thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                }
            }
            finally
            {
                // Neither a wedged gateway nor the drill's own timeout may leave the churn running into the next drill.
                threads.forEach(Thread::interrupt);
            }
            if (threads.stream().anyMatch(Thread::isAlive))
            {
                report.say("the churn did not finish in " + TimeUnit.NANOSECONDS.toSeconds(deadline - startNs) +
                    " s: stopped it");
            }
            final long churnMs = (System.nanoTime() - startNs) / 1_000_000;
            long total = 0;
            long failures = 0;
            for (int kind = 0; kind < KINDS.length; kind++)
            {
                report.say(String.format(Locale.ROOT, "%-27s %5d done, %d failed", KINDS[kind], done.get(kind),
                    failed.get(kind)));
                total += done.get(kind);
                failures += failed.get(kind);
            }
            report.count("cycles", total);
            report.count("failed", failures);
            report.say(String.format(Locale.ROOT, "churn took %.1f s (%.0f cycles/s)", churnMs / 1000.0,
                cycles * 1000.0 / Math.max(1, churnMs)));
            report.check("every cycle's connection was served (101, and a clean close answered)",
                failures == 0 && total == cycles, failures == 0 ? total + " cycles" : "first: " + firstFailure.get());
            probe.close();
            probe.check(report, "during the churn", DrillContext.ANSWER_BOUND_MS);
            context.checkFeedPauses(watcher, DrillContext.FEED_PAUSE_BOUND_MS);
            final long advancedMs = context.everyDroneAdvances(watcher, Duration.ofSeconds(30));
            report.check("every drone still advances on the dashboard client", advancedMs >= 0,
                advancedMs >= 0 ? Waits.ms(advancedMs) : DrillContext.stuckDrones(watcher, stack.drones()));
        }
        // A connection reset while its handshake completes may never be seen closed: the gateway promises to drop
        // such a half-open session one read timeout after its last pong (docs/operations.md, "Faults and
        // guarantees"), so that, plus a ping interval and a margin, is how long a release may take.
        final Duration releaseBound = Duration.ofMillis(io.odyssey.gateway.GatewayConfig.READ_TIMEOUT_MS.longValue() +
            io.odyssey.gateway.GatewayConfig.PING_INTERVAL_MS.longValue()).plusSeconds(10);
        final long releasedMs = Waits.until(releaseBound, () -> wsClients(stack) <= baselineClients);
        report.check("every churned session was released", releasedMs >= 0,
            "WebSocket clients " + (long)wsClients(stack) + " (before: " + (long)baselineClients + ")");

        final RoleProcess gateway = stack.role(LocalStack.GATEWAY);
        final long stoppedMs = gateway.stop(30_000);
        report.count("SIGTERM stop ms", stoppedMs);
        report.check("SIGTERM stopped the gateway within 30 s", stoppedMs >= 0,
            stoppedMs >= 0 ? "in " + stoppedMs + " ms" : "it had to be killed");
        gateway.start();
        final long upMs = Waits.until(Duration.ofSeconds(60), () -> stack.healthy(LocalStack.GATEWAY));
        report.check("the gateway started again and is healthy", upMs >= 0, Waits.ms(upMs));
    }

    /**
     * WebSocket sessions open on every endpoint, as the gateway counts them: {@code odyssey_ws_sessions} where the
     * gateway has it, else its per-endpoint client gauges.
     */
    static double wsClients(final LocalStack stack)
    {
        final List<io.odyssey.cli.PrometheusText.Sample> samples = stack.metrics(LocalStack.GATEWAY);
        if (samples.isEmpty())
        {
            return Double.NaN;
        }
        final boolean total = samples.stream().anyMatch(sample -> sample.name().equals("odyssey_ws_sessions"));
        return samples.stream().filter(sample -> total ? sample.name().equals("odyssey_ws_sessions") :
            sample.name().startsWith("odyssey_ws_") && sample.name().endsWith("clients"))
            .mapToDouble(io.odyssey.cli.PrometheusText.Sample::value).sum();
    }

    private static void cycle(final LocalStack stack, final int kind, final String endpoint) throws Exception
    {
        final int port = stack.gatewayPort();
        final int holdMs = ThreadLocalRandom.current().nextInt(20);
        if (kind == 2)
        {
            // Half a handshake, then a reset: the connection never becomes a WebSocket.
            final Socket socket = RawWebSocket.open(port, SOCKET_TIMEOUT_MS);
            final byte[] request = RawWebSocket.handshake(port, endpoint, stack.viewerToken());
            final OutputStream out = socket.getOutputStream();
            out.write(request, 0, request.length / 2);
            out.flush();
            Thread.sleep(holdMs);
            RawWebSocket.reset(socket);
            return;
        }
        final RawWebSocket socket = RawWebSocket.connect(port, endpoint, stack.viewerToken(), SOCKET_TIMEOUT_MS);
        // Long enough for the snapshot and some changes to be on their way: the close races the fan-out.
        Thread.sleep(holdMs);
        if (kind == 1)
        {
            socket.reset();
            return;
        }
        try (socket)
        {
            socket.sendClose(1000);
            final int code = socket.awaitClose();
            if (code != 1000 && code != -1)
            {
                throw new IllegalStateException("the gateway answered the close with " + code);
            }
        }
    }
}
