package io.odyssey.gateway.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hazelcast.core.HazelcastInstance;
import io.odyssey.archiver.LocalPostgres;
import io.odyssey.gateway.Gateway;
import io.odyssey.gateway.GatewayConfig;
import io.odyssey.grid.FleetGrid;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The archive database in the gateway's readiness, against a real PostgreSQL that asks one role for its password: a
 * wrong or missing password makes the gateway DOWN with the real cause (not the pool's "Connection is not
 * available"), in /health and in the history API's 503; the right one makes it UP; an unreachable database is shown
 * as down without taking the gateway out of service.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class HistoryDatabaseHealthIT
{
    private static final String CLUSTER = "history-health-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);
    private static final String ROLE = "history_reader";
    private static final String PASSWORD = "right-password-5f2c1a";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static LocalPostgres postgres;
    private static String url;
    private static HazelcastInstance member;

    @BeforeAll
    static void start() throws Exception
    {
        postgres = LocalPostgres.start();
        url = OneFrameArchive.create(postgres, "history_health_it", 42, Instant.now().minusSeconds(60), 52.0, 13.0);
        requirePassword(ROLE, PASSWORD);
        member = FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER, "127.0.0.1", GRID_PORT,
            List.of("127.0.0.1:" + GRID_PORT), 1));
    }

    /** A role that may read the archive, and a rule that it must log in with its password (everyone else: trust). */
    private static void requirePassword(final String role, final String password) throws Exception
    {
        final String hbaFile;
        try (Connection connection = DriverManager.getConnection(url, "postgres", "");
            Statement sql = connection.createStatement())
        {
            sql.execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'");
            sql.execute("GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + role);
            try (ResultSet row = sql.executeQuery("SHOW hba_file"))
            {
                row.next();
                hbaFile = row.getString(1);
            }
            final Path hba = Path.of(hbaFile);
            Files.writeString(hba, "host all " + role + " 127.0.0.1/32 scram-sha-256\n" +
                Files.readString(hba, StandardCharsets.UTF_8), StandardCharsets.UTF_8);
            sql.execute("SELECT pg_reload_conf()");
        }
        await().atMost(30, TimeUnit.SECONDS).ignoreExceptionsMatching(ex -> !(ex instanceof SQLException)).until(() ->
        {
            try (Connection ignored = DriverManager.getConnection(url, role, "not-" + password))
            {
                return false;
            }
            catch (final SQLException ex)
            {
                return "28P01".equals(ex.getSQLState());
            }
        });
    }

    @AfterAll
    static void stop() throws Exception
    {
        if (member != null)
        {
            member.shutdown();
        }
        if (postgres != null)
        {
            postgres.close();
        }
    }

    @Test
    void shouldReportTheArchiveDownWithTheAuthenticationFailureWhenThePasswordIsWrongAndUpWhenItIsRight() throws Exception
    {
        try (Gateway wrong = launch(url, "wrong-password-9d1e"))
        {
            final JsonNode check = awaitHistoryCheck(wrong, false);
            assertThat(check.path("detail").asText()).contains("password authentication failed for user \"" + ROLE + "\"");
            assertThat(check.path("critical").asBoolean(true)).as("a wrong password does not heal by itself").isTrue();
            final HttpResponse<String> health = get(wrong, "/health");
            assertThat(health.statusCode()).isEqualTo(503);
            assertThat(health.body()).doesNotContain("wrong-password-9d1e");

            final HttpResponse<String> history = get(wrong, "/api/v1/history/fleet?at=" + Instant.now());
            assertThat(history.statusCode()).isEqualTo(503);
            final JsonNode problem = JSON.readTree(history.body());
            assertThat(problem.path("type").asText()).isEqualTo("urn:odyssey:problem:archive-unavailable");
            assertThat(problem.path("detail").asText()).contains("password authentication failed")
                .doesNotContain("Connection is not available").doesNotContain("wrong-password-9d1e");
            assertThat(history.headers().firstValue("Retry-After")).hasValue("5");
        }
        try (Gateway right = launch(url, PASSWORD))
        {
            final JsonNode check = awaitHistoryCheck(right, true);
            assertThat(check.path("detail").asText()).contains("PostgreSQL");
            assertThat(get(right, "/health").statusCode()).isEqualTo(200);
            final HttpResponse<String> history = get(right, "/api/v1/history/fleet?at=" + Instant.now());
            assertThat(history.statusCode()).as(history.body()).isEqualTo(200);
            assertThat(JSON.readTree(history.body()).path("count").asInt()).isEqualTo(1);
        }
    }

    @Test
    void shouldReportTheArchiveDownWhenNoPasswordIsConfiguredForARoleThatNeedsOne() throws Exception
    {
        try (Gateway none = launch(url, ""))
        {
            final JsonNode check = awaitHistoryCheck(none, false);
            assertThat(check.path("detail").asText()).containsIgnoringCase("password");
            assertThat(get(none, "/health").statusCode()).isEqualTo(503);
        }
    }

    @Test
    void shouldShowAnUnreachableArchiveWithoutTakingTheGatewayOutOfService() throws Exception
    {
        final int closedPort;
        try (ServerSocket socket = new ServerSocket(0))
        {
            closedPort = socket.getLocalPort();
        }
        try (Gateway away = launch("jdbc:postgresql://127.0.0.1:" + closedPort + "/history", PASSWORD))
        {
            final JsonNode check = awaitHistoryCheck(away, false);
            assertThat(check.path("detail").asText()).contains("refused");
            assertThat(check.path("critical").asBoolean(true)).isFalse();
            final HttpResponse<String> health = get(away, "/health");
            assertThat(health.statusCode()).as("the live fleet does not need the archive").isEqualTo(200);
            final HttpResponse<String> history = get(away, "/api/v1/history/fleet?at=" + Instant.now());
            assertThat(history.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(history.body()).path("detail").asText()).contains("refused");
        }
    }

    private static JsonNode awaitHistoryCheck(final Gateway gateway, final boolean healthy)
    {
        final JsonNode[] check = new JsonNode[1];
        await().atMost(30, TimeUnit.SECONDS).until(() ->
        {
            check[0] = JSON.readTree(get(gateway, "/health").body()).path("checks").path("history-db");
            return check[0].path("healthy").asBoolean(!healthy) == healthy &&
                !"not checked yet".equals(check[0].path("detail").asText());
        });
        return check[0];
    }

    private static Gateway launch(final String dbUrl, final String password) throws Exception
    {
        final GatewayConfig config = new GatewayConfig();
        config.anonymousRole = "viewer";
        config.clusterName = CLUSTER;
        config.gridMembers = List.of("127.0.0.1:" + GRID_PORT);
        config.port = 0;
        config.dbUrl = dbUrl;
        config.dbUser = ROLE;
        config.dbPassword = password;
        return Gateway.launch(config);
    }

    private static HttpResponse<String> get(final Gateway gateway, final String path) throws Exception
    {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path))
            .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
