package io.odyssey.drill;

import java.time.Duration;

/** Bounded waits for a condition, polled: the drills never sleep for a fixed time where they can wait for a state. */
final class Waits
{
    /** A condition that may fail to evaluate (a process not answering): that counts as not (yet) true. */
    @FunctionalInterface
    interface Condition
    {
        boolean holds() throws Exception;
    }

    private Waits()
    {
    }

    /** @return the ms it took until the condition held, or -1 if it did not within the bound. */
    static long until(final Duration within, final Condition condition) throws InterruptedException
    {
        return until(within, Duration.ofMillis(250), condition);
    }

    static long until(final Duration within, final Duration every, final Condition condition) throws InterruptedException
    {
        final long startNs = System.nanoTime();
        final long deadline = startNs + within.toNanos();
        while (true)
        {
            if (holds(condition))
            {
                return (System.nanoTime() - startNs) / 1_000_000;
            }
            if (System.nanoTime() > deadline)
            {
                return -1;
            }
            Thread.sleep(every.toMillis());
        }
    }

    private static boolean holds(final Condition condition) throws InterruptedException
    {
        try
        {
            return condition.holds();
        }
        catch (final InterruptedException ex)
        {
            throw ex;
        }
        catch (final Exception ex)
        {
            return false;
        }
    }

    /** Sleeps for a span the drill is about (an outage's length), not for a state it could wait for. */
    static void hold(final Duration span) throws InterruptedException
    {
        Thread.sleep(span.toMillis());
    }

    static String ms(final long ms)
    {
        return ms < 0 ? "not within the bound" : ms < 10_000 ? ms + " ms" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
