package io.odyssey.codecs.sign;

import io.odyssey.codecs.RejectReason;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.EpochNanoClock;

/**
 * Verifies drone-link frames before anything else uses them, as MAVLink 2 does: the signature under the drone's key
 * (its previous key too while a rotation's grace runs), the timestamp within a window of this receiver's clock, and a
 * replay window per (drone, link): a frame's timestamp must be later than the last one accepted on its link.
 * <p>
 * Allocation-free per frame, except once per drone and link the first time it verifies (its replay window); only a
 * frame with a valid signature creates one, so their number is bounded by the drones that hold keys. Not thread-safe:
 * one per receiving thread.
 */
public final class FrameVerifier
{
    /** Links remembered per drone; a further link replaces the one heard longest ago. */
    static final int LINKS_PER_DRONE = 4;

    private final DroneKeyRing keys;
    private final EpochNanoClock clock;
    private final long windowUnits;
    private final HmacSha256 hmac = new HmacSha256();
    private final Long2ObjectHashMap<Links> windows = new Long2ObjectHashMap<>();
    private long timestamp;
    private int linkId;

    /** @param windowNanos how far a frame's timestamp may be from this receiver's clock, either way. */
    public FrameVerifier(final DroneKeyRing keys, final EpochNanoClock clock, final long windowNanos)
    {
        this.keys = keys;
        this.clock = clock;
        this.windowUnits = Math.max(1, windowNanos / FrameSignature.nanosOf(1));
    }

    /**
     * @param offset start of a frame whose header was checked to be Odyssey's and whose template is known.
     * @return null when the frame is authentic and fresh (then {@link #timestamp()} and {@link #linkId()} are its), or
     * why it is refused: UNSIGNED, UNKNOWN_KEY, BAD_SIGNATURE, TIMESTAMP_OUT_OF_WINDOW or REPLAYED.
     */
    public RejectReason verify(final DirectBuffer buffer, final int offset, final int length)
    {
        if (!FrameSignature.isSigned(buffer, offset, length))
        {
            return RejectReason.UNSIGNED;
        }
        final long droneId = FrameSignature.droneId(buffer, offset);
        final DroneKeys.Entry entry = keys.keys().entry(droneId);
        if (entry == null)
        {
            return RejectReason.UNKNOWN_KEY;
        }
        final int linkIdIndex = offset + FrameSignature.linkIdOffset(FrameSignature.templateId(buffer, offset));
        final int signatureIndex = FrameSignature.signatureOffset(linkIdIndex);
        final long now = clock.nanoTime();
        if (!matches(entry.current(), buffer, offset, length, signatureIndex) &&
            (entry.previous() == null || now - entry.previousUntilNanos() >= 0 ||
                !matches(entry.previous(), buffer, offset, length, signatureIndex)))
        {
            return RejectReason.BAD_SIGNATURE;
        }
        final long signedAt = FrameSignature.readTimestamp(buffer, linkIdIndex + 1);
        final long nowUnits = FrameSignature.timestampOf(now);
        if (Math.abs(signedAt - nowUnits) > windowUnits)
        {
            return RejectReason.TIMESTAMP_OUT_OF_WINDOW;
        }
        final int link = buffer.getByte(linkIdIndex) & 0xFF;
        Links links = windows.get(droneId);
        if (links == null)
        {
            links = new Links();
            windows.put(droneId, links);
        }
        if (!links.advance(link, signedAt))
        {
            return RejectReason.REPLAYED;
        }
        timestamp = signedAt;
        linkId = link;
        return null;
    }

    private boolean matches(
        final DroneKey key, final DirectBuffer buffer, final int offset, final int length, final int signatureIndex)
    {
        final byte[] mac = hmac.compute(key, buffer, offset, length, signatureIndex, FrameSignature.SIGNATURE_LENGTH);
        int difference = 0;
        for (int i = 0; i < FrameSignature.SIGNATURE_LENGTH; i++)
        {
            difference |= mac[i] ^ buffer.getByte(signatureIndex + i);
        }
        return difference == 0;
    }

    /** Signature timestamp of the frame last verified. */
    public long timestamp()
    {
        return timestamp;
    }

    /** Link id of the frame last verified. */
    public int linkId()
    {
        return linkId;
    }

    /** How far a frame's timestamp may be from this receiver's clock, either way (whole timestamp units). */
    public long windowNanos()
    {
        return FrameSignature.nanosOf(windowUnits);
    }

    /** Forgets a drone's replay windows (it left this receiver: expired); the timestamp window still bounds replays. */
    public void forget(final long droneId)
    {
        windows.remove(droneId);
    }

    /** The last timestamp accepted on each of a drone's most recent links. */
    private static final class Links
    {
        private final int[] ids = new int[LINKS_PER_DRONE];
        private final long[] last = new long[LINKS_PER_DRONE];
        private int count;

        boolean advance(final int link, final long signedAt)
        {
            int oldest = 0;
            for (int i = 0; i < count; i++)
            {
                if (ids[i] == link)
                {
                    if (signedAt <= last[i])
                    {
                        return false;
                    }
                    last[i] = signedAt;
                    return true;
                }
                if (last[i] < last[oldest])
                {
                    oldest = i;
                }
            }
            final int slot = count < LINKS_PER_DRONE ? count++ : oldest;
            ids[slot] = link;
            last[slot] = signedAt;
            return true;
        }
    }
}
