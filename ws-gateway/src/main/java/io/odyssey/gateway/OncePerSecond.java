package io.odyssey.gateway;

import java.util.concurrent.TimeUnit;

/**
 * Lets one kind of answer to a client through at most once a second, so a client repeating a mistake cannot make the
 * gateway answer without bound (the caller still counts every one it holds back). One thread: the connection's I/O
 * thread.
 */
final class OncePerSecond
{
    private static final long SECOND_NS = TimeUnit.SECONDS.toNanos(1);
    private long lastNs;

    /** @param nowNs a {@link System#nanoTime()} value: the first answer may go at once. */
    OncePerSecond(final long nowNs)
    {
        lastNs = nowNs - SECOND_NS;
    }

    /** Whether the answer may go now (and if so, the next not before a second from now). */
    boolean due(final long nowNs)
    {
        if (nowNs - lastNs < SECOND_NS)
        {
            return false;
        }
        lastNs = nowNs;
        return true;
    }
}
