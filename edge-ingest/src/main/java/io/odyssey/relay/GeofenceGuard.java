package io.odyssey.relay;

import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicates;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.GeofenceRecords;
import io.odyssey.grid.GeofenceSet;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Drones of this node that strayed where the geofences forbid (pushed by wind, or flying an order from before the
 * fence) are ordered home (or to hold) by the ground, once per excursion: a new order only when the last one is over
 * and the drone is still out. Relay thread only.
 */
final class GeofenceGuard
{
    static final long GUARD_ORDER_EXPIRY_NS = TimeUnit.SECONDS.toNanos(60);
    private static final Logger LOG = LoggerFactory.getLogger(GeofenceGuard.class);

    private final GeofenceRecords geofences;
    private final IMap<Long, DroneState> fleet;
    private final CommandLedger ledger;
    private final CommandType action;
    private final String nodeId;
    private final CommandRelay.CommandMetrics metrics;
    /** Drones out of bounds that were given an order for this excursion, with that order's id. */
    private final Map<Long, Long> strayed = new HashMap<>();

    GeofenceGuard(
        final GeofenceRecords geofences, final IMap<Long, DroneState> fleet, final CommandLedger ledger,
        final CommandType action, final String nodeId, final CommandRelay.CommandMetrics metrics)
    {
        this.geofences = Objects.requireNonNull(geofences, "geofences");
        this.fleet = fleet;
        this.ledger = ledger;
        this.action = Objects.requireNonNull(action, "action");
        this.nodeId = nodeId;
        this.metrics = metrics;
    }

    /**
     * One look at this node's drones against the fences as they are now: the sealed ones only, each taken on its own
     * (a record a grid client planted or broke is left out and counted by {@link GeofenceRecords}, and the others
     * still apply).
     */
    void guard(final long now)
    {
        final GeofenceSet fences = geofences.read().set();
        if (fences.isEmpty())
        {
            strayed.clear();
            return;
        }
        // By key, untyped: a grid client can file a state naming one of this node's drones, outside a fence, under
        // any key; taken for that drone, it ordered it home again and again while its own entry was inside.
        for (final Map.Entry<?, ?> entry : metrics.fleetStates.readableEntries(
            fleet.entrySet(Predicates.equal("ingestNode", nodeId))))
        {
            final DroneState state = DroneState.filedUnder(entry.getKey(), entry.getValue());
            if (state == null)
            {
                metrics.fleetStatesLeftOut.increment();
                continue;
            }
            final DroneStatus status = state.droneStatus();
            if (status == DroneStatus.GROUNDED || status == DroneStatus.LANDING || status == DroneStatus.EMERGENCY)
            {
                continue;
            }
            final String breach = fences.breach(state.latitude(), state.longitude());
            if (breach == null)
            {
                // Back inside: the excursion is over, a later one gets its own order.
                strayed.remove(state.droneId());
                continue;
            }
            // One order per excursion (a hold would otherwise be renewed every second and pin the drone outside),
            // and none for a drone nobody has heard lately.
            if (strayed.containsKey(state.droneId()) || now - state.ingestNanos() > CommandRelay.LOST_CONTACT_NS)
            {
                continue;
            }
            final CommandRecord order = CommandRecord.issued(ledger.newId(), state.droneId(), action,
                CommandParameters.NONE, null, CommandLedger.GEOFENCE_ISSUER, nodeId, now, now + GUARD_ORDER_EXPIRY_NS)
                .issuedBecause(breach);
            ledger.issue(order);
            strayed.put(state.droneId(), order.id());
            metrics.geofenceOrders.increment();
            LOG.info("drone {} is {}: ordered {} (command {})", state.droneId(), breach, action.wireName(), order.id());
        }
    }
}
