package io.odyssey.runtime;

import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.SystemEpochNanoClock;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Epoch nanoseconds from the operating system's real-time clock, without allocating: every hop of the pipeline
 * stamps with it, so stamps taken in different processes on one host are comparable.
 * <p>
 * Why not the alternatives: an {@code OffsetEpochNanoClock} samples its offset once per instance, and two instances
 * disagreed by a fraction of a millisecond (a hop looked negative); {@code SystemEpochNanoClock} reads
 * {@code Instant.now()} and allocated ~18 bytes per call until C2 happened to remove the allocation. This reads the
 * JDK's own source of {@code Instant.now()} ({@code jdk.internal.misc.VM.getNanoTimeAdjustment}, exported to us by
 * the jar manifest and the test JVM flags, like Agrona's own needs) through a constant method handle.
 */
public final class RealTimeClock implements EpochNanoClock
{
    private static final MethodHandle NANO_TIME_ADJUSTMENT = lookup();
    /** getNanoTimeAdjustment answers -1 when the offset is more than ~2^32 s away from now: re-base then. */
    private static final long MAX_OFFSET_SECONDS = 1L << 31;

    private final EpochNanoClock fallback = NANO_TIME_ADJUSTMENT == null ? new SystemEpochNanoClock() : null;
    private long offsetSeconds = System.currentTimeMillis() / 1000 - 1024;

    private static MethodHandle lookup()
    {
        try
        {
            final Class<?> vm = Class.forName("jdk.internal.misc.VM");
            return MethodHandles.lookup().findStatic(vm, "getNanoTimeAdjustment",
                MethodType.methodType(long.class, long.class));
        }
        catch (final ReflectiveOperationException | RuntimeException | LinkageError ex)
        {
            return null;
        }
    }

    /** True when the allocation-free source is in use (the JVM exports jdk.internal.misc to us). */
    public static boolean isAllocationFree()
    {
        return NANO_TIME_ADJUSTMENT != null;
    }

    public long nanoTime()
    {
        if (NANO_TIME_ADJUSTMENT == null)
        {
            return fallback.nanoTime();
        }
        try
        {
            long adjustment = (long)NANO_TIME_ADJUSTMENT.invokeExact(offsetSeconds);
            if (adjustment == -1 || adjustment > MAX_OFFSET_SECONDS * 1_000_000_000L)
            {
                offsetSeconds = System.currentTimeMillis() / 1000 - 1024;
                adjustment = (long)NANO_TIME_ADJUSTMENT.invokeExact(offsetSeconds);
            }
            return offsetSeconds * 1_000_000_000L + adjustment;
        }
        catch (final Throwable ex)
        {
            throw new IllegalStateException("reading the real-time clock failed", ex);
        }
    }
}
