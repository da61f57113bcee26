package io.odyssey.relay;

import com.hazelcast.map.IMap;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.UnreadableRecords;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.grid.ledger.CommandUpdate;

import org.agrona.concurrent.NanoClock;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A drone's "done" is only its word: the command becomes COMPLETED when telemetry newer than that word shows the
 * effect ({@link CommandEffects}; a cancel, when its target is over), and FAILED when it has not within
 * {@link #EFFECT_TIMEOUT_NS}. Commands waiting for that are looked at again soon rather than at the next sweep.
 * <p>
 * The window is timed on this node's monotonic clock. The "done" time in the ledger is a wall-clock time (this node's,
 * or another's that heard the drone before), and judged against this node's wall clock at every look a step of that
 * clock moved the window by as much: a step forward failed every command awaiting its effect at once, a step back
 * held them for the step's length. So the time already used is judged once, when this node first sees the command
 * awaiting (its wall clock less the "done" time, taken as 0 to the whole window), and the rest counted down on the
 * monotonic clock; a step after that moves nothing, a wrong clock at that first look moves the window by at most its
 * length, once. Relay thread only.
 */
final class EffectConfirmation
{
    /** A drone that said "done" but whose telemetry does not show it within this long: the command failed. */
    static final long EFFECT_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);
    static final int MAX_AWAITING_EFFECT = 10_000;

    private final CommandLedger ledger;
    private final IMap<Long, DroneState> fleet;
    private final UnreadableRecords fleetStates;
    private final TransitionRecorder recorder;
    private final NanoClock monotonic;
    /** Commands whose drone said "done" and whose effect telemetry has not shown yet. */
    private final Map<Long, CommandRecord> awaiting = new HashMap<>();
    /**
     * When each awaiting command's window ends on the monotonic clock, fixed when this node first saw it awaiting. An
     * entry leaves when its command is completed or failed here, or at the end of the first sweep that did not see it
     * awaiting on this node (final elsewhere, expired, its drone gone to another node); at most
     * {@link #MAX_AWAITING_EFFECT}, beyond which a command's window is judged from the ledger at every look, as before.
     */
    private final Map<Long, Deadline> deadlines = new HashMap<>();
    private long pass;

    private static final class Deadline
    {
        long endsNs;
        long doneAt;
        long pass;
    }

    EffectConfirmation(
        final CommandLedger ledger, final IMap<Long, DroneState> fleet, final UnreadableRecords fleetStates,
        final TransitionRecorder recorder, final NanoClock monotonic)
    {
        this.monotonic = monotonic;
        this.ledger = ledger;
        this.fleet = fleet;
        this.fleetStates = fleetStates;
        this.recorder = recorder;
    }

    boolean anyAwaiting()
    {
        return !awaiting.isEmpty();
    }

    /**
     * Forgets every waiting command at the start of a sweep: the sweep re-adds those still waiting (finished ones drop
     * out), and {@link #endSweep} then forgets the windows of those it did not see.
     */
    void forgetAwaiting()
    {
        awaiting.clear();
        pass++;
    }

    /** Forgets the windows of the commands the sweep since {@link #forgetAwaiting} did not see awaiting here. */
    void endSweep()
    {
        final long current = pass;
        deadlines.values().removeIf(deadline -> deadline.pass != current);
    }

    /** Only the commands whose drone said "done", against their drones' latest telemetry. */
    void checkAwaiting(final long now)
    {
        final Set<Long> drones = new HashSet<>();
        for (final CommandRecord command : awaiting.values())
        {
            drones.add(command.droneId());
        }
        final Map<Long, DroneState> states = fleetStates.getAll(fleet, drones, DroneState.class);
        for (final CommandRecord command : new ArrayList<>(awaiting.values()))
        {
            confirm(command, states.get(command.droneId()), now);
        }
    }

    /** {@code command}, said done, against its drone's latest {@code state}: completed, failed, or still waiting. */
    void confirm(final CommandRecord command, final DroneState state, final long now)
    {
        // A state filed under this drone's key but naming another drone (a grid client's) shows nothing of this one:
        // taken as it was, a landed drone's state filed under a flying one's key completed the flying one's LAND.
        final DroneState own = DroneState.filedUnder(command.droneId(), state);
        final boolean seen;
        if (command.type() == CommandType.CANCEL)
        {
            final CommandRecord target = ledger.get(command.parameters().targetCommandId());
            seen = target == null || target.state().isFinal();
        }
        else
        {
            seen = CommandEffects.seen(command, own);
        }
        if (seen)
        {
            awaiting.remove(command.id());
            deadlines.remove(command.id());
            recorder.record(ledger.update(command.id(), CommandUpdate.moveTo(CommandState.COMPLETED, now, null)));
        }
        else if (windowOver(command, now))
        {
            awaiting.remove(command.id());
            deadlines.remove(command.id());
            recorder.record(ledger.update(command.id(), CommandUpdate.moveTo(CommandState.FAILED, now,
                "the drone reported it done, but its telemetry did not show it within " +
                    TimeUnit.NANOSECONDS.toSeconds(EFFECT_TIMEOUT_NS) + " s")));
        }
        else if (awaiting.size() < MAX_AWAITING_EFFECT)
        {
            awaiting.put(command.id(), command);
        }
    }

    /** Whether {@code command}'s window is over, {@code now} this node's wall clock (for the first look only). */
    private boolean windowOver(final CommandRecord command, final long now)
    {
        final long monotonicNs = monotonic.nanoTime();
        Deadline deadline = deadlines.get(command.id());
        if (deadline != null && deadline.doneAt != command.doneAtNanos())
        {
            // Said "done" again (a new attempt's answer): a new window, judged from its record as at a first look.
            deadlines.remove(command.id());
            deadline = null;
        }
        if (deadline == null)
        {
            // Written this way round so a "done" time of a wrong clock (far ahead, far behind) cannot overflow.
            final long doneAt = command.doneAtNanos();
            final long usedNs = doneAt >= now ? 0 : now - doneAt < 0 || now - doneAt > EFFECT_TIMEOUT_NS ?
                EFFECT_TIMEOUT_NS : now - doneAt;
            final long endsNs = monotonicNs + (EFFECT_TIMEOUT_NS - usedNs);
            if (deadlines.size() >= MAX_AWAITING_EFFECT)
            {
                // No room to remember it: judged from the ledger at every look (a step of the wall clock moves it).
                return usedNs >= EFFECT_TIMEOUT_NS;
            }
            deadline = new Deadline();
            deadline.endsNs = endsNs;
            deadline.doneAt = doneAt;
            deadlines.put(command.id(), deadline);
        }
        deadline.pass = pass;
        return monotonicNs - deadline.endsNs > 0;
    }
}
