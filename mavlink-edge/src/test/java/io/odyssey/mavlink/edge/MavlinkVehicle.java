package io.odyssey.mavlink.edge;

import io.dronefleet.mavlink.MavlinkConnection;
import io.odyssey.mavlink.MavlinkSigner;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketException;

/**
 * A MAVLink vehicle that is not Odyssey's code: dronefleet encodes (and signs) its messages; each goes to the edge in
 * a datagram of its own, as PX4 and ArduPilot send them.
 */
final class MavlinkVehicle implements AutoCloseable
{
    private final DatagramSocket socket;
    private final int edgePort;
    private final int systemId;
    private final byte[] key;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final MavlinkConnection connection = MavlinkConnection.create(new ByteArrayInputStream(new byte[0]), out);
    private long lastTimestamp;
    private byte[] lastDatagram;
    private long datagramsSent;

    /** @param key null for an unsigned vehicle. */
    MavlinkVehicle(final int edgePort, final int systemId, final byte[] key) throws SocketException
    {
        this.socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        this.edgePort = edgePort;
        this.systemId = systemId;
        this.key = key;
    }

    /** Sends one message as the vehicle's autopilot (component 1), signed when the vehicle has a key. */
    void send(final Object message) throws IOException
    {
        send(message, 1, key, signingNow());
    }

    /** Sends one message signed with {@code signingKey} at {@code timestamp} (forgeries and replays). */
    void send(final Object message, final int componentId, final byte[] signingKey, final long timestamp)
        throws IOException
    {
        send(message, componentId, 0, signingKey, timestamp);
    }

    /** Sends one message on signing link {@code linkId} (a stream of its own for the edge's replay windows). */
    void send(final Object message, final int componentId, final int linkId, final byte[] signingKey,
        final long timestamp) throws IOException
    {
        lastDatagram = encode(message, componentId, linkId, signingKey, timestamp);
        sendRaw(lastDatagram);
    }

    /** One frame as the vehicle would send it, not sent (to pack several into one datagram). */
    byte[] encode(final Object message, final int componentId, final int linkId, final byte[] signingKey,
        final long timestamp) throws IOException
    {
        out.reset();
        if (signingKey == null)
        {
            connection.send2(systemId, componentId, message);
        }
        else
        {
            connection.send2(systemId, componentId, message, linkId, timestamp, signingKey);
        }
        return out.toByteArray();
    }

    /** The last datagram again, byte for byte (a replay). */
    void replayLast() throws IOException
    {
        sendRaw(lastDatagram);
    }

    void sendRaw(final byte[] datagram) throws IOException
    {
        socket.send(new DatagramPacket(datagram, datagram.length, InetAddress.getLoopbackAddress(), edgePort));
        datagramsSent++;
    }

    long datagramsSent()
    {
        return datagramsSent;
    }

    /** The vehicle's signing key (null for an unsigned vehicle). */
    byte[] key()
    {
        return key;
    }

    /** A signing timestamp of now, strictly later than the previous one. */
    long signingNow()
    {
        lastTimestamp = Math.max(lastTimestamp + 1, MavlinkSigner.timestampOfUnixMicros(System.currentTimeMillis() * 1000));
        return lastTimestamp;
    }

    public void close()
    {
        socket.close();
    }
}
