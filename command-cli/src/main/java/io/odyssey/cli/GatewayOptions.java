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
 * Everything a server sends is untrusted: an answer is read into at most {@link CliConfig#MAX_ANSWER_BYTES} and
 * within {@value #ANSWER_TIMEOUT_S} s, and what the commands print goes through {@link Terminal} ({@link #out()},
 * {@link #err()}, {@link #printJson}), so no control character of the server's reaches the terminal.
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

    /** The longest an answer may take, headers and body (a server trickling its answer cannot hold the CLI). */
    static final long ANSWER_TIMEOUT_S = 60;
    /** The most of a problem's text an error message shows. */
    private static final int MAX_PROBLEM_CHARS = 2_000;

    private static final ObjectMapper JSON = new ObjectMapper()
        .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
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
    private PrintWriter out;
    private PrintWriter err;

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

    /** Standard output, through {@link Terminal#writer}: whatever a command prints cannot carry a control character. */
    PrintWriter out()
    {
        if (out == null)
        {
            out = Terminal.writer(spec.commandLine().getOut());
        }
        return out;
    }

    /** Standard error, as {@link #out()}. */
    PrintWriter err()
    {
        if (err == null)
        {
            err = Terminal.writer(spec.commandLine().getErr());
        }
        return err;
    }

    /** The most the CLI reads of one answer or WebSocket message ({@link CliConfig#MAX_ANSWER_BYTES}). */
    int maxAnswerBytes()
    {
        return CliConfig.maxAnswerBytes(environment());
    }

    /** The answer's JSON; an answer that is not JSON is the server failing to answer (exit 3), said so. */
    JsonNode json(final HttpResponse<String> response)
    {
        try
        {
            return JSON.readTree(response.body());
        }
        catch (final IOException ex)
        {
            throw new OdysseyCli.Unreachable("the answer of " + server + response.request().uri().getRawPath() +
                " is not JSON (" + describe(ex).lines().findFirst().orElse("") + ")");
        }
    }

    /** {@code --json}: the answer's JSON on one line, its control characters escaped ({@link Terminal#json}). */
    void printJson(final HttpResponse<String> response)
    {
        out().println(Terminal.json(json(response)));
        out().flush();
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

    private HttpResponse<String> send(final HttpRequest.Builder builder) throws Exception
    {
        final HttpRequest request = builder.build();
        final HttpResponse<String> response = exchange(http, request, maxAnswerBytes(),
            server + request.uri().getRawPath());
        if (response.statusCode() >= 400)
        {
            refuseOrFail(response.statusCode(), response.body());
        }
        return response;
    }

    /**
     * Sends the request and reads its answer, at most {@code maxBytes} of it and within {@value #ANSWER_TIMEOUT_S} s
     * (the request's own timeout covers only the wait for the headers): a longer or slower answer, or none, is
     * {@link OdysseyCli.Unreachable} naming {@code what} was asked.
     */
    static HttpResponse<String> exchange(final HttpClient http, final HttpRequest request, final int maxBytes,
        final String what) throws InterruptedException
    {
        final java.util.concurrent.CompletableFuture<HttpResponse<String>> answer =
            http.sendAsync(request, BoundedBody.handler(maxBytes));
        try
        {
            return answer.get(ANSWER_TIMEOUT_S, TimeUnit.SECONDS);
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof BoundedBody.TooLarge tooLarge)
            {
                throw new OdysseyCli.Unreachable("the answer of " + what + " is " + tooLarge.getMessage() +
                    ": not read (the limit is " + CliConfig.MAX_ANSWER_BYTES.envName() + ")");
            }
            throw new OdysseyCli.Unreachable(what + " did not answer (" + describe(ex.getCause()) + ")");
        }
        catch (final TimeoutException ex)
        {
            answer.cancel(true);
            throw new OdysseyCli.Unreachable(what + " did not answer within " + ANSWER_TIMEOUT_S + " s");
        }
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
        // The server's words, each within the one line of the error: a newline in a detail cannot forge a "hint:".
        title = shown(title);
        detail = shown(detail);
        code = shown(code);
        commandId = shown(commandId);
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

    /** A problem's text as an error message shows it: one line, at most {@value #MAX_PROBLEM_CHARS} characters. */
    private static String shown(final String text)
    {
        final String line = Terminal.line(text);
        return line.length() <= MAX_PROBLEM_CHARS ? line :
            line.substring(0, MAX_PROBLEM_CHARS) + "... (" + (line.length() - MAX_PROBLEM_CHARS) + " more characters)";
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
