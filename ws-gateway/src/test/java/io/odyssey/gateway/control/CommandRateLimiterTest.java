package io.odyssey.gateway.control;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.odyssey.gateway.control.CommandRateLimiter.Budget.ORDERS;
import static io.odyssey.gateway.control.CommandRateLimiter.Budget.SAFETY;
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
            assertThat(limiter.tryAcquire("ops", ORDERS, 1)).as("command " + i).isZero();
        }
        final long wait = limiter.tryAcquire("ops", ORDERS, 1);
        assertThat(wait).isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));

        now.addAndGet(wait);
        assertThat(limiter.tryAcquire("ops", ORDERS, 1)).isZero();
        assertThat(limiter.tryAcquire("ops", ORDERS, 1)).isPositive();
    }

    @Test
    void shouldKeepEachPrincipalsBucketApart()
    {
        assertThat(limiter.tryAcquire("flooder", ORDERS, 10)).isZero();
        assertThat(limiter.tryAcquire("flooder", ORDERS, 1)).isPositive();
        assertThat(limiter.tryAcquire("ops", ORDERS, 10)).isZero();
    }

    @Test
    void shouldCountEveryDroneOfARequestAndRefuseAllOfItWhenTheBucketCannotCoverIt()
    {
        assertThat(limiter.tryAcquire("ops", ORDERS, 7)).isZero();
        // 3 left: a request for 4 drones waits for one more token (0.5 s), and takes nothing meanwhile.
        assertThat(limiter.tryAcquire("ops", ORDERS, 4)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
        assertThat(limiter.tryAcquire("ops", ORDERS, 3)).isZero();
    }

    @Test
    void shouldLetARequestLargerThanTheBurstThroughFromAFullBucketOnlyAndMakeItPayAfterwards()
    {
        assertThat(limiter.tryAcquire("ops", ORDERS, 1)).isZero();
        assertThat(limiter.tryAcquire("ops", ORDERS, 50)).as("the bucket is not full").isEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        assertThat(limiter.tryAcquire("ops", ORDERS, 50)).as("a fleet-wide order from a full bucket").isZero();
        // 40 in debt: 40 s until one more command at 2 a second... plus the half second for that command.
        assertThat(limiter.tryAcquire("ops", ORDERS, 1)).isEqualTo(TimeUnit.MILLISECONDS.toNanos(20_500));
    }

    /** A fleet-wide order leaves the orders budget in debt for a while: the same operator can still stop the drones. */
    @Test
    void shouldKeepStopHoldLandReturnHomeAndCancelOutOfTheDebtOfAFleetWideOrder()
    {
        assertThat(limiter.tryAcquire("ops", ORDERS, 1_000)).as("a goto to 1,000 drones, from a full bucket").isZero();
        assertThat(limiter.tryAcquire("ops", ORDERS, 1)).as("990 in debt").isPositive();
        assertThat(limiter.tryAcquire("ops", ORDERS, 0)).as("in debt: refused before its drones are read").isPositive();

        assertThat(limiter.tryAcquire("ops", SAFETY, 1_000)).as("return home, all of them, at once").isZero();
        assertThat(limiter.tryAcquire("ops", SAFETY, 1)).as("the safety budget has its own rate").isPositive();
        now.addAndGet(TimeUnit.SECONDS.toNanos(496));
        assertThat(limiter.tryAcquire("ops", SAFETY, 1)).as("paid off").isZero();
        assertThat(limiter.tryAcquire("ops", ORDERS, 0)).as("0 commands take nothing").isZero();
        assertThat(limiter.tryAcquire("ops", ORDERS, 1)).as("the orders' debt paid off on its own").isZero();
    }

    @Test
    void shouldTakeStopHoldLandReturnHomeAndCancelFromTheSafetyBudgetAndEverythingElseFromTheOrders()
    {
        for (final io.odyssey.codecs.CommandType type : io.odyssey.codecs.CommandType.values())
        {
            final boolean safety = switch (type)
            {
                case STOP, HOLD, LAND, RETURN_HOME, CANCEL -> true;
                default -> false;
            };
            assertThat(CommandRateLimiter.Budget.of(type)).as(type.name()).isEqualTo(safety ? SAFETY : ORDERS);
        }
    }
}
