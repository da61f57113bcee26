package io.odyssey.runtime;

/**
 * Lets one kind of thing through at most once per interval (a log line, an answer to a client repeating a mistake), so
 * a flood of its cause cannot make a process log or answer without bound; the caller counts what it holds back. The
 * first may go at once, whatever the clock reads ({@link System#nanoTime()} may be negative). One thread, or the
 * caller's lock.
 */
public final class OncePerInterval
{
    private final long intervalNs;
    private long lastNs;
    private boolean started;

    public OncePerInterval(final long intervalNs)
    {
        this.intervalNs = intervalNs;
    }

    /** Whether it may go now (and if so, the next not before an interval from now). */
    public boolean due(final long nowNs)
    {
        if (started && nowNs - lastNs < intervalNs)
        {
            return false;
        }
        started = true;
        lastNs = nowNs;
        return true;
    }
}
