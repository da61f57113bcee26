package io.odyssey.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Instant;

/** Canned answers shaped as docs/api/commands.md and websocket.md describe them. */
final class Contract
{
    static final String ISSUED_AT = "2026-12-01T10:00:00.000Z";
    /** 2026-12-01T10:00:00Z in epoch nanoseconds. */
    static final long SENT_AT_NS = Instant.parse("2026-12-01T10:00:00Z").getEpochSecond() * 1_000_000_000L;

    private Contract()
    {
    }

    /**
     * A Command that went through {@code states} in order, one every 100 ms from {@link #ISSUED_AT}; the last is its
     * state, and {@code reason} (may be null) the reason of that last state.
     */
    static ObjectNode command(final String id, final long droneId, final String type, final String reason,
        final String... states)
    {
        final ObjectNode command = FakeGateway.JSON.createObjectNode();
        command.put("id", id).put("droneId", droneId).put("type", type);
        command.putObject("params");
        final String state = states[states.length - 1];
        command.put("state", state);
        command.put("reason", reason);
        command.put("progress", "completed".equals(state) ? 100.0 : 0.0);
        command.put("idempotencyKey", (String)null);
        command.put("issuedBy", "ops").put("issuedFrom", "127.0.0.1").put("issuedAt", ISSUED_AT);
        command.put("expiresAt", "2026-12-01T10:05:00.000Z").put("node", "ingest-1").put("attempts", 1);
        final ArrayNode transitions = command.putArray("transitions");
        for (int i = 0; i < states.length; i++)
        {
            transitions.addObject().put("state", states[i])
                .put("at", Instant.parse(ISSUED_AT).plusMillis(100L * i).toString())
                .put("reason", i == states.length - 1 ? reason : null).put("progress", 0);
        }
        command.putNull("ackMs");
        command.putNull("effectMs");
        return command;
    }

    static ObjectNode drone(final long id, final String status, final double lat, final double lon)
    {
        final ObjectNode drone = FakeGateway.JSON.createObjectNode();
        drone.put("id", id).put("seq", 41).put("sentAtNs", String.valueOf(SENT_AT_NS))
            .put("ingestNs", String.valueOf(SENT_AT_NS + 1_000_000)).put("gridNs", String.valueOf(SENT_AT_NS + 2_000_000))
            .put("gatewayNs", String.valueOf(SENT_AT_NS + 3_000_000)).put("lat", lat).put("lon", lon).put("alt", 60.0)
            .put("hdg", 90.0).put("spd", 8.25).put("climb", 0.0).put("bat", 87.5).put("status", status).put("flags", 9)
            .put("node", "ingest-1");
        return drone;
    }

    static String commandMessage(final ObjectNode command)
    {
        final ObjectNode message = FakeGateway.JSON.createObjectNode().put("type", "command");
        message.set("command", command);
        return message.toString();
    }
}
