package io.odyssey.codecs.sign;

import io.odyssey.runtime.SteadyEpochClock;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.concurrent.EpochNanoClock;

/**
 * Signs drone-link frames in place (schema version 4): writes the link id, a timestamp that strictly increases per
 * drone, and the truncated HMAC under the drone's current key. Allocation-free per frame once a drone has been signed
 * for; not thread-safe (one per sending thread).
 * <p>
 * The clock should be a {@link SteadyEpochClock}: then it goes back only over a step back of the wall clock larger
 * than the receivers' window, which this signer follows too (a correction: receivers with a right clock refused what
 * was signed before it as out of window, so its replay windows hold nothing later). Over a smaller step back it holds
 * each drone's timestamps at the last one signed, plus one.
 */
public final class FrameSigner
{
    private final DroneKeyRing keys;
    private final EpochNanoClock clock;
    private final int linkId;
    private final HmacSha256 hmac = new HmacSha256();
    /** Per drone, the last timestamp signed: the next is later even when the clock has not moved on. */
    private final Long2LongHashMap lastSigned = new Long2LongHashMap(-1);
    /** A clock this far behind the last timestamp signed has been stepped back (see the class comment): followed. */
    private static final long FOLLOW_BACK_UNITS = SteadyEpochClock.DEFAULT_FOLLOW_BACK_NS / FrameSignature.nanosOf(1);

    /** @param linkId 0..255: this sender's link, so that two senders for one drone keep separate replay windows. */
    public FrameSigner(final DroneKeyRing keys, final EpochNanoClock clock, final int linkId)
    {
        if (linkId < 0 || linkId > 255)
        {
            throw new IllegalArgumentException("link id must be 0..255, got " + linkId);
        }
        this.keys = keys;
        this.clock = clock;
        this.linkId = linkId;
    }

    /**
     * Signs the frame of {@code length} bytes at {@code offset} for the drone it names.
     *
     * @return false, leaving the frame unsigned, when there is no key for that drone or the frame has no signature
     * fields (not a version-4 drone-link frame).
     */
    public boolean sign(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        if (!FrameSignature.isSigned(buffer, offset, length))
        {
            return false;
        }
        final long droneId = FrameSignature.droneId(buffer, offset);
        final DroneKeys.Entry entry = keys.keys().entry(droneId);
        if (entry == null)
        {
            return false;
        }
        final long now = FrameSignature.timestampOf(clock.nanoTime());
        final long last = lastSigned.get(droneId);
        final long timestamp = now > last || last - now > FOLLOW_BACK_UNITS ? now : last + 1;
        lastSigned.put(droneId, timestamp);
        final int linkIdIndex = offset + FrameSignature.linkIdOffset(FrameSignature.templateId(buffer, offset));
        buffer.putByte(linkIdIndex, (byte)linkId);
        FrameSignature.writeTimestamp(buffer, linkIdIndex + 1, timestamp);
        final int signatureIndex = FrameSignature.signatureOffset(linkIdIndex);
        final byte[] mac = hmac.compute(entry.current(), buffer, offset, length, signatureIndex,
            FrameSignature.SIGNATURE_LENGTH);
        buffer.putBytes(signatureIndex, mac, 0, FrameSignature.SIGNATURE_LENGTH);
        return true;
    }

    /** Forgets what was signed for a drone (a sender whose drone restarted may start its timestamps again). */
    public void forget(final long droneId)
    {
        lastSigned.remove(droneId);
    }

    public int linkId()
    {
        return linkId;
    }
}
