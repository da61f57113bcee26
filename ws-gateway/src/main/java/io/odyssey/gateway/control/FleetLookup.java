package io.odyssey.gateway.control;

import io.odyssey.gateway.BoundingBox;
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

    /**
     * The box of a request's W,S,E,N, with the rules of a {@code /ws/fleet} subscription: west greater than east is a
     * box across the antimeridian.
     *
     * @throws Problem 400 naming {@code name} when it is not a valid area.
     */
    static BoundingBox box(final double[] wsen, final String name)
    {
        try
        {
            return new BoundingBox(wsen[0], wsen[1], wsen[2], wsen[3]);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new Problem(400, name + " is W,S,E,N in degrees (west > east crosses the antimeridian): " + ex.getMessage());
        }
    }

    /** The drones in {@code status} (null: any) inside {@code bbox} (null: anywhere), by id. */
    List<DroneState> select(final String status, final BoundingBox bbox)
    {
        if (status != null && !status.matches(STATUSES))
        {
            throw new Problem(400, "status is one of " + STATUSES.replace("|", ", "));
        }
        final List<DroneState> result = new ArrayList<>();
        for (final DroneState state : fleet.get())
        {
            if ((status == null || status.equals(state.status())) &&
                (bbox == null || bbox.contains(state.latitude(), state.longitude())))
            {
                result.add(state);
            }
        }
        result.sort(Comparator.comparingLong(DroneState::droneId));
        return result;
    }
}
