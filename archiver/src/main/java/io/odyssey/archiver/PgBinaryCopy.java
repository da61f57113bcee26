package io.odyssey.archiver;

import org.agrona.ExpandableArrayBuffer;

import java.nio.ByteOrder;

/**
 * Rows in PostgreSQL's binary {@code COPY} format, built in a reused buffer with no allocation per row. Binary COPY
 * skips the server's text parsing, which is where text COPY and INSERT spend their time.
 * <p>
 * Format (all integers big-endian): a signature and two zero words; per row the field count, then per field its byte
 * length and its bytes; finally -1. {@code timestamptz} is microseconds since 2000-01-01 UTC.
 */
final class PgBinaryCopy
{
    private static final byte[] SIGNATURE = {'P', 'G', 'C', 'O', 'P', 'Y', '\n', (byte)0xFF, '\r', '\n', 0};
    /** Signature, flags and header extension length: where the first row starts. */
    static final int HEADER_LENGTH = SIGNATURE.length + 8;
    private static final byte[] TRAILER = {(byte)0xFF, (byte)0xFF};
    /** 2000-01-01T00:00:00Z in microseconds since the Unix epoch. */
    static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

    private final ExpandableArrayBuffer buffer;
    private int length;

    PgBinaryCopy(final int initialCapacity)
    {
        buffer = new ExpandableArrayBuffer(initialCapacity);
    }

    /** Starts a new stream: signature, flags and header extension length. */
    PgBinaryCopy begin()
    {
        length = 0;
        buffer.putBytes(0, SIGNATURE);
        length = SIGNATURE.length;
        putInt(0);
        putInt(0);
        return this;
    }

    PgBinaryCopy row(final int fields)
    {
        buffer.putShort(length, (short)fields, ByteOrder.BIG_ENDIAN);
        length += 2;
        return this;
    }

    PgBinaryCopy int8(final long value)
    {
        putInt(8);
        buffer.putLong(length, value, ByteOrder.BIG_ENDIAN);
        length += 8;
        return this;
    }

    PgBinaryCopy int2(final short value)
    {
        putInt(2);
        buffer.putShort(length, value, ByteOrder.BIG_ENDIAN);
        length += 2;
        return this;
    }

    PgBinaryCopy float8(final double value)
    {
        return int8Raw(Double.doubleToRawLongBits(value));
    }

    PgBinaryCopy float4(final float value)
    {
        putInt(4);
        buffer.putInt(length, Float.floatToRawIntBits(value), ByteOrder.BIG_ENDIAN);
        length += 4;
        return this;
    }

    /** A {@code text} value from its UTF-8 bytes. */
    PgBinaryCopy text(final byte[] utf8)
    {
        putInt(utf8.length);
        buffer.putBytes(length, utf8);
        length += utf8.length;
        return this;
    }

    /** SQL NULL. */
    PgBinaryCopy nullField()
    {
        putInt(-1);
        return this;
    }

    /** A {@code timestamptz} from epoch nanoseconds (PostgreSQL keeps microseconds). */
    PgBinaryCopy timestampFromEpochNanos(final long epochNanos)
    {
        return int8Raw(Math.floorDiv(epochNanos, 1_000L) - PG_EPOCH_MICROS);
    }

    /** Ends the stream. */
    PgBinaryCopy end()
    {
        buffer.putShort(length, (short)-1, ByteOrder.BIG_ENDIAN);
        length += 2;
        return this;
    }

    private PgBinaryCopy int8Raw(final long bits)
    {
        putInt(8);
        buffer.putLong(length, bits, ByteOrder.BIG_ENDIAN);
        length += 8;
        return this;
    }

    private void putInt(final int value)
    {
        buffer.putInt(length, value, ByteOrder.BIG_ENDIAN);
        length += 4;
    }

    /**
     * Sends rows {@code [fromOffset, toOffset)} of this stream (offsets as {@link #length()} was before each row began)
     * as a stream of their own: the header, those rows, the trailer. What lets a refused batch be retried in parts
     * without encoding its rows again. Call after {@link #end()}.
     */
    void writeRows(final org.postgresql.copy.CopyIn in, final int fromOffset, final int toOffset) throws java.sql.SQLException
    {
        in.writeToCopy(buffer.byteArray(), 0, HEADER_LENGTH);
        in.writeToCopy(buffer.byteArray(), fromOffset, toOffset - fromOffset);
        in.writeToCopy(TRAILER, 0, TRAILER.length);
    }

    /** Forgets everything written after {@code length} (a row that turned out not to be storable half way). */
    void truncate(final int length)
    {
        this.length = length;
    }

    byte[] array()
    {
        return buffer.byteArray();
    }

    int length()
    {
        return length;
    }
}
