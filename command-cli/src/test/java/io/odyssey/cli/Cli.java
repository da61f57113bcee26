package io.odyssey.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

/** Runs odyssey-cli in-process, as a person would type it, with a given environment and a fixed clock. */
final class Cli
{
    /** 2.5 s after the fixtures' drones sent their telemetry ({@link Contract#SENT_AT_NS}). */
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:02.500Z"), ZoneOffset.UTC);

    record Result(int exit, String out, String err)
    {
    }

    private Cli()
    {
    }

    static Result run(final String... args)
    {
        return run(Map.of(), args);
    }

    /** A run in the background whose output can be read while it goes on (StringWriter is synchronised). */
    record Running(java.util.concurrent.CompletableFuture<Integer> exit, StringWriter out, StringWriter err)
    {
        Result result(final long timeoutS) throws Exception
        {
            return new Result(exit.get(timeoutS, java.util.concurrent.TimeUnit.SECONDS), out.toString(), err.toString());
        }
    }

    static Running start(final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final java.util.concurrent.CompletableFuture<Integer> exit = java.util.concurrent.CompletableFuture.supplyAsync(() ->
            OdysseyCli.commandLine(Map.of(), CLOCK).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .execute(args));
        return new Running(exit, out, err);
    }

    /**
     * A run in the background that prints to {@code out}: a writer that blocks stands for a terminal paused with
     * Ctrl-S, or a pager nobody reads.
     */
    static java.util.concurrent.CompletableFuture<Integer> start(final Map<String, String> environment,
        final java.io.Writer out, final StringWriter err, final String... args)
    {
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> OdysseyCli.commandLine(environment, CLOCK)
            .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args));
    }

    static Result run(final Map<String, String> environment, final String... args)
    {
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        final int exit = OdysseyCli.commandLine(environment, CLOCK)
            .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true)).execute(args);
        return new Result(exit, out.toString(), err.toString());
    }
}
