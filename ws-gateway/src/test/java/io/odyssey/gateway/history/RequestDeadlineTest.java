package io.odyssey.gateway.history;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RequestDeadlineTest
{
    private long nowNs = 1_000_000_000_000L;

    @Test
    void shouldGiveEachQueryWhatTheOnesBeforeLeft()
    {
        final RequestDeadline deadline = new RequestDeadline(5_000, () -> nowNs);
        assertThat(deadline.remainingMs()).isEqualTo(5_000);
        nowNs += 3_500_000_000L;
        assertThat(deadline.remainingMs()).isEqualTo(1_500);
    }

    @Test
    void shouldRoundUpSoThatALastSliverIsNeverTheZeroThatMeansNoTimeoutToPostgres() throws SQLException
    {
        final RequestDeadline deadline = new RequestDeadline(300, () -> nowNs);
        nowNs += 299_000_001L;
        assertThat(deadline.remainingMs()).isEqualTo(1);
        assertThat(deadline.remainingMsFor("the next query")).isEqualTo(1);
        nowNs += 999_999L - 1;
        assertThat(deadline.remainingMs()).as("1 ns left").isEqualTo(1);
    }

    @Test
    void shouldRefuseToStartAQueryOnceTheBudgetIsSpentWithPostgresCancelledState()
    {
        final RequestDeadline deadline = new RequestDeadline(300, () -> nowNs);
        nowNs += 300_000_000L;
        assertThat(deadline.remainingMs()).isZero();
        assertThatThrownBy(() -> deadline.remainingMsFor("its next query"))
            .isInstanceOfSatisfying(SQLException.class, ex -> assertThat(ex.getSQLState()).isEqualTo("57014"))
            .hasMessageContaining("budget of 300 ms was spent before its next query");
        nowNs += 60_000_000_000L;
        assertThat(deadline.remainingMs()).isZero();
    }
}
