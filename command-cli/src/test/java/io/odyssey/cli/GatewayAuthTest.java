package io.odyssey.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GatewayAuthTest
{
    private static final String TOKEN = "op_4f9c2a7d1e8b3c6a";
    private static final Map<String, String> WITH_TOKEN = Map.of("ODYSSEY_TOKEN", TOKEN);

    private final FakeGateway gateway = new FakeGateway();

    @TempDir
    Path dir;

    @AfterEach
    void stop()
    {
        gateway.close();
    }

    @Test
    void shouldSendTheTokenFromTheEnvironmentWithEveryRequestOfEveryCommand()
    {
        gateway.requireToken(TOKEN)
            .answer("GET", "/api/v1/drones", 200, "{\"drones\":[],\"count\":0}")
            .answer("GET", "/api/v1/alerts", 200, "{\"count\":0,\"alerts\":[]}")
            .answer("GET", "/api/v1/history/fleet", 200, "{\"at\":\"2026-12-01T10:00:00Z\",\"count\":0,\"drones\":[]}")
            .answer("POST", "/api/v1/commands", 202, Contract.command("1", 7, "hold", null, "issued").toString());

        assertThat(Cli.run(WITH_TOKEN, "drones", "list", "--server", gateway.url()).exit()).isZero();
        assertThat(Cli.run(WITH_TOKEN, "alerts", "list", "--server", gateway.url()).exit()).isZero();
        assertThat(Cli.run(WITH_TOKEN, "history", "fleet", "--at", "1m", "--server", gateway.url()).exit()).isZero();
        assertThat(Cli.run(WITH_TOKEN, "hold", "7", "--server", gateway.url()).exit()).isZero();

        assertThat(gateway.requests).hasSize(4)
            .allSatisfy(request -> assertThat(request.header("Authorization")).isEqualTo("Bearer " + TOKEN));
    }

    @Test
    void shouldReadTheTokenFromAFileBeforeTheEnvironment() throws Exception
    {
        gateway.answer("GET", "/api/v1/whoami", 200, "{\"name\":\"ci\",\"role\":\"viewer\"}");
        final Path file = Files.writeString(dir.resolve("token"), "# the CI's viewer token\n\n  ci_0123456789abcdef  \n");

        final Cli.Result result = Cli.run(WITH_TOKEN, "whoami", "--token-file", file.toString(), "--server", gateway.url());

        assertThat(result.exit()).isZero();
        assertThat(result.out()).isEqualTo("ci (viewer)\n");
        assertThat(gateway.last("GET", "/api/v1/whoami").header("Authorization")).isEqualTo("Bearer ci_0123456789abcdef");
    }

    @Test
    void shouldSendNoAuthorizationWithoutAToken()
    {
        gateway.answer("GET", "/api/v1/whoami", 200, "{\"name\":\"anonymous\",\"role\":\"viewer\"}");

        assertThat(Cli.run("whoami", "--server", gateway.url()).exit()).isZero();
        assertThat(gateway.last("GET", "/api/v1/whoami").header("Authorization")).isNull();
    }

    @Test
    void shouldExit4WithTheGatewaysWordsAndAHintWhenTheTokenIsMissingOrUnknown()
    {
        gateway.requireToken(TOKEN);

        final Cli.Result missing = Cli.run("drones", "list", "--server", gateway.url());
        final Cli.Result unknown = Cli.run(Map.of("ODYSSEY_TOKEN", "not-the-token"), "drones", "list", "--server",
            gateway.url());

        assertThat(missing.exit()).isEqualTo(OdysseyCli.EXIT_REFUSED);
        assertThat(missing.err()).contains("Unauthorized (401): a valid bearer token is required",
            "hint: set ODYSSEY_TOKEN (or --token-file FILE)");
        assertThat(unknown.exit()).isEqualTo(OdysseyCli.EXIT_REFUSED);
        assertThat(unknown.err()).contains("Unauthorized (401)", "the gateway does not know this token")
            .doesNotContain("not-the-token");
    }

    @Test
    void shouldExit4WhenTheTokensRoleIsTooLow()
    {
        gateway.answer("POST", "/api/v1/commands", 403, "{\"type\":\"about:blank\",\"title\":\"Forbidden\",\"status\":403," +
            "\"detail\":\"role viewer may not send commands\"}");

        final Cli.Result result = Cli.run(WITH_TOKEN, "land", "7", "--server", gateway.url());

        assertThat(result.exit()).isEqualTo(OdysseyCli.EXIT_REFUSED);
        assertThat(result.err()).contains("Forbidden (403): role viewer may not send commands", "role");
    }

    @Test
    void shouldOfferTheTokenAsAWebSocketSubprotocol()
    {
        gateway.requireToken(TOKEN).feed("/ws/alerts", session ->
        {
            session.send("{\"type\":\"alerts\",\"active\":[]}");
            session.send("{\"type\":\"alert\",\"event\":\"raised\",\"alert\":{\"key\":\"LOW_BATTERY:7\"," +
                "\"alertType\":\"LOW_BATTERY\",\"droneId\":7,\"raisedAt\":\"2026-12-01T10:00:00Z\",\"value\":18.5," +
                "\"node\":\"ingest-1\"}}");
        });

        final Cli.Result result = Cli.run(WITH_TOKEN, "alerts", "watch", "--count", "1", "--server", gateway.url());

        assertThat(result.exit()).as(result.err()).isZero();
        assertThat(result.out()).contains("RAISED   LOW_BATTERY         drone 7 (18.5)  [ingest-1]");
        assertThat(gateway.sessions.peek().headers.get("sec-websocket-protocol"))
            .isEqualTo("odyssey.v1, bearer." + TOKEN);
    }

    @Test
    void shouldExit4WhenTheGatewayRefusesTheWebSocketHandshake()
    {
        gateway.requireToken(TOKEN).feed("/ws/commands", session -> session.send("{\"type\":\"commands\",\"commands\":[]}"));

        final Cli.Result result = Cli.run("commands", "watch", "--server", gateway.url());

        assertThat(result.exit()).isEqualTo(OdysseyCli.EXIT_REFUSED);
        assertThat(result.err()).contains("Unauthorized (401)", "hint: set ODYSSEY_TOKEN");
    }

    @Test
    void shouldRefuseATokenThatCannotBeSentWithoutEchoingIt()
    {
        final Cli.Result result = Cli.run(Map.of("ODYSSEY_TOKEN", "sec ret\"x"), "whoami", "--server", gateway.url());

        assertThat(result.exit()).isEqualTo(2);
        assertThat(result.err()).contains("ODYSSEY_TOKEN has characters a token cannot have").doesNotContain("sec ret");
        assertThat(gateway.requests).isEmpty();
    }
}
