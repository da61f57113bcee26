package io.odyssey.grid;

import com.hazelcast.nio.serialization.compact.CompactReader;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.nio.serialization.compact.CompactWriter;

/**
 * Explicit Compact serializer for {@link DroneState}: no reflection, and the field names are the contract that
 * predicates ({@code latitude BETWEEN ...}) and SQL rely on. Add fields only; never rename.
 */
public final class DroneStateSerializer implements CompactSerializer<DroneState>
{
    public static final String TYPE_NAME = "odyssey.DroneState";

    public DroneState read(final CompactReader in)
    {
        return new DroneState(
            in.readInt64("droneId"),
            in.readInt64("sequence"),
            in.readInt64("sentAtNanos"),
            in.readInt64("ingestNanos"),
            in.readInt64("gridNanos"),
            in.readFloat64("latitude"),
            in.readFloat64("longitude"),
            in.readFloat32("altitude"),
            in.readFloat32("heading"),
            in.readFloat32("groundSpeed"),
            in.readFloat32("climbRate"),
            in.readFloat32("battery"),
            in.readString("status"),
            in.readInt32("flags"),
            in.readString("ingestNode"));
    }

    public void write(final CompactWriter out, final DroneState state)
    {
        out.writeInt64("droneId", state.droneId());
        out.writeInt64("sequence", state.sequence());
        out.writeInt64("sentAtNanos", state.sentAtNanos());
        out.writeInt64("ingestNanos", state.ingestNanos());
        out.writeInt64("gridNanos", state.gridNanos());
        out.writeFloat64("latitude", state.latitude());
        out.writeFloat64("longitude", state.longitude());
        out.writeFloat32("altitude", state.altitude());
        out.writeFloat32("heading", state.heading());
        out.writeFloat32("groundSpeed", state.groundSpeed());
        out.writeFloat32("climbRate", state.climbRate());
        out.writeFloat32("battery", state.battery());
        out.writeString("status", state.status());
        out.writeInt32("flags", state.flags());
        out.writeString("ingestNode", state.ingestNode());
    }

    public String getTypeName()
    {
        return TYPE_NAME;
    }

    public Class<DroneState> getCompactClass()
    {
        return DroneState.class;
    }
}
