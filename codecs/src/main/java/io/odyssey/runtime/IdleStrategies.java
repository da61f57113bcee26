package io.odyssey.runtime;

import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.BusySpinIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NoOpIdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.YieldingIdleStrategy;

import java.util.concurrent.TimeUnit;

/**
 * Idle strategies by name, for the {@code *_IDLE_STRATEGY} settings. The default everywhere is {@code backoff}:
 * on a two-core machine a busy-spinning thread takes a whole core from everything else.
 */
public final class IdleStrategies
{
    public static final String NAMES = "backoff, busy, yield, sleep, noop";

    private IdleStrategies()
    {
    }

    public static IdleStrategy byName(final Setting setting)
    {
        final String name = setting.get();
        return switch (name)
        {
            // Spin briefly, yield, then park 1 us .. 1 ms: low latency under load, near-zero CPU when idle.
            case "backoff" -> new BackoffIdleStrategy(64, 64, TimeUnit.MICROSECONDS.toNanos(1), TimeUnit.MILLISECONDS.toNanos(1));
            case "busy" -> new BusySpinIdleStrategy();
            case "yield" -> new YieldingIdleStrategy();
            case "sleep" -> new SleepingMillisIdleStrategy(1);
            case "noop" -> new NoOpIdleStrategy();
            default -> throw setting.invalid(name, "one of " + NAMES);
        };
    }
}
