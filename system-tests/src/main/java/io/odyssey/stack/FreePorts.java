package io.odyssey.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Ports the system has just handed out as free, never the same one twice from one instance, so stacks started side by
 * side by parallel test runs (and other processes) do not collide. A port is free when asked; whoever binds it next wins.
 */
public final class FreePorts
{
    private final Set<Integer> given = new HashSet<>();

    public synchronized int tcp()
    {
        while (true)
        {
            try (ServerSocket socket = new ServerSocket())
            {
                socket.setReuseAddress(false);
                socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                if (given.add(socket.getLocalPort()))
                {
                    return socket.getLocalPort();
                }
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException(ex);
            }
        }
    }

    /** A port free for UDP (Aeron endpoints) and for TCP (so nothing else of ours takes it). */
    public synchronized int udp()
    {
        while (true)
        {
            final int port = tcp();
            try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)))
            {
                return socket.getLocalPort();
            }
            catch (final IOException ex)
            {
                // Taken for UDP: try another.
            }
        }
    }
}
