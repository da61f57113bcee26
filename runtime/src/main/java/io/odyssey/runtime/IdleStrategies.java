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

    /**
     * Spin a little, then park from 20 us doubling to 1 ms. Unlike Aeron's default there is no yield phase and the
     * first park is not 1 us: under a steady trickle of messages (a frame every ~100 us) yields and micro-parks run
     * continuously, and on two cores the syscalls and context switches of four such threads took both cores
     * (measured: ~55% system time at 10k frames/s). Parking in 20 us steps costs at most tens of microseconds of
     * latency per hop.
     */
    public static IdleStrategy backoff()
    {
        return new BackoffIdleStrategy(10, 0, TimeUnit.MICROSECONDS.toNanos(100), TimeUnit.MILLISECONDS.toNanos(1));
    }

    public static IdleStrategy byName(final Setting setting, final String name)
    {
        return switch (name)
        {
            case "backoff" -> backoff();
            case "busy" -> new BusySpinIdleStrategy();
            case "yield" -> new YieldingIdleStrategy();
            case "sleep" -> new SleepingMillisIdleStrategy(1);
            case "noop" -> new NoOpIdleStrategy();
            default -> throw setting.invalid(name, "one of " + NAMES);
        };
    }
}
