package io.odyssey.gateway;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HttpString;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Headers that tell a browser what the dashboard may do, on every gateway response: a Content-Security-Policy that
 * allows only the dashboard's own scripts, styles and connections (its REST API and WebSockets), MapLibre's needs
 * (its worker from a blob: URL, images from data: and blob: URLs) and the configured tile server; no framing by any
 * page ({@code frame-ancestors 'none'}, and the older X-Frame-Options for browsers that do not know it), no content
 * sniffing, and no Referer sent to the tile server or anywhere else. Set before the route runs, so refusals (401, 404)
 * carry them too; on an API answer they cost nothing and forbid the same.
 */
final class BrowserHeaders implements HttpHandler
{
    static final HttpString CONTENT_SECURITY_POLICY = new HttpString("Content-Security-Policy");
    static final HttpString CONTENT_TYPE_OPTIONS = new HttpString("X-Content-Type-Options");
    static final HttpString REFERRER_POLICY = new HttpString("Referrer-Policy");
    static final HttpString FRAME_OPTIONS = new HttpString("X-Frame-Options");
    /** scheme://host[:port] of a tile URL template; a leading {s}-style label stands for any subdomain. */
    private static final Pattern TILE_ORIGIN = Pattern.compile("^(https?)://((?:\\{[a-z0-9-]+}\\.)?)([A-Za-z0-9.-]+(?::[0-9]{1,5})?)(?:/.*)?$");

    private final String policy;
    private final HttpHandler next;

    BrowserHeaders(final String tileUrl, final HttpHandler next)
    {
        this.policy = contentSecurityPolicy(tileUrl);
        this.next = next;
    }

    /** The policy for a dashboard whose map loads tiles from {@code tileUrl} (empty: none, the offline style). */
    static String contentSecurityPolicy(final String tileUrl)
    {
        final String tiles = tileSource(tileUrl);
        final String extra = tiles == null ? "" : " " + tiles;
        return "default-src 'none'; script-src 'self'; style-src 'self'; font-src 'self'; manifest-src 'self'; " +
            "img-src 'self' data: blob:" + extra + "; connect-src 'self'" + extra + "; worker-src 'self' blob:; " +
            "child-src blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    }

    /**
     * The CSP source of a tile URL template: its origin, with a placeholder subdomain ({s}, {a-c}) as a wildcard;
     * null for none or for a template that is not a plain http(s) URL (which {@link GatewayConfig} refuses at start).
     */
    static String tileSource(final String tileUrl)
    {
        if (tileUrl == null || tileUrl.isBlank())
        {
            return null;
        }
        final Matcher matcher = TILE_ORIGIN.matcher(tileUrl.trim());
        if (!matcher.matches())
        {
            return null;
        }
        return matcher.group(1) + "://" + (matcher.group(2).isEmpty() ? "" : "*.") + matcher.group(3);
    }

    public void handleRequest(final HttpServerExchange exchange) throws Exception
    {
        exchange.getResponseHeaders()
            .put(CONTENT_SECURITY_POLICY, policy)
            .put(CONTENT_TYPE_OPTIONS, "nosniff")
            .put(REFERRER_POLICY, "no-referrer")
            .put(FRAME_OPTIONS, "DENY");
        next.handleRequest(exchange);
    }
}
