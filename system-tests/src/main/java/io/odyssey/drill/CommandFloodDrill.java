package io.odyssey.drill;

import com.fasterxml.jackson.databind.JsonNode;
import io.odyssey.stack.FleetWatcher;
import io.odyssey.stack.Http;
import io.odyssey.stack.LocalStack;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 10, item 5: one operator token sent 2,273 commands in 15 s and every one was relayed. One operator ({@code
 * surge}) floods the command API from four threads at half the fleet while another ({@code ops}) orders the other half
 * at a human pace. The flood must be refused with 429 and Retry-After once past its allowance, the other operator never,
 * the drones must not be buried in commands (active commands per drone are counted after the flood) and the live feed
 * and the rest of the API must not notice.
 */
final class CommandFloodDrill implements Drill
{
    private static final int FLOOD_THREADS = 4;

    public String name()
    {
        return "command-flood";
    }

    public String summary()
    {
        return "One operator floods POST /api/v1/commands from 4 threads at half the fleet while another orders the " +
            "other half every 500 ms: the flood must get 429 with Retry-After, the other operator only 202, and the " +
            "live feed, REST, health and handshakes must not notice.";
    }

    public void run(final DrillContext context) throws Exception
    {
        final LocalStack stack = context.stack();
        final DrillReport report = context.report();
        final int half = Math.max(1, stack.drones() / 2);
        final Map<String, AtomicInteger> flood = new ConcurrentHashMap<>();
        final AtomicLong floodRetryAfter = new AtomicLong();
        final double relayedBefore = relayed(stack);
        final long floodMs;
        try (FleetWatcher watcher = context.watch(); ServiceProbe probe = ServiceProbe.start(stack))
        {
            context.everyDroneAdvances(watcher, Duration.ofSeconds(30));
            watcher.takeLongestSilenceMs();
            final long endNs = System.nanoTime() + context.scale().flood().toNanos();
            final List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < FLOOD_THREADS; t++)
            {
                final int offset = t;
                threads.add(new Thread(() ->
                {
                    long i = offset;
                    while (System.nanoTime() < endNs)
                    {
                        final long droneId = 1 + i++ % half;
                        final Http.Response response = context.command(stack.secondOperatorToken(),
                            "{\"droneId\":" + droneId + ",\"type\":\"set-speed\",\"speed\":12}");
                        flood.computeIfAbsent(String.valueOf(response.status()), s -> new AtomicInteger()).incrementAndGet();
                        if (response.status() == 429 && response.header("Retry-After") != null)
                        {
                            floodRetryAfter.incrementAndGet();
                        }
                    }
                }, "flood-" + t));
            }
            final long startNs = System.nanoTime();
            threads.forEach(Thread::start);
            // The other operator, at a human pace, at the other half of the fleet.
            try (OperatorCommands calm = OperatorCommands.start(context, stack.operatorToken(), half + 1,
                Math.max(half + 1, stack.drones()), 500))
            {
                for (final Thread thread : threads)
                {
                    thread.join();
                }
                calm.close();
                calm.check(report, DrillContext.ANSWER_BOUND_MS);
            }
            floodMs = (System.nanoTime() - startNs) / 1_000_000;
            context.checkFeedPauses(watcher, DrillContext.FEED_PAUSE_BOUND_MS);
            probe.close();
            probe.check(report, "during the flood", DrillContext.ANSWER_BOUND_MS);
        }
        final Map<String, Integer> floodCounts = counts(flood);
        final long floodTotal = floodCounts.values().stream().mapToLong(Integer::longValue).sum();
        final int accepted = floodCounts.getOrDefault("202", 0);
        report.say(String.format(Locale.ROOT, "flood: %d requests in %.1f s by status %s; accepted %.1f/s",
            floodTotal, floodMs / 1000.0, floodCounts, accepted * 1000.0 / Math.max(1, floodMs)));
        report.count("flood requests", floodTotal);
        report.count("flood accepted", accepted);
        report.count("flood 429", floodCounts.getOrDefault("429", 0));
        report.check("the flood was refused with 429 and Retry-After past its allowance", floodRetryAfter.get() > 0,
            floodRetryAfter.get() + " refusals with Retry-After of " + floodTotal);
        int mostActive = 0;
        long activeTotal = 0;
        for (long droneId = 1; droneId <= half; droneId++)
        {
            final Http.Response active = stack.http().get(stack.gatewayUrl("/api/v1/commands?droneId=" + droneId +
                "&active=true&limit=1000"), stack.viewerToken(), DrillContext.REQUEST_TIMEOUT);
            final JsonNode json = active.status() == 200 ? DrillContext.JSON.readTree(active.body()) : null;
            final int n = json == null ? 0 : json.path("commands").size();
            mostActive = Math.max(mostActive, n);
            activeTotal += n;
        }
        report.count("most active per drone", mostActive);
        report.count("relayed", (long)(relayed(stack) - relayedBefore));
        report.say("right after the flood: " + activeTotal + " active commands on the flooded drones, at most " +
            mostActive + " on one; command frames sent by the ingest nodes " + (long)(relayed(stack) - relayedBefore));
    }

    private static Map<String, Integer> counts(final Map<String, AtomicInteger> counters)
    {
        final Map<String, Integer> counts = new TreeMap<>();
        counters.forEach((status, n) -> counts.put(status, n.get()));
        return counts;
    }

    /** Command frames every ingest node sent to drones (resends included). */
    private static double relayed(final LocalStack stack)
    {
        double sum = 0;
        for (final String node : stack.roleNames("edge-ingest"))
        {
            final double sent = stack.metric(node, "odyssey_ingest_command_frames_sent_total");
            sum += Double.isNaN(sent) ? 0 : sent;
        }
        return sum;
    }
}
