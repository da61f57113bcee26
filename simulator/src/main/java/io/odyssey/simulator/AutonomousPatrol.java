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
 * altitude → CRUISING to a waypoint → HOVERING there for a while → the next waypoint → … and, when its battery runs low,
 * RETURNING home (as a command of its own, so the ground sees it), LANDING and recharging. Like a real drone's "smart
 * return home", the return starts at the failsafe threshold or earlier when the charge needed to fly home and land
 * (plus a margin) is more than that.
 */
final class AutonomousPatrol
{
    private final FleetKinematics kinematics;
    private final CommandSlots slots;
    private final CommandedFlight commandedFlight;

    private final double cruiseSpeed;
    private final double[] homeLat;
    private final double[] homeLon;
    private final double[] targetLat;
    private final double[] targetLon;
    private final double[] altitude;
    private final double[] cruiseAltitude;
    private final double[] speed;
    private final double[] climb;
    private final double[] battery;
    private final double[] waitSeconds;
    private final byte[] status;
    private final byte[] activeSlot;

    AutonomousPatrol(
        final FleetState state, final FleetKinematics kinematics, final CommandSlots slots,
        final CommandedFlight commandedFlight)
    {
        cruiseSpeed = state.cruiseSpeed;
        homeLat = state.homeLat;
        homeLon = state.homeLon;
        targetLat = state.targetLat;
        targetLon = state.targetLon;
        altitude = state.altitude;
        cruiseAltitude = state.cruiseAltitude;
        speed = state.speed;
        climb = state.climb;
        battery = state.battery;
        waitSeconds = state.waitSeconds;
        status = state.status;
        activeSlot = state.activeSlot;
        this.kinematics = kinematics;
        this.slots = slots;
        this.commandedFlight = commandedFlight;
    }

    /** Advances patrolling drone {@code i} by {@code dt} seconds; a low battery aloft starts its own return home. */
    void step(final int i, final double dt)
    {
        final DroneStatus current = DroneStatus.get(status[i]);
        switch (current)
        {
            case GROUNDED:
                speed[i] = 0;
                climb[i] = 0;
                altitude[i] = 0;
                kinematics.recharge(i, dt);
                waitSeconds[i] -= dt;
                if (waitSeconds[i] <= 0 && battery[i] >= TAKEOFF_BATTERY_PCT)
                {
                    cruiseAltitude[i] = MIN_CRUISE_ALTITUDE_M + (MAX_CRUISE_ALTITUDE_M - MIN_CRUISE_ALTITUDE_M) * kinematics.nextDouble(i);
                    status[i] = TAKING_OFF;
                }
                break;

            case TAKING_OFF:
                kinematics.decelerate(i, dt);
                climb[i] = CLIMB_RATE_MPS;
                altitude[i] = Math.min(cruiseAltitude[i], altitude[i] + CLIMB_RATE_MPS * dt);
                if (altitude[i] >= cruiseAltitude[i])
                {
                    climb[i] = 0;
                    kinematics.pointInArea(i);
                    status[i] = CRUISING;
                }
                break;

            case CRUISING:
                climb[i] = 0;
                if (kinematics.flyToward(i, dt, cruiseSpeed))
                {
                    waitSeconds[i] = 3.0 + 12.0 * kinematics.nextDouble(i);
                    status[i] = HOVERING;
                }
                break;

            case HOVERING:
                climb[i] = 0;
                kinematics.decelerate(i, dt);
                waitSeconds[i] -= dt;
                if (waitSeconds[i] <= 0)
                {
                    kinematics.pointInArea(i);
                    status[i] = CRUISING;
                }
                break;

            case RETURNING:
                climb[i] = 0;
                targetLat[i] = homeLat[i];
                targetLon[i] = homeLon[i];
                if (kinematics.flyToward(i, dt, cruiseSpeed))
                {
                    status[i] = LANDING;
                }
                break;

            case LANDING:
                kinematics.decelerate(i, dt);
                climb[i] = -DESCENT_RATE_MPS;
                altitude[i] = Math.max(0, altitude[i] - DESCENT_RATE_MPS * dt);
                if (altitude[i] <= 0)
                {
                    climb[i] = 0;
                    speed[i] = 0;
                    waitSeconds[i] = 5.0 + 10.0 * kinematics.nextDouble(i);
                    status[i] = GROUNDED;
                    if (activeSlot[i] != NO_SLOT)
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
            if ((current == DroneStatus.CRUISING || current == DroneStatus.HOVERING || current == DroneStatus.TAKING_OFF) &&
                battery[i] < kinematics.returnThreshold(i))
            {
                status[i] = RETURNING;
                commandedFlight.startFailsafeCommand(i);
            }
        }
    }
}
