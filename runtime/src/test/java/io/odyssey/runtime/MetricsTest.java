package io.odyssey.runtime;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

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

    @Test
    void shouldShowTheJvmsHeapAgainstItsLimitAndItsOffHeapBuffersOnEveryProcess() throws Exception
    {
        final Metrics metrics = new Metrics("archiver");
        // 64 MiB off heap, as Aeron's and Agrona's buffers are: the direct-buffer gauge must see it.
        final java.nio.ByteBuffer held = java.nio.ByteBuffer.allocateDirect(64 << 20);

        final Map<String, Double> values = new HashMap<>();
        for (final String line : metrics.renderPrometheus().split("\n"))
        {
            if (line.startsWith("odyssey_jvm_"))
            {
                values.put(line.substring(0, line.indexOf('{')), Double.parseDouble(line.substring(line.indexOf("} ") + 2)));
                assertThat(line).contains("{role=\"archiver\"}");
            }
        }
        assertThat(values.get("odyssey_jvm_heap_used_bytes")).isPositive()
            .isLessThanOrEqualTo(values.get("odyssey_jvm_heap_committed_bytes"));
        assertThat(values.get("odyssey_jvm_heap_max_bytes")).isEqualTo((double)Runtime.getRuntime().maxMemory());
        assertThat(values.get("odyssey_jvm_direct_buffer_bytes")).isGreaterThanOrEqualTo(held.capacity());
        assertThat(values.get("odyssey_jvm_threads")).isPositive();
        assertThat(values).containsKeys("odyssey_jvm_nonheap_used_bytes", "odyssey_jvm_mapped_buffer_bytes",
            "odyssey_jvm_gc_collections", "odyssey_jvm_gc_seconds");
    }
}
