package io.odyssey.mavlink;

import io.odyssey.mavlink.message.MessageFlyweight;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * MAVLink 2 message signing: the signature is the first 6 bytes of SHA-256(secret key (32 bytes), the frame from its
 * magic byte through its checksum, link id, timestamp). The timestamp counts 10 µs units since 2015-01-01 UTC and must
 * grow per (system, component, link) stream: replay protection is the receiver's (the edge's) job. Allocation-free;
 * one instance per thread.
 */
public final class MavlinkSigner
{
    /** Keys are 32 bytes, as MAVLink defines them. */
    public static final int KEY_LENGTH = 32;
    /** The first bytes of the SHA-256 that travel with the frame. */
    public static final int SIGNATURE_BYTES = 6;
    /** 2015-01-01T00:00:00Z in Unix milliseconds: MAVLink's signing epoch. */
    public static final long EPOCH_UNIX_MS = 1_420_070_400_000L;
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private final MessageDigest sha256;
    private final byte[] signed = new byte[MavlinkFrameReader.HEADER_LENGTH + MessageFlyweight.MAX_PAYLOAD +
        MavlinkFrameReader.CHECKSUM_LENGTH + 7];
    private final byte[] digest = new byte[32];

    public MavlinkSigner()
    {
        try
        {
            sha256 = MessageDigest.getInstance("SHA-256");
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("every Java runtime has SHA-256", ex);
        }
    }

    /** A signing timestamp (10 µs units since 2015-01-01 UTC) for a Unix time in microseconds. */
    public static long timestampOfUnixMicros(final long unixMicros)
    {
        return (unixMicros - EPOCH_UNIX_MS * 1000) / 10;
    }

    /**
     * Signs a frame whose header already has the signed flag and whose checksum is written: appends link id,
     * timestamp and signature after the checksum.
     *
     * @param unsignedLength the frame's length up to and including its checksum.
     * @return the signed frame's length.
     */
    public int sign(final MutableDirectBuffer frame, final int offset, final int unsignedLength, final byte[] key,
        final int linkId, final long timestamp)
    {
        final int at = offset + unsignedLength;
        frame.putByte(at, (byte)linkId);
        frame.putInt(at + 1, (int)timestamp, LE);
        frame.putShort(at + 5, (short)(timestamp >>> 32), LE);
        compute(frame, offset, unsignedLength + 7, key);
        frame.putBytes(at + 7, digest, 0, SIGNATURE_BYTES);
        return unsignedLength + MavlinkFrameReader.SIGNATURE_LENGTH;
    }

    /** Whether the signed frame the reader last read carries the signature {@code key} gives it. */
    public boolean verify(final MavlinkFrameReader frame, final byte[] key)
    {
        if (!frame.isSigned())
        {
            return false;
        }
        final int signatureAt = frame.signatureOffset() + 7;
        compute(frame.buffer(), frame.offset(), signatureAt - frame.offset(), key);
        int difference = 0;
        for (int i = 0; i < SIGNATURE_BYTES; i++)
        {
            // No early exit: how long a comparison takes says nothing about where it failed.
            difference |= digest[i] ^ frame.buffer().getByte(signatureAt + i);
        }
        return difference == 0;
    }

    private void compute(final DirectBuffer frame, final int offset, final int length, final byte[] key)
    {
        if (key.length != KEY_LENGTH)
        {
            throw new IllegalArgumentException("a MAVLink signing key is " + KEY_LENGTH + " bytes, not " + key.length);
        }
        frame.getBytes(offset, signed, 0, length);
        sha256.reset();
        sha256.update(key, 0, KEY_LENGTH);
        sha256.update(signed, 0, length);
        try
        {
            sha256.digest(digest, 0, digest.length);
        }
        catch (final DigestException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
