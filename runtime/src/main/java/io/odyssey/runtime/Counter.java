package io.odyssey.runtime;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A monotonically increasing count exposed at {@code /metrics}. Safe for any number of writers; an
 * uncontended increment is a single atomic add and allocates nothing, so it is fit for hot paths.
 */
public final class Counter
{
    private final String name;
    private final String help;
    private final String labels;
    private final AtomicLong value = new AtomicLong();

    Counter(final String name, final String help, final String labels)
    {
        this.name = name;
        this.help = help;
        this.labels = labels;
    }

    public void increment()
    {
        value.getAndIncrement();
    }

    public void add(final long delta)
    {
        value.getAndAdd(delta);
    }

    public long get()
    {
        return value.get();
    }

    public String name()
    {
        return name;
    }

    public String help()
    {
        return help;
    }

    /** Prometheus label block such as {@code reason="TRUNCATED"}, or empty. */
    public String labels()
    {
        return labels;
    }
}
