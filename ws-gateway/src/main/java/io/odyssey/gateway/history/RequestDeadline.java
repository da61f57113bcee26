package io.odyssey.gateway.history;

import java.sql.SQLException;
import java.util.function.LongSupplier;

/**
 * What is left of one history request's time budget ({@code ODYSSEY_GATEWAY_HISTORY_STATEMENT_TIMEOUT_MS}). A request
 * runs up to three queries and may wait for a database connection first; each gets only what the ones before left, so
 * the whole request, not each of its queries, is bounded by the budget (before, a track could take three budgets).
 */
final class RequestDeadline
{
    /**
     * The SQL state PostgreSQL answers for a statement its timeout cancelled ({@code query_canceled}). A request whose
     * budget is spent before its next query gets the same, so it is answered and counted the same way.
     */
    static final String CANCELLED_STATE = "57014";

    private final long budgetMs;
    private final LongSupplier nanoClock;
    private final long deadlineNs;

    /** @param nanoClock {@link System#nanoTime} in production; a test's clock in tests. */
    RequestDeadline(final long budgetMs, final LongSupplier nanoClock)
    {
        this.budgetMs = budgetMs;
        this.nanoClock = nanoClock;
        this.deadlineNs = nanoClock.getAsLong() + budgetMs * 1_000_000L;
    }

    static RequestDeadline startingNow(final long budgetMs)
    {
        return new RequestDeadline(budgetMs, System::nanoTime);
    }

    long budgetMs()
    {
        return budgetMs;
    }

    /**
     * Milliseconds left, rounded up: 0 only once the budget is spent. Never 0 while some is left, because a
     * {@code statement_timeout} of 0 means "no timeout" to PostgreSQL.
     */
    long remainingMs()
    {
        final long leftNs = deadlineNs - nanoClock.getAsLong();
        return leftNs <= 0 ? 0 : (leftNs + 999_999L) / 1_000_000L;
    }

    /**
     * What is left for the next step (a query, a wait), in ms, at least 1.
     *
     * @throws SQLException with {@link #CANCELLED_STATE} when nothing is left: the step must not start.
     */
    long remainingMsFor(final String step) throws SQLException
    {
        final long left = remainingMs();
        if (left == 0)
        {
            throw new SQLException("the request's budget of " + budgetMs + " ms was spent before " + step,
                CANCELLED_STATE);
        }
        return left;
    }
}
