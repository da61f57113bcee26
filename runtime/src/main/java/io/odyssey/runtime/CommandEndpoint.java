package io.odyssey.runtime;

import io.aeron.Aeron;
import io.aeron.Subscription;
import io.aeron.exceptions.RegistrationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where a drone-side process (the simulator, the MAVLink edge) takes commands, as its heartbeats advertise it: an
 * IPv4 address and a port. One place for what both do with their endpoint and advertise settings.
 */
public final class CommandEndpoint
{
    private static final Logger LOG = LoggerFactory.getLogger(CommandEndpoint.class);
    /** How long a caller waits for a subscription asked for any free port to bind. */
    public static final long BIND_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private CommandEndpoint()
    {
    }

    /**
     * The IPv4 address of {@code host} as {@code (a << 24) | (b << 16) | (c << 8) | d}; a wildcard (0.0.0.0)
     * advertises this host's address, which is what a peer on another machine or container can reach, or loopback
     * when there is none.
     *
     * @param setting the setting {@code host} came from, named in the error.
     */
    public static int advertisedAddress(final Setting setting, final String host)
    {
        InetAddress address;
        try
        {
            address = InetAddress.getByName(host);
        }
        catch (final UnknownHostException ex)
        {
            throw setting.invalid(host, "a resolvable IPv4 address or host name");
        }
        if (address.isAnyLocalAddress())
        {
            address = thisHost();
        }
        if (!(address instanceof Inet4Address))
        {
            throw setting.invalid(host, "an IPv4 address or a host name with one (heartbeats carry IPv4)");
        }
        final byte[] bytes = address.getAddress();
        return (bytes[0] & 0xFF) << 24 | (bytes[1] & 0xFF) << 16 | (bytes[2] & 0xFF) << 8 | (bytes[3] & 0xFF);
    }

    private static InetAddress thisHost()
    {
        try
        {
            final InetAddress local = InetAddress.getLocalHost();
            if (local instanceof Inet4Address)
            {
                return local;
            }
        }
        catch (final UnknownHostException ex)
        {
            LOG.warn("this host's name does not resolve ({}): advertising loopback for commands", ex.getMessage());
        }
        return InetAddress.getLoopbackAddress();
    }

    /** {@code a.b.c.d} of an address as {@link #advertisedAddress} gives it. */
    public static String ipv4(final int address)
    {
        return (address >>> 24) + "." + ((address >>> 16) & 0xFF) + "." + ((address >>> 8) & 0xFF) + "." + (address & 0xFF);
    }

    /**
     * The subscription commands arrive on at {@code host}:{@code port}; a port another process holds is the operator's
     * to fix in {@code setting} (whose value {@code endpoint} is), and the error says so.
     */
    public static Subscription subscribe(final Aeron aeron, final Setting setting, final String endpoint,
        final String host, final int port, final int streamId)
    {
        try
        {
            return aeron.addSubscription(AeronTransport.udpChannel(host + ":" + port), streamId);
        }
        catch (final RegistrationException ex)
        {
            throw setting.invalid(endpoint, "an address and a free UDP port to listen on (" + ex.getMessage() + ")");
        }
    }

    /** The port the driver bound for an endpoint asked for with port 0, once it has (at most {@link #BIND_TIMEOUT_NS}). */
    public static int boundPort(final Subscription subscription) throws InterruptedException
    {
        final long deadline = System.nanoTime() + BIND_TIMEOUT_NS;
        while (true)
        {
            final List<String> addresses = subscription.localSocketAddresses();
            if (!addresses.isEmpty())
            {
                final String address = addresses.get(0);
                return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
            }
            if (System.nanoTime() - deadline > 0)
            {
                throw new IllegalStateException(
                    "the command subscription did not bind within 10 s: " + subscription.channel());
            }
            Thread.sleep(1);
        }
    }
}
