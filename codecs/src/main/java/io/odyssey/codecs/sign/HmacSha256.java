package io.odyssey.codecs.sign;

import org.agrona.DirectBuffer;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * HMAC-SHA256 (RFC 2104) over a frame with one span left out, without allocating per call. Built on two
 * {@link MessageDigest}s rather than {@code javax.crypto.Mac} because {@code Mac.doFinal(byte[], int)} allocates its
 * result array on every call; {@code MessageDigest.digest(byte[], int, int)} writes into ours. Not thread-safe: one
 * per thread.
 */
final class HmacSha256
{
    static final int LENGTH = 32;
    /** Frames are copied here to be hashed (the Aeron term buffer is off-heap); grows for a rare larger frame. */
    private byte[] scratch = new byte[512];
    private final byte[] innerHash = new byte[LENGTH];
    private final byte[] mac = new byte[LENGTH];
    private final MessageDigest inner;
    private final MessageDigest outer;

    HmacSha256()
    {
        try
        {
            inner = MessageDigest.getInstance("SHA-256");
            outer = MessageDigest.getInstance("SHA-256");
        }
        catch (final NoSuchAlgorithmException ex)
        {
            throw new IllegalStateException("every Java runtime has SHA-256", ex);
        }
    }

    /**
     * HMAC of {@code buffer[offset, offset + length)} without {@code [skipFrom, skipFrom + skipLength)} (absolute
     * indices); the result stays in {@link #mac()} until the next call.
     */
    byte[] compute(
        final DroneKey key, final DirectBuffer buffer, final int offset, final int length, final int skipFrom,
        final int skipLength)
    {
        if (scratch.length < length)
        {
            scratch = new byte[Math.max(length, scratch.length * 2)];
        }
        buffer.getBytes(offset, scratch, 0, length);
        final int before = skipFrom - offset;
        final int after = before + skipLength;
        try
        {
            inner.update(key.innerPad);
            inner.update(scratch, 0, before);
            inner.update(scratch, after, length - after);
            inner.digest(innerHash, 0, LENGTH);
            outer.update(key.outerPad);
            outer.update(innerHash);
            outer.digest(mac, 0, LENGTH);
        }
        catch (final java.security.DigestException ex)
        {
            throw new IllegalStateException(ex);
        }
        return mac;
    }

    byte[] mac()
    {
        return mac;
    }
}
