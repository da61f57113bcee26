package io.odyssey.drill;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.odyssey.runtime.ProcessLauncher;
import io.odyssey.stack.LocalStack;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * The fault suite ({@code ./odyssey drill [--only NAME,...] [--scale small|full] [--out DIR]}): starts the real stack as
 * separate processes ({@link LocalStack}), plays each fault against it with its accounting, and after each drill checks
 * that the whole stack is healthy again (repairing it if not, so one failure does not fail the rest). Ends with a table
 * (drill, result, counts, time), writes {@code results.md} and {@code results.json} with every line the drills printed
 * under {@code bench-results/drills-<time>/}, and exits 1 if any drill failed (2 for a usage error).
 */
public final class FaultDrills
{
    /** After a drill, the stack must be healthy again within this (an archiver catching up after an outage included). */
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(120);

    record Options(Scale scale, Set<String> only, Path out)
    {
    }

    /** One drill's outcome, as the table shows it. */
    public record Outcome(String drill, String summary, boolean passed, java.util.Map<String, String> counts, long ms,
        List<String> failures, List<String> lines)
    {
    }

    private FaultDrills()
    {
    }

    /** Every drill, in the order played: the ones that kill processes last, the simulator's kill at the very end. */
    public static List<Drill> all()
    {
        final List<Drill> drills = new ArrayList<>(List.of(
            new WebSocketChurnDrill(),
            new SlowClientsDrill(),
            new HostileMessagesDrill(),
            new PoisonEntryDrill(),
            new HistoryLoadDrill(),
            new CommandFloodDrill(),
            new ForgedIdsDrill()));
        for (final String module : List.of("grid-node", "edge-ingest", "ws-gateway", "archiver"))
        {
            drills.add(new KillRoleDrill(module));
        }
        drills.add(new DatabaseOutageDrill());
        drills.add(new GridRollingRestartDrill());
        drills.add(new KillRoleDrill("simulator"));
        return drills;
    }

    public static void main(final String[] args) throws Exception
    {
        if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h"))
        {
            System.out.println(usage());
            return;
        }
        final Options options;
        try
        {
            options = parse(args);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println(ex.getMessage());
            System.err.println(usage());
            System.exit(2);
            return;
        }
        final List<Outcome> outcomes = run(options, System.out);
        System.exit(outcomes.stream().allMatch(Outcome::passed) ? 0 : 1);
    }

    static String usage()
    {
        return "usage: ./odyssey drill [--only NAME,...] [--scale small|full] [--out DIR]\n\n" +
            all().stream().map(drill -> String.format(Locale.ROOT, "  %-21s %s%n", drill.name(), drill.summary()))
                .collect(Collectors.joining());
    }

    static Options parse(final String[] args)
    {
        Scale scale = Scale.FULL;
        final Set<String> only = new LinkedHashSet<>();
        Path out = null;
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--scale" -> scale = Scale.named(value(args, ++i, "--scale"));
                case "--only" -> only.addAll(Arrays.asList(value(args, ++i, "--only").split(",")));
                case "--out" -> out = Path.of(value(args, ++i, "--out"));
                default -> throw new IllegalArgumentException("unknown option: " + args[i]);
            }
        }
        final Set<String> known = all().stream().map(Drill::name).collect(Collectors.toSet());
        for (final String name : only)
        {
            if (!known.contains(name))
            {
                throw new IllegalArgumentException("no drill named '" + name + "'");
            }
        }
        if (out == null)
        {
            out = LocalStack.repositoryRoot().resolve("bench-results").resolve("drills-" +
                DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(Instant.now()));
        }
        return new Options(scale, only, out.toAbsolutePath());
    }

    private static String value(final String[] args, final int i, final String option)
    {
        if (i >= args.length)
        {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    /** Plays the selected drills against one stack; the outcomes in the order played. */
    static List<Outcome> run(final Options options, final PrintStream out) throws Exception
    {
        ProcessLauncher.defaultSystemProperties();
        final List<Drill> drills = all().stream()
            .filter(drill -> options.only().isEmpty() || options.only().contains(drill.name())).toList();
        Files.createDirectories(options.out());
        final String machine = MachineFacts.describe();
        Files.writeString(options.out().resolve("machine.txt"), machine);
        out.println("[drills] " + drills.size() + " drill(s) at scale " + options.scale().name() + "; results in " +
            options.out());
        out.print(machine.lines().map(line -> "[drills] " + line + "\n").collect(Collectors.joining()));

        final Scale scale = options.scale();
        final LocalStack.Options shape = new LocalStack.Options();
        shape.gridMembers = scale.gridMembers();
        shape.ingestNodes = 2;
        shape.drones = scale.drones();
        shape.env("edge-ingest", "ODYSSEY_INGEST_DRONE_EXPIRY_S", String.valueOf(scale.droneExpiry().toSeconds()));
        // Ingest refuses an expiry within two signature windows (a forgotten drone could be replayed back to life).
        shape.env("edge-ingest", "ODYSSEY_INGEST_SIGNATURE_WINDOW_S",
            String.valueOf(Math.max(1, Math.min(60, (scale.droneExpiry().toSeconds() - 1) / 2))));
        final long startNs = System.nanoTime();
        final List<Outcome> outcomes = new ArrayList<>();
        // Journals are large and of no use after the run (the drills' books are in the results): a temporary directory.
        final Path data = Files.createTempDirectory("odyssey-drills-");
        // Ctrl-C or SIGTERM must not leave the stack's processes (or its database) running.
        final java.util.concurrent.atomic.AtomicReference<LocalStack> running = new java.util.concurrent.atomic.AtomicReference<>();
        final Thread stopOnSignal = new Thread(() ->
        {
            final LocalStack stack = running.get();
            if (stack != null)
            {
                stack.close();
            }
            deleteTree(data);
        }, "drills-stop");
        Runtime.getRuntime().addShutdownHook(stopOnSignal);
        try (LocalStack stack = LocalStack.start(shape, data, options.out().resolve("logs"), Duration.ofMinutes(8)))
        {
            running.set(stack);
            out.printf(Locale.ROOT, "[drills] stack up in %.1f s: %s%n", (System.nanoTime() - startNs) / 1e9,
                stack.roleNames());
            // The stack's first order loads the gateway's and the ledger's command path (classes, JIT, the grid map's
            // proxies): seconds on two cores, which the first drill timing orders would otherwise count as the fault's.
            // Said here, so a cold path that got slower still shows.
            final io.odyssey.stack.Http.Response firstOrder = stack.http().post(stack.gatewayUrl("/api/v1/commands"),
                stack.operatorToken(), "{\"droneId\":1,\"type\":\"set-speed\",\"speed\":12}", Duration.ofSeconds(30));
            out.printf(Locale.ROOT, "[drills] the stack's first order (before any drill): %s%n", firstOrder.describe());
            final ExecutorService runner = Executors.newSingleThreadExecutor(r ->
            {
                final Thread thread = new Thread(r, "drill");
                thread.setDaemon(true);
                return thread;
            });
            for (final Drill drill : drills)
            {
                outcomes.add(play(drill, stack, scale, options.out(), runner, out));
            }
            runner.shutdownNow();
        }
        catch (final Exception ex)
        {
            out.println("[drills] the stack could not be run: " + ex);
            outcomes.add(new Outcome("stack", "start the stack", false, java.util.Map.of(),
                (System.nanoTime() - startNs) / 1_000_000, List.of(ex.toString()), List.of()));
        }
        finally
        {
            deleteTree(data);
            try
            {
                Runtime.getRuntime().removeShutdownHook(stopOnSignal);
            }
            catch (final IllegalStateException ex)
            {
                // Already shutting down: the hook is doing the same.
            }
        }
        final String table = table(outcomes);
        out.println();
        out.print(table);
        out.printf(Locale.ROOT, "[drills] %d of %d passed in %.1f min; results in %s%n",
            outcomes.stream().filter(Outcome::passed).count(), outcomes.size(),
            (System.nanoTime() - startNs) / 60e9, options.out());
        write(options, machine, table, outcomes);
        return outcomes;
    }

    private static Outcome play(final Drill drill, final LocalStack stack, final Scale scale, final Path out,
        final ExecutorService runner, final PrintStream print) throws Exception
    {
        final DrillReport report = new DrillReport(drill.name(), print);
        report.say("--- " + drill.summary());
        final Path dir = Files.createDirectories(out.resolve(drill.name()));
        final DrillContext context = new DrillContext(stack, scale, report, dir);
        final long startNs = System.nanoTime();
        final Future<?> running = runner.submit(() ->
        {
            drill.run(context);
            return null;
        });
        try
        {
            running.get(scale.drillTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
        catch (final TimeoutException ex)
        {
            running.cancel(true);
            report.failed("did not finish within " + scale.drillTimeout().toSeconds() + " s");
        }
        catch (final java.util.concurrent.ExecutionException ex)
        {
            report.failed("stopped by " + ex.getCause());
            ex.getCause().printStackTrace(print);
        }
        // Whatever the drill did, the next one gets a healthy stack; needing help to get there is a failure.
        final long recoveryStartNs = System.nanoTime();
        final List<String> repairs = stack.repair(RECOVERY_BOUND);
        report.check("the whole stack was healthy again within " + RECOVERY_BOUND.toSeconds() + " s", repairs.isEmpty(),
            repairs.isEmpty() ? "in " + (System.nanoTime() - recoveryStartNs) / 1_000_000 + " ms" : String.join("; ", repairs));
        final long ms = (System.nanoTime() - startNs) / 1_000_000;
        report.elapsed(ms);
        report.say((report.passed() ? "PASSED" : "FAILED") + String.format(Locale.ROOT, " in %.1f s", ms / 1000.0));
        return new Outcome(drill.name(), drill.summary(), report.passed(), report.counts(), ms, report.failures(),
            report.lines());
    }

    private static void deleteTree(final Path dir)
    {
        if (!Files.exists(dir))
        {
            return;
        }
        try (java.util.stream.Stream<Path> files = Files.walk(dir))
        {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (final java.io.IOException ex)
        {
            System.err.println("[drills] could not delete " + dir + ": " + ex);
        }
    }

    static String table(final List<Outcome> outcomes)
    {
        final StringBuilder table = new StringBuilder("| drill | result | counts | time |\n|---|---|---|---|\n");
        for (final Outcome outcome : outcomes)
        {
            table.append("| ").append(outcome.drill()).append(" | ").append(outcome.passed() ? "pass" : "**FAIL**")
                .append(" | ").append(outcome.counts().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                    .collect(Collectors.joining(", ")))
                .append(String.format(Locale.ROOT, " | %.0f s |%n", outcome.ms() / 1000.0));
        }
        return table.toString();
    }

    private static void write(final Options options, final String machine, final String table,
        final List<Outcome> outcomes) throws Exception
    {
        final StringBuilder markdown = new StringBuilder("# Fault drills, scale ").append(options.scale().name())
            .append("\n\n```\n").append(machine).append("```\n\n").append(table);
        for (final Outcome outcome : outcomes)
        {
            markdown.append("\n## ").append(outcome.drill()).append(outcome.passed() ? " (pass)" : " (FAIL)")
                .append("\n\n").append(outcome.summary()).append("\n\n```\n");
            outcome.lines().forEach(line -> markdown.append(line).append('\n'));
            markdown.append("```\n");
        }
        Files.writeString(options.out().resolve("results.md"), markdown, StandardCharsets.UTF_8);

        final ObjectNode json = DrillContext.JSON.createObjectNode();
        json.put("scale", options.scale().name());
        json.put("machine", machine);
        final ArrayNode drills = json.putArray("drills");
        for (final Outcome outcome : outcomes)
        {
            final ObjectNode drill = drills.addObject();
            drill.put("drill", outcome.drill());
            drill.put("passed", outcome.passed());
            drill.put("ms", outcome.ms());
            final ObjectNode counts = drill.putObject("counts");
            outcome.counts().forEach(counts::put);
            final ArrayNode failures = drill.putArray("failures");
            outcome.failures().forEach(failures::add);
        }
        Files.writeString(options.out().resolve("results.json"),
            DrillContext.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json), StandardCharsets.UTF_8);
    }
}
