package io.odyssey.mavlink.edge;

import io.dronefleet.mavlink.MavlinkConnection;
import io.dronefleet.mavlink.MavlinkMessage;
import io.dronefleet.mavlink.common.CommandAck;
import io.dronefleet.mavlink.common.CommandInt;
import io.dronefleet.mavlink.common.CommandLong;
import io.dronefleet.mavlink.common.GlobalPositionInt;
import io.dronefleet.mavlink.common.MavCmd;
import io.dronefleet.mavlink.common.MavFrame;
import io.dronefleet.mavlink.common.MavMissionResult;
import io.dronefleet.mavlink.common.MavMissionType;
import io.dronefleet.mavlink.common.MavResult;
import io.dronefleet.mavlink.common.MissionAck;
import io.dronefleet.mavlink.common.MissionCount;
import io.dronefleet.mavlink.common.MissionItemInt;
import io.dronefleet.mavlink.common.MissionItemReached;
import io.dronefleet.mavlink.common.MissionRequestInt;
import io.odyssey.mavlink.MavlinkSigner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The independent vehicle itself, held to the MAVLink command and mission protocols by another independent
 * implementation: dronefleet plays the ground station over UDP (no Odyssey code between them). So a failing orders
 * check says something about the edge, not about the vehicle: it arms, takes off, repositions (COMMAND_INT), answers
 * a retried command again without doing it twice, takes a mission item by item, flies it reporting each item reached,
 * returns and lands; and it refuses orders that are unsigned or signed with another key.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class NodeVehicleIT
{
    private static final int SYSTEM_ID = 41;
    private static final double HOME_LAT = 52.5;
    private static final double HOME_LON = 13.4;

    private final byte[] key = key((byte)0x5a);
    private final List<MavlinkMessage<?>> received = new CopyOnWriteArrayList<>();
    private long signingClock;
    private SocketAddress vehicleAddress;

    @Test
    void shouldFlyWhatAGroundStationOrdersThroughTheCommandAndMissionProtocols() throws Exception
    {
        try (DatagramSocket groundStation = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            NodeVehicle vehicle = new NodeVehicle("127.0.0.1:" + groundStation.getLocalPort(), SYSTEM_ID, key,
                "--on-ground", "--lat", String.valueOf(HOME_LAT), "--lon", String.valueOf(HOME_LON), "--rtl-land-delay", "-1"))
        {
            listen(groundStation);
            await().atMost(60, TimeUnit.SECONDS).until(() -> vehicleAddress != null);

            send(groundStation, command(MavCmd.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 20), key);
            assertThat(ack(MavCmd.MAV_CMD_NAV_TAKEOFF)).as("no take-off before arming: %s", vehicle.describe())
                .isEqualTo(MavResult.MAV_RESULT_DENIED);
            send(groundStation, command(MavCmd.MAV_CMD_COMPONENT_ARM_DISARM, 0, 1, 0, 0), key);
            assertThat(ack(MavCmd.MAV_CMD_COMPONENT_ARM_DISARM)).isEqualTo(MavResult.MAV_RESULT_ACCEPTED);
            received.clear();
            send(groundStation, command(MavCmd.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, 20), key);
            assertThat(ack(MavCmd.MAV_CMD_NAV_TAKEOFF)).isEqualTo(MavResult.MAV_RESULT_ACCEPTED);
            await().atMost(30, TimeUnit.SECONDS).until(() -> !vehicle.events("took-off", e -> true).isEmpty());
            assertThat(relativeAltitude()).isCloseTo(20, org.assertj.core.data.Offset.offset(1.5));

            // A reposition as COMMAND_INT (the position in 1e-7 degrees).
            final CommandInt reposition = CommandInt.builder().targetSystem(SYSTEM_ID).targetComponent(1)
                .frame(MavFrame.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT).command(MavCmd.MAV_CMD_DO_REPOSITION)
                .param1(-1).x((int)Math.round((HOME_LAT + 0.0005) * 1e7)).y((int)Math.round(HOME_LON * 1e7)).z(20).build();
            received.clear();
            send(groundStation, reposition, key);
            assertThat(ack(MavCmd.MAV_CMD_DO_REPOSITION)).isEqualTo(MavResult.MAV_RESULT_ACCEPTED);
            // A return whose ACK was lost: the retry (confirmation 1) is answered again, not executed again.
            received.clear();
            final CommandLong retried = CommandLong.builder().targetSystem(SYSTEM_ID).targetComponent(1)
                .command(MavCmd.MAV_CMD_NAV_RETURN_TO_LAUNCH).confirmation(0).build();
            send(groundStation, retried, key);
            assertThat(ack(MavCmd.MAV_CMD_NAV_RETURN_TO_LAUNCH)).isEqualTo(MavResult.MAV_RESULT_ACCEPTED);
            send(groundStation, CommandLong.builder().targetSystem(SYSTEM_ID).targetComponent(1)
                .command(MavCmd.MAV_CMD_NAV_RETURN_TO_LAUNCH).confirmation(1).build(), key);
            await().atMost(10, TimeUnit.SECONDS).until(() -> !vehicle.events("command-retried", e -> true).isEmpty());
            assertThat(vehicle.events("command", e -> e.path("command").asInt() == 20)).as("executed once").hasSize(1);
            // Back to holding for the mission (a reposition where it is; it holds over home, RTL_LAND_DELAY -1).
            send(groundStation, command(MavCmd.MAV_CMD_DO_REPOSITION, 0, -1, 0, 20), key);
            assertThat(ack(MavCmd.MAV_CMD_DO_REPOSITION)).isEqualTo(MavResult.MAV_RESULT_ACCEPTED);

            // Orders it must not take: unsigned, and signed with another key.
            final int commandsBefore = vehicle.events("command", e -> true).size();
            send(groundStation, command(MavCmd.MAV_CMD_NAV_LAND, 0, 0, 0, 0), null);
            send(groundStation, command(MavCmd.MAV_CMD_NAV_LAND, 0, 0, 0, 0), key((byte)0x11));
            await().atMost(10, TimeUnit.SECONDS).until(() -> vehicle.events("refused", e -> true).size() >= 2);
            assertThat(vehicle.events("refused", e -> true)).extracting(e -> e.path("reason").asText())
                .contains("unsigned", "bad-signature");
            assertThat(vehicle.events("command", e -> true)).hasSize(commandsBefore);

            // A mission of two waypoints, item by item as the vehicle asks for them, then started.
            final double[][] waypoints = {{HOME_LAT + 0.0004, HOME_LON + 0.0004}, {HOME_LAT, HOME_LON + 0.0004}};
            received.clear();
            send(groundStation, MissionCount.builder().targetSystem(SYSTEM_ID).targetComponent(1).count(2)
                .missionType(MavMissionType.MAV_MISSION_TYPE_MISSION).build(), key);
            for (int seq = 0; seq < 2; seq++)
            {
                final int expected = seq;
                final MissionRequestInt request = (MissionRequestInt)await().atMost(10, TimeUnit.SECONDS)
                    .until(() -> first(MissionRequestInt.class), r -> r != null && ((MissionRequestInt)r).seq() == expected);
                received.removeIf(m -> m.getPayload() == request);
                send(groundStation, MissionItemInt.builder().targetSystem(SYSTEM_ID).targetComponent(1).seq(seq)
                    .frame(MavFrame.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT).command(MavCmd.MAV_CMD_NAV_WAYPOINT).autocontinue(1)
                    .x((int)Math.round(waypoints[seq][0] * 1e7)).y((int)Math.round(waypoints[seq][1] * 1e7)).z(25)
                    .missionType(MavMissionType.MAV_MISSION_TYPE_MISSION).build(), key);
            }
            final MissionAck missionAck = (MissionAck)await().atMost(10, TimeUnit.SECONDS).until(() -> first(MissionAck.class),
                a -> a != null);
            assertThat(missionAck.type().entry()).isEqualTo(MavMissionResult.MAV_MISSION_ACCEPTED);
            send(groundStation, command(MavCmd.MAV_CMD_MISSION_START, 0, 0, 0, 0), key);
            assertThat(ack(MavCmd.MAV_CMD_MISSION_START)).isEqualTo(MavResult.MAV_RESULT_ACCEPTED);
            await().atMost(60, TimeUnit.SECONDS).until(() -> reached().contains(1));
            assertThat(reached()).as("each item reached, in order").containsSubsequence(0, 1);

            send(groundStation, command(MavCmd.MAV_CMD_NAV_LAND, 0, 0, 0, 0), key);
            assertThat(ack(MavCmd.MAV_CMD_NAV_LAND)).isEqualTo(MavResult.MAV_RESULT_ACCEPTED);
            await().atMost(60, TimeUnit.SECONDS).until(() -> !vehicle.events("landed", e -> true).isEmpty());
            assertThat(vehicle.describe()).doesNotContain("\"error\"");
        }
    }

    private void listen(final DatagramSocket socket)
    {
        final Thread thread = new Thread(() ->
        {
            final byte[] buffer = new byte[2048];
            while (!socket.isClosed())
            {
                final DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                try
                {
                    socket.receive(packet);
                    vehicleAddress = packet.getSocketAddress();
                    final MavlinkMessage<?> message = MavlinkConnection.create(
                        new ByteArrayInputStream(packet.getData(), 0, packet.getLength()), new ByteArrayOutputStream()).next();
                    if (message != null && message.getOriginSystemId() == SYSTEM_ID)
                    {
                        received.add(message);
                    }
                }
                catch (final IOException ex)
                {
                    return;   // closed
                }
            }
        }, "ground-station");
        thread.setDaemon(true);
        thread.start();
    }

    private void send(final DatagramSocket socket, final Object payload, final byte[] signingKey) throws IOException
    {
        final ByteArrayOutputStream frame = new ByteArrayOutputStream();
        final MavlinkConnection connection = MavlinkConnection.create(new ByteArrayInputStream(new byte[0]), frame);
        if (signingKey == null)
        {
            connection.send2(255, 190, payload);
        }
        else
        {
            signingClock = Math.max(signingClock + 1, MavlinkSigner.timestampOfUnixMicros(System.currentTimeMillis() * 1000));
            connection.send2(255, 190, payload, 0, signingClock, signingKey);
        }
        socket.send(new DatagramPacket(frame.toByteArray(), frame.size(), vehicleAddress));
    }

    private static CommandLong command(final MavCmd command, final int confirmation, final float param1,
        final float param5, final float param7)
    {
        return CommandLong.builder().targetSystem(SYSTEM_ID).targetComponent(1).command(command).confirmation(confirmation)
            .param1(param1).param5(param5 == 0 ? Float.NaN : param5).param6(Float.NaN).param7(param7).build();
    }

    private MavResult ack(final MavCmd command)
    {
        final CommandAck ack = (CommandAck)await().atMost(10, TimeUnit.SECONDS).until(() -> received.stream()
            .map(MavlinkMessage::getPayload).filter(p -> p instanceof CommandAck a && a.command().entry() == command)
            .findFirst().orElse(null), a -> a != null);
        received.removeIf(m -> m.getPayload() == ack);
        return ack.result().entry();
    }

    private Object first(final Class<?> type)
    {
        return received.stream().map(MavlinkMessage::getPayload).filter(type::isInstance).findFirst().orElse(null);
    }

    private List<Integer> reached()
    {
        return received.stream().map(MavlinkMessage::getPayload).filter(p -> p instanceof MissionItemReached)
            .map(p -> ((MissionItemReached)p).seq()).toList();
    }

    private double relativeAltitude()
    {
        return received.stream().map(MavlinkMessage::getPayload).filter(p -> p instanceof GlobalPositionInt)
            .reduce((a, b) -> b).map(p -> ((GlobalPositionInt)p).relativeAlt() / 1000.0).orElse(-1.0);
    }

    private static byte[] key(final byte fill)
    {
        final byte[] key = new byte[32];
        java.util.Arrays.fill(key, fill);
        return key;
    }
}
