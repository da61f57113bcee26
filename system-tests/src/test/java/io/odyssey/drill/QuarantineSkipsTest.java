package io.odyssey.drill;

import io.odyssey.cli.PrometheusText;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class QuarantineSkipsTest
{
    /** Per node, what its /metrics says now (absent: it does not answer). */
    private final Map<Integer, Map<String, Long>> counters = new HashMap<>();

    @Test
    void shouldCountOnlyWhatEachNodeSkippedInTheWindow()
    {
        counter(1, "REPLAYED", 40);
        counter(2, "REPLAYED", 3);
        final QuarantineSkips skips = new QuarantineSkips(2, this::metrics);

        counter(1, "REPLAYED", 52);
        counter(1, "DRONE_ID_OUT_OF_RANGE", 98);
        counter(2, "REPLAYED", 3);

        assertThat(skips.of(1)).containsExactlyInAnyOrderEntriesOf(Map.of("REPLAYED", 12L, "DRONE_ID_OUT_OF_RANGE", 98L));
        assertThat(skips.of(2)).isEmpty();
        assertThat(QuarantineSkips.total(skips.byReason())).isEqualTo(110);
        assertThat(skips.notes()).isEmpty();
    }

    @Test
    void shouldKeepWhatAKilledProcessCountedAndCountItsSuccessorFromZero()
    {
        counter(1, "REPLAYED", 5);
        final QuarantineSkips skips = new QuarantineSkips(1, this::metrics);
        counter(1, "REPLAYED", 9);
        skips.processEnds(1);

        // kill -9, started again: the new process counts from zero.
        counters.put(1, new HashMap<>());
        counter(1, "REPLAYED", 30);

        assertThat(skips.of(1)).containsExactly(Map.entry("REPLAYED", 34L));
    }

    @Test
    void shouldCountNothingForANodeItCouldNotReadAndSaySo()
    {
        counter(1, "REPLAYED", 5);
        final QuarantineSkips skips = new QuarantineSkips(2, this::metrics);
        counter(1, "REPLAYED", 7);
        counter(2, "REPLAYED", 1_000);

        // Node 2's counter was not read when the window opened: what it says now may be from before, so none.
        assertThat(skips.byReason()).containsExactly(Map.entry("REPLAYED", 2L));
        assertThat(skips.notes()).containsExactly("edge-ingest-2 did not answer /metrics when the window opened: its " +
            "refused frames past the quarantine budget counted as none");
    }

    @Test
    void shouldCountNoneForACounterThatWentBackUnannounced()
    {
        counter(1, "REPLAYED", 50);
        final QuarantineSkips skips = new QuarantineSkips(1, this::metrics);
        // Restarted without processEnds: what the old process counted in the window is gone.
        counter(1, "REPLAYED", 4);

        assertThat(skips.of(1)).isEmpty();
        assertThat(skips.notes()).singleElement().asString().contains("went back from 50 to 4");
    }

    private void counter(final int node, final String reason, final long value)
    {
        counters.computeIfAbsent(node, n -> new HashMap<>()).put(reason, value);
    }

    private List<PrometheusText.Sample> metrics(final int node)
    {
        final Map<String, Long> byReason = counters.get(node);
        if (byReason == null)
        {
            return List.of();
        }
        final List<PrometheusText.Sample> samples = new ArrayList<>();
        // Another series of the node, so a node that answers never gives an empty list.
        samples.add(new PrometheusText.Sample("odyssey_ingest_frames_received_total", Map.of("role", "edge-ingest"), 1));
        byReason.forEach((reason, value) -> samples.add(new PrometheusText.Sample(QuarantineSkips.METRIC,
            Map.of("role", "edge-ingest", "reason", reason), value)));
        return samples;
    }
}
