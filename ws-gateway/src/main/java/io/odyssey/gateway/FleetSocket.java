package io.odyssey.gateway;

import io.odyssey.runtime.Json;
import io.undertow.connector.PooledByteBuffer;
import io.undertow.websockets.WebSocketConnectionCallback;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.StreamSourceFrameChannel;
import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xnio.ChannelListener;
import org.xnio.IoUtils;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * {@code /ws/fleet}: accepts connections, greets with {@code hello}, registers the client with the fleet feed (which
 * sends the first snapshot), and handles what clients send (subscribe, ping). Anything it cannot use gets an
 * {@code error} message and the connection stays open: messages are read as a stream and only the first
 * {@code ODYSSEY_WS_MAX_MESSAGE_BYTES} of one are kept, so an oversized or binary message costs no more memory than
 * that and is answered rather than cutting the connection.
 */
final class FleetSocket implements WebSocketConnectionCallback
{
    static final int PROTOCOL_VERSION = 1;
    /** How long a client closed for being too slow has to take the close frame before the connection is dropped. */
    static final long CLOSE_GRACE_MS = 2_000;
    private static final Logger LOG = LoggerFactory.getLogger(FleetSocket.class);
    private static final int INITIAL_MESSAGE_CAPACITY = 256;

    private final FleetFeed feed;
    private final AlertsFeed alerts;
    private final GatewayMetrics metrics;
    private final GatewayConfig config;

    FleetSocket(final FleetFeed feed, final AlertsFeed alerts, final GatewayMetrics metrics, final GatewayConfig config)
    {
        this.feed = feed;
        this.alerts = alerts;
        this.metrics = metrics;
        this.config = config;
    }

    public void onConnect(final WebSocketHttpExchange exchange, final WebSocketChannel channel)
    {
        metrics.connections.increment();
        final ClientSession session = session(channel, metrics, config);
        session.reply("{\"type\":\"hello\",\"protocol\":" + PROTOCOL_VERSION + ",\"coalesceMs\":" + config.coalesceMs +
            ",\"serverTimeMs\":" + System.currentTimeMillis() + "}");
        channel.addCloseTask(closed ->
        {
            feed.remove(session);
            alerts.remove(session);
        });
        feed.add(session);
        alerts.add(session);
        if (!channel.isOpen())
        {
            // Closed before the close task was registered: it may never run.
            feed.remove(session);
            alerts.remove(session);
            return;
        }
        channel.getReceiveSetter().set(new Receiver(session));
        channel.resumeReceives();
    }

    /** Acts on one complete message from a client; called on the connection's I/O thread. */
    void handle(final ClientSession session, final ClientRequest request)
    {
        switch (request.kind())
        {
            case SUBSCRIBE -> feed.subscribe(session, request.bbox());
            case PING -> session.reply("{\"type\":\"pong\",\"serverTimeMs\":" + System.currentTimeMillis() + "}");
            case ERROR -> error(session, request.errorCode(), request.errorMessage());
        }
    }

    private void error(final ClientSession session, final String code, final String message)
    {
        metrics.clientError(code);
        session.reply("{\"type\":\"error\",\"code\":\"" + code + "\",\"message\":\"" + Json.escape(message) + "\"}");
    }

    /** Undertow's side of a session: non-blocking sends that report when the bytes left. */
    /** A session on an Undertow WebSocket channel, with the configured bounds (for every socket endpoint). */
    static ClientSession session(final WebSocketChannel channel, final GatewayMetrics metrics, final GatewayConfig config)
    {
        return new ClientSession(new UndertowLink(channel), metrics, config.maxPendingBytes,
            TimeUnit.MILLISECONDS.toNanos(config.stallTimeoutMs), TimeUnit.MILLISECONDS.toNanos(config.coalesceMs),
            System.nanoTime());
    }

    private static final class UndertowLink implements ClientSession.Link
    {
        private final WebSocketChannel channel;

        UndertowLink(final WebSocketChannel channel)
        {
            this.channel = channel;
        }

        public void sendText(final ByteBuffer frame, final IntConsumer written)
        {
            final int length = frame.remaining();
            WebSockets.sendText(frame, channel, new WebSocketCallback<Void>()
            {
                public void complete(final WebSocketChannel channel, final Void context)
                {
                    written.accept(length);
                }

                public void onError(final WebSocketChannel channel, final Void context, final Throwable throwable)
                {
                    written.accept(length);
                }
            });
        }

        public void close(final int code, final String reason)
        {
            WebSockets.sendClose(code, reason, channel, null);
            // A client that stopped reading never takes the close frame (it waits behind the unsent frames): drop the
            // connection after a grace period so its buffers are freed.
            channel.getIoThread().executeAfter(() -> IoUtils.safeClose(channel), CLOSE_GRACE_MS, TimeUnit.MILLISECONDS);
        }
    }

    /** Receives a client's messages; pings, pongs and close frames are handled by Undertow's defaults. */
    private final class Receiver extends AbstractReceiveListener
    {
        private final MessageReader reader;

        Receiver(final ClientSession session)
        {
            reader = new MessageReader(session);
        }

        protected void onText(final WebSocketChannel channel, final StreamSourceFrameChannel message)
        {
            reader.start(message, false);
        }

        protected void onBinary(final WebSocketChannel channel, final StreamSourceFrameChannel message)
        {
            reader.start(message, true);
        }

        protected void onError(final WebSocketChannel channel, final Throwable error)
        {
            LOG.debug("client connection error: {}", error.toString());
            super.onError(channel, error);
        }
    }

    /**
     * Reads one message (all its fragments) without blocking, keeping at most {@code maxMessageBytes} of it and
     * discarding the rest, then answers it. One message at a time per connection, on its I/O thread.
     */
    private final class MessageReader implements ChannelListener<StreamSourceFrameChannel>
    {
        private final ClientSession session;
        private byte[] data = new byte[INITIAL_MESSAGE_CAPACITY];
        private int length;
        private long total;
        private boolean binary;

        MessageReader(final ClientSession session)
        {
            this.session = session;
        }

        void start(final StreamSourceFrameChannel message, final boolean binary)
        {
            this.binary = binary;
            length = 0;
            total = 0;
            read(message);
        }

        public void handleEvent(final StreamSourceFrameChannel message)
        {
            read(message);
        }

        private void read(final StreamSourceFrameChannel message)
        {
            final PooledByteBuffer pooled = message.getWebSocketChannel().getBufferPool().allocate();
            try
            {
                final ByteBuffer buffer = pooled.getBuffer();
                while (true)
                {
                    buffer.clear();
                    final int read = message.read(buffer);
                    if (read == -1)
                    {
                        message.getReadSetter().set(null);
                        complete();
                        return;
                    }
                    if (read == 0)
                    {
                        message.getReadSetter().set(this);
                        message.resumeReads();
                        return;
                    }
                    buffer.flip();
                    keep(buffer);
                }
            }
            catch (final IOException ex)
            {
                // Broken framing or invalid UTF-8 in a text frame: the protocol itself failed, not just the content.
                LOG.debug("reading a client message failed: {}", ex.toString());
                message.suspendReads();
                IoUtils.safeClose(message.getWebSocketChannel());
            }
            finally
            {
                pooled.close();
            }
        }

        private void keep(final ByteBuffer buffer)
        {
            final int bytes = buffer.remaining();
            total += bytes;
            if (binary || total > config.maxMessageBytes)
            {
                return;
            }
            if (length + bytes > data.length)
            {
                final byte[] grown = new byte[(int)Math.min(config.maxMessageBytes, Math.max(data.length * 2L, length + bytes))];
                System.arraycopy(data, 0, grown, 0, length);
                data = grown;
            }
            buffer.get(data, length, bytes);
            length += bytes;
        }

        private void complete()
        {
            final ClientRequest request;
            if (binary)
            {
                request = ClientRequest.error(ClientRequest.BAD_JSON, "binary messages are not supported; send JSON text");
            }
            else if (total > config.maxMessageBytes)
            {
                request = ClientRequest.error(ClientRequest.TOO_LARGE, "message exceeds " + config.maxMessageBytes + " bytes");
            }
            else
            {
                request = ClientRequest.parse(data, length);
            }
            if (data.length > 16 * INITIAL_MESSAGE_CAPACITY)
            {
                // Idle clients should not each hold a buffer as large as the largest message they ever sent.
                data = new byte[INITIAL_MESSAGE_CAPACITY];
            }
            handle(session, request);
        }
    }
}
