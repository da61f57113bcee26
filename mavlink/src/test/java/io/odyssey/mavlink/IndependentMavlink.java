package io.odyssey.mavlink;

import io.dronefleet.mavlink.MavlinkConnection;
import io.dronefleet.mavlink.MavlinkMessage;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The dronefleet MAVLink library (generated from the official definitions, maintained outside Odyssey) as the
 * independent implementation the codec is checked against.
 */
final class IndependentMavlink
{
    private IndependentMavlink()
    {
    }

    /** The frame dronefleet writes for {@code payload} as the first message (sequence 0) of a connection. */
    static byte[] encode(final int systemId, final int componentId, final Object payload)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try
        {
            MavlinkConnection.create(new ByteArrayInputStream(new byte[0]), out).send2(systemId, componentId, payload);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    /** As {@link #encode}, signed with {@code key} on {@code linkId} at {@code timestamp}. */
    static byte[] encodeSigned(final int systemId, final int componentId, final Object payload, final int linkId,
        final long timestamp, final byte[] key)
    {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        try
        {
            MavlinkConnection.create(new ByteArrayInputStream(new byte[0]), out)
                .send2(systemId, componentId, payload, linkId, timestamp, key);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    /** The first message dronefleet reads from {@code frame}. */
    static MavlinkMessage<?> decode(final byte[] frame)
    {
        try
        {
            return MavlinkConnection.create(new ByteArrayInputStream(frame), new ByteArrayOutputStream()).next();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
