package io.odyssey.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * What every order to drones shares ({@code takeoff}, {@code goto}, {@code mission}, {@code hold}, {@code resume},
 * {@code rth}, {@code land}, {@code stop}, {@code set-speed}): which drones it goes to, its expiry and idempotency key,
 * sending it ({@code POST /api/v1/commands}, docs/api/commands.md), printing what the gateway created and refused,
 * and {@code --wait}.
 * <p>
 * The drones are one or more ids (one id is the single form {@code droneId}, several the form {@code droneIds}), or a
 * selection by {@code --status} and/or {@code --bbox}. Exit codes: 0 sent (with {@code --wait}: every command
 * completed), 4 the gateway refused the order or some of the drones, 5 with {@code --wait}: a command ended failed,
 * rejected, expired or cancelled, a drone was refused, or {@code --timeout} passed first.
 */
@Command(mixinStandardHelpOptions = true,
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:sent; with --wait: every command completed",
        "2:usage: bad arguments, an unreadable mission file, or a stop of several drones not confirmed",
        "3:the gateway could not be reached, or could not answer (with --wait: for longer than --reconnect-timeout)",
        "4:the gateway refused the order, or refused some of the drones (they are listed)",
        "5:--wait: a command ended failed, rejected, expired or cancelled, a drone was refused, or --timeout passed"})
abstract class OrderCommand implements Callable<Integer>
{
    private static final ObjectMapper JSON = new ObjectMapper();

    @CommandLine.Mixin
    GatewayOptions gateway = new GatewayOptions();

    @Option(names = "--status", paramLabel = "STATUS",
        description = "Instead of ids: every drone in this status (GROUNDED, TAKING_OFF, CRUISING, HOVERING, LANDING, " +
            "RETURNING, EMERGENCY); with --bbox, the drones that match both.")
    String status;

    @Option(names = "--bbox", paramLabel = "W,S,E,N", converter = GeoArgs.BoxConverter.class,
        description = "Instead of ids: every drone inside this box (degrees).")
    GeoArgs.Box bbox;

    @Option(names = "--expires", paramLabel = "SECONDS",
        description = "A command not delivered within SECONDS expires (1..86400; the gateway's default: 300).")
    Integer expiresS;

    @Option(names = "--key", paramLabel = "IDEMPOTENCY_KEY",
        description = "Sending again with the same key gives back the same command instead of a second one (per " +
            "token; with several drones each command's key is KEY/droneId).")
    String key;

    @Option(names = "--wait",
        description = "Wait until every command is final, printing each transition as it happens: exit 0 if all " +
            "completed, 5 if any failed, was rejected, expired or was cancelled.")
    boolean waitForCompletion;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "0",
        description = "With --wait: stop waiting after SECONDS and exit 5 (default: no limit; the commands go on).")
    long timeoutS;

    @Option(names = "--reconnect-timeout", paramLabel = "SECONDS", defaultValue = "120",
        description = "With --wait: how long the gateway may be unreachable (a restart) before the wait gives up with " +
            "exit 3 (default ${DEFAULT-VALUE}); meanwhile it reconnects with back-off and then carries on.")
    long reconnectTimeoutS;

    /** The command type of the contract: {@code goto}, {@code return-to-home}, ... */
    abstract String type();

    /** The drone ids as given on the command line (still text: some commands take other arguments after them). */
    abstract List<String> droneArguments();

    /** Adds this type's parameters to the request body. */
    void parameters(final ObjectNode body)
    {
    }

    /**
     * Whether to go ahead with an order that reaches several drones (or a selection, whose size is not known before).
     * Only {@code stop} asks.
     */
    boolean confirmed(final String drones)
    {
        return true;
    }

    public final Integer call() throws Exception
    {
        if (timeoutS < 0 || reconnectTimeoutS < 1)
        {
            throw usage(timeoutS < 0 ? "--timeout cannot be negative" : "--reconnect-timeout must be at least 1 s");
        }
        final ObjectNode body = JSON.createObjectNode();
        final String drones = target(body);
        body.put("type", type());
        parameters(body);
        if (expiresS != null)
        {
            body.put("expiresInS", expiresS);
        }
        if (key != null)
        {
            body.put("idempotencyKey", key);
        }
        if (!confirmed(drones))
        {
            gateway.err().println("odyssey-cli: not confirmed; nothing was sent");
            return CommandLine.ExitCode.USAGE;
        }
        try (CommandWaiter waiter = waitForCompletion ? CommandWaiter.listen(gateway) : null)
        {
            final HttpResponse<String> response = gateway.post("/api/v1/commands", body);
            final JsonNode answer = gateway.json(response);
            final List<JsonNode> created = new ArrayList<>();
            final List<JsonNode> refused = new ArrayList<>();
            if (answer.has("commands"))
            {
                answer.path("commands").forEach(created::add);
                answer.path("refused").forEach(refused::add);
            }
            else
            {
                created.add(answer);
            }
            print(response, created, refused);
            if (waiter == null)
            {
                return refused.isEmpty() ? 0 : OdysseyCli.EXIT_REFUSED;
            }
            final boolean completed = waiter.await(created, timeoutS, reconnectTimeoutS);
            return completed && refused.isEmpty() ? 0 : OdysseyCli.EXIT_NOT_COMPLETED;
        }
    }

    /** Puts the drones into the body; returns them in words, for a confirmation. */
    private String target(final ObjectNode body)
    {
        final List<String> arguments = droneArguments();
        final boolean selection = status != null || bbox != null;
        if (selection && !arguments.isEmpty())
        {
            throw usage("give drone ids or a selection (--status, --bbox), not both");
        }
        if (!selection && arguments.isEmpty())
        {
            throw usage("which drones? give one or more drone ids, or --status STATUS and/or --bbox W,S,E,N");
        }
        if (selection)
        {
            final ObjectNode chosen = body.putObject("selection");
            if (status != null)
            {
                chosen.put("status", status.toUpperCase(Locale.ROOT));
            }
            if (bbox != null)
            {
                final ArrayNode box = chosen.putArray("bbox");
                for (final double value : bbox.array())
                {
                    box.add(value);
                }
            }
            return "every drone" + (status == null ? "" : " " + status.toUpperCase(Locale.ROOT)) +
                (bbox == null ? "" : " in " + bbox.query());
        }
        final List<Long> ids = new ArrayList<>();
        for (final String argument : arguments)
        {
            final long id;
            try
            {
                id = Long.parseLong(argument);
            }
            catch (final NumberFormatException ex)
            {
                throw usage("'" + argument + "' is not a drone id");
            }
            if (id <= 0)
            {
                throw usage("'" + argument + "' is not a drone id (ids are positive)");
            }
            ids.add(id);
        }
        if (ids.size() == 1)
        {
            body.put("droneId", ids.get(0));
            return "drone " + ids.get(0);
        }
        final ArrayNode several = body.putArray("droneIds");
        ids.forEach(several::add);
        return ids.size() + " drones " + ids;
    }

    private void print(final HttpResponse<String> response, final List<JsonNode> created, final List<JsonNode> refused)
    {
        final PrintWriter out = gateway.out();
        if (gateway.json)
        {
            gateway.printJson(response);
        }
        else
        {
            CommandsCommand.createdTable(created).print(out);
            if (response.statusCode() == 200 && key != null)
            {
                out.printf("(already given with key %s: the gateway returned the existing command)%n", key);
            }
            if (!refused.isEmpty())
            {
                out.printf("%nrefused:%n");
                final TextTable table = new TextTable("drone", "status", "why");
                for (final JsonNode r : refused)
                {
                    final String title = r.path("title").asText("");
                    final String detail = r.path("detail").asText("");
                    table.row(r.path("droneId").asLong(), r.path("status").asInt(),
                        title.isEmpty() || detail.isEmpty() ? title + detail : title + ": " + detail);
                }
                table.print(out);
            }
            out.flush();
        }
        if (!refused.isEmpty())
        {
            gateway.err().printf("odyssey-cli: %d of %d drones refused%n", refused.size(), refused.size() + created.size());
        }
    }

    /** {@code value}, unless {@code problem} (from {@link OrderBounds}) says why the gateway would refuse it. */
    double checked(final double value, final String problem)
    {
        if (problem != null)
        {
            throw usage(problem);
        }
        return value;
    }

    CommandLine.ParameterException usage(final String message)
    {
        return new CommandLine.ParameterException(gateway.spec.commandLine(), message);
    }

    /** The given text as a number, or a usage error naming what it should have been. */
    double number(final String text, final String what)
    {
        try
        {
            final double value = Double.parseDouble(text);
            if (Double.isFinite(value))
            {
                return value;
            }
        }
        catch (final NumberFormatException ignore)
        {
            // said below
        }
        throw usage(what + " must be a number, got '" + text + "'");
    }
}
