package io.odyssey.mavlink.edge;

import io.odyssey.codecs.sign.DroneKeyRing;
import io.odyssey.codecs.sign.TestDroneKeys;
import io.odyssey.runtime.ConfigurationException;
import io.odyssey.runtime.Setting;
import io.odyssey.runtime.UnwritableDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A clumsy operator's edge: what it says when it cannot start. */
class MavlinkEdgeLaunchTest
{
    @TempDir
    Path temp;

    /** The edge writes only Aeron's directory (in a container: /dev/shm); one it cannot create is refused at start. */
    @Test
    void shouldRefuseToStartOnAnAeronDirectoryWhoseParentItCannotWrite() throws Exception
    {
        try (UnwritableDirectory unwritable = UnwritableDirectory.in(temp))
        {
            final MavlinkEdgeConfig config = edgeConfig("127.0.0.1:0");
            config.aeronDir = unwritable.path().resolve("aeron").toString();

            assertThatThrownBy(() -> MavlinkEdge.launch(config, new VehicleRegistry(), keys())).as(unwritable.how())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageStartingWith("ODYSSEY_MAVLINK_AERON_DIR: cannot write to " + unwritable.path());
        }
    }

    @Test
    void shouldNameTheListenSettingWhenAnotherProcessHoldsTheMavlinkPort() throws Exception
    {
        try (DatagramChannel groundStation = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0)))
        {
            final int taken = ((InetSocketAddress)groundStation.getLocalAddress()).getPort();
            final MavlinkEdgeConfig config = edgeConfig("127.0.0.1:" + taken);

            assertThatThrownBy(() -> MavlinkEdge.launch(config, new VehicleRegistry(), keys()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("ODYSSEY_MAVLINK_LISTEN")
                .hasMessageContaining("127.0.0.1:" + taken);
        }
    }

    @Test
    void shouldNameTheCommandEndpointSettingWhenAnotherProcessHoldsItsPort() throws Exception
    {
        try (DatagramChannel simulator = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0)))
        {
            final int taken = ((InetSocketAddress)simulator.getLocalAddress()).getPort();
            final MavlinkEdgeConfig config = edgeConfig("127.0.0.1:0");
            config.commandEndpoint = "127.0.0.1:" + taken;

            assertThatThrownBy(() -> MavlinkEdge.launch(config, new VehicleRegistry(), keys()))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("ODYSSEY_MAVLINK_COMMAND_ENDPOINT")
                .hasMessageContaining("127.0.0.1:" + taken);
        }
    }

    @Test
    void shouldRefuseCommandSettingsOutOfRange()
    {
        final MavlinkEdgeConfig config = new MavlinkEdgeConfig();
        config.commandAttempts = 0;
        assertThatThrownBy(config::conclude).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("ODYSSEY_MAVLINK_COMMAND_ATTEMPTS");
        config.commandAttempts = 5;
        config.commandAckTimeoutMs = 10;
        assertThatThrownBy(config::conclude).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("ODYSSEY_MAVLINK_COMMAND_ACK_TIMEOUT_MS");
        config.commandAckTimeoutMs = 1_000;
        config.commandEndpoint = "nowhere";
        assertThatThrownBy(config::conclude).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("ODYSSEY_MAVLINK_COMMAND_ENDPOINT");
    }

    /** An edge hearing vehicles on {@code listen}, sending to a port nothing listens on: these tests never get that far. */
    private static MavlinkEdgeConfig edgeConfig(final String listen)
    {
        final MavlinkEdgeConfig config = new MavlinkEdgeConfig();
        config.listen = listen;
        config.endpoints = List.of("127.0.0.1:9");
        config.statusPort = 0;
        return config;
    }

    private static DroneKeyRing keys()
    {
        return DroneKeyRing.load(Setting.of("ODYSSEY_TEST_MAVLINK_KEYS", "", "keys of the test"), TestDroneKeys.file(1, 1));
    }
}
