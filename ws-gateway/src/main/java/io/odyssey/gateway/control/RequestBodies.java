package io.odyssey.gateway.control;

import io.odyssey.gateway.Problem;
import io.odyssey.runtime.Counter;
import io.undertow.io.Receiver;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.RequestTooBigException;
import io.undertow.util.Headers;
import org.xnio.IoUtils;

import java.io.IOException;

/**
 * The one way the gateway reads a request body: without holding a thread while the client sends it, and never more
 * than {@code ODYSSEY_GATEWAY_MAX_BODY_BYTES} of it. A blocking read would hold a worker thread for as long as a client
 * likes to take (four clients that announce a body and send nothing held all four), so the body is collected by the
 * I/O thread as it arrives and the handler then runs on a worker with all of it. A body announced or found larger
 * than the cap is answered 413 (problem+json) without being read; one the client stops sending is dropped with its
 * connection when the read timeout ends it. Both are counted.
 */
public final class RequestBodies
{
    /** What runs once the whole body is there; on a worker thread. */
    public interface Handler
    {
        void handle(HttpServerExchange exchange, byte[] body);
    }

    private final int maxBytes;
    private final Counter tooLarge;
    private final Counter incomplete;

    /**
     * @param tooLarge   counts bodies refused with 413.
     * @param incomplete counts bodies that never arrived whole (read timeout, reset, broken encoding).
     */
    public RequestBodies(final int maxBytes, final Counter tooLarge, final Counter incomplete)
    {
        this.maxBytes = maxBytes;
        this.tooLarge = tooLarge;
        this.incomplete = incomplete;
    }

    public int maxBytes()
    {
        return maxBytes;
    }

    /** Reads the body of {@code exchange} (empty when it has none), then calls {@code next} with it on a worker. */
    public void receive(final HttpServerExchange exchange, final Handler next)
    {
        final String announced = exchange.getRequestHeaders().getFirst(Headers.CONTENT_LENGTH);
        // Undertow's receiver allocates the announced length before it checks its own cap: check first.
        if (announced != null && announcedLength(announced) > maxBytes)
        {
            refuseTooLarge(exchange);
            return;
        }
        final Receiver receiver = exchange.getRequestReceiver();
        receiver.setMaxBufferSize(maxBytes);
        receiver.receiveFullBytes((done, body) ->
        {
            if (done.isInIoThread())
            {
                done.dispatch(exchange1 -> next.handle(exchange1, body));
            }
            else
            {
                next.handle(done, body);
            }
        }, this::failed);
    }

    private void failed(final HttpServerExchange exchange, final IOException error)
    {
        // The receiver's own cap, or Undertow's (MAX_ENTITY_SIZE, the same number) when it sees the excess first.
        if (error instanceof Receiver.RequestToLargeException || error instanceof RequestTooBigException)
        {
            refuseTooLarge(exchange);
            return;
        }
        incomplete.increment();
        IoUtils.safeClose(exchange.getConnection());
    }

    private void refuseTooLarge(final HttpServerExchange exchange)
    {
        tooLarge.increment();
        // What the client still sends of the body is not a next request: close the connection after the answer.
        exchange.setPersistent(false);
        new Problem(413, "the body is larger than " + maxBytes + " bytes").send(exchange);
    }

    private static long announcedLength(final String header)
    {
        try
        {
            return Long.parseLong(header.trim());
        }
        catch (final NumberFormatException ex)
        {
            // Undertow normally refuses a malformed length before any handler runs; if not, it is not a small body.
            return Long.MAX_VALUE;
        }
    }
}
