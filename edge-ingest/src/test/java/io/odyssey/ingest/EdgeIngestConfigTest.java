package io.odyssey.ingest;

import io.odyssey.runtime.ConfigurationException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EdgeIngestConfigTest
{
    @Test
    void shouldAcceptTheDefaults()
    {
        final EdgeIngestConfig config = new EdgeIngestConfig().conclude();

        assertThat(config.nodeId).isEqualTo("ingest-1");
        assertThat(config.endpoint).isEqualTo("127.0.0.1:40123");
        assertThat(config.streamId).isEqualTo(1001);
        assertThat(config.idleStrategy).isEqualTo("backoff");
        assertThat(config.fragmentLimit).isEqualTo(256);
        assertThat(config.flushIntervalMs).isEqualTo(5);
        assertThat(config.maxDrones).isEqualTo(100_000);
        assertThat(config.statusHost).isEqualTo("127.0.0.1");
        assertThat(config.statusPort).isEqualTo(9101);
        assertThat(EdgeIngestConfig.ALL).extracting(setting -> setting.envName()).contains(
            "ODYSSEY_GRID_CLUSTER", "ODYSSEY_GRID_MEMBERS", "ODYSSEY_INGEST_NODE_ID", "ODYSSEY_INGEST_ENDPOINT",
            "ODYSSEY_INGEST_STREAM_ID", "ODYSSEY_INGEST_AERON_DIR", "ODYSSEY_INGEST_IDLE_STRATEGY",
            "ODYSSEY_INGEST_FRAGMENT_LIMIT", "ODYSSEY_INGEST_FLUSH_INTERVAL_MS", "ODYSSEY_INGEST_MAX_DRONES",
            "ODYSSEY_INGEST_STATUS_HOST", "ODYSSEY_INGEST_STATUS_PORT");
    }

    @Test
    void shouldNameTheSettingOfABadValue()
    {
        assertInvalid(c -> c.endpoint = "40123", "ODYSSEY_INGEST_ENDPOINT");
        assertInvalid(c -> c.endpoint = "127.0.0.1:1,127.0.0.1:2", "ODYSSEY_INGEST_ENDPOINT");
        assertInvalid(c -> c.endpoint = "127.0.0.1:70000", "ODYSSEY_INGEST_ENDPOINT");
        assertInvalid(c -> c.nodeId = " ", "ODYSSEY_INGEST_NODE_ID");
        assertInvalid(c -> c.idleStrategy = "spin-harder", "ODYSSEY_INGEST_IDLE_STRATEGY");
        assertInvalid(c -> c.fragmentLimit = 0, "ODYSSEY_INGEST_FRAGMENT_LIMIT");
        assertInvalid(c -> c.flushIntervalMs = -1, "ODYSSEY_INGEST_FLUSH_INTERVAL_MS");
        assertInvalid(c -> c.maxDrones = 0, "ODYSSEY_INGEST_MAX_DRONES");
        assertInvalid(c -> c.commandControlEndpoint = "40143", "ODYSSEY_INGEST_COMMAND_CONTROL_ENDPOINT");
        assertInvalid(c -> c.commandControlEndpoint = c.endpoint, "ODYSSEY_INGEST_COMMAND_CONTROL_ENDPOINT");
        assertInvalid(c -> c.commandLinksMax = 0, "ODYSSEY_INGEST_COMMAND_LINKS_MAX");
        assertInvalid(c -> c.livenessTimeoutS = 0, "ODYSSEY_LIVENESS_TIMEOUT_S");
        assertInvalid(c -> c.statusPort = 65_536, "ODYSSEY_INGEST_STATUS_PORT");
        assertInvalid(c -> c.statusHost = "", "ODYSSEY_INGEST_STATUS_HOST");
        assertInvalid(c -> c.clusterName = "", "ODYSSEY_GRID_CLUSTER");
        assertInvalid(c -> c.gridMembers = List.of(), "ODYSSEY_GRID_MEMBERS");
        assertInvalid(c -> c.droneIdMin = 0, "ODYSSEY_INGEST_DRONE_ID_MIN");
        assertInvalid(c -> c.droneIdMax = 1L << 53, "ODYSSEY_INGEST_DRONE_ID_MAX");
        assertInvalid(c ->
        {
            c.droneIdMin = 100;
            c.droneIdMax = 99;
        }, "ODYSSEY_INGEST_DRONE_ID_MAX");
        assertInvalid(c -> c.droneExpiryS = c.alertLostLinkS, "ODYSSEY_INGEST_DRONE_EXPIRY_S");
        assertInvalid(c -> c.droneExpiryS = 8 * 86_400, "ODYSSEY_INGEST_DRONE_EXPIRY_S");
        assertInvalid(c -> c.sentTimeWindowS = 0, "ODYSSEY_INGEST_SENT_TIME_WINDOW_S");
        assertInvalid(c -> c.quarantineUnauthenticatedPerS = -1, "ODYSSEY_INGEST_QUARANTINE_UNAUTHENTICATED_PER_S");
        assertInvalid(c -> c.quarantinePerS = Double.NaN, "ODYSSEY_INGEST_QUARANTINE_PER_S");
    }

    /** NaN passes a check written "x < min || x > max"; Infinity passes "x > 0". Neither may turn an alert off. */
    @Test
    void shouldRefuseNumbersThatAreNotFiniteForEveryNumberSetting()
    {
        for (final double notFinite : new double[]{Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
        {
            assertInvalid(c -> c.alertLowBatteryPct = notFinite, "ODYSSEY_INGEST_ALERT_LOW_BATTERY_PCT");
            assertInvalid(c -> c.alertBatteryHysteresisPct = notFinite, "ODYSSEY_INGEST_ALERT_BATTERY_HYSTERESIS_PCT");
            assertInvalid(c -> c.alertLostLinkS = notFinite, "ODYSSEY_INGEST_ALERT_LOST_LINK_S");
            assertInvalid(c -> c.droneExpiryS = notFinite, "ODYSSEY_INGEST_DRONE_EXPIRY_S");
            assertInvalid(c -> c.alertSeparationHorizontalM = notFinite, "ODYSSEY_INGEST_ALERT_SEPARATION_HORIZONTAL_M");
            assertInvalid(c -> c.alertSeparationVerticalM = notFinite, "ODYSSEY_INGEST_ALERT_SEPARATION_VERTICAL_M");
            assertInvalid(c -> c.alertMaxSpeedMps = notFinite, "ODYSSEY_INGEST_ALERT_MAX_SPEED_MPS");
            assertInvalid(c -> c.signatureWindowS = notFinite, "ODYSSEY_INGEST_SIGNATURE_WINDOW_S");
            assertInvalid(c -> c.sentTimeWindowS = notFinite, "ODYSSEY_INGEST_SENT_TIME_WINDOW_S");
            assertInvalid(c -> c.quarantineUnauthenticatedPerS = notFinite,
                "ODYSSEY_INGEST_QUARANTINE_UNAUTHENTICATED_PER_S");
            assertInvalid(c -> c.quarantinePerS = notFinite, "ODYSSEY_INGEST_QUARANTINE_PER_S");
        }
    }

    @Test
    void shouldRefuseADroneExpiryWithinTwoSignatureWindowsSoAForgottenDroneCannotBeReplayedBackToLife()
    {
        final EdgeIngestConfig config = new EdgeIngestConfig();
        config.signatureWindowS = 60;
        config.droneExpiryS = 30;
        assertThatThrownBy(config::conclude).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("ODYSSEY_INGEST_DRONE_EXPIRY_S").hasMessageContaining("ODYSSEY_INGEST_SIGNATURE_WINDOW_S");
        config.droneExpiryS = 120;
        assertThatThrownBy(config::conclude).hasMessageContaining("ODYSSEY_INGEST_DRONE_EXPIRY_S");
        config.droneExpiryS = 121;
        config.conclude();
        config.signatureWindowS = 4;
        config.droneExpiryS = 10;
        config.conclude();
    }

    @Test
    void shouldBoundDroneIdsBelowWhatJsonClientsReadExactlyAndExpireSilentDronesAfterTheirLostLink()
    {
        final EdgeIngestConfig config = new EdgeIngestConfig().conclude();
        assertThat(config.droneIdMin).isEqualTo(1);
        assertThat(config.droneIdMax).isEqualTo(999_999_999L).isLessThan(1L << 53);
        assertThat(config.alertRules().droneExpiryNanos()).isEqualTo(300_000_000_000L)
            .isGreaterThan(config.alertRules().lostLinkNanos());
        config.droneIdMax = (1L << 53) - 1;
        config.conclude();
    }

    private static void assertInvalid(final Consumer<EdgeIngestConfig> change, final String setting)
    {
        final EdgeIngestConfig config = new EdgeIngestConfig();
        change.accept(config);
        assertThatThrownBy(config::conclude).isInstanceOf(ConfigurationException.class).hasMessageStartingWith(setting);
    }
}
