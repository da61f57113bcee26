package io.odyssey.archiver;

import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;

/**
 * Brings the archive schema up to date with Flyway: SQL migrations in {@code db/migration} plus the Java migration
 * that lays out the telemetry table for the database at hand. Done once per process, on the first connection that
 * succeeds (the database may be down when the archiver starts).
 */
final class Migrations
{
    private static final Logger LOG = LoggerFactory.getLogger(Migrations.class);

    private final int retentionDays;
    private volatile boolean done;

    Migrations(final int retentionDays)
    {
        this.retentionDays = retentionDays;
    }

    synchronized void ensure(final String url, final ArchiverConfig config) throws SQLException
    {
        if (done)
        {
            return;
        }
        try
        {
            final var result = Flyway.configure()
                .dataSource(url, config.dbUser, config.dbPassword)
                .locations("classpath:db/migration")
                .javaMigrations(new V2__TelemetryStorage(retentionDays))
                .load()
                .migrate();
            LOG.info("archive schema at version {} ({} migrations applied now)", result.targetSchemaVersion,
                result.migrationsExecuted);
            done = true;
        }
        catch (final RuntimeException ex)
        {
            throw new SQLException("migrating the archive schema failed: " + ex.getMessage(), ex);
        }
    }
}
