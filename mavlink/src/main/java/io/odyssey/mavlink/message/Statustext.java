package io.odyssey.mavlink.message;

import java.nio.charset.StandardCharsets;

/** STATUSTEXT: a human-readable message (why a command was denied, a failsafe...). */
public final class Statustext extends MessageFlyweight
{
    public static final int ID = 253;
    public static final int CRC_EXTRA = 83;
    public static final int LENGTH = 54;

    public Statustext()
    {
        super(ID, CRC_EXTRA, LENGTH);
    }

    /** MAV_SEVERITY. */
    public int severity()
    {
        return u8(0);
    }

    public Statustext severity(final int value)
    {
        put8(0, value);
        return this;
    }

    /** NUL-padded ASCII, up to its first NUL (a cold path: allocates). */
    public String text()
    {
        int end = 0;
        while (end < 50 && buffer.getByte(1 + end) != 0)
        {
            end++;
        }
        final byte[] bytes = new byte[end];
        buffer.getBytes(1, bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    public Statustext text(final String value)
    {
        final byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        final int length = Math.min(bytes.length, 50);
        buffer.putBytes(1, bytes, 0, length);
        buffer.setMemory(1 + length, 50 - length, (byte)0);
        return this;
    }
}
