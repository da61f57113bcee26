package io.odyssey.gateway.history;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.odyssey.geo.Geodesy;
import io.odyssey.runtime.HealthCheck;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.Executor;

/**
 * The fleet's past, read from the archive database the archiver writes (see docs/operations.md, "Archive"). Plain JDBC
 * over a small pool. A history request reads through one {@link Reads}: one connection and one read-only transaction
 * for all its queries, each bounded by a time window, a number of rows it may return, and what is left of the
 * request's time budget ({@link RequestDeadline}), which the database enforces ({@code SET LOCAL statement_timeout}
 * before each query: one that takes longer is cancelled by the server, the transaction rolled back, and the connection
 * stays usable). Should the database stop answering altogether, the gateway stops waiting a second after that
 * ({@link #SERVER_SILENCE_GRACE_MS}) and drops the connection.
 */
public final class HistoryStore implements AutoCloseable
{
    /** The same haversine as {@link Geodesy#distanceM}, in SQL, from each sample to the one before it. */
    private static final String HAVERSINE_FROM_PREVIOUS = "2 * " + Geodesy.EARTH_RADIUS_M + " * asin(sqrt(" +
        "power(sin(radians(lat - lag(lat) OVER w) / 2), 2) + " +
        "cos(radians(lag(lat) OVER w)) * cos(radians(lat)) * power(sin(radians(lon - lag(lon) OVER w) / 2), 2)))";

    /** How often the history database's health is probed outside the pool. */
    static final long HEALTH_PROBE_MS = 5_000;
    /** The longest a request waits for a pooled connection while the database is away (HikariCP allows 250 at least). */
    private static final long MAX_CONNECTION_WAIT_MS = 3_000;
    private static final long MIN_CONNECTION_WAIT_MS = 250;
    /**
     * How much longer than a query's timeout the gateway waits for the database's answer before it gives up on the
     * connection: the server's own cancel arrives within milliseconds, so only a server that stopped answering (frozen,
     * or a network dropping packets) hits this, and the request answers 503 unavailable instead of waiting for good.
     * A second, so that a loaded machine's late cancel is not taken for a dead database.
     */
    static final long SERVER_SILENCE_GRACE_MS = 1_000;
    /** The JDBC driver blocks the caller itself; it takes an executor only by the interface's contract. */
    private static final Executor IN_PLACE = Runnable::run;

    private final HikariDataSource pool;
    private final HistoryHealth health;
    private volatile Boolean postgis;
    private volatile Boolean timescale;

    /**
     * @param requestBudgetMs the longest one request may take: its wait for a connection and its queries together.
     * @param connections     the pool's size: as many as history requests may run at once (each holds one at most).
     */
    public HistoryStore(final String url, final String user, final String password, final long requestBudgetMs,
        final int connections)
    {
        final HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setPoolName("history");
        config.setMaximumPoolSize(connections);
        // Fail a request fast while the database is away (it answers 503); never fail the gateway's start for it. As
        // many connections as requests at once, one each: a request waits only while a connection is being made, and
        // no longer than its budget (the wait counts against it: Reads checks what is left before the first query).
        final long connectionWaitMs = Math.max(MIN_CONNECTION_WAIT_MS, Math.min(MAX_CONNECTION_WAIT_MS, requestBudgetMs));
        config.setConnectionTimeout(connectionWaitMs);
        // HikariCP checks a connection idle for a moment before handing it out, for up to its validation timeout (5 s
        // by default, not lowered to the connection timeout since HikariCP 7): on a database that stopped answering,
        // that check was a 5 s wait whatever the request's budget.
        config.setValidationTimeout(Math.max(MIN_CONNECTION_WAIT_MS, connectionWaitMs));
        config.setInitializationFailTimeout(-1);
        config.setReadOnly(true);
        // One transaction per request, so that SET LOCAL gives each query what is left of its request's budget and
        // the setting ends with the transaction; HikariCP rolls back one left open and restores this on return.
        config.setAutoCommit(false);
        // A backstop only (every query sets its own, shorter, first): the session's default, given at connect. Not an
        // init SQL: HikariCP runs that inside the first transaction when auto-commit is off, and the first request's
        // rollback would undo it.
        config.addDataSourceProperty("options", "-c statement_timeout=" + requestBudgetMs);
        pool = new HikariDataSource(config);
        health = new HistoryHealth(url, user, password).start(HEALTH_PROBE_MS);
    }

    /** The {@code history-db} check of the gateway's {@code /health}. */
    public HealthCheck health()
    {
        return health::check;
    }

    HistoryHealth healthState()
    {
        return health;
    }

    /** One archived telemetry row. */
    public record Sample(long droneId, Instant time, long seq, double lat, double lon, float altM, float headingDeg,
        float speedMps, float batteryPct, String status)
    {
    }

    /** Full-resolution figures of a drone's track in a window. */
    public record TrackStats(long frames, double distanceM, float maxAltM, float batteryUsedPct)
    {
    }

    /** A drone that came within the radius during the window. */
    public record NearHit(long droneId, Instant firstTime, Instant lastTime, double closestM, long frames)
    {
    }

    /**
     * Opens the reads of one history request: takes a connection (waiting at most the pool's connection timeout while
     * the database is away) and checks that some of the budget is left for a query.
     */
    Reads open(final RequestDeadline deadline) throws SQLException
    {
        final Connection connection = pool.getConnection();
        try
        {
            deadline.remainingMsFor("the first query (waiting for a database connection)");
            return new Reads(connection, deadline);
        }
        catch (final SQLException | RuntimeException ex)
        {
            connection.close();
            throw ex;
        }
    }

    /**
     * The queries of one request, on one connection in one read-only transaction. Each query first gets what is left
     * of the request's budget as its {@code statement_timeout}; none starts once the budget is spent (an SQLException
     * with PostgreSQL's own "cancelled" state, {@link RequestDeadline#CANCELLED_STATE}). Closing rolls the transaction
     * back (there is nothing to commit; a cancelled query has aborted it) and gives the connection back to the pool.
     */
    final class Reads implements AutoCloseable
    {
        private final Connection connection;
        private final RequestDeadline deadline;

        private Reads(final Connection connection, final RequestDeadline deadline)
        {
            this.connection = connection;
            this.deadline = deadline;
        }

        /**
         * A statement for {@code sql} that the database cancels when the request's budget runs out. The timeout is a
         * whole number of ms computed here, never text from a request.
         */
        private PreparedStatement prepare(final String sql) throws SQLException
        {
            final long leftMs = deadline.remainingMsFor("its next query");
            // Every read from the socket, this SET's and the rollback's included, then waits at most this long.
            connection.setNetworkTimeout(IN_PLACE, (int)Math.min(Integer.MAX_VALUE, leftMs + SERVER_SILENCE_GRACE_MS));
            try (Statement set = connection.createStatement())
            {
                set.execute("SET LOCAL statement_timeout = " + leftMs);
            }
            return connection.prepareStatement(sql);
        }

        /** Whether the database has PostGIS and the telemetry table its geography column. */
        public boolean hasPostgis() throws SQLException
        {
            if (postgis == null)
            {
                readLayout();
            }
            return postgis;
        }

        /** Whether telemetry is a TimescaleDB hypertable (hourly chunks) rather than daily native partitions. */
        boolean isHypertable() throws SQLException
        {
            if (timescale == null)
            {
                readLayout();
            }
            return timescale;
        }

        private void readLayout() throws SQLException
        {
            try (PreparedStatement query = prepare("""
                SELECT EXISTS (SELECT 1 FROM information_schema.columns
                               WHERE table_name = 'telemetry' AND column_name = 'position'),
                       EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb')""");
                ResultSet row = query.executeQuery())
            {
                row.next();
                postgis = row.getBoolean(1);
                timescale = row.getBoolean(2);
            }
        }

        public boolean droneKnown(final long droneId) throws SQLException
        {
            try (PreparedStatement query = prepare("SELECT 1 FROM telemetry WHERE drone_id = ? LIMIT 1"))
            {
                query.setLong(1, droneId);
                try (ResultSet row = query.executeQuery())
                {
                    return row.next();
                }
            }
        }

        /**
         * A drone's samples in [from, to), thinned evenly to at most {@code maxPoints} (the first and the last always
         * kept).
         */
        public List<Sample> track(final long droneId, final Instant from, final Instant to, final int maxPoints)
            throws SQLException
        {
            final String sql = """
                WITH t AS (
                    SELECT t.*, row_number() OVER (ORDER BY time, seq) AS rn, count(*) OVER () AS n
                    FROM telemetry t WHERE drone_id = ? AND time >= ? AND time < ?)
                SELECT drone_id, time, seq, lat, lon, alt_m, heading_deg, speed_mps, battery_pct, s.name
                FROM t JOIN drone_status s ON s.code = t.status
                WHERE n <= ? OR (rn - 1) % ceil(n::numeric / ?)::bigint = 0 OR rn = n
                ORDER BY time, seq""";
            try (PreparedStatement query = prepare(sql))
            {
                query.setLong(1, droneId);
                query.setTimestamp(2, Timestamp.from(from));
                query.setTimestamp(3, Timestamp.from(to));
                query.setInt(4, maxPoints);
                query.setInt(5, Math.max(1, maxPoints - 1));
                return samples(query);
            }
        }

        /** Distance flown (great-circle between consecutive samples), maximum altitude and battery used, in [from, to). */
        public TrackStats trackStats(final long droneId, final Instant from, final Instant to) throws SQLException
        {
            final String sql = "SELECT count(*), coalesce(sum(d), 0), coalesce(max(alt_m), 0), " +
                "coalesce((array_agg(battery_pct ORDER BY time, seq))[1] - (array_agg(battery_pct ORDER BY time DESC, seq DESC))[1], 0) " +
                "FROM (SELECT time, seq, alt_m, battery_pct, " + HAVERSINE_FROM_PREVIOUS + " AS d " +
                "FROM telemetry WHERE drone_id = ? AND time >= ? AND time < ? WINDOW w AS (ORDER BY time, seq)) s";
            try (PreparedStatement query = prepare(sql))
            {
                query.setLong(1, droneId);
                query.setTimestamp(2, Timestamp.from(from));
                query.setTimestamp(3, Timestamp.from(to));
                try (ResultSet row = query.executeQuery())
                {
                    row.next();
                    return new TrackStats(row.getLong(1), row.getDouble(2), row.getFloat(3), row.getFloat(4));
                }
            }
        }

        /**
         * The first {@code maxDrones} drones (by id) heard within {@code lookbackS} seconds before {@code at}, each with
         * its last state at {@code at} (older ones had left or lost their link by then). Ordered by id.
         * <p>
         * What it costs does not grow with the look-back: rather than sorting every row of the window, it walks the
         * distinct drone ids on the (drone_id, time, seq) index one index descent each (a "skip scan" written as a
         * recursive query), then fetches each drone's last row at {@code at} with one backward descent of the same
         * index. The walk looks at whole partitions around the window (days, or hours on TimescaleDB): every row of
         * those qualifies, so a descent never wades through one drone's rows outside the window to reach the next drone.
         */
        public NavigableMap<Long, Sample> fleetAt(final Instant at, final long lookbackS, final int maxDrones)
            throws SQLException
        {
            final boolean hypertable = isHypertable();
            try (PreparedStatement query = prepare(FLEET_AT_SQL))
            {
                bindFleetAt(query, at, lookbackS, maxDrones, hypertable);
                final NavigableMap<Long, Sample> fleet = new TreeMap<>();
                for (final Sample sample : samples(query))
                {
                    fleet.put(sample.droneId(), sample);
                }
                return fleet;
            }
        }

        /**
         * The first {@code maxDrones} drones whose position came within {@code radiusM} of the point during [from, to),
         * closest first. Both ways keep a plain latitude/longitude box around the circle ({@link SearchBox}) in the query:
         * with PostGIS, next to {@code ST_DWithin} on the GiST-indexed geography column (geodesic distances), because
         * TimescaleDB's compressed chunks do not use that index but can skip segments by their min/max of lat and lon;
         * without PostGIS (the embedded database), the box narrows the rows and a haversine decides (spherical distances,
         * within about 0.3 % of PostGIS's).
         */
        public List<NearHit> near(final double lat, final double lon, final double radiusM, final Instant from, final Instant to,
            final int maxDrones) throws SQLException
        {
            final boolean postgis = hasPostgis();
            final SearchBox box = SearchBox.around(lat, lon, radiusM);
            final String sql = (postgis ? """
                SELECT drone_id, min(time), max(time), min(ST_Distance(position, p.g)), count(*)
                FROM telemetry, (SELECT ST_SetSRID(ST_MakePoint(?, ?), 4326)::geography AS g) p
                WHERE time >= ? AND time < ? AND ST_DWithin(position, p.g, ?) AND {box}
                GROUP BY drone_id ORDER BY 4, 1 LIMIT ?""" : """
                SELECT drone_id, min(time), max(time), min(d), count(*) FROM (
                    SELECT drone_id, time, 2 * ? * asin(sqrt(power(sin(radians(lat - ?) / 2), 2) +
                        cos(radians(?)) * cos(radians(lat)) * power(sin(radians(lon - ?) / 2), 2))) AS d
                    FROM telemetry
                    WHERE time >= ? AND time < ? AND {box}) s
                WHERE d <= ?
                GROUP BY drone_id ORDER BY 4, 1 LIMIT ?""").replace("{box}", box.sql());
            try (PreparedStatement query = prepare(sql))
            {
                int i = 1;
                if (postgis)
                {
                    query.setDouble(i++, lon);
                    query.setDouble(i++, lat);
                    query.setTimestamp(i++, Timestamp.from(from));
                    query.setTimestamp(i++, Timestamp.from(to));
                    query.setDouble(i++, radiusM);
                    i = box.bind(query, i);
                }
                else
                {
                    query.setDouble(i++, Geodesy.EARTH_RADIUS_M);
                    query.setDouble(i++, lat);
                    query.setDouble(i++, lat);
                    query.setDouble(i++, lon);
                    query.setTimestamp(i++, Timestamp.from(from));
                    query.setTimestamp(i++, Timestamp.from(to));
                    i = box.bind(query, i);
                    query.setDouble(i++, radiusM);
                }
                query.setInt(i, maxDrones);
                final List<NearHit> hits = new ArrayList<>();
                try (ResultSet row = query.executeQuery())
                {
                    while (row.next())
                    {
                        hits.add(new NearHit(row.getLong(1), row.getTimestamp(2).toInstant(), row.getTimestamp(3).toInstant(),
                            row.getDouble(4), row.getLong(5)));
                    }
                }
                return hits;
            }
        }

        /** Ends the transaction (a rollback: nothing to commit) and gives the connection back, usable again. */
        @Override
        public void close() throws SQLException
        {
            try
            {
                // The last query's network timeout ran from its start: the rollback waits at most the grace from now,
                // so a database that froze after the last answer holds the request no longer than that.
                connection.setNetworkTimeout(IN_PLACE, (int)Math.min(Integer.MAX_VALUE,
                    Math.max(0, deadline.remainingMs()) + SERVER_SILENCE_GRACE_MS));
                connection.rollback();
            }
            finally
            {
                connection.close();
            }
        }
    }

    /**
     * {@link Reads#fleetAt}'s query. The drone ids come out of the recursion in ascending order and the plan keeps it (a
     * nested loop over them; the status name by a lookup per row, not a join that could reorder), so the limit keeps
     * the lowest ids without sorting anything.
     */
    static final String FLEET_AT_SQL = """
        WITH RECURSIVE ids(drone_id) AS (
            (SELECT drone_id FROM telemetry WHERE time >= ? AND time < ? ORDER BY drone_id LIMIT 1)
            UNION ALL
            SELECT (SELECT t.drone_id FROM telemetry t
                    WHERE t.time >= ? AND t.time < ? AND t.drone_id > ids.drone_id ORDER BY t.drone_id LIMIT 1)
            FROM ids WHERE ids.drone_id IS NOT NULL)
        SELECT last.drone_id, last.time, last.seq, last.lat, last.lon, last.alt_m, last.heading_deg, last.speed_mps,
               last.battery_pct, (SELECT s.name FROM drone_status s WHERE s.code = last.status)
        FROM ids
        CROSS JOIN LATERAL (
            SELECT * FROM telemetry t WHERE t.drone_id = ids.drone_id AND t.time <= ? AND t.time > ?
            ORDER BY t.time DESC, t.seq DESC LIMIT 1) last
        LIMIT ?""";

    /** Binds {@link #FLEET_AT_SQL}: the window, the whole partitions around it, and the most drones to return. */
    static void bindFleetAt(final PreparedStatement query, final Instant at, final long lookbackS, final int maxDrones,
        final boolean hypertable) throws SQLException
    {
        final Instant since = at.minusSeconds(lookbackS);
        final long grain = hypertable ? 3_600 : 86_400;
        final Instant partitionsFrom = Instant.ofEpochSecond(Math.floorDiv(since.getEpochSecond(), grain) * grain);
        final Instant partitionsTo = Instant.ofEpochSecond((Math.floorDiv(at.getEpochSecond(), grain) + 1) * grain);
        query.setTimestamp(1, Timestamp.from(partitionsFrom));
        query.setTimestamp(2, Timestamp.from(partitionsTo));
        query.setTimestamp(3, Timestamp.from(partitionsFrom));
        query.setTimestamp(4, Timestamp.from(partitionsTo));
        query.setTimestamp(5, Timestamp.from(at));
        query.setTimestamp(6, Timestamp.from(since));
        query.setInt(7, maxDrones);
    }

    private static List<Sample> samples(final PreparedStatement query) throws SQLException
    {
        final List<Sample> samples = new ArrayList<>();
        try (ResultSet row = query.executeQuery())
        {
            while (row.next())
            {
                samples.add(new Sample(row.getLong(1), row.getTimestamp(2).toInstant(), row.getLong(3), row.getDouble(4),
                    row.getDouble(5), row.getFloat(6), row.getFloat(7), row.getFloat(8), row.getFloat(9), row.getString(10)));
            }
        }
        return samples;
    }

    public void close()
    {
        health.close();
        pool.close();
    }
}
