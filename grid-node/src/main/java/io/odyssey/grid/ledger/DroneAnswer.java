package io.odyssey.grid.ledger;

import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;

/**
 * A drone's answer about one command (its {@code CommandStatus} frame, copied off the ingest thread), and what that
 * answer means for the ledger. This is the one place that maps a drone's word to a ledger transition: the relay only
 * carries answers here and writes the result, and {@link CommandUpdate} only enforces which state may follow which
 * ({@link CommandState#mayMoveTo}), so following an answer through the code ends in this class.
 * <p>
 * ACCEPTED and IN_PROGRESS move the command (filling in a lost ACCEPTED) and record the drone's progress and target;
 * DONE is only the drone's word (COMPLETED waits for telemetry to show the effect); REJECTED, FAILED and CANCELLED end
 * it with the drone's reason. A command the drone started itself ({@link #startedByDrone()}) is recorded already
 * accepted.
 *
 * @param commandId the ground's command id, or the drone's own (negative) number for a command it started itself
 * @param type      the command's type as the drone names it (only read for a command it started itself; may be null)
 */
public record DroneAnswer(
    long droneId, long commandId, long atNanos, CommandPhase phase, CommandReason reason, float progress,
    int waypointIndex, CommandType type, double targetLatitude, double targetLongitude, float targetAltitude)
{
    /** Whether the drone says it started this command itself (a failsafe): not a command the ledger knows yet. */
    public boolean startedByDrone()
    {
        return phase == CommandPhase.STARTED_BY_DRONE;
    }

    /**
     * The ledger update this answer means, applying only to this drone's commands (checked on the partition owner, so
     * a confused or spoofed sender cannot settle another drone's orders); null when the answer means none (a phase
     * this version does not know, or a drone's own start, which {@link #startedCommand} records instead).
     */
    public CommandUpdate ledgerUpdate()
    {
        final CommandUpdate update = switch (phase)
        {
            case ACCEPTED -> droneWord(CommandState.ACCEPTED);
            case IN_PROGRESS -> droneWord(CommandState.IN_PROGRESS);
            case DONE -> CommandUpdate.doneReported(atNanos, targetLatitude, targetLongitude, targetAltitude);
            case REJECTED -> CommandUpdate.moveTo(CommandState.REJECTED, atNanos, reasonText());
            case FAILED -> CommandUpdate.moveTo(CommandState.FAILED, atNanos, reasonText());
            case CANCELLED -> CommandUpdate.moveTo(CommandState.CANCELLED, atNanos, reasonText());
            case STARTED_BY_DRONE, NULL_VAL -> null;
        };
        return update == null ? null : update.fromDrone(droneId);
    }

    /**
     * The ledger record of a command the drone started itself, under {@code ledgerId} ({@code DroneCommandIds}):
     * written already accepted, with no expiry, in one step, so no sweep can see it as undelivered and expire it.
     */
    public CommandRecord startedCommand(final long ledgerId, final String nodeId)
    {
        if (!startedByDrone())
        {
            throw new IllegalStateException("not a command the drone started itself: " + phase);
        }
        return droneWord(CommandState.ACCEPTED).apply(CommandRecord.issued(ledgerId, droneId, type,
            CommandParameters.startedByDrone(commandId, reason), null, "drone", nodeId, atNanos, Long.MAX_VALUE));
    }

    /** The drone's reason in the ledger's words, null when it gave none. */
    public String reasonText()
    {
        return CommandParametersJson.reasonText(reason);
    }

    private CommandUpdate droneWord(final CommandState state)
    {
        return CommandUpdate.progress(state, atNanos, progress, waypointIndex, targetLatitude, targetLongitude,
            targetAltitude);
    }
}
