package io.odyssey.relay;

import io.odyssey.codecs.CommandState;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.grid.ledger.CommandUpdate;
import io.odyssey.journal.CommandJournal;

import java.util.Objects;

/**
 * Every ledger transition this node makes, counted and written to its command journal (from which the archiver keeps
 * the audit), the ledger then told how far the journal goes. Relay thread only.
 */
final class TransitionRecorder
{
    private final CommandLedger ledger;
    private final CommandJournal journal;
    private final String nodeId;
    private final CommandRelay.CommandMetrics metrics;

    TransitionRecorder(
        final CommandLedger ledger, final CommandJournal journal, final String nodeId,
        final CommandRelay.CommandMetrics metrics)
    {
        this.ledger = ledger;
        this.journal = Objects.requireNonNull(journal, "journal");
        this.nodeId = nodeId;
        this.metrics = metrics;
    }

    /** A transition this node made ({@code command} as the update returned it; null: nothing changed). */
    void record(final CommandRecord command)
    {
        if (command == null)
        {
            return;
        }
        metrics.transitions.increment();
        if (command.state() == CommandState.EXPIRED)
        {
            metrics.expired.increment();
        }
        journalPending(command);
    }

    /**
     * Commands that became final without any relay (refused by the gateway, e.g. by a geofence) are journaled by
     * whichever node sees them first, so the archive's audit shows them too (a second copy is kept once there).
     */
    void journalUnrelayed()
    {
        for (final CommandRecord command : ledger.unjournaledFinal())
        {
            if (command.node() == null)
            {
                journalPending(command);
            }
        }
    }

    /** Journals the transitions of {@code command} not journaled yet, then notes that in the ledger. */
    private void journalPending(final CommandRecord command)
    {
        if (command.journaled() >= command.transitionCount())
        {
            return;
        }
        CommandJournalEntries.append(journal, command, command.journaled(), nodeId);
        ledger.update(command.id(), CommandUpdate.journaled(command.transitionCount()));
    }
}
