package io.odyssey.grid.ledger;

import com.hazelcast.nio.serialization.FieldKind;
import com.hazelcast.nio.serialization.compact.CompactReader;
import com.hazelcast.nio.serialization.compact.CompactSerializer;
import com.hazelcast.nio.serialization.compact.CompactWriter;
import io.odyssey.codecs.CommandLimits;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.Waypoint;
import io.odyssey.codecs.sbe.CommandReason;
import io.odyssey.grid.UnreadableRecordException;

import java.util.ArrayList;
import java.util.List;

/**
 * Explicit Compact serializer for {@link CommandRecord}: add fields only; never rename. {@code active} is written
 * redundantly (it follows from the state) so the relays' "everything not final" query is a plain indexed field match;
 * {@code unjournaled} likewise, for the "final but not journaled yet" one.
 * <p>
 * The parameters are typed fields ({@code param*}, the waypoints as parallel arrays {@code waypoint*}). Records of the
 * previous version kept them as the request's JSON text ({@code paramsJson}): those are read from that text, once per
 * read, so a ledger that still holds them stays readable after an upgrade (docs/operations.md, "Upgrading").
 */
public final class CommandRecordSerializer implements CompactSerializer<CommandRecord>
{
    public static final String TYPE_NAME = "odyssey.CommandRecord";

    /**
     * @throws com.hazelcast.nio.serialization.HazelcastSerializationException for a record this version cannot read:
     *         {@link UnreadableRecordException} for content out of its range, Hazelcast's own for a missing field.
     */
    public CommandRecord read(final CompactReader in)
    {
        final String[] names = in.readArrayOfString("transitionStates");
        final long[] times = in.readArrayOfInt64("transitionAtNanos");
        final String[] reasons = in.readArrayOfString("transitionReasons");
        if (names == null || names.length == 0 || times == null || reasons == null ||
            times.length != names.length || reasons.length != names.length)
        {
            throw unreadable("its transitions are missing or their arrays disagree in length");
        }
        final CommandState[] states = new CommandState[names.length];
        for (int i = 0; i < names.length; i++)
        {
            states[i] = state(names[i]);
        }
        final CommandState state = state(in.readString("state"));
        final float progress = in.readFloat32("progress");
        final int waypointIndex = in.readInt32("waypointIndex");
        final int journaled = in.readInt32("journaled");
        if (!Float.isFinite(progress) || waypointIndex < -1 || journaled < 0 || journaled > names.length)
        {
            throw unreadable("progress " + progress + ", waypoint index " + waypointIndex + " or journaled " +
                journaled + " out of range");
        }
        return new CommandRecord(
            in.readInt64("id"),
            in.readInt64("droneId"),
            // A name this version does not know (written into the grid by something else): the relay refuses it.
            CommandType.fromWireName(in.readString("type")),
            parameters(in),
            state,
            in.readString("reason"),
            progress,
            waypointIndex,
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
            times,
            reasons,
            journaled,
            // Records written before commands were authorised have no such field: they are unauthorised.
            in.getFieldKind("authorisation") == FieldKind.STRING ? in.readString("authorisation") : null);
    }

    private static CommandState state(final String name)
    {
        for (final CommandState state : CommandState.values())
        {
            if (state.name().equals(name))
            {
                return state;
            }
        }
        throw unreadable("no command state is called " + LedgerText.field(name, LedgerText.MAX_NAME));
    }

    private static UnreadableRecordException unreadable(final String why)
    {
        return new UnreadableRecordException(TYPE_NAME, why);
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
        out.writeString("type", command.type() == null ? null : command.type().wireName());
        writeParameters(out, command.parameters());
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

    private static CommandParameters parameters(final CompactReader in)
    {
        if (in.getFieldKind("paramLatitude") != FieldKind.FLOAT64)
        {
            return in.getFieldKind("paramsJson") == FieldKind.STRING ?
                CommandParametersJson.parseLegacy(in.readString("paramsJson")) : CommandParameters.NONE;
        }
        final double[] latitudes = in.readArrayOfFloat64("waypointLatitudes");
        final double[] longitudes = in.readArrayOfFloat64("waypointLongitudes");
        final double[] altitudes = in.readArrayOfFloat64("waypointAltitudes");
        final double[] speeds = in.readArrayOfFloat64("waypointSpeeds");
        final double[] holds = in.readArrayOfFloat64("waypointHoldSeconds");
        if (latitudes == null || latitudes.length > CommandLimits.MAX_WAYPOINTS)
        {
            throw unreadable("its waypoints are missing or more than " + CommandLimits.MAX_WAYPOINTS);
        }
        final List<Waypoint> waypoints = new ArrayList<>(latitudes.length);
        for (int i = 0; i < latitudes.length; i++)
        {
            waypoints.add(new Waypoint(latitudes[i], at(longitudes, i), at(altitudes, i), at(speeds, i), at(holds, i)));
        }
        for (int i = 0; i < latitudes.length; i++)
        {
            if (!place(latitudes[i], at(longitudes, i)))
            {
                throw unreadable("waypoint " + i + " is not on Earth");
            }
        }
        final String because = in.readString("paramStartedBecause");
        final double latitude = in.readFloat64("paramLatitude");
        final double longitude = in.readFloat64("paramLongitude");
        if (!place(latitude, longitude))
        {
            throw unreadable("its position " + latitude + ", " + longitude + " is not on Earth");
        }
        return new CommandParameters(
            latitude,
            longitude,
            in.readFloat64("paramAltitude"),
            in.readFloat64("paramSpeed"),
            in.readInt64("paramTargetCommandId"),
            waypoints,
            in.readInt64("paramDroneCommandId"),
            because == null ? null : reason(because));
    }

    /** A position is not given (NaN: not every command has one) or on Earth. */
    private static boolean place(final double latitude, final double longitude)
    {
        return (Double.isNaN(latitude) || CommandLimits.isLatitude(latitude)) &&
            (Double.isNaN(longitude) || CommandLimits.isLongitude(longitude));
    }

    /** Arrays written by anything but this serializer may disagree in length: a missing value is NaN. */
    private static double at(final double[] values, final int index)
    {
        return values != null && index < values.length ? values[index] : Double.NaN;
    }

    private static CommandReason reason(final String name)
    {
        for (final CommandReason reason : CommandReason.values())
        {
            if (reason != CommandReason.NULL_VAL && reason.name().equals(name))
            {
                return reason;
            }
        }
        return CommandReason.NONE;
    }

    private static void writeParameters(final CompactWriter out, final CommandParameters parameters)
    {
        final List<Waypoint> waypoints = parameters.waypoints();
        final int n = waypoints.size();
        final double[] latitudes = new double[n];
        final double[] longitudes = new double[n];
        final double[] altitudes = new double[n];
        final double[] speeds = new double[n];
        final double[] holds = new double[n];
        for (int i = 0; i < n; i++)
        {
            final Waypoint waypoint = waypoints.get(i);
            latitudes[i] = waypoint.latitude();
            longitudes[i] = waypoint.longitude();
            altitudes[i] = waypoint.altitude();
            speeds[i] = waypoint.speed();
            holds[i] = waypoint.holdSeconds();
        }
        out.writeFloat64("paramLatitude", parameters.latitude());
        out.writeFloat64("paramLongitude", parameters.longitude());
        out.writeFloat64("paramAltitude", parameters.altitude());
        out.writeFloat64("paramSpeed", parameters.speed());
        out.writeInt64("paramTargetCommandId", parameters.targetCommandId());
        out.writeInt64("paramDroneCommandId", parameters.droneCommandId());
        out.writeString("paramStartedBecause", parameters.startedBecause() == null ? null :
            parameters.startedBecause().name());
        out.writeArrayOfFloat64("waypointLatitudes", latitudes);
        out.writeArrayOfFloat64("waypointLongitudes", longitudes);
        out.writeArrayOfFloat64("waypointAltitudes", altitudes);
        out.writeArrayOfFloat64("waypointSpeeds", speeds);
        out.writeArrayOfFloat64("waypointHoldSeconds", holds);
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
