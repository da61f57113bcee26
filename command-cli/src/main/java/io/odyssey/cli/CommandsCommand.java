package io.odyssey.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.odyssey.codecs.CommandState;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code odyssey-cli commands}: the command ledger (docs/api/commands.md): the orders given to drones, each with its
 * states from {@code issued} to {@code completed}, {@code failed}, {@code rejected}, {@code expired} or
 * {@code cancelled}. Also where a command's text form lives, so every subcommand prints commands the same way.
 */
@Command(name = "commands", mixinStandardHelpOptions = true,
    description = "The command ledger: list, show (with its timeline), cancel, and a live tail of every change.",
    subcommands = {CommandsCommand.ListCommands.class, CommandsCommand.Show.class, CommandsCommand.Cancel.class,
        CommandsCommand.Watch.class})
final class CommandsCommand
{

    private static final ObjectMapper JSON = new ObjectMapper();

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Commands, newest first.")
    static final class ListCommands implements Callable<Integer>
    {
        @CommandLine.Mixin
        GatewayOptions gateway = new GatewayOptions();

        @Option(names = "--drone", paramLabel = "ID", description = "Only this drone's commands.")
        Long droneId;

        @Option(names = "--state", paramLabel = "STATE",
            description = "Only commands in this state: issued, sent, accepted, rejected, in-progress, completed, " +
                "failed, expired, cancelled.")
        String state;

        @Option(names = "--active", description = "Only commands not yet in a final state.")
        boolean active;

        @Option(names = "--limit", paramLabel = "N", description = "At most N commands (the gateway's default: 100).")
        Integer limit;

        public Integer call() throws Exception
        {
            final StringBuilder query = new StringBuilder();
            if (droneId != null)
            {
                query.append("&droneId=").append(droneId);
            }
            if (state != null)
            {
                query.append("&state=").append(GatewayOptions.encode(state.toLowerCase(Locale.ROOT)));
            }
            if (active)
            {
                query.append("&active=true");
            }
            if (limit != null)
            {
                query.append("&limit=").append(limit);
            }
            final HttpResponse<String> response = gateway.get("/api/v1/commands" +
                (query.length() == 0 ? "" : "?" + query.substring(1)));
            if (gateway.json)
            {
                gateway.printJson(response);
                return 0;
            }
            final JsonNode commands = gateway.json(response).path("commands");
            gateway.out().printf("%d commands%n", commands.size());
            table(commands).print(gateway.out());
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
        description = "One command: what it asked, where it stands, and every state it went through.")
    static final class Show implements Callable<Integer>
    {
        @CommandLine.Mixin
        GatewayOptions gateway = new GatewayOptions();

        @Parameters(paramLabel = "ID", description = "The command id.")
        String id;

        public Integer call() throws Exception
        {
            final HttpResponse<String> response = gateway.get("/api/v1/commands/" + GatewayOptions.encode(id));
            if (gateway.json)
            {
                gateway.printJson(response);
                return 0;
            }
            final JsonNode c = gateway.json(response);
            final PrintWriter out = gateway.out();
            out.printf("command %s: %s for drone %d%n", c.path("id").asText(), c.path("type").asText(),
                c.path("droneId").asLong());
            out.printf("  state       %s%s%n", c.path("state").asText(), reasonSuffix(c.path("reason")));
            out.printf("  progress    %s%n", progress(c));
            out.printf("  params      %s%n", c.path("params").isMissingNode() ? "-" : c.path("params"));
            out.printf("  issued      %s by %s from %s%n", TextTable.text(c.path("issuedAt")),
                TextTable.text(c.path("issuedBy")), TextTable.text(c.path("issuedFrom")));
            out.printf("  expires     %s%n", TextTable.text(c.path("expiresAt")));
            out.printf("  node        %s (%s frames sent)%n", TextTable.text(c.path("node")),
                TextTable.text(c.path("attempts")));
            out.printf("  ack         %s ms, effect %s ms%n", TextTable.number(c.path("ackMs"), 1),
                TextTable.number(c.path("effectMs"), 1));
            if (c.hasNonNull("idempotencyKey"))
            {
                out.printf("  key         %s%n", c.path("idempotencyKey").asText());
            }
            out.println();
            final TextTable timeline = new TextTable("state", "time", "+ms", "reason", "progress");
            for (final JsonNode t : c.path("transitions"))
            {
                timeline.row(t.path("state").asText(), TextTable.text(t.path("at")),
                    sinceIssued(c, t.path("at")), TextTable.text(t.path("reason")), percent(t.path("progress")));
            }
            timeline.print(out);
            return 0;
        }
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
        description = {"Cancel a command that has not reached a final state.",
            "The gateway answers with the cancel command it created; a command already final is refused (409, exit 4)."})
    static final class Cancel implements Callable<Integer>
    {
        @CommandLine.Mixin
        GatewayOptions gateway = new GatewayOptions();

        @Parameters(paramLabel = "ID", description = "The command to cancel.")
        String id;

        public Integer call() throws Exception
        {
            final HttpResponse<String> response = gateway.post("/api/v1/commands/" + GatewayOptions.encode(id) +
                "/cancel", JSON.createObjectNode());
            if (gateway.json)
            {
                gateway.printJson(response);
                return 0;
            }
            gateway.out().printf("cancelling %s%n", id);
            createdTable(List.of(gateway.json(response))).print(gateway.out());
            return 0;
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true,
        description = {"The commands still open now, then one line per change of any command, until interrupted.",
            "With --json, one Command object (docs/api/commands.md) a line."})
    static final class Watch implements Callable<Integer>
    {
        @CommandLine.Mixin
        GatewayOptions gateway = new GatewayOptions();

        @Option(names = "--drone", paramLabel = "ID", description = "Only this drone's commands.")
        Long droneId;

        @Option(names = "--count", paramLabel = "N", defaultValue = "0",
            description = "Stop after N changes (default: never).")
        long count;

        public Integer call() throws Exception
        {
            final PrintWriter out = gateway.out();
            long changes = 0;
            try (GatewayFeed feed = GatewayFeed.open(gateway, "/ws/commands"))
            {
                while (count == 0 || changes < count)
                {
                    final JsonNode message = feed.next(200);
                    if (message == null)
                    {
                        continue;
                    }
                    final String type = message.path("type").asText();
                    if ("commands".equals(type))
                    {
                        // The recent commands on connect: the ones still open are what a watcher wants to see.
                        for (final JsonNode command : message.path("commands"))
                        {
                            if (wanted(command) && !isFinal(command))
                            {
                                print(out, command, "OPEN");
                            }
                        }
                    }
                    else if ("command".equals(type) && wanted(message.path("command")))
                    {
                        changes++;
                        print(out, message.path("command"), null);
                    }
                    out.flush();
                }
            }
            return 0;
        }

        private boolean wanted(final JsonNode command)
        {
            return droneId == null || command.path("droneId").asLong() == droneId;
        }

        private void print(final PrintWriter out, final JsonNode command, final String marker)
        {
            if (gateway.json)
            {
                out.println(Terminal.json(command));
                return;
            }
            final JsonNode last = command.path("transitions").path(command.path("transitions").size() - 1);
            out.println((marker == null ? "" : marker + "  ") + line(command, command.path("state").asText(),
                last.isMissingNode() ? command.path("issuedAt") : last.path("at"), command.path("reason")));
        }
    }

    static boolean isFinal(final JsonNode command)
    {
        return isFinalState(command.path("state").asText());
    }

    /** Whether a command in the state of this wire name never leaves it; a state this CLI does not know is open. */
    static boolean isFinalState(final String wireName)
    {
        final CommandState state = CommandState.fromWireName(wireName);
        return state != null && state.isFinal();
    }

    /** The table of commands {@code commands list} and {@code drones show} print. */
    static TextTable table(final Iterable<JsonNode> commands)
    {
        final TextTable table = new TextTable("id", "drone", "type", "state", "progress", "issued", "by", "reason");
        for (final JsonNode c : commands)
        {
            table.row(c.path("id").asText(), c.path("droneId").asLong(), c.path("type").asText(),
                c.path("state").asText(), progress(c), TextTable.text(c.path("issuedAt")),
                TextTable.text(c.path("issuedBy")), TextTable.text(c.path("reason")));
        }
        return table;
    }

    /** The table of commands just created (an order, a cancel). */
    static TextTable createdTable(final Iterable<JsonNode> commands)
    {
        final TextTable table = new TextTable("id", "drone", "type", "state");
        for (final JsonNode c : commands)
        {
            table.row(c.path("id").asText(), c.path("droneId").asLong(), c.path("type").asText(),
                c.path("state").asText() + reasonSuffix(c.path("reason")));
        }
        return table;
    }

    /**
     * One line about a command in a given state: {@code at  id  drone 7  goto  accepted  +3 ms  40%  reason}. The
     * tails ({@code commands watch}, {@code --wait}) print these.
     */
    static String line(final JsonNode command, final String state, final JsonNode at, final JsonNode reason)
    {
        final StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-24s  %s  drone %d  %s  %s",
            TextTable.text(at), command.path("id").asText(), command.path("droneId").asLong(),
            command.path("type").asText(), state));
        final String since = sinceIssued(command, at);
        if (!"-".equals(since))
        {
            line.append("  +").append(since).append(" ms");
        }
        if (CommandState.fromWireName(state) == CommandState.IN_PROGRESS)
        {
            line.append("  ").append(progress(command));
        }
        if (!reason.isMissingNode() && !reason.isNull())
        {
            line.append("  (").append(reason.asText()).append(')');
        }
        return Terminal.line(line);
    }

    static String progress(final JsonNode command)
    {
        final String percent = percent(command.path("progress"));
        return command.hasNonNull("waypointIndex") ?
            percent + " wp " + command.path("waypointIndex").asInt() : percent;
    }

    private static String percent(final JsonNode progress)
    {
        return progress.isNumber() ? String.format(Locale.ROOT, "%.0f%%", progress.asDouble()) : "-";
    }

    private static String reasonSuffix(final JsonNode reason)
    {
        return reason.isMissingNode() || reason.isNull() ? "" : " (" + Terminal.line(reason.asText()) + ")";
    }

    /** Milliseconds from the command's issue to an instant, or {@code -} when either is missing or unreadable. */
    static String sinceIssued(final JsonNode command, final JsonNode at)
    {
        try
        {
            return String.valueOf(Duration.between(Instant.parse(command.path("issuedAt").asText()),
                Instant.parse(at.asText())).toMillis());
        }
        catch (final DateTimeParseException ex)
        {
            return "-";
        }
    }
}
