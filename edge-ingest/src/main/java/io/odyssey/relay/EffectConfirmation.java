package io.odyssey.relay;

import com.hazelcast.map.IMap;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.UnreadableRecords;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.grid.ledger.CommandUpdate;

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
 * Relay thread only.
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
    /** Commands whose drone said "done" and whose effect telemetry has not shown yet. */
    private final Map<Long, CommandRecord> awaiting = new HashMap<>();

    EffectConfirmation(
        final CommandLedger ledger, final IMap<Long, DroneState> fleet, final UnreadableRecords fleetStates,
        final TransitionRecorder recorder)
    {
        this.ledger = ledger;
        this.fleet = fleet;
        this.fleetStates = fleetStates;
        this.recorder = recorder;
    }

    boolean anyAwaiting()
    {
        return !awaiting.isEmpty();
    }

    /** Forgets every waiting command: a sweep re-adds those still waiting (finished ones drop out). */
    void forgetAwaiting()
    {
        awaiting.clear();
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
            recorder.record(ledger.update(command.id(), CommandUpdate.moveTo(CommandState.COMPLETED, now, null)));
        }
        else if (now - command.doneAtNanos() > EFFECT_TIMEOUT_NS)
        {
            awaiting.remove(command.id());
            recorder.record(ledger.update(command.id(), CommandUpdate.moveTo(CommandState.FAILED, now,
                "the drone reported it done, but its telemetry did not show it within " +
                    TimeUnit.NANOSECONDS.toSeconds(EFFECT_TIMEOUT_NS) + " s")));
        }
        else if (awaiting.size() < MAX_AWAITING_EFFECT)
        {
            awaiting.put(command.id(), command);
        }
    }
}
