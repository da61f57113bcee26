package io.odyssey.codecs.sign;

import io.odyssey.codecs.sbe.CommandDecoder;
import io.odyssey.codecs.sbe.CommandStatusDecoder;
import io.odyssey.codecs.sbe.HeartbeatDecoder;
import io.odyssey.codecs.sbe.MessageHeaderDecoder;
import io.odyssey.codecs.sbe.TelemetryDecoder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.util.concurrent.TimeUnit;

/**
 * Where the signature sits in each drone-link frame (schema version 4) and how its timestamp counts.
 * <p>
 * Every template carries the same three fields at the end of its root block: {@code linkId} (1 byte), {@code signedAt}
 * (48 bits of 10 µs since {@link #EPOCH_UNIX_SECONDS}) and {@code signature} ({@link #SIGNATURE_LENGTH} bytes). The
 * signature is HMAC-SHA256 under the drone's key over every byte of the frame (header, block, groups) except the
 * signature bytes themselves, truncated to its first 8 bytes.
 * <p>
 * Why 64 bits where MAVLink keeps 48: MAVLink squeezes radio frames of at most 280 bytes; ours are UDP datagrams where
 * two bytes more cost nothing measurable. A guess succeeds with probability 2^-L, and every guess is a frame the
 * attacker must send and ingest counts: at a million forged frames a second, 48 bits fall in about 4.5 years of
 * flooding on average, 64 bits in about 290,000 years; NIST SP 800-107 likewise asks for at least 64 bits unless the
 * number of tries is otherwise bounded.
 */
public final class FrameSignature
{
    /** First schema version whose frames are signed; older frames are refused as UNSIGNED. */
    public static final int SIGNED_VERSION = 4;
    public static final int SIGNATURE_LENGTH = 8;
    public static final int TIMESTAMP_LENGTH = 6;
    /** 2015-01-01T00:00:00Z, as MAVLink 2 counts its signing timestamps. */
    public static final long EPOCH_UNIX_SECONDS = 1_420_070_400L;
    public static final long MAX_TIMESTAMP = (1L << 48) - 1;
    private static final long EPOCH_NANOS = TimeUnit.SECONDS.toNanos(EPOCH_UNIX_SECONDS);
    private static final long NANOS_PER_UNIT = 10_000L;
    private static final int HEADER = MessageHeaderDecoder.ENCODED_LENGTH;
    /** Every drone-link template starts with the drone id. */
    private static final int DRONE_ID_OFFSET = HEADER;

    private FrameSignature()
    {
    }

    /** Signature timestamp (10 µs units since the epoch) of an epoch-nanosecond time; 0 before the epoch. */
    public static long timestampOf(final long epochNanos)
    {
        return Math.max(0, Math.min(MAX_TIMESTAMP, (epochNanos - EPOCH_NANOS) / NANOS_PER_UNIT));
    }

    /** The epoch-nanosecond time of a signature timestamp (10 µs units since the epoch): the inverse of {@link #timestampOf}. */
    public static long epochNanosOf(final long timestamp)
    {
        return EPOCH_NANOS + timestamp * NANOS_PER_UNIT;
    }

    /** Length of a span of signature time in nanoseconds. */
    public static long nanosOf(final long timestampUnits)
    {
        return timestampUnits * NANOS_PER_UNIT;
    }

    /**
     * Offset of {@code linkId} from the start of the frame for a template, or -1 for a template that is not a drone-link
     * frame. {@code signedAt} follows at +1, the signature at +1+{@link #TIMESTAMP_LENGTH}.
     */
    public static int linkIdOffset(final int templateId)
    {
        switch (templateId)
        {
            case TelemetryDecoder.TEMPLATE_ID:
                return HEADER + TelemetryDecoder.linkIdEncodingOffset();
            case HeartbeatDecoder.TEMPLATE_ID:
                return HEADER + HeartbeatDecoder.linkIdEncodingOffset();
            case CommandStatusDecoder.TEMPLATE_ID:
                return HEADER + CommandStatusDecoder.linkIdEncodingOffset();
            case CommandDecoder.TEMPLATE_ID:
                return HEADER + CommandDecoder.linkIdEncodingOffset();
            default:
                return -1;
        }
    }

    /** Offset of the signature bytes from the start of the frame, given {@link #linkIdOffset}. */
    public static int signatureOffset(final int linkIdOffset)
    {
        return linkIdOffset + 1 + TIMESTAMP_LENGTH;
    }

    /**
     * Whether the frame at {@code offset} (header already checked to be Odyssey's) carries a signature: version 4 or
     * later and a root block long enough to hold it, within {@code length}.
     */
    public static boolean isSigned(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < HEADER)
        {
            return false;
        }
        final int version = buffer.getShort(offset + 6, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int blockLength = buffer.getShort(offset, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int linkIdOffset = linkIdOffset(buffer.getShort(offset + 2, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF);
        return version >= SIGNED_VERSION && linkIdOffset > 0 &&
            HEADER + blockLength >= signatureOffset(linkIdOffset) + SIGNATURE_LENGTH &&
            length >= signatureOffset(linkIdOffset) + SIGNATURE_LENGTH;
    }

    static long droneId(final DirectBuffer buffer, final int offset)
    {
        return buffer.getLong(offset + DRONE_ID_OFFSET, java.nio.ByteOrder.LITTLE_ENDIAN);
    }

    static int templateId(final DirectBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + 2, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
    }

    /** The 48-bit timestamp at {@code index} (little-endian). */
    public static long readTimestamp(final DirectBuffer buffer, final int index)
    {
        return (buffer.getInt(index, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF_FFFFL) |
            ((long)(buffer.getShort(index + 4, java.nio.ByteOrder.LITTLE_ENDIAN) & 0xFFFF) << 32);
    }

    static void writeTimestamp(final MutableDirectBuffer buffer, final int index, final long timestamp)
    {
        buffer.putInt(index, (int)timestamp, java.nio.ByteOrder.LITTLE_ENDIAN);
        buffer.putShort(index + 4, (short)(timestamp >>> 32), java.nio.ByteOrder.LITTLE_ENDIAN);
    }
}
