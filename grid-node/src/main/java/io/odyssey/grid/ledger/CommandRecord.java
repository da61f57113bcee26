package io.odyssey.grid.ledger;


import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import java.util.Arrays;

/**
 * One command in the ledger ({@link CommandLedger#COMMANDS_MAP}, keyed by {@link #id()}): what was asked, by whom,
 * and every state it has been through with its time, so the latency from issue to acknowledgement and to effect is
 * known per command. Immutable; every change is a new record written by a {@link CommandUpdate} on the partition
 * owner. Stored with Compact serialization ({@link CommandRecordSerializer}) so members can query it by field.
 *
 * @param id              ledger id: positive (Hazelcast flake id) for commands sent from the ground, negative for
 *                        commands a drone started itself (its failsafe): derived by the relay from the drone and its
 *                        own number for the command, which the parameters keep as {@code droneCommandId}.
 * @param type            what is ordered; null only for a record of a type this version does not know (written into
 *                        the grid by something else: the relay refuses it).
 * @param parameters      the order's parameters, validated where it entered (typed: nothing re-parses them).
 * @param targetLatitude  where the drone said the command ends (NaN until it said so): what "completed" is checked
 *                        against in telemetry.
 * @param doneAtNanos     when the drone reported it done (0 = not yet); completion still waits for telemetry.
 * @param journaled       how many of the transitions the relaying node has journaled.
 * @param authorisation   the seal of the process that put the command in the ledger ({@link CommandAuthority}): a
 *                        gateway that accepted it, or the ingest node that recorded a drone's own command or ordered a
 *                        drone home; null for a record nobody authorised (written straight into the grid).
 */
public record CommandRecord(
    long id,
    long droneId,
    CommandType type,
    CommandParameters parameters,
    CommandState state,
    String reason,
    float progress,
    int waypointIndex,
    String idempotencyKey,
    String issuedBy,
    String issuedFrom,
    long issuedAtNanos,
    long expiresAtNanos,
    String node,
    int attempts,
    long lastSentNanos,
    double targetLatitude,
    double targetLongitude,
    float targetAltitude,
    long doneAtNanos,
    CommandState[] transitionStates,
    long[] transitionAtNanos,
    String[] transitionReasons,
    int journaled,
    String authorisation)
{
    /** A new command in state ISSUED. */
    public static CommandRecord issued(
        final long id, final long droneId, final CommandType type, final CommandParameters parameters,
        final String idempotencyKey, final String issuedBy, final String issuedFrom, final long issuedAtNanos,
        final long expiresAtNanos)
    {
        return new CommandRecord(id, droneId, type, parameters, CommandState.ISSUED, null, 0f, -1, idempotencyKey,
            issuedBy, issuedFrom, issuedAtNanos, expiresAtNanos, null, 0, 0L, Double.NaN, Double.NaN, Float.NaN, 0L,
            new CommandState[]{CommandState.ISSUED}, new long[]{issuedAtNanos}, new String[]{null}, 0, null);
    }

    /**
     * This new command with why it was issued, on its first transition (a geofence's order home names the fence the
     * drone left).
     */
    public CommandRecord issuedBecause(final String why)
    {
        final String[] reasons = transitionReasons.clone();
        reasons[reasons.length - 1] = why;
        return new CommandRecord(id, droneId, type, parameters, state, why, progress, waypointIndex, idempotencyKey,
            issuedBy, issuedFrom, issuedAtNanos, expiresAtNanos, node, attempts, lastSentNanos, targetLatitude,
            targetLongitude, targetAltitude, doneAtNanos, transitionStates, transitionAtNanos, reasons, journaled,
            authorisation);
    }

    /** This new command, refused before it was sent (e.g. by a geofence), with the reason. */
    public CommandRecord rejectedBeforeSending(final long atNanos, final String why)
    {
        return moveTo(CommandState.REJECTED, atNanos, why);
    }

    public boolean active()
    {
        return !state.isFinal();
    }

    public int transitionCount()
    {
        return transitionStates.length;
    }

    /** When the command first reached {@code state}, or 0 if it never did. */
    public long firstAt(final CommandState wanted)
    {
        for (int i = 0; i < transitionStates.length; i++)
        {
            if (transitionStates[i] == wanted)
            {
                return transitionAtNanos[i];
            }
        }
        return 0L;
    }

    /** This record moved to {@code next} at {@code atNanos} (a new transition appended when the state changes). */
    CommandRecord moveTo(final CommandState next, final long atNanos, final String newReason)
    {
        if (next == state)
        {
            return this;
        }
        final int n = transitionStates.length;
        final CommandState[] states = Arrays.copyOf(transitionStates, n + 1);
        final long[] times = Arrays.copyOf(transitionAtNanos, n + 1);
        final String[] reasons = Arrays.copyOf(transitionReasons, n + 1);
        states[n] = next;
        times[n] = atNanos;
        reasons[n] = newReason;
        return new CommandRecord(id, droneId, type, parameters, next, newReason != null ? newReason : reason,
            next == CommandState.COMPLETED ? 100f : progress, waypointIndex, idempotencyKey, issuedBy, issuedFrom,
            issuedAtNanos, expiresAtNanos, node, attempts, lastSentNanos, targetLatitude, targetLongitude,
            targetAltitude, doneAtNanos, states, times, reasons, journaled, authorisation);
    }

    CommandRecord withDelivery(final String newNode, final int newAttempts, final long newLastSentNanos)
    {
        return new CommandRecord(id, droneId, type, parameters, state, reason, progress, waypointIndex, idempotencyKey,
            issuedBy, issuedFrom, issuedAtNanos, expiresAtNanos, newNode, newAttempts, newLastSentNanos, targetLatitude,
            targetLongitude, targetAltitude, doneAtNanos, transitionStates, transitionAtNanos, transitionReasons, journaled,
            authorisation);
    }

    CommandRecord withProgress(
        final float newProgress, final int newWaypointIndex, final double lat, final double lon, final float alt,
        final long newDoneAtNanos)
    {
        return new CommandRecord(id, droneId, type, parameters, state, reason, newProgress, newWaypointIndex,
            idempotencyKey, issuedBy, issuedFrom, issuedAtNanos, expiresAtNanos, node, attempts, lastSentNanos, lat, lon,
            alt, newDoneAtNanos, transitionStates, transitionAtNanos, transitionReasons, journaled, authorisation);
    }

    /**
     * This record with every text field made storable ({@link LedgerText}): the same instance when all of it was
     * already, which is every record the gateway and the relays build from validated input.
     */
    CommandRecord withSafeText()
    {
        final String safeReason = LedgerText.field(reason, LedgerText.MAX_REASON);
        final String safeKey = LedgerText.field(idempotencyKey, LedgerText.MAX_KEY);
        final String safeBy = LedgerText.field(issuedBy, LedgerText.MAX_NAME);
        final String safeFrom = LedgerText.field(issuedFrom, LedgerText.MAX_NAME);
        final String safeNode = LedgerText.field(node, LedgerText.MAX_NAME);
        String[] safeReasons = transitionReasons;
        for (int i = 0; i < transitionReasons.length; i++)
        {
            final String safe = LedgerText.field(transitionReasons[i], LedgerText.MAX_REASON);
            if (safe != transitionReasons[i])
            {
                if (safeReasons == transitionReasons)
                {
                    safeReasons = transitionReasons.clone();
                }
                safeReasons[i] = safe;
            }
        }
        if (safeReason == reason && safeKey == idempotencyKey &&
            safeBy == issuedBy && safeFrom == issuedFrom && safeNode == node && safeReasons == transitionReasons)
        {
            return this;
        }
        return new CommandRecord(id, droneId, type, parameters, state, safeReason, progress, waypointIndex, safeKey,
            safeBy, safeFrom, issuedAtNanos, expiresAtNanos, safeNode, attempts, lastSentNanos, targetLatitude,
            targetLongitude, targetAltitude, doneAtNanos, transitionStates, transitionAtNanos, safeReasons, journaled,
            authorisation);
    }

    CommandRecord withJournaled(final int count)
    {
        return new CommandRecord(id, droneId, type, parameters, state, reason, progress, waypointIndex, idempotencyKey,
            issuedBy, issuedFrom, issuedAtNanos, expiresAtNanos, node, attempts, lastSentNanos, targetLatitude,
            targetLongitude, targetAltitude, doneAtNanos, transitionStates, transitionAtNanos, transitionReasons, count,
            authorisation);
    }

    /** This record carrying {@code seal} as its authorisation. */
    CommandRecord withAuthorisation(final String seal)
    {
        return new CommandRecord(id, droneId, type, parameters, state, reason, progress, waypointIndex, idempotencyKey,
            issuedBy, issuedFrom, issuedAtNanos, expiresAtNanos, node, attempts, lastSentNanos, targetLatitude,
            targetLongitude, targetAltitude, doneAtNanos, transitionStates, transitionAtNanos, transitionReasons, journaled,
            seal);
    }

    public boolean equals(final Object other)
    {
        return other instanceof CommandRecord that && id == that.id && state == that.state &&
            transitionStates.length == that.transitionStates.length && attempts == that.attempts &&
            Float.compare(progress, that.progress) == 0 && waypointIndex == that.waypointIndex &&
            doneAtNanos == that.doneAtNanos && journaled == that.journaled;
    }

    public int hashCode()
    {
        return Long.hashCode(id) * 31 + state.ordinal();
    }

    public String toString()
    {
        return "Command[" + id + " " + (type == null ? "unknown" : type.wireName()) + " drone " + droneId + " " +
            state.wireName() +
            (reason == null ? "" : " (" + reason + ")") + "]";
    }
}
