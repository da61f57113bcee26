package io.odyssey.runtime;

import io.aeron.exceptions.AeronEvent;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * The embedded media driver's errors, counted by kind and logged at most once a minute per kind (a WARN line with how
 * many more came since). {@link AeronTransport} installs one on every driver and turns Aeron's stderr fallback off.
 * <p>
 * Why: Aeron hands every driver error to its own {@code LoggingErrorHandler} first ({@code CommonContext
 * .setupErrorHandler} wraps a handler given to the driver, never replaces it), which records it in the driver's error log
 * in {@code cnc.dat} (4 MiB, one entry per distinct message) and, once that is full, prints it to the fallback stream,
 * stderr by default. A SETUP of a new session past the driver's stream session limit is such an error, its message
 * naming the sender's address and port: SETUPs from many ports filled the log and then printed two lines each to
 * stderr, for as long as they came. Here a flood is one line a minute and a count, and a genuine error is still logged:
 * the flood's lines are rate-limited on their own, apart from every other error's; and the other errors share
 * {@link #OTHER_SLOTS} limiters chosen by their class and message, so one kind of error coming again and again (a
 * forged SETUP the driver refuses for its MTU, say, once a minute) does not take the line of a different one: a
 * different error is logged unless it falls in the same slot (one chance in sixteen), at most 16 lines a minute.
 * <p>
 * Called on the driver's threads for every error it raises, a flood's included: nothing allocated.
 */
public final class AeronDriverErrors implements ErrorHandler
{
    /** What the driver raised: the {@code kind} label of the count. */
    public enum Kind
    {
        /** A SETUP of a new session past {@code aeron.driver.stream.session.limit}: the driver ignored it. */
        SESSION_LIMIT("session_limit"),
        /** Any other error of the driver. */
        OTHER("other");

        public final String label;

        Kind(final String label)
        {
            this.label = label;
        }
    }

    /** The start of Aeron 1.51's message for a SETUP past the limit ({@code DataPacketDispatcher.onSetupMessage}). */
    static final String SESSION_LIMIT_MESSAGE = "exceeded session limit";
    private static final Kind[] KINDS = Kind.values();
    private static final Logger LOG = LoggerFactory.getLogger(AeronDriverErrors.class);
    /** Limiters for {@link Kind#OTHER} errors (a power of two). */
    static final int OTHER_SLOTS = 16;

    private final Counter[] counts = new Counter[KINDS.length];
    private final RateLimitedLog sessionLimitLines = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));
    private final RateLimitedLog[] otherLines = new RateLimitedLog[OTHER_SLOTS];
    private final NanoClock clock;

    /** Counted but not exported: for a process without metrics (a test's, a drill's driver). */
    public AeronDriverErrors()
    {
        this(null, null, null, SystemNanoClock.INSTANCE);
    }

    /**
     * @param name a Prometheus counter name ending in {@code _total}, registered per {@link Kind} as {@code kind}.
     */
    public AeronDriverErrors(final Metrics metrics, final String name, final String help)
    {
        this(metrics, name, help, SystemNanoClock.INSTANCE);
    }

    AeronDriverErrors(final Metrics metrics, final String name, final String help, final NanoClock clock)
    {
        this.clock = clock;
        for (final Kind kind : KINDS)
        {
            final String labels = "kind=\"" + kind.label + "\"";
            counts[kind.ordinal()] = metrics == null ? new Counter("", "", labels) : metrics.counter(name, help, labels);
        }
        for (int slot = 0; slot < OTHER_SLOTS; slot++)
        {
            otherLines[slot] = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));
        }
    }

    public void onError(final Throwable throwable)
    {
        final Kind kind = kindOf(throwable);
        counts[kind.ordinal()].increment();
        // Shared: the driver may run its agents on threads of their own (its threading mode).
        final RateLimitedLog line = kind == Kind.SESSION_LIMIT ? sessionLimitLines : otherLines[slotOf(throwable)];
        final long suppressed = line.tryAcquireShared(clock.nanoTime());
        if (suppressed >= 0)
        {
            LOG.warn("Aeron media driver error, {} ({} more like it since the last line, at most one a minute)",
                kind.label, suppressed, throwable);
        }
    }

    /** Errors of {@code kind} so far. */
    public long count(final Kind kind)
    {
        return counts[kind.ordinal()].get();
    }

    /** Which limiter an {@link Kind#OTHER} error takes: by its class and message (String caches its hash). */
    static int slotOf(final Throwable throwable)
    {
        final String message = throwable.getMessage();
        final int hash = 31 * throwable.getClass().getName().hashCode() + (message == null ? 0 : message.hashCode());
        return (hash ^ (hash >>> 16)) & (OTHER_SLOTS - 1);
    }

    static Kind kindOf(final Throwable throwable)
    {
        if (throwable instanceof AeronEvent)
        {
            final String message = throwable.getMessage();
            // "WARN - exceeded session limit, streamId=... sourceAddress=...": Aeron puts the category first.
            if (message != null && message.contains(SESSION_LIMIT_MESSAGE))
            {
                return Kind.SESSION_LIMIT;
            }
        }
        return Kind.OTHER;
    }
}
