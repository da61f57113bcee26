package io.odyssey.mavlink;

import io.odyssey.mavlink.message.MessageFlyweight;
import org.agrona.MutableDirectBuffer;

/**
 * The sending side of MAVLink 2 signing for a set of senders (one slot each: a vehicle, or the ground station
 * speaking to one vehicle): each slot's packet sequence (0..255, wrapping) and its signing timestamp, which must grow
 * with every frame of the stream (the receiver refuses one not later than the last as a replay) and follow the clock,
 * so that a new receiver takes the stream within its window. Two frames in the same 10 µs unit therefore get
 * consecutive timestamps, and a clock stepped back does not take the stream back. Allocation-free; one instance per
 * thread, like the writer and signer it uses.
 */
public final class SignedStreams
{
    private final MavlinkFrameWriter writer;
    private final MavlinkSigner signer;
    private final int[] sequence;
    private final long[] lastTimestamp;

    /** @param slots senders, numbered 0..slots - 1. */
    public SignedStreams(final MavlinkFrameWriter writer, final MavlinkSigner signer, final int slots)
    {
        this.writer = writer;
        this.signer = signer;
        this.sequence = new int[slots];
        this.lastTimestamp = new long[slots];
    }

    /**
     * Frames the message begun last on the writer as the next frame of {@code slot}'s stream, signed with {@code key}.
     *
     * @param nowEpochNanos the sender's clock (Unix epoch, ns): the timestamp is at least this, in 10 µs units since
     *                      MAVLink's 2015 epoch.
     * @return the frame's length.
     */
    public int write(final MutableDirectBuffer out, final int offset, final int slot, final int systemId,
        final int componentId, final MessageFlyweight message, final byte[] key, final int linkId,
        final long nowEpochNanos)
    {
        final long timestamp = Math.max(lastTimestamp[slot] + 1, MavlinkSigner.timestampOfUnixMicros(nowEpochNanos / 1_000));
        lastTimestamp[slot] = timestamp;
        final int seq = sequence[slot];
        sequence[slot] = (seq + 1) & 0xFF;
        return writer.writeSigned(out, offset, seq, systemId, componentId, message, signer, key, linkId, timestamp);
    }

    /** The timestamp of {@code slot}'s last frame (0 before its first). */
    public long lastTimestamp(final int slot)
    {
        return lastTimestamp[slot];
    }
}
