package io.odyssey.gateway;

import io.odyssey.runtime.ConfigurationException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BrowserHeadersTest
{
    @Test
    void shouldAllowTheConfiguredTileServerToBeFetchedAndDrawnAndNothingElse()
    {
        final String policy = BrowserHeaders.contentSecurityPolicy("https://tile.example.org/{z}/{x}/{y}.png");

        assertThat(policy).contains("img-src 'self' data: blob: https://tile.example.org;",
            "connect-src 'self' https://tile.example.org;");
        assertThat(BrowserHeaders.contentSecurityPolicy("")).contains("connect-src 'self';", "img-src 'self' data: blob:;");
    }

    @Test
    void shouldTakeOnlyTheOriginOfATileTemplateWithASubdomainPlaceholderAsAWildcard()
    {
        assertThat(BrowserHeaders.tileSource("https://{s}.tile.example.org/{z}/{x}/{y}.png")).isEqualTo("https://*.tile.example.org");
        assertThat(BrowserHeaders.tileSource("http://10.0.0.5:8081/tiles/{z}/{x}/{y}")).isEqualTo("http://10.0.0.5:8081");
        assertThat(BrowserHeaders.tileSource("https://tile.example.org")).isEqualTo("https://tile.example.org");
        // Nothing that could break out of the header or widen the policy.
        assertThat(BrowserHeaders.tileSource("https://tile.example.org; script-src *")).isNull();
        assertThat(BrowserHeaders.tileSource("javascript:alert(1)")).isNull();
        assertThat(BrowserHeaders.tileSource("https://tile.{s}.example.org/{z}")).isNull();
    }

    @Test
    void shouldRefuseATileUrlTheDashboardsPolicyCannotName()
    {
        final GatewayConfig config = new GatewayConfig();
        config.tileUrl = "ftp://tiles.example.org/{z}/{x}/{y}.png";

        assertThatThrownBy(config::conclude).isInstanceOf(ConfigurationException.class).hasMessageContaining("ODYSSEY_MAP_TILE_URL");
    }
}
