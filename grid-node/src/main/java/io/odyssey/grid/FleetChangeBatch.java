package io.odyssey.grid;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

/**
 * The message a grid member publishes on {@link #TOPIC} every batch interval: the newest state (or the removal) of each
 * fleet map entry of the member's own partitions that changed since its previous message ({@link FleetChangeBatcher}).
 * The gateways apply it as they applied one map event per drone before.
 * <p>
 * A format of its own, not the map's Compact form: the Compact bytes of a {@link DroneState} carry a schema id that only
 * Hazelcast's internal serialization service resolves, and reading them is the per-event deserialisation the gateway's
 * profile showed; fixed-width little-endian fields are read with a bounds check each and no reflection. Layout:
 * <pre>
 *   header (32 bytes): u16 magic 0x4642 ("FB"), u8 version (1), u8 flags, i32 record count,
 *                      i64 + i64 publishing member's UUID (most, least significant), i64 batch sequence (1, 2, ... per member)
 *   record, kind 1 (state): u8 kind, i64 droneId, sequence, sentAtNanos, ingestNanos, gridNanos, f64 latitude, longitude,
 *                      f32 altitude, heading, groundSpeed, climbRate, battery, i32 flags,
 *                      u16 length + UTF-8 status, u16 length + UTF-8 ingestNode (length 0xFFFF = null)
 *   record, kind 2 (gone: removed, evicted or expired): u8 kind, i64 droneId, i64 sequence of the state that left
 *                      ({@link Long#MAX_VALUE} when unknown)
 * </pre>
 * Flag {@link #FLAG_CHANGES_LOST}: the member could not keep every change since its previous message (its table was
 * full); a gateway reloads the fleet map rather than trust its view. A reader rejects the whole message (nothing of it
 * applied) when it is shorter or longer than its records, has an unknown magic, version or kind, more than
 * {@link #MAX_RECORDS} records, or a value no drone sends.
 */
public final class FleetChangeBatch
{
    /** The Hazelcast topic of the fleet's batches; every member publishes its own, every gateway listens. */
    public static final String TOPIC = "fleet-changes";
    public static final short MAGIC = 0x4642;
    public static final byte VERSION = 1;
    public static final int FLAG_CHANGES_LOST = 1;
    public static final int HEADER_LENGTH = 32;
    /** Records in one message at most: a member with more changes in one interval sends several messages (~100 kB each). */
    public static final int MAX_RECORDS = 1_024;
    static final byte KIND_STATE = 1;
    static final byte KIND_GONE = 2;
    private static final int STATE_FIXED_LENGTH = 1 + 5 * 8 + 2 * 8 + 5 * 4 + 4 + 2 + 2;
    private static final int GONE_LENGTH = 1 + 8 + 8;
    private static final int NULL_TEXT = 0xFFFF;
    /** Longest status or node name written; a longer one (no ingest node writes one) is cut, which the reader accepts. */
    private static final int MAX_TEXT_BYTES = 1_024;
    private static final ByteOrder ORDER = ByteOrder.LITTLE_ENDIAN;

    private FleetChangeBatch()
    {
    }

    /** A drone that left the fleet map (removed, evicted or expired); {@code sequence} of its last state if known. */
    public record Gone(long droneId, long sequence)
    {
    }

    /** Writes messages into one reusable buffer; a message's bytes are copied out once ({@link #toBytes}). One thread. */
    public static final class Writer
    {
        private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64 * 1024);
        private int position;
        private int count;

        /** Starts a message: the header, with the record count filled in by {@link #toBytes}. */
        public void begin(final UUID member, final long batchSequence, final int flags)
        {
            buffer.putShort(0, MAGIC, ORDER);
            buffer.putByte(2, VERSION);
            buffer.putByte(3, (byte)flags);
            buffer.putInt(4, 0, ORDER);
            buffer.putLong(8, member.getMostSignificantBits(), ORDER);
            buffer.putLong(16, member.getLeastSignificantBits(), ORDER);
            buffer.putLong(24, batchSequence, ORDER);
            position = HEADER_LENGTH;
            count = 0;
        }

        public int count()
        {
            return count;
        }

        public void state(final DroneState state)
        {
            final MutableDirectBuffer out = buffer;
            int at = position;
            out.putByte(at, KIND_STATE);
            out.putLong(at + 1, state.droneId(), ORDER);
            out.putLong(at + 9, state.sequence(), ORDER);
            out.putLong(at + 17, state.sentAtNanos(), ORDER);
            out.putLong(at + 25, state.ingestNanos(), ORDER);
            out.putLong(at + 33, state.gridNanos(), ORDER);
            out.putDouble(at + 41, state.latitude(), ORDER);
            out.putDouble(at + 49, state.longitude(), ORDER);
            out.putFloat(at + 57, state.altitude(), ORDER);
            out.putFloat(at + 61, state.heading(), ORDER);
            out.putFloat(at + 65, state.groundSpeed(), ORDER);
            out.putFloat(at + 69, state.climbRate(), ORDER);
            out.putFloat(at + 73, state.battery(), ORDER);
            out.putInt(at + 77, state.flags(), ORDER);
            at = text(at + 81, state.status());
            position = text(at, state.ingestNode());
            count++;
        }

        public void gone(final long droneId, final long sequence)
        {
            buffer.putByte(position, KIND_GONE);
            buffer.putLong(position + 1, droneId, ORDER);
            buffer.putLong(position + 9, sequence, ORDER);
            position += GONE_LENGTH;
            count++;
        }

        /** The message so far as its own array (the one allocation of a message). */
        public byte[] toBytes()
        {
            buffer.putInt(4, count, ORDER);
            final byte[] bytes = new byte[position];
            buffer.getBytes(0, bytes);
            return bytes;
        }

        /** ASCII (every status and node name ingest writes) is copied char by char without a temporary array. */
        private int text(final int at, final String text)
        {
            if (text == null)
            {
                buffer.putShort(at, (short)NULL_TEXT, ORDER);
                return at + 2;
            }
            final int length = Math.min(text.length(), MAX_TEXT_BYTES);
            boolean ascii = true;
            for (int i = 0; i < length && ascii; i++)
            {
                ascii = text.charAt(i) < 0x80;
            }
            if (ascii)
            {
                buffer.putShort(at, (short)length, ORDER);
                for (int i = 0; i < length; i++)
                {
                    buffer.putByte(at + 2 + i, (byte)text.charAt(i));
                }
                return at + 2 + length;
            }
            final byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            final int bytes = Math.min(utf8.length, MAX_TEXT_BYTES);
            buffer.putShort(at, (short)bytes, ORDER);
            buffer.putBytes(at + 2, utf8, 0, bytes);
            return at + 2 + bytes;
        }
    }

    /**
     * Reads messages; keeps the texts it has seen (statuses, node names: a handful) so a record allocates only its
     * {@link DroneState}. One thread.
     */
    public static final class Reader
    {
        private static final int MAX_TEXTS = 64;
        private final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
        private final byte[][] textBytes = new byte[MAX_TEXTS][];
        private final String[] texts = new String[MAX_TEXTS];
        private int textCount;
        private long memberMost;
        private long memberLeast;
        private long batchSequence;
        private int flags;

        /**
         * Reads a whole message into {@code changes} ({@link DroneState} and {@link Gone} items, in the message's order),
         * or nothing.
         *
         * @return null when the message was read; otherwise why it was rejected ({@code changes} is then empty).
         */
        public String read(final byte[] message, final List<Object> changes)
        {
            changes.clear();
            if (message == null || message.length < HEADER_LENGTH)
            {
                return "shorter than a header";
            }
            buffer.wrap(message);
            if (buffer.getShort(0, ORDER) != MAGIC)
            {
                return "not a fleet batch (magic)";
            }
            if (buffer.getByte(2) != VERSION)
            {
                return "unknown version " + buffer.getByte(2);
            }
            flags = buffer.getByte(3) & 0xFF;
            final int count = buffer.getInt(4, ORDER);
            memberMost = buffer.getLong(8, ORDER);
            memberLeast = buffer.getLong(16, ORDER);
            batchSequence = buffer.getLong(24, ORDER);
            if (count < 0 || count > MAX_RECORDS)
            {
                return "record count " + count;
            }
            final String rejected = records(message.length, count, changes);
            if (rejected != null)
            {
                changes.clear();
            }
            return rejected;
        }

        private String records(final int length, final int count, final List<Object> changes)
        {
            int at = HEADER_LENGTH;
            for (int i = 0; i < count; i++)
            {
                if (at + 1 > length)
                {
                    return "truncated at record " + i;
                }
                final byte kind = buffer.getByte(at);
                if (kind == KIND_GONE)
                {
                    if (at + GONE_LENGTH > length)
                    {
                        return "truncated at record " + i;
                    }
                    changes.add(new Gone(buffer.getLong(at + 1, ORDER), buffer.getLong(at + 9, ORDER)));
                    at += GONE_LENGTH;
                }
                else if (kind == KIND_STATE)
                {
                    if (at + STATE_FIXED_LENGTH > length)
                    {
                        return "truncated at record " + i;
                    }
                    final int statusAt = at + 81;
                    final int statusLength = textLength(statusAt);
                    final int nodeAt = statusAt + 2 + statusLength;
                    if (statusLength > MAX_TEXT_BYTES || nodeAt + 2 > length)
                    {
                        return "bad status length at record " + i;
                    }
                    final int nodeLength = textLength(nodeAt);
                    final int end = nodeAt + 2 + nodeLength;
                    if (nodeLength > MAX_TEXT_BYTES || end > length)
                    {
                        return "bad node length at record " + i;
                    }
                    final long droneId = buffer.getLong(at + 1, ORDER);
                    final double latitude = buffer.getDouble(at + 41, ORDER);
                    final double longitude = buffer.getDouble(at + 49, ORDER);
                    final float altitude = buffer.getFloat(at + 57, ORDER);
                    final float heading = buffer.getFloat(at + 61, ORDER);
                    final float groundSpeed = buffer.getFloat(at + 65, ORDER);
                    final float battery = buffer.getFloat(at + 73, ORDER);
                    final String implausible = DroneStateSerializer.implausible(
                        droneId, latitude, longitude, altitude, heading, groundSpeed, battery);
                    if (implausible != null)
                    {
                        return implausible + " at record " + i;
                    }
                    changes.add(new DroneState(
                        droneId,
                        buffer.getLong(at + 9, ORDER),
                        buffer.getLong(at + 17, ORDER),
                        buffer.getLong(at + 25, ORDER),
                        buffer.getLong(at + 33, ORDER),
                        latitude,
                        longitude,
                        altitude,
                        heading,
                        groundSpeed,
                        buffer.getFloat(at + 69, ORDER),
                        battery,
                        text(statusAt),
                        buffer.getInt(at + 77, ORDER),
                        text(nodeAt)));
                    at = end;
                }
                else
                {
                    return "unknown record kind " + kind + " at record " + i;
                }
            }
            return at == length ? null : (length - at) + " bytes after the last record";
        }

        /** The publishing member's id, of the message last read. */
        public UUID member()
        {
            return new UUID(memberMost, memberLeast);
        }

        public long memberMost()
        {
            return memberMost;
        }

        public long memberLeast()
        {
            return memberLeast;
        }

        public long batchSequence()
        {
            return batchSequence;
        }

        public int flags()
        {
            return flags;
        }

        /** A text's length in bytes, 0 for null. */
        private int textLength(final int at)
        {
            final int length = buffer.getShort(at, ORDER) & 0xFFFF;
            return length == NULL_TEXT ? 0 : length;
        }

        /** The text at {@code at} (its length field), the same String object as the last time it was seen. */
        private String text(final int at)
        {
            final int length = buffer.getShort(at, ORDER) & 0xFFFF;
            if (length == NULL_TEXT)
            {
                return null;
            }
            final int from = at + 2;
            for (int t = 0; t < textCount; t++)
            {
                final byte[] known = textBytes[t];
                if (known.length == length && same(known, from))
                {
                    return texts[t];
                }
            }
            final byte[] bytes = new byte[length];
            buffer.getBytes(from, bytes);
            final String text = new String(bytes, StandardCharsets.UTF_8);
            // Bounded: names beyond the first 64 are read each time (a fleet has a few statuses and node names).
            if (textCount < MAX_TEXTS)
            {
                textBytes[textCount] = bytes;
                texts[textCount] = text;
                textCount++;
            }
            return text;
        }

        private boolean same(final byte[] known, final int from)
        {
            final DirectBuffer in = buffer;
            for (int i = 0; i < known.length; i++)
            {
                if (in.getByte(from + i) != known[i])
                {
                    return false;
                }
            }
            return true;
        }
    }
}
