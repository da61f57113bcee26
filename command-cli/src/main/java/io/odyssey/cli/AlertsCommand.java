package io.odyssey.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** {@code odyssey-cli alerts}: the fleet's active alerts, and a live tail of raises and clears. */
@Command(name = "alerts", mixinStandardHelpOptions = true,
    description = "Active alerts (low battery, lost link, geofence breach, loss of separation, implausible jump).",
    subcommands = {AlertsCommand.ListAlerts.class, AlertsCommand.Watch.class})
final class AlertsCommand
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The alerts active now, oldest first.")
    static final class ListAlerts implements java.util.concurrent.Callable<Integer>
    {
        @CommandLine.Mixin
        GatewayOptions server = new GatewayOptions();

        public Integer call() throws Exception
        {
            final HttpResponse<String> response = server.get("/api/v1/alerts");
            if (server.json)
            {
                server.out().println(response.body());
                return 0;
            }
            final JsonNode body = JSON.readTree(response.body());
            final PrintWriter out = server.out();
            out.printf("%d active alerts%n", body.path("count").asInt());
            for (final JsonNode alert : body.path("alerts"))
            {
                out.println(line("ACTIVE", alert));
            }
            return 0;
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
        description = "The active alerts, then every raise and clear as it happens, until interrupted.")
    static final class Watch implements java.util.concurrent.Callable<Integer>
    {
        @CommandLine.Mixin
        GatewayOptions server = new GatewayOptions();

        @Option(names = "--count", paramLabel = "N", defaultValue = "0",
            description = "Stop after N raises and clears (default: never).")
        long count;

        public Integer call() throws Exception
        {
            final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
            final CompletableFuture<String> closed = new CompletableFuture<>();
            final WebSocket socket;
            try
            {
                socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(3))
                    .buildAsync(URI.create(server.base().replaceFirst("^http", "ws") + "/ws/alerts"), new Listener(messages, closed))
                    .get(10, TimeUnit.SECONDS);
            }
            catch (final java.util.concurrent.ExecutionException ex)
            {
                throw new OdysseyCli.Unreachable(server.server + " did not accept the alert stream (" +
                    ex.getCause().getClass().getSimpleName() + ")");
            }
            final PrintWriter out = server.out();
            long events = 0;
            try
            {
                while (count == 0 || events < count)
                {
                    final String text = messages.poll(200, TimeUnit.MILLISECONDS);
                    if (text == null)
                    {
                        if (closed.isDone())
                        {
                            throw new OdysseyCli.Unreachable("the gateway closed the alert stream: " + closed.get());
                        }
                        continue;
                    }
                    if (server.json)
                    {
                        out.println(text);
                        out.flush();
                    }
                    final JsonNode message = JSON.readTree(text);
                    if ("alerts".equals(message.path("type").asText()))
                    {
                        if (!server.json)
                        {
                            out.printf("%d active alerts%n", message.path("active").size());
                            for (final JsonNode alert : message.path("active"))
                            {
                                out.println(line("ACTIVE", alert));
                            }
                            out.flush();
                        }
                    }
                    else if ("alert".equals(message.path("type").asText()))
                    {
                        events++;
                        if (!server.json)
                        {
                            out.println(line(message.path("event").asText().toUpperCase(Locale.ROOT), message.path("alert")));
                            out.flush();
                        }
                    }
                }
            }
            finally
            {
                socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye");
            }
            return 0;
        }
    }

    static String line(final String what, final JsonNode alert)
    {
        final String drones = alert.has("otherDroneId") ?
            "drones " + alert.path("droneId").asLong() + " and " + alert.path("otherDroneId").asLong() :
            "drone " + alert.path("droneId").asLong();
        final String value = alert.path("value").isNull() ? "" : " (" + alert.path("value").asDouble() + ")";
        return String.format(Locale.ROOT, "%s  %-8s %-19s %s%s  [%s]", alert.path("raisedAt").asText(), what,
            alert.path("alertType").asText(), drones, value, alert.path("node").asText());
    }

    private static final class Listener implements WebSocket.Listener
    {
        private final LinkedBlockingQueue<String> messages;
        private final CompletableFuture<String> closed;
        private final StringBuilder partial = new StringBuilder();

        Listener(final LinkedBlockingQueue<String> messages, final CompletableFuture<String> closed)
        {
            this.messages = messages;
            this.closed = closed;
        }

        public CompletionStage<?> onText(final WebSocket webSocket, final CharSequence data, final boolean last)
        {
            partial.append(data);
            if (last)
            {
                messages.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        public CompletionStage<?> onClose(final WebSocket webSocket, final int statusCode, final String reason)
        {
            closed.complete(statusCode + " " + reason);
            return null;
        }

        public void onError(final WebSocket webSocket, final Throwable error)
        {
            closed.complete(error.toString());
        }
    }
}
