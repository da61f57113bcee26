package io.odyssey.gateway.control;

/**
 * A request the API refuses, answered as {@code application/problem+json} (RFC 9457) with its status, a title, a
 * sentence for the person reading it, and optionally a stable {@code code} and the id of a command it concerns.
 */
public final class ApiError extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    final int status;
    final String code;
    final String commandId;
    /** Seconds after which the request may succeed ({@code Retry-After}); 0 = no such promise. */
    final long retryAfterS;

    public ApiError(final int status, final String detail)
    {
        this(status, null, detail, null);
    }

    public ApiError(final int status, final String code, final String detail, final String commandId)
    {
        this(status, code, detail, commandId, 0);
    }

    public ApiError(final int status, final String code, final String detail, final String commandId, final long retryAfterS)
    {
        super(detail, null, false, false);
        this.status = status;
        this.code = code;
        this.commandId = commandId;
        this.retryAfterS = retryAfterS;
    }

    public int status()
    {
        return status;
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
}
