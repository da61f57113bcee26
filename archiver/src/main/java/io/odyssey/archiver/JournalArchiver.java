package io.odyssey.archiver;

import io.odyssey.journal.JournalRetention;
import io.odyssey.runtime.ProgressWatch;
import io.odyssey.runtime.RateLimitedLog;
import io.odyssey.runtime.RealTimeClock;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.wire.DocumentContext;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The archiver's loop: read up to a batch of journal entries, write them with one binary {@code COPY} and move this
 * archiver's journal position <em>in the same transaction</em>, commit; repeat. Exactly once: after any failure
 * (crash, lost connection, refused transaction) the tailer goes back to the committed position, so nothing is
 * skipped and nothing is written twice. A unique key on (drone, time, sequence) is the second guard: should rows be
 * there already (a position lost with a restored database), the batch goes through a staging table and
 * {@code ON CONFLICT DO NOTHING}, and the duplicates are counted.
 * <p>
 * <b>Poison entries never stall it.</b> An entry the database cannot take goes to {@code dead_letters} (its bytes as
 * journaled, the reason and the cause), in the same transaction as the position, and is counted
 * ({@code odyssey_archiver_dead_letters_total}); the rest of its batch is stored as usual. Predictable refusals are
 * found before the {@code COPY} ({@link ArchiveTable#encode}: unreadable entries, text PostgreSQL cannot store, numbers
 * out of range, parameters that are not JSON). A batch the database still refuses with a data error (SQLSTATE classes
 * 22, 23, 54) is split in halves, each under a savepoint, until the refused entries are found alone; only those become
 * dead letters. Connection failures are not poison: they are retried as before, with nothing committed.
 * <p>
 * An unreachable database is normal weather: attempts back off up to the configured maximum, the journal keeps
 * everything meanwhile, and the lag (entries and seconds) is published for health and metrics. When the database is
 * back, batches are full until the archiver has caught up.
 * <p>
 * Runs on its own thread (JDBC blocks); per row nothing is allocated: frames are read through a reused
 * {@link JournalEntry} and {@link TelemetryFrameReader} and encoded into a reused {@link PgBinaryCopy} buffer.
 */
final class JournalArchiver implements Runnable
{
    private static final long RECORD_ARCHIVED_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long RECORD_REFRESH_NS = TimeUnit.MILLISECONDS.toNanos(JournalRetention.RECORD_REFRESH_MILLIS);
    private static final long PARTITION_CHECK_INTERVAL_NS = TimeUnit.MINUTES.toNanos(10);
    private static final String UNIQUE_VIOLATION = "23505";
    private static final String INSERT_DEAD_LETTER = "INSERT INTO dead_letters (source, queue, journal_index, entry, " +
        "reason, cause) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING";
    /** A dead letter keeps at most this much of its entry (journal entries are far smaller; a bound all the same). */
    static final int MAX_DEAD_LETTER_BYTES = 1 << 20;
    /** Dead letters sent to the database per statement batch, so their bytes are never all held at once. */
    private static final int DEAD_LETTER_CHUNK = 256;
    /**
     * How much longer than the stall timeout one turn of the loop may take before the thread counts as wedged: a
     * turn may wait on the database (a batch, a schema migration on the first connection, each call bounded by the
     * connection's 60 s socket timeout), which is a dependency being slow, not this process being stuck.
     */
    static final long DATABASE_WAIT_ALLOWANCE_NS = TimeUnit.MINUTES.toNanos(5);

    private static final Logger LOG = LoggerFactory.getLogger(JournalArchiver.class);

    /** Opens a connection to the archive database; called again after every failure. */
    interface ConnectionFactory
    {
        Connection open() throws SQLException;
    }

    private final ArchiverConfig config;
    private final ConnectionFactory connections;
    private final SingleChronicleQueue queue;
    private final ExcerptTailer tailer;
    private final ArchiverMetrics metrics;
    private final Path journalRoot;
    private final RealTimeClock clock = new RealTimeClock();
    private final ArchiveTable table;
    private final String positionName;
    private final String copySql;
    private final PgBinaryCopy copy = new PgBinaryCopy(1 << 20);
    private final long[] batchSentAt;
    private final RateLimitedLog failureLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(10));
    private final RateLimitedLog deadLetterLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(10));
    /** Re-reads a dead letter's entry by its index, as journaled, without moving the archiving tailer. */
    private final ExcerptTailer rawTailer;
    /** Per row of the batch: where it starts in {@link #copy} (one more, where the rows end) and its journal index. */
    private final int[] rowOffset;
    private final long[] rowIndex;
    /** The batch's dead letters so far; counted and logged only once the batch is committed. */
    private final long[] deadIndex;
    private final DeadLetterReason[] deadReason;
    private final String[] deadCause;
    private final boolean[] deadStored;
    private int deadCount;
    private long batchDuplicates;
    private final ProgressWatch progress;

    private volatile boolean running = true;
    private volatile boolean connected;
    private volatile String lastError;
    private volatile long lagEntries;
    private volatile long lagNanos;
    private volatile long committedIndex = -1;

    private Connection connection;
    private long committedReceivedAtNanos;
    private long retryDelayMs;
    private long lastRecordedIndex = -1;
    private long lastRecordNs;
    private long lastPartitionCheckNs;

    JournalArchiver(
        final ArchiverConfig config,
        final ConnectionFactory connections,
        final SingleChronicleQueue queue,
        final ArchiveTable table,
        final ArchiverMetrics metrics)
    {
        this.config = config;
        this.table = table;
        this.progress = new ProgressWatch(table.queue() + "-archiver",
            ProgressWatch.timeoutNs(config.livenessTimeoutS) + DATABASE_WAIT_ALLOWANCE_NS);
        this.positionName = table.positionName(config.name);
        this.copySql = "COPY " + table.table() + " (" + table.columns() + ") FROM STDIN (FORMAT binary)";
        this.connections = connections;
        this.queue = queue;
        this.tailer = queue.createTailer(positionName.replace(':', '-'));
        this.metrics = metrics;
        this.journalRoot = config.journalRoot();
        this.batchSentAt = new long[config.batchRows];
        this.rawTailer = queue.createTailer();
        this.rowOffset = new int[config.batchRows + 1];
        this.rowIndex = new long[config.batchRows];
        this.deadIndex = new long[config.batchRows];
        this.deadReason = new DeadLetterReason[config.batchRows];
        this.deadCause = new String[config.batchRows];
        this.deadStored = new boolean[config.batchRows];
        this.retryDelayMs = firstRetryDelayMs();
    }

    public void run()
    {
        while (running)
        {
            progress.beat();
            try
            {
                if (connection == null)
                {
                    connect();
                }
                final int rows = archiveBatch();
                updateLag();
                recordArchived(false);
                if (rows == 0)
                {
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(config.idleMs));
                }
            }
            catch (final SQLException | IOException | RuntimeException ex)
            {
                onFailure(ex);
            }
        }
        recordArchived(true);
        closeConnection();
    }

    /** This loop's liveness: DOWN when one turn has taken far longer than any wait on the database may. */
    ProgressWatch progress()
    {
        return progress;
    }

    /** One turn of {@link #run} without its error handling: connect if needed, archive a batch (for benchmarks). */
    int archiveOnce() throws SQLException, IOException
    {
        if (connection == null)
        {
            connect();
        }
        return archiveBatch();
    }

    /** Connects, reads this archiver's committed position and moves the tailer just past it. */
    private void connect() throws SQLException
    {
        final Connection opened = connections.open();
        try
        {
            opened.setAutoCommit(false);
            try (PreparedStatement insert = opened.prepareStatement(
                "INSERT INTO archiver_position (name, journal_index) VALUES (?, -1) ON CONFLICT (name) DO NOTHING"))
            {
                insert.setString(1, positionName);
                insert.executeUpdate();
            }
            long index = -1;
            long receivedAt = 0;
            try (PreparedStatement select = opened.prepareStatement(
                "SELECT journal_index, last_received_at FROM archiver_position WHERE name = ?"))
            {
                select.setString(1, positionName);
                try (ResultSet row = select.executeQuery())
                {
                    if (row.next())
                    {
                        index = row.getLong(1);
                        final Timestamp at = row.getTimestamp(2);
                        receivedAt = at == null ? 0 : toEpochNanos(at.toInstant());
                    }
                }
            }
            opened.commit();
            table.maintain(opened, config.retentionDays);
            lastPartitionCheckNs = System.nanoTime();
            connection = opened;
            position(index);
            committedReceivedAtNanos = receivedAt;
            connected = true;
            lastError = null;
            retryDelayMs = firstRetryDelayMs();
            LOG.info("archiving journal {} into {} from {} (position '{}')", queue.file(), table.table(),
                index < 0 ? "its start" : "after index " + Long.toHexString(index), positionName);
        }
        catch (final SQLException | RuntimeException ex)
        {
            quietClose(opened);
            throw ex;
        }
    }

    private void position(final long index)
    {
        committedIndex = index;
        if (index < 0)
        {
            tailer.toStart();
            return;
        }
        if (!tailer.moveToIndex(index))
        {
            // The committed entry itself is gone (its cycle deleted by hand: retention waits for this archiver).
            // Start from what is left; the unique key keeps anything already stored from being stored twice.
            LOG.warn("journal index {} is no longer in {}: continuing from the oldest entry left",
                Long.toHexString(index), queue.file());
            tailer.toStart();
            return;
        }
        // moveToIndex positions *at* the committed entry, which is already in the database.
        if (table.readNext(tailer) && table.index() != index)
        {
            tailer.moveToIndex(table.index());
        }
    }

    /**
     * One transaction: up to a batch of entries as rows, the batch's dead letters, and the new position.
     *
     * @return the number of journal entries consumed (0 when there was nothing new).
     */
    private int archiveBatch() throws SQLException, IOException
    {
        maintainPartitions();
        copy.begin();
        deadCount = 0;
        batchDuplicates = 0;
        int entries = 0;
        int rows = 0;
        long lastIndex = committedIndex;
        long lastReceivedAt = committedReceivedAtNanos;
        while (entries < config.batchRows && table.readNext(tailer))
        {
            entries++;
            lastIndex = table.index();
            // An unreadable entry has no time of its own: the position keeps the last known one (the lag stays true).
            final long receivedAt = table.receivedAtNanos();
            lastReceivedAt = receivedAt != 0 ? receivedAt : lastReceivedAt;
            final int start = copy.length();
            final boolean encoded;
            try
            {
                encoded = table.encode(copy);
            }
            catch (final RuntimeException ex)
            {
                // An entry nothing foresaw (the tables check what they can): it alone is set aside.
                copy.truncate(start);
                addDeadLetter(lastIndex, DeadLetterReason.UNREADABLE, "could not be encoded: " + ex);
                continue;
            }
            if (!encoded)
            {
                copy.truncate(start);
                addDeadLetter(lastIndex, table.refusal(), table.refusalCause());
                continue;
            }
            rowOffset[rows] = start;
            rowIndex[rows] = lastIndex;
            batchSentAt[rows++] = table.sentAtNanos();
        }
        if (entries == 0)
        {
            return 0;
        }
        rowOffset[rows] = copy.length();

        long inserted = 0;
        if (rows > 0)
        {
            try
            {
                inserted = copyIn(copySql, 0, rows);
            }
            catch (final SQLException ex)
            {
                if (!isDataError(ex))
                {
                    throw ex;
                }
                // Nothing else is in this transaction yet: start it over and find what the database refuses.
                connection.rollback();
                inserted = writeRefused(0, rows, ex);
            }
        }
        insertDeadLetters();
        commitPosition(lastIndex, lastReceivedAt, inserted);

        committedIndex = lastIndex;
        committedReceivedAtNanos = lastReceivedAt;
        table.rows().add(inserted);
        metrics.batches.increment();
        if (batchDuplicates > 0)
        {
            metrics.duplicates.add(batchDuplicates);
            LOG.warn("{} of {} rows were already in the database and were skipped", batchDuplicates, rows);
        }
        reportDeadLetters();
        final long now = clock.nanoTime();
        for (int i = 0; i < rows; i++)
        {
            if (batchSentAt[i] != 0)
            {
                metrics.archived.record(now - batchSentAt[i]);
            }
        }
        return entries;
    }

    /**
     * Rows {@code [from, to)} were refused with a data error, and the transaction is back to before them. A unique
     * violation is retried through the staging table, skipping the rows stored already (a lost position); any other
     * refusal splits the rows in halves until each refused row stands alone, and those become dead letters.
     *
     * @return the rows stored.
     */
    private long writeRefused(final int from, final int to, final SQLException refusal) throws SQLException
    {
        SQLException cause = refusal;
        if (UNIQUE_VIOLATION.equals(cause.getSQLState()))
        {
            final Savepoint savepoint = connection.setSavepoint();
            try
            {
                final long inserted = insertSkippingDuplicates(from, to);
                connection.releaseSavepoint(savepoint);
                batchDuplicates += (to - from) - inserted;
                return inserted;
            }
            catch (final SQLException ex)
            {
                connection.rollback(savepoint);
                if (!isDataError(ex))
                {
                    throw ex;
                }
                cause = ex;
            }
        }
        if (to - from == 1)
        {
            addDeadLetter(rowIndex[from], DeadLetterReason.REFUSED, cause.getSQLState() + ": " + cause.getMessage());
            batchSentAt[from] = 0;
            return 0;
        }
        final int middle = (from + to) >>> 1;
        return writeRows(from, middle) + writeRows(middle, to);
    }

    /** Rows {@code [from, to)} under a savepoint, so a refusal undoes only them. */
    private long writeRows(final int from, final int to) throws SQLException
    {
        final Savepoint savepoint = connection.setSavepoint();
        try
        {
            final long inserted = copyIn(copySql, from, to);
            connection.releaseSavepoint(savepoint);
            return inserted;
        }
        catch (final SQLException ex)
        {
            connection.rollback(savepoint);
            if (!isDataError(ex))
            {
                throw ex;
            }
            return writeRefused(from, to, ex);
        }
    }

    /**
     * A refusal caused by the rows themselves, which another attempt would meet again: data exceptions (22),
     * integrity constraints (23) and program limits such as an oversized index row (54). Anything else (connection,
     * resources, a schema out of step) is weather, retried with back-off.
     */
    static boolean isDataError(final SQLException ex)
    {
        final String state = ex.getSQLState();
        return state != null && (state.startsWith("22") || state.startsWith("23") || state.startsWith("54"));
    }

    private long copyIn(final String sql, final int fromRow, final int toRow) throws SQLException
    {
        final CopyIn in = connection.unwrap(PGConnection.class).getCopyAPI().copyIn(sql);
        try
        {
            copy.writeRows(in, rowOffset[fromRow], rowOffset[toRow]);
            return in.endCopy();
        }
        catch (final SQLException ex)
        {
            // The server's refusal is what counts: a failing cancel must not replace it (it decides poison or not).
            if (in.isActive())
            {
                try
                {
                    in.cancelCopy();
                }
                catch (final SQLException cancel)
                {
                    ex.addSuppressed(cancel);
                }
            }
            throw ex;
        }
    }

    /** The slow path after a unique violation: same rows through a staging table, existing ones skipped. */
    private long insertSkippingDuplicates(final int fromRow, final int toRow) throws SQLException
    {
        final String staging = table.table() + "_staging";
        try (Statement sql = connection.createStatement())
        {
            sql.execute("CREATE TEMP TABLE IF NOT EXISTS " + staging + " AS SELECT " + table.columns() +
                " FROM " + table.table() + " WITH NO DATA");
            sql.execute("TRUNCATE " + staging);
        }
        copyIn("COPY " + staging + " (" + table.columns() + ") FROM STDIN (FORMAT binary)", fromRow, toRow);
        try (Statement sql = connection.createStatement())
        {
            return sql.executeUpdate("INSERT INTO " + table.table() + " (" + table.columns() + ") SELECT " +
                table.columns() + " FROM " + staging + " ON CONFLICT DO NOTHING");
        }
    }

    private void addDeadLetter(final long index, final DeadLetterReason reason, final String cause)
    {
        deadIndex[deadCount] = index;
        deadReason[deadCount] = reason;
        deadCause[deadCount] = StorableText.cause(cause);
        deadCount++;
    }

    /** The batch's dead letters, in its transaction; one stored already (a position restored from a backup) stays one. */
    private void insertDeadLetters() throws SQLException
    {
        if (deadCount == 0)
        {
            return;
        }
        try (PreparedStatement insert = connection.prepareStatement(INSERT_DEAD_LETTER))
        {
            for (int i = 0; i < deadCount; i++)
            {
                insert.setString(1, config.name);
                insert.setString(2, table.queue());
                insert.setLong(3, deadIndex[i]);
                insert.setBytes(4, rawEntry(deadIndex[i]));
                insert.setString(5, deadReason[i].label());
                insert.setString(6, deadCause[i]);
                insert.addBatch();
                if ((i + 1) % DEAD_LETTER_CHUNK == 0 || i + 1 == deadCount)
                {
                    final int[] stored = insert.executeBatch();
                    for (int k = 0; k < stored.length; k++)
                    {
                        deadStored[i + 1 - stored.length + k] = stored[k] != 0;
                    }
                }
            }
        }
    }

    /** The entry's bytes as journaled (at most {@link #MAX_DEAD_LETTER_BYTES}); empty if it is gone meanwhile. */
    private byte[] rawEntry(final long index)
    {
        if (!rawTailer.moveToIndex(index))
        {
            return new byte[0];
        }
        try (DocumentContext entry = rawTailer.readingDocument())
        {
            if (!entry.isPresent())
            {
                return new byte[0];
            }
            final Bytes<?> bytes = entry.wire().bytes();
            final byte[] raw = new byte[(int)Math.min(bytes.readRemaining(), MAX_DEAD_LETTER_BYTES)];
            bytes.read(raw);
            return raw;
        }
    }

    /** Counts and logs (at a bounded rate) the dead letters of a committed batch; one stored before is a duplicate. */
    private void reportDeadLetters()
    {
        for (int i = 0; i < deadCount; i++)
        {
            if (!deadStored[i])
            {
                metrics.duplicates.increment();
                continue;
            }
            metrics.deadLetters(table.queue(), deadReason[i]).increment();
            if (deadLetterLog.tryAcquire(System.nanoTime()))
            {
                LOG.warn("{} journal entry {} moved to dead_letters ({}: {}); archiving goes on ({} more since the " +
                    "last line)", table.queue(), Long.toHexString(deadIndex[i]), deadReason[i].label(), deadCause[i],
                    deadLetterLog.suppressedSinceLast());
            }
            deadCause[i] = null;
        }
    }

    private void commitPosition(final long index, final long receivedAtNanos, final long rows) throws SQLException
    {
        try (PreparedStatement update = connection.prepareStatement(
            "UPDATE archiver_position SET journal_index = ?, rows_archived = rows_archived + ?, " +
            "last_received_at = ?, updated_at = now() WHERE name = ?"))
        {
            update.setLong(1, index);
            update.setLong(2, rows);
            update.setTimestamp(3, Timestamp.from(Instant.ofEpochSecond(0, receivedAtNanos)));
            update.setString(4, positionName);
            if (update.executeUpdate() != 1)
            {
                throw new SQLException("the position row '" + positionName + "' is missing");
            }
        }
        connection.commit();
    }

    private void maintainPartitions() throws SQLException
    {
        final long now = System.nanoTime();
        if (now - lastPartitionCheckNs >= PARTITION_CHECK_INTERVAL_NS)
        {
            lastPartitionCheckNs = now;
            table.maintain(connection, config.retentionDays);
            // Committed on its own: a batch refused and started over must not take the new partitions with it.
            connection.commit();
        }
    }

    private void onFailure(final Exception ex)
    {
        metrics.dbFailures.increment();
        connected = false;
        lastError = ex.toString();
        closeConnection();
        if (failureLog.tryAcquire(System.nanoTime()))
        {
            LOG.warn("archiving paused, retrying in {} ms; the journal keeps everything meanwhile " +
                "({} more failures since the last line): {}", retryDelayMs, failureLog.suppressedSinceLast(), ex.toString());
        }
        updateLag();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(retryDelayMs);
        while (running && System.nanoTime() < deadline)
        {
            progress.beat();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(Math.min(50, retryDelayMs)));
        }
        retryDelayMs = Math.min(retryDelayMs * 2, config.maxRetryMs);
    }

    /** Entries in the journal after the committed one, and how old the oldest of them is (approximately). */
    private void updateLag()
    {
        final long last = queue.lastIndex();
        final long behind;
        if (last < 0)
        {
            behind = 0;
        }
        else if (committedIndex < 0)
        {
            behind = queue.entryCount();
        }
        else
        {
            // Counts [committed, last): the committed entry is in, the last one out; the same number as (committed, last].
            behind = last <= committedIndex ? 0 : queue.countExcerpts(committedIndex, last);
        }
        lagEntries = behind;
        lagNanos = behind == 0 || committedReceivedAtNanos == 0 ? 0 :
            Math.max(0, clock.nanoTime() - committedReceivedAtNanos);
    }

    /**
     * Tells journal retention how far this archiver has committed (at most once a second, and once at the end); and,
     * unchanged, every {@link JournalRetention#RECORD_REFRESH_MILLIS}, so that retention can tell an idle archiver
     * from one that is gone.
     */
    private void recordArchived(final boolean force)
    {
        final long index = committedIndex;
        final long now = System.nanoTime();
        final long sinceLast = now - lastRecordNs;
        final boolean refresh = sinceLast >= RECORD_REFRESH_NS;
        if (index < 0 || (index == lastRecordedIndex && !refresh) || (!force && sinceLast < RECORD_ARCHIVED_INTERVAL_NS))
        {
            return;
        }
        try
        {
            JournalRetention.recordArchived(journalRoot, table.queue(), config.name, index);
            lastRecordedIndex = index;
            lastRecordNs = now;
        }
        catch (final IOException ex)
        {
            LOG.warn("could not record the archived position for journal retention: {}", ex.toString());
        }
    }

    void closeConnection()
    {
        if (connection != null)
        {
            quietClose(connection);
            connection = null;
        }
    }

    private static void quietClose(final Connection connection)
    {
        try
        {
            connection.close();
        }
        catch (final SQLException ignore)
        {
            // already broken; nothing to release
        }
    }

    private long firstRetryDelayMs()
    {
        return Math.min(100, config.maxRetryMs);
    }

    private static long toEpochNanos(final Instant instant)
    {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    void stop()
    {
        running = false;
    }

    boolean connected()
    {
        return connected;
    }

    String lastError()
    {
        return lastError;
    }

    long lagEntries()
    {
        return lagEntries;
    }

    long lagNanos()
    {
        return lagNanos;
    }

    long committedIndex()
    {
        return committedIndex;
    }
}
