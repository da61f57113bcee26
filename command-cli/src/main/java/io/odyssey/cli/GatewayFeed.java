package io.odyssey.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One of the gateway's JSON WebSockets ({@code /ws/fleet}, {@code /ws/alerts}, {@code /ws/commands}) read as a
 * queue of messages: each text message (however many frames it came in) is one JSON object. The gateway closing the
 * stream is {@link OdysseyCli.Unreachable}, so every tail ends the same way when the gateway goes.
 */
final class GatewayFeed implements AutoCloseable
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String path;
    private final WebSocket socket;
    private final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
    private final CompletableFuture<String> closed = new CompletableFuture<>();

    private GatewayFeed(final GatewayOptions gateway, final String path) throws Exception
    {
        this.path = path;
        this.socket = gateway.openWebSocket(path, new Listener());
    }

    static GatewayFeed open(final GatewayOptions gateway, final String path) throws Exception
    {
        return new GatewayFeed(gateway, path);
    }

    /** The next message's text, or null if none came within the wait. */
    String nextText(final long waitMs) throws InterruptedException
    {
        final String text = messages.poll(waitMs, TimeUnit.MILLISECONDS);
        if (text == null && closed.isDone() && messages.isEmpty())
        {
            throw new OdysseyCli.Unreachable("the gateway closed " + path + ": " + closed.getNow(""));
        }
        return text;
    }

    /** The next message, or null if none came within the wait. */
    JsonNode next(final long waitMs) throws InterruptedException, IOException
    {
        final String text = nextText(waitMs);
        return text == null ? null : JSON.readTree(text);
    }

    void send(final String text) throws Exception
    {
        // The JDK WebSocket allows one outstanding send at a time: wait for each.
        socket.sendText(text, true).get(10, TimeUnit.SECONDS);
    }

    public void close()
    {
        try
        {
            if (!socket.isOutputClosed())
            {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(1, TimeUnit.SECONDS);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        catch (final Exception ignore)
        {
            // the gateway is gone or slow to take the close: drop the connection anyway
        }
        socket.abort();
    }

    private final class Listener implements WebSocket.Listener
    {
        private final StringBuilder partial = new StringBuilder();

        public CompletionStage<?> onText(final WebSocket webSocket, final CharSequence data, final boolean last)
        {
            partial.append(data);
            if (last)
            {
                messages.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        public CompletionStage<?> onClose(final WebSocket webSocket, final int statusCode, final String reason)
        {
            closed.complete(statusCode + " " + reason);
            return null;
        }

        public void onError(final WebSocket webSocket, final Throwable error)
        {
            closed.complete(error.toString());
        }
    }
}
