package io.odyssey.codecs;

import io.odyssey.codecs.sbe.CommandDecoder;
import io.odyssey.codecs.sbe.MessageHeaderDecoder;
import org.agrona.DirectBuffer;

/**
 * Reads command frames (ground to drone): the receiving side of {@link CommandFrameWriter}. A reusable flyweight;
 * allocation-free. {@link #read} checks the frame's structure before any field is trusted (our schema, template 10, a
 * version no newer than ours, a block and a waypoint group that fit in the frame, a group's own block length honoured
 * so that a newer sender's longer waypoints still read); the accessors then give the command as the contract's types.
 * Whether the parameters are in bounds ({@link CommandLimits}) is the drone's to decide: it answers such a command
 * REJECTED, which it can only do for a frame that reads.
 */
public final class CommandFrameReader
{
    private static final int GROUP_HEADER_LENGTH = CommandDecoder.WaypointsDecoder.HEADER_SIZE;

    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final CommandDecoder command = new CommandDecoder();
    private CommandDecoder.WaypointsDecoder waypoints;
    private int waypointCount;
    private RejectReason rejectReason;

    /**
     * @return null when the frame reads (the accessors then describe it), or why it does not: {@code TRUNCATED},
     * {@code UNKNOWN_SCHEMA}, {@code UNKNOWN_TEMPLATE} or {@code UNSUPPORTED_VERSION}.
     */
    public RejectReason read(final DirectBuffer buffer, final int offset, final int length)
    {
        waypoints = null;
        waypointCount = 0;
        rejectReason = check(buffer, offset, length);
        return rejectReason;
    }

    /**
     * Only the header: whether this is a command frame of a version this reader knows, before anything else of it is
     * looked at (a receiver checks the signature between the two; a frame that is no command is no unsigned command).
     *
     * @return null, or {@code TRUNCATED} (shorter than a header), {@code UNKNOWN_SCHEMA}, {@code UNKNOWN_TEMPLATE} or
     * {@code UNSUPPORTED_VERSION}.
     */
    public RejectReason readHeader(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            return RejectReason.TRUNCATED;
        }
        header.wrap(buffer, offset);
        if (header.schemaId() != CommandDecoder.SCHEMA_ID)
        {
            return RejectReason.UNKNOWN_SCHEMA;
        }
        if (header.templateId() != CommandDecoder.TEMPLATE_ID)
        {
            return RejectReason.UNKNOWN_TEMPLATE;
        }
        return header.version() > CommandDecoder.SCHEMA_VERSION ? RejectReason.UNSUPPORTED_VERSION : null;
    }

    private RejectReason check(final DirectBuffer buffer, final int offset, final int length)
    {
        final RejectReason badHeader = readHeader(buffer, offset, length);
        if (badHeader != null)
        {
            return badHeader;
        }
        final int version = header.version();
        final int blockLength = header.blockLength();
        final int bodyOffset = offset + MessageHeaderDecoder.ENCODED_LENGTH;
        final int end = offset + length;
        // The message has been whole since it was introduced: every sender writes at least our block.
        if (blockLength < CommandDecoder.BLOCK_LENGTH || bodyOffset + blockLength + GROUP_HEADER_LENGTH > end)
        {
            return RejectReason.TRUNCATED;
        }
        final int groupOffset = bodyOffset + blockLength;
        final int waypointLength = buffer.getShort(groupOffset, CommandDecoder.BYTE_ORDER) & 0xFFFF;
        final int count = buffer.getShort(groupOffset + 2, CommandDecoder.BYTE_ORDER) & 0xFFFF;
        if ((count > 0 && waypointLength < CommandDecoder.WaypointsDecoder.sbeBlockLength()) ||
            groupOffset + GROUP_HEADER_LENGTH + (long)count * waypointLength > end)
        {
            return RejectReason.TRUNCATED;
        }
        command.wrap(buffer, bodyOffset, blockLength, version);
        waypointCount = count;
        return null;
    }

    /** Why the last frame did not read, or null. */
    public RejectReason rejectReason()
    {
        return rejectReason;
    }

    public long droneId()
    {
        return command.droneId();
    }

    public long commandId()
    {
        return command.commandId();
    }

    public long sentAtNanos()
    {
        return command.sentAtNanos();
    }

    /** @return what is ordered, or null for a code this version does not know (the drone drops such a frame). */
    public CommandType type()
    {
        return CommandType.fromCode(command.commandTypeRaw());
    }

    /** GOTO target, WGS84 degrees (NaN otherwise). */
    public double latitude()
    {
        return command.latitude();
    }

    public double longitude()
    {
        return command.longitude();
    }

    /** GOTO/TAKEOFF altitude above home, metres (NaN = keep the current one). */
    public float altitude()
    {
        return command.altitude();
    }

    /** GOTO/SET_SPEED ground speed, m/s (NaN = cruise speed). */
    public float speed()
    {
        return command.speed();
    }

    /** CANCEL: the command to cancel, as the drone knows it. */
    public long targetCommandId()
    {
        return command.targetCommandId();
    }

    /** Epoch ns after which the drone must refuse to start it; 0 = never. */
    public long expiresAtNanos()
    {
        return command.expiresAtNanos();
    }

    /** The ground lost the drone's answer and asks for it again: the drone must not start the command. */
    public boolean repeatAnswerOnly()
    {
        return command.repeatAnswerOnly() == 1;
    }

    /** MISSION: how many waypoints the frame holds (0 for other types). */
    public int waypointCount()
    {
        return waypointCount;
    }

    /**
     * Moves to the next waypoint (the first after {@link #read}); waypoints are read once, in order, each with the
     * accessors below. The waypoint group follows the block, so reading it is the last use of the frame.
     *
     * @return false when there is none left.
     */
    public boolean nextWaypoint()
    {
        if (waypoints == null)
        {
            waypoints = command.waypoints();
        }
        if (!waypoints.hasNext())
        {
            return false;
        }
        waypoints.next();
        return true;
    }

    public double waypointLatitude()
    {
        return waypoints.latitude();
    }

    public double waypointLongitude()
    {
        return waypoints.longitude();
    }

    /** NaN = keep the current altitude. */
    public float waypointAltitude()
    {
        return waypoints.altitude();
    }

    /** NaN = cruise speed. */
    public float waypointSpeed()
    {
        return waypoints.speed();
    }

    /** Seconds to hover at the waypoint. */
    public float waypointHoldSeconds()
    {
        return waypoints.holdSeconds();
    }
}
