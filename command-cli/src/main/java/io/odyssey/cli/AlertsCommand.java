package io.odyssey.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.util.Locale;

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
                server.printJson(response);
                return 0;
            }
            final JsonNode body = server.json(response);
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
            final PrintWriter out = server.out();
            long events = 0;
            try (GatewayFeed feed = GatewayFeed.open(server, "/ws/alerts"))
            {
                while (count == 0 || events < count)
                {
                    final String text = feed.nextText(200);
                    if (text == null)
                    {
                        continue;
                    }
                    final JsonNode message = JSON.readTree(text);
                    if (server.json)
                    {
                        out.println(Terminal.json(message));
                        out.flush();
                    }
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
            return 0;
        }
    }

    static String line(final String what, final JsonNode alert)
    {
        final String drones = alert.has("otherDroneId") ?
            "drones " + alert.path("droneId").asLong() + " and " + alert.path("otherDroneId").asLong() :
            "drone " + alert.path("droneId").asLong();
        final String value = alert.path("value").isNull() ? "" : " (" + alert.path("value").asDouble() + ")";
        return Terminal.line(String.format(Locale.ROOT, "%s  %-8s %-19s %s%s  [%s]", alert.path("raisedAt").asText(),
            what, alert.path("alertType").asText(), drones, value, alert.path("node").asText()));
    }
}
