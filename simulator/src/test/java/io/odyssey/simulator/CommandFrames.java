package io.odyssey.simulator;

import io.odyssey.codecs.CommandFrameWriter;
import io.odyssey.codecs.CommandLimits;
import io.odyssey.codecs.sbe.CommandEncoder;
import io.odyssey.codecs.sbe.CommandType;
import io.odyssey.codecs.sbe.MessageHeaderEncoder;
import io.odyssey.codecs.sign.FrameSigner;
import io.odyssey.codecs.sign.TestDroneKeys;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.file.Path;

/**
 * Encodes Command frames the way the ground does ({@link CommandFrameWriter}), into one reusable buffer; each method
 * returns the frame length. Frames no ground station writes (a type code nobody knows, more waypoints than the
 * contract allows) are forged field by field, for the drone's own checks.
 */
final class CommandFrames
{
    /** Sent-at stamp of every frame: the drone does not use it. */
    static final long SENT_AT_NANOS = 1_764_000_000_000_000_000L;
    /** Keys of drones 1..1,000: every fleet the unit tests fly, and some drones none of them flies. */
    static final Path KEYS = TestDroneKeys.file(1, 1_000);
    /** The link the ground signs commands on here (any of 0..255). */
    static final int GROUND_LINK = 3;

    final UnsafeBuffer buffer = new UnsafeBuffer(new byte[8192]);
    /** Written into every frame: the expiry (0 = none) and whether the ground only asks for the answer again. */
    long expiresAtNanos;
    short repeatAnswerOnly;
    /** Signs every frame encoded from now on, as the ground does; null = unsigned (tests of the frame checks). */
    FrameSigner signer;
    private final CommandFrameWriter writer = new CommandFrameWriter();
    private final MessageHeaderEncoder forgedHeader = new MessageHeaderEncoder();
    private final CommandEncoder forged = new CommandEncoder();

    /**
     * Frames signed as the ground signs them, with {@link #KEYS} on {@code clock}: the clock the drone's intake checks
     * freshness with ({@link #intake}), so that the test's time, not the machine's, decides.
     */
    static CommandFrames signed(final EpochNanoClock clock)
    {
        final CommandFrames frames = new CommandFrames();
        frames.signer = TestDroneKeys.signer(KEYS, GROUND_LINK, clock);
        return frames;
    }

    /**
     * The drones' intake as the simulator wires it: it verifies with {@link #KEYS} and decides freshness and expiry by
     * {@code wallClock}.
     */
    static CommandIntake intake(
        final DroneFleet fleet, final NanoClock nanoClock, final EpochNanoClock wallClock, final SimulatorMetrics metrics)
    {
        return new CommandIntake(fleet, TestDroneKeys.verifier(KEYS, wallClock), nanoClock, wallClock, metrics);
    }

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
        if (waypoints.length > CommandLimits.MAX_WAYPOINTS)
        {
            final CommandEncoder.WaypointsEncoder group = forge(droneId, commandId, CommandType.MISSION, Double.NaN,
                Double.NaN, Float.NaN, Float.NaN, 0).waypointsCount(waypoints.length);
            for (final double[] waypoint : waypoints)
            {
                group.next().latitude(waypoint[0]).longitude(waypoint[1]).altitude((float)waypoint[2])
                    .speed((float)waypoint[3]).holdSeconds((float)waypoint[4]);
            }
            return sign(MessageHeaderEncoder.ENCODED_LENGTH + forged.encodedLength());
        }
        writer.begin(buffer, 0, droneId, commandId, SENT_AT_NANOS, io.odyssey.codecs.CommandType.MISSION, Double.NaN,
            Double.NaN, Double.NaN, Double.NaN, 0L, expiresAtNanos, repeatAnswerOnly != 0, waypoints.length);
        for (final double[] waypoint : waypoints)
        {
            writer.waypoint(waypoint[0], waypoint[1], waypoint[2], waypoint[3], waypoint[4]);
        }
        return sign(writer.length());
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
        final long droneId, final long commandId, final CommandType code, final double lat, final double lon,
        final float alt, final float speed, final long targetCommandId)
    {
        final io.odyssey.codecs.CommandType type = io.odyssey.codecs.CommandType.fromCode(code.value());
        if (type == null)
        {
            forge(droneId, commandId, code, lat, lon, alt, speed, targetCommandId).waypointsCount(0);
            return sign(MessageHeaderEncoder.ENCODED_LENGTH + forged.encodedLength());
        }
        return sign(writer.begin(buffer, 0, droneId, commandId, SENT_AT_NANOS, type, lat, lon, alt, speed,
            targetCommandId, expiresAtNanos, repeatAnswerOnly != 0, 0).length());
    }

    private CommandEncoder forge(
        final long droneId, final long commandId, final CommandType type, final double lat, final double lon,
        final float alt, final float speed, final long targetCommandId)
    {
        return forged.wrapAndApplyHeader(buffer, 0, forgedHeader)
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
