package io.odyssey.drill;

import io.odyssey.cli.PrometheusText;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * The refused frames each ingest node counted in a drill's window but did not copy into its quarantine journal: its
 * quarantine budget for their cause was spent ({@code odyssey_ingest_quarantine_skipped_total{reason}}, by reason).
 * The journal names a refused frame's drone and sequence; past the budget only this count is left, so the books take
 * the count as refused frames whose drone nobody wrote down.
 * <p>
 * A node's counters live in its process. The window's count of a node is its counter when the books close less what
 * it was when they opened, plus, for each process of the node that was killed in the window, what that process had
 * counted when {@link #processEnds} read it just before the kill (the process started after it counts from zero).
 * Anything a killed process skipped between that read and its death is not in the count: its frame's gap shows as lost
 * in flight to the killed node or as missing, so the books fail rather than balance by it. A node that does not answer
 * counts nothing for the stretch it did not answer, and says so in {@link #notes()}: a count can only make missing
 * frames look explained, so what cannot be read is taken as none.
 */
final class QuarantineSkips
{
    static final String METRIC = "odyssey_ingest_quarantine_skipped_total";

    private final int nodes;
    private final IntFunction<List<PrometheusText.Sample>> metrics;
    /** Per node: the counters (by reason) of its running process when this window's count of it starts; null unread. */
    private final Map<Integer, Map<String, Long>> base = new HashMap<>();
    /** Per node: what its processes killed in the window had counted in it, by reason. */
    private final Map<Integer, Map<String, Long>> banked = new HashMap<>();
    private final List<String> notes = new ArrayList<>();

    /**
     * Reads every node's counters now: the window opens.
     *
     * @param metrics node (1-based) to its {@code /metrics} samples, empty when it does not answer.
     */
    QuarantineSkips(final int nodes, final IntFunction<List<PrometheusText.Sample>> metrics)
    {
        this.nodes = nodes;
        this.metrics = metrics;
        for (int node = 1; node <= nodes; node++)
        {
            base.put(node, read(node, "when the window opened"));
        }
    }

    /** Node {@code node}'s process is about to be killed: what it counted in the window is kept; the next starts at 0. */
    void processEnds(final int node)
    {
        final Map<String, Long> now = read(node, "before its kill");
        bank(node, now);
        base.put(node, new TreeMap<>());
    }

    /** Per reason, every node's refused frames not journaled in the window so far. */
    Map<String, Long> byReason()
    {
        final Map<String, Long> sum = new TreeMap<>();
        for (int node = 1; node <= nodes; node++)
        {
            of(node).forEach((reason, n) -> sum.merge(reason, n, Long::sum));
        }
        return sum;
    }

    /** Per reason, node {@code node}'s refused frames not journaled in the window so far (its processes summed). */
    Map<String, Long> of(final int node)
    {
        final Map<String, Long> sum = new TreeMap<>(banked.getOrDefault(node, Map.of()));
        final Map<String, Long> from = base.get(node);
        if (from != null)
        {
            final Map<String, Long> now = read(node, "when the books closed");
            if (now != null)
            {
                since(node, from, now).forEach((reason, n) -> sum.merge(reason, n, Long::sum));
            }
        }
        return sum;
    }

    static long total(final Map<String, Long> byReason)
    {
        return byReason.values().stream().mapToLong(Long::longValue).sum();
    }

    /** What could not be read or did not add up, for the books' evidence; empty when every count was read. */
    List<String> notes()
    {
        return List.copyOf(notes);
    }

    private void bank(final int node, final Map<String, Long> now)
    {
        final Map<String, Long> from = base.get(node);
        if (from != null && now != null)
        {
            final Map<String, Long> into = banked.computeIfAbsent(node, n -> new TreeMap<>());
            since(node, from, now).forEach((reason, n) -> into.merge(reason, n, Long::sum));
        }
    }

    private Map<String, Long> since(final int node, final Map<String, Long> from, final Map<String, Long> now)
    {
        final Map<String, Long> delta = new TreeMap<>();
        for (final Map.Entry<String, Long> reason : now.entrySet())
        {
            final long n = reason.getValue() - from.getOrDefault(reason.getKey(), 0L);
            if (n < 0)
            {
                // A process started again without processEnds: what the old one counted is gone with it.
                note("edge-ingest-" + node + "'s " + METRIC + "{reason=\"" + reason.getKey() + "\"} went back from " +
                    from.getOrDefault(reason.getKey(), 0L) + " to " + reason.getValue() + ": counted as none");
            }
            else if (n > 0)
            {
                delta.put(reason.getKey(), n);
            }
        }
        return delta;
    }

    /** The node's counters by reason, or null (noted) when it does not answer. */
    private Map<String, Long> read(final int node, final String when)
    {
        final List<PrometheusText.Sample> samples = metrics.apply(node);
        if (samples.isEmpty())
        {
            note("edge-ingest-" + node + " did not answer /metrics " + when + ": its refused frames past the " +
                "quarantine budget counted as none");
            return null;
        }
        final Map<String, Long> byReason = new TreeMap<>();
        for (final PrometheusText.Sample sample : samples)
        {
            if (sample.name().equals(METRIC))
            {
                byReason.merge(sample.labels().getOrDefault("reason", "?"), (long)sample.value(), Long::sum);
            }
        }
        return byReason;
    }

    private void note(final String note)
    {
        if (!notes.contains(note))
        {
            notes.add(note);
        }
    }
}
