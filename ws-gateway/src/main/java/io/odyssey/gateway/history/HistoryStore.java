package io.odyssey.gateway.history;

import com.zaxxer.hikari.HikariConfig;
import io.odyssey.runtime.Geodesy;
import com.zaxxer.hikari.HikariDataSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The fleet's past, read from the archive database the archiver writes (see docs/operations.md, "Archive"). Plain JDBC
 * over a small pool; every query is bounded by a time window and, for tracks, a point budget.
 */
public final class HistoryStore implements AutoCloseable
{
    /** The same haversine as {@link Geodesy#distanceM}, in SQL, from each sample to the one before it. */
    private static final String HAVERSINE_FROM_PREVIOUS = "2 * " + Geodesy.EARTH_RADIUS_M + " * asin(sqrt(" +
        "power(sin(radians(lat - lag(lat) OVER w) / 2), 2) + " +
        "cos(radians(lag(lat) OVER w)) * cos(radians(lat)) * power(sin(radians(lon - lag(lon) OVER w) / 2), 2)))";

    private final HikariDataSource pool;
    private volatile Boolean postgis;

    public HistoryStore(final String url, final String user, final String password)
    {
        final HikariConfig config = new HikariConfig();
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setPoolName("history");
        config.setMaximumPoolSize(4);
        // Fail a request fast while the database is away (it answers 503); never fail the gateway's start for it.
        config.setConnectionTimeout(3_000);
        config.setInitializationFailTimeout(-1);
        config.setReadOnly(true);
        pool = new HikariDataSource(config);
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

    /** Whether the database has PostGIS and the telemetry table its geography column. */
    public boolean hasPostgis() throws SQLException
    {
        Boolean known = postgis;
        if (known == null)
        {
            try (Connection connection = pool.getConnection(); PreparedStatement query = connection.prepareStatement(
                "SELECT 1 FROM information_schema.columns WHERE table_name = 'telemetry' AND column_name = 'position'");
                ResultSet row = query.executeQuery())
            {
                known = row.next();
                postgis = known;
            }
        }
        return known;
    }

    public boolean droneKnown(final long droneId) throws SQLException
    {
        try (Connection connection = pool.getConnection(); PreparedStatement query = connection.prepareStatement(
            "SELECT 1 FROM telemetry WHERE drone_id = ? LIMIT 1"))
        {
            query.setLong(1, droneId);
            try (ResultSet row = query.executeQuery())
            {
                return row.next();
            }
        }
    }

    /**
     * A drone's samples in [from, to), thinned evenly to at most {@code maxPoints} (the first and the last always kept).
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
        try (Connection connection = pool.getConnection(); PreparedStatement query = connection.prepareStatement(sql))
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
        try (Connection connection = pool.getConnection(); PreparedStatement query = connection.prepareStatement(sql))
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
     * Every drone's last state at {@code at}, among drones heard within {@code lookbackS} seconds before it (older
     * ones had left or lost their link by then).
     */
    public Map<Long, Sample> fleetAt(final Instant at, final long lookbackS) throws SQLException
    {
        final String sql = """
            SELECT DISTINCT ON (drone_id) drone_id, time, seq, lat, lon, alt_m, heading_deg, speed_mps, battery_pct, s.name
            FROM telemetry t JOIN drone_status s ON s.code = t.status
            WHERE time <= ? AND time > ?
            ORDER BY drone_id, time DESC, seq DESC""";
        try (Connection connection = pool.getConnection(); PreparedStatement query = connection.prepareStatement(sql))
        {
            query.setTimestamp(1, Timestamp.from(at));
            query.setTimestamp(2, Timestamp.from(at.minusSeconds(lookbackS)));
            final Map<Long, Sample> fleet = new LinkedHashMap<>();
            for (final Sample sample : samples(query))
            {
                fleet.put(sample.droneId(), sample);
            }
            return fleet;
        }
    }

    /**
     * Drones whose position came within {@code radiusM} of the point during [from, to), closest first. With PostGIS:
     * {@code ST_DWithin} on the geography column (GiST-indexed, geodesic distances). Without it (the embedded
     * database): a latitude/longitude box around the circle narrows the rows, then the haversine decides (spherical
     * distances, within about 0.3 % of PostGIS's).
     */
    public List<NearHit> near(final double lat, final double lon, final double radiusM, final Instant from, final Instant to)
        throws SQLException
    {
        final boolean postgis = hasPostgis();
        final String sql = postgis ? """
            SELECT drone_id, min(time), max(time), min(ST_Distance(position, p.g)), count(*)
            FROM telemetry, (SELECT ST_SetSRID(ST_MakePoint(?, ?), 4326)::geography AS g) p
            WHERE time >= ? AND time < ? AND ST_DWithin(position, p.g, ?)
            GROUP BY drone_id ORDER BY 4, 1""" : """
            SELECT drone_id, min(time), max(time), min(d), count(*) FROM (
                SELECT drone_id, time, 2 * ? * asin(sqrt(power(sin(radians(lat - ?) / 2), 2) +
                    cos(radians(?)) * cos(radians(lat)) * power(sin(radians(lon - ?) / 2), 2))) AS d
                FROM telemetry
                WHERE time >= ? AND time < ? AND lat BETWEEN ? AND ? AND lon BETWEEN ? AND ?) s
            WHERE d <= ?
            GROUP BY drone_id ORDER BY 4, 1""";
        try (Connection connection = pool.getConnection(); PreparedStatement query = connection.prepareStatement(sql))
        {
            if (postgis)
            {
                query.setDouble(1, lon);
                query.setDouble(2, lat);
                query.setTimestamp(3, Timestamp.from(from));
                query.setTimestamp(4, Timestamp.from(to));
                query.setDouble(5, radiusM);
            }
            else
            {
                final double dLat = Math.toDegrees(radiusM / Geodesy.EARTH_RADIUS_M);
                final double dLon = dLat / Math.max(Math.cos(Math.toRadians(lat)), 0.01);
                query.setDouble(1, Geodesy.EARTH_RADIUS_M);
                query.setDouble(2, lat);
                query.setDouble(3, lat);
                query.setDouble(4, lon);
                query.setTimestamp(5, Timestamp.from(from));
                query.setTimestamp(6, Timestamp.from(to));
                query.setDouble(7, lat - dLat);
                query.setDouble(8, lat + dLat);
                query.setDouble(9, lon - dLon);
                query.setDouble(10, lon + dLon);
                query.setDouble(11, radiusM);
            }
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
        pool.close();
    }
}
