package io.odyssey.simulator;

import io.odyssey.codecs.DroneFlag;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import org.agrona.MutableDirectBuffer;

/**
 * The kinematics of many drones, stored as parallel primitive arrays (struct of arrays): ten thousand drones are a
 * couple of megabytes and stepping one allocates nothing.
 * <p>
 * Each drone loops through a flight: GROUNDED at home (recharging) → TAKING_OFF to its cruise altitude → CRUISING
 * to a waypoint with a bounded turn rate → HOVERING there for a while → the next waypoint of its patrol → … and,
 * when its battery runs low, RETURNING home, LANDING and recharging. Like a real drone's "smart return home", the
 * return starts at {@link #RETURN_BATTERY_PCT} or earlier when the charge needed to fly home and land (plus a margin)
 * is more than that, so a drone far from home never lands on an empty battery.
 * <p>
 * Waypoints, holds and altitudes come from a per-drone random stream seeded by (seed, drone id), and every step
 * advances a drone by the time step it is given, so a drone flies the same path whatever the wall clock, the number of
 * drones or the number of processes. Positions move on a local equirectangular (east/north in metres) approximation
 * around the centre of the patrol area, accurate to well under a metre over a few kilometres.
 */
public final class DroneFleet
{
    public static final double METRES_PER_DEGREE = 111_320.0;
    /** Below this the drone gives up its patrol and flies home (earlier if home is far). */
    public static final double RETURN_BATTERY_PCT = 25.0;
    /** Below this the LOW_BATTERY flag is set. */
    public static final double LOW_BATTERY_PCT = 20.0;
    /** A grounded drone recharges to at least this before it takes off again. */
    public static final double TAKEOFF_BATTERY_PCT = 60.0;
    /** Lowest and highest cruise altitude above home, metres. */
    public static final double MIN_CRUISE_ALTITUDE_M = 40.0;
    public static final double MAX_CRUISE_ALTITUDE_M = 120.0;
    /** Vertical speeds, m/s. */
    public static final double CLIMB_RATE_MPS = 3.0;
    public static final double DESCENT_RATE_MPS = 2.0;

    private static final double ACCELERATION_MPS2 = 2.5;
    private static final double TURN_RATE_DEG_S = 60.0;
    private static final double ARRIVAL_RADIUS_M = 4.0;
    private static final double RECHARGE_PCT_S = 1.5;
    /** Battery drain aloft, % per second: hovering costs power, speed and vertical speed cost more. */
    private static final double DRAIN_HOVER_PCT_S = 0.08;
    private static final double DRAIN_PER_MPS_PCT_S = 0.006;
    private static final double DRAIN_PER_VERTICAL_MPS_PCT_S = 0.02;
    /** Charge kept beyond the estimate of the trip home: covers turning, slowing down for arrival and landing. */
    private static final double RETURN_MARGIN_PCT = 5.0;

    private static final byte GROUNDED = (byte)DroneStatus.GROUNDED.value();
    private static final byte TAKING_OFF = (byte)DroneStatus.TAKING_OFF.value();
    private static final byte CRUISING = (byte)DroneStatus.CRUISING.value();
    private static final byte HOVERING = (byte)DroneStatus.HOVERING.value();
    private static final byte LANDING = (byte)DroneStatus.LANDING.value();
    private static final byte RETURNING = (byte)DroneStatus.RETURNING.value();

    private final int size;
    private final long firstId;
    private final double centerLat;
    private final double centerLon;
    private final double radiusM;
    private final double cruiseSpeed;
    /** Metres per degree of longitude at the centre: the equirectangular scale used for every drone. */
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
    private final double[] cruiseAltitude;
    private final double[] heading;
    private final double[] speed;
    private final double[] climb;
    private final double[] battery;
    private final double[] waitSeconds;
    private final byte[] status;
    private final long[] sequence;
    private final long[] random;

    /**
     * @param size        number of drones, ids {@code firstId .. firstId + size - 1}.
     * @param seed        seed of every drone's random stream (mixed with the drone's id).
     * @param radiusM     radius of the patrol area around the centre: homes and waypoints lie inside it.
     * @param cruiseSpeed cruise ground speed, m/s.
     */
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
        metresPerDegreeLon = METRES_PER_DEGREE * Math.cos(Math.toRadians(centerLat));
        returnPctPerMetre = (DRAIN_HOVER_PCT_S + DRAIN_PER_MPS_PCT_S * cruiseSpeed) / cruiseSpeed;
        landingPctPerMetre = (DRAIN_HOVER_PCT_S + DRAIN_PER_VERTICAL_MPS_PCT_S * DESCENT_RATE_MPS) / DESCENT_RATE_MPS;

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
            // Seeded by (seed, id) alone, never by index or fleet size: drone 17 flies the same path in any fleet.
            random[i] = mix(seed ^ mix(firstId + i));
            pointInArea(i);
            homeLat[i] = targetLat[i];
            homeLon[i] = targetLon[i];
            lat[i] = homeLat[i];
            lon[i] = homeLon[i];
            heading[i] = normaliseDegrees(360.0 * nextDouble(i));
            battery[i] = 60.0 + 40.0 * nextDouble(i);
            status[i] = GROUNDED;
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

    /**
     * Advances drone {@code index} by {@code dt} seconds of simulated time.
     *
     * @return its next telemetry sequence number: 1 for the first step, then one more per step.
     */
    public long step(final int index, final double dt)
    {
        final int i = index;
        final DroneStatus current = DroneStatus.get(status[i]);
        switch (current)
        {
            case GROUNDED:
                speed[i] = 0;
                climb[i] = 0;
                altitude[i] = 0;
                battery[i] = Math.min(100.0, battery[i] + RECHARGE_PCT_S * dt);
                waitSeconds[i] -= dt;
                if (waitSeconds[i] <= 0 && battery[i] >= TAKEOFF_BATTERY_PCT)
                {
                    cruiseAltitude[i] = MIN_CRUISE_ALTITUDE_M + (MAX_CRUISE_ALTITUDE_M - MIN_CRUISE_ALTITUDE_M) * nextDouble(i);
                    status[i] = TAKING_OFF;
                }
                break;

            case TAKING_OFF:
                decelerate(i, dt);
                climb[i] = CLIMB_RATE_MPS;
                altitude[i] = Math.min(cruiseAltitude[i], altitude[i] + CLIMB_RATE_MPS * dt);
                if (altitude[i] >= cruiseAltitude[i])
                {
                    climb[i] = 0;
                    pointInArea(i);
                    status[i] = CRUISING;
                }
                break;

            case CRUISING:
                climb[i] = 0;
                if (flyToward(i, dt))
                {
                    waitSeconds[i] = 3.0 + 12.0 * nextDouble(i);
                    status[i] = HOVERING;
                }
                break;

            case HOVERING:
                climb[i] = 0;
                decelerate(i, dt);
                waitSeconds[i] -= dt;
                if (waitSeconds[i] <= 0)
                {
                    pointInArea(i);
                    status[i] = CRUISING;
                }
                break;

            case RETURNING:
                climb[i] = 0;
                targetLat[i] = homeLat[i];
                targetLon[i] = homeLon[i];
                if (flyToward(i, dt))
                {
                    status[i] = LANDING;
                }
                break;

            case LANDING:
                decelerate(i, dt);
                climb[i] = -DESCENT_RATE_MPS;
                altitude[i] = Math.max(0, altitude[i] - DESCENT_RATE_MPS * dt);
                if (altitude[i] <= 0)
                {
                    climb[i] = 0;
                    speed[i] = 0;
                    waitSeconds[i] = 5.0 + 10.0 * nextDouble(i);
                    status[i] = GROUNDED;
                }
                break;

            default:
                decelerate(i, dt);
                break;
        }

        if (current != DroneStatus.GROUNDED)
        {
            final double drainPerSecond = DRAIN_HOVER_PCT_S + DRAIN_PER_MPS_PCT_S * speed[i] +
                DRAIN_PER_VERTICAL_MPS_PCT_S * Math.abs(climb[i]);
            battery[i] = Math.max(0.0, battery[i] - drainPerSecond * dt);
            if ((current == DroneStatus.CRUISING || current == DroneStatus.HOVERING || current == DroneStatus.TAKING_OFF) &&
                battery[i] < returnThreshold(i))
            {
                status[i] = RETURNING;
            }
        }
        return ++sequence[i];
    }

    /** Battery % below which drone {@code i} must head home now: the fixed threshold, or the trip home if more. */
    double returnThreshold(final int i)
    {
        final double east = (homeLon[i] - lon[i]) * metresPerDegreeLon;
        final double north = (homeLat[i] - lat[i]) * METRES_PER_DEGREE;
        final double tripHome = Math.sqrt(east * east + north * north) * returnPctPerMetre +
            altitude[i] * landingPctPerMetre + RETURN_MARGIN_PCT;
        return Math.max(RETURN_BATTERY_PCT, tripHome);
    }

    /**
     * Encodes drone {@code i}'s current state as a telemetry frame with its current sequence number.
     *
     * @return the encoded length.
     */
    public int writeTelemetry(
        final int i, final TelemetryFrameWriter writer, final MutableDirectBuffer buffer, final int offset,
        final long sentAtNanos)
    {
        return writer.telemetry(buffer, offset, droneId(i), sequence[i], sentAtNanos, lat[i], lon[i],
            (float)altitude[i], headingDegrees(i), (float)speed[i], (float)battery[i], status(i), flags(i),
            (float)climb[i]);
    }

    /** Turns toward the target at a bounded rate, accelerates to cruise speed, and moves; true when arrived. */
    private boolean flyToward(final int i, final double dt)
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
        final double wanted = Math.min(cruiseSpeed, Math.max(2.0, distance / 3.0));
        final double change = ACCELERATION_MPS2 * dt;
        speed[i] = speed[i] < wanted ? Math.min(wanted, speed[i] + change) : Math.max(wanted, speed[i] - change);
        move(i, speed[i] * dt);
        return false;
    }

    /** Brakes toward a stop, drifting along the heading meanwhile. */
    private void decelerate(final int i, final double dt)
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

    /** A uniformly distributed point within the patrol area, written to the drone's target. */
    private void pointInArea(final int i)
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

    /**
     * Heading as sent, in [0, 360): a double just below 360 rounds to 360f as a float, which the reader rejects.
     */
    public float headingDegrees(final int i)
    {
        return wireHeading(heading[i]);
    }

    static float wireHeading(final double degrees)
    {
        final float value = (float)degrees;
        return value >= 360f ? 0f : value;
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

    /** Sequence number of the drone's last telemetry step, 0 before the first. */
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
