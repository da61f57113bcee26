package io.odyssey.runtime;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Latency of one hop of the pipeline (for example "drone send to ingest decoded"), recorded on the hot path
 * into an HdrHistogram {@link Recorder} without allocation, and read from a side thread.
 * <p>
 * {@link #sample()} swaps the recorder's interval histogram into a rolling window (the last interval) and a
 * cumulative histogram; the metrics endpoint reports both. Values are nanoseconds; values outside
 * [1 ns, 1 h] are clamped, because clock skew between hosts can make a hop look negative.
 */
public final class LatencyHop
{
    public static final long HIGHEST_TRACKABLE_NANOS = 3_600_000_000_000L;

    private final String name;
    private final String description;
    private final Recorder recorder = new Recorder(HIGHEST_TRACKABLE_NANOS, 3);
    private final Histogram cumulative = new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
    private final Histogram lastInterval = new Histogram(HIGHEST_TRACKABLE_NANOS, 3);
    /** Only histograms the recorder itself handed out may be given back to it for reuse. */
    private Histogram recycled;

    LatencyHop(final String name, final String description)
    {
        this.name = name;
        this.description = description;
    }

    /** Hot path: wait-free, allocation-free. */
    public void record(final long nanos)
    {
        recorder.recordValue(nanos < 1 ? 1 : Math.min(nanos, HIGHEST_TRACKABLE_NANOS));
    }

    /**
     * Closes the current interval: called periodically by one side thread.
     *
     * @return the interval just closed (valid until the next call).
     */
    public synchronized Histogram sample()
    {
        recycled = recorder.getIntervalHistogram(recycled);
        cumulative.add(recycled);
        lastInterval.reset();
        lastInterval.add(recycled);
        return lastInterval;
    }

    public String name()
    {
        return name;
    }

    public String description()
    {
        return description;
    }

    /** Copy of the histogram of the last completed interval. */
    public synchronized Histogram lastInterval()
    {
        return lastInterval.copy();
    }

    /** Copy of everything recorded up to the last completed interval. */
    public synchronized Histogram cumulative()
    {
        return cumulative.copy();
    }
}
