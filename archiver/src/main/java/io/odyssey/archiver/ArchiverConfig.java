package io.odyssey.archiver;

import io.odyssey.runtime.JdbcUrls;
import io.odyssey.runtime.ProgressWatch;
import io.odyssey.runtime.Setting;

import java.nio.file.Path;
import java.util.List;

/**
 * Every setting of the archiver process, with defaults; read from the environment, then system properties. The public
 * fields start from those values and may be set directly (tests, embedding); {@link #conclude()} validates them.
 */
public final class ArchiverConfig
{
    public static final Setting NAME = Setting.of("ODYSSEY_ARCHIVER_NAME", "archiver-ingest-1",
        "Name of this archiver: its journal position in the database and its record for journal retention (one per ingest node)");
    public static final Setting JOURNAL_DIR = Setting.of("ODYSSEY_ARCHIVER_JOURNAL_DIR", ".odyssey/journal/ingest-1",
        "Root directory of the ingest node's journals (its ODYSSEY_INGEST_JOURNAL_DIR)");
    public static final Setting DB_URL = Setting.of("ODYSSEY_ARCHIVER_DB_URL", "",
        "JDBC URL of PostgreSQL, e.g. jdbc:postgresql://db:5432/odyssey; empty = start an embedded PostgreSQL");
    public static final Setting DB_USER = Setting.of("ODYSSEY_ARCHIVER_DB_USER", "odyssey_archiver",
        "Database role the archiver logs in as: it owns the archive's schema and writes, nothing more (made by the init " +
        "step, or by the archiver itself for the embedded PostgreSQL)");
    public static final Setting DB_PASSWORD = Setting.of("ODYSSEY_ARCHIVER_DB_PASSWORD", "",
        "Password of ODYSSEY_ARCHIVER_DB_USER (for the embedded PostgreSQL: generated into <ODYSSEY_ARCHIVER_EMBEDDED_DB_DIR>.archiver.password)");
    public static final Setting HISTORY_DB_USER = Setting.of("ODYSSEY_ARCHIVER_HISTORY_DB_USER", "odyssey_history",
        "Read-only database role of the gateway's history API (its ODYSSEY_GATEWAY_DB_USER), made and granted SELECT on " +
        "the archive by the init step, or by the archiver for the embedded PostgreSQL (password generated into " +
        "<ODYSSEY_ARCHIVER_EMBEDDED_DB_DIR>.history.password)");
    public static final Setting HISTORY_DB_PASSWORD = Setting.of("ODYSSEY_ARCHIVER_HISTORY_DB_PASSWORD", "",
        "Password the init step (archiver --init-roles) gives ODYSSEY_ARCHIVER_HISTORY_DB_USER; used by nothing else");
    public static final Setting DB_ADMIN_USER = Setting.of("ODYSSEY_ARCHIVER_DB_ADMIN_USER", "postgres",
        "A superuser of the database at ODYSSEY_ARCHIVER_DB_URL, used only by the init step (archiver --init-roles) to " +
        "make the two roles");
    public static final Setting DB_ADMIN_PASSWORD = Setting.of("ODYSSEY_ARCHIVER_DB_ADMIN_PASSWORD", "",
        "Password of ODYSSEY_ARCHIVER_DB_ADMIN_USER (only for archiver --init-roles; never needed by the running archiver)");
    public static final Setting EMBEDDED_DB_DIR = Setting.of("ODYSSEY_ARCHIVER_EMBEDDED_DB_DIR", ".odyssey/postgres",
        "Data directory of the embedded PostgreSQL (only without ODYSSEY_ARCHIVER_DB_URL)");
    public static final Setting EMBEDDED_DB_PORT = Setting.of("ODYSSEY_ARCHIVER_EMBEDDED_DB_PORT", "5433",
        "Port of the embedded PostgreSQL on 127.0.0.1 (only without ODYSSEY_ARCHIVER_DB_URL)");
    public static final Setting EMBEDDED_DB_PASSWORD_FILE = Setting.of("ODYSSEY_ARCHIVER_EMBEDDED_DB_PASSWORD_FILE", "",
        "File holding the embedded PostgreSQL's superuser password (hex, owner-only), made on first start; empty = <ODYSSEY_ARCHIVER_EMBEDDED_DB_DIR>.password beside the data directory (only for the embedded PostgreSQL)");
    public static final Setting EMBEDDED_DB_DURABILITY = Setting.of("ODYSSEY_ARCHIVER_EMBEDDED_DB_DURABILITY", "full",
        "full: every commit is on disk before it counts (fsync, synchronous_commit); fast: synchronous_commit off, " +
        "a machine crash may lose the last ~1 s of commits, which the archiver writes again from the journal if the " +
        "journal kept them (only for the embedded PostgreSQL)");
    public static final Setting BATCH_ROWS = Setting.of("ODYSSEY_ARCHIVER_BATCH_ROWS", "20000",
        "Most journal entries written per transaction");
    public static final Setting IDLE_MS = Setting.of("ODYSSEY_ARCHIVER_IDLE_MS", "20",
        "Pause when the journal holds nothing new, ms");
    public static final Setting MAX_RETRY_MS = Setting.of("ODYSSEY_ARCHIVER_MAX_RETRY_MS", "5000",
        "Longest pause between attempts while the database is unreachable, ms");
    public static final Setting RETENTION_DAYS = Setting.of("ODYSSEY_ARCHIVER_RETENTION_DAYS", "30",
        "Days of telemetry kept in the database (TimescaleDB retention policy, or old partitions dropped); 0 = forever");
    public static final Setting MAX_LAG_S = Setting.of("ODYSSEY_ARCHIVER_MAX_LAG_S", "60",
        "Health turns DOWN when the oldest unarchived entry is older than this, s");
    public static final Setting STATUS_HOST = Setting.of("ODYSSEY_ARCHIVER_STATUS_HOST", "127.0.0.1", "Interface of /health and /metrics");
    public static final Setting STATUS_PORT = Setting.of("ODYSSEY_ARCHIVER_STATUS_PORT", "9104", "Port of /health and /metrics (0 = any)");

    public static final List<Setting> ALL = List.of(NAME, JOURNAL_DIR, DB_URL, DB_USER, DB_PASSWORD, HISTORY_DB_USER,
        HISTORY_DB_PASSWORD, DB_ADMIN_USER, DB_ADMIN_PASSWORD, EMBEDDED_DB_DIR,
        EMBEDDED_DB_PORT, EMBEDDED_DB_PASSWORD_FILE, EMBEDDED_DB_DURABILITY, BATCH_ROWS, IDLE_MS, MAX_RETRY_MS, RETENTION_DAYS, MAX_LAG_S, STATUS_HOST, STATUS_PORT,
        ProgressWatch.LIVENESS_TIMEOUT_S);

    public String name = NAME.get();
    public String journalDir = JOURNAL_DIR.get();
    public String dbUrl = DB_URL.get();
    public String dbUser = DB_USER.get();
    public String dbPassword = DB_PASSWORD.get();
    public String historyDbUser = HISTORY_DB_USER.get();
    public String historyDbPassword = HISTORY_DB_PASSWORD.get();
    public String dbAdminUser = DB_ADMIN_USER.get();
    public String dbAdminPassword = DB_ADMIN_PASSWORD.get();
    public String embeddedDbDir = EMBEDDED_DB_DIR.get();
    public int embeddedDbPort = EMBEDDED_DB_PORT.intValue();
    public String embeddedDbDurability = EMBEDDED_DB_DURABILITY.get();
    public String embeddedDbPasswordFile = EMBEDDED_DB_PASSWORD_FILE.get();

    /** Where the embedded database's superuser password is kept: as configured, or beside its data directory. */
    public java.nio.file.Path embeddedDbPasswordPath()
    {
        return embeddedDbPasswordFile == null || embeddedDbPasswordFile.isBlank() ?
            java.nio.file.Path.of(embeddedDbDir.replaceAll("/+$", "") + ".password") :
            java.nio.file.Path.of(embeddedDbPasswordFile);
    }

    /** Where the embedded database's archiver role keeps its password: beside its data directory. */
    public java.nio.file.Path embeddedArchiverPasswordPath()
    {
        return java.nio.file.Path.of(embeddedDbDir.replaceAll("/+$", "") + ".archiver.password");
    }

    /** Where the embedded database's history role keeps its password (the gateway reads it): beside the data. */
    public java.nio.file.Path embeddedHistoryPasswordPath()
    {
        return java.nio.file.Path.of(embeddedDbDir.replaceAll("/+$", "") + ".history.password");
    }
    public int batchRows = BATCH_ROWS.intValue();
    public long idleMs = IDLE_MS.longValue();
    public long maxRetryMs = MAX_RETRY_MS.longValue();
    public int retentionDays = RETENTION_DAYS.intValue();
    public long maxLagS = MAX_LAG_S.longValue();
    public String statusHost = STATUS_HOST.get();
    public int statusPort = STATUS_PORT.intValue();
    /** Archiver threads also get {@code JournalArchiver.DATABASE_WAIT_ALLOWANCE_NS} for waits on the database. */
    public long livenessTimeoutS = ProgressWatch.LIVENESS_TIMEOUT_S.longValue();

    /**
     * Validates every value; fails fast naming the offending setting.
     *
     * @return this, for chaining.
     * @throws io.odyssey.runtime.ConfigurationException naming the setting, the bad value and what was expected.
     */
    public ArchiverConfig conclude()
    {
        io.odyssey.runtime.SecretFile.refusePlaceholder(DB_PASSWORD, dbPassword);
        io.odyssey.runtime.SecretFile.refusePlaceholder(HISTORY_DB_PASSWORD, historyDbPassword);
        io.odyssey.runtime.SecretFile.refusePlaceholder(DB_ADMIN_PASSWORD, dbAdminPassword);
        if (name == null || !name.matches("[A-Za-z0-9._-]{1,100}"))
        {
            throw NAME.invalid(String.valueOf(name), "1 to 100 letters, digits, '.', '_' or '-'");
        }
        if (journalDir == null || journalDir.isBlank())
        {
            throw JOURNAL_DIR.invalid(String.valueOf(journalDir), "a directory");
        }
        if (dbUrl != null && !dbUrl.isBlank() && !dbUrl.startsWith("jdbc:postgresql:"))
        {
            throw DB_URL.invalid(JdbcUrls.redacted(dbUrl), "a jdbc:postgresql: URL, or empty for the embedded database");
        }
        if (embeddedDbPort < 1 || embeddedDbPort > 65_535)
        {
            throw EMBEDDED_DB_PORT.invalid(String.valueOf(embeddedDbPort), "a port number");
        }
        if (!"full".equals(embeddedDbDurability) && !"fast".equals(embeddedDbDurability))
        {
            throw EMBEDDED_DB_DURABILITY.invalid(String.valueOf(embeddedDbDurability), "full or fast");
        }
        if (batchRows < 1 || batchRows > 1_000_000)
        {
            throw BATCH_ROWS.invalid(String.valueOf(batchRows), "between 1 and 1000000");
        }
        if (idleMs < 1 || idleMs > 10_000)
        {
            throw IDLE_MS.invalid(String.valueOf(idleMs), "between 1 and 10000");
        }
        if (maxRetryMs < 10 || maxRetryMs > 600_000)
        {
            throw MAX_RETRY_MS.invalid(String.valueOf(maxRetryMs), "between 10 and 600000");
        }
        if (retentionDays < 0 || retentionDays > 36_500)
        {
            throw RETENTION_DAYS.invalid(String.valueOf(retentionDays), "between 0 (forever) and 36500");
        }
        if (maxLagS < 1)
        {
            throw MAX_LAG_S.invalid(String.valueOf(maxLagS), "at least 1");
        }
        if (statusHost == null || statusHost.isBlank())
        {
            throw STATUS_HOST.invalid(String.valueOf(statusHost), "an interface address");
        }
        if (statusPort < 0 || statusPort > 65_535)
        {
            throw STATUS_PORT.invalid(String.valueOf(statusPort), "a port number (0 = any free port)");
        }
        ProgressWatch.timeoutNs(livenessTimeoutS);
        return this;
    }

    public boolean embeddedDatabase()
    {
        return dbUrl == null || dbUrl.isBlank();
    }

    public Path journalRoot()
    {
        return Path.of(journalDir).toAbsolutePath();
    }
}
