package io.odyssey.mavlink.edge;

import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.mavlink.MavlinkFrameReader;
import io.odyssey.mavlink.MavlinkFrameWriter;
import io.odyssey.mavlink.MavlinkSigner;
import io.odyssey.mavlink.message.SetupSigning;
import io.odyssey.runtime.ConfigurationException;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Path;

/**
 * {@code mavlink-edge --setup-signing SYSTEM_ID --to udp:HOST:PORT}: gives a registered vehicle its drone's key as its
 * MAVLink 2 signing key (SETUP_SIGNING, sent a few times: UDP may drop one and the message has no answer), then
 * listens for the vehicle's own frames to say whether it now signs with that key. The vehicle and its drone come from
 * the same registry and key file the edge uses ({@code ODYSSEY_MAVLINK_VEHICLES}, {@code ODYSSEY_MAVLINK_DRONE_KEYS}).
 * <p>
 * The key travels in the clear: this is a lab step over a link nobody else can hear (the vehicle on USB or a serial
 * telemetry radio, bridged to a local UDP port), never over a network.
 */
final class SigningSetup
{
    static final String FLAG = "--setup-signing";
    /** Exit codes: the vehicle signs with the key; it answered without it; nothing was heard from it. */
    static final int CONFIRMED = 0;
    static final int NOT_TAKEN = 1;
    static final int USAGE = 2;
    static final int UNCONFIRMED = 3;
    /** How often SETUP_SIGNING is sent, and how far apart. */
    static final int SENDS = 3;
    static final long SEND_INTERVAL_MS = 300;
    /** A ground station's system and component ids (MAV_COMP_ID_MISSIONPLANNER): the sender as the vehicle sees it. */
    static final int GROUND_STATION_SYSTEM = 255;
    static final int GROUND_STATION_COMPONENT = 190;
    static final String USAGE_TEXT = """
        Usage: mavlink-edge --setup-signing SYSTEM_ID --to udp:HOST:PORT [--wait SECONDS] [--component ID]

        Sends SETUP_SIGNING to the vehicle with MAVLink system id SYSTEM_ID: its drone's key (from the vehicle registry
        ODYSSEY_MAVLINK_VEHICLES and the key file ODYSSEY_MAVLINK_DRONE_KEYS, as the edge reads them) becomes the
        vehicle's MAVLink 2 signing key. Then listens up to --wait seconds (default 5) for the vehicle's frames.
        The key travels in the clear: send it only over a trusted link (the vehicle on USB or a serial telemetry
        radio in a lab, bridged to a local UDP port, e.g. MAVProxy --out=udpin:127.0.0.1:14551), never over a network.
        Exit status: 0 the vehicle signs with the key, 1 it answered without it, 2 bad arguments or configuration,
        3 nothing heard from it (sent, not confirmed).
        """;

    private SigningSetup()
    {
    }

    /** The command line after {@link #FLAG}; reads the registry and key file {@code config} names. */
    static int run(final String[] args, final MavlinkEdgeConfig config, final PrintStream out, final PrintStream err)
    {
        final Request request;
        final long droneId;
        final byte[] key;
        try
        {
            request = Request.parse(args);
            final VehicleRegistry registry = VehicleRegistry.load(MavlinkEdgeConfig.VEHICLES, Path.of(config.vehicles));
            droneId = registry.droneId(request.systemId);
            if (droneId == 0)
            {
                throw MavlinkEdgeConfig.VEHICLES.invalid(config.vehicles, "a registry naming system id " +
                    request.systemId + " (add a line '" + request.systemId + " DRONE_ID' first)");
            }
            final DroneKeys.Entry entry =
                DroneKeys.load(MavlinkEdgeConfig.DRONE_KEYS, Path.of(config.droneKeys)).entry(droneId);
            if (entry == null)
            {
                throw MavlinkEdgeConfig.DRONE_KEYS.invalid(config.droneKeys, "a key file with a key for drone " +
                    droneId + " (./odyssey drone-keys provision " + config.droneKeys + " " + droneId + " " + droneId + ")");
            }
            key = entry.current().keyBytes();
        }
        catch (final ConfigurationException | IllegalArgumentException ex)
        {
            err.println(ex.getMessage());
            err.print(USAGE_TEXT);
            return USAGE;
        }
        err.println("WARNING: SETUP_SIGNING carries drone " + droneId + "'s key in the clear: send it only over a " +
            "trusted link (USB, a serial telemetry radio in a lab), never over a network others can hear.");
        try (DatagramChannel channel = DatagramChannel.open())
        {
            channel.bind(new InetSocketAddress(0));
            channel.connect(request.to);
            return provision(channel, request, droneId, key, out);
        }
        catch (final IOException | UnresolvedAddressException ex)
        {
            err.println("cannot send to " + request.target + ": " + ex);
            return USAGE;
        }
    }

    private static int provision(final DatagramChannel channel, final Request request, final long droneId,
        final byte[] key, final PrintStream out) throws IOException
    {
        final MavlinkFrameWriter writer = new MavlinkFrameWriter();
        final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(MavlinkFrameWriter.MAX_FRAME_LENGTH));
        // The vehicle's signing clock starts now: its timestamps must only grow from what the edge will accept.
        final long timestamp = MavlinkSigner.timestampOfUnixMicros(System.currentTimeMillis() * 1000);
        final SetupSigning message = new SetupSigning();
        for (int i = 0; i < SENDS; i++)
        {
            writer.begin(message).targetSystem(request.systemId).targetComponent(request.component)
                .secretKey(key).initialTimestamp(timestamp);
            final int length = writer.write(frame, 0, i, GROUND_STATION_SYSTEM, GROUND_STATION_COMPONENT, message);
            channel.write(frame.byteBuffer().duplicate().position(0).limit(length));
            if (i < SENDS - 1)
            {
                sleep(SEND_INTERVAL_MS);
            }
        }
        out.println("sent SETUP_SIGNING " + SENDS + " times to system " + request.systemId + " component " +
            request.component + " at " + request.target + ": drone " + droneId + "'s key, initial timestamp " + timestamp);
        return listen(channel, request, droneId, key, out);
    }

    /** Waits for the vehicle's frames: one signed with the key confirms; unsigned ones after the wait say it failed. */
    private static int listen(final DatagramChannel channel, final Request request, final long droneId,
        final byte[] key, final PrintStream out) throws IOException
    {
        channel.configureBlocking(false);
        final ByteBuffer datagram = ByteBuffer.allocateDirect(65_536);
        final UnsafeBuffer view = new UnsafeBuffer(datagram);
        final MavlinkFrameReader reader = new MavlinkFrameReader();
        final MavlinkSigner signer = new MavlinkSigner();
        final long deadline = System.nanoTime() + request.waitSeconds * 1_000_000_000L;
        int unsigned = 0;
        int otherKey = 0;
        while (System.nanoTime() < deadline)
        {
            datagram.clear();
            if (receive(channel, datagram) == 0)
            {
                sleep(20);
                continue;
            }
            final int limit = datagram.position();
            int at = 0;
            while (at < limit)
            {
                final int result = reader.read(view, at, limit);
                if (result == MavlinkFrameReader.NOT_A_FRAME || result == MavlinkFrameReader.TRUNCATED)
                {
                    break;
                }
                if (result == MavlinkFrameReader.OK && reader.systemId() == request.systemId)
                {
                    if (!reader.isSigned())
                    {
                        unsigned++;
                    }
                    else if (signer.verify(reader, key))
                    {
                        out.println("confirmed: vehicle " + request.systemId + " signs with drone " + droneId +
                            "'s key; the MAVLink edge takes its signed frames now");
                        return CONFIRMED;
                    }
                    else
                    {
                        otherKey++;
                    }
                }
                at += reader.frameLength();
            }
        }
        if (unsigned + otherKey > 0)
        {
            out.println("NOT TAKEN: vehicle " + request.systemId + " answered " + unsigned + " unsigned frame(s) and " +
                otherKey + " signed with another key within " + request.waitSeconds + " s. This unsigned SETUP_SIGNING " +
                "is taken by PX4 only while it has no key yet, by ArduPilot on its USB port or while it has no key");
            return NOT_TAKEN;
        }
        out.println("unconfirmed: nothing heard from vehicle " + request.systemId + " at " + request.target +
            " within " + request.waitSeconds + " s (the bridge may not send its frames back here): check on the " +
            "edge that its frames arrive signed (odyssey_mavlink_frames_refused_total{reason=\"unsigned\"} stays still)");
        return UNCONFIRMED;
    }

    private static int receive(final DatagramChannel channel, final ByteBuffer datagram) throws IOException
    {
        try
        {
            return channel.receive(datagram) == null ? 0 : datagram.position();
        }
        catch (final java.net.PortUnreachableException ex)
        {
            // Nothing listens at the target (yet): the ICMP answer to a connected socket, not a reason to stop.
            return 0;
        }
    }

    private static void sleep(final long ms)
    {
        try
        {
            Thread.sleep(ms);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

    /** What the command line asks for. */
    record Request(int systemId, int component, String target, InetSocketAddress to, long waitSeconds)
    {
        static Request parse(final String[] args)
        {
            Integer systemId = null;
            String target = null;
            int component = 1;
            long waitSeconds = 5;
            for (int i = 0; i < args.length; i++)
            {
                switch (args[i])
                {
                    case "--to" -> target = value(args, ++i, "--to");
                    case "--wait" -> waitSeconds = number(value(args, ++i, "--wait"), "--wait", 0, 600);
                    case "--component" -> component = (int)number(value(args, ++i, "--component"), "--component", 0, 255);
                    default ->
                    {
                        if (systemId != null || args[i].startsWith("-"))
                        {
                            throw new IllegalArgumentException("unexpected argument '" + args[i] + "'");
                        }
                        systemId = (int)number(args[i], "SYSTEM_ID", 1, VehicleRegistry.MAX_SYSTEM_ID);
                    }
                }
            }
            if (systemId == null)
            {
                throw new IllegalArgumentException("the vehicle's SYSTEM_ID is missing");
            }
            if (target == null || !target.startsWith("udp:") || target.lastIndexOf(':') <= 4)
            {
                throw new IllegalArgumentException("--to udp:HOST:PORT is required (got " + target + ")");
            }
            final String host = target.substring(4, target.lastIndexOf(':'));
            final int port = (int)number(target.substring(target.lastIndexOf(':') + 1), "--to's port", 1, 65535);
            return new Request(systemId, component, target, new InetSocketAddress(host, port), waitSeconds);
        }

        private static String value(final String[] args, final int i, final String option)
        {
            if (i >= args.length)
            {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args[i];
        }

        private static long number(final String text, final String what, final long min, final long max)
        {
            final long value;
            try
            {
                value = Long.parseLong(text.trim());
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException(what + " must be a number between " + min + " and " + max +
                    " (got '" + text + "')");
            }
            if (value < min || value > max)
            {
                throw new IllegalArgumentException(what + " must be between " + min + " and " + max + " (got " + value + ")");
            }
            return value;
        }
    }
}
