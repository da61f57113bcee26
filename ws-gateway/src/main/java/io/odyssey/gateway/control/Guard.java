package io.odyssey.gateway.control;

import io.odyssey.gateway.Problem;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.odyssey.runtime.Counter;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.AttachmentKey;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;

/**
 * Puts access control in front of a route: the Origin allow-list (browsers), then the bearer token — from the
 * {@code Authorization} header, or for a WebSocket handshake from the {@code bearer.<token>} subprotocol (browsers
 * cannot set headers there) — then the role the route needs. Refusals are problem+json 401/403 and counted; the
 * token is never logged or echoed. An address that presented too many wrong tokens ({@link AuthFailuresPerAddress})
 * has its requests with a token answered 429 before the token is looked at.
 */
public final class Guard
{
    public static final AttachmentKey<Principal> PRINCIPAL = AttachmentKey.create(Principal.class);
    /**
     * The digest of the token a WebSocket upgrade presented (null for none, and on other requests): its session ends
     * when the token is revoked.
     */
    public static final AttachmentKey<String> CREDENTIAL = AttachmentKey.create(String.class);
    /** The subprotocol a WebSocket client offers beside its {@code bearer.} one; the gateway answers with it. */
    public static final String SUBPROTOCOL = "odyssey.v1";
    private static final String BEARER_PROTOCOL_PREFIX = "bearer.";
    private static final HttpString SEC_WEBSOCKET_PROTOCOL = new HttpString("Sec-WebSocket-Protocol");

    private final AccessControl access;
    private final Counter unauthorised;
    private final Counter forbidden;
    private final AuthFailuresPerAddress failures;

    /** @param failures the limit on wrong tokens per address (the peer's, never a forwarded-for header). */
    public Guard(final AccessControl access, final Counter unauthorised, final Counter forbidden,
        final AuthFailuresPerAddress failures)
    {
        this.access = access;
        this.unauthorised = unauthorised;
        this.forbidden = forbidden;
        this.failures = failures;
    }

    /** {@code next}, for principals with at least {@code role}. */
    public HttpHandler require(final Role role, final HttpHandler next)
    {
        return new HttpHandler()
        {
            public void handleRequest(final HttpServerExchange exchange) throws Exception
            {
                if (exchange.isInIoThread())
                {
                    // Checking a token may ask the grid: never on the I/O thread, which every connection shares.
                    exchange.dispatch(this);
                    return;
                }
                final Principal principal = check(exchange, role);
                if (principal != null)
                {
                    exchange.putAttachment(PRINCIPAL, principal);
                    // Only a WebSocket keeps the token's digest (its session ends when the token is revoked); a REST
                    // request is answered under the check just made, so it is not hashed a second time.
                    final String secret = exchange.getRequestHeaders().contains(Headers.UPGRADE) ? token(exchange) : null;
                    if (secret != null && !secret.isEmpty())
                    {
                        exchange.putAttachment(CREDENTIAL, AccessControl.digest(secret));
                    }
                    next.handleRequest(exchange);
                }
            }
        };
    }

    /**
     * Checks the request; on refusal answers it.
     *
     * @return the principal, or null when the request was refused (and answered).
     */
    public Principal check(final HttpServerExchange exchange, final Role role)
    {
        final String origin = exchange.getRequestHeaders().getFirst(Headers.ORIGIN);
        if (!access.originAllowed(origin))
        {
            forbidden.increment();
            new Problem(403, "ORIGIN",
                "origin " + origin + " is not allowed (ODYSSEY_GATEWAY_ALLOWED_ORIGINS)", null).send(exchange);
            return null;
        }
        final String secret = token(exchange);
        final boolean presented = secret != null && !secret.isEmpty();
        final String address = presented ? AuthFailuresPerAddress.addressKey(exchange.getConnection().getPeerAddress()) : null;
        // A token this gateway knows without the grid still gets in (anyone sharing an operator's address could lock
        // the operator out otherwise), not counted as refused; the rest are refused unchecked, so guessing costs the
        // grid nothing.
        final long refusedForS = presented ? failures.refusedForS(address, () -> access.knownHere(secret)) : 0;
        if (refusedForS > 0)
        {
            new Problem(429, "TOO_MANY_FAILURES", "too many wrong tokens from this address " +
                "(ODYSSEY_GATEWAY_AUTH_FAILURES_PER_ADDRESS): only tokens this gateway knows already are taken from it " +
                "until the window ends", null, refusedForS).send(exchange);
            return null;
        }
        final Principal principal;
        try
        {
            principal = access.authenticate(secret);
        }
        catch (final RuntimeException ex)
        {
            new Problem(503, "UNAVAILABLE",
                "the token could not be checked: the grid did not answer", null).send(exchange);
            return null;
        }
        if (principal == null)
        {
            if (presented)
            {
                // Only a token that opens nothing is a guess: a request without one (a browser before its sign-in) is not.
                failures.failed(address);
            }
            unauthorised.increment();
            exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer realm=\"odyssey\"");
            new Problem(401, "UNAUTHORISED",
                "a valid bearer token is required (Authorization: Bearer <token>, or the WebSocket subprotocol " +
                    "bearer.<token>)", null).send(exchange);
            return null;
        }
        if (!principal.role().allows(role))
        {
            roleTooLow(principal, role).send(exchange);
            return null;
        }
        return principal;
    }

    /**
     * {@code next}, for a request {@link #require} already admitted, if its principal's role allows {@code role}: the
     * routes behind one door that need more than it asks (an operator's orders, an admin's tokens). Refused as at the
     * door: problem+json 403, counted.
     */
    public HttpHandler atLeast(final Role role, final HttpHandler next)
    {
        return exchange ->
        {
            final Principal principal = exchange.getAttachment(PRINCIPAL);
            if (!principal.role().allows(role))
            {
                throw roleTooLow(principal, role);
            }
            next.handleRequest(exchange);
        };
    }

    private Problem roleTooLow(final Principal principal, final Role role)
    {
        forbidden.increment();
        return new Problem(403, "FORBIDDEN",
            "'" + principal.name() + "' is " + article(principal.role().wireName()) + principal.role().wireName() +
                "; this needs " + role.wireName(), null);
    }

    /** "an operator", "an admin", "a viewer". */
    private static String article(final String noun)
    {
        return "aeiou".indexOf(noun.charAt(0)) >= 0 ? "an " : "a ";
    }

    /**
     * Who is asking, without answering anything: the principal of a valid token from an allowed origin (or the
     * anonymous role, when configured), or null. For routes that answer everyone but tell more to some (health).
     */
    public Principal identify(final HttpServerExchange exchange)
    {
        if (!access.originAllowed(exchange.getRequestHeaders().getFirst(Headers.ORIGIN)))
        {
            return null;
        }
        final String secret = token(exchange);
        if (secret == null || secret.isEmpty())
        {
            return access.authenticate(secret);
        }
        // Health answers more to a viewer: a guesser would test tokens here if this did not count and refuse as the rest.
        final String address = AuthFailuresPerAddress.addressKey(exchange.getConnection().getPeerAddress());
        if (failures.refusedForS(address) > 0)
        {
            return null;
        }
        try
        {
            final Principal principal = access.authenticate(secret);
            if (principal == null)
            {
                failures.failed(address);
            }
            return principal;
        }
        catch (final RuntimeException ex)
        {
            // The grid did not answer: the caller is told no more than an anonymous one.
            return null;
        }
    }

    private static String token(final HttpServerExchange exchange)
    {
        final String authorization = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7))
        {
            return authorization.substring(7).trim();
        }
        for (final String header : exchange.getRequestHeaders().get(SEC_WEBSOCKET_PROTOCOL) == null ?
            java.util.List.<String>of() : exchange.getRequestHeaders().get(SEC_WEBSOCKET_PROTOCOL))
        {
            for (final String protocol : header.split(","))
            {
                final String trimmed = protocol.trim();
                if (trimmed.startsWith(BEARER_PROTOCOL_PREFIX))
                {
                    return trimmed.substring(BEARER_PROTOCOL_PREFIX.length());
                }
            }
        }
        return null;
    }

    static ObjectNode principalJson(final Principal principal)
    {
        final ObjectNode node = CommandJson.JSON.createObjectNode();
        node.put("name", principal.name());
        node.put("role", principal.role().wireName());
        return node;
    }
}
