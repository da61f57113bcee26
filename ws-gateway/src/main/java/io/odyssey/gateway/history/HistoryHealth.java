package io.odyssey.gateway.history;

import io.odyssey.runtime.HealthCheck;
import io.odyssey.runtime.JdbcUrls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The archive database as the gateway sees it: the {@code history-db} check of {@code /health}, with the real cause
 * when it is down ("password authentication failed for user ..."), not the pool's "Connection is not available".
 * <p>
 * A probe on a thread of its own connects every few seconds outside the pool (a pool saturated by slow queries says
 * nothing about the database), and the history requests report what they met, so a change shows at once. The state
 * is logged once per change, never per request. {@code /health} reads the last state and never waits for the
 * database.
 * <p>
 * What does not heal by itself — credentials refused, no such database, no right to read the telemetry — makes the
 * gateway DOWN: a gateway with a wrong password should not pass for ready. An unreachable or restarting database
 * only degrades it: the check shows DOWN, but the live fleet, commands and alerts do not depend on the archive, and
 * taking the gateway out of service for it would stop all of them.
 */
final class HistoryHealth implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(HistoryHealth.class);
    private static final int PROBE_TIMEOUT_S = 3;

    private final String url;
    private final Properties connectionProperties = new Properties();
    private final ScheduledExecutorService prober;
    private volatile HealthCheck.Result state = HealthCheck.Result.degraded("not checked yet");

    HistoryHealth(final String url, final String user, final String password)
    {
        this.url = url;
        connectionProperties.setProperty("user", user == null ? "" : user);
        connectionProperties.setProperty("password", password == null ? "" : password);
        connectionProperties.setProperty("connectTimeout", Integer.toString(PROBE_TIMEOUT_S));
        connectionProperties.setProperty("loginTimeout", Integer.toString(PROBE_TIMEOUT_S));
        connectionProperties.setProperty("socketTimeout", Integer.toString(PROBE_TIMEOUT_S * 2));
        connectionProperties.setProperty("ApplicationName", "odyssey-gateway-health");
        prober = Executors.newSingleThreadScheduledExecutor(runnable ->
        {
            final Thread thread = new Thread(runnable, "history-db-health");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Probes at once, then every {@code periodMs}. */
    HistoryHealth start(final long periodMs)
    {
        prober.scheduleWithFixedDelay(this::probe, 0, periodMs, TimeUnit.MILLISECONDS);
        return this;
    }

    HealthCheck.Result check()
    {
        return state;
    }

    /** Connects as the pool would and checks that the telemetry can be read. */
    void probe()
    {
        try (Connection connection = DriverManager.getConnection(url, connectionProperties);
            PreparedStatement query = connection.prepareStatement(
                // Reads the catalogue only: no lock on the table, so a long query or a migration holding one does
                // not make the database look down.
                "SELECT has_table_privilege(current_user, 'telemetry', 'SELECT'), " +
                    "current_setting('server_version'), current_user");
            ResultSet row = query.executeQuery())
        {
            row.next();
            if (row.getBoolean(1))
            {
                record(HealthCheck.Result.up("PostgreSQL " + row.getString(2) + " at " + JdbcUrls.redacted(url)));
            }
            else
            {
                record(HealthCheck.Result.down("user " + row.getString(3) + " may not read the telemetry table"));
            }
        }
        catch (final SQLException ex)
        {
            failed(ex);
        }
        catch (final RuntimeException ex)
        {
            record(HealthCheck.Result.degraded(ex.toString()));
        }
    }

    /** A history request got an answer from the database. */
    void succeeded()
    {
        if (!state.healthy())
        {
            // The probe says which server and version; until its next round, say what is known.
            record(HealthCheck.Result.up("answering at " + JdbcUrls.redacted(url)));
        }
    }

    /** A history request or the probe could not reach or use the database: records why, if that is the database's fault. */
    void failed(final SQLException ex)
    {
        final SQLException cause = rootSqlCause(ex);
        if (cause instanceof SQLTransientConnectionException && cause.getSQLState() == null && cause.getCause() == null)
        {
            // The pool timed out with no failed connection behind it: every connection was busy, which says
            // nothing about the database.
            return;
        }
        final String state = cause.getSQLState() == null ? "" : cause.getSQLState();
        if ("42P01".equals(state))
        {
            record(HealthCheck.Result.degraded("there is no telemetry table yet (has an archiver written to this database?)"));
        }
        else if (configurationFault(state))
        {
            record(HealthCheck.Result.down(cause(ex)));
        }
        else if (state.startsWith("08") || state.startsWith("53") || state.startsWith("57P") || state.isEmpty())
        {
            // Unreachable, out of resources, shutting down: it may come back by itself.
            record(HealthCheck.Result.degraded(cause(ex)));
        }
        // Anything else (a statement timeout, a query error) is about one query, not about the database.
    }

    /** Credentials refused, no such database or role, no right to read: an operator must act. */
    static boolean configurationFault(final String sqlState)
    {
        return sqlState.startsWith("28") || "3D000".equals(sqlState) || "42501".equals(sqlState) ||
            // pgjdbc: the server asked for a password and none was configured.
            "08004".equals(sqlState);
    }

    /**
     * The real reason behind {@code ex}, safe to show: the innermost database error's first line (the pool's "Connection
     * is not available" wraps the server's answer), without anything that looks like a password.
     */
    static String cause(final Throwable ex)
    {
        final SQLException sql = rootSqlCause(ex);
        final Throwable chosen = sql.getMessage() != null ? sql : ex;
        final String message = chosen.getMessage() == null ? chosen.getClass().getSimpleName() : chosen.getMessage();
        return JdbcUrls.redacted(message.lines().findFirst().orElse(message));
    }

    /** The innermost SQLException in the chain (with its SQLState), or {@code ex} itself. */
    static SQLException rootSqlCause(final Throwable ex)
    {
        SQLException found = ex instanceof SQLException sql ? sql : null;
        for (Throwable cause = ex; cause != null; cause = cause.getCause())
        {
            if (cause instanceof SQLException sql && (found == null || sql.getSQLState() != null))
            {
                found = sql;
            }
            if (cause == cause.getCause())
            {
                break;
            }
        }
        return found != null ? found : new SQLException(ex);
    }

    private synchronized void record(final HealthCheck.Result next)
    {
        final HealthCheck.Result previous = state;
        state = next;
        if (previous.healthy() != next.healthy() || (!next.healthy() && !previous.detail().equals(next.detail())))
        {
            if (next.healthy())
            {
                LOG.info("history database UP: {}", next.detail());
            }
            else
            {
                LOG.warn("history database DOWN{}: {}", next.critical() ? "" : " (the live fleet is unaffected)",
                    next.detail());
            }
        }
    }

    public void close()
    {
        prober.shutdownNow();
    }
}
