package io.odyssey.codecs;

import io.odyssey.codecs.sbe.CommandEncoder;
import io.odyssey.codecs.sbe.GroupSizeEncodingEncoder;
import io.odyssey.codecs.sbe.MessageHeaderEncoder;
import org.agrona.MutableDirectBuffer;

import java.util.List;

/**
 * Encodes command frames (ground to drone) from a {@link CommandType} and its {@link CommandParameters}: the sender
 * side of {@link CommandFrameReader}. A reusable flyweight (one per thread); allocation-free. The frame goes out
 * unsigned: the caller signs it with the drone's link key, which only the relaying node holds.
 */
public final class CommandFrameWriter
{
    /** The longest command frame: a mission with {@link CommandLimits#MAX_WAYPOINTS} waypoints. */
    public static final int MAX_FRAME_LENGTH = MessageHeaderEncoder.ENCODED_LENGTH + CommandEncoder.BLOCK_LENGTH +
        GroupSizeEncodingEncoder.ENCODED_LENGTH +
        CommandLimits.MAX_WAYPOINTS * CommandEncoder.WaypointsEncoder.sbeBlockLength();

    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final CommandEncoder encoder = new CommandEncoder();

    private CommandEncoder.WaypointsEncoder waypoints;

    /**
     * @param targetCommandId  CANCEL: the id the drone knows the cancelled command by (its own number for a command it
     *                         started itself); ignored for other types.
     * @param expiresAtNanos   epoch ns after which the drone must refuse to start it; 0 = never.
     * @param repeatAnswerOnly the ground lost the drone's answer and asks for it again (the drone must not start it).
     * @return the encoded length.
     * @throws IllegalArgumentException for a mission longer than {@link CommandLimits#MAX_WAYPOINTS} (no drone takes
     *                                  it).
     */
    public int command(
        final MutableDirectBuffer buffer, final int offset, final long droneId, final long commandId,
        final long sentAtNanos, final CommandType type, final CommandParameters parameters, final long targetCommandId,
        final long expiresAtNanos, final boolean repeatAnswerOnly)
    {
        final List<Waypoint> path = parameters.waypoints();
        begin(buffer, offset, droneId, commandId, sentAtNanos, type, parameters.latitude(), parameters.longitude(),
            parameters.altitude(), parameters.speed(), targetCommandId, expiresAtNanos, repeatAnswerOnly, path.size());
        for (int i = 0; i < path.size(); i++)
        {
            final Waypoint waypoint = path.get(i);
            waypoint(waypoint.latitude(), waypoint.longitude(), waypoint.altitude(), waypoint.speed(),
                waypoint.holdSeconds());
        }
        return length();
    }

    /**
     * The same frame field by field, for a sender that keeps no {@link CommandParameters} (a drone-side tool, a test
     * sending thousands of orders without allocating): then {@code waypointCount} calls of {@link #waypoint}, then
     * {@link #length}.
     */
    public CommandFrameWriter begin(
        final MutableDirectBuffer buffer, final int offset, final long droneId, final long commandId,
        final long sentAtNanos, final CommandType type, final double latitude, final double longitude,
        final double altitude, final double speed, final long targetCommandId, final long expiresAtNanos,
        final boolean repeatAnswerOnly, final int waypointCount)
    {
        if (waypointCount > CommandLimits.MAX_WAYPOINTS)
        {
            throw new IllegalArgumentException("a mission has at most " + CommandLimits.MAX_WAYPOINTS +
                " waypoints, not " + waypointCount);
        }
        encoder.wrapAndApplyHeader(buffer, offset, header)
            .droneId(droneId)
            .commandId(commandId)
            .sentAtNanos(sentAtNanos)
            .commandType(type.sbe())
            .latitude(latitude)
            .longitude(longitude)
            .altitude((float)altitude)
            .speed((float)speed)
            .targetCommandId(type == CommandType.CANCEL ? targetCommandId : 0L)
            .expiresAtNanos(expiresAtNanos)
            .repeatAnswerOnly((short)(repeatAnswerOnly ? 1 : 0));
        waypoints = encoder.waypointsCount(waypointCount);
        return this;
    }

    /** The next waypoint of the frame {@link #begin} opened; a NaN hold is written as 0 (no hover). */
    public CommandFrameWriter waypoint(
        final double latitude, final double longitude, final double altitude, final double speed,
        final double holdSeconds)
    {
        waypoints.next()
            .latitude(latitude)
            .longitude(longitude)
            .altitude((float)altitude)
            .speed((float)speed)
            .holdSeconds(Double.isNaN(holdSeconds) ? 0f : (float)holdSeconds);
        return this;
    }

    /** The length of the frame {@link #begin} opened, once its waypoints are written. */
    public int length()
    {
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }
}
