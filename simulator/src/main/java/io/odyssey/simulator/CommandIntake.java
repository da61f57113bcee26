package io.odyssey.simulator;

import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.odyssey.codecs.sbe.CommandDecoder;
import io.odyssey.codecs.sbe.CommandType;
import io.odyssey.codecs.sbe.MessageHeaderDecoder;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.RateLimitedLog;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Checks each (reassembled) command frame and hands the good ones to the {@link DroneFleet}, on the publisher's thread.
 * <p>
 * The frame is checked before any field is trusted: our schema id, template 10, a version no newer than ours, a block
 * and a waypoint group that fit in the frame (a group's own block length is honoured, so a newer sender's longer
 * waypoints still read), a drone this process flies, a positive command id, a known command type. A frame that fails
 * is counted by {@link InvalidCommandCause} and dropped, with at most one log line a second: garbage on a UDP port must
 * never stop the drones. Parameters (coordinates, altitudes, speeds, waypoints) are the fleet's to check, since only a
 * well-formed frame gets that far and the drone answers a bad one REJECTED.
 */
final class CommandIntake implements FragmentHandler
{
    private static final Logger LOG = LoggerFactory.getLogger(CommandIntake.class);
    private static final int GROUP_HEADER_LENGTH = CommandDecoder.WaypointsDecoder.HEADER_SIZE;
    private static final int MAX_COMMAND_TYPE = CommandType.STOP.value();

    private final DroneFleet fleet;
    private final NanoClock nanoClock;
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final CommandDecoder command = new CommandDecoder();
    private final RateLimitedLog invalidLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(1));
    private final Counter[] received;
    private final Counter[] invalid;

    private io.odyssey.codecs.sign.FrameVerifier verifier;

    /**
     * Commands must be signed with their drone's key, fresh and not replayed (see
     * {@link io.odyssey.codecs.sign.FrameVerifier}); set before the first frame. Without one (unit tests of the frame
     * checks) frames are not verified.
     */
    CommandIntake verifier(final io.odyssey.codecs.sign.FrameVerifier verifier)
    {
        this.verifier = verifier;
        return this;
    }

    CommandIntake(final DroneFleet fleet, final NanoClock nanoClock, final SimulatorMetrics metrics)
    {
        this.fleet = fleet;
        this.nanoClock = nanoClock;
        this.received = metrics.commandsReceived;
        this.invalid = metrics.commandFramesInvalid;
    }

    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header aeronHeader)
    {
        onFrame(buffer, offset, length);
    }

    /**
     * Checks one command frame and acts on it.
     *
     * @return what the fleet made of it ({@link DroneFleet#COMMAND_ACCEPTED} ...), or -1 when the frame was dropped.
     */
    int onFrame(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            return drop(InvalidCommandCause.TRUNCATED);
        }
        header.wrap(buffer, offset);
        if (header.schemaId() != CommandDecoder.SCHEMA_ID)
        {
            return drop(InvalidCommandCause.UNKNOWN_SCHEMA);
        }
        if (header.templateId() != CommandDecoder.TEMPLATE_ID)
        {
            return drop(InvalidCommandCause.UNKNOWN_TEMPLATE);
        }
        final int version = header.version();
        if (version > CommandDecoder.SCHEMA_VERSION)
        {
            return drop(InvalidCommandCause.UNSUPPORTED_VERSION);
        }
        if (verifier != null && !io.odyssey.codecs.sign.FrameSignature.isSigned(buffer, offset, length))
        {
            return drop(InvalidCommandCause.UNSIGNED);
        }
        final int blockLength = header.blockLength();
        final int bodyOffset = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        final int end = offset + length;
        // The message has been whole since it was introduced: every sender writes at least our block.
        if (blockLength < CommandDecoder.BLOCK_LENGTH || bodyOffset + blockLength + GROUP_HEADER_LENGTH > end)
        {
            return drop(InvalidCommandCause.TRUNCATED);
        }
        final int groupOffset = bodyOffset + blockLength;
        final int waypointLength = buffer.getShort(groupOffset, CommandDecoder.BYTE_ORDER) & 0xFFFF;
        final int waypointCount = buffer.getShort(groupOffset + 2, CommandDecoder.BYTE_ORDER) & 0xFFFF;
        if ((waypointCount > 0 && waypointLength < CommandDecoder.WaypointsDecoder.sbeBlockLength()) ||
            groupOffset + GROUP_HEADER_LENGTH + (long)waypointCount * waypointLength > end)
        {
            return drop(InvalidCommandCause.TRUNCATED);
        }

        command.wrap(buffer, bodyOffset, blockLength, version);
        final int index = fleet.indexOf(command.droneId());
        if (index < 0)
        {
            return drop(InvalidCommandCause.UNKNOWN_DRONE);
        }
        if (verifier != null)
        {
            final io.odyssey.codecs.RejectReason refused = verifier.verify(buffer, offset, length);
            if (refused != null)
            {
                return drop(InvalidCommandCause.valueOf(refused.name()));
            }
        }
        if (command.commandId() <= 0 || command.commandTypeRaw() > MAX_COMMAND_TYPE)
        {
            return drop(InvalidCommandCause.MALFORMED);
        }

        // The drone's own wall clock decides expiry (cold path: a command is rare).
        final int outcome = fleet.onCommand(index, command, System.currentTimeMillis() * 1_000_000L);
        switch (outcome)
        {
            case DroneFleet.COMMAND_ACCEPTED:
                received[SimulatorMetrics.ACCEPTED].increment();
                break;

            case DroneFleet.COMMAND_REJECTED:
                received[SimulatorMetrics.REJECTED].increment();
                break;

            case DroneFleet.COMMAND_DUPLICATE:
                received[SimulatorMetrics.DUPLICATE].increment();
                break;

            default:
                invalid[InvalidCommandCause.INVALID_PARAMETERS.ordinal()].increment();
                invalidLog.warn(nanoClock.nanoTime(), "rejected a command with parameters out of range: {}",
                    InvalidCommandCause.INVALID_PARAMETERS.label());
                break;
        }
        return outcome;
    }

    private int drop(final InvalidCommandCause cause)
    {
        invalid[cause.ordinal()].increment();
        invalidLog.warn(nanoClock.nanoTime(), "dropped an invalid command frame: {}", cause.label());
        return -1;
    }
}
