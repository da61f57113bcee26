package io.odyssey.archiver;

import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.journal.TelemetryJournal;
import io.odyssey.runtime.ConfigurationException;
import io.odyssey.testing.FailOnErrorLog;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The archive's two database roles against a real PostgreSQL with PostGIS: the history API's role reads and can do
 * nothing else (each write refused by the database itself), the archiver's role archives and owns what it makes but
 * cannot make roles, and an archive made before the roles existed is handed over and keeps working.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DatabaseRolesIT
{
    /** PostgreSQL's SQLSTATE for "permission denied" (and "must be owner"). */
    private static final String INSUFFICIENT_PRIVILEGE = "42501";
    private static final String PASSWORD = "00112233445566778899aabbccddeeff";
    private static LocalPostgres postgres;

    @TempDir
    Path dir;

    private final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
    private final TelemetryFrameWriter writer = new TelemetryFrameWriter();
    private long sequence;

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
    void shouldNotLetTheHistoryApisDatabaseUserDeleteTheArchive() throws Exception
    {
        final LocalPostgres.ArchiveDatabase database = postgres.createArchiveDatabase("roles_attack");
        archive(database.url(), database.archiverUser(), 100);

        try (Connection history = DriverManager.getConnection(database.url(), database.historyUser(), PASSWORD))
        {
            for (final String attack : List.of(
                "DELETE FROM telemetry",
                "UPDATE telemetry SET lat = 0",
                "INSERT INTO telemetry DEFAULT VALUES",
                "TRUNCATE telemetry",
                "DROP TABLE telemetry",
                "ALTER TABLE telemetry ADD COLUMN planted int",
                "DELETE FROM archiver_position",
                "TRUNCATE command_transitions, alert_events, dead_letters",
                "UPDATE drone_status SET name = 'planted'",
                "CREATE TABLE planted (x int)",
                "CREATE TEMP TABLE planted (x int)",
                "CREATE VIEW planted AS SELECT 1"))
            {
                try (Statement sql = history.createStatement())
                {
                    assertThatThrownBy(() -> sql.execute(attack)).as(attack).isInstanceOf(SQLException.class)
                        .satisfies(ex -> assertThat(((SQLException)ex).getSQLState()).as(attack + ": " + ex.getMessage())
                            .isEqualTo(INSUFFICIENT_PRIVILEGE));
                }
            }
        }
        assertThat(count(database.url(), "postgres", "SELECT count(*) FROM telemetry")).as("the archive is whole")
            .isEqualTo(100);
    }

    @Test
    void shouldLetTheHistoryUserReadEveryArchiveTableIncludingOnesMadeAfterTheInitStep() throws Exception
    {
        final LocalPostgres.ArchiveDatabase database = postgres.createArchiveDatabase("roles_read");
        archive(database.url(), database.archiverUser(), 10);
        // What a later migration and a later day do, as the archiver's role: a new table, new daily partitions.
        final String laterPartition = "telemetry_p" + LocalDate.now().plusDays(40).toString().replace("-", "");
        try (Connection archiver = DriverManager.getConnection(database.url(), database.archiverUser(), PASSWORD);
            Statement sql = archiver.createStatement())
        {
            sql.execute("CREATE TABLE later_migration (id bigint PRIMARY KEY, note text)");
            sql.execute("INSERT INTO later_migration VALUES (1, 'made after the roles')");
            TelemetryPartitions.maintain(archiver, LocalDate.now().plusDays(40), 0);
        }

        final List<String> relations = new ArrayList<>();
        try (Connection admin = DriverManager.getConnection(database.url(), "postgres", "");
            Statement sql = admin.createStatement();
            ResultSet rows = sql.executeQuery("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = " +
                "c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND NOT EXISTS (" +
                "SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e') ORDER BY 1"))
        {
            while (rows.next())
            {
                relations.add(rows.getString(1));
            }
        }
        assertThat(relations).contains("telemetry", "telemetry_1m", "drone_status", "alert_events", "alerts",
            "command_transitions", "commands", "command_audit", "dead_letters", "archiver_position", "later_migration",
            laterPartition);
        for (final String relation : relations)
        {
            assertThat(count(database.url(), database.historyUser(), "SELECT count(*) FROM " + relation))
                .as(relation).isGreaterThanOrEqualTo(0);
        }
        assertThat(count(database.url(), database.historyUser(), "SELECT count(*) FROM later_migration")).isEqualTo(1);
        assertThat(count(database.url(), database.historyUser(), "SELECT count(*) FROM telemetry")).isEqualTo(10);
    }

    @Test
    void shouldArchiveAsItsOwnRoleWhichOwnsTheArchiveButCannotMakeRolesOrDatabases() throws Exception
    {
        final LocalPostgres.ArchiveDatabase database = postgres.createArchiveDatabase("roles_archiver");
        archive(database.url(), database.archiverUser(), 100);
        assertThat(count(database.url(), "postgres", "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' " +
            "AND tableowner <> '" + database.archiverUser() + "' AND tablename <> 'spatial_ref_sys'"))
            .as("every archive table is the archiver's").isZero();

        try (Connection archiver = DriverManager.getConnection(database.url(), database.archiverUser(), PASSWORD))
        {
            for (final String attack : List.of(
                "CREATE ROLE planted LOGIN SUPERUSER",
                "CREATE ROLE planted LOGIN",
                "ALTER ROLE " + database.historyUser() + " SUPERUSER",
                "CREATE DATABASE planted",
                "CREATE EXTENSION IF NOT EXISTS dblink"))
            {
                try (Statement sql = archiver.createStatement())
                {
                    assertThatThrownBy(() -> sql.execute(attack)).as(attack).isInstanceOf(SQLException.class)
                        .satisfies(ex -> assertThat(((SQLException)ex).getSQLState()).as(attack + ": " + ex.getMessage())
                            .isEqualTo(INSUFFICIENT_PRIVILEGE));
                }
            }
        }
    }

    @Test
    void shouldHandAnArchiveMadeBeforeTheRolesExistedToTheArchiversRole() throws Exception
    {
        // Migrated and filled as the superuser, as every archive was before the roles.
        final String url = postgres.createDatabase("roles_upgrade");
        archive(url, "postgres", 50);

        try (Connection admin = DriverManager.getConnection(url, "postgres", ""))
        {
            DatabaseRoles.ensure(admin, role(ArchiverConfig.DB_USER, "roles_upgrade_archiver"),
                role(ArchiverConfig.HISTORY_DB_USER, "roles_upgrade_history"));
        }
        archive(url, "roles_upgrade_archiver", 50);
        assertThat(count(url, "roles_upgrade_history", "SELECT count(*) FROM telemetry")).isEqualTo(100);
        assertThat(count(url, "roles_upgrade_history", "SELECT count(*) FROM flyway_schema_history")).isPositive();
    }

    @Test
    void shouldMakeTheRolesOnceAndRefuseNamesThatWouldGiveAnyRoleMoreThanItsJob() throws Exception
    {
        final String url = postgres.createDatabase("roles_refusals");
        try (Connection admin = DriverManager.getConnection(url, "postgres", ""); Statement sql = admin.createStatement())
        {
            final DatabaseRoles.Role archiver = role(ArchiverConfig.DB_USER, "refusals_archiver");
            final DatabaseRoles.Role history = role(ArchiverConfig.HISTORY_DB_USER, "refusals_history");
            DatabaseRoles.ensure(admin, archiver, history);
            final long oid = count(url, "postgres", "SELECT oid FROM pg_roles WHERE rolname = 'refusals_history'");
            DatabaseRoles.ensure(admin, archiver, history);
            assertThat(count(url, "postgres", "SELECT oid FROM pg_roles WHERE rolname = 'refusals_history'"))
                .as("made once, found the second time").isEqualTo(oid);

            assertThatThrownBy(() -> DatabaseRoles.ensure(admin, archiver, role(ArchiverConfig.HISTORY_DB_USER,
                "refusals_archiver"))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("ODYSSEY_ARCHIVER_HISTORY_DB_USER").hasMessageContaining("must not be able to write");
            assertThatThrownBy(() -> DatabaseRoles.ensure(admin, role(ArchiverConfig.DB_USER, "postgres"), history))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("ODYSSEY_ARCHIVER_DB_USER");
            sql.execute("CREATE ROLE refusals_powerful LOGIN CREATEROLE");
            assertThatThrownBy(() -> DatabaseRoles.ensure(admin, archiver, role(ArchiverConfig.HISTORY_DB_USER,
                "refusals_powerful"))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("no powers beyond logging in");
            sql.execute("CREATE ROLE refusals_member LOGIN IN ROLE refusals_archiver");
            assertThatThrownBy(() -> DatabaseRoles.ensure(admin, archiver, role(ArchiverConfig.HISTORY_DB_USER,
                "refusals_member"))).as("a member of the archiver's role would write with its rights")
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("member of another role");
            assertThatThrownBy(() -> DatabaseRoles.ensure(admin, archiver, role(ArchiverConfig.HISTORY_DB_USER,
                "x\"; DROP TABLE telemetry; --"))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("lower-case letters");
            assertThatThrownBy(() -> DatabaseRoles.ensure(admin, archiver, new DatabaseRoles.Role(
                ArchiverConfig.HISTORY_DB_USER, "refusals_history", ArchiverConfig.HISTORY_DB_PASSWORD,
                "change-me-to-a-generated-password"))).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("ODYSSEY_ARCHIVER_HISTORY_DB_PASSWORD").hasMessageNotContaining("change-me-to");
            assertThat(admin.getAutoCommit()).as("the caller's connection is left as it was").isTrue();
        }
    }

    private static DatabaseRoles.Role role(final io.odyssey.runtime.Setting nameSetting, final String name)
    {
        return new DatabaseRoles.Role(nameSetting, name, nameSetting == ArchiverConfig.DB_USER ?
            ArchiverConfig.DB_PASSWORD : ArchiverConfig.HISTORY_DB_PASSWORD, PASSWORD);
    }

    /** Journals {@code rows} more frames and archives them as {@code user} (the archiver's role, or the superuser). */
    private void archive(final String url, final String user, final int rows) throws Exception
    {
        final Path journal = dir.resolve("journal");
        try (TelemetryJournal telemetry = new TelemetryJournal(journal, RollCycles.FAST_HOURLY))
        {
            for (int i = 0; i < rows; i++)
            {
                final long now = System.currentTimeMillis() * 1_000_000L;
                sequence++;
                telemetry.appendTelemetry(frame, 0, writer.telemetry(frame, 0, 7, sequence, now, 10.0, 20.0, 30f, 40f,
                    5f, 90f, DroneStatus.CRUISING, (byte)0, 0f), now);
            }
        }
        final ArchiverConfig config = new ArchiverConfig();
        config.name = "roles-it";
        config.journalDir = journal.toString();
        config.dbUrl = url;
        config.dbUser = user;
        config.dbPassword = PASSWORD;
        config.statusPort = 0;
        try (Archiver archiver = Archiver.launch(config))
        {
            await().atMost(60, TimeUnit.SECONDS).until(() -> archiver.rowsArchived() == rows);
        }
    }

    private static long count(final String url, final String user, final String query) throws SQLException
    {
        try (Connection connection = DriverManager.getConnection(url, user, PASSWORD);
            Statement sql = connection.createStatement();
            ResultSet row = sql.executeQuery(query))
        {
            row.next();
            return row.getLong(1);
        }
    }
}
