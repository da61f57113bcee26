package io.odyssey.gateway.control;

import io.odyssey.gateway.HttpMethods;
import io.odyssey.gateway.Problem;
import io.undertow.server.HttpHandler;
import io.undertow.server.RoutingHandler;
import io.undertow.util.HttpString;
import io.undertow.util.Methods;
import io.undertow.util.PathTemplateMatcher;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The API's routes, with what each path allows remembered beside them: Undertow's {@link RoutingHandler} knows a
 * path matched under another method but not which methods it has, and a 405 must name them ({@link HttpMethods}).
 * Every GET route answers HEAD too.
 */
final class RouteTable
{
    private final RoutingHandler routing = new RoutingHandler(false);
    private final Map<String, Set<String>> methods = new LinkedHashMap<>();

    RouteTable get(final String template, final HttpHandler handler)
    {
        return add(Methods.GET, template, handler).add(Methods.HEAD, template, handler);
    }

    RouteTable post(final String template, final HttpHandler handler)
    {
        return add(Methods.POST, template, handler);
    }

    RouteTable put(final String template, final HttpHandler handler)
    {
        return add(Methods.PUT, template, handler);
    }

    RouteTable delete(final String template, final HttpHandler handler)
    {
        return add(Methods.DELETE, template, handler);
    }

    /** The routes; a path none of them has is 404, a method a path does not have answered by {@link HttpMethods}. */
    RoutingHandler handler()
    {
        final PathTemplateMatcher<String> allowed = new PathTemplateMatcher<>();
        methods.forEach((template, served) ->
        {
            final Set<String> allow = new TreeSet<>(served);
            allow.add(Methods.OPTIONS_STRING);
            allowed.add(template, String.join(", ", allow));
        });
        return routing
            .setInvalidMethodHandler(exchange ->
                HttpMethods.refuse(exchange, allowed.match(exchange.getRelativePath()).getValue()))
            .setFallbackHandler(exchange ->
            {
                throw new Problem(404, "no such resource: " + exchange.getRequestPath());
            });
    }

    private RouteTable add(final HttpString method, final String template, final HttpHandler handler)
    {
        routing.add(method, template, handler);
        methods.computeIfAbsent(template, ignored -> new TreeSet<>()).add(method.toString());
        return this;
    }
}
