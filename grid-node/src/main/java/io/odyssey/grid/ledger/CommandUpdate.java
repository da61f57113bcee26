package io.odyssey.grid.ledger;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;

import java.io.Serial;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import io.odyssey.codecs.CommandState;
import io.odyssey.grid.UnreadableRecords;

/**
 * One change to one command, applied on the partition owner so the check ("may it move?") and the write are a single
 * step: two relays racing (an ingest node and the one that took over its drones), or a drone's late answer after an
 * expiry, can never move a command backwards. Returns the new record, or null when nothing changed.
 * <p>
 * A command that becomes final is kept for {@link #FINAL_RETENTION_HOURS} hours in the grid (the archive keeps it
 * for good), so the ledger does not grow without bound.
 */
public final class CommandUpdate implements EntryProcessor<Long, CommandRecord, CommandRecord>, HazelcastInstanceAware
{
    public static final long FINAL_RETENTION_HOURS = 24;

    @Serial
    private static final long serialVersionUID = 1L;

    private static final int MOVE = 0;
    private static final int SENT = 1;
    private static final int PROGRESS = 2;
    private static final int DONE_REPORTED = 3;
    private static final int JOURNALED = 4;
    private static final int RESENT = 5;

    /** The member this runs on (injected there), for counting a stored record it cannot read. */
    private transient HazelcastInstance member;

    private final int kind;
    private final CommandState next;
    private final long atNanos;
    private final String reason;
    private final String node;
    private final float progress;
    private final int waypointIndex;
    private final double targetLatitude;
    private final double targetLongitude;
    private final float targetAltitude;
    private final int journaled;
    /** The drone whose word this is; 0 = the ground's own update, for any drone. */
    private final long fromDroneId;

    private CommandUpdate(
        final int kind, final CommandState next, final long atNanos, final String reason, final String node,
        final float progress, final int waypointIndex, final double targetLatitude, final double targetLongitude,
        final float targetAltitude, final int journaled)
    {
        this(kind, next, atNanos, reason, node, progress, waypointIndex, targetLatitude, targetLongitude, targetAltitude,
            journaled, 0L);
    }

    private CommandUpdate(
        final int kind, final CommandState next, final long atNanos, final String reason, final String node,
        final float progress, final int waypointIndex, final double targetLatitude, final double targetLongitude,
        final float targetAltitude, final int journaled, final long fromDroneId)
    {
        this.fromDroneId = fromDroneId;
        this.kind = kind;
        this.next = next;
        this.atNanos = atNanos;
        this.reason = reason;
        this.node = node;
        this.progress = progress;
        this.waypointIndex = waypointIndex;
        this.targetLatitude = targetLatitude;
        this.targetLongitude = targetLongitude;
        this.targetAltitude = targetAltitude;
        this.journaled = journaled;
    }

    /**
     * This update as the word of drone {@code droneId}: it applies only to that drone's commands, so a confused or
     * spoofed sender cannot settle another drone's orders (checked on the partition owner, with the rest of the rules).
     */
    public CommandUpdate fromDrone(final long droneId)
    {
        return new CommandUpdate(kind, next, atNanos, reason, node, progress, waypointIndex, targetLatitude,
            targetLongitude, targetAltitude, journaled, droneId);
    }

    /** This update with its text made storable ({@link LedgerText}); the same instance when it was already. */
    CommandUpdate withSafeText()
    {
        final String safeReason = LedgerText.field(reason, LedgerText.MAX_REASON);
        final String safeNode = LedgerText.field(node, LedgerText.MAX_NAME);
        return safeReason == reason && safeNode == node ? this : new CommandUpdate(kind, next, atNanos, safeReason,
            safeNode, progress, waypointIndex, targetLatitude, targetLongitude, targetAltitude, journaled, fromDroneId);
    }

    /** Moves to {@code next} (accepted, rejected, completed, failed, expired, cancelled...) if the rules allow. */
    public static CommandUpdate moveTo(final CommandState next, final long atNanos, final String reason)
    {
        return new CommandUpdate(MOVE, next, atNanos, reason, null, Float.NaN, -1, Double.NaN, Double.NaN, Float.NaN, 0);
    }

    /** The command frame went out (again) from {@code node}: SENT on the first attempt, one more attempt after. */
    public static CommandUpdate sent(final String node, final long atNanos)
    {
        return new CommandUpdate(SENT, CommandState.SENT, atNanos, null, node, Float.NaN, -1, Double.NaN, Double.NaN,
            Float.NaN, 0);
    }

    /**
     * The drone's word on a command it runs: accepted (with where the command ends), or progress. Moves to
     * {@code state} (ACCEPTED or IN_PROGRESS) if not there yet, and records the progress and target.
     */
    public static CommandUpdate progress(
        final CommandState state, final long atNanos, final float progress, final int waypointIndex,
        final double targetLatitude, final double targetLongitude, final float targetAltitude)
    {
        return new CommandUpdate(PROGRESS, state, atNanos, null, null, progress, waypointIndex, targetLatitude,
            targetLongitude, targetAltitude, 0);
    }

    /** The drone says it is done: recorded, but COMPLETED waits until telemetry shows the effect. */
    public static CommandUpdate doneReported(
        final long atNanos, final double targetLatitude, final double targetLongitude, final float targetAltitude)
    {
        return new CommandUpdate(DONE_REPORTED, CommandState.IN_PROGRESS, atNanos, null, null, 100f, -1,
            targetLatitude, targetLongitude, targetAltitude, 0);
    }

    /**
     * The command frame went out again to a drone that already answered (asking it to repeat its last word, which a
     * lost answer may have taken with it): one more attempt, no change of state.
     */
    public static CommandUpdate resent(final String node, final long atNanos)
    {
        return new CommandUpdate(RESENT, null, atNanos, null, node, Float.NaN, -1, Double.NaN, Double.NaN, Float.NaN, 0);
    }

    /** The first {@code count} transitions are in a journal. */
    public static CommandUpdate journaled(final int count)
    {
        return new CommandUpdate(JOURNALED, null, 0L, null, null, Float.NaN, -1, Double.NaN, Double.NaN, Float.NaN, count);
    }

    @Override
    public void setHazelcastInstance(final HazelcastInstance member)
    {
        this.member = member;
    }

    public CommandRecord process(final Map.Entry<Long, CommandRecord> entry)
    {
        // A record planted by something else is left as it is (counted), and this update does not apply.
        final CommandRecord current = UnreadableRecords.valueOn(member, entry, CommandRecord.class);
        if (current == null)
        {
            return null;
        }
        final CommandRecord updated = apply(current);
        if (updated == null || updated == current)
        {
            return null;
        }
        if (updated.state().isFinal() && entry instanceof ExtendedMapEntry<Long, CommandRecord> extended)
        {
            extended.setValue(updated, FINAL_RETENTION_HOURS, TimeUnit.HOURS);
        }
        else
        {
            entry.setValue(updated);
        }
        return updated;
    }

    /** The rule itself, without the map: the new record, or null/{@code current} when nothing changes. */
    public CommandRecord apply(final CommandRecord current)
    {
        if (fromDroneId != 0 && current.droneId() != fromDroneId)
        {
            return null;
        }
        final CommandState state = current.state();
        switch (kind)
        {
            case MOVE:
                return state.mayMoveTo(next) && next != state ? current.moveTo(next, atNanos, reason) : null;

            case SENT:
                if (!state.mayMoveTo(CommandState.SENT))
                {
                    return null;
                }
                return current.moveTo(CommandState.SENT, atNanos, null)
                    .withDelivery(node, current.attempts() + 1, atNanos);

            case PROGRESS:
            {
                if (state.isFinal() || (state != next && !state.mayMoveTo(next)) ||
                    (next == CommandState.ACCEPTED && state == CommandState.IN_PROGRESS))
                {
                    return null;
                }
                CommandRecord moved = current;
                if (next == CommandState.IN_PROGRESS && state.isUndelivered())
                {
                    // A lost ACCEPTED frame: the ledger still shows the states in their order.
                    moved = moved.moveTo(CommandState.ACCEPTED, atNanos, null);
                }
                moved = moved.moveTo(next, atNanos, null);
                return withDroneWord(moved, current.doneAtNanos());
            }

            case DONE_REPORTED:
            {
                if (state.isFinal() || current.doneAtNanos() != 0)
                {
                    return null;
                }
                CommandRecord moved = current;
                if (state.isUndelivered())
                {
                    moved = moved.moveTo(CommandState.ACCEPTED, atNanos, null);
                }
                moved = moved.moveTo(CommandState.IN_PROGRESS, atNanos, null);
                return withDroneWord(moved, atNanos);
            }

            case RESENT:
                return state.isFinal() ? null : current.withDelivery(node, current.attempts() + 1, atNanos);

            case JOURNALED:
                return journaled > current.journaled() ? current.withJournaled(journaled) : null;

            default:
                throw new IllegalStateException("unknown update kind " + kind);
        }
    }

    private CommandRecord withDroneWord(final CommandRecord moved, final long doneAt)
    {
        final boolean hasTarget = !Double.isNaN(targetLatitude);
        return moved.withProgress(
            Float.isNaN(progress) ? moved.progress() : Math.max(moved.progress(), progress),
            waypointIndex >= 0 ? waypointIndex : moved.waypointIndex(),
            hasTarget ? targetLatitude : moved.targetLatitude(),
            hasTarget ? targetLongitude : moved.targetLongitude(),
            hasTarget ? targetAltitude : moved.targetAltitude(),
            doneAt);
    }
}
