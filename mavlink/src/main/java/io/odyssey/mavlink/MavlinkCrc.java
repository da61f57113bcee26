package io.odyssey.mavlink;

import org.agrona.DirectBuffer;

/**
 * MAVLink's checksum: CRC-16/MCRF4XX (the "X.25" CRC of the MAVLink docs) over the frame after its magic byte, then
 * over the message's CRC_EXTRA byte, which is what makes two ends with different definitions of a message disagree.
 */
public final class MavlinkCrc
{
    private static final int INITIAL = 0xFFFF;

    private MavlinkCrc()
    {
    }

    /** The checksum of {@code length} bytes at {@code offset}, seeded with the message's {@code crcExtra}. */
    public static int compute(final DirectBuffer buffer, final int offset, final int length, final int crcExtra)
    {
        int crc = INITIAL;
        for (int i = 0; i < length; i++)
        {
            crc = accumulate(buffer.getByte(offset + i), crc);
        }
        return accumulate((byte)crcExtra, crc);
    }

    static int accumulate(final byte data, final int crc)
    {
        int tmp = (data & 0xFF) ^ (crc & 0xFF);
        tmp ^= (tmp << 4) & 0xFF;
        return ((crc >>> 8) ^ (tmp << 8) ^ (tmp << 3) ^ (tmp >>> 4)) & 0xFFFF;
    }
}
