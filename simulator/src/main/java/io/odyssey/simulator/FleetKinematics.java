package io.odyssey.simulator;

import static io.odyssey.simulator.DroneFleet.CLIMB_RATE_MPS;
import static io.odyssey.simulator.DroneFleet.DESCENT_RATE_MPS;
import static io.odyssey.simulator.DroneFleet.METRES_PER_DEGREE;

/**
 * How a drone moves and spends its battery: turning toward a target at a bounded rate, speeding up and braking,
 * climbing and descending, the drain aloft and the charge a trip home needs, and the per-drone random stream
 * (SplitMix64) that places homes and patrol waypoints. Works on the fleet's columns ({@link FleetState}), one drone per
 * call; nothing here knows about commands.
 */
final class FleetKinematics
{
    static final double ACCELERATION_MPS2 = 2.5;
    static final double TURN_RATE_DEG_S = 60.0;
    static final double ARRIVAL_RADIUS_M = 4.0;
    static final double STOPPED_MPS = 0.1;
    private static final double RECHARGE_PCT_S = 1.5;
    /** Battery drain aloft, % per second: hovering costs power, speed and vertical speed cost more. */
    private static final double DRAIN_HOVER_PCT_S = 0.08;
    private static final double DRAIN_PER_MPS_PCT_S = 0.006;
    private static final double DRAIN_PER_VERTICAL_MPS_PCT_S = 0.02;
    /** Charge kept beyond the estimate of the trip home: covers turning, slowing down for arrival and landing. */
    private static final double RETURN_MARGIN_PCT = 5.0;

    /** Battery % per metre flown home at cruise speed, and per metre descended. */
    private final FleetState state;
    private final double returnPctPerMetre;
    private final double landingPctPerMetre;

    FleetKinematics(final FleetState state)
    {
        this.state = state;
        returnPctPerMetre =
            state.drainFactor * ((DRAIN_HOVER_PCT_S + DRAIN_PER_MPS_PCT_S * state.cruiseSpeed) / state.cruiseSpeed);
        landingPctPerMetre = state.drainFactor *
            ((DRAIN_HOVER_PCT_S + DRAIN_PER_VERTICAL_MPS_PCT_S * DESCENT_RATE_MPS) / DESCENT_RATE_MPS);
    }

    /** A drone on the ground charges at a fixed rate, up to full. */
    void recharge(final int i, final double dt)
    {
        state.battery[i] = Math.min(100.0, state.battery[i] + RECHARGE_PCT_S * dt);
    }

    void drain(final int i, final double dt)
    {
        final double drainPerSecond = DRAIN_HOVER_PCT_S + DRAIN_PER_MPS_PCT_S * state.speed[i] +
            DRAIN_PER_VERTICAL_MPS_PCT_S * Math.abs(state.climb[i]);
        state.battery[i] = Math.max(0.0, state.battery[i] - drainPerSecond * state.drainFactor * dt);
    }

    /** Battery % below which drone {@code i} must head home now: the fixed threshold, or the trip home if more. */
    double returnThreshold(final int i)
    {
        final double tripHome =
            distanceHome(i) * returnPctPerMetre + state.altitude[i] * landingPctPerMetre + RETURN_MARGIN_PCT;
        return Math.max(state.failsafeBatteryPct, tripHome);
    }

    /** Turns toward the target at a bounded rate, accelerates to {@code topSpeed}, and moves; true when arrived. */
    boolean flyToward(final int i, final double dt, final double topSpeed)
    {
        final double east = (state.targetLon[i] - state.lon[i]) * state.metresPerDegreeLon;
        final double north = (state.targetLat[i] - state.lat[i]) * METRES_PER_DEGREE;
        final double distance = Math.sqrt(east * east + north * north);
        if (distance <= Math.max(ARRIVAL_RADIUS_M, state.speed[i] * dt))
        {
            state.lat[i] = state.targetLat[i];
            state.lon[i] = state.targetLon[i];
            return true;
        }

        final double bearing = Math.toDegrees(Math.atan2(east, north));
        final double turn = normaliseSigned(bearing - state.heading[i]);
        final double maxTurn = TURN_RATE_DEG_S * dt;
        state.heading[i] = normaliseDegrees(state.heading[i] + Math.max(-maxTurn, Math.min(maxTurn, turn)));

        // Slow down for the final approach so drones do not overshoot and circle.
        final double wanted = Math.min(topSpeed, Math.max(2.0, distance / 3.0));
        final double change = ACCELERATION_MPS2 * dt;
        final double current = state.speed[i];
        state.speed[i] = current < wanted ? Math.min(wanted, current + change) : Math.max(wanted, current - change);
        move(i, state.speed[i] * dt);
        return false;
    }

    /** Climbs or descends toward {@code goal} at the climb or descent rate, stopping exactly on it. */
    void changeAltitude(final int i, final double goal, final double dt)
    {
        final double difference = goal - state.altitude[i];
        if (difference > 0)
        {
            final double step = CLIMB_RATE_MPS * dt;
            state.climb[i] = difference <= step ? difference / dt : CLIMB_RATE_MPS;
            state.altitude[i] = difference <= step ? goal : state.altitude[i] + step;
        }
        else if (difference < 0)
        {
            final double step = DESCENT_RATE_MPS * dt;
            state.climb[i] = -difference <= step ? difference / dt : -DESCENT_RATE_MPS;
            state.altitude[i] = -difference <= step ? goal : state.altitude[i] - step;
        }
        else
        {
            state.climb[i] = 0;
        }
    }

    /** Brakes toward a stop, drifting along the heading meanwhile. */
    void decelerate(final int i, final double dt)
    {
        state.speed[i] = Math.max(0.0, state.speed[i] - ACCELERATION_MPS2 * dt);
        if (state.speed[i] > 0)
        {
            move(i, state.speed[i] * dt);
        }
    }

    private void move(final int i, final double metres)
    {
        final double headingRad = Math.toRadians(state.heading[i]);
        state.lat[i] += metres * Math.cos(headingRad) / METRES_PER_DEGREE;
        state.lon[i] += metres * Math.sin(headingRad) / state.metresPerDegreeLon;
    }

    /** Metres left of the current leg: to the target, plus the climb or descent still to go. */
    double remainingLeg(final int i)
    {
        final double vertical = Math.abs(state.goalAltitude[i] - state.altitude[i]);
        return distanceTo(i, state.targetLat[i], state.targetLon[i]) + vertical;
    }

    double distanceHome(final int i)
    {
        return distanceTo(i, state.homeLat[i], state.homeLon[i]);
    }

    double distanceTo(final int i, final double latitude, final double longitude)
    {
        return distance(state.lat[i], state.lon[i], latitude, longitude);
    }

    double distance(final double fromLat, final double fromLon, final double toLat, final double toLon)
    {
        final double east = (toLon - fromLon) * state.metresPerDegreeLon;
        final double north = (toLat - fromLat) * METRES_PER_DEGREE;
        return Math.sqrt(east * east + north * north);
    }

    /** A uniformly distributed point within the patrol area, written to the drone's target. */
    void pointInArea(final int i)
    {
        final double r = state.radiusM * Math.sqrt(nextDouble(i));
        final double angle = 2.0 * Math.PI * nextDouble(i);
        state.targetLat[i] = state.centerLat + r * Math.cos(angle) / METRES_PER_DEGREE;
        state.targetLon[i] = state.centerLon + r * Math.sin(angle) / state.metresPerDegreeLon;
    }

    /**
     * SplitMix64 (the generator behind {@link java.util.SplittableRandom}) with its state in one long per drone, so
     * the fleet holds no random-number object per drone.
     */
    double nextDouble(final int i)
    {
        state.random[i] += 0x9E3779B97F4A7C15L;
        return (mix(state.random[i]) >>> 11) * 0x1.0p-53;
    }

    static long mix(final long value)
    {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static double normaliseDegrees(final double degrees)
    {
        double value = degrees % 360.0;
        if (value < 0)
        {
            value += 360.0;
        }
        return value >= 360.0 ? 0.0 : value;
    }

    private static double normaliseSigned(final double degrees)
    {
        final double value = normaliseDegrees(degrees);
        return value > 180.0 ? value - 360.0 : value;
    }

    static float wireHeading(final double degrees)
    {
        final float value = (float)degrees;
        return value >= 360f ? 0f : value;
    }
}
