package io.odyssey.archiver;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * Daily partitions of the natively partitioned telemetry table (when TimescaleDB is absent): made a few days ahead so
 * rows never land in the default partition, and dropped once older than the retention. With TimescaleDB this is the
 * hypertable's job and {@link #maintain} does nothing.
 */
final class TelemetryPartitions
{
    private static final Logger LOG = LoggerFactory.getLogger(TelemetryPartitions.class);
    private static final DateTimeFormatter SUFFIX = DateTimeFormatter.ofPattern("yyyyMMdd");
    private static final int DAYS_BEHIND = 1;
    private static final int DAYS_AHEAD = 2;

    private TelemetryPartitions()
    {
    }

    static boolean nativelyPartitioned(final Connection connection) throws SQLException
    {
        try (Statement sql = connection.createStatement(); ResultSet rows = sql.executeQuery(
            "SELECT 1 FROM pg_partitioned_table WHERE partrelid = 'telemetry'::regclass"))
        {
            return rows.next();
        }
    }

    /** Creates the partitions from yesterday to two days ahead and drops those past the retention (0 = keep all). */
    static void maintain(final Connection connection, final LocalDate today, final int retentionDays) throws SQLException
    {
        if (!nativelyPartitioned(connection))
        {
            return;
        }
        final boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(true);
        try (Statement sql = connection.createStatement())
        {
            for (LocalDate day = today.minusDays(DAYS_BEHIND); !day.isAfter(today.plusDays(DAYS_AHEAD)); day = day.plusDays(1))
            {
                try
                {
                    sql.execute("CREATE TABLE IF NOT EXISTS telemetry_p" + SUFFIX.format(day) +
                        " PARTITION OF telemetry FOR VALUES FROM ('" + day + " 00:00:00+00') TO ('" +
                        day.plusDays(1) + " 00:00:00+00')");
                }
                catch (final SQLException ex)
                {
                    // Typically: the default partition already holds rows of that day. They stay queryable there.
                    LOG.warn("could not create the telemetry partition for {}: {}", day, ex.getMessage());
                }
            }
            if (retentionDays > 0)
            {
                final String oldest = "telemetry_p" + SUFFIX.format(today.minusDays(retentionDays));
                try (ResultSet partitions = connection.createStatement().executeQuery(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid " +
                    "WHERE i.inhparent = 'telemetry'::regclass AND c.relname LIKE 'telemetry\\_p%' ORDER BY 1"))
                {
                    while (partitions.next())
                    {
                        final String name = partitions.getString(1);
                        if (name.compareTo(oldest) < 0)
                        {
                            try (Statement drop = connection.createStatement())
                            {
                                drop.execute("DROP TABLE " + name);
                                LOG.info("dropped telemetry partition {} (older than {} days)", name, retentionDays);
                            }
                        }
                    }
                }
            }
        }
        finally
        {
            connection.setAutoCommit(autoCommit);
        }
    }

    static LocalDate todayUtc()
    {
        return LocalDate.now(ZoneOffset.UTC);
    }
}
