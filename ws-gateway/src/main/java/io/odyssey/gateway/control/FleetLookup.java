package io.odyssey.gateway.control;

import io.odyssey.gateway.Problem;
import io.odyssey.grid.DroneState;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * The drones as the gateway sees them (its live copy of the fleet map): one drone by id, or those matching a status
 * and/or a box. Shared by the drones resource and by orders that name drones by selection.
 */
final class FleetLookup
{
    static final String STATUSES = "GROUNDED|TAKING_OFF|CRUISING|HOVERING|LANDING|RETURNING|EMERGENCY";

    private final Supplier<Collection<DroneState>> fleet;
    private final LongFunction<DroneState> drone;

    FleetLookup(final Supplier<Collection<DroneState>> fleet, final LongFunction<DroneState> drone)
    {
        this.fleet = fleet;
        this.drone = drone;
    }

    /** The drone's latest state, or null when it is not in the fleet. */
    DroneState drone(final long droneId)
    {
        return drone.apply(droneId);
    }

    /** The drone's latest state, or 404. */
    DroneState existing(final long droneId)
    {
        final DroneState state = drone.apply(droneId);
        if (state == null)
        {
            throw new Problem(404, "UNKNOWN_DRONE", "drone " + droneId + " is not in the fleet", null);
        }
        return state;
    }

    /** The drones in {@code status} (null: any) inside {@code bbox} (W,S,E,N; null: anywhere), by id. */
    List<DroneState> select(final String status, final double[] bbox)
    {
        if (status != null && !status.matches(STATUSES))
        {
            throw new Problem(400, "status is one of " + STATUSES.replace("|", ", "));
        }
        final List<DroneState> result = new ArrayList<>();
        for (final DroneState state : fleet.get())
        {
            if ((status == null || status.equals(state.status())) && (bbox == null ||
                (state.longitude() >= bbox[0] && state.latitude() >= bbox[1] && state.longitude() <= bbox[2] &&
                    state.latitude() <= bbox[3])))
            {
                result.add(state);
            }
        }
        result.sort(Comparator.comparingLong(DroneState::droneId));
        return result;
    }
}
