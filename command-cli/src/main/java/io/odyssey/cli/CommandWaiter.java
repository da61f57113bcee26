package io.odyssey.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code --wait}: follows commands until each reaches a final state, printing every transition as it happens.
 * <p>
 * It listens on {@code /ws/commands}, opened <em>before</em> the order is sent so no change can slip between the
 * answer and the subscription, and falls back to polling {@code GET /api/v1/commands/{id}} when the stream cannot be
 * had or is lost. Each Command carries its whole {@code transitions} list, so printing the transitions not yet printed
 * loses none even when an intermediate change was never seen, and an older copy arriving late prints nothing. While
 * the stream is quiet the waiter still polls now and then, so a missed message cannot leave it waiting for ever.
 */
final class CommandWaiter implements AutoCloseable
{
    /** How often to poll each open command when there is no stream. */
    static final long POLL_INTERVAL_MS = 500;
    /** How long the stream may say nothing about our commands before the waiter asks for them anyway. */
    static final long QUIET_POLL_INTERVAL_MS = 5_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final GatewayOptions gateway;
    private final PrintWriter out;
    private GatewayFeed feed;
    private final Map<String, JsonNode> commands = new LinkedHashMap<>();
    private final Map<String, Integer> printed = new LinkedHashMap<>();

    private CommandWaiter(final GatewayOptions gateway, final GatewayFeed feed)
    {
        this.gateway = gateway;
        this.out = gateway.out();
        this.feed = feed;
    }

    /**
     * Starts listening before the order goes out. A refused handshake (401, 403) is the same refusal the order would
     * get, so it ends the command; a stream that cannot be had otherwise means polling.
     */
    static CommandWaiter listen(final GatewayOptions gateway) throws Exception
    {
        GatewayFeed feed = null;
        try
        {
            feed = GatewayFeed.open(gateway, "/ws/commands");
        }
        catch (final OdysseyCli.Unreachable ex)
        {
            gateway.err().println("odyssey-cli: no command stream (" + ex.getMessage() + "); polling instead");
        }
        return new CommandWaiter(gateway, feed);
    }

    /**
     * Waits until every command is final or the timeout passes (0: no limit).
     *
     * @return true when every command ended {@code completed}.
     */
    boolean await(final List<JsonNode> created, final long timeoutS) throws Exception
    {
        for (final JsonNode command : created)
        {
            commands.put(command.path("id").asText(), command);
            printed.put(command.path("id").asText(), command.path("transitions").size());
        }
        final long start = System.nanoTime();
        final long timeoutNs = timeoutS > 0 ? TimeUnit.SECONDS.toNanos(timeoutS) : Long.MAX_VALUE;
        // Without a stream, ask at once: an order may be final already (a repeated idempotency key).
        long lastPoll = feed == null ? System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(POLL_INTERVAL_MS) : System.nanoTime();
        while (open() > 0)
        {
            final long now = System.nanoTime();
            if (now - start >= timeoutNs)
            {
                summary(" after " + timeoutS + " s");
                return false;
            }
            if (TimeUnit.NANOSECONDS.toMillis(now - lastPoll) >= (feed == null ? POLL_INTERVAL_MS : QUIET_POLL_INTERVAL_MS))
            {
                poll();
                lastPoll = System.nanoTime();
                continue;
            }
            final long waitMs = Math.min(feed == null ? POLL_INTERVAL_MS : 200,
                TimeUnit.NANOSECONDS.toMillis(timeoutNs - (now - start)) + 1);
            if (feed == null)
            {
                Thread.sleep(waitMs);
            }
            else if (readFeed(waitMs))
            {
                lastPoll = System.nanoTime();
            }
        }
        return summary("");
    }

    public void close()
    {
        if (feed != null)
        {
            feed.close();
        }
    }

    /** Reads one message off the stream; true if it told something about one of our commands. */
    private boolean readFeed(final long waitMs) throws Exception
    {
        final JsonNode message;
        try
        {
            message = feed.next(waitMs);
        }
        catch (final OdysseyCli.Unreachable ex)
        {
            gateway.err().println("odyssey-cli: " + ex.getMessage() + "; polling instead");
            feed.close();
            feed = null;
            return false;
        }
        if (message == null)
        {
            return false;
        }
        boolean ours = false;
        if ("command".equals(message.path("type").asText()))
        {
            ours = update(message.path("command"));
        }
        else if ("commands".equals(message.path("type").asText()))
        {
            for (final JsonNode command : message.path("commands"))
            {
                ours |= update(command);
            }
        }
        return ours;
    }

    private void poll() throws Exception
    {
        for (final Map.Entry<String, JsonNode> entry : List.copyOf(commands.entrySet()))
        {
            if (!CommandsCommand.isFinal(entry.getValue()))
            {
                update(JSON.readTree(gateway.get("/api/v1/commands/" + GatewayOptions.encode(entry.getKey())).body()));
            }
        }
    }

    /** Takes a copy of a command if it is one of ours; prints the transitions not printed yet. */
    private boolean update(final JsonNode command)
    {
        final String id = command.path("id").asText();
        final Integer done = printed.get(id);
        if (done == null)
        {
            return false;
        }
        final JsonNode known = commands.get(id);
        final JsonNode transitions = command.path("transitions");
        final int knownTransitions = known.path("transitions").size();
        final boolean stateChanged = !command.path("state").asText().equals(known.path("state").asText());
        if (transitions.size() < knownTransitions || transitions.size() == knownTransitions && !stateChanged)
        {
            // An older copy arriving late, or a change of progress only: nothing new to say.
            return true;
        }
        commands.put(id, command);
        if (gateway.json)
        {
            out.println(command);
        }
        else if (transitions.size() > done)
        {
            for (int i = done; i < transitions.size(); i++)
            {
                final JsonNode t = transitions.get(i);
                out.println(CommandsCommand.line(command, t.path("state").asText(), t.path("at"), t.path("reason")));
            }
        }
        else
        {
            // A new state without its transition: say it anyway, the state is what the operator waits for.
            out.println(CommandsCommand.line(command, command.path("state").asText(), MissingNode.getInstance(),
                command.path("reason")));
        }
        printed.put(id, Math.max(done, transitions.size()));
        out.flush();
        return true;
    }

    private int open()
    {
        int open = 0;
        for (final JsonNode command : commands.values())
        {
            open += CommandsCommand.isFinal(command) ? 0 : 1;
        }
        return open;
    }

    /** Prints how the commands ended; true if all completed. */
    private boolean summary(final String when)
    {
        final Map<String, Integer> byState = new TreeMap<>();
        for (final JsonNode command : commands.values())
        {
            byState.merge(command.path("state").asText(), 1, Integer::sum);
        }
        final boolean allCompleted = byState.size() == 1 && byState.containsKey("completed");
        if (!gateway.json)
        {
            final StringBuilder line = new StringBuilder(allCompleted ? "all " + commands.size() + " completed" : "");
            if (!allCompleted)
            {
                byState.forEach((state, n) -> line.append(line.length() == 0 ? "" : ", ").append(n).append(' ')
                    .append(CommandsCommand.FINAL_STATES.contains(state) ? state : state + " (still open)"));
            }
            out.println(line.append(when));
            out.flush();
        }
        return allCompleted;
    }
}
