package io.odyssey.codecs;

import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;
import io.odyssey.codecs.sbe.CommandStatusEncoder;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.codecs.sbe.HeartbeatEncoder;
import io.odyssey.codecs.sbe.MessageHeaderEncoder;
import io.odyssey.codecs.sbe.TelemetryEncoder;
import org.agrona.MutableDirectBuffer;

/**
 * Encodes telemetry and heartbeat frames (header + body) into a caller's buffer: the sender side of
 * {@link TelemetryFrameReader}. A reusable flyweight; allocation-free.
 */
public final class TelemetryFrameWriter
{
    public static final int TELEMETRY_FRAME_LENGTH = MessageHeaderEncoder.ENCODED_LENGTH + TelemetryEncoder.BLOCK_LENGTH;
    public static final int HEARTBEAT_FRAME_LENGTH = MessageHeaderEncoder.ENCODED_LENGTH + HeartbeatEncoder.BLOCK_LENGTH;

    private final MessageHeaderEncoder header = new MessageHeaderEncoder();
    private final TelemetryEncoder telemetry = new TelemetryEncoder();
    public static final int COMMAND_STATUS_FRAME_LENGTH =
        MessageHeaderEncoder.ENCODED_LENGTH + CommandStatusEncoder.BLOCK_LENGTH;

    private final HeartbeatEncoder heartbeat = new HeartbeatEncoder();
    private final CommandStatusEncoder commandStatus = new CommandStatusEncoder();
    private io.odyssey.codecs.sign.FrameSigner signer;

    /**
     * Every frame written from now on is signed by {@code signer} (what a drone sends); without one frames go out with
     * an empty signature, which receivers refuse (tests of exactly that).
     */
    public TelemetryFrameWriter signWith(final io.odyssey.codecs.sign.FrameSigner signer)
    {
        this.signer = signer;
        return this;
    }

    private int signed(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        if (signer != null && !signer.sign(buffer, offset, length))
        {
            throw new io.odyssey.codecs.sign.NoDroneKeyException(
                buffer.getLong(offset + MessageHeaderEncoder.ENCODED_LENGTH, java.nio.ByteOrder.LITTLE_ENDIAN));
        }
        return length;
    }

    /** @return the encoded length, {@link #TELEMETRY_FRAME_LENGTH}. */
    public int telemetry(
        final MutableDirectBuffer buffer,
        final int offset,
        final long droneId,
        final long sequence,
        final long sentAtNanos,
        final double latitude,
        final double longitude,
        final float altitude,
        final float heading,
        final float groundSpeed,
        final float battery,
        final DroneStatus status,
        final byte flags,
        final float climbRate)
    {
        telemetry.wrapAndApplyHeader(buffer, offset, header)
            .droneId(droneId)
            .sequence(sequence)
            .sentAtNanos(sentAtNanos)
            .latitude(latitude)
            .longitude(longitude)
            .altitude(altitude)
            .heading(heading)
            .groundSpeed(groundSpeed)
            .battery(battery)
            .status(status)
            .climbRate(climbRate);
        // The set is carried as its raw bits (see DroneFlag): one store instead of four choice setters.
        buffer.putByte(offset + MessageHeaderEncoder.ENCODED_LENGTH + TelemetryEncoder.flagsEncodingOffset(), flags);
        return signed(buffer, offset, TELEMETRY_FRAME_LENGTH);
    }

    /** @return the encoded length, {@link #HEARTBEAT_FRAME_LENGTH}. */
    public int heartbeat(
        final MutableDirectBuffer buffer, final int offset, final long droneId, final long sentAtNanos, final long lastSequence)
    {
        return heartbeat(buffer, offset, droneId, sentAtNanos, lastSequence, 0, 0);
    }

    /**
     * A heartbeat that also says where the drone listens for commands (0, 0 = nowhere).
     *
     * @param commandAddress IPv4 address as an int, {@code (a << 24) | (b << 16) | (c << 8) | d}.
     * @return the encoded length, {@link #HEARTBEAT_FRAME_LENGTH}.
     */
    public int heartbeat(
        final MutableDirectBuffer buffer, final int offset, final long droneId, final long sentAtNanos, final long lastSequence,
        final int commandAddress, final int commandPort)
    {
        heartbeat.wrapAndApplyHeader(buffer, offset, header)
            .droneId(droneId)
            .sentAtNanos(sentAtNanos)
            .lastSequence(lastSequence)
            .commandAddress(commandAddress & 0xFFFF_FFFFL)
            .commandPort(commandPort);
        return signed(buffer, offset, HEARTBEAT_FRAME_LENGTH);
    }

    /**
     * A drone's answer to a command (ack or progress).
     *
     * @param type the type of the command answered; null for none this version knows.
     * @return the encoded length, {@link #COMMAND_STATUS_FRAME_LENGTH}.
     */
    public int commandStatus(
        final MutableDirectBuffer buffer, final int offset, final long droneId, final long commandId, final long sentAtNanos,
        final CommandPhase phase, final CommandReason reason, final float progress, final int waypointIndex,
        final CommandType type, final double targetLatitude, final double targetLongitude, final float targetAltitude)
    {
        commandStatus.wrapAndApplyHeader(buffer, offset, header)
            .droneId(droneId)
            .commandId(commandId)
            .sentAtNanos(sentAtNanos)
            .phase(phase)
            .reason(reason)
            .progress(progress)
            .waypointIndex(waypointIndex)
            .commandType(type == null ? io.odyssey.codecs.sbe.CommandType.NULL_VAL : type.sbe())
            .targetLatitude(targetLatitude)
            .targetLongitude(targetLongitude)
            .targetAltitude(targetAltitude);
        return signed(buffer, offset, COMMAND_STATUS_FRAME_LENGTH);
    }
}
