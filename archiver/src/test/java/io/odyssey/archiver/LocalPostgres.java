package io.odyssey.archiver;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server from the machine's Debian packages ({@code postgresql-15}, {@code postgresql-15-postgis-3},
 * installed by {@code ./odyssey test}), in a temporary directory on a free loopback port. It can be stopped and
 * started again on the same port and data, to play a database outage. As root, the server runs as {@code postgres}
 * ({@code initdb} refuses root).
 */
public final class LocalPostgres implements AutoCloseable
{
    private final Path bin;
    private final Path root;
    private final Path data;
    private final int port;
    private final boolean asRoot;

    private LocalPostgres(final Path bin, final Path root, final int port, final boolean asRoot)
    {
        this.bin = bin;
        this.root = root;
        this.data = root.resolve("data");
        this.port = port;
        this.asRoot = asRoot;
    }

    public static LocalPostgres start() throws Exception
    {
        final Path bin = findBin();
        final boolean asRoot = "root".equals(System.getProperty("user.name"));
        final Path root = Files.createTempDirectory("odyssey-pg-");
        if (asRoot)
        {
            run(List.of("chown", "postgres:postgres", root.toString()), false);
        }
        final int port;
        try (ServerSocket socket = new ServerSocket(0))
        {
            port = socket.getLocalPort();
        }
        final LocalPostgres postgres = new LocalPostgres(bin, root, port, asRoot);
        postgres.exec(bin.resolve("initdb").toString(), "-D", postgres.data.toString(), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--no-sync");
        postgres.startServer();
        return postgres;
    }

    private static Path findBin()
    {
        final File[] versions = new File("/usr/lib/postgresql").listFiles();
        if (versions != null)
        {
            final File[] sorted = versions.clone();
            Arrays.sort(sorted, Comparator.comparing(File::getName).reversed());
            for (final File version : sorted)
            {
                final Path bin = version.toPath().resolve("bin");
                if (Files.isExecutable(bin.resolve("initdb")))
                {
                    return bin;
                }
            }
        }
        throw new IllegalStateException("PostgreSQL server binaries not found under /usr/lib/postgresql: install " +
            "postgresql-15 and postgresql-15-postgis-3 (./odyssey test does)");
    }

    public void startServer() throws Exception
    {
        // fsync off: these databases are thrown away, and the tests are not about disk durability.
        exec(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", root.resolve("server.log").toString(),
            "-o", "-p " + port + " -k " + root + " -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50",
            "-w", "-t", "60", "start");
    }

    public void stopServer() throws Exception
    {
        exec(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "-t", "60", "stop");
    }

    /** A fresh database for one test, with the URL to reach it. */
    public String createDatabase(final String name) throws SQLException
    {
        try (Connection connection = DriverManager.getConnection(url("postgres"), "postgres", "");
            Statement sql = connection.createStatement())
        {
            sql.execute("CREATE DATABASE " + name);
        }
        return url(name);
    }

    /**
     * A fresh database prepared as the init step prepares one ({@code archiver --init-roles}): the archiver's role
     * {@code <name>_archiver} and the history API's {@code <name>_history} (roles are the server's, so named after the
     * database to keep tests apart). This server trusts local logins, so the passwords are never checked here.
     */
    public ArchiveDatabase createArchiveDatabase(final String name) throws SQLException
    {
        final String url = createDatabase(name);
        final ArchiveDatabase database = new ArchiveDatabase(url, name + "_archiver", "0123456789abcdef0123456789abcdef",
            name + "_history", "fedcba9876543210fedcba9876543210");
        try (Connection admin = DriverManager.getConnection(url, "postgres", ""))
        {
            DatabaseRoles.ensure(admin,
                new DatabaseRoles.Role(ArchiverConfig.DB_USER, database.archiverUser(), ArchiverConfig.DB_PASSWORD,
                    database.archiverPassword()),
                new DatabaseRoles.Role(ArchiverConfig.HISTORY_DB_USER, database.historyUser(),
                    ArchiverConfig.HISTORY_DB_PASSWORD, database.historyPassword()));
        }
        return database;
    }

    /** A database with its two roles: the archiver's (writes) and the history API's (reads). */
    public record ArchiveDatabase(String url, String archiverUser, String archiverPassword, String historyUser,
        String historyPassword)
    {
    }

    public String url(final String database)
    {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    private void exec(final String... command) throws Exception
    {
        final List<String> full = new ArrayList<>();
        if (asRoot)
        {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(List.of(command));
        run(full, true);
    }

    private static void run(final List<String> command, final boolean logOnFailure) throws Exception
    {
        final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        final byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0)
        {
            throw new IllegalStateException(String.join(" ", command) + " failed" +
                (logOnFailure ? ":\n" + new String(output) : ""));
        }
    }

    public void close() throws Exception
    {
        try
        {
            stopServer();
        }
        catch (final Exception ignore)
        {
            // already stopped
        }
        try (Stream<Path> files = Files.walk(root))
        {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (final IOException ignore)
        {
            // best effort: it is a temporary directory
        }
    }
}
