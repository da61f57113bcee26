package io.odyssey.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The soak ({@code ./odyssey bench --soak}): against a running local stack (started by the launcher, each role a JVM
 * with its heap limit), churns clients for the whole run — WebSockets on {@code /ws/fleet} (some with a bounding box),
 * {@code /ws/alerts} and {@code /ws/commands} that live a few seconds and leave by a clean close, an abort or by
 * ceasing to read; REST reads, history queries and an order now and then — and every {@code --gc-every} seconds forces
 * a full GC in each process (the {@code jcmd <pid> GC.class_histogram} command, which collects before it counts) and records its
 * live set. Ends with a table per process: first, last and largest live set and whether it stayed flat (no sample more
 * than 10 % above the first). Writes {@code live-set.csv}, {@code soak.md} and each process's biggest classes at the
 * first and the last sample under {@code histograms/}. Exit 1 when a process was gone before the end.
 * <p>
 * Usage: Soak --pids FILE --gateway URL --token TOKEN --duration S --gc-every S --drones N --out DIR
 */
public final class Soak
{
    /** Live sets within this fraction above the first sample count as flat. */
    static final double FLAT_WITHIN = 0.10;
    /** Longest one process's measurement may take (a full GC of a few hundred MB is well under this). */
    private static final long MEASURE_TIMEOUT_S = 180;
    /** Client churn: at most this many WebSockets open at once. */
    private static final int MAX_OPEN_SOCKETS = 40;

    private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("(?m)^Total\\s+(\\d+)\\s+(\\d+)\\s*$");
    /** A heap space's line of GC.heap_info: "... total 65536K, used 8965K [" (JDK 17) or "total reserved ..K, committed ..K, used ..K". */
    private static final Pattern HEAP_USED = Pattern.compile("(?m)^\\s*\\S.*\\btotal\\b.*?\\bused (\\d+)K");

    /** A process of the stack, from the launcher's pid file. */
    record Role(String name, long pid)
    {
    }

    /** One live-set sample of one process. */
    record Sample(long elapsedS, String role, long pid, long liveBytes, long heapUsedBytes)
    {
    }

    /** A process's line of the final table. */
    record Verdict(String role, int samples, long firstBytes, long lastBytes, long maxBytes, boolean flat)
    {
        double growth()
        {
            return firstBytes == 0 ? Double.NaN : (double)(maxBytes - firstBytes) / firstBytes;
        }
    }

    private Soak()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Map<String, String> options = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2)
        {
            options.put(args[i], args[i + 1]);
        }
        for (final String required : List.of("--pids", "--gateway", "--token", "--duration", "--gc-every", "--drones", "--out"))
        {
            if (!options.containsKey(required))
            {
                System.err.println("usage: Soak --pids FILE --gateway URL --token TOKEN --duration S --gc-every S " +
                    "--drones N --out DIR (missing " + required + ")");
                System.exit(2);
            }
        }
        final List<Role> roles = readPids(Path.of(options.get("--pids")));
        final Path out = Path.of(options.get("--out"));
        final long durationS = Long.parseLong(options.get("--duration"));
        final long gcEveryS = Long.parseLong(options.get("--gc-every"));
        Files.createDirectories(out.resolve("histograms"));
        final Path csv = out.resolve("live-set.csv");
        Files.writeString(csv, "elapsed_s,role,pid,live_bytes,heap_used_after_gc_bytes\n");

        final Churn churn = new Churn(options.get("--gateway"), options.get("--token"), Integer.parseInt(options.get("--drones")));
        final List<Sample> samples = java.util.Collections.synchronizedList(new ArrayList<>());
        final Map<String, String> gone = new java.util.concurrent.ConcurrentHashMap<>();
        final java.util.concurrent.atomic.AtomicBoolean reported = new java.util.concurrent.atomic.AtomicBoolean();
        // Stopped early (Ctrl-C): the table of what was sampled so far is still written.
        final Runnable writeReport = () ->
        {
            if (reported.compareAndSet(false, true))
            {
                final String report = report(verdicts(roles, List.copyOf(samples)), gone, churn.counts(), durationS, gcEveryS);
                try
                {
                    Files.writeString(out.resolve("soak.md"), report);
                }
                catch (final IOException ex)
                {
                    log("soak.md could not be written: " + ex.getMessage());
                }
                System.out.print(report);
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(writeReport, "soak-report"));
        churn.start();
        final long start = System.nanoTime();
        final java.util.concurrent.ExecutorService measuring = Executors.newFixedThreadPool(roles.size(), runnable ->
        {
            final Thread thread = new Thread(runnable, "soak-measure");
            thread.setDaemon(true);
            return thread;
        });
        int round = 0;
        for (long tick = gcEveryS; tick < durationS; )
        {
            sleepUntil(start, tick);
            measureRound(roles, ++round, start, out, csv, measuring, samples, gone);
            log("  churn so far: " + churn.counts());
            // On a loaded machine a round of full GCs can outlast the interval: skip the ticks it overran.
            tick = Math.max(tick + gcEveryS, (elapsed(start) / gcEveryS + 1) * gcEveryS);
        }
        // And always one at the end, under the same churn, so that every run has a first and a last sample.
        sleepUntil(start, durationS);
        measureRound(roles, ++round, start, out, csv, measuring, samples, gone);
        churn.stop();
        writeReport.run();
        System.exit(gone.isEmpty() ? 0 : 1);
    }

    static List<Role> readPids(final Path file) throws IOException
    {
        final List<Role> roles = new ArrayList<>();
        for (final String line : Files.readAllLines(file))
        {
            final String[] fields = line.trim().split("\\s+");
            if (fields.length == 2)
            {
                roles.add(new Role(fields[0], Long.parseLong(fields[1])));
            }
        }
        if (roles.isEmpty())
        {
            throw new IllegalArgumentException(file + " names no process");
        }
        return roles;
    }

    /**
     * One sample of every process still there, all at once (each process's full GC is its own; on a loaded machine most
     * of a measurement is waiting for the process to be scheduled).
     */
    private static void measureRound(final List<Role> roles, final int round, final long start, final Path out,
        final Path csv, final java.util.concurrent.ExecutorService measuring, final List<Sample> samples,
        final Map<String, String> gone) throws Exception
    {
        final Map<Role, java.util.concurrent.Future<Sample>> pending = new LinkedHashMap<>();
        for (final Role role : roles)
        {
            if (!gone.containsKey(role.name()))
            {
                pending.put(role, measuring.submit(() -> measure(role, elapsed(start), out, round)));
            }
        }
        for (final Map.Entry<Role, java.util.concurrent.Future<Sample>> entry : pending.entrySet())
        {
            final Role role = entry.getKey();
            try
            {
                final Sample sample = entry.getValue().get(MEASURE_TIMEOUT_S, TimeUnit.SECONDS);
                samples.add(sample);
                Files.writeString(csv, String.format(Locale.ROOT, "%d,%s,%d,%d,%d%n", sample.elapsedS(), sample.role(),
                    sample.pid(), sample.liveBytes(), sample.heapUsedBytes()), java.nio.file.StandardOpenOption.APPEND);
                log(String.format(Locale.ROOT, "%5d s  %-14s live set %7.1f MB (heap used after full GC %7.1f MB)",
                    sample.elapsedS(), role.name(), mb(sample.liveBytes()), mb(sample.heapUsedBytes())));
            }
            catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException ex)
            {
                final Throwable cause = ex instanceof java.util.concurrent.ExecutionException ? ex.getCause() : ex;
                gone.put(role.name(), String.valueOf(cause.getMessage()));
                log(role.name() + " (pid " + role.pid() + ") could not be measured: " + cause.getMessage());
            }
        }
    }

    /**
     * A full GC and the live set it leaves: GC.class_histogram collects before counting (it counts live objects
     * only), and GC.heap_info right after says how much heap that left in use.
     */
    private static Sample measure(final Role role, final long elapsedS, final Path out, final int round)
        throws IOException
    {
        final String[] answers = diagnosticCommands(role.pid(), "gcClassHistogram", "gcHeapInfo");
        final String histogram = answers[0];
        final long live = histogramTotalBytes(histogram);
        final long heapUsed = heapUsedBytes(answers[1]);
        // The biggest classes at the first and the latest sample, to see what grew when a live set did.
        final List<String> lines = histogram.lines().toList();
        Files.write(out.resolve("histograms").resolve(role.name() + (round == 1 ? "-first" : "-last") + ".txt"),
            lines.subList(0, Math.min(lines.size(), 33)));
        return new Sample(elapsedS, role.name(), role.pid(), live, heapUsed);
    }

    /** The live bytes in a class histogram: its {@code Total} line. */
    static long histogramTotalBytes(final String histogram) throws IOException
    {
        final Matcher total = HISTOGRAM_TOTAL.matcher(histogram);
        if (!total.find())
        {
            throw new IOException("no Total line in the class histogram: " + gist(histogram));
        }
        return Long.parseLong(total.group(2));
    }

    /** The heap in use, summed over the spaces GC.heap_info lists (G1, Serial, Parallel; JDK 17 and 25); -1 if none. */
    static long heapUsedBytes(final String heapInfo)
    {
        final Matcher used = HEAP_USED.matcher(heapInfo);
        long kb = 0;
        boolean found = false;
        while (used.find())
        {
            kb += Long.parseLong(used.group(1));
            found = true;
        }
        return found ? kb * 1024 : -1;
    }

    /** Per process: first, last and largest live set, and whether no sample rose more than 10 % above the first. */
    static List<Verdict> verdicts(final List<Role> roles, final List<Sample> samples)
    {
        final List<Verdict> verdicts = new ArrayList<>();
        for (final Role role : roles)
        {
            final List<Sample> own = samples.stream().filter(s -> s.role().equals(role.name())).toList();
            if (own.isEmpty())
            {
                verdicts.add(new Verdict(role.name(), 0, 0, 0, 0, false));
                continue;
            }
            final long first = own.get(0).liveBytes();
            final long max = own.stream().mapToLong(Sample::liveBytes).max().orElseThrow();
            verdicts.add(new Verdict(role.name(), own.size(), first, own.get(own.size() - 1).liveBytes(), max,
                own.size() > 1 && max <= first * (1 + FLAT_WITHIN)));
        }
        return verdicts;
    }

    static String report(final List<Verdict> verdicts, final Map<String, String> gone, final Map<String, Long> churn,
        final long durationS, final long gcEveryS)
    {
        final StringBuilder md = new StringBuilder();
        md.append("# Soak: live set after full GC per process\n\n")
            .append(String.format(Locale.ROOT, "%s; %d s, a sample every %d s; flat = no sample more than %.0f %% above " +
                "the first.%n%n", Instant.now(), durationS, gcEveryS, FLAT_WITHIN * 100))
            .append("| process | samples | first (MB) | last (MB) | max (MB) | max vs first | flat |\n")
            .append("|---|---|---|---|---|---|---|\n");
        for (final Verdict v : verdicts)
        {
            md.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %s | %s |%n", v.role(), v.samples(),
                mb(v.firstBytes()), mb(v.lastBytes()), mb(v.maxBytes()),
                Double.isNaN(v.growth()) ? "-" : String.format(Locale.ROOT, "%+.1f %%", v.growth() * 100),
                v.samples() < 2 ? "too few samples" : v.flat() ? "yes" : "**no**"));
        }
        gone.forEach((role, why) -> md.append("\n**").append(role).append(" was gone before the end**: ").append(why).append('\n'));
        md.append("\nClient churn: ").append(churn).append('\n')
            .append("\nFiles: `live-set.csv` (every sample), `histograms/<process>-first.txt` and `-last.txt` (the biggest " +
                "classes), `stack.log` (the stack's log).\n");
        return md.toString();
    }

    /**
     * Diagnostic commands run in the process, as {@code jcmd <pid> GC.class_histogram} etc. would: through the attach
     * API and the process's local JMX agent (its DiagnosticCommand MBean; public API, no module flags), so that no jcmd
     * JVM has to start for each (tens of seconds apiece on a loaded two-core machine). The agent stays up in the
     * process after the first sample, so it is in every sample alike.
     */
    static String[] diagnosticCommands(final long pid, final String... operations) throws IOException
    {
        final com.sun.tools.attach.VirtualMachine vm;
        try
        {
            vm = com.sun.tools.attach.VirtualMachine.attach(Long.toString(pid));
        }
        catch (final com.sun.tools.attach.AttachNotSupportedException ex)
        {
            throw new IOException("cannot attach to pid " + pid + " (gone?): " + ex.getMessage(), ex);
        }
        try (javax.management.remote.JMXConnector connector = javax.management.remote.JMXConnectorFactory.connect(
            new javax.management.remote.JMXServiceURL(vm.startLocalManagementAgent())))
        {
            final javax.management.MBeanServerConnection server = connector.getMBeanServerConnection();
            final javax.management.ObjectName diagnostics =
                new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand");
            final String[] answers = new String[operations.length];
            for (int i = 0; i < operations.length; i++)
            {
                answers[i] = (String)server.invoke(diagnostics, operations[i], new Object[]{new String[0]},
                    new String[]{String[].class.getName()});
            }
            return answers;
        }
        catch (final javax.management.JMException ex)
        {
            throw new IOException("diagnostic command in pid " + pid + " failed: " + ex.getMessage(), ex);
        }
        finally
        {
            vm.detach();
        }
    }

    /** jcmd's answer in one line: its first line after the "pid:" it starts with. */
    private static String gist(final String text)
    {
        return text.replaceFirst("^\\d+:\\s*", "").lines().findFirst().orElse("(no output)");
    }

    private static void sleepUntil(final long startNanos, final long elapsedS) throws InterruptedException
    {
        final long wait = startNanos + TimeUnit.SECONDS.toNanos(elapsedS) - System.nanoTime();
        if (wait > 0)
        {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }

    private static long elapsed(final long startNanos)
    {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
    }

    private static double mb(final long bytes)
    {
        return bytes / (1024.0 * 1024.0);
    }

    static void log(final String line)
    {
        System.out.println("[soak] " + line);
    }

    private static Throwable rootCause(final Throwable error)
    {
        Throwable cause = error;
        while (cause.getCause() != null && cause.getCause() != cause)
        {
            cause = cause.getCause();
        }
        return cause;
    }

    /**
     * Clients coming and going as dashboards, CLIs and scripts do. Every second a few WebSockets open (each lives 1 to
     * 20 s and then closes cleanly, aborts, or stops reading until the gateway gives up on it or its life ends), and
     * REST reads and history queries go out; every ten seconds an order (set-speed, which a drone completes at once).
     */
    static final class Churn
    {
        private static final String[] FEEDS = {"/ws/fleet", "/ws/fleet", "/ws/alerts", "/ws/commands"};

        private final String gateway;
        private final String token;
        private final int drones;
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
        private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2, runnable ->
        {
            final Thread thread = new Thread(runnable, "soak-churn");
            thread.setDaemon(true);
            return thread;
        });
        private final AtomicInteger open = new AtomicInteger();
        private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
        private long tick;

        Churn(final String gateway, final String token, final int drones)
        {
            this.gateway = gateway.replaceAll("/+$", "");
            this.token = token;
            this.drones = Math.max(1, drones);
        }

        void start()
        {
            timer.scheduleAtFixedRate(this::tick, 0, 1, TimeUnit.SECONDS);
        }

        void stop() throws InterruptedException
        {
            timer.shutdownNow();
            timer.awaitTermination(10, TimeUnit.SECONDS);
        }

        Map<String, Long> counts()
        {
            final Map<String, Long> copy = new java.util.TreeMap<>();
            counts.forEach((name, value) -> copy.put(name, value.get()));
            return copy;
        }

        private void count(final String what)
        {
            counts.computeIfAbsent(what, k -> new AtomicLong()).incrementAndGet();
        }

        private void tick()
        {
            try
            {
                tick++;
                final ThreadLocalRandom random = ThreadLocalRandom.current();
                for (int i = 0; i < 3 && open.get() < MAX_OPEN_SOCKETS; i++)
                {
                    openSocket(FEEDS[random.nextInt(FEEDS.length)], random);
                }
                final long drone = 1 + random.nextInt(drones);
                request("GET", "/api/v1/drones", null);
                request("GET", "/api/v1/alerts", null);
                if (tick % 5 == 0)
                {
                    final Instant now = Instant.now();
                    request("GET", "/api/v1/history/drones/" + drone + "/track?from=" + now.minusSeconds(120) + "&to=" + now, null);
                }
                if (tick % 10 == 0)
                {
                    request("POST", "/api/v1/commands", "{\"droneId\":" + drone + ",\"type\":\"set-speed\",\"speed\":" +
                        (10 + random.nextInt(5)) + "}");
                }
            }
            catch (final RuntimeException ex)
            {
                count("churn_errors");
            }
        }

        private void request(final String method, final String path, final String body)
        {
            final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(gateway + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + token);
            if (body == null)
            {
                request.GET();
            }
            else
            {
                request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body));
            }
            http.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding()).whenComplete((response, error) ->
                count(error != null ? "rest_failed_" + rootCause(error).getClass().getSimpleName() : "rest_" + response.statusCode()));
        }

        private void openSocket(final String path, final ThreadLocalRandom random)
        {
            final int ending = random.nextInt(3);
            final long lifeMs = 1_000 + random.nextInt(19_000);
            final boolean bbox = "/ws/fleet".equals(path) && random.nextBoolean();
            open.incrementAndGet();
            count("ws_opened");
            http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(30)).subprotocols("odyssey.v1", "bearer." + token)
                .buildAsync(URI.create(gateway.replaceFirst("^http", "ws") + path), new WebSocket.Listener()
                {
                    public void onOpen(final WebSocket socket)
                    {
                        socket.request(1);
                        if (bbox)
                        {
                            socket.sendText("{\"type\":\"subscribe\",\"bbox\":[13.38,52.50,13.43,52.54]}", true);
                        }
                    }

                    public CompletionStage<?> onText(final WebSocket socket, final CharSequence data, final boolean last)
                    {
                        if (last)
                        {
                            count("ws_messages");
                        }
                        // The third kind stops reading after its first message: a client that fell behind.
                        if (ending != 2)
                        {
                            socket.request(1);
                        }
                        return null;
                    }

                    public CompletionStage<?> onClose(final WebSocket socket, final int status, final String reason)
                    {
                        count("ws_closed_by_gateway");
                        return null;
                    }
                })
                .whenComplete((socket, error) ->
                {
                    if (error != null)
                    {
                        count("ws_failed_" + rootCause(error).getClass().getSimpleName());
                        open.decrementAndGet();
                        return;
                    }
                    timer.schedule(() ->
                    {
                        if (ending == 0)
                        {
                            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").orTimeout(5, TimeUnit.SECONDS)
                                .whenComplete((s, e) -> socket.abort());
                        }
                        else
                        {
                            socket.abort();
                        }
                        open.decrementAndGet();
                    }, lifeMs, TimeUnit.MILLISECONDS);
                });
        }
    }
}
