package io.odyssey.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import io.odyssey.gateway.control.CommandJson;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.undertow.websockets.core.WebSocketChannel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code /ws/commands}: every change of any command in the ledger, pushed as it happens (docs/api/commands.md). A
 * listener on the ledger map (with values) feeds every connected session; a new session first gets the most recent
 * commands. Command changes are few (a handful per command), so each is sent on its own, not coalesced. Where a
 * command was issued from ({@code issuedFrom}) is for operators and admins only: a change is encoded at most twice,
 * with and without it, and each client gets the one its role may see.
 */
final class CommandsFeed implements SocketEndpoint.Handler, EntryAddedListener<Long, CommandRecord>,
    EntryUpdatedListener<Long, CommandRecord>, AutoCloseable
{
    static final int RECENT_ON_CONNECT = 200;
    private static final Logger LOG = LoggerFactory.getLogger(CommandsFeed.class);

    private final CommandLedger ledger;
    private final GatewayMetrics metrics;
    private final Set<ClientSession> sessions = ConcurrentHashMap.newKeySet();
    private UUID listener;

    CommandsFeed(final CommandLedger ledger, final GatewayMetrics metrics)
    {
        this.ledger = ledger;
        this.metrics = metrics;
    }

    void start()
    {
        final IMap<Long, CommandRecord> map = ledger.map();
        listener = map.addEntryListener(this, true);
    }

    public void opened(final ClientSession session, final WebSocketChannel channel)
    {
        // The snapshot asks the grid: on a worker thread, never on the I/O thread every connection shares.
        channel.getWorker().execute(() ->
        {
            if (session.isClosed())
            {
                return;
            }
            final ObjectNode snapshot = CommandJson.JSON.createObjectNode();
            snapshot.put("type", "commands");
            final ArrayNode commands = snapshot.putArray("commands");
            try
            {
                ledger.recent(RECENT_ON_CONNECT).forEach(command ->
                    commands.add(CommandJson.toJson(command, session.seesCommandSources)));
            }
            catch (final RuntimeException ex)
            {
                LOG.warn("could not read recent commands for a new /ws/commands client: {}", ex.toString());
            }
            // Registered before the snapshot is sent, so no change falls between the two; a change that overtakes
            // the snapshot is older there than in the change itself, and clients keep the copy with more transitions.
            sessions.add(session);
            session.reply(snapshot.toString());
            if (session.isClosed())
            {
                // It went while the snapshot was read, and its close task may have run before it was registered.
                sessions.remove(session);
            }
        });
    }

    public void closed(final ClientSession session)
    {
        sessions.remove(session);
    }

    public boolean message(final ClientSession session, final ClientRequest request)
    {
        SocketEndpoint.onlyPing(session, request, metrics, "/ws/commands");
        return true;
    }

    public void entryAdded(final EntryEvent<Long, CommandRecord> event)
    {
        broadcast(value(event));
    }

    public void entryUpdated(final EntryEvent<Long, CommandRecord> event)
    {
        broadcast(value(event));
    }

    /**
     * The event's command; null when its record cannot be read, carries no valid seal, or is a sealed record's copy
     * under another key (left out and counted, as the ledger's lists do: a grid client's record is not history).
     */
    private CommandRecord value(final EntryEvent<Long, CommandRecord> event)
    {
        try
        {
            // Key and value as they are: a grid client writes keys of any type and values of any class (a Compact
            // type nobody has arrives as a GenericRecord), and a typed read threw on the grid client's event thread.
            final EntryEvent<?, ?> raw = event;
            final Object value = raw.getValue();
            if (value == null)
            {
                return null;
            }
            if (!(value instanceof CommandRecord command))
            {
                ledger.unreadable().skippedForeign(value);
                return null;
            }
            if (!ledger.history(raw.getKey(), command))
            {
                ledger.leftOutUnsealed();
                return null;
            }
            return command;
        }
        catch (final HazelcastSerializationException ex)
        {
            ledger.unreadable().skipped(ex);
            return null;
        }
    }

    private void broadcast(final CommandRecord command)
    {
        if (command == null || sessions.isEmpty())
        {
            return;
        }
        // Encoded once per audience, not per client: with the issuer's address for operators and admins, without for
        // viewers (each only if a client of that kind is connected).
        String withSource = null;
        String withoutSource = null;
        for (final ClientSession session : sessions)
        {
            final String json;
            if (session.seesCommandSources)
            {
                json = withSource != null ? withSource : (withSource = message(command, true));
            }
            else
            {
                json = withoutSource != null ? withoutSource : (withoutSource = message(command, false));
            }
            if (!session.reply(json) && !session.isClosed())
            {
                // A client too far behind would miss a change for good: drop it, it reconnects to a fresh snapshot.
                session.closeWith(ClientSession.CLOSE_POLICY_VIOLATION, "too slow: fell behind the command feed",
                    CloseReason.SLOW);
            }
        }
    }

    private static String message(final CommandRecord command, final boolean withSource)
    {
        final ObjectNode message = CommandJson.JSON.createObjectNode();
        message.put("type", "command");
        message.set("command", CommandJson.toJson(command, withSource));
        return message.toString();
    }

    int sessionCount()
    {
        return sessions.size();
    }

    public void close()
    {
        if (listener != null)
        {
            try
            {
                ledger.map().removeEntryListener(listener);
            }
            catch (final RuntimeException ignored)
            {
                // The grid connection is closing too.
            }
        }
        sessions.clear();
    }
}
