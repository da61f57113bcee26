package io.odyssey.gateway;

import io.odyssey.runtime.Counter;
import io.odyssey.runtime.RateLimitedLog;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;
import org.xnio.StreamConnection;
import org.xnio.channels.AcceptingChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The server's accept listener: a cap on the connections one address holds open (an IPv4 address, or an IPv6 /64 as
 * {@link SocketEndpoint#clientKey} keys anonymous clients), applied to each connection as it is accepted, before
 * Undertow reads a byte of it. The global cap (ODYSSEY_GATEWAY_MAX_CONNECTIONS) alone let one host that opened
 * 10,000 silent connections stop everyone else's, {@code /health} included, until the idle timeout closed them.
 * <p>
 * A connection past the cap is closed at once and counted; the address's count falls as its connections close, and
 * an address whose count reaches zero leaves the table, so the table holds at most one entry per open connection.
 * Runs on the I/O threads (each accepts on its own), once per connection: a lock is cheap at that rate.
 */
final class ConnectionsPerAddress
{
    /** At most one warning in this long, however many connections are refused (a flood must not flood the log). */
    static final long WARN_INTERVAL_NS = TimeUnit.SECONDS.toNanos(10);
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionsPerAddress.class);

    private final int cap;
    private final Counter refused;
    private final LongSupplier nanoClock;
    /** Open connections per address; guarded by {@code this}. */
    private final Map<String, int[]> open = new HashMap<>();
    /** One limiter per kind of warning: a flood of refusals must not hide that accepting itself fails, or back. */
    private final RateLimitedLog refusedLog = new RateLimitedLog(LOG, WARN_INTERVAL_NS);
    private final RateLimitedLog acceptFailedLog = new RateLimitedLog(LOG, WARN_INTERVAL_NS);

    /**
     * @param cap     connections one address may hold open.
     * @param refused counts the connections closed for being past the cap.
     */
    ConnectionsPerAddress(final int cap, final Counter refused, final LongSupplier nanoClock)
    {
        this.cap = cap;
        this.refused = refused;
        this.nanoClock = nanoClock;
    }

    /** The accept listener of a server: each connection admitted is handed to {@code openListener} (Undertow's). */
    ChannelListener<AcceptingChannel<StreamConnection>> acceptingFor(
        final ChannelListener<? super StreamConnection> openListener)
    {
        return channel -> accept(channel, openListener);
    }

    private void accept(final AcceptingChannel<StreamConnection> channel,
        final ChannelListener<? super StreamConnection> openListener)
    {
        final StreamConnection connection;
        try
        {
            connection = channel.accept();
        }
        catch (final IOException ex)
        {
            // Out of file descriptors, for one: the next readiness event tries again, so say it once in a while.
            final long suppressed = acceptFailedLog.tryAcquireShared(nanoClock.getAsLong());
            if (suppressed >= 0)
            {
                LOG.warn("accepting a connection failed: {} ({} more since the last such warning)", ex.toString(),
                    suppressed);
            }
            return;
        }
        if (connection == null)
        {
            return;
        }
        final String address = SocketEndpoint.clientKey(null, connection.getPeerAddress());
        final int held = hold(address);
        if (held >= 0)
        {
            refuse(connection, address, held);
            return;
        }
        // XNIO (3.8) merges close listeners, so Undertow's own, set when it takes the connection (and again at a
        // WebSocket upgrade), runs beside this one rather than replacing it; set first, so a connection Undertow
        // closes at once is released too. (GatewayConnectionsPerAddressIT fails if a count never falls.)
        connection.setCloseListener(closed -> release(address));
        openListener.handleEvent(connection);
    }

    /** @return -1 when the address may open one more (now counted), otherwise how many it holds (the cap). */
    private synchronized int hold(final String address)
    {
        final int[] count = open.computeIfAbsent(address, key -> new int[1]);
        if (count[0] >= cap)
        {
            return count[0];
        }
        count[0]++;
        return -1;
    }

    private synchronized void release(final String address)
    {
        final int[] count = open.get(address);
        if (count != null && --count[0] <= 0)
        {
            open.remove(address);
        }
    }

    private void refuse(final StreamConnection connection, final String address, final int held)
    {
        // Counted before the close: whoever saw the connection close may read the count next.
        refused.increment();
        IoUtils.safeClose(connection);
        final long others = refusedLog.tryAcquireShared(nanoClock.getAsLong());
        if (others < 0)
        {
            return;
        }
        LOG.warn("closed a connection from {} as it was accepted: that address holds {} open connections, the most one " +
            "address may (ODYSSEY_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS); {} more refused since the last such warning",
            address.substring(address.indexOf(':') + 1), held, others);
    }

    /** Addresses holding at least one open connection (the gauge odyssey_gateway_connection_addresses). */
    synchronized int addresses()
    {
        return open.size();
    }
}
