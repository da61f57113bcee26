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
 * <p>
 * Rows dated outside every partition still land in {@code telemetry_default} (a frame sent days ahead by a wrong clock,
 * from a journal older than ingest's send-time check). PostgreSQL refuses to create a partition for a day the default
 * partition holds rows of, so one such row would send the whole fleet's telemetry of that day to the default partition,
 * which retention never dropped. So a day's partition is made with its rows moved out of the default partition, in one
 * transaction (nothing is lost or seen twice), and rows of the default partition older than the retention are deleted
 * as the partitions of their days would have been.
 */
final class TelemetryPartitions
{
    private static final Logger LOG = LoggerFactory.getLogger(TelemetryPartitions.class);
    private static final DateTimeFormatter SUFFIX = DateTimeFormatter.ofPattern("yyyyMMdd");
    private static final int DAYS_BEHIND = 1;
    private static final int DAYS_AHEAD = 2;
    /**
     * The transaction-level advisory lock that serialises making partitions: the archivers of all ingest nodes share one
     * database and maintain it at about the same times, and a partition is made in several statements.
     */
    private static final long PARTITION_LOCK = 0x6F64_7973_7365_7901L;

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
        maintain(connection, today, retentionDays, Strays.UNCOUNTED);
    }

    /** Counts what {@link #maintain} did with rows of the default partition. */
    interface Strays
    {
        Strays UNCOUNTED = new Strays()
        {
            public void moved(final long rows)
            {
            }

            public void deleted(final long rows)
            {
            }
        };

        /** Rows moved from the default partition into the partition made for their day. */
        void moved(long rows);

        /** Rows of the default partition older than the retention, deleted. */
        void deleted(long rows);
    }

    static void maintain(final Connection connection, final LocalDate today, final int retentionDays, final Strays strays)
        throws SQLException
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
                    createPartition(connection, day, strays);
                }
                catch (final SQLException ex)
                {
                    // Nothing changed (one transaction); the day's rows stay queryable in the default partition.
                    LOG.warn("could not create the telemetry partition for {}: {}", day, ex.getMessage());
                }
            }
            if (retentionDays > 0)
            {
                final LocalDate oldestDay = today.minusDays(retentionDays);
                final int deleted = sql.executeUpdate(
                    "DELETE FROM telemetry_default WHERE time < '" + oldestDay + " 00:00:00+00'");
                if (deleted > 0)
                {
                    strays.deleted(deleted);
                    LOG.info("deleted {} telemetry rows of the default partition older than {} days", deleted,
                        retentionDays);
                }
                final String oldest = "telemetry_p" + SUFFIX.format(oldestDay);
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

    /**
     * Makes the partition of a day unless it exists; rows of that day in the default partition are moved into it in
     * the same transaction (PostgreSQL would refuse the partition while the default one holds them).
     */
    private static void createPartition(final Connection connection, final LocalDate day, final Strays strays)
        throws SQLException
    {
        final String name = "telemetry_p" + SUFFIX.format(day);
        final String from = "'" + day + " 00:00:00+00'";
        final String to = "'" + day.plusDays(1) + " 00:00:00+00'";
        try (Statement sql = connection.createStatement())
        {
            connection.setAutoCommit(false);
            try
            {
                sql.execute("SELECT pg_advisory_xact_lock(" + PARTITION_LOCK + ")");
                try (ResultSet exists = sql.executeQuery("SELECT to_regclass('" + name + "') IS NOT NULL"))
                {
                    exists.next();
                    if (exists.getBoolean(1))
                    {
                        connection.commit();
                        return;
                    }
                }
                // The new table takes the parent's columns (generated ones as generated) and is attached once it holds
                // the day's rows; attaching checks that the default partition no longer holds any.
                sql.execute("CREATE TABLE " + name + " (LIKE telemetry INCLUDING DEFAULTS INCLUDING GENERATED)");
                final int moved = sql.executeUpdate("WITH moved AS (DELETE FROM telemetry_default WHERE time >= " +
                    from + " AND time < " + to + " RETURNING " + TelemetryTable.COLUMNS + ") INSERT INTO " + name +
                    " (" + TelemetryTable.COLUMNS + ") SELECT " + TelemetryTable.COLUMNS + " FROM moved");
                sql.execute("ALTER TABLE telemetry ATTACH PARTITION " + name + " FOR VALUES FROM (" + from + ") TO (" +
                    to + ")");
                connection.commit();
                if (moved > 0)
                {
                    strays.moved(moved);
                    LOG.warn("moved {} telemetry rows dated {} out of the default partition into {} (sent with a " +
                        "clock days ahead?)", moved, day, name);
                }
            }
            catch (final SQLException | RuntimeException ex)
            {
                connection.rollback();
                throw ex;
            }
            finally
            {
                connection.setAutoCommit(true);
            }
        }
    }

    static LocalDate todayUtc()
    {
        return LocalDate.now(ZoneOffset.UTC);
    }
}
