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
 * <p>
 * The feed reads no faster than its reader takes: it asks the socket for the next message only when the reader has
 * taken the one before, so at most one message waits here. A tail whose terminal is paused (Ctrl-S) or piped into an
 * unread pager stops reading the socket; TCP then pushes back on the gateway, which sees a slow client and applies its
 * own protection (conflation, then disconnection), instead of the CLI's heap taking the whole stream. One message may
 * be at most {@link CliConfig#MAX_ANSWER_BYTES} characters: a longer one (an endless fragmented message from a hostile
 * server) is not kept, the feed closes with 1008 (policy violation), and the reader gets Unreachable saying so.
 */
final class GatewayFeed implements AutoCloseable
{
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The close code for a message over the limit: 1008, policy violation (RFC 6455, 7.4.1). 1009, "message too big",
     * would say it better, but the JDK's WebSocket client may not send it (WebSocket.sendClose: an illegal code).
     */
    private static final int MESSAGE_OVER_LIMIT = 1008;

    private final String path;
    private final WebSocket socket;
    /** Holds at most one message: the next is asked for only once the reader took this one. */
    private final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
    /** Completed with the error the reader gets once the queue is empty, when the stream ended. */
    private final CompletableFuture<String> closed = new CompletableFuture<>();
    private final int maxMessageChars;

    private GatewayFeed(final GatewayOptions gateway, final String path) throws Exception
    {
        this.path = path;
        this.maxMessageChars = gateway.maxAnswerBytes();
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
        if (text != null)
        {
            // Taken: now, and only now, the socket may deliver the next one.
            socket.request(1);
        }
        else if (closed.isDone() && messages.isEmpty())
        {
            throw new OdysseyCli.Unreachable(closed.getNow(""));
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
        private StringBuilder partial = new StringBuilder();
        private boolean refused;

        public CompletionStage<?> onText(final WebSocket webSocket, final CharSequence data, final boolean last)
        {
            if (refused)
            {
                return null;
            }
            if (data.length() > maxMessageChars - partial.length())
            {
                refused = true;
                partial = new StringBuilder();
                closed.complete(path + ": the gateway sent a message longer than " + maxMessageChars + " characters " +
                    "(the limit is " + CliConfig.MAX_ANSWER_BYTES.envName() + "); closed the stream (1008)");
                webSocket.sendClose(MESSAGE_OVER_LIMIT, "message too big")
                    .whenComplete((socket, error) -> webSocket.abort());
                return null;
            }
            partial.append(data);
            if (last)
            {
                messages.add(partial.toString());
                partial.setLength(0);
                // No request(1) here: the reader asks for the next message when it takes this one (nextText).
            }
            else
            {
                webSocket.request(1);
            }
            return null;
        }

        public CompletionStage<?> onClose(final WebSocket webSocket, final int statusCode, final String reason)
        {
            closed.complete("the gateway closed " + path + ": " + statusCode + " " + reason);
            return null;
        }

        public void onError(final WebSocket webSocket, final Throwable error)
        {
            closed.complete("the gateway closed " + path + ": " + error);
        }
    }
}
