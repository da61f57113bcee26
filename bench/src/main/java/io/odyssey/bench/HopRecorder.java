package io.odyssey.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;
import org.HdrHistogram.Recorder;

import java.io.FileNotFoundException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Per-hop latency recording for one scenario: a {@link Recorder} per hop (written from any thread), interval
 * histograms logged once a second to {@code <hop>.hlog} (readable by HistogramLogProcessor), and the whole run's
 * histogram for the {@code .hgrm} percentile table and the summary.
 */
final class HopRecorder implements AutoCloseable
{
    private static final long MAX_NS = TimeUnit.SECONDS.toNanos(60);

    private final Map<String, Recorder> recorders = new LinkedHashMap<>();
    private final Map<String, Histogram> totals = new LinkedHashMap<>();
    private final Map<String, HistogramLogWriter> logs = new LinkedHashMap<>();
    private final Map<String, PrintStream> streams = new LinkedHashMap<>();
    private final Map<String, Histogram> recycled = new LinkedHashMap<>();
    private final long startMs = System.currentTimeMillis();
    private volatile boolean recording;

    HopRecorder(final Path dir, final String... hops) throws FileNotFoundException
    {
        dir.toFile().mkdirs();
        for (final String hop : hops)
        {
            recorders.put(hop, new Recorder(MAX_NS, 3));
            totals.put(hop, new Histogram(MAX_NS, 3));
            final PrintStream stream = new PrintStream(dir.resolve(hop + ".hlog").toFile());
            final HistogramLogWriter writer = new HistogramLogWriter(stream);
            writer.outputLogFormatVersion();
            writer.outputStartTime(startMs);
            writer.setBaseTime(startMs);
            writer.outputLegend();
            streams.put(hop, stream);
            logs.put(hop, writer);
        }
    }

    /** Values recorded before this are warm-up: dropped. */
    void startRecording()
    {
        for (final Recorder recorder : recorders.values())
        {
            recorder.reset();
        }
        recording = true;
    }

    void record(final String hop, final long nanos)
    {
        if (recording && nanos >= 0)
        {
            recorders.get(hop).recordValue(Math.min(nanos, MAX_NS));
        }
    }

    /** Closes one interval: logs it per hop and adds it to the totals. Called once a second. */
    synchronized void interval()
    {
        if (!recording)
        {
            return;
        }
        for (final Map.Entry<String, Recorder> entry : recorders.entrySet())
        {
            final Histogram interval = entry.getValue().getIntervalHistogram(recycled.get(entry.getKey()));
            recycled.put(entry.getKey(), interval);
            logs.get(entry.getKey()).outputIntervalHistogram(interval);
            totals.get(entry.getKey()).add(interval);
        }
    }

    Map<String, Histogram> totals()
    {
        return totals;
    }

    /** Ends recording and writes {@code <hop>.hgrm} (percentile distribution in ms) for every hop. */
    synchronized void finish(final Path dir) throws FileNotFoundException
    {
        interval();
        recording = false;
        for (final Map.Entry<String, Histogram> entry : totals.entrySet())
        {
            try (PrintStream out = new PrintStream(dir.resolve(entry.getKey() + ".hgrm").toFile()))
            {
                entry.getValue().outputPercentileDistribution(out, 1_000_000.0);
            }
        }
    }

    public synchronized void close()
    {
        streams.values().forEach(PrintStream::close);
    }
}
