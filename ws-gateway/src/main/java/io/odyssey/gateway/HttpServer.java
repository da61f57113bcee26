package io.odyssey.gateway;

import io.undertow.UndertowOptions;
import io.undertow.connector.ByteBufferPool;
import io.undertow.server.ConnectorStatistics;
import io.undertow.server.DefaultByteBufferPool;
import io.undertow.server.HttpHandler;
import io.undertow.server.protocol.http.HttpOpenListener;
import org.xnio.IoUtils;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.xnio.StreamConnection;
import org.xnio.Xnio;
import org.xnio.XnioWorker;
import org.xnio.channels.AcceptingChannel;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's HTTP listener, assembled from Undertow's parts as {@code Undertow.start()} assembles a plain HTTP
 * listener (same worker, socket, server and buffer defaults), for the one thing {@code Undertow}'s builder has no
 * place for: an accept listener of our own ({@link ConnectionsPerAddress}), which sees each connection before Undertow
 * reads from it. Undertow's HTTP/2, HTTPS, AJP and proxy-protocol listeners are not used by the gateway and not built.
 */
final class HttpServer implements AutoCloseable
{
    /**
     * {@code Undertow}'s buffers for a heap of 128 MB or more (the gateway's is larger): direct, 16 KiB less 20 bytes,
     * Undertow 2.4's own figure (UNDERTOW-1209: a buffer and its allocator's header then fit a 16 KiB chunk).
     */
    private static final int BUFFER_BYTES = 16 * 1024 - 20;

    private final XnioWorker worker;
    private final AcceptingChannel<? extends StreamConnection> channel;
    private final HttpOpenListener openListener;
    private final int shutdownTimeoutMs;

    private HttpServer(final XnioWorker worker, final AcceptingChannel<? extends StreamConnection> channel,
        final HttpOpenListener openListener, final int shutdownTimeoutMs)
    {
        this.worker = worker;
        this.channel = channel;
        this.openListener = openListener;
        this.shutdownTimeoutMs = shutdownTimeoutMs;
    }

    /**
     * Starts listening.
     *
     * @param workerOptions options of the XNIO worker beside the thread counts (its name).
     * @param socketOptions options of the listening socket and its connections (timeouts, the connection cap).
     * @param serverOptions Undertow's options (parse timeouts, sizes, statistics, the shutdown timeout).
     * @param perAddress    the cap per address, applied as connections are accepted.
     */
    static HttpServer start(final String host, final int port, final int ioThreads, final int workerThreads,
        final OptionMap workerOptions, final OptionMap socketOptions, final OptionMap serverOptions, final HttpHandler root,
        final ConnectionsPerAddress perAddress)
        throws IOException
    {
        final XnioWorker worker = Xnio.getInstance(io.undertow.Undertow.class.getClassLoader()).createWorker(
            OptionMap.builder()
                .set(Options.WORKER_IO_THREADS, ioThreads)
                // The worker's own connection bound stays out of the way: the listening socket's options carry ours.
                .set(Options.CONNECTION_HIGH_WATER, 1_000_000)
                .set(Options.CONNECTION_LOW_WATER, 1_000_000)
                .set(Options.WORKER_TASK_CORE_THREADS, workerThreads)
                .set(Options.WORKER_TASK_MAX_THREADS, workerThreads)
                .set(Options.TCP_NODELAY, true)
                .set(Options.CORK, true)
                .addAll(workerOptions)
                .getMap());
        try
        {
            final OptionMap socket = OptionMap.builder()
                .set(Options.WORKER_IO_THREADS, worker.getIoThreadCount())
                .set(Options.TCP_NODELAY, true)
                .set(Options.REUSE_ADDRESSES, true)
                .set(Options.BALANCING_TOKENS, 1)
                .set(Options.BALANCING_CONNECTIONS, 2)
                .set(Options.BACKLOG, 1000)
                .addAll(socketOptions)
                .getMap();
            final ByteBufferPool buffers = new DefaultByteBufferPool(true, BUFFER_BYTES, -1, 4);
            final HttpOpenListener openListener = new HttpOpenListener(buffers, OptionMap.builder()
                .set(UndertowOptions.NO_REQUEST_TIMEOUT, 60_000)
                // Off: with it on, an answer written on a worker thread (a 401, any dispatched request) raced the I/O
                // thread freeing the connection's buffer of pipelined answers when the client reset, and Undertow
                // logged an ERROR stack trace each time: 20 pipelined requests without a token, then a reset, let
                // anyone fill the log (CommandApiIT). Pipelined requests are still answered, each as it completes;
                // browsers do not pipeline.
                .set(UndertowOptions.BUFFER_PIPELINED_DATA, false)
                .addAll(serverOptions)
                .getMap());
            openListener.setRootHandler(root);
            final AcceptingChannel<? extends StreamConnection> channel = worker.createStreamConnectionServer(
                new InetSocketAddress(InetAddress.getByName(host), port), perAddress.acceptingFor(openListener), socket);
            channel.resumeAccepts();
            return new HttpServer(worker, channel, openListener, serverOptions.get(UndertowOptions.SHUTDOWN_TIMEOUT, 0));
        }
        catch (final IOException | RuntimeException ex)
        {
            worker.shutdownNow();
            throw ex;
        }
    }

    /** The port listened on (the one chosen when 0 was asked for). */
    int port()
    {
        return channel.getLocalAddress(InetSocketAddress.class).getPort();
    }

    /** Undertow's counts of this listener ({@link UndertowOptions#ENABLE_STATISTICS} on), or null when off. */
    ConnectorStatistics statistics()
    {
        return openListener.getConnectorStatistics();
    }

    /**
     * Stops listening, then the threads, as {@code Undertow.stop()} does: requests in progress get the shutdown
     * timeout to finish.
     */
    public void close()
    {
        IoUtils.safeClose(channel);
        worker.shutdown();
        try
        {
            if (!worker.awaitTermination(shutdownTimeoutMs, TimeUnit.MILLISECONDS))
            {
                worker.shutdownNow();
            }
        }
        catch (final InterruptedException ex)
        {
            worker.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
