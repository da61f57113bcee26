package io.odyssey.runtime;

import org.HdrHistogram.Histogram;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * The counters, gauges and latency hops of one process, rendered in the Prometheus text format at
 * {@code GET /metrics}. Metric names carry the {@code odyssey_} prefix and the process role as a label, so
 * a scrape of several processes stays unambiguous.
 */
public final class Metrics
{
    private static final double[] QUANTILES = {0.5, 0.9, 0.99, 0.999, 1.0};

    private static final Logger LOG = LoggerFactory.getLogger(Metrics.class);

    private final String role;
    private final List<Counter> counters = new CopyOnWriteArrayList<>();
    private final List<Gauge> gauges = new CopyOnWriteArrayList<>();
    private final List<LatencyHop> hops = new CopyOnWriteArrayList<>();

    /** Every process's metrics start with the JVM's own ({@link JvmGauges}). */
    public Metrics(final String role)
    {
        this.role = role;
        JvmGauges.register(this);
    }

    public String role()
    {
        return role;
    }

    /** @param name a Prometheus counter name ending in {@code _total}. */
    public Counter counter(final String name, final String help)
    {
        return counter(name, help, "");
    }

    /** @param labels extra labels, e.g. {@code reason="TRUNCATED"}; the same name may be registered per label set. */
    public Counter counter(final String name, final String help, final String labels)
    {
        final Counter counter = new Counter(name, help, labels);
        counters.add(counter);
        return counter;
    }

    public void gauge(final String name, final String help, final DoubleSupplier supplier)
    {
        gauges.add(new Gauge(name, help, supplier));
    }

    public LatencyHop hop(final String name, final String description)
    {
        final LatencyHop hop = new LatencyHop(name, description);
        hops.add(hop);
        return hop;
    }

    public List<Counter> counters()
    {
        return List.copyOf(counters);
    }

    public List<LatencyHop> hops()
    {
        return List.copyOf(hops);
    }

    /** Closes the current latency interval of every hop; called once a second by the status server. */
    public void sampleHops()
    {
        for (final LatencyHop hop : hops)
        {
            hop.sample();
        }
    }

    /**
     * Closes each hop's interval once a second on a daemon thread, so {@code /metrics} reports the last second.
     *
     * @return stops the sampling.
     */
    public AutoCloseable startSampling()
    {
        final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(runnable ->
        {
            final Thread thread = new Thread(runnable, role + "-latency-sampler");
            thread.setDaemon(true);
            return thread;
        });
        sampler.scheduleAtFixedRate(() ->
        {
            try
            {
                sampleHops();
            }
            catch (final RuntimeException ex)
            {
                // A scheduled task that throws is never run again: log and keep sampling.
                LOG.error("sampling latency hops failed", ex);
            }
        }, 1, 1, TimeUnit.SECONDS);
        return sampler::shutdownNow;
    }

    public String renderPrometheus()
    {
        final StringBuilder out = new StringBuilder(4096);
        final List<String> described = new ArrayList<>();
        for (final Counter counter : counters)
        {
            if (!described.contains(counter.name()))
            {
                described.add(counter.name());
                out.append("# HELP ").append(counter.name()).append(' ').append(counter.help()).append('\n');
                out.append("# TYPE ").append(counter.name()).append(" counter\n");
            }
            out.append(counter.name()).append("{role=\"").append(role).append('"');
            if (!counter.labels().isEmpty())
            {
                out.append(',').append(counter.labels());
            }
            out.append("} ").append(counter.get()).append('\n');
        }
        for (final Gauge gauge : gauges)
        {
            out.append("# HELP ").append(gauge.name).append(' ').append(gauge.help).append('\n');
            out.append("# TYPE ").append(gauge.name).append(" gauge\n");
            out.append(gauge.name).append("{role=\"").append(role).append("\"} ")
                .append(format(gauge.supplier.getAsDouble())).append('\n');
        }
        if (!hops.isEmpty())
        {
            out.append("# HELP odyssey_hop_latency_seconds Latency from the drone's send timestamp to this hop, last interval\n");
            out.append("# TYPE odyssey_hop_latency_seconds summary\n");
            for (final LatencyHop hop : hops)
            {
                final Histogram histogram = hop.lastInterval();
                for (final double quantile : QUANTILES)
                {
                    out.append("odyssey_hop_latency_seconds{role=\"").append(role).append("\",hop=\"").append(hop.name())
                        .append("\",quantile=\"").append(quantile).append("\"} ")
                        .append(format(histogram.getTotalCount() == 0 ? Double.NaN :
                            histogram.getValueAtPercentile(quantile * 100.0) / 1e9))
                        .append('\n');
                }
                out.append("odyssey_hop_latency_seconds_count{role=\"").append(role).append("\",hop=\"")
                    .append(hop.name()).append("\"} ").append(histogram.getTotalCount()).append('\n');
            }
        }
        return out.toString();
    }

    private static String format(final double value)
    {
        if (Double.isNaN(value))
        {
            return "NaN";
        }
        if (value == Math.rint(value) && Math.abs(value) < 1e15)
        {
            return Long.toString((long)value);
        }
        return Double.toString(value);
    }

    private record Gauge(String name, String help, DoubleSupplier supplier)
    {
    }
}
