package io.odyssey.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DroneKeysCommandTest
{
    private static final String KEY = "5e".repeat(32);
    private final FakeGateway gateway = new FakeGateway();

    @AfterEach
    void stop()
    {
        gateway.close();
    }

    @Test
    void shouldListAddRotateAndRevokeADronesKeys()
    {
        gateway.answer("GET", "/api/v1/drones/7/keys", 200, "{\"droneId\":7,\"keys\":[{\"keyId\":12,\"state\":" +
                "\"current\",\"created\":\"2026-01-01T00:00:00Z\"},{\"state\":\"previous\",\"validUntil\":" +
                "\"2026-01-01T00:05:00Z\"}]}")
            .answer("POST", "/api/v1/drones/7/keys", 201, "{\"droneId\":7,\"keyId\":11,\"key\":\"" + KEY + "\"}")
            .answer("POST", "/api/v1/drones/7/keys/rotate", 200, "{\"droneId\":7,\"keyId\":12,\"key\":\"" + KEY +
                "\",\"previousKeyValidUntil\":\"2026-01-01T00:05:00Z\"}")
            .answer("DELETE", "/api/v1/drones/7/keys", 204, "");

        final Cli.Result list = Cli.run("drones", "keys", "list", "7", "--server", gateway.url());
        final Cli.Result add = Cli.run("drones", "keys", "add", "7", "--server", gateway.url());
        final Cli.Result rotate = Cli.run("drones", "keys", "rotate", "7", "--grace", "300", "--server", gateway.url());
        final Cli.Result revoke = Cli.run("drones", "keys", "revoke", "7", "--server", gateway.url());

        assertThat(list.exit()).isZero();
        assertThat(list.out().lines()).containsExactly(
            "key id  state     created               valid until",
            "    12  current   2026-01-01T00:00:00Z  -",
            "     -  previous  -                     2026-01-01T00:05:00Z");
        assertThat(add.exit()).isZero();
        assertThat(add.out()).startsWith("drone 7 key 11:\n" + KEY + "\n").contains("only this once");
        assertThat(rotate.exit()).isZero();
        assertThat(gateway.last("POST", "/api/v1/drones/7/keys/rotate").body()).isEqualTo("{\"graceS\":300}");
        assertThat(rotate.out()).contains(KEY, "still accepted until 2026-01-01T00:05:00Z");
        assertThat(rotate.err()).doesNotContain(KEY);
        assertThat(revoke.exit()).isZero();
        assertThat(revoke.out()).isEqualTo("revoked the keys of drone 7\n");
        assertThat(gateway.requests("DELETE", "/api/v1/drones/7/keys")).hasSize(1);
    }

    @Test
    void shouldSayWhatTheGatewayRefused()
    {
        gateway.answer("POST", "/api/v1/drones/7/keys/rotate", 400, "{\"type\":\"about:blank\",\"title\":\"Bad Request\"," +
            "\"status\":400,\"detail\":\"graceS is a whole number of seconds from 0 to 604800, not -1\",\"code\":\"BAD_GRACE\"}");

        final Cli.Result rotate = Cli.run("drones", "keys", "rotate", "7", "--grace", "-1", "--server", gateway.url());

        assertThat(rotate.exit()).isNotZero();
        assertThat(rotate.err()).contains("graceS is a whole number of seconds");
    }
}
