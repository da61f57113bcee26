package io.odyssey.mavlink.edge;

import io.dronefleet.mavlink.MavlinkConnection;
import io.dronefleet.mavlink.MavlinkMessage;
import io.dronefleet.mavlink.common.SetupSigning;
import io.dronefleet.mavlink.minimal.Heartbeat;
import io.dronefleet.mavlink.minimal.MavAutopilot;
import io.dronefleet.mavlink.minimal.MavState;
import io.dronefleet.mavlink.minimal.MavType;
import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.codecs.sign.TestDroneKeys;
import io.odyssey.mavlink.MavlinkSigner;
import io.odyssey.runtime.Setting;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator's signing step against a vehicle that is not Odyssey's code: dronefleet decodes the SETUP_SIGNING the
 * tool sends over UDP, and the vehicle answers as a real one would (signed with the key it was given, unsigned when it
 * did not take it, or not at all).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SigningSetupTest
{
    private static final int SYSTEM_ID = 7;
    private static final long DRONE_ID = 7001;
    private static final Path KEYS = TestDroneKeys.file(DRONE_ID, DRONE_ID);

    @TempDir
    Path temp;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** How the vehicle answers the frames it received, given the sender's address and the key it was sent. */
    private interface Answer
    {
        void answer(DatagramSocket socket, SocketAddress sender, byte[] key) throws IOException;
    }

    @Test
    void shouldGiveTheVehicleItsDronesKeyAndConfirmOnceItSignsWithIt() throws Exception
    {
        final List<SetupSigning> received = new CopyOnWriteArrayList<>();
        final long before = MavlinkSigner.timestampOfUnixMicros(System.currentTimeMillis() * 1000);
        final int exit = runAgainstVehicle(received, (socket, sender, key) ->
            reply(socket, sender, heartbeat(key, MavlinkSigner.timestampOfUnixMicros(System.currentTimeMillis() * 1000))),
            "--wait", "20");

        assertThat(exit).as(output()).isEqualTo(SigningSetup.CONFIRMED);
        assertThat(output()).contains("confirmed: vehicle 7 signs with drone 7001's key");
        assertThat(errors()).contains("trusted link");
        assertThat(received).as("sent a few times: UDP may lose one").hasSize(SigningSetup.SENDS);
        final SetupSigning first = received.get(0);
        assertThat(first.targetSystem()).isEqualTo(SYSTEM_ID);
        assertThat(first.targetComponent()).isEqualTo(1);
        assertThat(first.secretKey()).isEqualTo(droneKey());
        assertThat(first.initialTimestamp().longValue()).as("the vehicle's signing clock starts now")
            .isGreaterThanOrEqualTo(before)
            .isLessThanOrEqualTo(MavlinkSigner.timestampOfUnixMicros(System.currentTimeMillis() * 1000));
    }

    @Test
    void shouldSayTheVehicleDidNotTakeTheKeyWhenItKeepsSendingUnsigned() throws Exception
    {
        final int exit = runAgainstVehicle(new CopyOnWriteArrayList<>(),
            (socket, sender, key) -> reply(socket, sender, heartbeat(null, 0)), "--wait", "2");

        assertThat(exit).as(output()).isEqualTo(SigningSetup.NOT_TAKEN);
        assertThat(output()).contains("NOT TAKEN: vehicle 7 answered").contains("unsigned");
    }

    @Test
    void shouldSayItIsUnconfirmedWhenTheVehicleSaysNothing() throws Exception
    {
        final List<SetupSigning> received = new CopyOnWriteArrayList<>();
        final int exit = runAgainstVehicle(received, (socket, sender, key) -> { }, "--wait", "1");

        assertThat(exit).as(output()).isEqualTo(SigningSetup.UNCONFIRMED);
        assertThat(output()).contains("unconfirmed: nothing heard from vehicle 7");
        assertThat(received).hasSize(SigningSetup.SENDS);
    }

    @Test
    void shouldRefuseAVehicleTheRegistryDoesNotNameAndSendNothing() throws Exception
    {
        final List<SetupSigning> received = new CopyOnWriteArrayList<>();
        final MavlinkEdgeConfig config = config("8 7001\n");
        try (DatagramSocket vehicle = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            final int exit = run(config, "7", "--to", "udp:127.0.0.1:" + vehicle.getLocalPort(), "--wait", "0");

            assertThat(exit).isEqualTo(SigningSetup.USAGE);
            assertThat(errors()).contains("ODYSSEY_MAVLINK_VEHICLES").contains("system id 7");
            vehicle.setSoTimeout(300);
            assertThat(receive(vehicle, received)).as("nothing sent").isNull();
        }
    }

    @Test
    void shouldRefuseADroneWithoutAKeyAndArgumentsItCannotUse() throws Exception
    {
        assertThat(run(config("7 7002\n"), "7", "--to", "udp:127.0.0.1:9")).isEqualTo(SigningSetup.USAGE);
        assertThat(errors()).contains("ODYSSEY_MAVLINK_DRONE_KEYS").contains("drone 7002");

        for (final String[] wrong : List.of(new String[] {"7"}, new String[] {"7", "--to", "tcp:127.0.0.1:9"},
            new String[] {"0", "--to", "udp:127.0.0.1:9"}, new String[] {"7", "--to", "udp:127.0.0.1:99999"},
            new String[] {"7", "8", "--to", "udp:127.0.0.1:9"}, new String[] {"7", "--to"}))
        {
            err.reset();
            assertThat(run(config("7 7001\n"), wrong)).as(String.join(" ", wrong)).isEqualTo(SigningSetup.USAGE);
            assertThat(errors()).as(String.join(" ", wrong)).contains("Usage: mavlink-edge --setup-signing");
        }
    }

    /** Runs the tool against a vehicle on loopback that decodes what arrives and answers once it has it all. */
    private int runAgainstVehicle(final List<SetupSigning> received, final Answer answer, final String... options)
        throws Exception
    {
        try (DatagramSocket vehicle = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            vehicle.setSoTimeout(10_000);
            final CompletableFuture<Void> vehicleSide = CompletableFuture.runAsync(() ->
            {
                try
                {
                    SocketAddress sender = null;
                    while (received.size() < SigningSetup.SENDS)
                    {
                        sender = receive(vehicle, received);
                    }
                    // A real vehicle streams its heartbeat once a second: a few are enough here.
                    for (int i = 0; i < 5; i++)
                    {
                        answer.answer(vehicle, sender, received.get(0).secretKey());
                        Thread.sleep(100);
                    }
                }
                catch (final IOException | InterruptedException ex)
                {
                    throw new IllegalStateException(ex);
                }
            });
            final String[] args = new String[options.length + 3];
            args[0] = String.valueOf(SYSTEM_ID);
            args[1] = "--to";
            args[2] = "udp:127.0.0.1:" + vehicle.getLocalPort();
            System.arraycopy(options, 0, args, 3, options.length);
            final int exit = run(config(SYSTEM_ID + " " + DRONE_ID + "\n"), args);
            vehicleSide.get(30, TimeUnit.SECONDS);
            return exit;
        }
    }

    private int run(final MavlinkEdgeConfig config, final String... args)
    {
        return SigningSetup.run(args, config, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** One datagram decoded by dronefleet; null when none came within the socket's timeout. */
    private static SocketAddress receive(final DatagramSocket socket, final List<SetupSigning> received) throws IOException
    {
        final DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);
        try
        {
            socket.receive(packet);
        }
        catch (final SocketTimeoutException ex)
        {
            return null;
        }
        final MavlinkMessage<?> message = MavlinkConnection.create(
            new ByteArrayInputStream(packet.getData(), 0, packet.getLength()), new ByteArrayOutputStream()).next();
        assertThat(message.getOriginSystemId()).as("sent as a ground station").isEqualTo(SigningSetup.GROUND_STATION_SYSTEM);
        received.add((SetupSigning)message.getPayload());
        return packet.getSocketAddress();
    }

    private static void reply(final DatagramSocket socket, final SocketAddress to, final byte[] frame) throws IOException
    {
        socket.send(new DatagramPacket(frame, frame.length, to));
    }

    /** A PX4 multicopter's HEARTBEAT from system 7, signed with {@code key} (unsigned when null). */
    private static byte[] heartbeat(final byte[] key, final long timestamp) throws IOException
    {
        final ByteArrayOutputStream frame = new ByteArrayOutputStream();
        final MavlinkConnection connection = MavlinkConnection.create(new ByteArrayInputStream(new byte[0]), frame);
        final Heartbeat heartbeat = Heartbeat.builder().type(MavType.MAV_TYPE_QUADROTOR)
            .autopilot(MavAutopilot.MAV_AUTOPILOT_PX4).systemStatus(MavState.MAV_STATE_STANDBY).mavlinkVersion(3).build();
        if (key == null)
        {
            connection.send2(SYSTEM_ID, 1, heartbeat);
        }
        else
        {
            connection.send2(SYSTEM_ID, 1, heartbeat, 0, timestamp, key);
        }
        return frame.toByteArray();
    }

    private MavlinkEdgeConfig config(final String registry) throws IOException
    {
        final Path file = Files.writeString(temp.resolve("vehicles-" + System.nanoTime()), registry);
        final MavlinkEdgeConfig config = new MavlinkEdgeConfig();
        config.vehicles = file.toString();
        config.droneKeys = KEYS.toString();
        return config;
    }

    private static byte[] droneKey()
    {
        final Setting setting = Setting.of("ODYSSEY_TEST_MAVLINK_KEYS", KEYS.toString(), "keys of the test");
        return DroneKeys.load(setting, KEYS).entry(DRONE_ID).current().keyBytes();
    }

    private String output()
    {
        return out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
    }

    private String errors()
    {
        return err.toString(StandardCharsets.UTF_8);
    }
}
