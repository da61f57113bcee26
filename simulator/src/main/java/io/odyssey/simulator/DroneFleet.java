package io.odyssey.simulator;

import io.odyssey.codecs.DroneFlag;
import io.odyssey.codecs.sbe.DroneStatus;

/**
 * The kinematics of many drones, stored as parallel primitive arrays (struct of arrays): ten thousand drones are a
 * few hundred kilobytes and stepping one allocates nothing.
 * <p>
 * Each drone loops through a flight: GROUNDED at home (recharging) → TAKING_OFF to its cruise altitude → CRUISING
 * to a waypoint with a bounded turn rate → HOVERING there for a while → the next waypoint of its patrol → … and,
 * when its battery runs low, RETURNING home, LANDING and recharging. Waypoints, holds and altitudes come from a
 * per-drone random stream seeded by (seed, drone id), and every drone advances by a fixed time step per frame, so
 * a drone flies the same path whatever the wall clock, the number of drones or the number of processes.
 */
public final class DroneFleet
{
    public static final double METRES_PER_DEGREE = 111_320.0;
    /** Below this the drone gives up its patrol and flies home. */
    public static final double RETURN_BATTERY_PCT = 25.0;
    /** Below this the LOW_BATTERY flag is set. */
    public static final double LOW_BATTERY_PCT = 20.0;
    /** A grounded drone recharges to at least this before it takes off again. */
    public static final double TAKEOFF_BATTERY_PCT = 60.0;

    private static final double CLIMB_RATE_MPS = 3.0;
    private static final double DESCENT_RATE_MPS = 2.0;
    private static final double ACCELERATION_MPS2 = 2.5;
    private static final double TURN_RATE_DEG_S = 60.0;
    private static final double ARRIVAL_RADIUS_M = 4.0;
    private static final double RECHARGE_PCT_S = 1.5;

    private final int size;
    private final long firstId;
    private final double centerLat;
    private final double centerLon;
    private final double radiusM;
    private final double cruiseSpeed;

    private final double[] homeLat;
    private final double[] homeLon;
    private final double[] lat;
    private final double[] lon;
    private final double[] targetLat;
    private final double[] targetLon;
    private final double[] altitude;
    private final double[] cruiseAltitude;
    private final double[] heading;
    private final double[] speed;
    private final double[] climb;
    private final double[] battery;
    private final double[] waitSeconds;
    private final byte[] status;
    private final long[] sequence;
    private final long[] random;

    public DroneFleet(
        final int size, final long firstId, final long seed, final double centerLat, final double centerLon,
        final double radiusM, final double cruiseSpeed)
    {
        this.size = size;
        this.firstId = firstId;
        this.centerLat = centerLat;
        this.centerLon = centerLon;
        this.radiusM = radiusM;
        this.cruiseSpeed = cruiseSpeed;
        homeLat = new double[size];
        homeLon = new double[size];
        lat = new double[size];
        lon = new double[size];
        targetLat = new double[size];
        targetLon = new double[size];
        altitude = new double[size];
        cruiseAltitude = new double[size];
        heading = new double[size];
        speed = new double[size];
        climb = new double[size];
        battery = new double[size];
        waitSeconds = new double[size];
        status = new byte[size];
        sequence = new long[size];
        random = new long[size];

        for (int i = 0; i < size; i++)
        {
            random[i] = mix(seed ^ mix(firstId + i));
            pointInArea(i);
            homeLat[i] = targetLat[i];
            homeLon[i] = targetLon[i];
            lat[i] = homeLat[i];
            lon[i] = homeLon[i];
            heading[i] = 360.0 * nextDouble(i);
            battery[i] = 60.0 + 40.0 * nextDouble(i);
            status[i] = (byte)DroneStatus.GROUNDED.value();
            // Staggered first take-off so a fresh fleet is airborne within seconds but not in lock step.
            waitSeconds[i] = 8.0 * nextDouble(i);
        }
    }

    public int size()
    {
        return size;
    }

    public long droneId(final int index)
    {
        return firstId + index;
    }

    /** Advances drone {@code index} by {@code dt} seconds and returns its next telemetry sequence number. */
    public long step(final int index, final double dt)
    {
        final int i = index;
        final DroneStatus current = DroneStatus.get(status[i]);
        switch (current)
        {
            case GROUNDED ->
            {
                speed[i] = 0;
                climb[i] = 0;
                altitude[i] = 0;
                battery[i] = Math.min(100.0, battery[i] + RECHARGE_PCT_S * dt);
                waitSeconds[i] -= dt;
                if (waitSeconds[i] <= 0 && battery[i] >= TAKEOFF_BATTERY_PCT)
                {
                    cruiseAltitude[i] = 40.0 + 80.0 * nextDouble(i);
                    status[i] = (byte)DroneStatus.TAKING_OFF.value();
                }
            }
            case TAKING_OFF ->
            {
                decelerate(i, dt);
                climb[i] = CLIMB_RATE_MPS;
                altitude[i] = Math.min(cruiseAltitude[i], altitude[i] + CLIMB_RATE_MPS * dt);
                if (altitude[i] >= cruiseAltitude[i])
                {
                    climb[i] = 0;
                    pointInArea(i);
                    status[i] = (byte)DroneStatus.CRUISING.value();
                }
            }
            case CRUISING ->
            {
                climb[i] = 0;
                if (flyToward(i, dt))
                {
                    waitSeconds[i] = 3.0 + 12.0 * nextDouble(i);
                    status[i] = (byte)DroneStatus.HOVERING.value();
                }
            }
            case HOVERING ->
            {
                decelerate(i, dt);
                waitSeconds[i] -= dt;
                if (waitSeconds[i] <= 0)
                {
                    pointInArea(i);
                    status[i] = (byte)DroneStatus.CRUISING.value();
                }
            }
            case RETURNING ->
            {
                targetLat[i] = homeLat[i];
                targetLon[i] = homeLon[i];
                if (flyToward(i, dt))
                {
                    status[i] = (byte)DroneStatus.LANDING.value();
                }
            }
            case LANDING ->
            {
                decelerate(i, dt);
                climb[i] = -DESCENT_RATE_MPS;
                altitude[i] = Math.max(0, altitude[i] - DESCENT_RATE_MPS * dt);
                if (altitude[i] <= 0)
                {
                    climb[i] = 0;
                    speed[i] = 0;
                    waitSeconds[i] = 5.0 + 10.0 * nextDouble(i);
                    status[i] = (byte)DroneStatus.GROUNDED.value();
                }
            }
            default ->
            {
                decelerate(i, dt);
            }
        }

        if (current != DroneStatus.GROUNDED)
        {
            // Hovering costs power; speed and climbing cost more. A full battery lasts roughly ten minutes aloft.
            final double drainPerSecond = 0.08 + 0.006 * speed[i] + 0.02 * Math.abs(climb[i]);
            battery[i] = Math.max(0.0, battery[i] - drainPerSecond * dt);
            if (battery[i] < RETURN_BATTERY_PCT && (current == DroneStatus.CRUISING || current == DroneStatus.HOVERING ||
                current == DroneStatus.TAKING_OFF))
            {
                status[i] = (byte)DroneStatus.RETURNING.value();
            }
        }
        return ++sequence[i];
    }

    /** Turns toward the target at a bounded rate, accelerates to cruise speed, and moves; true when arrived. */
    private boolean flyToward(final int i, final double dt)
    {
        final double cosLat = Math.cos(Math.toRadians(lat[i]));
        final double east = (targetLon[i] - lon[i]) * METRES_PER_DEGREE * cosLat;
        final double north = (targetLat[i] - lat[i]) * METRES_PER_DEGREE;
        final double distance = Math.sqrt(east * east + north * north);
        if (distance <= Math.max(ARRIVAL_RADIUS_M, speed[i] * dt))
        {
            lat[i] = targetLat[i];
            lon[i] = targetLon[i];
            return true;
        }

        final double bearing = normaliseDegrees(Math.toDegrees(Math.atan2(east, north)));
        final double turn = normaliseSigned(bearing - heading[i]);
        final double maxTurn = TURN_RATE_DEG_S * dt;
        heading[i] = normaliseDegrees(heading[i] + Math.max(-maxTurn, Math.min(maxTurn, turn)));

        // Slow down for the final approach so drones do not overshoot and circle.
        final double wanted = Math.min(cruiseSpeed, Math.max(2.0, distance / 3.0));
        final double change = ACCELERATION_MPS2 * dt;
        speed[i] = speed[i] < wanted ? Math.min(wanted, speed[i] + change) : Math.max(wanted, speed[i] - change);

        final double travelled = speed[i] * dt;
        final double headingRad = Math.toRadians(heading[i]);
        lat[i] += travelled * Math.cos(headingRad) / METRES_PER_DEGREE;
        lon[i] += travelled * Math.sin(headingRad) / (METRES_PER_DEGREE * cosLat);
        return false;
    }

    private void decelerate(final int i, final double dt)
    {
        speed[i] = Math.max(0.0, speed[i] - ACCELERATION_MPS2 * dt);
        if (speed[i] > 0)
        {
            final double travelled = speed[i] * dt;
            final double headingRad = Math.toRadians(heading[i]);
            lat[i] += travelled * Math.cos(headingRad) / METRES_PER_DEGREE;
            lon[i] += travelled * Math.sin(headingRad) / (METRES_PER_DEGREE * Math.cos(Math.toRadians(lat[i])));
        }
    }

    /** A uniformly distributed point within the patrol area, written to the drone's target. */
    private void pointInArea(final int i)
    {
        final double r = radiusM * Math.sqrt(nextDouble(i));
        final double angle = 2.0 * Math.PI * nextDouble(i);
        targetLat[i] = centerLat + r * Math.cos(angle) / METRES_PER_DEGREE;
        targetLon[i] = centerLon + r * Math.sin(angle) / (METRES_PER_DEGREE * Math.cos(Math.toRadians(centerLat)));
    }

    /** SplitMix64 step: a per-drone random stream held in one long, so no Random object per drone. */
    private double nextDouble(final int i)
    {
        random[i] += 0x9E3779B97F4A7C15L;
        return (mix(random[i]) >>> 11) * 0x1.0p-53;
    }

    private static long mix(final long value)
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

    public double latitude(final int i)
    {
        return lat[i];
    }

    public double longitude(final int i)
    {
        return lon[i];
    }

    public double altitude(final int i)
    {
        return altitude[i];
    }

    public double heading(final int i)
    {
        return heading[i];
    }

    public double speed(final int i)
    {
        return speed[i];
    }

    public double climbRate(final int i)
    {
        return climb[i];
    }

    public double battery(final int i)
    {
        return battery[i];
    }

    public DroneStatus status(final int i)
    {
        return DroneStatus.get(status[i]);
    }

    public long sequence(final int i)
    {
        return sequence[i];
    }

    public double homeLatitude(final int i)
    {
        return homeLat[i];
    }

    public double homeLongitude(final int i)
    {
        return homeLon[i];
    }

    /** Telemetry flags of drone {@code i}: always SIMULATED, LOW_BATTERY below {@link #LOW_BATTERY_PCT}. */
    public byte flags(final int i)
    {
        return (byte)(DroneFlag.SIMULATED | (battery[i] < LOW_BATTERY_PCT ? DroneFlag.LOW_BATTERY : 0));
    }
}
