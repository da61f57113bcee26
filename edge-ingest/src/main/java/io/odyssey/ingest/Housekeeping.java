package io.odyssey.ingest;

import io.odyssey.runtime.Component;

import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The node's one thread for slow periodic work off the hot path: journal retention, drone key reloads, the fleet
 * sweep. The parts that schedule work here cancel it when they stop, so nothing runs against a part already stopped.
 */
final class Housekeeping implements Component
{
    private ScheduledExecutorService executor;

    public String name()
    {
        return "housekeeping";
    }

    public void start()
    {
        executor = Executors.newSingleThreadScheduledExecutor(runnable ->
        {
            final Thread thread = new Thread(runnable, "ingest-housekeeping");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Runs {@code task} after {@code initialDelay}, then {@code period} after each run ends. */
    ScheduledFuture<?> every(final long initialDelay, final long period, final TimeUnit unit, final Runnable task)
    {
        return executor.scheduleWithFixedDelay(task, initialDelay, period, unit);
    }

    /** The thread as an executor, for one-off work (refuses work once stopped). */
    Executor executor()
    {
        return executor;
    }

    public void stop()
    {
        if (executor != null)
        {
            executor.shutdownNow();
        }
    }

    /** Cancels a task {@link #every} scheduled, if it was; a run in progress finishes. */
    static void cancel(final ScheduledFuture<?> task)
    {
        if (task != null)
        {
            task.cancel(false);
        }
    }
}
