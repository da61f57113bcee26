package io.odyssey.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TokensCommandTest
{
    private final FakeGateway gateway = new FakeGateway();

    @AfterEach
    void stop()
    {
        gateway.close();
    }

    @Test
    void shouldListCreateAndDeleteTokens()
    {
        gateway.answer("GET", "/api/v1/tokens", 200, "{\"tokens\":[{\"name\":\"ops\",\"role\":\"operator\",\"source\":\"env\"}," +
                "{\"name\":\"ci\",\"role\":\"viewer\",\"source\":\"api\",\"expiresAt\":\"2027-03-07T12:00:00Z\"}]}")
            .answer("POST", "/api/v1/tokens", 201, "{\"name\":\"ci\",\"role\":\"viewer\",\"token\":\"ci_Zx81kq0LmP3v7TtA\"," +
                "\"expiresAt\":\"2026-12-08T04:00:00Z\"}")
            .answer("DELETE", "/api/v1/tokens/ci", 204, "");

        final Cli.Result list = Cli.run("tokens", "list", "--server", gateway.url());
        final Cli.Result create = Cli.run("tokens", "create", "ci", "--role", "VIEWER", "--expires-in-hours", "12",
            "--server", gateway.url());
        final Cli.Result delete = Cli.run("tokens", "delete", "ci", "--server", gateway.url());

        assertThat(list.exit()).isZero();
        assertThat(list.out().lines()).containsExactly(
            "name  role      source  expires",
            "ops   operator  env     -",
            "ci    viewer    api     2027-03-07T12:00:00Z");
        assertThat(create.exit()).isZero();
        assertThat(gateway.last("POST", "/api/v1/tokens").body()).isEqualTo("{\"name\":\"ci\",\"role\":\"viewer\",\"expiresInHours\":12}");
        assertThat(create.out()).contains("token ci (viewer, expires 2026-12-08T04:00:00Z):\nci_Zx81kq0LmP3v7TtA\n", "only this once");
        assertThat(delete.exit()).isZero();
        assertThat(delete.out()).isEqualTo("deleted token ci\n");
        assertThat(gateway.requests("DELETE", "/api/v1/tokens/ci")).hasSize(1);
    }

    @Test
    void shouldRequireARoleToCreateAToken()
    {
        assertThat(Cli.run("tokens", "create", "ci", "--server", gateway.url()).exit()).isEqualTo(2);
        assertThat(gateway.requests).isEmpty();
    }
}
