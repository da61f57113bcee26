package io.odyssey.gateway;

import io.odyssey.runtime.Json;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ingest node names a binary drone record refers to by index ({@code docs/api/websocket.md}, the {@code nodes}
 * message). One table for the whole gateway, append-only, so a record's bytes are the same for every connection and
 * an index never changes meaning; each binary session is sent the table whenever it grew since it was last told.
 * <p>
 * Bounded: node names come from the grid, which anyone on its network can write (docs/architecture.md), so at most
 * {@link #MAX_NODES} names of at most {@link #MAX_NAME_LENGTH} characters get an index; any other is sent as "none"
 * ({@code 0xFFFF}) and counted. Used by the fan-out thread only.
 */
final class NodeTable
{
    static final int MAX_NODES = 1_024;
    static final int MAX_NAME_LENGTH = 128;

    private final Map<String, Integer> indexes = new HashMap<>();
    private final List<String> names = new ArrayList<>();
    private final Runnable refused;
    private String message = "{\"type\":\"nodes\",\"nodes\":[]}";

    /** @param refused called for each name that could not be given an index. */
    NodeTable(final Runnable refused)
    {
        this.refused = refused;
    }

    /** @return the name's index, or {@link DroneBinary#NONE_U16} for none (or a name the table cannot take). */
    int indexOf(final String name)
    {
        if (name == null || name.isEmpty())
        {
            return DroneBinary.NONE_U16;
        }
        final Integer index = indexes.get(name);
        if (index != null)
        {
            return index;
        }
        if (names.size() >= MAX_NODES || name.length() > MAX_NAME_LENGTH)
        {
            refused.run();
            return DroneBinary.NONE_U16;
        }
        final int added = names.size();
        names.add(name);
        indexes.put(name, added);
        final StringBuilder json = new StringBuilder("{\"type\":\"nodes\",\"nodes\":[");
        for (int i = 0; i < names.size(); i++)
        {
            json.append(i == 0 ? "\"" : ",\"").append(Json.escape(names.get(i))).append('"');
        }
        message = json.append("]}").toString();
        return added;
    }

    int size()
    {
        return names.size();
    }

    /** The {@code nodes} message with the whole table. */
    String message()
    {
        return message;
    }
}
