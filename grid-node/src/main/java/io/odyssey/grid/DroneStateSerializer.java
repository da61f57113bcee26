package io.odyssey.grid;

import com.hazelcast.nio.serialization.compact.CompactReader;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.nio.serialization.compact.CompactWriter;
import io.odyssey.codecs.TelemetryFrameReader;

/**
 * Explicit Compact serializer for {@link DroneState}: no reflection, and the field names are the contract that
 * predicates ({@code latitude BETWEEN ...}) and SQL rely on. Add fields only; never rename.
 */
public final class DroneStateSerializer implements CompactSerializer<DroneState>
{
    public static final String TYPE_NAME = "odyssey.DroneState";

    /**
     * @throws com.hazelcast.nio.serialization.HazelcastSerializationException for a state no ingest node writes:
     *         {@link UnreadableRecordException} for a value outside what ingest accepts from a drone
     *         ({@link TelemetryFrameReader}), Hazelcast's own for a missing field. The grid's members read every write
     *         ({@link KeepNewestStateInterceptor}), so such a state is refused there; readers skip what a member of
     *         another version let in ({@link UnreadableRecords}).
     */
    public DroneState read(final CompactReader in)
    {
        final long droneId = in.readInt64("droneId");
        final double latitude = in.readFloat64("latitude");
        final double longitude = in.readFloat64("longitude");
        final float altitude = in.readFloat32("altitude");
        final float heading = in.readFloat32("heading");
        final float groundSpeed = in.readFloat32("groundSpeed");
        final float battery = in.readFloat32("battery");
        final String implausible = implausible(droneId, latitude, longitude, altitude, heading, groundSpeed, battery);
        if (implausible != null)
        {
            throw new UnreadableRecordException(TYPE_NAME, implausible);
        }
        return new DroneState(
            droneId,
            in.readInt64("sequence"),
            in.readInt64("sentAtNanos"),
            in.readInt64("ingestNanos"),
            in.readInt64("gridNanos"),
            latitude,
            longitude,
            altitude,
            heading,
            groundSpeed,
            in.readFloat32("climbRate"),
            battery,
            in.readString("status"),
            in.readInt32("flags"),
            in.readString("ingestNode"));
    }

    /**
     * Why a state with these values is one no ingest node writes, or null when it is plausible: the check every reader of
     * a stored or sent state applies ({@link FleetChangeBatch} too).
     */
    static String implausible(final long droneId, final double latitude, final double longitude, final float altitude,
        final float heading, final float groundSpeed, final float battery)
    {
        // Negated ranges, so that NaN (which fails every comparison) is refused too. Drone 0 is let through: ingest never
        // writes it, but tools and tests use it as a placeholder, and it harms no reader.
        if (!(droneId >= 0 && droneId <= TelemetryFrameReader.MAX_DRONE_ID) ||
            !(latitude >= -90.0 && latitude <= 90.0) || !(longitude >= -180.0 && longitude <= 180.0) ||
            !(altitude >= TelemetryFrameReader.MIN_ALTITUDE_M && altitude <= TelemetryFrameReader.MAX_ALTITUDE_M) ||
            !(heading >= 0f && heading < 360f) ||
            !(groundSpeed >= 0f && groundSpeed <= TelemetryFrameReader.MAX_SPEED_MPS) ||
            !(battery >= 0f && battery <= 100f))
        {
            return "drone " + droneId + " has a value no drone sends";
        }
        return null;
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
