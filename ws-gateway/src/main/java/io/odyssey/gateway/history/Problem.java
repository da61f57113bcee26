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

    Problem(final int status, final String type, final String detail)
    {
        super(detail, null, false, false);
        this.status = status;
        this.type = type;
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
            case 503 -> "Service Unavailable";
            default -> "Error";
        };
    }
}
