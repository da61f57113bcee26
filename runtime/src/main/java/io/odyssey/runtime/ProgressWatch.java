package io.odyssey.runtime;

import org.agrona.concurrent.Agent;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Tells a wedged thread from a busy or idle one: the watched loop calls {@link #beat()} once per turn (an agent's duty
 * cycle, a poll with a timeout, a wait slice), and the liveness check is DOWN once no turn has been seen for longer
 * than the stall timeout. A loop that idles keeps beating (its idle strategy returns), so only a thread stuck inside
 * one turn — a deadlock, an endless loop, a call that never returns — turns it DOWN.
 * <p>
 * The beat is an ordered store of a counter the watched thread alone writes: no clock read, no allocation, cheap
 * enough for every duty cycle of a hot agent. Time is measured by the checker: it notes when it last saw the counter
 * move, so a stall is reported between one and two probe periods after the stall timeout.
 */
public final class ProgressWatch implements HealthCheck
{
    /** Shared by every process (each lists it among its settings). */
    public static final Setting LIVENESS_TIMEOUT_S = Setting.of("ODYSSEY_LIVENESS_TIMEOUT_S", "10",
        "/health/live turns DOWN when a hot thread has made no progress for this long, s (1..3600; dependencies never count)");

    private static final int STACK_FRAMES_SHOWN = 3;

    private final String name;
    private final long stallTimeoutNs;
    private final LongSupplier nanoClock;
    private final AtomicLong published = new AtomicLong();
    /** Written by the watched thread only. */
    private long beats;
    private volatile Thread watched;
    /** Checker state, under this object's lock. */
    private long lastSeen = -1;
    private long lastChangeNs;

    /**
     * @param name           what is watched, as the health check and logs name it (e.g. {@code ingest-agent}).
     * @param stallTimeoutNs how long a turn may take before the thread counts as wedged.
     */
    public ProgressWatch(final String name, final long stallTimeoutNs)
    {
        this(name, stallTimeoutNs, System::nanoTime);
    }

    ProgressWatch(final String name, final long stallTimeoutNs, final LongSupplier nanoClock)
    {
        if (stallTimeoutNs <= 0)
        {
            throw new IllegalArgumentException("stall timeout must be positive: " + stallTimeoutNs);
        }
        this.name = name;
        this.stallTimeoutNs = stallTimeoutNs;
        this.nanoClock = nanoClock;
    }

    /**
     * Validates a configured stall timeout in seconds, failing like any bad setting.
     *
     * @return the timeout in nanoseconds.
     */
    public static long timeoutNs(final long seconds)
    {
        if (seconds < 1 || seconds > 3_600)
        {
            throw LIVENESS_TIMEOUT_S.invalid(String.valueOf(seconds), "between 1 and 3600 seconds");
        }
        return TimeUnit.SECONDS.toNanos(seconds);
    }

    /** One turn of the watched loop done (or begun). Called by the watched thread only. */
    public void beat()
    {
        if (watched == null)
        {
            watched = Thread.currentThread();
        }
        published.lazySet(++beats);
    }

    /** {@code agent}, beating before each duty cycle. */
    public Agent watching(final Agent agent)
    {
        return new Agent()
        {
            public void onStart()
            {
                beat();
                agent.onStart();
            }

            public int doWork() throws Exception
            {
                beat();
                return agent.doWork();
            }

            public void onClose()
            {
                agent.onClose();
            }

            public String roleName()
            {
                return agent.roleName();
            }
        };
    }

    public String name()
    {
        return name;
    }

    public synchronized Result check()
    {
        final long now = nanoClock.getAsLong();
        final long seen = published.get();
        if (seen != lastSeen)
        {
            lastSeen = seen;
            lastChangeNs = now;
            return Result.up(name + " making progress");
        }
        final long stalledNs = now - lastChangeNs;
        if (stalledNs <= stallTimeoutNs)
        {
            return Result.up(name + " making progress");
        }
        return Result.down(name + " has made no progress for " + TimeUnit.NANOSECONDS.toSeconds(stalledNs) +
            " s (limit " + TimeUnit.NANOSECONDS.toSeconds(stallTimeoutNs) + " s)" + where());
    }

    private static boolean isPlatformFrame(final StackTraceElement frame)
    {
        final String type = frame.getClassName();
        return type.startsWith("java.") || type.startsWith("jdk.") || type.startsWith("sun.");
    }

    /** Where the watched thread is stuck, for the operator who reads the DOWN answer or the log. */
    private String where()
    {
        final Thread thread = watched;
        if (thread == null)
        {
            return ": its thread never started";
        }
        if (!thread.isAlive())
        {
            return ": its thread " + thread.getName() + " has ended";
        }
        final StackTraceElement[] stack = thread.getStackTrace();
        final StringBuilder at = new StringBuilder(": thread ").append(thread.getName()).append(" (")
            .append(thread.getState()).append(")");
        // The innermost frame (what it waits in), then the innermost frames of our own code (who made it wait).
        int shown = 0;
        for (int i = 0; i < stack.length && shown < STACK_FRAMES_SHOWN; i++)
        {
            if (i == 0 || !isPlatformFrame(stack[i]))
            {
                final StackTraceElement frame = stack[i];
                at.append(shown == 0 ? " at " : " < ").append(frame.getClassName()).append('.')
                    .append(frame.getMethodName()).append(':').append(frame.getLineNumber());
                shown++;
            }
        }
        return at.toString();
    }
}
