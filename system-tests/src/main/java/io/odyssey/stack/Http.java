package io.odyssey.stack;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/**
 * Plain HTTP calls with a deadline, as a client of the stack makes them. A call never throws: a refused connection or
 * a timeout is an answer too ({@link Response#status()} -1 with the cause), because the drills count them.
 */
public final class Http
{
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(2)).build();

    /** One answer: status (-1 when there was none), headers, body and how long it took. */
    public record Response(int status, HttpHeaders headers, String body, long elapsedMs, String error)
    {
        public boolean ok()
        {
            return status >= 200 && status < 300;
        }

        public String header(final String name)
        {
            return headers == null ? null : headers.firstValue(name).orElse(null);
        }

        public String describe()
        {
            return status < 0 ? "no answer after " + elapsedMs + " ms (" + error + ")" :
                status + " in " + elapsedMs + " ms";
        }
    }

    public Response get(final String url, final String token, final Duration timeout)
    {
        return send(request(url, token, timeout).GET().build());
    }

    public Response post(final String url, final String token, final String json, final Duration timeout)
    {
        return post(url, token, json, Map.of(), timeout);
    }

    public Response post(
        final String url, final String token, final String json, final Map<String, String> headers, final Duration timeout)
    {
        final HttpRequest.Builder builder = request(url, token, timeout).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(builder::header);
        return send(builder.build());
    }

    /** The status of a GET without a token, or -1 (health checks). */
    public int status(final String url, final Duration timeout)
    {
        return get(url, null, timeout).status();
    }

    private static HttpRequest.Builder request(final String url, final String token, final Duration timeout)
    {
        final HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).timeout(timeout);
        if (token != null)
        {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }

    private Response send(final HttpRequest request)
    {
        final long startNs = System.nanoTime();
        try
        {
            final HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers(), response.body(), sinceMs(startNs), null);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return new Response(-1, null, "", sinceMs(startNs), "interrupted");
        }
        catch (final Exception ex)
        {
            return new Response(-1, null, "", sinceMs(startNs), ex.getClass().getSimpleName() +
                (ex.getMessage() == null ? "" : ": " + ex.getMessage()));
        }
    }

    private static long sinceMs(final long startNs)
    {
        return (System.nanoTime() - startNs) / 1_000_000;
    }
}
