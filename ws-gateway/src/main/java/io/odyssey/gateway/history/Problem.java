package io.odyssey.gateway.history;

/**
 * An error answered as {@code application/problem+json} (RFC 9457): a status, a short stable type name a client can
 * switch on, and a sentence for the person reading it.
 */
final class Problem extends Exception
{
    private static final long serialVersionUID = 1L;

    final int status;
    final String type;
    /** Seconds after which the request may succeed ({@code Retry-After}); 0 = no such promise. */
    final long retryAfterS;

    Problem(final int status, final String type, final String detail)
    {
        this(status, type, detail, 0);
    }

    Problem(final int status, final String type, final String detail, final long retryAfterS)
    {
        super(detail, null, false, false);
        this.status = status;
        this.type = type;
        this.retryAfterS = retryAfterS;
    }

    static Problem badRequest(final String detail)
    {
        return new Problem(400, "invalid-parameter", detail);
    }

    String title()
    {
        return switch (status)
        {
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 429 -> "Too Many Requests";
            case 503 -> "Service Unavailable";
            default -> "Error";
        };
    }
}
