package io.odyssey.archiver;

import io.odyssey.runtime.ConfigurationException;
import io.odyssey.runtime.JdbcUrls;
import io.odyssey.runtime.Setting;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

/**
 * The init step: the archive's two database roles with the least privileges their jobs need, made by an administrator
 * (a superuser) that is used for nothing else. Idempotent: a role that exists is not made again (its password is set
 * to the one given, so running it again rotates passwords), and the privileges are brought back to what is listed
 * here.
 * <ul>
 *   <li>The archiver's role owns the schema {@code public} (where the migrations put the archive) and every table in
 *       it, so it migrates, writes, and drops old partitions; it may make temporary tables (its COPY staging). It
 *       cannot make roles or databases.</li>
 *   <li>The history role may connect and SELECT the archive's tables, now and those that later migrations (or the
 *       archiver's daily partitions) create: default privileges of the archiver's role. Nothing else: no INSERT,
 *       UPDATE, DELETE, TRUNCATE, no CREATE in the schema, no temporary tables.</li>
 * </ul>
 * The extensions the archive uses (PostGIS, TimescaleDB, when the server has them) are made here too: the archiver's
 * role may not create them. Tables that the administrator made earlier in {@code public} (an archive migrated before
 * these roles existed) are handed to the archiver's role, so an old archive keeps working.
 * <p>
 * With TimescaleDB, grants on the hypertable reach its chunks (TimescaleDB copies them) and the continuous aggregate is
 * read with its owner's (the archiver's) rights; this runs against PostgreSQL with PostGIS here, never TimescaleDB.
 */
final class DatabaseRoles
{
    private static final Logger LOG = LoggerFactory.getLogger(DatabaseRoles.class);
    /** Role names go into SQL as identifiers: plain lower-case ones only, which need no quoting rules to be safe. */
    private static final String ROLE_NAME = "[a-z_][a-z0-9_]{0,62}";
    private static final String SCHEMA = "public";

    /** A role to make, named and with its password, each from the setting that configures it (for messages). */
    record Role(Setting nameSetting, String name, Setting passwordSetting, String password)
    {
        @Override
        public String toString()
        {
            return name;
        }
    }

    private DatabaseRoles()
    {
    }

    /**
     * {@code archiver --init-roles}: connects to the configured database as {@code ODYSSEY_ARCHIVER_DB_ADMIN_USER} and
     * makes the archiver's and the history API's roles.
     */
    static void initFromConfig(final ArchiverConfig config) throws SQLException
    {
        config.conclude();
        if (config.embeddedDatabase())
        {
            throw ArchiverConfig.DB_URL.invalid("(empty)", "the JDBC URL of the database to prepare (the embedded " +
                "database makes its roles by itself at start)");
        }
        requirePassword(ArchiverConfig.DB_ADMIN_PASSWORD, config.dbAdminPassword);
        requirePassword(ArchiverConfig.DB_PASSWORD, config.dbPassword);
        requirePassword(ArchiverConfig.HISTORY_DB_PASSWORD, config.historyDbPassword);
        final Properties properties = new Properties();
        properties.setProperty("user", config.dbAdminUser);
        properties.setProperty("password", config.dbAdminPassword);
        properties.setProperty("connectTimeout", "10");
        properties.setProperty("socketTimeout", "300");
        properties.setProperty("ApplicationName", "odyssey-init-roles");
        try (Connection admin = DriverManager.getConnection(config.dbUrl, properties))
        {
            ensure(admin, archiverRole(config, config.dbPassword), historyRole(config, config.historyDbPassword));
        }
        LOG.info("database roles ready in {}: the archiver logs in as {}, the history API as {}",
            JdbcUrls.redacted(config.dbUrl), config.dbUser, config.historyDbUser);
    }

    static Role archiverRole(final ArchiverConfig config, final String password)
    {
        return new Role(ArchiverConfig.DB_USER, config.dbUser, ArchiverConfig.DB_PASSWORD, password);
    }

    static Role historyRole(final ArchiverConfig config, final String password)
    {
        return new Role(ArchiverConfig.HISTORY_DB_USER, config.historyDbUser, ArchiverConfig.HISTORY_DB_PASSWORD, password);
    }

    /**
     * Makes (or brings up to date) both roles and their privileges in the database {@code admin} is connected to, in
     * one transaction: a failure leaves everything as it was.
     *
     * @param admin a connection as a superuser (or a role that may create roles and owns the database and schema).
     * @throws ConfigurationException when a name is not a plain role name, both name the same role or the
     *                                administrator, or an existing role holds powers beyond its job (named, not changed).
     */
    static void ensure(final Connection admin, final Role archiver, final Role history) throws SQLException
    {
        final String adminName = currentUser(admin);
        for (final Role role : List.of(archiver, history))
        {
            if (role.name() == null || !role.name().matches(ROLE_NAME))
            {
                throw role.nameSetting().invalid(String.valueOf(role.name()),
                    "a role name of lower-case letters, digits and '_' (at most 63, not starting with a digit)");
            }
            if (role.name().equals(adminName))
            {
                throw role.nameSetting().invalid(role.name(), "a role of its own, not the administrator " + adminName);
            }
            requirePassword(role.passwordSetting(), role.password());
        }
        if (archiver.name().equals(history.name()))
        {
            throw history.nameSetting().invalid(history.name(), "a role other than the archiver's (" +
                archiver.nameSetting().envName() + "): the history API must not be able to write");
        }
        final boolean autoCommit = admin.getAutoCommit();
        admin.setAutoCommit(false);
        try (Statement sql = admin.createStatement())
        {
            final String database = quote(currentDatabase(admin));
            final String archiverName = quote(archiver.name());
            final String historyName = quote(history.name());
            for (final Role role : List.of(archiver, history))
            {
                if (existing(admin, role))
                {
                    LOG.info("database role {} exists: its password and privileges are brought up to date", role);
                }
                else
                {
                    // LOGIN and nothing else: not a superuser, no roles, no databases, no replication, no RLS bypass.
                    sql.execute("CREATE ROLE " + quote(role.name()) + " LOGIN");
                    LOG.info("database role {} created", role);
                }
                // Hashed (SCRAM) by the driver: the password itself never reaches the server's statement log.
                admin.unwrap(PGConnection.class).alterUserPassword(role.name(), role.password().toCharArray(),
                    "scram-sha-256");
            }
            createExtensions(admin, sql);

            // Nobody else may create objects in the archive's schema (PUBLIC may, on PostgreSQL 14 and older) or make
            // temporary tables in its database (PUBLIC may, everywhere): the archiver is given both by name.
            sql.execute("REVOKE CREATE ON SCHEMA " + SCHEMA + " FROM PUBLIC");
            sql.execute("REVOKE TEMPORARY ON DATABASE " + database + " FROM PUBLIC");
            sql.execute("GRANT CONNECT, TEMPORARY ON DATABASE " + database + " TO " + archiverName);
            sql.execute("GRANT CONNECT ON DATABASE " + database + " TO " + historyName);
            sql.execute("ALTER SCHEMA " + SCHEMA + " OWNER TO " + archiverName);
            handOverTables(admin, sql, adminName, archiverName);

            sql.execute("GRANT USAGE ON SCHEMA " + SCHEMA + " TO " + historyName);
            // A role reused from earlier may hold more: take it back before granting what reading needs.
            sql.execute("REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA " + SCHEMA +
                " FROM " + historyName);
            sql.execute("REVOKE CREATE ON SCHEMA " + SCHEMA + " FROM " + historyName);
            sql.execute("GRANT SELECT ON ALL TABLES IN SCHEMA " + SCHEMA + " TO " + historyName);
            // Tables the archiver makes later (new migrations, daily partitions) are readable as soon as they exist.
            sql.execute("ALTER DEFAULT PRIVILEGES FOR ROLE " + archiverName + " IN SCHEMA " + SCHEMA +
                " GRANT SELECT ON TABLES TO " + historyName);
            admin.commit();
        }
        catch (final SQLException | RuntimeException ex)
        {
            admin.rollback();
            throw ex;
        }
        finally
        {
            admin.setAutoCommit(autoCommit);
        }
    }

    private static void requirePassword(final Setting setting, final String password)
    {
        if (password == null || password.isBlank())
        {
            throw setting.invalid("(empty)", "a generated password (e.g. openssl rand -hex 16)");
        }
        io.odyssey.runtime.SecretFile.refusePlaceholder(setting, password);
    }

    /**
     * Whether the role exists; refuses one that can do more than its job (superuser, CREATEROLE, CREATEDB,
     * replication, RLS bypass, or a member of another role, whose rights it would inherit), naming it and changing
     * nothing: it may be a role someone else relies on.
     */
    private static boolean existing(final Connection admin, final Role role) throws SQLException
    {
        try (PreparedStatement query = admin.prepareStatement(
            "SELECT r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls, " +
            "EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.member = r.oid) FROM pg_roles r WHERE r.rolname = ?"))
        {
            query.setString(1, role.name());
            try (ResultSet row = query.executeQuery())
            {
                if (!row.next())
                {
                    return false;
                }
                if (row.getBoolean(1) || row.getBoolean(2))
                {
                    throw role.nameSetting().invalid(role.name(), "a role with no powers beyond logging in: " +
                        role.name() + " exists and is a superuser, may create roles or databases, replicate, bypass " +
                        "row security, or is a member of another role (use another name, or strip it first)");
                }
                return true;
            }
        }
    }

    private static void createExtensions(final Connection admin, final Statement sql) throws SQLException
    {
        for (final String extension : List.of("postgis", "timescaledb"))
        {
            if (V2__TelemetryStorage.extensionAvailable(admin, extension) &&
                !V2__TelemetryStorage.extensionInstalled(admin, extension))
            {
                sql.execute("CREATE EXTENSION IF NOT EXISTS " + extension);
                LOG.info("extension {} created for the archive", extension);
            }
        }
    }

    /**
     * An archive migrated before the roles existed belongs to the administrator: its tables, views and sequences in
     * the schema (not an extension's, not a sequence that belongs to a table) go to the archiver's role.
     */
    private static void handOverTables(final Connection admin, final Statement sql, final String adminName,
        final String archiverName) throws SQLException
    {
        final List<String> statements = new ArrayList<>();
        try (PreparedStatement query = admin.prepareStatement("""
            SELECT c.relkind, quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = ? AND pg_get_userbyid(c.relowner) = ? AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                              AND (d.deptype = 'e' OR (c.relkind = 'S' AND d.deptype IN ('a', 'i'))))
            ORDER BY c.oid"""))
        {
            query.setString(1, SCHEMA);
            query.setString(2, adminName);
            try (ResultSet rows = query.executeQuery())
            {
                while (rows.next())
                {
                    final String kind = switch (rows.getString(1))
                    {
                        case "v" -> "VIEW";
                        case "m" -> "MATERIALIZED VIEW";
                        case "S" -> "SEQUENCE";
                        case "f" -> "FOREIGN TABLE";
                        default -> "TABLE";
                    };
                    statements.add("ALTER " + kind + " " + SCHEMA + "." + rows.getString(2) + " OWNER TO " + archiverName);
                }
            }
        }
        for (final String statement : statements)
        {
            sql.execute(statement);
        }
        if (!statements.isEmpty())
        {
            LOG.info("{} relations made before the roles existed now belong to {}", statements.size(), archiverName);
        }
    }

    private static String currentUser(final Connection connection) throws SQLException
    {
        return single(connection, "SELECT current_user");
    }

    private static String currentDatabase(final Connection connection) throws SQLException
    {
        return single(connection, "SELECT current_database()");
    }

    private static String single(final Connection connection, final String query) throws SQLException
    {
        try (Statement sql = connection.createStatement(); ResultSet row = sql.executeQuery(query))
        {
            row.next();
            return row.getString(1);
        }
    }

    /** A name as a quoted SQL identifier (role names are checked before; the database's comes from the server). */
    private static String quote(final String identifier)
    {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
