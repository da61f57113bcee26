package io.odyssey.runtime;

import org.agrona.concurrent.Agent;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class ProgressWatchTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final ProgressWatch watch = new ProgressWatch("test loop", TIMEOUT_NS, now::get);

    @Test
    void shouldStayUpWhileTheLoopKeepsTurningHoweverLongItRuns()
    {
        for (int turn = 0; turn < 100; turn++)
        {
            watch.beat();
            now.addAndGet(TimeUnit.SECONDS.toNanos(5));
            assertThat(watch.check().healthy()).as("turn %d", turn).isTrue();
        }
    }

    @Test
    void shouldTurnDownOnlyOnceNoTurnHasBeenSeenForLongerThanTheTimeout()
    {
        watch.beat();
        assertThat(watch.check().healthy()).isTrue();

        now.addAndGet(TIMEOUT_NS);
        assertThat(watch.check().healthy()).as("exactly the timeout").isTrue();
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        final HealthCheck.Result down = watch.check();

        assertThat(down.healthy()).isFalse();
        assertThat(down.detail()).contains("test loop has made no progress for 11 s (limit 10 s)");
    }

    @Test
    void shouldComeBackUpAsSoonAsTheLoopMovesOn()
    {
        watch.beat();
        watch.check();
        now.addAndGet(2 * TIMEOUT_NS);
        assertThat(watch.check().healthy()).isFalse();

        watch.beat();

        assertThat(watch.check().healthy()).isTrue();
    }

    @Test
    void shouldSayWhereAWedgedThreadIsStuck() throws Exception
    {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch entered = new CountDownLatch(1);
        final Thread loop = new Thread(() ->
        {
            watch.beat();
            entered.countDown();
            try
            {
                release.await();
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, "wedged-loop");
        loop.start();
        try
        {
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            watch.check();
            now.addAndGet(2 * TIMEOUT_NS);
            // The thread parks inside await a moment after counting down.
            await().atMost(10, TimeUnit.SECONDS).until(() -> loop.getState() == Thread.State.WAITING);

            final HealthCheck.Result down = watch.check();

            assertThat(down.healthy()).isFalse();
            assertThat(down.detail()).contains("thread wedged-loop (WAITING) at ", "Unsafe.park", "< io.odyssey.runtime.ProgressWatchTest");
        }
        finally
        {
            release.countDown();
            loop.join(10_000);
        }
        assertThat(watch.check().detail()).contains("its thread wedged-loop has ended");
    }

    @Test
    void shouldBeatBeforeEveryDutyCycleOfAWatchedAgent() throws Exception
    {
        final int[] cycles = {0};
        final Agent agent = watch.watching(new Agent()
        {
            public int doWork()
            {
                return ++cycles[0];
            }

            public String roleName()
            {
                return "counting";
            }
        });
        watch.check();

        for (int i = 0; i < 3; i++)
        {
            now.addAndGet(TIMEOUT_NS);
            agent.doWork();
            assertThat(watch.check().healthy()).isTrue();
        }
        assertThat(cycles[0]).isEqualTo(3);
        assertThat(agent.roleName()).isEqualTo("counting");
        now.addAndGet(TIMEOUT_NS + 1);
        assertThat(watch.check().healthy()).as("no duty cycle for longer than the timeout").isFalse();
    }

    @Test
    void shouldRefuseATimeoutOutsideItsRangeNamingTheSetting()
    {
        assertThat(ProgressWatch.timeoutNs(10)).isEqualTo(TIMEOUT_NS);
        assertThatThrownBy(() -> ProgressWatch.timeoutNs(0)).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("ODYSSEY_LIVENESS_TIMEOUT_S");
        assertThatThrownBy(() -> ProgressWatch.timeoutNs(3_601)).isInstanceOf(ConfigurationException.class);
    }
}
