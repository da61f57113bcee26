package io.odyssey.archiver;

import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.journal.TelemetryJournal;
import io.odyssey.testing.FailOnErrorLog;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The out-of-the-box default: no database configured, so the archiver starts a real embedded PostgreSQL, archives into
 * it, and the history is still there after a restart.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class EmbeddedDatabaseIT
{
    @TempDir
    Path dir;

    @Test
    void shouldArchiveIntoAnEmbeddedPostgresThatKeepsItsDataAcrossRestarts() throws Exception
    {
        final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
        final TelemetryFrameWriter writer = new TelemetryFrameWriter();
        final ArchiverConfig config = new ArchiverConfig();
        config.name = "archiver-embedded";
        config.journalDir = dir.resolve("journal").toString();
        config.dbUrl = "";
        config.embeddedDbDir = dir.resolve("postgres").toString();
        config.embeddedDbPort = freePort();
        config.statusPort = 0;

        try (TelemetryJournal journal = new TelemetryJournal(dir.resolve("journal"), RollCycles.FAST_HOURLY))
        {
            for (int seq = 1; seq <= 100; seq++)
            {
                final long now = System.currentTimeMillis() * 1_000_000L;
                journal.appendTelemetry(frame, 0, writer.telemetry(frame, 0, 5, seq, now, 10.0, 20.0, 30f, 40f, 5f, 90f,
                    DroneStatus.HOVERING, (byte)0, 0f), now);
            }
            try (Archiver archiver = Archiver.launch(config))
            {
                assertThat(archiver.jdbcUrl()).contains("127.0.0.1:" + config.embeddedDbPort);
                await().atMost(60, TimeUnit.SECONDS).until(() -> archiver.rowsArchived() == 100);
            }
            try (Archiver archiver = Archiver.launch(config);
                Connection connection = DriverManager.getConnection(archiver.jdbcUrl(), "postgres", password(config));
                Statement sql = connection.createStatement())
            {
                try (ResultSet row = sql.executeQuery("SELECT count(*), max(seq) FROM telemetry WHERE drone_id = 5"))
                {
                    row.next();
                    assertThat(row.getLong(1)).isEqualTo(100);
                    assertThat(row.getLong(2)).isEqualTo(100);
                }
                // The embedded binaries carry no PostGIS: positions are plain columns, and the schema says so.
                try (ResultSet column = sql.executeQuery(
                    "SELECT count(*) FROM information_schema.columns WHERE table_name = 'telemetry' AND column_name = 'position'"))
                {
                    column.next();
                    assertThat(column.getLong(1)).isZero();
                }
                assertThat(archiver.rowsArchived()).as("nothing archived twice after the restart").isZero();
                // What the archiver committed survives a machine crash: the server flushes every commit to disk.
                assertThat(setting(sql, "fsync")).isEqualTo("on");
                assertThat(setting(sql, "synchronous_commit")).isEqualTo("on");
                assertThat(setting(sql, "full_page_writes")).isEqualTo("on");
            }
        }
    }

    @Test
    void shouldTurnOffOnlySynchronousCommitsWhenFastDurabilityIsChosen() throws Exception
    {
        final ArchiverConfig config = new ArchiverConfig();
        config.name = "archiver-embedded-fast";
        config.journalDir = dir.resolve("journal").toString();
        config.dbUrl = "";
        config.embeddedDbDir = dir.resolve("postgres").toString();
        config.embeddedDbPort = freePort();
        config.embeddedDbDurability = "fast";
        config.statusPort = 0;
        try (Archiver archiver = Archiver.launch(config);
            Connection connection = DriverManager.getConnection(archiver.jdbcUrl(), "postgres", password(config));
            Statement sql = connection.createStatement())
        {
            assertThat(setting(sql, "synchronous_commit")).isEqualTo("off");
            assertThat(setting(sql, "fsync")).as("never fsync off: that can corrupt the database").isEqualTo("on");
        }
    }

    @Test
    void shouldRefuseALoginWithoutTheGeneratedPasswordKeptOwnerOnlyBesideTheData() throws Exception
    {
        final ArchiverConfig config = new ArchiverConfig();
        config.name = "archiver-embedded-auth";
        config.journalDir = dir.resolve("journal").toString();
        config.dbUrl = "";
        config.embeddedDbDir = dir.resolve("postgres").toString();
        config.embeddedDbPort = freePort();
        config.statusPort = 0;
        for (int start = 1; start <= 2; start++)
        {
            try (Archiver archiver = Archiver.launch(config))
            {
                final java.nio.file.Path passwordFile = dir.resolve("postgres.password");
                assertThat(java.nio.file.Files.getPosixFilePermissions(passwordFile))
                    .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
                for (final String wrong : new String[]{"", "postgres", "0123456789abcdef0123456789abcdef"})
                {
                    assertThatThrownBy(() -> DriverManager.getConnection(archiver.jdbcUrl(), "postgres", wrong).close())
                        .as("start %d, password '%s'", start, wrong).isInstanceOf(java.sql.SQLException.class)
                        .hasMessageContaining("password");
                }
                try (Connection connection = DriverManager.getConnection(archiver.jdbcUrl(), "postgres", password(config));
                    Statement sql = connection.createStatement();
                    ResultSet method = sql.executeQuery("SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid " +
                        "WHERE rolname = 'postgres'"))
                {
                    method.next();
                    assertThat(method.getBoolean(1)).as("stored as a SCRAM verifier").isTrue();
                }
            }
        }
    }

    @Test
    void shouldMakeTheArchiverAndHistoryRolesOnceAndLetTheHistoryRoleOnlyRead() throws Exception
    {
        final ArchiverConfig config = new ArchiverConfig();
        config.name = "archiver-embedded-roles";
        config.journalDir = dir.resolve("journal").toString();
        config.dbUrl = "";
        config.embeddedDbDir = dir.resolve("postgres").toString();
        config.embeddedDbPort = freePort();
        config.statusPort = 0;
        final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
        final TelemetryFrameWriter writer = new TelemetryFrameWriter();
        long roles = -1;
        for (int start = 1; start <= 2; start++)
        {
            try (TelemetryJournal journal = new TelemetryJournal(dir.resolve("journal"), RollCycles.FAST_HOURLY))
            {
                final long now = System.currentTimeMillis() * 1_000_000L;
                journal.appendTelemetry(frame, 0, writer.telemetry(frame, 0, 9, start, now, 10.0, 20.0, 30f, 40f, 5f, 90f,
                    DroneStatus.HOVERING, (byte)0, 0f), now);
            }
            try (Archiver archiver = Archiver.launch(config))
            {
                await().atMost(60, TimeUnit.SECONDS).until(() -> archiver.rowsArchived() == 1);
                final String history = read(dir.resolve("postgres.history.password"));
                final String archiverPassword = read(dir.resolve("postgres.archiver.password"));
                assertThat(history).isNotEqualTo(archiverPassword).isNotEqualTo(password(config)).matches("[0-9a-f]{32}");
                for (final String file : new String[]{"postgres.history.password", "postgres.archiver.password"})
                {
                    assertThat(java.nio.file.attribute.PosixFilePermissions.toString(
                        java.nio.file.Files.getPosixFilePermissions(dir.resolve(file)))).as(file).isEqualTo("rw-------");
                }
                try (Connection superuser = DriverManager.getConnection(archiver.jdbcUrl(), "postgres", password(config));
                    Statement sql = superuser.createStatement())
                {
                    try (ResultSet found = sql.executeQuery("SELECT sum(oid::bigint), count(*) FROM pg_roles " +
                        "WHERE rolname IN ('odyssey_archiver', 'odyssey_history')"))
                    {
                        found.next();
                        assertThat(found.getLong(2)).isEqualTo(2);
                        if (start == 2)
                        {
                            assertThat(found.getLong(1)).as("the same roles after a restart, not made again").isEqualTo(roles);
                        }
                        roles = found.getLong(1);
                    }
                    try (ResultSet user = sql.executeQuery("SELECT DISTINCT usename FROM pg_stat_activity " +
                        "WHERE application_name = 'odyssey-archiver-embedded-roles'"))
                    {
                        assertThat(user.next()).isTrue();
                        assertThat(user.getString(1)).as("the archiver works as its own role").isEqualTo("odyssey_archiver");
                        assertThat(user.next()).isFalse();
                    }
                }
                assertThatThrownBy(() -> DriverManager.getConnection(archiver.jdbcUrl(), "odyssey_history", archiverPassword)
                    .close()).hasMessageContaining("password");
                try (Connection reader = DriverManager.getConnection(archiver.jdbcUrl(), "odyssey_history", history);
                    Statement sql = reader.createStatement())
                {
                    try (ResultSet rows = sql.executeQuery("SELECT count(*) FROM telemetry WHERE drone_id = 9"))
                    {
                        rows.next();
                        assertThat(rows.getLong(1)).isEqualTo(start);
                    }
                    assertThatThrownBy(() -> sql.execute("DELETE FROM telemetry")).isInstanceOf(java.sql.SQLException.class)
                        .hasMessageContaining("permission denied");
                }
            }
        }
    }

    private static String read(final java.nio.file.Path file) throws Exception
    {
        return java.nio.file.Files.readString(file).strip();
    }

    private static String password(final ArchiverConfig config) throws Exception
    {
        return java.nio.file.Files.readString(config.embeddedDbPasswordPath()).strip();
    }

    private static String setting(final Statement sql, final String name) throws Exception
    {
        try (ResultSet row = sql.executeQuery("SHOW " + name))
        {
            row.next();
            return row.getString(1);
        }
    }

    private static int freePort() throws Exception
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }
}
