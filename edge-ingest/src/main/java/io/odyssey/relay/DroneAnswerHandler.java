package io.odyssey.relay;

import com.hazelcast.map.IMap;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.grid.ledger.CommandUpdate;
import io.odyssey.grid.ledger.DroneAnswer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drones' answers, applied to the ledger as {@link DroneAnswer} says they mean: an answer about a ground command
 * updates it (on the partition owner, for that drone's commands only), a command a drone started itself is recorded
 * under a ledger id of its own, and a "done" is checked against the latest telemetry at once. Relay thread only.
 */
final class DroneAnswerHandler
{
    private static final Logger LOG = LoggerFactory.getLogger(DroneAnswerHandler.class);

    private final CommandLedger ledger;
    private final IMap<Long, DroneState> fleet;
    private final String nodeId;
    private final TransitionRecorder recorder;
    private final EffectConfirmation effects;
    private final CommandRelay.CommandMetrics metrics;

    DroneAnswerHandler(
        final CommandLedger ledger, final IMap<Long, DroneState> fleet, final String nodeId,
        final TransitionRecorder recorder, final EffectConfirmation effects, final CommandRelay.CommandMetrics metrics)
    {
        this.ledger = ledger;
        this.fleet = fleet;
        this.nodeId = nodeId;
        this.recorder = recorder;
        this.effects = effects;
        this.metrics = metrics;
    }

    void apply(final DroneAnswer answer)
    {
        if (answer.startedByDrone())
        {
            recordStartedByDrone(answer);
            return;
        }
        final CommandUpdate update = answer.ledgerUpdate();
        // A drone's own command is known to the ledger by the id the ground gave it (DroneCommandIds).
        final long ledgerId = answer.commandId() >= 0 ? answer.commandId() :
            DroneCommandIds.find(ledger, answer.droneId(), answer.commandId());
        final CommandRecord updated = update == null || ledgerId == 0 ? null : ledger.update(ledgerId, update);
        if (updated == null)
        {
            metrics.statusesIgnored.increment();
            return;
        }
        recorder.record(updated);
        if (answer.phase() == CommandPhase.DONE)
        {
            // Often the effect is already in the latest telemetry (a hold, a set-speed): no need to wait a sweep.
            effects.confirm(updated, metrics.fleetStates.get(fleet, updated.droneId(), DroneState.class), answer.atNanos());
        }
    }

    /** A command the drone started on its own (a failsafe), recorded under a ledger id of its own. */
    private void recordStartedByDrone(final DroneAnswer answer)
    {
        final long id = answer.commandId();
        if (id >= 0)
        {
            metrics.statusesIgnored.increment();
            return;
        }
        for (int probe = 0; probe < DroneCommandIds.MAX_PROBES; probe++)
        {
            final CommandRecord started =
                answer.startedCommand(DroneCommandIds.ledgerId(answer.droneId(), id, probe), nodeId);
            final CommandLedger.Issued recorded = ledger.recordDroneCommand(started);
            if (recorded == null)
            {
                // More of its own commands running than a drone ever has: a confused or forged sender.
                metrics.statusesIgnored.increment();
                return;
            }
            if (recorded.created())
            {
                LOG.info("drone {} started {} on its own ({}): command {}", answer.droneId(),
                    answer.type() == null ? "an unknown command" : answer.type().wireName(), answer.reasonText(),
                    started.id());
                recorder.record(recorded.command());
                return;
            }
            // The same command reported again, unless that one is over: a drone that rebooted and numbers its
            // commands afresh reuses the number for a new command, which then takes the next id.
            if (DroneCommandIds.isFor(recorded.command(), answer.droneId(), id) && recorded.command().active())
            {
                return;
            }
        }
        metrics.statusesIgnored.increment();
        LOG.error("drone {}'s own command {} could not be recorded: {} ledger ids taken by other commands",
            answer.droneId(), id, DroneCommandIds.MAX_PROBES);
    }
}
