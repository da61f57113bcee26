package io.odyssey.gateway.history;

import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import static org.assertj.core.api.Assertions.assertThat;

class HistoryHealthTest
{
    private static final SQLException AUTH = new SQLException(
        "FATAL: password authentication failed for user \"reader\"", "28P01");

    @Test
    void shouldFindTheServersOwnWordsBehindThePoolsTimeout()
    {
        // What HikariCP throws when it cannot connect: its own sentence, the server's answer as the cause.
        final SQLException pool = new SQLTransientConnectionException(
            "history - Connection is not available, request timed out after 3000ms", "28P01", AUTH);
        assertThat(HistoryHealth.cause(pool)).isEqualTo("FATAL: password authentication failed for user \"reader\"");
        assertThat((Object)HistoryHealth.rootSqlCause(pool)).isSameAs(AUTH);

        final SQLException refused = new SQLException("Connection to 127.0.0.1:1 refused. Check that the hostname " +
            "and port are correct\nand that the postmaster is accepting TCP/IP connections.", "08001",
            new ConnectException("Connection refused"));
        assertThat(HistoryHealth.cause(new SQLTransientConnectionException("pool", "08001", refused)))
            .isEqualTo("Connection to 127.0.0.1:1 refused. Check that the hostname and port are correct");
        assertThat(HistoryHealth.cause(new SQLException("bad url ?password=hunter2&x=1"))).doesNotContain("hunter2");
    }

    @Test
    void shouldMakeTheGatewayDownForFaultsOnlyAnOperatorCanFixAndOnlyShowTheOthers()
    {
        try (HistoryHealth health = new HistoryHealth("jdbc:postgresql://127.0.0.1:1/x", "reader", "secret"))
        {
            health.failed(new SQLTransientConnectionException("pool", "28P01", AUTH));
            assertThat(health.check().healthy()).isFalse();
            assertThat(health.check().critical()).isTrue();
            assertThat(health.check().detail()).contains("password authentication failed");

            health.failed(new SQLException("Connection refused", "08001"));
            assertThat(health.check().healthy()).isFalse();
            assertThat(health.check().critical()).as("it may come back by itself").isFalse();

            health.succeeded();
            assertThat(health.check().healthy()).isTrue();
            // A query cancelled by the statement timeout, or a pool with every connection busy, is not the database's fault.
            health.failed(new SQLException("canceling statement due to statement timeout", "57014"));
            health.failed(new SQLTransientConnectionException("history - Connection is not available"));
            assertThat(health.check().healthy()).isTrue();

            health.failed(new SQLException("FATAL: database \"x\" does not exist", "3D000"));
            assertThat(health.check().critical()).isTrue();
            health.failed(new SQLException("relation \"telemetry\" does not exist", "42P01"));
            assertThat(health.check().critical()).isFalse();
            assertThat(health.check().detail()).contains("no telemetry table yet");
        }
    }
}
