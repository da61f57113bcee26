package io.odyssey.gateway;

import io.odyssey.runtime.SafeText;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;

import java.util.Locale;

/**
 * A request the gateway refuses, answered as {@code application/problem+json} (RFC 9457) in one shape for every API
 * (commands, geofences, tokens, drone keys, history, alerts): {@code type}, {@code title}, {@code status},
 * {@code detail} (a sentence for the person reading it) and {@code instance} (the request's path); a problem with a
 * stable {@code code} a client can switch on ({@code UNKNOWN_DRONE}, {@code RATE_LIMITED}, ...) also carries it, and its
 * type is {@code urn:odyssey:problem:} and the code in kebab case ({@code urn:odyssey:problem:unknown-drone}); one
 * without is {@code about:blank} (the status says it all). A problem about a command names it ({@code commandId}).
 */
public final class Problem extends RuntimeException
{
    private static final long serialVersionUID = 1L;
    private static final String TYPE_PREFIX = "urn:odyssey:problem:";

    final int status;
    final String code;
    final String commandId;
    /** Seconds after which the request may succeed ({@code Retry-After}); 0 = no such promise. */
    final long retryAfterS;

    public Problem(final int status, final String detail)
    {
        this(status, null, detail, null);
    }

    public Problem(final int status, final String code, final String detail)
    {
        this(status, code, detail, null, 0);
    }

    public Problem(final int status, final String code, final String detail, final String commandId)
    {
        this(status, code, detail, commandId, 0);
    }

    public Problem(final int status, final String code, final String detail, final String commandId, final long retryAfterS)
    {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
        this.commandId = commandId;
        this.retryAfterS = retryAfterS;
    }

    /** A request parameter that is missing or wrong. */
    public static Problem badRequest(final String detail)
    {
        return new Problem(400, "INVALID_PARAMETER", detail);
    }

    public int status()
    {
        return status;
    }

    /** The stable name a client may switch on, or null when the status says it all. */
    public String code()
    {
        return code;
    }

    /** The id of the command this problem is about, or null. */
    public String commandId()
    {
        return commandId;
    }

    public String type()
    {
        return code == null ? "about:blank" : TYPE_PREFIX + code.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public String title()
    {
        return switch (status)
        {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 413 -> "Payload Too Large";
            case 422 -> "Unprocessable Content";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> "Error";
        };
    }

    /** Answers this problem on {@code exchange} (with {@code Retry-After} when it promises one). */
    public void send(final HttpServerExchange exchange)
    {
        if (retryAfterS > 0)
        {
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, Long.toString(retryAfterS));
        }
        final String body = JsonText.of(out ->
        {
            out.writeStartObject();
            out.writeStringField("type", type());
            out.writeStringField("title", title());
            out.writeNumberField("status", status);
            // Both may quote what the client sent (an id, the decoded path: "%E2%80%AE" is a right-to-left override,
            // "%1B" an escape): whoever reads the answer (a terminal, a proxy's log, a browser shown a link to it) reads
            // it as our text, so no control or bidirectional character of it goes back, only U+FFFD in its place.
            out.writeStringField("detail", SafeText.printable(getMessage(), false));
            out.writeStringField("instance", SafeText.printable(exchange.getRequestPath(), false));
            if (code != null)
            {
                out.writeStringField("code", code);
            }
            if (commandId != null)
            {
                out.writeStringField("commandId", commandId);
            }
            out.writeEndObject();
        });
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/problem+json");
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        exchange.getResponseSender().send(body);
    }
}
