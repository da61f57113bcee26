package io.odyssey.gateway;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A client on a plain socket, for what well-behaved clients never do: stop halfway through a handshake, reset the
 * connection, send headers or a body byte by byte or not at all, send WebSocket frames that never end. Every read has
 * a timeout, so a test can tell "the server closed the connection" from "the server said nothing".
 */
final class RawClient implements AutoCloseable
{
    /** RFC 6455 opcodes. */
    static final int CONTINUATION = 0x0, TEXT = 0x1, BINARY = 0x2, CLOSE = 0x8, PING = 0x9, PONG = 0xA;

    final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    private RawClient(final Socket socket) throws IOException
    {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    static RawClient connect(final int port, final int readTimeoutMs) throws IOException
    {
        final Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(readTimeoutMs);
        socket.setTcpNoDelay(true);
        return new RawClient(socket);
    }

    /** The opening handshake of a WebSocket with a token (as the subprotocol, like a browser). */
    static String upgradeRequest(final int port, final String path, final String token)
    {
        final byte[] key = new byte[16];
        ThreadLocalRandom.current().nextBytes(key);
        return "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: " + java.util.Base64.getEncoder().encodeToString(key) + "\r\n" +
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: odyssey.v1, bearer." + token + "\r\n\r\n";
    }

    /** Connects and completes a WebSocket handshake; fails unless the server switched protocols. */
    static RawClient webSocket(final int port, final String path, final String token, final int readTimeoutMs)
        throws IOException
    {
        final RawClient client = connect(port, readTimeoutMs);
        try
        {
            client.write(upgradeRequest(port, path, token));
            final String head = client.readHead();
            if (!head.startsWith("HTTP/1.1 101"))
            {
                throw new IOException("handshake refused: " + head.lines().findFirst().orElse(""));
            }
            return client;
        }
        catch (final IOException | RuntimeException ex)
        {
            client.close();
            throw ex;
        }
    }

    void write(final String text) throws IOException
    {
        write(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    void write(final byte[] bytes) throws IOException
    {
        out.write(bytes);
        out.flush();
    }

    /** The response's status line and headers (up to the blank line). */
    String readHead() throws IOException
    {
        final ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        while (last4 != 0x0D0A0D0A)
        {
            final int b = in.read();
            if (b < 0)
            {
                throw new EOFException("connection closed after " + head.size() + " bytes of the response head");
            }
            head.write(b);
            last4 = (last4 << 8) | b;
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** A whole HTTP response with a Content-Length body: status line, headers, blank line, body. */
    String readResponse() throws IOException
    {
        final String head = readHead();
        int length = 0;
        for (final String line : head.split("\r\n"))
        {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15))
            {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    /** Sends one client frame (masked, as RFC 6455 requires of clients). */
    void frame(final int opcode, final boolean fin, final byte[] payload) throws IOException
    {
        final ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write((fin ? 0x80 : 0) | opcode);
        if (payload.length < 126)
        {
            frame.write(0x80 | payload.length);
        }
        else if (payload.length < 65_536)
        {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xFF);
        }
        else
        {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8)
            {
                frame.write((int)(((long)payload.length >>> shift) & 0xFF));
            }
        }
        final byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.write(mask, 0, 4);
        for (int i = 0; i < payload.length; i++)
        {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        write(frame.toByteArray());
    }

    /** Sends a close frame with this code. */
    void close(final int code) throws IOException
    {
        frame(CLOSE, true, new byte[]{(byte)(code >>> 8), (byte)code});
    }

    /**
     * Reads server frames until a close frame comes, answering pings.
     *
     * @return the close code the server sent, or -1 when the connection ended without a close frame.
     */
    int awaitClose() throws IOException
    {
        while (true)
        {
            final Frame frame;
            try
            {
                frame = readFrame();
            }
            catch (final EOFException | java.net.SocketException ex)
            {
                return -1;
            }
            if (frame.opcode == CLOSE)
            {
                return frame.payload.length >= 2 ? ((frame.payload[0] & 0xFF) << 8) | (frame.payload[1] & 0xFF) : 1005;
            }
        }
    }

    /** The next frame the server sent (servers do not mask). */
    Frame readFrame() throws IOException
    {
        final int first = readByte();
        final int second = readByte();
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
        final byte[] payload = in.readNBytes((int)length);
        if (payload.length < length)
        {
            throw new EOFException("connection closed inside a frame");
        }
        return new Frame(first & 0x0F, (first & 0x80) != 0, payload);
    }

    /** True when the server closed the connection (end of stream or reset) within the socket's read timeout. */
    boolean closedByServer() throws IOException
    {
        try
        {
            while (in.read() >= 0)
            {
                // discard whatever the server still sent (an error response, a close frame)
            }
            return true;
        }
        catch (final SocketTimeoutException ex)
        {
            return false;
        }
        catch (final java.net.SocketException ex)
        {
            return true;
        }
    }

    /** Ends the connection with a TCP reset instead of an orderly close. */
    void reset()
    {
        try
        {
            socket.setSoLinger(true, 0);
        }
        catch (final IOException ignored)
        {
            // closing anyway
        }
        close();
    }

    private int readByte() throws IOException
    {
        final int b = in.read();
        if (b < 0)
        {
            throw new EOFException();
        }
        return b;
    }

    public void close()
    {
        try
        {
            socket.close();
        }
        catch (final IOException ignored)
        {
            // already gone
        }
    }

    record Frame(int opcode, boolean fin, byte[] payload)
    {
        String text()
        {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }
}
