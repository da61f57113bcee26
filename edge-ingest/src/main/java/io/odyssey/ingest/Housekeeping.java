package io.odyssey.ingest;

import io.odyssey.runtime.Component;

import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The node's one thread for slow periodic work off the hot path: journal retention (scheduled here), drone key reloads
 * and the fleet sweep (scheduled by their parts). It starts after the grid and the journals and stops before them, so
 * no task runs against either once closed; the parts that schedule work here also cancel it when they stop.
 */
final class Housekeeping implements Component
{
    /** How often journal retention looks for cycles to delete. */
    static final long RETENTION_PERIOD_S = 60;

    private final IngestJournals journals;
    private final IngestMetrics metrics;
    private ScheduledExecutorService executor;

    Housekeeping(final IngestJournals journals, final IngestMetrics metrics)
    {
        this.journals = journals;
        this.metrics = metrics;
    }

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
        every(0, RETENTION_PERIOD_S, TimeUnit.SECONDS, () -> metrics.journalCyclesDeleted.add(journals.deleteExpired()));
    }

    public String describe()
    {
        return "journal retention every " + RETENTION_PERIOD_S + " s";
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
