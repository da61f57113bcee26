package io.odyssey.gateway.control;

import io.odyssey.gateway.GatewayConfig;
import io.odyssey.runtime.ConfigurationException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AccessControlTest
{
    private static AccessControl access(final List<String> tokens, final Role anonymous)
    {
        // No grid map and no gateway key: only configured tokens, so the refusal counters and the clock stay unused.
        final io.odyssey.runtime.Metrics metrics = new io.odyssey.runtime.Metrics("test");
        return new AccessControl(tokens, null, anonymous, Set.of("https://ops.example.com"), GatewayConfig.TOKENS, null,
            metrics.counter("odyssey_test_forged_total", "forged"), metrics.counter("odyssey_test_revoked_total", "revoked"),
            metrics.counter("odyssey_test_expired_total", "expired"),
            metrics.counter("odyssey_test_no_expiry_total", "no expiry"), System::currentTimeMillis,
            TimeUnit.HOURS.toMillis(Long.parseLong(GatewayConfig.TOKEN_MAX_LIFETIME_H.defaultValue())));
    }

    @Test
    void shouldKnowConfiguredTokensByTheirSecretAndNothingElse()
    {
        final AccessControl access = access(List.of("ops:operator:0123456789abcdef-ops", "wall:viewer:0123456789abcdef_wall"),
            null);

        assertThat(access.authenticate("0123456789abcdef-ops")).isEqualTo(new Principal("ops", Role.OPERATOR));
        assertThat(access.authenticate("0123456789abcdef_wall")).isEqualTo(new Principal("wall", Role.VIEWER));
        assertThat(access.authenticate("0123456789abcdef-opx")).isNull();
        assertThat(access.authenticate("short")).isNull();
        assertThat(access.authenticate(null)).as("no token, no anonymous role").isNull();
        assertThat(access.list()).extracting(t -> t.get("name")).containsExactlyInAnyOrder("ops", "wall");
        assertThat(access.list().toString()).doesNotContain("0123456789abcdef");
    }

    @Test
    void shouldGiveRequestsWithoutATokenTheAnonymousRoleOnlyWhenConfigured()
    {
        assertThat(access(List.of(), Role.VIEWER).authenticate(null)).isEqualTo(new Principal("anonymous", Role.VIEWER));
        assertThat(access(List.of(), Role.VIEWER).authenticate("0123456789abcdef-unknown"))
            .as("a wrong token is not anonymous").isNull();
    }

    @Test
    void shouldRefuseBadEntriesAndThePlaceholdersWithoutEchoingTheSecret()
    {
        assertThatThrownBy(() -> access(List.of("ops:pilot:0123456789abcdef-ops"), null))
            .isInstanceOf(ConfigurationException.class).hasMessageNotContaining("0123456789abcdef");
        assertThatThrownBy(() -> access(List.of("ops:operator:tooshort"), null)).isInstanceOf(ConfigurationException.class);
        assertThatThrownBy(() -> access(List.of("operator:operator:change-me-operator-0000"), null))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("change-me");
        // Orders are filed under their token's name, and these two name orders nodes record themselves.
        assertThatThrownBy(() -> access(List.of("drone:operator:0123456789abcdef-ops"), null))
            .isInstanceOf(ConfigurationException.class).hasMessageContaining("other than drone and geofence");
        assertThatThrownBy(() -> access(List.of("geofence:admin:0123456789abcdef-ops"), null))
            .isInstanceOf(ConfigurationException.class);
    }

    @Test
    void shouldAllowRequestsWithoutAnOriginAndOnlyTheListedOrigins()
    {
        final AccessControl access = access(List.of(), null);
        assertThat(access.originAllowed(null)).isTrue();
        assertThat(access.originAllowed("https://ops.example.com")).isTrue();
        assertThat(access.originAllowed("https://ops.example.com.evil.example")).isFalse();
        assertThat(access.originAllowed("null")).isFalse();
    }

    @Test
    void shouldMakeSecretsThatAreValidTokens()
    {
        final String secret = AccessControl.newSecret();
        assertThat(secret).matches(AccessControl.SECRET).doesNotStartWith("change-me");
        assertThat(AccessControl.newSecret()).isNotEqualTo(secret);
    }
}
