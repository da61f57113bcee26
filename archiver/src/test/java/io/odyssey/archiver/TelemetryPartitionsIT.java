package io.odyssey.archiver;

import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Daily partitions on a real PostgreSQL (without TimescaleDB, so natively partitioned), as the archiver's own role:
 * a row dated days ahead sits in the default partition until its day, and must not keep that day's partition from
 * being made (the whole fleet's telemetry of that day would follow it there, out of reach of retention).
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class TelemetryPartitionsIT
{
    private static LocalPostgres postgres;

    private final List<String> counted = new ArrayList<>();
    private final TelemetryPartitions.Strays strays = new TelemetryPartitions.Strays()
    {
        public void moved(final long rows)
        {
            counted.add("moved " + rows);
        }

        public void deleted(final long rows)
        {
            counted.add("deleted " + rows);
        }
    };

    @BeforeAll
    static void startDatabase() throws Exception
    {
        postgres = LocalPostgres.start();
    }

    @AfterAll
    static void stopDatabase() throws Exception
    {
        if (postgres != null)
        {
            postgres.close();
        }
    }

    @Test
    void shouldMakeTheDaysPartitionWhenTheDefaultPartitionHoldsARowOfThatDayMovingTheRowIntoIt() throws Exception
    {
        final LocalPostgres.ArchiveDatabase database = postgres.createArchiveDatabase("partitions_future");
        final LocalDate today = LocalDate.now(ZoneOffset.UTC);
        final LocalDate future = today.plusDays(5);
        try (Connection archiver = migrated(database))
        {
            TelemetryPartitions.maintain(archiver, today, 0, strays);
            insert(archiver, 1, future + " 12:00:00+00");
            insert(archiver, 2, today + " 12:00:00+00");
            assertThat(partitionOf(archiver, 1)).as("beyond the partitions made ahead").isEqualTo("telemetry_default");

            // Three days later that day's partition is due.
            TelemetryPartitions.maintain(archiver, today.plusDays(3), 0, strays);

            final String partition = "telemetry_p" + future.toString().replace("-", "");
            assertThat(partitionOf(archiver, 1)).isEqualTo(partition);
            assertThat(count(archiver, "SELECT count(*) FROM telemetry_default")).isZero();
            assertThat(count(archiver, "SELECT count(*) FROM telemetry")).as("nothing lost, nothing doubled").isEqualTo(2);
            assertThat(counted).containsExactly("moved 1");
            // The day's other rows go where they belong, and the history role reads the partition like any other.
            insert(archiver, 3, future + " 13:00:00+00");
            assertThat(partitionOf(archiver, 3)).isEqualTo(partition);
            try (Connection history = DriverManager.getConnection(database.url(), database.historyUser(),
                database.historyPassword()))
            {
                assertThat(count(history, "SELECT count(*) FROM " + partition)).isEqualTo(2);
            }
        }
    }

    @Test
    void shouldDeleteRowsOfTheDefaultPartitionOlderThanTheRetention() throws Exception
    {
        final LocalPostgres.ArchiveDatabase database = postgres.createArchiveDatabase("partitions_old");
        final LocalDate today = LocalDate.now(ZoneOffset.UTC);
        try (Connection archiver = migrated(database))
        {
            TelemetryPartitions.maintain(archiver, today, 0, strays);
            insert(archiver, 1, today.minusDays(30) + " 12:00:00+00");
            insert(archiver, 2, today.minusDays(3) + " 12:00:00+00");
            assertThat(partitionOf(archiver, 1)).isEqualTo("telemetry_default");

            TelemetryPartitions.maintain(archiver, today, 7, strays);

            assertThat(count(archiver, "SELECT count(*) FROM telemetry WHERE drone_id = 1")).isZero();
            assertThat(count(archiver, "SELECT count(*) FROM telemetry WHERE drone_id = 2"))
                .as("within the retention: kept, in the default partition").isEqualTo(1);
            assertThat(counted).containsExactly("deleted 1");
        }
    }

    private static Connection migrated(final LocalPostgres.ArchiveDatabase database) throws SQLException
    {
        final ArchiverConfig config = new ArchiverConfig();
        config.dbUrl = database.url();
        config.dbUser = database.archiverUser();
        config.dbPassword = database.archiverPassword();
        new Migrations(0).ensure(database.url(), config);
        return DriverManager.getConnection(database.url(), database.archiverUser(), database.archiverPassword());
    }

    private static void insert(final Connection connection, final long droneId, final String time) throws SQLException
    {
        try (Statement sql = connection.createStatement())
        {
            sql.execute("INSERT INTO telemetry (" + TelemetryTable.COLUMNS + ") VALUES ('" + time + "', '" + time +
                "', " + droneId + ", 1, 52.5, 13.4, 50, 90, 10, 0, 80, 2, 0, " + droneId + ")");
        }
    }

    private static String partitionOf(final Connection connection, final long droneId) throws SQLException
    {
        try (Statement sql = connection.createStatement();
            ResultSet row = sql.executeQuery("SELECT tableoid::regclass::text FROM telemetry WHERE drone_id = " + droneId))
        {
            assertThat(row.next()).as("drone " + droneId + " archived").isTrue();
            return row.getString(1);
        }
    }

    private static long count(final Connection connection, final String query) throws SQLException
    {
        try (Statement sql = connection.createStatement(); ResultSet row = sql.executeQuery(query))
        {
            row.next();
            return row.getLong(1);
        }
    }
}
