package io.odyssey.gateway;

import io.odyssey.gateway.control.AuthFailuresPerAddress;
import io.odyssey.gateway.control.CommandJson;
import io.odyssey.gateway.control.Guard;
import io.odyssey.runtime.Json;
import io.odyssey.runtime.OncePerInterval;
import io.odyssey.runtime.SafeText;
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
import org.xnio.XnioExecutor;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * The Undertow side of every WebSocket endpoint ({@code /ws/fleet}, {@code /ws/alerts}, {@code /ws/commands}): one
 * {@link ClientSession} per connection on a non-blocking link, a ping every {@code ODYSSEY_WS_PING_INTERVAL_MS} (so a
 * live but quiet connection shows traffic and a dead one runs into the read timeout), the client's messages read as a
 * stream with bounded memory, and the session's end whichever side ends it. What a connection means is the
 * endpoint's {@link Handler}.
 * <p>
 * Client messages: each costs one of the client's allowance ({@code ODYSSEY_WS_CLIENT_MESSAGE_RATE}, taken when the
 * message starts, given back for an ack that advanced); a message that starts with the allowance spent is read off
 * the wire and dropped unparsed, unless it is short enough to be an ack while the client has frames to acknowledge
 * (then only an ack that advances is acted on). Within the allowance,
 * the first {@code ODYSSEY_WS_MAX_MESSAGE_BYTES} of a message are kept and parsed; the rest of a
 * longer one is discarded as it arrives and the message is answered with {@code TOO_LARGE}; a message that goes on
 * past {@code ODYSSEY_WS_CLOSE_MESSAGE_BYTES} (a 10 MB message, fragments that never end) closes the connection
 * with 1009. So a client's messages cost at most {@code ODYSSEY_WS_MAX_MESSAGE_BYTES} of memory, and a client
 * cannot keep the I/O thread reading forever.
 * <p>
 * Locks: the channel's close task runs on the I/O thread under the channel's lock and takes the session's (see
 * {@link ClientSession}); handlers must not call into Undertow from {@link Handler#closed}.
 */
final class SocketEndpoint implements WebSocketConnectionCallback
{
    /** How long a client closed by the gateway has to take the close frame before the connection is dropped. */
    static final long CLOSE_GRACE_MS = 2_000;
    private static final Logger LOG = LoggerFactory.getLogger(SocketEndpoint.class);
    private static final int INITIAL_MESSAGE_CAPACITY = 256;
    /**
     * The longest message read (and parsed) while the client's allowance is spent, for it may be an ack, which stays
     * free: {@code {"type":"ack","frame":9007199254740991}} is 38 bytes, the rest is room for spaces and order.
     */
    static final int MAX_FREE_ACK_BYTES = 128;

    /** What one endpoint does with its clients. */
    interface Handler
    {
        /** A client connected: register and greet it. On the connection's I/O thread; no grid calls here. */
        void opened(ClientSession session, WebSocketChannel channel);

        /**
         * The client is gone: forget it. Called at least once per connection (it must be idempotent), possibly before
         * {@link #opened} returned, and from the channel's close task: no calls into Undertow.
         */
        void closed(ClientSession session);

        /**
         * One complete message from the client, parsed (or the error to answer it with). On the I/O thread.
         *
         * @return whether it costs the client's message allowance: false only for an ack that advanced (a client sends
         * one per frame it applied, and the gateway's frames bound those).
         */
        boolean message(ClientSession session, ClientRequest request);
    }

    private final Handler handler;
    private final GatewayMetrics metrics;
    private final GatewayConfig config;
    private final OpenSessions sessions;
    /** Client messages (acks that advance aside) one connection may send per nanosecond, and at once. */
    private final double messagesPerNs;
    private final double messageBurst;

    SocketEndpoint(final Handler handler, final GatewayMetrics metrics, final GatewayConfig config, final OpenSessions sessions)
    {
        this.handler = handler;
        this.metrics = metrics;
        this.config = config;
        this.sessions = sessions;
        this.messagesPerNs = config.clientMessageRate / TimeUnit.SECONDS.toNanos(1);
        this.messageBurst = config.clientMessageBurst;
    }

    /**
     * Whose connection it is, for the limit of sessions per client: the token's digest, or for an anonymous viewer its
     * address: an IPv4 address exactly, an IPv6 address by its /64 (one host, or one home, is given a whole /64, so
     * keying on the exact address would give it 2^64 allowances). Every anonymous viewer behind one proxy (or NAT)
     * shares one allowance: give such viewers tokens.
     */
    static String clientKey(final String credential, final SocketAddress peer)
    {
        return credential != null ? credential : AuthFailuresPerAddress.addressKey(peer);
    }

    public void onConnect(final WebSocketHttpExchange exchange, final WebSocketChannel channel)
    {
        metrics.connections.increment();
        // Only /ws/fleet's handshake accepts the binary subprotocol (Gateway.websocket), so only its clients get it.
        final ClientSession session = new ClientSession(new UndertowLink(channel), metrics, config.maxPendingBytes,
            TimeUnit.MILLISECONDS.toNanos(config.stallTimeoutMs), TimeUnit.MILLISECONDS.toNanos(config.coalesceMs),
            System.nanoTime(), BINARY_SUBPROTOCOL.equals(channel.getSubProtocol()));
        session.credential = exchange.getAttachment(Guard.CREDENTIAL);
        session.seesCommandSources = CommandJson.showsSource(exchange.getAttachment(Guard.PRINCIPAL));
        if (!sessions.admit(session, clientKey(session.credential, channel.getSourceAddress())))
        {
            // Past the handshake's check (Gateway refuses with 429 before it): several handshakes of one client raced.
            session.closeWith(ClientSession.CLOSE_POLICY_VIOLATION, "too many connections for this client " +
                "(ODYSSEY_WS_MAX_SESSIONS_PER_CLIENT)", CloseReason.TOO_MANY);
            return;
        }
        final XnioExecutor.Key[] pings = new XnioExecutor.Key[1];
        final Runnable ended = () ->
        {
            pings[0].remove();
            session.close(CloseReason.CLIENT);
            sessions.release(session);
            handler.closed(session);
        };
        final long[] closedSeenAtNs = {0};
        pings[0] = channel.getIoThread().executeAtInterval(() ->
        {
            // The keep-alive also guards the release of the session: the drills saw, once in several runs, a session
            // still counted after a churn of resets, so a connection that is gone, or that the gateway closed and whose
            // peer never finished the close, is released here rather than on a close task that may not come.
            if (!channel.isOpen())
            {
                ended.run();
                return;
            }
            if (session.isClosed())
            {
                final long now = System.nanoTime();
                if (closedSeenAtNs[0] == 0)
                {
                    closedSeenAtNs[0] = now;
                }
                else if (now - closedSeenAtNs[0] >= TimeUnit.MILLISECONDS.toNanos(config.readTimeoutMs))
                {
                    IoUtils.safeClose(channel);
                    ended.run();
                }
                return;
            }
            session.keepAlive();
        }, config.pingIntervalMs, TimeUnit.MILLISECONDS);
        channel.addCloseTask(closed -> ended.run());
        handler.opened(session, channel);
        if (!channel.isOpen() || session.isClosed())
        {
            // Closed before (or while) the handler registered it: the close task may have run already, or never will.
            ended.run();
            return;
        }
        channel.getReceiveSetter().set(new Receiver(session));
        channel.resumeReceives();
    }

    /** The subprotocol of {@code odyssey.bin.v1} binary fleet frames (docs/api/websocket.md, "Binary frames"). */
    static final String BINARY_SUBPROTOCOL = "odyssey.bin.v1";

    /** Answers a {@code ping} message. */
    static void pong(final ClientSession session)
    {
        session.reply("{\"type\":\"pong\",\"serverTimeMs\":" + System.currentTimeMillis() + "}");
    }

    /**
     * Answers a message the gateway cannot use; counted by code. The message may quote the client (an unknown type):
     * no control or bidirectional character of it goes back (U+FFFD in its place), as in the REST API's problems.
     */
    static void error(final ClientSession session, final GatewayMetrics metrics, final String code, final String message)
    {
        metrics.clientError(code);
        session.reply("{\"type\":\"error\",\"code\":\"" + code + "\",\"message\":\"" +
            Json.escape(SafeText.printable(message, false)) + "\"}");
    }

    /** The answer of an endpoint that takes nothing but {@code ping}. */
    static void onlyPing(
        final ClientSession session, final ClientRequest request, final GatewayMetrics metrics, final String path)
    {
        switch (request.kind())
        {
            case PING -> pong(session);
            case ERROR -> error(session, metrics, request.errorCode(), request.errorMessage());
            case SUBSCRIBE, FLOW, ACK -> error(session, metrics, ClientRequest.UNKNOWN_TYPE,
                path + " takes only ping; subscribe, flow and ack are for /ws/fleet");
        }
    }

    /** Undertow's side of a session: non-blocking sends that report when the bytes left. */
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

        public void sendBinary(final ByteBuffer frame, final IntConsumer written)
        {
            final int length = frame.remaining();
            WebSockets.sendBinary(frame, channel, new WebSocketCallback<Void>()
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

        public void ping()
        {
            WebSockets.sendPing(ByteBuffer.allocate(0), channel, null);
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
     * discarding the rest up to the close bound, then answers it. One message at a time per connection, on its I/O
     * thread.
     */
    private final class MessageReader implements ChannelListener<StreamSourceFrameChannel>
    {
        private final ClientSession session;
        /** The client's message allowance (a token bucket, this connection's I/O thread only). */
        private double allowance = messageBurst;
        private long allowanceAtNs = System.nanoTime();
        private final OncePerInterval limitedNotices = new OncePerInterval(TimeUnit.SECONDS.toNanos(1));
        private byte[] data = new byte[INITIAL_MESSAGE_CAPACITY];
        private int length;
        private long total;
        private boolean binary;
        /** Whether the message being read took one of the allowance when it started (false: it started over it). */
        private boolean charged;
        /** Bytes of the message being read that are kept for parsing; the rest is discarded as it arrives. */
        private int keepBytes;

        MessageReader(final ClientSession session)
        {
            this.session = session;
        }

        void start(final StreamSourceFrameChannel message, final boolean binary)
        {
            this.binary = binary;
            length = 0;
            total = 0;
            // Decided before a byte is kept, so a client past its allowance costs the read, never a parse of all of it.
            charged = take(System.nanoTime());
            keepBytes = charged ? config.maxMessageBytes : MAX_FREE_ACK_BYTES;
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
                    if (total > config.closeMessageBytes)
                    {
                        tooBig(message);
                        return;
                    }
                }
            }
            catch (final IOException ex)
            {
                // Broken framing or invalid UTF-8 in a text frame: the protocol itself failed, not just the content.
                LOG.debug("reading a client message failed: {}", ex.toString());
                message.suspendReads();
                session.close(CloseReason.PROTOCOL);
                IoUtils.safeClose(message.getWebSocketChannel());
            }
            finally
            {
                pooled.close();
            }
        }

        /** Past every bound (or never ending): stop reading and close, so the client costs nothing more. */
        private void tooBig(final StreamSourceFrameChannel message)
        {
            message.getReadSetter().set(null);
            message.suspendReads();
            message.getWebSocketChannel().suspendReceives();
            session.closeWith(ClientSession.CLOSE_TOO_BIG, "message above " + config.closeMessageBytes + " bytes",
                CloseReason.TOO_LARGE);
        }

        private void keep(final ByteBuffer buffer)
        {
            final int bytes = buffer.remaining();
            total += bytes;
            if (binary || total > keepBytes)
            {
                return;
            }
            if (length + bytes > data.length)
            {
                final byte[] grown = new byte[(int)Math.min(keepBytes, Math.max(data.length * 2L, length + bytes))];
                System.arraycopy(data, 0, grown, 0, length);
                data = grown;
            }
            buffer.get(data, length, bytes);
            length += bytes;
        }

        private void complete()
        {
            final long nowNs = System.nanoTime();
            if (!charged && (binary || total > keepBytes || session.unacknowledged() == 0))
            {
                // Over the allowance and cannot be an ack that advances: dropped as read, never parsed.
                limited(nowNs);
                return;
            }
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
            if (!charged && request.kind() != ClientRequest.Kind.ACK)
            {
                limited(nowNs);
                return;
            }
            final boolean costs = handler.message(session, request);
            if (!costs && charged)
            {
                allowance = Math.min(messageBurst, allowance + 1);
            }
            else if (costs && !charged)
            {
                // An ack that changed nothing, past the allowance (acted on already: it only changed nothing).
                limited(nowNs);
            }
        }

        /**
         * Takes one of the client's allowance for a message starting now, if there is one. Every message costs one
         * (a subscription is a snapshot, a flow message a scan of every session, an answer a frame) except an ack that
         * advances: a client sends one per frame it applied, and the gateway's frames bound those, so they are given
         * back (and read even past the allowance, see {@link #complete}). The rest come at most at the configured
         * rate; the excess is dropped, counted, and answered with RATE_LIMITED at most once a second.
         */
        private boolean take(final long nowNs)
        {
            allowance = Math.min(messageBurst, allowance + (nowNs - allowanceAtNs) * messagesPerNs);
            allowanceAtNs = nowNs;
            if (allowance >= 1)
            {
                allowance -= 1;
                return true;
            }
            return false;
        }

        /** A message dropped for coming past the allowance. */
        private void limited(final long nowNs)
        {
            metrics.clientMessagesLimited.increment();
            if (limitedNotices.due(nowNs))
            {
                error(session, metrics, ClientRequest.RATE_LIMITED, "more than " + config.clientMessageRate +
                    " messages a second (ODYSSEY_WS_CLIENT_MESSAGE_RATE): the excess is dropped");
            }
        }
    }
}
