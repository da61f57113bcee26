package io.odyssey.gateway.control;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class CommandRateLimiterTest
{
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final CommandRateLimiter limiter = new CommandRateLimiter(2.0, 10, now::get);

    @Test
    void shouldAdmitTheBurstThenTheRateAndSayHowLongToWait()
    {
        for (int i = 0; i < 10; i++)
        {
            assertThat(limiter.tryAcquire("ops", 1)).as("command " + i).isZero();
        }
        final long wait = limiter.tryAcquire("ops", 1);
        assertThat(wait).isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));

        now.addAndGet(wait);
        assertThat(limiter.tryAcquire("ops", 1)).isZero();
        assertThat(limiter.tryAcquire("ops", 1)).isPositive();
    }

    @Test
    void shouldKeepEachPrincipalsBucketApart()
    {
        assertThat(limiter.tryAcquire("flooder", 10)).isZero();
        assertThat(limiter.tryAcquire("flooder", 1)).isPositive();
        assertThat(limiter.tryAcquire("ops", 10)).isZero();
    }

    @Test
    void shouldCountEveryDroneOfARequestAndRefuseAllOfItWhenTheBucketCannotCoverIt()
    {
        assertThat(limiter.tryAcquire("ops", 7)).isZero();
        // 3 left: a request for 4 drones waits for one more token (0.5 s), and takes nothing meanwhile.
        assertThat(limiter.tryAcquire("ops", 4)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
        assertThat(limiter.tryAcquire("ops", 3)).isZero();
    }

    @Test
    void shouldLetARequestLargerThanTheBurstThroughFromAFullBucketOnlyAndMakeItPayAfterwards()
    {
        assertThat(limiter.tryAcquire("ops", 1)).isZero();
        assertThat(limiter.tryAcquire("ops", 50)).as("the bucket is not full").isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        assertThat(limiter.tryAcquire("ops", 50)).as("a fleet-wide order from a full bucket").isZero();
        // 40 in debt: 40 s until one more command at 2 a second... plus the half second for that command.
        assertThat(limiter.tryAcquire("ops", 1)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(20_500));
    }
}
