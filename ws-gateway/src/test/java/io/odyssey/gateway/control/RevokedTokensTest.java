package io.odyssey.gateway.control;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RevokedTokensTest
{
    @Test
    void shouldRememberTheNewestDigestsUpToItsCapacityAndForgetTheOldestFirst()
    {
        final RevokedTokens revoked = new RevokedTokens(3);
        revoked.add("a");
        revoked.add("b");
        revoked.add("c");
        revoked.add("a");
        assertThat(revoked.contains("a")).isTrue();

        revoked.add("d");

        assertThat(revoked.contains("a")).as("the oldest, not re-added on its second deletion").isFalse();
        assertThat(revoked.contains("b")).isTrue();
        assertThat(revoked.contains("c")).isTrue();
        assertThat(revoked.contains("d")).isTrue();
    }
}
