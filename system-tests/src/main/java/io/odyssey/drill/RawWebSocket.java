package io.odyssey.drill;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client on a bare socket, for what a well-behaved client library will not do: hang up in the middle of
 * the handshake, reset the connection (RST, via {@code SO_LINGER 0}) instead of closing it, send a 10 MB message or
 * fragments that never end. Frames it sends are masked, as a client's must be (RFC 6455).
 */
final class RawWebSocket implements Closeable
{
    static final int TEXT = 0x1;
    static final int CONTINUATION = 0x0;
    static final int CLOSE = 0x8;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawWebSocket(final Socket socket) throws IOException
    {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** The HTTP upgrade request a browser sends, offering {@code odyssey.v1} and the token's subprotocol. */
    static byte[] handshake(final int port, final String path, final String token)
    {
        final byte[] key = new byte[16];
        ThreadLocalRandom.current().nextBytes(key);
        return ("GET " + path + " HTTP/1.1\r\n" +
            "Host: 127.0.0.1:" + port + "\r\n" +
            "Upgrade: websocket\r\n" +
            "Connection: Upgrade\r\n" +
            "Sec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key) + "\r\n" +
            "Sec-WebSocket-Version: 13\r\n" +
            "Sec-WebSocket-Protocol: odyssey.v1, bearer." + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    static Socket open(final int port, final int timeoutMs) throws IOException
    {
        final Socket socket = new Socket();
        socket.setSoTimeout(timeoutMs);
        socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMs);
        return socket;
    }

    /** Opens a WebSocket: the handshake must be answered 101 within {@code timeoutMs}. */
    static RawWebSocket connect(final int port, final String path, final String token, final int timeoutMs)
        throws IOException
    {
        final Socket socket = open(port, timeoutMs);
        try
        {
            socket.getOutputStream().write(handshake(port, path, token));
            final String status = readHead(socket.getInputStream());
            if (!status.startsWith("HTTP/1.1 101"))
            {
                throw new IOException("handshake answered '" + status.lines().findFirst().orElse("") + "'");
            }
            return new RawWebSocket(socket);
        }
        catch (final IOException | RuntimeException ex)
        {
            socket.close();
            throw ex;
        }
    }

    /** Reads an HTTP response head (up to the blank line), byte by byte so nothing after it is consumed. */
    private static String readHead(final InputStream in) throws IOException
    {
        final ByteArrayOutputStream head = new ByteArrayOutputStream();
        int lastFour = 0;
        while (lastFour != 0x0D0A0D0A)
        {
            final int b = in.read();
            if (b < 0)
            {
                throw new IOException("connection closed during the handshake");
            }
            head.write(b);
            lastFour = (lastFour << 8) | b;
            if (head.size() > 16_384)
            {
                throw new IOException("handshake answer too long");
            }
        }
        return head.toString(StandardCharsets.US_ASCII);
    }

    /** Writes one masked frame header for a payload of {@code length} bytes; the payload follows with {@link #payload}. */
    byte[] frameHeader(final int opcode, final boolean fin, final long length) throws IOException
    {
        final ByteArrayOutputStream header = new ByteArrayOutputStream(14);
        header.write((fin ? 0x80 : 0) | opcode);
        if (length < 126)
        {
            header.write(0x80 | (int)length);
        }
        else if (length <= 0xFFFF)
        {
            header.write(0x80 | 126);
            header.write((int)(length >>> 8));
            header.write((int)length);
        }
        else
        {
            header.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8)
            {
                header.write((int)(length >>> shift));
            }
        }
        final byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        header.write(mask);
        out.write(header.toByteArray());
        return mask;
    }

    /** Writes payload bytes masked with {@code mask}, {@code position} being where they start in the payload. */
    void payload(final byte[] data, final int length, final byte[] mask, final long position) throws IOException
    {
        final byte[] masked = new byte[length];
        for (int i = 0; i < length; i++)
        {
            masked[i] = (byte)(data[i] ^ mask[(int)((position + i) & 3)]);
        }
        out.write(masked);
    }

    void sendFrame(final int opcode, final boolean fin, final byte[] payload) throws IOException
    {
        final byte[] mask = frameHeader(opcode, fin, payload.length);
        payload(payload, payload.length, mask, 0);
        out.flush();
    }

    void sendClose(final int code) throws IOException
    {
        sendFrame(CLOSE, true, new byte[] {(byte)(code >>> 8), (byte)code});
    }

    /**
     * Reads frames until the server's close frame or the end of the stream.
     *
     * @return the close code, 1005 for a close frame without one, -1 when the connection ended without a close frame.
     * @throws SocketTimeoutException when neither came within the socket's timeout.
     */
    int awaitClose() throws IOException
    {
        while (true)
        {
            final int first = in.read();
            if (first < 0)
            {
                return -1;
            }
            final int second = in.read();
            if (second < 0)
            {
                return -1;
            }
            long length = second & 0x7F;
            if (length == 126)
            {
                length = (readByte() << 8) | readByte();
            }
            else if (length == 127)
            {
                length = 0;
                for (int i = 0; i < 8; i++)
                {
                    length = (length << 8) | readByte();
                }
            }
            if ((first & 0x0F) == CLOSE)
            {
                return length >= 2 ? (readByte() << 8) | readByte() : 1005;
            }
            in.skipNBytes(length);
        }
    }

    private int readByte() throws IOException
    {
        final int b = in.read();
        if (b < 0)
        {
            throw new java.io.EOFException();
        }
        return b;
    }

    /** Ends the connection with a TCP reset rather than a close: what a crashed client or a dropped link looks like. */
    void reset() throws IOException
    {
        reset(socket);
    }

    static void reset(final Socket socket) throws IOException
    {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    Socket socket()
    {
        return socket;
    }

    public void close() throws IOException
    {
        socket.close();
    }
}
