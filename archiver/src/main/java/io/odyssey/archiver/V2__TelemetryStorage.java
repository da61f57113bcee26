package io.odyssey.archiver;

import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Creates the telemetry table in the layout the database supports: a TimescaleDB hypertable with compression,
 * retention and a per-minute continuous aggregate when the extension is available, otherwise a natively
 * range-partitioned table (daily partitions made ahead by {@link TelemetryPartitions}) with a plain per-minute view.
 * With PostGIS, a stored generated {@code geography} column and a GiST index serve the geospatial queries.
 * <p>
 * Runs outside a transaction: TimescaleDB refuses to create continuous aggregates inside one.
 */
public final class V2__TelemetryStorage extends BaseJavaMigration
{
    private static final Logger LOG = LoggerFactory.getLogger(V2__TelemetryStorage.class);

    private final int retentionDays;

    public V2__TelemetryStorage(final int retentionDays)
    {
        this.retentionDays = retentionDays;
    }

    @Override
    public boolean canExecuteInTransaction()
    {
        return false;
    }

    @Override
    public void migrate(final Context context) throws SQLException
    {
        final Connection connection = context.getConnection();
        final boolean postgis = extensionInstalled(connection, "postgis");
        final boolean timescale = extensionAvailable(connection, "timescaledb");
        try (Statement sql = connection.createStatement())
        {
            final String position = postgis ?
                ",\n    position geography(Point, 4326) GENERATED ALWAYS AS " +
                "(ST_SetSRID(ST_MakePoint(lon, lat), 4326)::geography) STORED" : "";
            final String columns = """
                time timestamptz NOT NULL,
                received_at timestamptz NOT NULL,
                drone_id bigint NOT NULL,
                seq bigint NOT NULL,
                lat double precision NOT NULL,
                lon double precision NOT NULL,
                alt_m real NOT NULL,
                heading_deg real NOT NULL,
                speed_mps real NOT NULL,
                climb_mps real NOT NULL,
                battery_pct real NOT NULL,
                status smallint NOT NULL,
                flags smallint NOT NULL,
                journal_index bigint NOT NULL""" + position;
            // The second guard of exactly-once (the first is the journal position): one row per drone, time and
            // sequence. Ordered for the common query, a drone's track over a time range, so that it needs no index of
            // its own: every index costs the archiver's COPY throughput (measured in ArchiverInsertBenchmark).
            final String unique = ",\n    UNIQUE (drone_id, time, seq)";
            if (timescale)
            {
                sql.execute("CREATE EXTENSION IF NOT EXISTS timescaledb");
                sql.execute("CREATE TABLE telemetry (\n" + columns + unique + "\n)");
                sql.execute("SELECT create_hypertable('telemetry', 'time', chunk_time_interval => interval '1 hour')");
                sql.execute("ALTER TABLE telemetry SET (timescaledb.compress, timescaledb.compress_segmentby = 'drone_id'," +
                    " timescaledb.compress_orderby = 'time DESC, seq DESC')");
                sql.execute("SELECT add_compression_policy('telemetry', interval '2 hours')");
                if (retentionDays > 0)
                {
                    sql.execute("SELECT add_retention_policy('telemetry', interval '" + retentionDays + " days')");
                }
                sql.execute("""
                    CREATE MATERIALIZED VIEW telemetry_1m WITH (timescaledb.continuous) AS
                    SELECT time_bucket('1 minute', time) AS bucket, drone_id, count(*) AS frames,
                           last(lat, time) AS lat, last(lon, time) AS lon, max(alt_m) AS max_alt_m,
                           avg(speed_mps) AS avg_speed_mps, min(battery_pct) AS min_battery_pct
                    FROM telemetry GROUP BY bucket, drone_id WITH NO DATA""");
                sql.execute("SELECT add_continuous_aggregate_policy('telemetry_1m', start_offset => interval '1 hour'," +
                    " end_offset => interval '1 minute', schedule_interval => interval '1 minute')");
                LOG.info("telemetry is a TimescaleDB hypertable (1 h chunks, compressed after 2 h, retention {}), " +
                    "with the continuous aggregate telemetry_1m", retentionDays == 0 ? "forever" : retentionDays + " days");
            }
            else
            {
                sql.execute("CREATE TABLE telemetry (\n" + columns + unique + "\n) PARTITION BY RANGE (time)");
                // Rows outside every daily partition land here rather than failing the batch.
                sql.execute("CREATE TABLE telemetry_default PARTITION OF telemetry DEFAULT");
                sql.execute("""
                    CREATE VIEW telemetry_1m AS
                    SELECT date_trunc('minute', time) AS bucket, drone_id, count(*) AS frames,
                           (array_agg(lat ORDER BY time DESC))[1] AS lat, (array_agg(lon ORDER BY time DESC))[1] AS lon,
                           max(alt_m) AS max_alt_m, avg(speed_mps) AS avg_speed_mps, min(battery_pct) AS min_battery_pct
                    FROM telemetry GROUP BY bucket, drone_id""");
                LOG.info("TimescaleDB is not available: telemetry uses PostgreSQL's native daily range partitions " +
                    "(retention {}), and telemetry_1m is a plain view", retentionDays == 0 ? "forever" : retentionDays + " days");
            }
            if (postgis)
            {
                sql.execute("CREATE INDEX telemetry_position ON telemetry USING gist (position)");
            }
            else
            {
                LOG.warn("PostGIS is not installed in this database: positions are kept as lat/lon only and the " +
                    "history's radius queries use a plain latitude/longitude search instead of a spatial index");
            }
        }
    }

    static boolean extensionInstalled(final Connection connection, final String name) throws SQLException
    {
        return exists(connection, "SELECT 1 FROM pg_extension WHERE extname = '" + name + "'");
    }

    static boolean extensionAvailable(final Connection connection, final String name) throws SQLException
    {
        return exists(connection, "SELECT 1 FROM pg_available_extensions WHERE name = '" + name + "'");
    }

    private static boolean exists(final Connection connection, final String query) throws SQLException
    {
        try (Statement sql = connection.createStatement(); ResultSet rows = sql.executeQuery(query))
        {
            return rows.next();
        }
    }
}
