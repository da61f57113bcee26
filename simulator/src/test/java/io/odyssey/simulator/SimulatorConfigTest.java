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
        assertThat(SimulatorConfig.ALL).hasSize(14);
    }

    @Test
    void shouldRejectOutOfRangeValuesNamingTheSetting()
    {
        assertInvalid(c -> c.drones = 0, "ODYSSEY_SIM_DRONES");
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
    }

    @Test
    void shouldReadSettingsFromSystemPropertiesAndRejectUnparsableOnes()
    {
        try
        {
            System.setProperty("odyssey.sim.drones", "10000");
            System.setProperty("odyssey.sim.endpoints", "127.0.0.1:40123, 127.0.0.1:40124");
            System.setProperty("odyssey.sim.center", "48.8566,2.3522");
            final SimulatorConfig config = new SimulatorConfig().conclude();
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
        }
    }

    private static void assertInvalid(final Consumer<SimulatorConfig> change, final String setting)
    {
        final SimulatorConfig config = new SimulatorConfig();
        change.accept(config);
        assertThatThrownBy(config::conclude).isInstanceOf(ConfigurationException.class).hasMessageStartingWith(setting);
    }
}
