package io.odyssey.archiver;

import io.odyssey.runtime.Counter;
import net.openhft.chronicle.queue.ExcerptTailer;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * What one journal queue becomes in the database: which queue, which table, and how an entry is encoded as a row.
 * {@link JournalArchiver} does the rest (batches, transactions, positions, retries) the same way for every table.
 */
interface ArchiveTable
{
    /** The queue's directory under the journal root (JournalLayout). */
    String queue();

    String table();

    /** The column list the rows are COPYed into, in encoding order. */
    String columns();

    int fields();

    /** This archiver's key in archiver_position for this queue. */
    String positionName(String archiverName);

    /** Reads the tailer's next entry into this table's reusable view; false at the end of the journal. */
    boolean readNext(ExcerptTailer tailer);

    long index();

    long receivedAtNanos();

    /**
     * Encodes the current entry as one row.
     *
     * @return false when the entry is not readable (it is skipped and counted).
     */
    boolean encode(PgBinaryCopy copy);

    /** The sender's timestamp of the current entry for the archive latency hop, or 0 when there is none. */
    long sentAtNanos();

    /** Why the current entry is unreadable, for the log. */
    String unreadableReason();

    /** Rows committed into this table. */
    Counter rows();

    /** Housekeeping before a batch (partitions); called at most every few minutes. */
    default void maintain(final Connection connection, final int retentionDays) throws SQLException
    {
    }
}
