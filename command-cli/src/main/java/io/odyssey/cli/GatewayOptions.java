package io.odyssey.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * What every command that talks to the gateway shares ({@code --server}, {@code --json}), and its GET: a problem
 * answer (docs/api) becomes {@link OdysseyCli.Refused} (4xx, exit 4) or {@link OdysseyCli.Unreachable} (5xx or no
 * answer, exit 3) with the server's own words.
 */
final class GatewayOptions
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(names = "--server", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080",
        description = "The gateway (default ${DEFAULT-VALUE}).")
    String server;

    @Option(names = "--json", description = "The API's JSON instead of text.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    String base()
    {
        return server.replaceAll("/+$", "");
    }

    HttpResponse<String> get(final String path) throws Exception
    {
        final HttpResponse<String> response;
        try
        {
            response = http.send(HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        }
        catch (final IOException ex)
        {
            throw new OdysseyCli.Unreachable(server + " did not answer (" +
                (ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage()) + ")");
        }
        if (response.statusCode() >= 400)
        {
            String detail = response.body();
            try
            {
                detail = JSON.readTree(response.body()).path("detail").asText(detail);
            }
            catch (final IOException ignore)
            {
                // not a problem document: show the body as it came
            }
            if (response.statusCode() >= 500)
            {
                throw new OdysseyCli.Unreachable("the gateway could not answer (" + response.statusCode() + "): " + detail);
            }
            throw new OdysseyCli.Refused(detail);
        }
        return response;
    }

    PrintWriter out()
    {
        return spec.commandLine().getOut();
    }
}
