package io.odyssey.gateway.control;

import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.odyssey.codecs.CommandState;
import io.odyssey.grid.ledger.CommandParametersJson;
import io.odyssey.grid.ledger.CommandRecord;

import java.io.IOException;
import java.time.Instant;

/** The command object of the contract (docs/api/commands.md), from a ledger record. Cold path: Jackson tree. */
public final class CommandJson
{
    /**
     * Reads every API body ({@link Requests#parse}) and writes every answer. A field named twice in a body is refused:
     * Jackson kept the last value ({@code {"droneId":1,...,"droneId":2}} ordered drone 2), where a proxy's rule, a
     * log or a reviewer may read the first.
     */
    public static final ObjectMapper JSON = JsonMapper.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .build();

    private CommandJson()
    {
    }

    /**
     * Whether this caller sees where a command was issued from ({@code issuedFrom}, the issuer's network address):
     * operators and admins do (the audit is theirs), viewers (a wall display, anyone anonymous) do not.
     */
    public static boolean showsSource(final Principal principal)
    {
        return principal != null && principal.role().allows(Role.OPERATOR);
    }

    /** @param withSource whether to include {@code issuedFrom} (see {@link #showsSource}). */
    public static ObjectNode toJson(final CommandRecord command, final boolean withSource)
    {
        final ObjectNode node = JSON.createObjectNode();
        node.put("id", Long.toString(command.id()));
        node.put("droneId", command.droneId());
        node.put("type", command.type() == null ? null : command.type().wireName());
        node.set("params", CommandParametersJson.toJson(command.parameters()));
        node.put("state", command.state().wireName());
        node.put("reason", command.reason());
        node.put("progress", Math.round(command.progress() * 10) / 10.0);
        if (command.waypointIndex() >= 0)
        {
            node.put("waypointIndex", command.waypointIndex());
        }
        node.put("idempotencyKey", command.idempotencyKey());
        node.put("issuedBy", command.issuedBy());
        if (withSource)
        {
            node.put("issuedFrom", command.issuedFrom());
        }
        node.put("issuedAt", time(command.issuedAtNanos()));
        node.put("expiresAt", time(command.expiresAtNanos()));
        node.put("node", command.node());
        node.put("attempts", command.attempts());
        final ArrayNode transitions = node.putArray("transitions");
        for (int i = 0; i < command.transitionCount(); i++)
        {
            final ObjectNode transition = transitions.addObject();
            transition.put("state", command.transitionStates()[i].wireName());
            transition.put("at", time(command.transitionAtNanos()[i]));
            transition.put("atNs", Long.toString(command.transitionAtNanos()[i]));
            transition.put("reason", command.transitionReasons()[i]);
        }
        final long answered = Math.max(command.firstAt(CommandState.ACCEPTED), command.firstAt(CommandState.REJECTED));
        putMs(node, "ackMs", answered, command.issuedAtNanos());
        putMs(node, "effectMs", command.firstAt(CommandState.COMPLETED), command.issuedAtNanos());
        return node;
    }

    private static void putMs(final ObjectNode node, final String field, final long atNanos, final long fromNanos)
    {
        if (atNanos == 0)
        {
            node.putNull(field);
        }
        else
        {
            node.put(field, Math.round((atNanos - fromNanos) / 1e5) / 10.0);
        }
    }

    static String time(final long epochNanos)
    {
        return Instant.ofEpochSecond(0, epochNanos).toString();
    }
}
