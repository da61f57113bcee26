package io.odyssey.simulator;

import io.odyssey.codecs.sbe.CommandEncoder;
import io.odyssey.codecs.sbe.CommandType;
import io.odyssey.codecs.sbe.MessageHeaderEncoder;
import org.agrona.concurrent.UnsafeBuffer;

/** Encodes Command frames the way the ground does, into one reusable buffer; each method returns the frame length. */
final class CommandFrames
{
    /** Sent-at stamp of every frame: the drone does not use it. */
    static final long SENT_AT_NANOS = 1_764_000_000_000_000_000L;

    final UnsafeBuffer buffer = new UnsafeBuffer(new byte[8192]);
    /** Written into every frame: the expiry (0 = none) and whether the ground only asks for the answer again. */
    long expiresAtNanos;
    short repeatAnswerOnly;
    /** Signs every frame encoded from now on, as the ground does; null = unsigned (tests of the frame checks). */
    io.odyssey.codecs.sign.FrameSigner signer;
    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final CommandEncoder command = new CommandEncoder();

    /** One waypoint: latitude, longitude, altitude (NaN = keep), speed (NaN = default), hold seconds. */
    static double[] waypoint(final double lat, final double lon, final double alt, final double speed, final double hold)
    {
        return new double[]{lat, lon, alt, speed, hold};
    }

    int takeoff(final long droneId, final long commandId, final float altitude)
    {
        return encode(droneId, commandId, CommandType.TAKEOFF, Double.NaN, Double.NaN, altitude, Float.NaN, 0);
    }

    int goTo(final long droneId, final long commandId, final double lat, final double lon, final float alt, final float speed)
    {
        return encode(droneId, commandId, CommandType.GOTO, lat, lon, alt, speed, 0);
    }

    int setSpeed(final long droneId, final long commandId, final float speed)
    {
        return encode(droneId, commandId, CommandType.SET_SPEED, Double.NaN, Double.NaN, Float.NaN, speed, 0);
    }

    int cancel(final long droneId, final long commandId, final long targetCommandId)
    {
        return encode(droneId, commandId, CommandType.CANCEL, Double.NaN, Double.NaN, Float.NaN, Float.NaN,
            targetCommandId);
    }

    /** HOLD, RESUME, RETURN_HOME, LAND or STOP: no parameters. */
    int plain(final long droneId, final long commandId, final CommandType type)
    {
        return encode(droneId, commandId, type, Double.NaN, Double.NaN, Float.NaN, Float.NaN, 0);
    }

    int mission(final long droneId, final long commandId, final double[]... waypoints)
    {
        final CommandEncoder.WaypointsEncoder group = body(droneId, commandId, CommandType.MISSION, Double.NaN,
            Double.NaN, Float.NaN, Float.NaN, 0).waypointsCount(waypoints.length);
        for (final double[] waypoint : waypoints)
        {
            group.next().latitude(waypoint[0]).longitude(waypoint[1]).altitude((float)waypoint[2])
                .speed((float)waypoint[3]).holdSeconds((float)waypoint[4]);
        }
        return sign(MessageHeaderEncoder.ENCODED_LENGTH + command.encodedLength());
    }

    /** Signs (again: a new timestamp) the frame of {@code length} in {@link #buffer} when there is a signer. */
    int sign(final int length)
    {
        if (signer != null && !signer.sign(buffer, 0, length))
        {
            throw new IllegalStateException("no key for the drone of this frame");
        }
        return length;
    }

    int encode(
        final long droneId, final long commandId, final CommandType type, final double lat, final double lon,
        final float alt, final float speed, final long targetCommandId)
    {
        body(droneId, commandId, type, lat, lon, alt, speed, targetCommandId).waypointsCount(0);
        return sign(MessageHeaderEncoder.ENCODED_LENGTH + command.encodedLength());
    }

    private CommandEncoder body(
        final long droneId, final long commandId, final CommandType type, final double lat, final double lon,
        final float alt, final float speed, final long targetCommandId)
    {
        return command.wrapAndApplyHeader(buffer, 0, header)
            .droneId(droneId)
            .commandId(commandId)
            .sentAtNanos(SENT_AT_NANOS)
            .commandType(type)
            .latitude(lat)
            .longitude(lon)
            .altitude(alt)
            .speed(speed)
            .targetCommandId(targetCommandId)
            .expiresAtNanos(expiresAtNanos)
            .repeatAnswerOnly(repeatAnswerOnly);
    }
}
