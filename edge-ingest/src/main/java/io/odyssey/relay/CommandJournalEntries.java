package io.odyssey.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.odyssey.grid.ledger.CommandParametersJson;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.journal.CommandJournal;

/**
 * A ledger record's transitions as command-journal entries ({@link CommandJournal}: one JSON object per transition,
 * with the command it belongs to). Here rather than in the journal so that the journal's readers do not carry the
 * grid and its client.
 */
public final class CommandJournalEntries
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private CommandJournalEntries()
    {
    }

    /** Appends transitions {@code from .. transitionCount - 1} of {@code command}. */
    public static void append(final CommandJournal journal, final CommandRecord command, final int from, final String nodeId)
    {
        for (int seq = from; seq < command.transitionCount(); seq++)
        {
            journal.append(toJson(command, seq, nodeId));
        }
    }

    static String toJson(final CommandRecord command, final int seq, final String nodeId)
    {
        final ObjectNode node = JSON.createObjectNode();
        node.put("commandId", Long.toString(command.id()));
        node.put("seq", seq);
        node.put("droneId", command.droneId());
        node.put("type", command.type() == null ? null : command.type().wireName());
        node.put("params", CommandParametersJson.text(command.parameters()));
        node.put("state", command.transitionStates()[seq].wireName());
        node.put("atNs", Long.toString(command.transitionAtNanos()[seq]));
        node.put("reason", command.transitionReasons()[seq]);
        node.put("issuedBy", command.issuedBy());
        node.put("issuedFrom", command.issuedFrom());
        node.put("issuedAtNs", Long.toString(command.issuedAtNanos()));
        node.put("expiresAtNs", Long.toString(command.expiresAtNanos()));
        node.put("idempotencyKey", command.idempotencyKey());
        node.put("node", nodeId);
        return node.toString();
    }
}
