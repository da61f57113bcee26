package io.odyssey.runtime;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MetricsTest
{
    @Test
    void shouldReportEachIntervalOfAHopSeparately()
    {
        final Metrics metrics = new Metrics("test");
        final LatencyHop hop = metrics.hop("decoded", "send -> decoded");

        for (int interval = 1; interval <= 5; interval++)
        {
            hop.record(interval * 1_000_000L);
            hop.record(interval * 1_000_000L);
            metrics.sampleHops();
            assertThat(hop.lastInterval().getTotalCount()).isEqualTo(2);
            assertThat(hop.lastInterval().getValueAtPercentile(50)).isBetween(interval * 999_000L, interval * 1_001_000L);
        }
        assertThat(hop.cumulative().getTotalCount()).isEqualTo(10);
        metrics.sampleHops();
        assertThat(hop.lastInterval().getTotalCount()).isZero();
    }

    @Test
    void shouldRenderCountersWithLabelsInPrometheusFormat()
    {
        final Metrics metrics = new Metrics("edge-ingest");
        metrics.counter("odyssey_x_total", "X things", "reason=\"A\"").add(3);
        metrics.counter("odyssey_x_total", "X things", "reason=\"B\"").increment();
        metrics.gauge("odyssey_y", "Y", () -> 2.5);

        final String text = metrics.renderPrometheus();
        assertThat(text).containsOnlyOnce("# TYPE odyssey_x_total counter");
        assertThat(text).contains("odyssey_x_total{role=\"edge-ingest\",reason=\"A\"} 3");
        assertThat(text).contains("odyssey_x_total{role=\"edge-ingest\",reason=\"B\"} 1");
        assertThat(text).contains("odyssey_y{role=\"edge-ingest\"} 2.5");
    }
}
