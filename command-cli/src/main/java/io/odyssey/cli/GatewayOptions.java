package io.odyssey.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * What every command that talks to the gateway shares ({@code --server}, {@code --json}, the access token), and its
 * requests: every request carries {@code Authorization: Bearer <token>} when there is a token, every WebSocket offers
 * the subprotocols {@code odyssey.v1} and {@code bearer.<token>} (docs/api/commands.md, "Access"), and a problem
 * answer becomes {@link OdysseyCli.Refused} (4xx, exit 4) or {@link OdysseyCli.Unreachable} (5xx or no answer,
 * exit 3) with the server's own words.
 * <p>
 * The token comes from {@code --token-file FILE} or the environment variable {@value #TOKEN_ENV}; there is no
 * {@code --token} option on purpose: a secret on the command line shows in {@code ps} and in the shell history.
 */
final class GatewayOptions
{
    /** The environment variable holding the bearer token. */
    static final String TOKEN_ENV = "ODYSSEY_TOKEN";
    /** The subprotocol every Odyssey WebSocket speaks; the gateway answers with it. */
    static final String SUBPROTOCOL = "odyssey.v1";

    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * What a token may contain to travel both as a bearer credential and inside a WebSocket subprotocol name (an
     * RFC 7230 token): the contract's secrets ({@code [A-Za-z0-9_-]}) and a little more, never a separator.
     */
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._~+-]+");

    @Option(names = "--server", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080",
        description = "The gateway (default ${DEFAULT-VALUE}).")
    String server;

    @Option(names = "--json", description = "The API's JSON instead of text.")
    boolean json;

    @Option(names = "--token-file", paramLabel = "FILE",
        description = "Read the access token from FILE (its first line that is not blank or a # comment) instead of " +
            "the environment variable " + TOKEN_ENV + ".")
    Path tokenFile;

    /** Taken only to refuse it with the reason, rather than an "unknown option" that echoes the secret. */
    @Option(names = "--token", paramLabel = "TOKEN", hidden = true)
    String tokenOnCommandLine;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec spec;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private String token;
    private boolean tokenRead;

    String base()
    {
        return server.replaceAll("/+$", "");
    }

    HttpResponse<String> get(final String path) throws Exception
    {
        return send(request(path).GET());
    }

    HttpResponse<String> post(final String path, final JsonNode body) throws Exception
    {
        return send(request(path).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body), StandardCharsets.UTF_8)));
    }

    HttpResponse<String> delete(final String path) throws Exception
    {
        return send(request(path).DELETE());
    }

    /**
     * Opens a WebSocket on the gateway; a handshake the gateway refuses for want of a token or a role (401, 403) is
     * {@link OdysseyCli.Refused} like any request, anything else that fails is {@link OdysseyCli.Unreachable}.
     */
    WebSocket openWebSocket(final String path, final WebSocket.Listener listener) throws Exception
    {
        final String token = token();
        final WebSocket.Builder builder = http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(3));
        if (token == null)
        {
            builder.subprotocols(SUBPROTOCOL);
        }
        else
        {
            builder.subprotocols(SUBPROTOCOL, "bearer." + token);
        }
        try
        {
            return builder.buildAsync(URI.create(base().replaceFirst("^http", "ws") + path), listener)
                .get(10, TimeUnit.SECONDS);
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof WebSocketHandshakeException handshake)
            {
                final HttpResponse<?> response = handshake.getResponse();
                final int status = response.statusCode();
                if (status == 401 || status == 403)
                {
                    refuseOrFail(status, response.body() instanceof String text ? text : "");
                }
                // Any other answer means this gateway does not serve the stream: callers that can poll instead do.
                throw new OdysseyCli.Unreachable(server + " did not accept " + path + " (HTTP " + status + ")");
            }
            throw new OdysseyCli.Unreachable(server + " did not accept " + path + " (" + describe(ex.getCause()) + ")");
        }
        catch (final TimeoutException ex)
        {
            throw new OdysseyCli.Unreachable(server + " did not accept " + path + " within 10 s");
        }
    }

    PrintWriter out()
    {
        return spec.commandLine().getOut();
    }

    PrintWriter err()
    {
        return spec.commandLine().getErr();
    }

    /** The clock the command reads (a fixed one in tests), so ages and deadlines can be checked. */
    Clock clock()
    {
        return spec.root().userObject() instanceof OdysseyCli cli ? cli.clock : Clock.systemUTC();
    }

    /** The token, or null for none (the gateway may give anonymous requests a role). Read once. */
    String token()
    {
        if (!tokenRead)
        {
            if (tokenOnCommandLine != null)
            {
                throw new IllegalArgumentException("there is no --token option: a secret on the command line shows in ps " +
                    "and in the shell history; set " + TOKEN_ENV + " or use --token-file FILE");
            }
            token = tokenFile != null ? readTokenFile(tokenFile) : blankToNull(environment().get(TOKEN_ENV));
            if (token != null && !TOKEN.matcher(token).matches())
            {
                // Never echo the value: it is a secret, and this line may end up in a CI log.
                throw new IllegalArgumentException((tokenFile != null ? "the token in " + tokenFile : TOKEN_ENV) +
                    " has characters a token cannot have (letters, digits and - _ . ~ + only)");
            }
            tokenRead = true;
        }
        return token;
    }

    private Map<String, String> environment()
    {
        return spec.root().userObject() instanceof OdysseyCli cli ? cli.environment : System.getenv();
    }

    private HttpRequest.Builder request(final String path)
    {
        final HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base() + path))
            .timeout(Duration.ofSeconds(30)).header("Accept", "application/json");
        final String token = token();
        if (token != null)
        {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }

    private HttpResponse<String> send(final HttpRequest.Builder request) throws Exception
    {
        final HttpResponse<String> response;
        try
        {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        }
        catch (final IOException ex)
        {
            throw new OdysseyCli.Unreachable(server + " did not answer (" + describe(ex) + ")");
        }
        if (response.statusCode() >= 400)
        {
            refuseOrFail(response.statusCode(), response.body());
        }
        return response;
    }

    /** Turns an error answer into the exception of its exit code, in the server's words (a problem document). */
    private void refuseOrFail(final int status, final String body)
    {
        String title = "";
        String detail = body == null || body.isBlank() ? "HTTP " + status : body.strip();
        String code = "";
        String commandId = "";
        try
        {
            final JsonNode problem = JSON.readTree(body);
            if (problem != null && problem.isObject())
            {
                title = problem.path("title").asText("");
                detail = problem.path("detail").asText(title.isEmpty() ? detail : title);
                code = problem.path("code").asText("");
                commandId = problem.path("commandId").asText("");
            }
        }
        catch (final IOException ignore)
        {
            // not a problem document: show the body as it came
        }
        if (status >= 500)
        {
            throw new OdysseyCli.Unreachable("the gateway could not answer (" + status + "): " + detail);
        }
        if (status == 401 || status == 403)
        {
            final String heading = (title.isEmpty() ? (status == 401 ? "Unauthorized" : "Forbidden") : title) + " (" +
                status + ")";
            final String hint;
            if (status == 401)
            {
                hint = token() == null ?
                    "hint: set " + TOKEN_ENV + " (or --token-file FILE) to an access token; ./odyssey up prints one" :
                    "hint: the gateway does not know this token; check " + TOKEN_ENV + " or --token-file";
            }
            else
            {
                hint = "hint: this token's role may not do that (viewer reads, operator commands, admin tokens and fences)";
            }
            throw new OdysseyCli.Refused(heading + ": " + detail + System.lineSeparator() + hint);
        }
        throw new OdysseyCli.Refused(detail + (code.isEmpty() ? "" : " [" + code + "]") +
            (commandId.isEmpty() ? "" : " (recorded as rejected command " + commandId + ")"));
    }

    private static String readTokenFile(final Path file)
    {
        final String text;
        try
        {
            text = Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new IllegalArgumentException("--token-file " + file + " cannot be read (" + describe(ex) + ")");
        }
        for (final String line : text.split("\\R"))
        {
            final String trimmed = line.strip();
            if (!trimmed.isEmpty() && !trimmed.startsWith("#"))
            {
                return trimmed;
            }
        }
        throw new IllegalArgumentException("--token-file " + file + " holds no token");
    }

    private static String blankToNull(final String value)
    {
        return value == null || value.isBlank() ? null : value.strip();
    }

    /** A value for a query parameter or a path segment (ids, names, states). */
    static String encode(final String value)
    {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    static String describe(final Throwable error)
    {
        return error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
    }
}
