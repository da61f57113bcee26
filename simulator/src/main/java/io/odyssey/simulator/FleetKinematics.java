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

    private final double centerLat;
    private final double centerLon;
    private final double radiusM;
    private final double failsafeBatteryPct;
    private final double drainFactor;
    private final double metresPerDegreeLon;
    /** Battery % per metre flown home at cruise speed, and per metre descended. */
    private final double returnPctPerMetre;
    private final double landingPctPerMetre;
    private final double[] homeLat;
    private final double[] homeLon;
    private final double[] lat;
    private final double[] lon;
    private final double[] targetLat;
    private final double[] targetLon;
    private final double[] altitude;
    private final double[] heading;
    private final double[] speed;
    private final double[] climb;
    private final double[] battery;
    private final long[] random;

    FleetKinematics(final FleetState state)
    {
        centerLat = state.centerLat;
        centerLon = state.centerLon;
        radiusM = state.radiusM;
        failsafeBatteryPct = state.failsafeBatteryPct;
        drainFactor = state.drainFactor;
        metresPerDegreeLon = state.metresPerDegreeLon;
        returnPctPerMetre = drainFactor * ((DRAIN_HOVER_PCT_S + DRAIN_PER_MPS_PCT_S * state.cruiseSpeed) / state.cruiseSpeed);
        landingPctPerMetre = drainFactor *
            ((DRAIN_HOVER_PCT_S + DRAIN_PER_VERTICAL_MPS_PCT_S * DESCENT_RATE_MPS) / DESCENT_RATE_MPS);
        homeLat = state.homeLat;
        homeLon = state.homeLon;
        lat = state.lat;
        lon = state.lon;
        targetLat = state.targetLat;
        targetLon = state.targetLon;
        altitude = state.altitude;
        heading = state.heading;
        speed = state.speed;
        climb = state.climb;
        battery = state.battery;
        random = state.random;
    }

    /** A drone on the ground charges at a fixed rate, up to full. */
    void recharge(final int i, final double dt)
    {
        battery[i] = Math.min(100.0, battery[i] + RECHARGE_PCT_S * dt);
    }

    void drain(final int i, final double dt)
    {
        final double drainPerSecond = DRAIN_HOVER_PCT_S + DRAIN_PER_MPS_PCT_S * speed[i] +
            DRAIN_PER_VERTICAL_MPS_PCT_S * Math.abs(climb[i]);
        battery[i] = Math.max(0.0, battery[i] - drainPerSecond * drainFactor * dt);
    }

    /** Battery % below which drone {@code i} must head home now: the fixed threshold, or the trip home if more. */
    double returnThreshold(final int i)
    {
        final double tripHome = distanceHome(i) * returnPctPerMetre + altitude[i] * landingPctPerMetre + RETURN_MARGIN_PCT;
        return Math.max(failsafeBatteryPct, tripHome);
    }

    /** Turns toward the target at a bounded rate, accelerates to {@code topSpeed}, and moves; true when arrived. */
    boolean flyToward(final int i, final double dt, final double topSpeed)
    {
        final double east = (targetLon[i] - lon[i]) * metresPerDegreeLon;
        final double north = (targetLat[i] - lat[i]) * METRES_PER_DEGREE;
        final double distance = Math.sqrt(east * east + north * north);
        if (distance <= Math.max(ARRIVAL_RADIUS_M, speed[i] * dt))
        {
            lat[i] = targetLat[i];
            lon[i] = targetLon[i];
            return true;
        }

        final double bearing = Math.toDegrees(Math.atan2(east, north));
        final double turn = normaliseSigned(bearing - heading[i]);
        final double maxTurn = TURN_RATE_DEG_S * dt;
        heading[i] = normaliseDegrees(heading[i] + Math.max(-maxTurn, Math.min(maxTurn, turn)));

        // Slow down for the final approach so drones do not overshoot and circle.
        final double wanted = Math.min(topSpeed, Math.max(2.0, distance / 3.0));
        final double change = ACCELERATION_MPS2 * dt;
        speed[i] = speed[i] < wanted ? Math.min(wanted, speed[i] + change) : Math.max(wanted, speed[i] - change);
        move(i, speed[i] * dt);
        return false;
    }

    /** Climbs or descends toward {@code goal} at the climb or descent rate, stopping exactly on it. */
    void changeAltitude(final int i, final double goal, final double dt)
    {
        final double difference = goal - altitude[i];
        if (difference > 0)
        {
            final double step = CLIMB_RATE_MPS * dt;
            climb[i] = difference <= step ? difference / dt : CLIMB_RATE_MPS;
            altitude[i] = difference <= step ? goal : altitude[i] + step;
        }
        else if (difference < 0)
        {
            final double step = DESCENT_RATE_MPS * dt;
            climb[i] = -difference <= step ? difference / dt : -DESCENT_RATE_MPS;
            altitude[i] = -difference <= step ? goal : altitude[i] - step;
        }
        else
        {
            climb[i] = 0;
        }
    }

    /** Brakes toward a stop, drifting along the heading meanwhile. */
    void decelerate(final int i, final double dt)
    {
        speed[i] = Math.max(0.0, speed[i] - ACCELERATION_MPS2 * dt);
        if (speed[i] > 0)
        {
            move(i, speed[i] * dt);
        }
    }

    private void move(final int i, final double metres)
    {
        final double headingRad = Math.toRadians(heading[i]);
        lat[i] += metres * Math.cos(headingRad) / METRES_PER_DEGREE;
        lon[i] += metres * Math.sin(headingRad) / metresPerDegreeLon;
    }

    double distanceHome(final int i)
    {
        return distanceTo(i, homeLat[i], homeLon[i]);
    }

    double distanceTo(final int i, final double latitude, final double longitude)
    {
        return distance(lat[i], lon[i], latitude, longitude);
    }

    double distance(final double fromLat, final double fromLon, final double toLat, final double toLon)
    {
        final double east = (toLon - fromLon) * metresPerDegreeLon;
        final double north = (toLat - fromLat) * METRES_PER_DEGREE;
        return Math.sqrt(east * east + north * north);
    }

    /** A uniformly distributed point within the patrol area, written to the drone's target. */
    void pointInArea(final int i)
    {
        final double r = radiusM * Math.sqrt(nextDouble(i));
        final double angle = 2.0 * Math.PI * nextDouble(i);
        targetLat[i] = centerLat + r * Math.cos(angle) / METRES_PER_DEGREE;
        targetLon[i] = centerLon + r * Math.sin(angle) / metresPerDegreeLon;
    }

    /**
     * SplitMix64 (the generator behind {@link java.util.SplittableRandom}) with its state in one long per drone, so
     * the fleet holds no random-number object per drone.
     */
    double nextDouble(final int i)
    {
        random[i] += 0x9E3779B97F4A7C15L;
        return (mix(random[i]) >>> 11) * 0x1.0p-53;
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
