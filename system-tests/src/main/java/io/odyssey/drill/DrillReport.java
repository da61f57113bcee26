package io.odyssey.drill;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one drill did and counted, as it happens: every line is printed at once (prefixed with the drill's name) and
 * kept for the results file. A drill passes when every claim it checked held and it finished.
 */
public final class DrillReport
{
    private final String drill;
    private final PrintStream out;
    private final List<String> lines = new ArrayList<>();
    private final Map<String, String> counts = new LinkedHashMap<>();
    private final List<String> failures = new ArrayList<>();
    private long elapsedMs;

    DrillReport(final String drill, final PrintStream out)
    {
        this.drill = drill;
        this.out = out;
    }

    public String drill()
    {
        return drill;
    }

    /** A line of what the drill is doing or found. */
    public synchronized void say(final String text)
    {
        final String line = "[" + drill + "] " + text;
        out.println(line);
        lines.add(line);
    }

    /** A figure for the summary table (in the order first counted). */
    public synchronized void count(final String name, final Object value)
    {
        counts.put(name, String.valueOf(value));
    }

    /**
     * A claim the system must make good, with the evidence either way.
     *
     * @return whether it held.
     */
    public synchronized boolean check(final String claim, final boolean held, final String evidence)
    {
        say((held ? "ok    " : "FAIL  ") + claim + (evidence.isEmpty() ? "" : " (" + evidence + ")"));
        if (!held)
        {
            failures.add(claim + (evidence.isEmpty() ? "" : " (" + evidence + ")"));
        }
        return held;
    }

    synchronized void failed(final String why)
    {
        say("FAIL  " + why);
        failures.add(why);
    }

    synchronized void elapsed(final long ms)
    {
        elapsedMs = ms;
    }

    public synchronized boolean passed()
    {
        return failures.isEmpty();
    }

    public synchronized List<String> failures()
    {
        return List.copyOf(failures);
    }

    public synchronized Map<String, String> counts()
    {
        return new LinkedHashMap<>(counts);
    }

    public synchronized List<String> lines()
    {
        return List.copyOf(lines);
    }

    public synchronized long elapsedMs()
    {
        return elapsedMs;
    }
}
