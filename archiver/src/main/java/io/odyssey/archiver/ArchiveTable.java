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
     * Encodes the current entry as one row, after checking that the database can store it. A refused entry leaves
     * nothing in {@code copy}.
     *
     * @return false when the entry cannot be stored: {@link #refusal()} and {@link #refusalCause()} say why, and it
     *         goes to the dead letters.
     */
    boolean encode(PgBinaryCopy copy);

    /** The sender's timestamp of the current entry for the archive latency hop, or 0 when there is none. */
    long sentAtNanos();

    /** Why the current entry was refused by {@link #encode}. */
    DeadLetterReason refusal();

    /** The detail of the refusal, for the dead letter's cause and the log. */
    String refusalCause();

    /** Rows committed into this table. */
    Counter rows();

    /** Housekeeping before a batch (partitions); called at most every few minutes. */
    default void maintain(final Connection connection, final int retentionDays) throws SQLException
    {
    }
}
