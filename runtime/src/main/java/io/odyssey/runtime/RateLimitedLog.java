package io.odyssey.runtime;

import org.slf4j.Logger;

/**
 * Logs at most one line per interval per instance and counts what it suppressed, so a flood of bad input
 * cannot flood the log (or slow the hot path that reports it).
 */
public final class RateLimitedLog
{
    private final Logger log;
    private final OncePerInterval lines;
    private long suppressed;

    public RateLimitedLog(final Logger log, final long intervalNs)
    {
        this.log = log;
        this.lines = new OncePerInterval(intervalNs);
    }

    /** @return true when the caller may log now; the caller appends {@link #suppressedSinceLast()}. */
    public boolean tryAcquire(final long nowNs)
    {
        if (lines.due(nowNs))
        {
            return true;
        }
        suppressed++;
        return false;
    }

    /**
     * {@link #tryAcquire} and {@link #suppressedSinceLast} in one step, for a log shared by several threads: how many
     * lines were suppressed since the last permitted one when the caller may log now, else -1. The caller logs after
     * this returns, outside any lock of its own (a logger takes its own).
     */
    public synchronized long tryAcquireShared(final long nowNs)
    {
        return tryAcquire(nowNs) ? suppressedSinceLast() : -1;
    }

    /** Lines suppressed since the last permitted one; resets the count. */
    public long suppressedSinceLast()
    {
        final long count = suppressed;
        suppressed = 0;
        return count;
    }

    public void warn(final long nowNs, final String message, final Object arg)
    {
        if (tryAcquire(nowNs))
        {
            final long dropped = suppressedSinceLast();
            if (dropped > 0)
            {
                log.warn(message + " ({} similar lines suppressed)", arg, dropped);
            }
            else
            {
                log.warn(message, arg);
            }
        }
    }
}
