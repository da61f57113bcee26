package io.odyssey.grid.ledger;

import com.hazelcast.nio.serialization.FieldKind;
import com.hazelcast.nio.serialization.compact.CompactReader;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.nio.serialization.compact.CompactWriter;

/**
 * Explicit Compact serializer for {@link CommandRecord}: add fields only; never rename. {@code active} is written
 * redundantly (it follows from the state) so the relays' "everything not final" query is a plain indexed field match;
 * {@code unjournaled} likewise, for the "final but not journaled yet" one.
 */
public final class CommandRecordSerializer implements CompactSerializer<CommandRecord>
{
    public static final String TYPE_NAME = "odyssey.CommandRecord";

    public CommandRecord read(final CompactReader in)
    {
        final String[] names = in.readArrayOfString("transitionStates");
        final CommandState[] states = new CommandState[names.length];
        for (int i = 0; i < names.length; i++)
        {
            states[i] = CommandState.valueOf(names[i]);
        }
        return new CommandRecord(
            in.readInt64("id"),
            in.readInt64("droneId"),
            in.readString("type"),
            in.readString("paramsJson"),
            CommandState.valueOf(in.readString("state")),
            in.readString("reason"),
            in.readFloat32("progress"),
            in.readInt32("waypointIndex"),
            in.readString("idempotencyKey"),
            in.readString("issuedBy"),
            in.readString("issuedFrom"),
            in.readInt64("issuedAtNanos"),
            in.readInt64("expiresAtNanos"),
            in.readString("node"),
            in.readInt32("attempts"),
            in.readInt64("lastSentNanos"),
            in.readFloat64("targetLatitude"),
            in.readFloat64("targetLongitude"),
            in.readFloat32("targetAltitude"),
            in.readInt64("doneAtNanos"),
            states,
            in.readArrayOfInt64("transitionAtNanos"),
            in.readArrayOfString("transitionReasons"),
            in.readInt32("journaled"),
            // Records written before commands were authorised have no such field: they are unauthorised.
            in.getFieldKind("authorisation") == FieldKind.STRING ? in.readString("authorisation") : null);
    }

    public void write(final CompactWriter out, final CommandRecord command)
    {
        final String[] names = new String[command.transitionStates().length];
        for (int i = 0; i < names.length; i++)
        {
            names[i] = command.transitionStates()[i].name();
        }
        out.writeInt64("id", command.id());
        out.writeInt64("droneId", command.droneId());
        out.writeString("type", command.type());
        out.writeString("paramsJson", command.paramsJson());
        out.writeString("state", command.state().name());
        out.writeBoolean("active", command.active());
        out.writeString("reason", command.reason());
        out.writeFloat32("progress", command.progress());
        out.writeInt32("waypointIndex", command.waypointIndex());
        out.writeString("idempotencyKey", command.idempotencyKey());
        out.writeString("issuedBy", command.issuedBy());
        out.writeString("issuedFrom", command.issuedFrom());
        out.writeInt64("issuedAtNanos", command.issuedAtNanos());
        out.writeInt64("expiresAtNanos", command.expiresAtNanos());
        out.writeString("node", command.node());
        out.writeInt32("attempts", command.attempts());
        out.writeInt64("lastSentNanos", command.lastSentNanos());
        out.writeFloat64("targetLatitude", command.targetLatitude());
        out.writeFloat64("targetLongitude", command.targetLongitude());
        out.writeFloat32("targetAltitude", command.targetAltitude());
        out.writeInt64("doneAtNanos", command.doneAtNanos());
        out.writeArrayOfString("transitionStates", names);
        out.writeArrayOfInt64("transitionAtNanos", command.transitionAtNanos());
        out.writeArrayOfString("transitionReasons", command.transitionReasons());
        out.writeInt32("journaled", command.journaled());
        out.writeString("authorisation", command.authorisation());
        out.writeBoolean("unjournaled", command.journaled() < command.transitionCount());
    }

    public String getTypeName()
    {
        return TYPE_NAME;
    }

    public Class<CommandRecord> getCompactClass()
    {
        return CommandRecord.class;
    }
}
