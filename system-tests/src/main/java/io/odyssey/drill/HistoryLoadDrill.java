package io.odyssey.drill;

import io.odyssey.stack.Http;
import io.odyssey.stack.LocalStack;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Issue 10, item 4: history cost was unbounded; six concurrent viewers over long windows slowed the whole API to
 * seconds. Finds the longest window the gateway accepts, puts a body of telemetry in the archive spread over it (around
 * the patrol area, for drones no simulator flies), and has many clients ask the most expensive questions over it at once
 * (drones near a point, a track, the fleet at an instant and the diff between two) while users' REST calls, commands,
 * health and WebSocket handshakes are timed. History may refuse (429/503 with Retry-After) but never leave a request
 * hanging, and the rest of the API must stay fast.
 */
final class HistoryLoadDrill implements Drill
{
    /** Seeded drones: ids no simulator flies. */
    static final long SEED_FIRST_ID = 5_000_001L;
    private static final int SEED_DRONES = 50;
    private static final Duration HISTORY_TIMEOUT = Duration.ofSeconds(60);
    private static final double[] WINDOW_DAYS = {31, 30, 14, 7, 1, 0.25, 1.0 / 24};

    public String name()
    {
        return "history-load";
    }

    public String summary()
    {
        return "Telemetry seeded over the longest window the gateway accepts, then parallel clients ask the heaviest " +
            "history questions over it: every history request must be answered (200, or 429/503 with " +
            "Retry-After) and REST, commands, health and WebSocket handshakes must stay within " +
            DrillContext.ANSWER_BOUND_MS + " ms.";
    }

    public void run(final DrillContext context) throws Exception
    {
        final LocalStack stack = context.stack();
        final DrillReport report = context.report();
        final Instant to = Instant.now();
        double days = -1;
        for (final double candidate : WINDOW_DAYS)
        {
            // A window too long is refused (400) before the drone is looked up (404 until it is seeded).
            final Http.Response answer = stack.http().get(stack.gatewayUrl(track(to, candidate)), stack.viewerToken(),
                HISTORY_TIMEOUT);
            if (answer.status() != 400)
            {
                days = candidate;
                break;
            }
        }
        report.check("the gateway accepts some history window", days > 0, days > 0 ? "" : "every window refused with 400");
        if (days <= 0)
        {
            return;
        }
        report.say(String.format(Locale.ROOT, "longest window accepted: %.2f days", days));
        report.count("window days", days);

        final int rows = context.scale().historySeedRows();
        final long seedStartNs = System.nanoTime();
        seed(stack, rows, from(to, days), to.minusSeconds(60));
        report.say(String.format(Locale.ROOT, "seeded %,d rows for %d drones over that window in %.1f s", rows,
            SEED_DRONES, (System.nanoTime() - seedStartNs) / 1e9));
        report.count("seeded rows", rows);
        final List<String> questions = questions(stack, to, days);

        final int clients = context.scale().historyClients();
        final Map<String, AtomicInteger> statuses = new ConcurrentHashMap<>();
        final List<Long> answeredMs = Collections.synchronizedList(new ArrayList<>());
        final List<String> bad = Collections.synchronizedList(new ArrayList<>());
        final long endNs = System.nanoTime() + context.scale().historyLoad().toNanos();
        try (ServiceProbe probe = ServiceProbe.start(stack);
            OperatorCommands commands = OperatorCommands.start(context, stack.operatorToken(), 1, stack.drones(), 2_000))
        {
            final List<Thread> threads = new ArrayList<>();
            for (int c = 0; c < clients; c++)
            {
                final int client = c;
                threads.add(new Thread(() ->
                {
                    int i = client;
                    while (System.nanoTime() < endNs)
                    {
                        final String question = questions.get(i++ % questions.size());
                        final Http.Response answer = stack.http().get(stack.gatewayUrl(question), stack.viewerToken(),
                            HISTORY_TIMEOUT);
                        statuses.computeIfAbsent(String.valueOf(answer.status()), s -> new AtomicInteger()).incrementAndGet();
                        answeredMs.add(answer.elapsedMs());
                        final boolean refusedWell = (answer.status() == 429 || answer.status() == 503) &&
                            answer.header("Retry-After") != null;
                        if (answer.status() != 200 && !refusedWell)
                        {
                            bad.add(question.replaceAll("\\?.*", "") + ": " + answer.describe() + " " +
                                PoisonEntryDrill.abbreviate(answer.body()));
                        }
                    }
                }, "history-" + c));
            }
            report.say(clients + " clients asking " + questions.size() + " kinds of question for " +
                context.scale().historyLoad().toSeconds() + " s");
            threads.forEach(Thread::start);
            for (final Thread thread : threads)
            {
                thread.join();
            }
            probe.close();
            commands.close();
            final Map<String, Integer> counted = new TreeMap<>();
            statuses.forEach((status, n) -> counted.put(status, n.get()));
            final List<Long> sorted;
            synchronized (answeredMs)
            {
                sorted = new ArrayList<>(answeredMs);
            }
            Collections.sort(sorted);
            report.count("history answers", counted);
            report.count("history max ms", sorted.isEmpty() ? -1 : sorted.get(sorted.size() - 1));
            report.say("history answers by status " + counted + ", median " +
                (sorted.isEmpty() ? -1 : sorted.get(sorted.size() / 2)) + " ms");
            report.check("every history request was answered: 200, or 429/503 with Retry-After", bad.isEmpty() &&
                !sorted.isEmpty(), bad.isEmpty() ? sorted.size() + " answered" : bad.size() + " not; first: " + bad.get(0));
            report.check("history kept serving some requests under the load", counted.getOrDefault("200", 0) > 0,
                "statuses " + counted);
            probe.check(report, "under the history load", DrillContext.ANSWER_BOUND_MS);
            commands.check(report, DrillContext.ANSWER_BOUND_MS);
        }
        final long recoveredMs = Waits.until(Duration.ofSeconds(30), Duration.ofSeconds(1), () -> stack.http()
            .get(stack.gatewayUrl(questions.get(1)), stack.viewerToken(), Duration.ofSeconds(10)).status() == 200);
        report.check("afterwards a history request answers 200 again", recoveredMs >= 0, Waits.ms(recoveredMs));
    }

    private static String track(final Instant to, final double days)
    {
        return "/api/v1/history/drones/" + SEED_FIRST_ID + "/track?from=" + from(to, days) + "&to=" + to +
            "&maxPoints=20000";
    }

    private static Instant from(final Instant to, final double days)
    {
        return to.minusSeconds((long)(days * 86_400));
    }

    /** The heaviest questions over the window, with the longest look-back the gateway accepts for the fleet queries. */
    private static List<String> questions(final LocalStack stack, final Instant to, final double days)
    {
        final Instant from = from(to, days);
        final Instant middle = from(to, days / 2);
        String lookback = "";
        for (final long seconds : new long[] {86_400, 3_600, 300})
        {
            final String candidate = "&lookbackS=" + seconds;
            if (stack.http().get(stack.gatewayUrl("/api/v1/history/fleet?at=" + middle + candidate), stack.viewerToken(),
                HISTORY_TIMEOUT).status() != 400)
            {
                lookback = candidate;
                break;
            }
        }
        return List.of(
            "/api/v1/history/near?lat=52.52&lon=13.405&radiusM=5000&from=" + from + "&to=" + to,
            track(to, days),
            "/api/v1/history/fleet?at=" + middle + lookback,
            "/api/v1/history/fleet/diff?from=" + middle + "&to=" + to + lookback);
    }

    /** Telemetry straight into the archive: drones circling the patrol area, rows spread evenly over a window. */
    private static void seed(final LocalStack stack, final int rows, final Instant from, final Instant to) throws Exception
    {
        final int perDrone = Math.max(1, rows / SEED_DRONES);
        final double stepS = Math.max(0.001, (to.getEpochSecond() - from.getEpochSecond()) / (double)perDrone);
        try (Connection db = ArchiveDatabase.connect(stack); Statement sql = db.createStatement())
        {
            sql.execute("INSERT INTO telemetry (time, received_at, drone_id, seq, lat, lon, alt_m, heading_deg, " +
                "speed_mps, climb_mps, battery_pct, status, flags, journal_index) " +
                "SELECT t, t, " + SEED_FIRST_ID + " + d, n, 52.52 + 0.02 * sin(n / 50.0 + d), " +
                "13.405 + 0.03 * cos(n / 50.0 + d), 60, 0, 12, 0, 80, 2, 0, -1 " +
                "FROM generate_series(0, " + (SEED_DRONES - 1) + ") d CROSS JOIN generate_series(1, " + perDrone + ") n " +
                "CROSS JOIN LATERAL (SELECT to_timestamp(" + from.getEpochSecond() + ") + n * interval '" + stepS +
                " seconds' AS t) s");
            sql.execute("ANALYZE telemetry");
        }
    }
}
