package io.odyssey.runtime;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

class RealTimeClockTest
{
    @Test
    void shouldAgreeWithTheSystemClockToTheMillisecond()
    {
        final RealTimeClock clock = new RealTimeClock();
        final Instant before = Instant.now();
        final long now = clock.nanoTime();
        final Instant after = Instant.now();
        final long beforeNs = before.getEpochSecond() * 1_000_000_000L + before.getNano();
        final long afterNs = after.getEpochSecond() * 1_000_000_000L + after.getNano();
        assertThat(now).isBetween(beforeNs - 1_000_000, afterNs + 1_000_000);
    }

    @Test
    void shouldAgreeAcrossInstancesUnlikeOffsetClocks()
    {
        final RealTimeClock first = new RealTimeClock();
        final RealTimeClock second = new RealTimeClock();
        // Sandwiched, not timed: a reading of the second between two of the first lies between them however long the
        // thread was descheduled in between, and an offset per instance would put it outside once the readings are close.
        for (int i = 0; i < 1_000; i++)
        {
            final long before = first.nanoTime();
            final long during = second.nanoTime();
            final long after = first.nanoTime();
            assertThat(during).isBetween(before, after);
        }
    }

    @Test
    void shouldNotAllocate()
    {
        assertThat(RealTimeClock.isAllocationFree()).as("jdk.internal.misc exported to the test JVM").isTrue();
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final RealTimeClock clock = new RealTimeClock();
        long sum = 0;
        for (int i = 0; i < 10_000; i++)
        {
            sum += clock.nanoTime();
        }
        final long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < 100_000; i++)
        {
            sum += clock.nanoTime();
        }
        final long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertThat(sum).isNotZero();
        assertThat(allocated).as("bytes for 100,000 reads").isLessThan(1024);
    }
}
