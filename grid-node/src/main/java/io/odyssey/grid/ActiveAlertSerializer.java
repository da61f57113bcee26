package io.odyssey.grid;

import com.hazelcast.nio.serialization.compact.CompactReader;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.nio.serialization.compact.CompactWriter;

/** Explicit Compact serializer for {@link ActiveAlert}: add fields only; never rename. */
public final class ActiveAlertSerializer implements CompactSerializer<ActiveAlert>
{
    public static final String TYPE_NAME = "odyssey.ActiveAlert";

    public ActiveAlert read(final CompactReader in)
    {
        return new ActiveAlert(
            in.readString("type"),
            in.readInt64("droneId"),
            in.readInt64("otherDroneId"),
            in.readInt64("raisedAtNanos"),
            in.readInt64("journalIndex"),
            in.readFloat64("value"),
            in.readString("ingestNode"));
    }

    public void write(final CompactWriter out, final ActiveAlert alert)
    {
        out.writeString("type", alert.type());
        out.writeInt64("droneId", alert.droneId());
        out.writeInt64("otherDroneId", alert.otherDroneId());
        out.writeInt64("raisedAtNanos", alert.raisedAtNanos());
        out.writeInt64("journalIndex", alert.journalIndex());
        out.writeFloat64("value", alert.value());
        out.writeString("ingestNode", alert.ingestNode());
    }

    public String getTypeName()
    {
        return TYPE_NAME;
    }

    public Class<ActiveAlert> getCompactClass()
    {
        return ActiveAlert.class;
    }
}
