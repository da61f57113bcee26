package io.odyssey.simulator;

import io.odyssey.runtime.ConfigurationException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimulatorConfigTest
{
    @Test
    void shouldDefaultToFiftyDronesAtTenHertzAroundBerlin()
    {
        final SimulatorConfig config = new SimulatorConfig().conclude();
        assertThat(config.drones).isEqualTo(50);
        assertThat(config.firstId).isEqualTo(1);
        assertThat(config.rateHz).isEqualTo(10.0);
        assertThat(config.endpoints).containsExactly("127.0.0.1:40123");
        assertThat(config.streamId).isEqualTo(1001);
        assertThat(config.seed).isEqualTo(42);
        assertThat(config.centerLat).isEqualTo(52.52);
        assertThat(config.centerLon).isEqualTo(13.405);
        assertThat(config.radiusM).isEqualTo(3000.0);
        assertThat(config.cruiseSpeedMps).isEqualTo(12.0);
        assertThat(config.heartbeatIntervalMs).isEqualTo(1000);
        assertThat(config.idleStrategy).isEqualTo("backoff");
        assertThat(config.statusHost).isEqualTo("127.0.0.1");
        assertThat(config.statusPort).isEqualTo(9103);
        assertThat(config.commandEndpoint).isEqualTo("127.0.0.1:40125");
        assertThat(config.takesCommands()).isTrue();
        assertThat(config.commandHost()).isEqualTo("127.0.0.1");
        assertThat(config.commandPort()).isEqualTo(40125);
        assertThat(config.commandStreamId).isEqualTo(1002);
        assertThat(config.commandAdvertise).isEmpty();
        assertThat(config.timeScale).isEqualTo(1.0);
        assertThat(config.failsafeBatteryPct).isEqualTo(DroneFleet.RETURN_BATTERY_PCT);
        assertThat(config.batteryDrainFactor).isEqualTo(1.0);
        assertThat(config.commandControlEndpoints).as("no command channels unless configured").isEmpty();
        assertThat(config.livenessTimeoutS).isEqualTo(10);
        assertThat(config.droneKeys).isEqualTo(".odyssey/drone-keys");
        assertThat(config.mavlinkDrones).as("no MAVLink drones unless asked").isZero();
        assertThat(config.mavlinkEdge).isEqualTo("127.0.0.1:14550");
        assertThat(config.mavlinkDropAcks).as("the test hook loses nothing unless asked").isZero();
        assertThat(config.mavlinkBusyCommands).as("nor does the busy vehicle's").isZero();
        assertThat(config.mavlinkModeSwitches()).as("no vehicle changes mode by itself unless asked").isEmpty();
        assertThat(SimulatorConfig.ALL).hasSize(28);
    }

    @Test
    void shouldRejectOutOfRangeValuesNamingTheSetting()
    {
        assertInvalid(c -> c.drones = 0, "ODYSSEY_SIM_DRONES");
        assertInvalid(c -> c.mavlinkDrones = 256, "ODYSSEY_SIM_MAVLINK_DRONES");
        assertInvalid(c -> c.mavlinkDrones = c.drones + 1, "ODYSSEY_SIM_MAVLINK_DRONES");
        assertInvalid(c ->
        {
            c.mavlinkDrones = 1;
            c.mavlinkEdge = "no-port";
        }, "ODYSSEY_SIM_MAVLINK_EDGE");
        assertInvalid(c -> c.drones = 100_001, "ODYSSEY_SIM_DRONES");
        assertInvalid(c -> c.firstId = 0, "ODYSSEY_SIM_FIRST_ID");
        assertInvalid(c -> c.rateHz = 0.05, "ODYSSEY_SIM_RATE_HZ");
        assertInvalid(c -> c.rateHz = 101, "ODYSSEY_SIM_RATE_HZ");
        assertInvalid(c -> c.rateHz = Double.NaN, "ODYSSEY_SIM_RATE_HZ");
        assertInvalid(c -> c.endpoints = List.of(), "ODYSSEY_SIM_ENDPOINTS");
        assertInvalid(c -> c.endpoints = List.of("localhost"), "ODYSSEY_SIM_ENDPOINTS");
        assertInvalid(c -> c.endpoints = List.of("127.0.0.1:70000"), "ODYSSEY_SIM_ENDPOINTS");
        assertInvalid(c -> c.streamId = 0, "ODYSSEY_SIM_STREAM_ID");
        assertInvalid(c -> c.centerLat = 85, "ODYSSEY_SIM_CENTER");
        assertInvalid(c -> c.radiusM = 10, "ODYSSEY_SIM_RADIUS_M");
        assertInvalid(c -> c.cruiseSpeedMps = 0, "ODYSSEY_SIM_CRUISE_SPEED_MPS");
        assertInvalid(c -> c.heartbeatIntervalMs = 50, "ODYSSEY_SIM_HEARTBEAT_INTERVAL_MS");
        assertInvalid(c -> c.idleStrategy = "spin-forever", "ODYSSEY_SIM_IDLE_STRATEGY");
        assertInvalid(c -> c.statusPort = 65_536, "ODYSSEY_SIM_STATUS_PORT");
        assertInvalid(c -> c.firstId = SimulatorConfig.MAX_DRONE_ID, "ODYSSEY_SIM_FIRST_ID");
        assertInvalid(c -> c.commandEndpoint = "127.0.0.1", "ODYSSEY_SIM_COMMAND_ENDPOINT");
        assertInvalid(c -> c.commandEndpoint = "127.0.0.1:65536", "ODYSSEY_SIM_COMMAND_ENDPOINT");
        assertInvalid(c -> c.commandEndpoint = "127.0.0.1:port", "ODYSSEY_SIM_COMMAND_ENDPOINT");
        assertInvalid(c -> c.commandStreamId = 0, "ODYSSEY_SIM_COMMAND_STREAM_ID");
        assertInvalid(c -> c.timeScale = 0.05, "ODYSSEY_SIM_TIME_SCALE");
        assertInvalid(c -> c.timeScale = 101, "ODYSSEY_SIM_TIME_SCALE");
        assertInvalid(c -> c.timeScale = Double.NaN, "ODYSSEY_SIM_TIME_SCALE");
        assertInvalid(c -> c.failsafeBatteryPct = -1, "ODYSSEY_SIM_FAILSAFE_BATTERY_PCT");
        assertInvalid(c -> c.failsafeBatteryPct = DroneFleet.TAKEOFF_BATTERY_PCT, "ODYSSEY_SIM_FAILSAFE_BATTERY_PCT");
        assertInvalid(c -> c.batteryDrainFactor = -0.5, "ODYSSEY_SIM_BATTERY_DRAIN_FACTOR");
        assertInvalid(c -> c.batteryDrainFactor = 1001, "ODYSSEY_SIM_BATTERY_DRAIN_FACTOR");
    }

    @Test
    void shouldReadTheModeSwitchesOfNamedMavlinkDronesAndRefuseAnyOtherNamingTheSetting()
    {
        final SimulatorConfig config = new SimulatorConfig();
        config.drones = 10;
        config.firstId = 101;
        config.mavlinkDrones = 3;
        config.mavlinkModeSwitches = " 108:posctl:4.5 , 110:RTL:0";
        assertThat(config.conclude().mavlinkModeSwitches()).containsExactly(
            new MavlinkModeSwitch(108, MavlinkModeSwitch.Mode.POSCTL, 4_500_000_000L),
            new MavlinkModeSwitch(110, MavlinkModeSwitch.Mode.RTL, 0L));

        final Consumer<SimulatorConfig> mavlink = c ->
        {
            c.drones = 10;
            c.firstId = 101;
            c.mavlinkDrones = 3;
        };
        assertInvalid(mavlink.andThen(c -> c.mavlinkModeSwitches = "107:POSCTL:5"), "ODYSSEY_SIM_MAVLINK_MODE_SWITCHES");
        assertInvalid(mavlink.andThen(c -> c.mavlinkModeSwitches = "111:RTL:5"), "ODYSSEY_SIM_MAVLINK_MODE_SWITCHES");
        assertInvalid(mavlink.andThen(c -> c.mavlinkModeSwitches = "108:ACRO:5"), "ODYSSEY_SIM_MAVLINK_MODE_SWITCHES");
        assertInvalid(mavlink.andThen(c -> c.mavlinkModeSwitches = "108:RTL"), "ODYSSEY_SIM_MAVLINK_MODE_SWITCHES");
        assertInvalid(mavlink.andThen(c -> c.mavlinkModeSwitches = "108:RTL:-1"), "ODYSSEY_SIM_MAVLINK_MODE_SWITCHES");
        assertInvalid(mavlink.andThen(c -> c.mavlinkModeSwitches = "108:RTL:NaN"), "ODYSSEY_SIM_MAVLINK_MODE_SWITCHES");
        assertInvalid(mavlink.andThen(c -> c.mavlinkModeSwitches = "108:RTL:1,108:POSCTL:2"),
            "ODYSSEY_SIM_MAVLINK_MODE_SWITCHES");
        assertInvalid(c -> c.mavlinkModeSwitches = "1:RTL:5", "ODYSSEY_SIM_MAVLINK_MODE_SWITCHES");
    }

    @Test
    void shouldTakeNoCommandsWhenTheEndpointIsNoneOrEmpty()
    {
        final SimulatorConfig none = new SimulatorConfig();
        none.commandEndpoint = "none";
        none.commandStreamId = 0;
        assertThat(none.conclude().takesCommands()).as("none; the stream id is then irrelevant").isFalse();
        final SimulatorConfig empty = new SimulatorConfig();
        empty.commandEndpoint = "";
        assertThat(empty.conclude().takesCommands()).isFalse();
        final SimulatorConfig anyPort = new SimulatorConfig();
        anyPort.commandEndpoint = "0.0.0.0:0";
        assertThat(anyPort.conclude().takesCommands()).isTrue();
        assertThat(anyPort.commandPort()).as("any free port").isZero();
    }

    @Test
    void shouldAdvertiseTheEndpointHostOrTheConfiguredOneAsAnIpv4Int()
    {
        final SimulatorConfig config = new SimulatorConfig();
        config.commandEndpoint = "127.0.0.1:0";
        assertThat(Simulator.advertisedAddress(config.conclude())).isEqualTo(0x7F00_0001);
        config.commandAdvertise = "10.1.2.3";
        assertThat(Simulator.advertisedAddress(config)).isEqualTo(0x0A01_0203);
        assertThat(Simulator.ipv4(0x0A01_0203)).isEqualTo("10.1.2.3");
        config.commandAdvertise = "192.168.200.250";
        assertThat(Simulator.ipv4(Simulator.advertisedAddress(config))).isEqualTo("192.168.200.250");
        config.commandAdvertise = "";
        config.commandEndpoint = "0.0.0.0:40125";
        assertThat(Simulator.advertisedAddress(config)).as("a wildcard advertises some real address of this host")
            .isNotZero();
        config.commandAdvertise = "::1";
        assertThatThrownBy(() -> Simulator.advertisedAddress(config)).isInstanceOf(ConfigurationException.class)
            .hasMessageStartingWith("ODYSSEY_SIM_COMMAND_ADVERTISE");
    }

    @Test
    void shouldAdvertiseAPortForwardedThroughNatWhenTheAdvertisedEndpointNamesOne()
    {
        final SimulatorConfig config = new SimulatorConfig();
        config.commandEndpoint = "0.0.0.0:40125";
        config.commandAdvertise = "203.0.113.7:61000";
        assertThat(Simulator.advertisedAddress(config.conclude())).isEqualTo(0xCB00_7107);
        assertThat(config.advertisedPort(40125)).isEqualTo(61000);
        config.commandAdvertise = "203.0.113.7";
        assertThat(config.advertisedPort(40125)).as("the port listened on").isEqualTo(40125);
        config.commandAdvertise = "203.0.113.7:0";
        assertThatThrownBy(config::conclude).isInstanceOf(ConfigurationException.class)
            .hasMessageStartingWith("ODYSSEY_SIM_COMMAND_ADVERTISE");
        config.commandAdvertise = "203.0.113.7:port";
        assertThatThrownBy(config::conclude).hasMessageStartingWith("ODYSSEY_SIM_COMMAND_ADVERTISE");
    }

    @Test
    void shouldTakeOneCommandControlEndpointPerIngestEndpointInTheSameOrder()
    {
        final SimulatorConfig config = new SimulatorConfig();
        config.endpoints = List.of("10.0.0.1:40123", "10.0.0.2:40123");
        config.commandEndpoint = "none";
        assertThat(config.conclude().hasCommandChannels()).isFalse();
        config.commandControlEndpoints = List.of("10.0.0.1:40143", "10.0.0.2:40143");
        assertThat(config.conclude().hasCommandChannels()).as("commands through the channels alone").isTrue();
        assertThat(config.takesCommands()).as("no endpoint of its own").isFalse();
        config.commandControlEndpoints = List.of("10.0.0.1:40143");
        assertThatThrownBy(config::conclude).isInstanceOf(ConfigurationException.class)
            .hasMessageStartingWith("ODYSSEY_SIM_COMMAND_CONTROL_ENDPOINTS")
            .hasMessageContaining("one host:port per ingest endpoint");
        config.commandControlEndpoints = List.of("10.0.0.1", "10.0.0.2:40143");
        assertThatThrownBy(config::conclude).hasMessageStartingWith("ODYSSEY_SIM_COMMAND_CONTROL_ENDPOINTS");
    }

    @Test
    void shouldReadSettingsFromSystemPropertiesAndRejectUnparsableOnes()
    {
        try
        {
            System.setProperty("odyssey.sim.drones", "10000");
            System.setProperty("odyssey.sim.endpoints", "127.0.0.1:40123, 127.0.0.1:40124");
            System.setProperty("odyssey.sim.center", "48.8566,2.3522");
            System.setProperty("odyssey.sim.command.endpoint", "none");
            System.setProperty("odyssey.sim.time.scale", "20");
            System.setProperty("odyssey.sim.battery.drain.factor", "0");
            final SimulatorConfig config = new SimulatorConfig().conclude();
            assertThat(config.takesCommands()).isFalse();
            assertThat(config.timeScale).isEqualTo(20.0);
            assertThat(config.batteryDrainFactor).isZero();
            assertThat(config.drones).isEqualTo(10_000);
            assertThat(config.endpoints).containsExactly("127.0.0.1:40123", "127.0.0.1:40124");
            assertThat(config.centerLat).isEqualTo(48.8566);

            System.setProperty("odyssey.sim.center", "north");
            assertThatThrownBy(SimulatorConfig::new).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("ODYSSEY_SIM_CENTER");
            System.setProperty("odyssey.sim.center", "52.52,13.405");
            System.setProperty("odyssey.sim.endpoints", "127.0.0.1");
            assertThatThrownBy(SimulatorConfig::new).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("ODYSSEY_SIM_ENDPOINTS");
            System.setProperty("odyssey.sim.endpoints", "127.0.0.1:40123");
            System.setProperty("odyssey.sim.drones", "many");
            assertThatThrownBy(SimulatorConfig::new).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("ODYSSEY_SIM_DRONES");
        }
        finally
        {
            System.clearProperty("odyssey.sim.drones");
            System.clearProperty("odyssey.sim.endpoints");
            System.clearProperty("odyssey.sim.center");
            System.clearProperty("odyssey.sim.command.endpoint");
            System.clearProperty("odyssey.sim.time.scale");
            System.clearProperty("odyssey.sim.battery.drain.factor");
        }
    }

    private static void assertInvalid(final Consumer<SimulatorConfig> change, final String setting)
    {
        final SimulatorConfig config = new SimulatorConfig();
        change.accept(config);
        assertThatThrownBy(config::conclude).isInstanceOf(ConfigurationException.class).hasMessageStartingWith(setting);
    }
}
