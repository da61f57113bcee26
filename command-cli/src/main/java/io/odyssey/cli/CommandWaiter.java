package io.odyssey.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.odyssey.codecs.CommandState;

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
 * <p>
 * A gateway that goes away (a restart) does not end the wait: the commands live on in the grid's ledger. When the
 * stream closes or a poll cannot be answered, the waiter reopens the stream and polls again, at once and then with a
 * back-off doubling from {@value #FIRST_RETRY_MS} ms to {@value #MAX_RETRY_MS} ms, and carries on following the
 * commands once the gateway answers; the transitions it missed meanwhile are printed then (each command carries all of
 * them). Only a gateway that stays unreachable for longer than the reconnect timeout, or still is when the wait's own
 * timeout passes, ends it with {@link OdysseyCli.Unreachable} (exit 3).
 */
final class CommandWaiter implements AutoCloseable
{
    /** How often to poll each open command when there is no stream. */
    static final long POLL_INTERVAL_MS = 500;
    /** How long the stream may say nothing about our commands before the waiter asks for them anyway. */
    static final long QUIET_POLL_INTERVAL_MS = 5_000;
    /** The first pause after a failed attempt to reach the gateway again; it doubles with each failure. */
    static final long FIRST_RETRY_MS = 250;
    /** The longest pause between attempts to reach the gateway again. */
    static final long MAX_RETRY_MS = 5_000;


    private final GatewayOptions gateway;
    private final PrintWriter out;
    private GatewayFeed feed;
    /** Whether the gateway serves the command stream (else the waiter polls, and does not ask for it again). */
    private final boolean streamServed;
    /** While the gateway cannot be reached: since when, why, and when to try again; null while it answers. */
    private Outage outage;
    private final Map<String, JsonNode> commands = new LinkedHashMap<>();
    private final Map<String, Integer> printed = new LinkedHashMap<>();

    private CommandWaiter(final GatewayOptions gateway, final GatewayFeed feed)
    {
        this.gateway = gateway;
        this.out = gateway.out();
        this.feed = feed;
        this.streamServed = feed != null;
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
     * Waits until every command is final or the timeout passes (0: no limit), riding out a gateway that cannot be
     * reached for up to {@code reconnectTimeoutS}.
     *
     * @return true when every command ended {@code completed}.
     * @throws OdysseyCli.Unreachable when the gateway stayed unreachable longer than {@code reconnectTimeoutS}, or
     *     still was when the timeout passed.
     */
    boolean await(final List<JsonNode> created, final long timeoutS, final long reconnectTimeoutS) throws Exception
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
        final long reconnectNs = TimeUnit.SECONDS.toNanos(reconnectTimeoutS);
        while (open() > 0)
        {
            final long now = System.nanoTime();
            if (now - start >= timeoutNs)
            {
                if (outage != null)
                {
                    throw gaveUp(now, "the wait's --timeout of " + timeoutS + " s passed");
                }
                summary(" after " + timeoutS + " s");
                return false;
            }
            final long leftMs = TimeUnit.NANOSECONDS.toMillis(timeoutNs - (now - start)) + 1;
            if (outage != null)
            {
                if (now - outage.since > reconnectNs)
                {
                    throw gaveUp(now, "longer than the reconnect timeout of " + reconnectTimeoutS + " s");
                }
                if (now - outage.nextAttempt < 0)
                {
                    Thread.sleep(Math.min(leftMs, TimeUnit.NANOSECONDS.toMillis(outage.nextAttempt - now) + 1));
                }
                else if (reconnect())
                {
                    lastPoll = System.nanoTime();
                }
                continue;
            }
            try
            {
                if (TimeUnit.NANOSECONDS.toMillis(now - lastPoll) >= (feed == null ? POLL_INTERVAL_MS : QUIET_POLL_INTERVAL_MS))
                {
                    poll();
                    lastPoll = System.nanoTime();
                    continue;
                }
                final long waitMs = Math.min(feed == null ? POLL_INTERVAL_MS : 200, leftMs);
                if (feed == null)
                {
                    Thread.sleep(waitMs);
                }
                else if (readFeed(waitMs))
                {
                    lastPoll = System.nanoTime();
                }
            }
            catch (final OdysseyCli.Unreachable ex)
            {
                // The stream closed or a poll found nobody: most likely a restart. Try again at once; the first
                // attempt that fails says so.
                lost(ex.getMessage());
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

    /** The gateway stopped answering: forget the stream, and try to reach it again at once. */
    private void lost(final String reason)
    {
        if (feed != null)
        {
            feed.close();
            feed = null;
        }
        outage = new Outage(System.nanoTime(), reason);
    }

    /**
     * One attempt to reach the gateway again: the stream first (when it serves one), so that nothing can change
     * unseen between it and the poll that follows; the poll decides whether the gateway is back. True if it is.
     */
    private boolean reconnect() throws Exception
    {
        GatewayFeed reopened = null;
        try
        {
            if (streamServed)
            {
                try
                {
                    reopened = GatewayFeed.open(gateway, "/ws/commands");
                }
                catch (final OdysseyCli.Unreachable ex)
                {
                    // the poll below tells a gateway that is away from one that serves no stream now
                }
            }
            poll();
        }
        catch (final OdysseyCli.Unreachable ex)
        {
            if (reopened != null)
            {
                reopened.close();
            }
            if (outage.attempts == 0)
            {
                gateway.err().println("odyssey-cli: lost the gateway (" + ex.getMessage() + "); trying again, the " +
                    "commands go on meanwhile");
                gateway.err().flush();
            }
            outage.failed(ex.getMessage());
            return false;
        }
        if (outage.attempts > 0)
        {
            gateway.err().println("odyssey-cli: the gateway answers again after " +
                TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - outage.since) + " s" +
                (streamServed && reopened == null ? "; polling (no command stream)" : ""));
            gateway.err().flush();
        }
        feed = reopened;
        outage = null;
        return true;
    }

    private OdysseyCli.Unreachable gaveUp(final long now, final String limit)
    {
        final StringBuilder ids = new StringBuilder();
        commands.forEach((id, command) -> ids.append(CommandsCommand.isFinal(command) ? "" : " " + id));
        return new OdysseyCli.Unreachable("the gateway did not answer for " +
            TimeUnit.NANOSECONDS.toSeconds(now - outage.since) + " s, " + limit + " (last: " + outage.reason + "); " +
            "the commands go on without this wait: odyssey-cli commands show" + ids);
    }

    /** Reads one message off the stream; true if it told something about one of our commands. */
    private boolean readFeed(final long waitMs) throws Exception
    {
        final JsonNode message = feed.next(waitMs);
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
                update(gateway.json(gateway.get("/api/v1/commands/" + GatewayOptions.encode(entry.getKey()))));
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
            out.println(Terminal.json(command));
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

    /** A time the gateway could not be reached: since when, the last reason, and when to try again. */
    private static final class Outage
    {
        final long since;
        String reason;
        long nextAttempt;
        int attempts;

        Outage(final long since, final String reason)
        {
            this.since = since;
            this.reason = reason;
            this.nextAttempt = since;
        }

        void failed(final String why)
        {
            reason = why;
            final long pauseMs = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS << Math.min(attempts, 10));
            attempts++;
            nextAttempt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pauseMs);
        }
    }

    /** Prints how the commands ended; true if all completed. */
    private boolean summary(final String when)
    {
        final Map<String, Integer> byState = new TreeMap<>();
        for (final JsonNode command : commands.values())
        {
            byState.merge(command.path("state").asText(), 1, Integer::sum);
        }
        final boolean allCompleted = byState.size() == 1 && byState.containsKey(CommandState.COMPLETED.wireName());
        if (!gateway.json)
        {
            final StringBuilder line = new StringBuilder(allCompleted ? "all " + commands.size() + " completed" : "");
            if (!allCompleted)
            {
                byState.forEach((state, n) -> line.append(line.length() == 0 ? "" : ", ").append(n).append(' ')
                    .append(CommandsCommand.isFinalState(state) ? state : state + " (still open)"));
            }
            out.println(line.append(when));
            out.flush();
        }
        return allCompleted;
    }
}
