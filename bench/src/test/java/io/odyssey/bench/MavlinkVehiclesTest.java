package io.odyssey.bench;

import io.odyssey.codecs.sign.DroneKeyRing;
import io.odyssey.codecs.sign.DroneKeys;
import io.odyssey.codecs.sign.TestDroneKeys;
import io.odyssey.mavlink.MavlinkFrameReader;
import io.odyssey.mavlink.MavlinkSigner;
import io.odyssey.mavlink.message.GlobalPositionInt;
import io.odyssey.mavlink.message.Heartbeat;
import io.odyssey.mavlink.message.SysStatus;
import io.odyssey.runtime.Setting;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The bench's MAVLink vehicles as an edge hears them: what each datagram holds, and the send time the client reads back. */
class MavlinkVehiclesTest
{
    private static final long FIRST = 700;
    private static final int VEHICLES = 5;

    @Test
    void shouldSendSignedStepsAsPx4PacksThemAndTellEachPositionsSendTimeFromItsLongitude() throws Exception
    {
        final Path keyFile = TestDroneKeys.file(FIRST, FIRST + VEHICLES - 1);
        final DroneKeys keys = DroneKeyRing.load(Setting.of("ODYSSEY_TEST_BENCH_KEYS", "", "test"), keyFile).keys();
        final MavlinkFrameReader reader = new MavlinkFrameReader();
        final MavlinkSigner signer = new MavlinkSigner();
        final GlobalPositionInt position = new GlobalPositionInt();
        final Map<Integer, Integer> heartbeats = new HashMap<>();
        final Map<Integer, Long> lastSentAt = new HashMap<>();
        int positions = 0;
        try (DatagramSocket edge = new DatagramSocket(0, InetAddress.getLoopbackAddress());
            MavlinkVehicles vehicles = new MavlinkVehicles(FIRST, VEHICLES, List.of(edge.getLocalPort()), keyFile))
        {
            edge.setSoTimeout(5_000);
            edge.setReceiveBufferSize(1 << 20);
            final long[] sent = vehicles.run(10, 1, 0, () -> { }, () -> { });
            assertThat(sent).containsOnly(10L);
            assertThat(vehicles.sent()).isEqualTo(10L * VEHICLES);

            final byte[] bytes = new byte[2048];
            for (int d = 0; d < 10 * VEHICLES; d++)
            {
                final DatagramPacket packet = new DatagramPacket(bytes, bytes.length);
                edge.receive(packet);
                final UnsafeBuffer datagram = new UnsafeBuffer(bytes, 0, packet.getLength());
                int at = 0;
                while (at < packet.getLength())
                {
                    assertThat(reader.read(datagram, at, packet.getLength())).isEqualTo(MavlinkFrameReader.OK);
                    final int systemId = reader.systemId();
                    final long droneId = FIRST + systemId - 1;
                    assertThat(signer.verify(reader, keys.entry(droneId).current().keyBytes()))
                        .as("signed with the drone's key").isTrue();
                    if (reader.messageId() == Heartbeat.ID || reader.messageId() == SysStatus.ID)
                    {
                        heartbeats.merge(systemId * 1_000 + reader.messageId(), 1, Integer::sum);
                    }
                    if (reader.messageId() == GlobalPositionInt.ID)
                    {
                        positions++;
                        final double longitude = reader.payload(position).lon() / 1e7;
                        final long sentAt = vehicles.sentAt(droneId, longitude);
                        assertThat(sentAt).as("a send time for every position").isPositive();
                        assertThat(sentAt).as("later than the vehicle's last").isGreaterThan(lastSentAt.getOrDefault(systemId, 0L));
                        lastSentAt.put(systemId, sentAt);
                        assertThat(vehicles.owns(droneId)).isTrue();
                    }
                    at += reader.frameLength();
                }
            }
            assertThat(vehicles.owns(FIRST + VEHICLES)).isFalse();
        }
        assertThat(positions).isEqualTo(10 * VEHICLES);
        assertThat(heartbeats.values()).as("HEARTBEAT and SYS_STATUS once a second per vehicle")
            .hasSize(2 * VEHICLES).containsOnly(1);
    }

    @Test
    void shouldNeedAnEdgeFor250VehiclesEach()
    {
        assertThat(MavlinkVehicles.edges(1_000)).isEqualTo(4);
        assertThat(MavlinkVehicles.edges(251)).isEqualTo(2);
        assertThat(MavlinkVehicles.systemId(0)).isEqualTo(1);
        assertThat(MavlinkVehicles.systemId(250)).as("the second edge's first").isEqualTo(1);
        assertThat(MavlinkVehicles.slot(13.4000123)).isEqualTo(123);
        assertThat(MavlinkVehicles.slot(13.4000999)).isEqualTo(999);
    }
}
