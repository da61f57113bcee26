package io.odyssey.gateway;

import io.undertow.server.HttpHandler;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the HTTP exchanges that have not completed yet, so closing can wait for them. An exchange counts until the
 * whole of its completion has run, Undertow's own part included (which asks an I/O thread for the connection's next
 * read timeout): the count drops after the rest of the completion chain, not before it.
 */
final class InFlightRequests
{
    private final AtomicInteger count = new AtomicInteger();

    /** {@code next}, counted. */
    HttpHandler wrap(final HttpHandler next)
    {
        return exchange ->
        {
            count.incrementAndGet();
            exchange.addExchangeCompleteListener((completed, nextListener) ->
            {
                try
                {
                    nextListener.proceed();
                }
                finally
                {
                    count.decrementAndGet();
                }
            });
            next.handleRequest(exchange);
        };
    }

    int count()
    {
        return count.get();
    }
}
