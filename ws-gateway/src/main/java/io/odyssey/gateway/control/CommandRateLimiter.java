package io.odyssey.gateway.control;

import io.odyssey.codecs.CommandType;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * How many commands each principal (token name) may send: a token bucket per principal, refilled at a steady rate up
 * to a burst. Every drone of a multi-drone request is one command. A request for more drones than the burst is let
 * through only from a full bucket and leaves the bucket in debt, so a fleet-wide "return home" is never impossible
 * while the long-run rate still holds for everyone.
 * <p>
 * Two budgets per principal, each with the rate and the burst: orders that move or start a drone, and orders that
 * make it safe (stop, hold, land, return home, cancel: {@link Budget#SAFETY}). A fleet-wide order that left the first in
 * debt must not keep the same operator from stopping those drones, or calling them home, for the minutes the debt
 * takes to pay off; a principal that sends both kinds may so send up to twice the rate.
 * <p>
 * Per gateway: with several gateways behind a load balancer a principal gets the rate once per gateway. Buckets are
 * kept per principal name (a bounded set: the configured tokens and those an admin created); idle full buckets are
 * dropped once there are many.
 */
public final class CommandRateLimiter
{
    private static final int PRUNE_ABOVE = 10_000;

    private final double perSecond;
    private final double burst;
    private final LongSupplier nanoClock;
    private final Map<String, Bucket> orders = new ConcurrentHashMap<>();
    private final Map<String, Bucket> safety = new ConcurrentHashMap<>();

    /** Which of a principal's two budgets a command is taken from. */
    public enum Budget
    {
        ORDERS, SAFETY;

        /** Stop, hold, land, return home and cancel make a drone safe; everything else is an order. */
        public static Budget of(final CommandType type)
        {
            return switch (type)
            {
                case STOP, HOLD, LAND, RETURN_HOME, CANCEL -> SAFETY;
                default -> ORDERS;
            };
        }
    }

    /**
     * @param perSecond commands per second on average, more than 0.
     * @param burst     commands at once, at least 1.
     * @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime}).
     */
    public CommandRateLimiter(final double perSecond, final int burst, final LongSupplier nanoClock)
    {
        if (!(perSecond > 0) || burst < 1)
        {
            throw new IllegalArgumentException("a rate above 0 and a burst of at least 1, not " + perSecond + "/" + burst);
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.nanoClock = nanoClock;
    }

    /**
     * Takes {@code commands} from {@code principal}'s {@code budget} if it may send them now; 0 commands only asks
     * whether the budget is in debt.
     *
     * @return 0 when admitted; otherwise how many nanoseconds until this request would be (nothing is taken).
     */
    public long tryAcquire(final String principal, final Budget budget, final int commands)
    {
        final long now = nanoClock.getAsLong();
        final Map<String, Bucket> buckets = budget == Budget.SAFETY ? safety : orders;
        if (buckets.size() > PRUNE_ABOVE)
        {
            buckets.values().removeIf(bucket -> bucket.full(now));
        }
        final Bucket bucket = buckets.computeIfAbsent(principal, name -> new Bucket(burst, now));
        synchronized (bucket)
        {
            bucket.refill(now);
            final double needed = Math.min(commands, burst);
            if (bucket.tokens >= needed)
            {
                bucket.tokens -= commands;
                return 0;
            }
            return Math.max(1, (long)Math.ceil((needed - bucket.tokens) * 1e9 / perSecond));
        }
    }

    public double perSecond()
    {
        return perSecond;
    }

    public int burst()
    {
        return (int)burst;
    }

    private final class Bucket
    {
        private double tokens;
        private long at;

        Bucket(final double tokens, final long at)
        {
            this.tokens = tokens;
            this.at = at;
        }

        void refill(final long now)
        {
            if (now > at)
            {
                tokens = Math.min(burst, tokens + (now - at) * perSecond / 1e9);
                at = now;
            }
        }

        synchronized boolean full(final long now)
        {
            refill(now);
            return tokens >= burst;
        }
    }
}
