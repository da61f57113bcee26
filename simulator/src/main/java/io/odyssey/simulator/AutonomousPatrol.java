package io.odyssey.simulator;

import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;
import io.odyssey.codecs.sbe.DroneStatus;

import static io.odyssey.simulator.DroneFleet.CLIMB_RATE_MPS;
import static io.odyssey.simulator.DroneFleet.DESCENT_RATE_MPS;
import static io.odyssey.simulator.DroneFleet.MAX_CRUISE_ALTITUDE_M;
import static io.odyssey.simulator.DroneFleet.MIN_CRUISE_ALTITUDE_M;
import static io.odyssey.simulator.DroneFleet.TAKEOFF_BATTERY_PCT;
import static io.odyssey.simulator.FleetState.CRUISING;
import static io.odyssey.simulator.FleetState.GROUNDED;
import static io.odyssey.simulator.FleetState.HOVERING;
import static io.odyssey.simulator.FleetState.LANDING;
import static io.odyssey.simulator.FleetState.NO_SLOT;
import static io.odyssey.simulator.FleetState.RETURNING;
import static io.odyssey.simulator.FleetState.TAKING_OFF;

/**
 * A drone's own patrol, until it accepts a command: GROUNDED at home (recharging) → TAKING_OFF to its cruise
 * altitude → CRUISING to a waypoint → HOVERING there for a while → the next waypoint → … and, when its battery runs
 * low, RETURNING home (as a command of its own, so the ground sees it), LANDING and recharging. Like a real drone's
 * "smart return home", the return starts at the failsafe threshold or earlier when the charge needed to fly home and
 * land (plus a margin) is more than that.
 */
final class AutonomousPatrol
{
    private final FleetState state;
    private final FleetKinematics kinematics;
    private final CommandSlots slots;
    private final LowBatteryFailsafe failsafe;

    AutonomousPatrol(
        final FleetState state, final FleetKinematics kinematics, final CommandSlots slots,
        final LowBatteryFailsafe failsafe)
    {
        this.state = state;
        this.kinematics = kinematics;
        this.slots = slots;
        this.failsafe = failsafe;
    }

    /** Advances patrolling drone {@code i} by {@code dt} seconds; a low battery aloft starts its own return home. */
    void step(final int i, final double dt)
    {
        final DroneStatus current = DroneStatus.get(state.status[i]);
        switch (current)
        {
            case GROUNDED:
                state.speed[i] = 0;
                state.climb[i] = 0;
                state.altitude[i] = 0;
                kinematics.recharge(i, dt);
                state.waitSeconds[i] -= dt;
                if (state.waitSeconds[i] <= 0 && state.battery[i] >= TAKEOFF_BATTERY_PCT)
                {
                    final double band = MAX_CRUISE_ALTITUDE_M - MIN_CRUISE_ALTITUDE_M;
                    state.cruiseAltitude[i] = MIN_CRUISE_ALTITUDE_M + band * kinematics.nextDouble(i);
                    state.status[i] = TAKING_OFF;
                }
                break;

            case TAKING_OFF:
                kinematics.decelerate(i, dt);
                state.climb[i] = CLIMB_RATE_MPS;
                state.altitude[i] = Math.min(state.cruiseAltitude[i], state.altitude[i] + CLIMB_RATE_MPS * dt);
                if (state.altitude[i] >= state.cruiseAltitude[i])
                {
                    state.climb[i] = 0;
                    kinematics.pointInArea(i);
                    state.status[i] = CRUISING;
                }
                break;

            case CRUISING:
                state.climb[i] = 0;
                if (kinematics.flyToward(i, dt, state.cruiseSpeed))
                {
                    state.waitSeconds[i] = 3.0 + 12.0 * kinematics.nextDouble(i);
                    state.status[i] = HOVERING;
                }
                break;

            case HOVERING:
                state.climb[i] = 0;
                kinematics.decelerate(i, dt);
                state.waitSeconds[i] -= dt;
                if (state.waitSeconds[i] <= 0)
                {
                    kinematics.pointInArea(i);
                    state.status[i] = CRUISING;
                }
                break;

            case RETURNING:
                state.climb[i] = 0;
                state.targetLat[i] = state.homeLat[i];
                state.targetLon[i] = state.homeLon[i];
                if (kinematics.flyToward(i, dt, state.cruiseSpeed))
                {
                    state.status[i] = LANDING;
                }
                break;

            case LANDING:
                kinematics.decelerate(i, dt);
                state.climb[i] = -DESCENT_RATE_MPS;
                state.altitude[i] = Math.max(0, state.altitude[i] - DESCENT_RATE_MPS * dt);
                if (state.altitude[i] <= 0)
                {
                    state.climb[i] = 0;
                    state.speed[i] = 0;
                    state.waitSeconds[i] = 5.0 + 10.0 * kinematics.nextDouble(i);
                    state.status[i] = GROUNDED;
                    if (state.activeSlot[i] != NO_SLOT)
                    {
                        slots.finishActive(i, CommandPhase.DONE, CommandReason.NONE);
                    }
                }
                break;

            default:
                kinematics.decelerate(i, dt);
                break;
        }

        if (current != DroneStatus.GROUNDED)
        {
            kinematics.drain(i, dt);
            if ((current == DroneStatus.CRUISING || current == DroneStatus.HOVERING ||
                current == DroneStatus.TAKING_OFF) &&
                state.battery[i] < kinematics.returnThreshold(i))
            {
                state.status[i] = RETURNING;
                failsafe.startFailsafeCommand(i);
            }
        }
    }
}
