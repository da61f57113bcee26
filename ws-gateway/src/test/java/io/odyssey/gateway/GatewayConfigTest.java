package io.odyssey.gateway;

import io.odyssey.runtime.ConfigurationException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatewayConfigTest
{
    @Test
    void shouldRefuseTheSamplesPlaceholderDatabasePasswordNamingTheSettingAndNotShowingIt()
    {
        final GatewayConfig config = new GatewayConfig();
        config.dbUrl = "jdbc:postgresql://db:5432/odyssey";
        config.dbPassword = "change-me-to-a-generated-password";

        assertThatThrownBy(config::conclude).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("ODYSSEY_GATEWAY_DB_PASSWORD").hasMessageNotContaining("change-me-to");
    }

    @Test
    void shouldRefuseAUrlThatIsNotJdbcWithoutShowingThePasswordItHolds()
    {
        final GatewayConfig config = new GatewayConfig();
        config.dbUrl = "postgresql://user:secret@db/x";

        assertThatThrownBy(config::conclude).isInstanceOf(ConfigurationException.class)
            .hasMessageContaining("ODYSSEY_GATEWAY_DB_URL").hasMessageContaining("postgresql://user:***@db/x")
            .hasMessageNotContaining("secret");
    }

    @Test
    void shouldRefuseAReloadBoundBelowOnePageOrAboveWhatTheViewHolds()
    {
        for (final int entries : new int[]{0, 999, FleetView.MAX_SLOTS + 1})
        {
            final GatewayConfig config = new GatewayConfig();
            config.fleetReloadMaxEntries = entries;

            assertThatThrownBy(config::conclude).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("ODYSSEY_GATEWAY_FLEET_RELOAD_MAX_ENTRIES");
        }
    }
}
