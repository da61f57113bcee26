package io.odyssey.gateway;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;

/**
 * The gateway's one answer to a method a resource does not serve (RFC 9110 §9, §15.5.6): {@code OPTIONS} is told what
 * is allowed (204 with {@code Allow}), anything else is 405 naming the allowed methods in {@code Allow} and in the
 * problem's detail. {@code HEAD} is served wherever {@code GET} is: monitors and {@code curl -I} use it, and Undertow
 * sends the GET's headers (its length included) without the body.
 */
public final class HttpMethods
{
    /** What a read-only resource allows. */
    public static final String READ_ONLY = "GET, HEAD, OPTIONS";

    private HttpMethods()
    {
    }

    /** {@code get} answers GET and HEAD; OPTIONS and every other method get the answers above. */
    public static HttpHandler readOnly(final HttpHandler get)
    {
        return exchange ->
        {
            if (Methods.GET.equals(exchange.getRequestMethod()) || Methods.HEAD.equals(exchange.getRequestMethod()))
            {
                get.handleRequest(exchange);
            }
            else
            {
                try
                {
                    refuse(exchange, READ_ONLY);
                }
                catch (final Problem problem)
                {
                    problem.send(exchange);
                }
            }
        };
    }

    /**
     * Answers a request whose method the resource does not serve: OPTIONS here, the 405 by throwing it, for the caller
     * to send and count as it sends and counts its other refusals.
     *
     * @param allow the methods it does serve, as the {@code Allow} header lists them ({@code OPTIONS} among them).
     * @throws Problem 405, unless the method was OPTIONS.
     */
    public static void refuse(final HttpServerExchange exchange, final String allow)
    {
        exchange.getResponseHeaders().put(Headers.ALLOW, allow);
        if (Methods.OPTIONS.equals(exchange.getRequestMethod()))
        {
            exchange.setStatusCode(204);
            exchange.endExchange();
            return;
        }
        throw new Problem(405, "METHOD_NOT_ALLOWED", exchange.getRequestMethod() + " is not allowed on " +
            exchange.getRequestPath() + " (allowed: " + allow + ")");
    }
}
