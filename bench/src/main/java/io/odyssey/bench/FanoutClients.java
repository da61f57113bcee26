package io.odyssey.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The extra clients of a fan-out run, in a process of their own that the harness starts at the lowest CPU priority
 * ({@code nice -n 19}). Runs until its standard input closes; prints the bytes read.
 * Usage: FanoutClients PORT COUNT [json|binary]
 * <p>
 * They stand in for remote dashboards, whose CPU is their own machine's, not the gateway's: on the harness's two cores
 * every cycle they spend is taken from the pipeline being measured. So by default they do what a dashboard does to
 * the gateway and nothing more: opt in to flow control with the dashboard's window (2), read every frame off the
 * socket and acknowledge each {@code snapshot}/{@code changes} frame by its number, without decoding the drones (a
 * real dashboard decodes them in its own browser). One thread reads all the connections (non-blocking, WebSocket
 * framing parsed in place, pings answered). {@code ODYSSEY_BENCH_FANOUT_CLIENTS=jdk} runs the previous stand-in
 * instead: the JDK's WebSocket client per connection, no flow control, every text frame decoded to characters.
 */
public final class FanoutClients
{
    /** The dashboard's flow-control window (ui/src/connection.ts). */
    private static final int WINDOW = 2;
    private static final int OP_CONTINUATION = 0x0, OP_TEXT = 0x1, OP_BINARY = 0x2, OP_CLOSE = 0x8, OP_PING = 0x9,
        OP_PONG = 0xA;
    /** The first byte of an {@code odyssey.bin.v1} fleet frame. */
    private static final byte BINARY_MAGIC = 0x4F;

    private FanoutClients()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int port = Integer.parseInt(args[0]);
        final int count = Integer.parseInt(args[1]);
        final boolean binary = args.length > 2 && "binary".equals(args[2]);
        if ("jdk".equals(System.getenv("ODYSSEY_BENCH_FANOUT_CLIENTS")))
        {
            jdkClients(port, count, binary);
            return;
        }
        final Selector selector = Selector.open();
        final List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final Connection connection = Connection.open(port, binary);
            connection.channel.register(selector, SelectionKey.OP_READ, connection);
            connections.add(connection);
        }
        final Thread reader = new Thread(() -> readAll(selector), "fanout-clients");
        reader.setDaemon(true);
        reader.start();
        System.out.println("connected " + count);
        System.out.flush();
        while (System.in.read() >= 0)
        {
            // wait for the harness to close our input
        }
        long bytes = 0;
        for (final Connection connection : connections)
        {
            bytes += connection.bytes;
        }
        System.out.println("bytes " + bytes);
        System.exit(0);
    }

    private static void readAll(final Selector selector)
    {
        try
        {
            while (true)
            {
                selector.select(1_000);
                for (final SelectionKey key : selector.selectedKeys())
                {
                    final Connection connection = (Connection)key.attachment();
                    if (!connection.read())
                    {
                        key.cancel();
                        connection.channel.close();
                    }
                }
                selector.selectedKeys().clear();
            }
        }
        catch (final IOException ex)
        {
            System.err.println("fan-out clients stopped reading: " + ex);
        }
    }

    /**
     * One WebSocket connection on a plain socket: the handshake, then frames parsed as they arrive. The payload is
     * skipped except the bytes that name a fleet frame and its number (a binary header's first 12 bytes; a JSON
     * message's first and last bytes, where {@code "type"} and {@code "frame":n} are).
     */
    private static final class Connection
    {
        final SocketChannel channel;
        private final ByteBuffer in = ByteBuffer.allocateDirect(256 * 1024);
        private final byte[] head = new byte[24];
        private final byte[] tail = new byte[32];
        private final ByteBuffer out = ByteBuffer.allocate(256);
        volatile long bytes;
        private int opcode;
        private int messageOpcode;
        private boolean fin;
        private long payloadLeft = -1;
        private long payloadRead;
        private int tailLength;

        private Connection(final SocketChannel channel)
        {
            this.channel = channel;
        }

        static Connection open(final int port, final boolean binary) throws IOException
        {
            final SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
            channel.socket().setTcpNoDelay(true);
            final byte[] key = new byte[16];
            ThreadLocalRandom.current().nextBytes(key);
            final String request = "GET /ws/fleet HTTP/1.1\r\nHost: 127.0.0.1:" + port +
                "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " +
                Base64.getEncoder().encodeToString(key) + "\r\nSec-WebSocket-Version: 13\r\n" +
                (binary ? "Sec-WebSocket-Protocol: odyssey.bin.v1, odyssey.v1\r\n" : "") + "\r\n";
            writeFully(channel, ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)));
            final Connection connection = new Connection(channel);
            connection.readHandshake();
            channel.configureBlocking(false);
            connection.sendText("{\"type\":\"flow\",\"window\":" + WINDOW + "}");
            return connection;
        }

        /** Reads the 101 answer (blocking, before the channel turns non-blocking); frames after it stay in {@link #in}. */
        private void readHandshake() throws IOException
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline)
            {
                if (channel.read(in) < 0)
                {
                    throw new IOException("the gateway closed the connection during the handshake");
                }
                final String text = StandardCharsets.ISO_8859_1.decode(in.duplicate().flip()).toString();
                final int end = text.indexOf("\r\n\r\n");
                if (end >= 0)
                {
                    if (!text.startsWith("HTTP/1.1 101"))
                    {
                        throw new IOException("handshake refused: " + text.lines().findFirst().orElse(""));
                    }
                    in.flip().position(end + 4);
                    in.compact();
                    return;
                }
            }
            throw new IOException("no handshake answer within 10 s");
        }

        /** @return false when the connection ended. */
        boolean read() throws IOException
        {
            final int read = channel.read(in);
            if (read < 0)
            {
                return false;
            }
            bytes += read;
            in.flip();
            final boolean open = parse();
            in.compact();
            return open;
        }

        /** Consumes every complete header and whatever payload is there; @return false after a close frame. */
        private boolean parse() throws IOException
        {
            while (true)
            {
                if (payloadLeft < 0)
                {
                    if (in.remaining() < 2)
                    {
                        return true;
                    }
                    final int b0 = in.get(in.position()) & 0xFF;
                    final int b1 = in.get(in.position() + 1) & 0xFF;
                    final int lengthBytes = (b1 & 0x7F) == 126 ? 2 : (b1 & 0x7F) == 127 ? 8 : 0;
                    if (in.remaining() < 2 + lengthBytes)
                    {
                        return true;
                    }
                    in.position(in.position() + 2);
                    final long length = lengthBytes == 0 ? b1 & 0x7F : lengthBytes == 2 ? in.getShort() & 0xFFFF : in.getLong();
                    fin = (b0 & 0x80) != 0;
                    opcode = b0 & 0x0F;
                    if (opcode != OP_CONTINUATION)
                    {
                        messageOpcode = opcode;
                        payloadRead = 0;
                        tailLength = 0;
                    }
                    payloadLeft = length;
                }
                final int take = (int)Math.min(payloadLeft, in.remaining());
                keep(take);
                payloadLeft -= take;
                if (payloadLeft > 0)
                {
                    return true;
                }
                payloadLeft = -1;
                if (opcode == OP_CLOSE)
                {
                    return false;
                }
                if (opcode == OP_PING)
                {
                    sendFrame(OP_PONG, new byte[0]);
                }
                else if (fin && opcode != OP_PONG)
                {
                    acknowledge();
                }
            }
        }

        /** Skips {@code take} payload bytes, keeping the message's first and last few. */
        private void keep(final int take)
        {
            final int start = in.position();
            for (long i = payloadRead; i < head.length && i < payloadRead + take; i++)
            {
                head[(int)i] = in.get(start + (int)(i - payloadRead));
            }
            final int fromTail = Math.min(take, tail.length);
            if (tailLength + fromTail > tail.length)
            {
                final int drop = tailLength + fromTail - tail.length;
                System.arraycopy(tail, drop, tail, 0, tailLength - drop);
                tailLength -= drop;
            }
            in.get(start + take - fromTail, tail, tailLength, fromTail);
            tailLength += fromTail;
            payloadRead += take;
            in.position(start + take);
        }

        /** Acknowledges a fleet frame by its number, as the dashboard does once it applied it. */
        private void acknowledge() throws IOException
        {
            long frame = -1;
            if (messageOpcode == OP_BINARY && payloadRead >= 12 && head[0] == BINARY_MAGIC)
            {
                frame = (head[8] & 0xFFL) | (head[9] & 0xFFL) << 8 | (head[10] & 0xFFL) << 16 | (head[11] & 0xFFL) << 24;
            }
            else if (messageOpcode == OP_TEXT && startsWith("{\"type\":\"snapshot\"", "{\"type\":\"changes\""))
            {
                frame = frameNumberInTail();
            }
            if (frame > 0)
            {
                sendText("{\"type\":\"ack\",\"frame\":" + frame + "}");
            }
        }

        private boolean startsWith(final String... prefixes)
        {
            for (final String prefix : prefixes)
            {
                boolean match = payloadRead >= prefix.length() && prefix.length() <= head.length;
                for (int i = 0; match && i < prefix.length(); i++)
                {
                    match = head[i] == prefix.charAt(i);
                }
                if (match)
                {
                    return true;
                }
            }
            return prefixes.length == 0;
        }

        /** The n of a JSON fleet frame's last field, {@code "frame":n}. */
        private long frameNumberInTail()
        {
            final String end = new String(tail, 0, tailLength, StandardCharsets.ISO_8859_1);
            final int at = end.lastIndexOf("\"frame\":");
            final int close = end.lastIndexOf('}');
            if (at < 0 || close < at)
            {
                return -1;
            }
            try
            {
                return Long.parseLong(end.substring(at + 8, close).trim());
            }
            catch (final NumberFormatException ex)
            {
                return -1;
            }
        }

        private void sendText(final String text) throws IOException
        {
            sendFrame(OP_TEXT, text.getBytes(StandardCharsets.UTF_8));
        }

        /** A masked client frame (RFC 6455 requires the mask; an all-zero key leaves the payload as it is). */
        private void sendFrame(final int op, final byte[] payload) throws IOException
        {
            out.clear();
            out.put((byte)(0x80 | op)).put((byte)(0x80 | payload.length)).putInt(0).put(payload).flip();
            writeFully(channel, out);
        }

        /** Small frames on a socket whose buffer is nearly always empty: a short spin when it is not. */
        private static void writeFully(final SocketChannel channel, final ByteBuffer buffer) throws IOException
        {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (buffer.hasRemaining())
            {
                if (channel.write(buffer) == 0)
                {
                    if (System.nanoTime() > deadline)
                    {
                        throw new IOException("could not write to the gateway for 10 s");
                    }
                    Thread.onSpinWait();
                }
            }
        }
    }

    /** The previous stand-in: the JDK's WebSocket client, no flow control, text decoded to characters. */
    private static void jdkClients(final int port, final int count, final boolean binary) throws Exception
    {
        final AtomicLong bytes = new AtomicLong();
        final HttpClient http = HttpClient.newHttpClient();
        final List<WebSocket> sockets = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            final WebSocket.Builder builder = http.newWebSocketBuilder();
            if (binary)
            {
                builder.subprotocols("odyssey.bin.v1", "odyssey.v1");
            }
            sockets.add(builder.buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/fleet"),
                new WebSocket.Listener()
                {
                    public CompletionStage<?> onBinary(final WebSocket socket, final ByteBuffer data, final boolean last)
                    {
                        bytes.addAndGet(data.remaining());
                        socket.request(1);
                        return null;
                    }

                    public CompletionStage<?> onText(final WebSocket socket, final CharSequence data, final boolean last)
                    {
                        bytes.addAndGet(data.length());
                        socket.request(1);
                        return null;
                    }
                }).get(10, TimeUnit.SECONDS));
        }
        System.out.println("connected " + count);
        System.out.flush();
        while (System.in.read() >= 0)
        {
            // wait for the harness to close our input
        }
        System.out.println("bytes " + bytes.get());
        sockets.forEach(WebSocket::abort);
        System.exit(0);
    }
}
