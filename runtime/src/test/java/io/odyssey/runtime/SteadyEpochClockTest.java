package io.odyssey.runtime;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SteadyEpochClockTest
{
    private static final long START = 1_765_000_000_000_000_000L;
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private final AtomicLong wall = new AtomicLong(START);
    private final AtomicLong monotonic = new AtomicLong(42);
    private final SteadyEpochClock clock = new SteadyEpochClock(wall::get, monotonic::get, 60 * SECOND);

    private void elapse(final long nanos)
    {
        wall.addAndGet(nanos);
        monotonic.addAndGet(nanos);
    }

    @Test
    void shouldBeTheWallClockWhileNothingSteps()
    {
        assertThat(clock.nanoTime()).isEqualTo(START);
        elapse(5 * SECOND);
        assertThat(clock.nanoTime()).isEqualTo(START + 5 * SECOND);
        assertThat(clock.stepsRiddenOut()).isZero();
        assertThat(clock.stepsFollowed()).isZero();
    }

    @Test
    void shouldRideOutAStepBackAtHalfRateUntilTheWallClockMeetsIt()
    {
        clock.nanoTime();
        wall.addAndGet(-30 * SECOND);
        elapse(SECOND);
        assertThat(clock.nanoTime()).as("a second after the step: half a second on").isEqualTo(START + SECOND / 2);
        elapse(39 * SECOND);
        assertThat(clock.nanoTime()).isEqualTo(START + 20 * SECOND);
        assertThat(wall.get()).as("the wall clock, still behind").isEqualTo(START + 10 * SECOND);
        elapse(20 * SECOND);
        assertThat(clock.nanoTime()).as("met after twice the step").isEqualTo(wall.get()).isEqualTo(START + 30 * SECOND);
        elapse(SECOND);
        assertThat(clock.nanoTime()).as("the wall clock again").isEqualTo(START + 31 * SECOND);
        assertThat(clock.stepsRiddenOut()).isEqualTo(1);
        assertThat(clock.stepsFollowed()).isZero();
    }

    @Test
    void shouldFollowAStepBackLargerThanItRidesOut()
    {
        wall.addAndGet(3600 * SECOND);
        assertThat(clock.nanoTime()).as("a step forward is followed at once").isEqualTo(START + 3600 * SECOND);
        wall.set(START);
        elapse(SECOND);
        assertThat(clock.nanoTime()).as("an hour back: taken as a correction").isEqualTo(START + SECOND);
        elapse(SECOND);
        assertThat(clock.nanoTime()).isEqualTo(START + 2 * SECOND);
        assertThat(clock.stepsFollowed()).isEqualTo(1);
    }

    @Test
    void shouldNeverGoBackOverASmallStep()
    {
        long last = clock.nanoTime();
        for (int i = 0; i < 1000; i++)
        {
            elapse(TimeUnit.MILLISECONDS.toNanos(7));
            if (i % 100 == 50)
            {
                wall.addAndGet(-TimeUnit.MILLISECONDS.toNanos(450));
            }
            final long now = clock.nanoTime();
            assertThat(now).as("reading %d", i).isGreaterThanOrEqualTo(last);
            last = now;
        }
    }

    @Test
    void shouldRefuseANegativeFollowBack()
    {
        assertThatThrownBy(() -> new SteadyEpochClock(wall::get, monotonic::get, -1))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("followBackNs");
    }
}
