package io.odyssey.gateway.control;

import io.odyssey.runtime.Counter;
import io.odyssey.runtime.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The limit on wrong tokens per client address ({@code ODYSSEY_GATEWAY_AUTH_FAILURES_PER_ADDRESS} within
 * {@code ODYSSEY_GATEWAY_AUTH_FAILURE_WINDOW_S}). A live attack sent 5,000 wrong tokens in 38 s from one address, each
 * answered 401 and nothing else: secrets of 144 bits cannot be guessed, but every guess cost a hash and a grid lookup
 * and nobody was told. Past the limit, an address's requests that carry a token are answered 429 without the token
 * being looked at — the right one too, or a guess that hit would be told apart by its answer — until the window that
 * began at its first wrong token ends. Requests without a token are no guesses and are never refused here.
 * <p>
 * The address is the connection's peer (an IPv4 address, an IPv6 /64 as one host is given a whole /64), never a
 * forwarded-for header, which is whatever the client writes. The table is bounded ({@link #MAX_ADDRESSES}): only
 * addresses that presented a wrong token are in it, an entry leaves once its window has passed, and a live entry is
 * never evicted for a newcomer, so an attacker with many addresses cannot free the addresses it is blocked on nor grow
 * the memory. With the table full of live entries (thousands of hosts guessing within one window), a newcomer's wrong
 * tokens are answered 401 as before and counted as untracked: refusing every newcomer instead would let whoever
 * fills the table lock every operator out of mission control.
 * <p>
 * Called on worker threads; one lock, held for a map lookup (a sweep of the table at most once a second when full).
 */
public final class AuthFailuresPerAddress
{
    /** Addresses tracked at once: an entry is about 150 bytes, so the table stays under 3 MB. */
    public static final int MAX_ADDRESSES = 16_384;
    /** At most one warning per address in this long, and {@link #LOG_INTERVAL_NS} between any two. */
    static final long WARN_INTERVAL_NS = TimeUnit.MINUTES.toNanos(1);
    /** Thousands of guessing addresses must not flood the log either: at most one such line a second overall. */
    static final long LOG_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long SWEEP_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final Logger LOG = LoggerFactory.getLogger(AuthFailuresPerAddress.class);

    private final int limit;
    private final long windowNs;
    private final Counter limited;
    private final Counter untracked;
    private final LongSupplier nanoClock;
    /** Addresses that presented a wrong token within their window; guarded by {@code this}. */
    private final Map<String, Failures> table = new HashMap<>();
    private long sweptAtNs;
    private boolean swept;
    private final RateLimitedLog log = new RateLimitedLog(LOG, LOG_INTERVAL_NS);
    private final RateLimitedLog fullLog = new RateLimitedLog(LOG, WARN_INTERVAL_NS);

    /** One address's wrong tokens in its current window. */
    private static final class Failures
    {
        long windowStartNs;
        int count;
        long warnedAtNs;
        boolean warned;
    }

    /**
     * @param limit     wrong tokens an address may present within the window; 0 = no limit.
     * @param windowNs  the window, from an address's first wrong token.
     * @param limited   counts requests refused with 429 (or told nothing, on health) without their token checked.
     * @param untracked counts wrong tokens not held against their address because the table was full.
     */
    public AuthFailuresPerAddress(final int limit, final long windowNs, final Counter limited, final Counter untracked,
        final LongSupplier nanoClock)
    {
        this.limit = limit;
        this.windowNs = windowNs;
        this.limited = limited;
        this.untracked = untracked;
        this.nanoClock = nanoClock;
    }

    /**
     * Whether a token from {@code address} may be checked now; a refusal is counted and (once a minute per address)
     * logged.
     *
     * @return 0 when it may; otherwise the whole seconds until the address's window ends (for {@code Retry-After}).
     */
    public long refusedForS(final String address)
    {
        return refusedForS(address, () -> false);
    }

    /**
     * {@link #refusedForS(String)}, but a request {@code exempt} says may be checked all the same (asked only when the
     * address is over its limit) is neither refused nor counted.
     */
    public long refusedForS(final String address, final BooleanSupplier exempt)
    {
        if (limit == 0)
        {
            return 0;
        }
        final long now = nanoClock.getAsLong();
        final long leftNs;
        final int count;
        synchronized (this)
        {
            final Failures failures = table.get(address);
            if (failures == null)
            {
                return 0;
            }
            leftNs = failures.windowStartNs + windowNs - now;
            if (leftNs <= 0)
            {
                table.remove(address);
                return 0;
            }
            if (failures.count < limit)
            {
                return 0;
            }
            count = failures.count;
        }
        // Outside the lock: it may hash a token.
        if (exempt.getAsBoolean())
        {
            return 0;
        }
        final boolean warn;
        synchronized (this)
        {
            final Failures failures = table.get(address);
            warn = failures != null && (!failures.warned || now - failures.warnedAtNs >= WARN_INTERVAL_NS);
            if (warn)
            {
                failures.warned = true;
                failures.warnedAtNs = now;
            }
        }
        limited.increment();
        final long seconds = Math.max(1, (leftNs + TimeUnit.SECONDS.toNanos(1) - 1) / TimeUnit.SECONDS.toNanos(1));
        if (warn)
        {
            final long suppressed = log.tryAcquireShared(now);
            if (suppressed >= 0)
            {
                LOG.warn("refusing tokens from {} for {} s more without checking them (429): it presented {} wrong " +
                    "tokens within ODYSSEY_GATEWAY_AUTH_FAILURE_WINDOW_S (limit ODYSSEY_GATEWAY_AUTH_FAILURES_PER_ADDRESS " +
                    "{}; odyssey_gateway_requests_auth_limited_total counts every refusal); {} such lines left out " +
                    "since the last", printable(address), seconds, count, limit, suppressed);
            }
        }
        return seconds;
    }

    /** {@code address} presented a token that opens nothing. */
    public void failed(final String address)
    {
        if (limit == 0)
        {
            return;
        }
        final long now = nanoClock.getAsLong();
        if (track(address, now))
        {
            return;
        }
        untracked.increment();
        // Logged outside the table's lock: a stalled stderr must not hold every request that carries a token.
        final long suppressed = fullLog.tryAcquireShared(now);
        if (suppressed >= 0)
        {
            LOG.warn("{} addresses presented wrong tokens within ODYSSEY_GATEWAY_AUTH_FAILURE_WINDOW_S, the " +
                "most tracked at once: wrong tokens of further addresses are answered 401 without a limit " +
                "(odyssey_gateway_auth_failures_untracked_total); {} more since the last such line",
                MAX_ADDRESSES, suppressed);
        }
    }

    /** Counts a failure of {@code address}; @return false when the table is full of live entries (not counted). */
    private synchronized boolean track(final String address, final long now)
    {
        {
            Failures failures = table.get(address);
            if (failures == null)
            {
                if (table.size() >= MAX_ADDRESSES && !sweep(now))
                {
                    return false;
                }
                failures = new Failures();
                failures.windowStartNs = now;
                table.put(address, failures);
            }
            else if (now - failures.windowStartNs >= windowNs)
            {
                failures.windowStartNs = now;
                failures.count = 0;
            }
            if (failures.count < Integer.MAX_VALUE)
            {
                failures.count++;
            }
        }
        return true;
    }

    /** Drops the entries whose window has passed, at most once a second; @return whether there is room now. */
    private boolean sweep(final long now)
    {
        if (swept && now - sweptAtNs < SWEEP_INTERVAL_NS)
        {
            return false;
        }
        swept = true;
        sweptAtNs = now;
        for (final Iterator<Failures> it = table.values().iterator(); it.hasNext(); )
        {
            if (now - it.next().windowStartNs >= windowNs)
            {
                it.remove();
            }
        }
        return table.size() < MAX_ADDRESSES;
    }

    /** Addresses in the table (the gauge odyssey_gateway_auth_failure_addresses). */
    public synchronized int addresses()
    {
        return table.size();
    }

    /**
     * The key of a client address: an IPv4 address exactly, an IPv6 address by its /64 (one host, or one home, is given
     * a whole /64, so keying on the exact address would give it 2^64 allowances).
     */
    public static String addressKey(final SocketAddress peer)
    {
        if (!(peer instanceof InetSocketAddress socket) || socket.getAddress() == null)
        {
            return "address:" + peer;
        }
        final InetAddress address = socket.getAddress();
        if (address instanceof Inet6Address)
        {
            final byte[] prefix = Arrays.copyOf(address.getAddress(), 16);
            Arrays.fill(prefix, 8, 16, (byte)0);
            try
            {
                return "address:" + InetAddress.getByAddress(prefix).getHostAddress() + "/64";
            }
            catch (final UnknownHostException ex)
            {
                throw new IllegalStateException("16 bytes are an IPv6 address", ex);
            }
        }
        return "address:" + address.getHostAddress();
    }

    private static String printable(final String key)
    {
        return key.substring(key.indexOf(':') + 1);
    }
}
