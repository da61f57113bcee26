package io.odyssey.simulator;

import io.odyssey.codecs.sbe.DroneStatus;

import static io.odyssey.simulator.DroneFleet.COMMAND_TAKEOFF_MARGIN_PCT;
import static io.odyssey.simulator.DroneFleet.METRES_PER_DEGREE;

/**
 * The fleet's state as parallel primitive arrays indexed by drone (struct of arrays), shared by the parts that read and
 * write it ({@link FleetKinematics}, {@link AutonomousPatrol}, {@link CommandAcceptance}, {@link CommandExecution},
 * {@link FlightPhases}, {@link CommandedFlight}, {@link LowBatteryFailsafe}, {@link CommandProgress}): ten thousand drones are a few megabytes and stepping one
 * allocates nothing. The columns are package-private final arrays that the parts index directly: no accessor stands
 * between a part and the number it steps, and no part owns a copy.
 */
final class FleetState
{
    static final byte GROUNDED = (byte)DroneStatus.GROUNDED.value();
    static final byte TAKING_OFF = (byte)DroneStatus.TAKING_OFF.value();
    static final byte CRUISING = (byte)DroneStatus.CRUISING.value();
    static final byte HOVERING = (byte)DroneStatus.HOVERING.value();
    static final byte LANDING = (byte)DroneStatus.LANDING.value();
    static final byte RETURNING = (byte)DroneStatus.RETURNING.value();
    static final byte EMERGENCY = (byte)DroneStatus.EMERGENCY.value();

    static final byte AUTONOMOUS = 0;
    static final byte COMMANDED = 1;

    /** What a commanded drone is doing physically; the command in its active slot says why and what comes next. */
    static final byte FLIGHT_GROUNDED = 0;
    static final byte FLIGHT_HOVER = 1;
    static final byte FLIGHT_BRAKE = 2;
    static final byte FLIGHT_CLIMB = 3;
    static final byte FLIGHT_FLY = 4;
    static final byte FLIGHT_WAYPOINT_HOLD = 5;
    static final byte FLIGHT_DESCEND = 6;
    static final byte FLIGHT_EMERGENCY = 7;

    static final byte NO_SLOT = -1;

    /** Per waypoint in a mission store: latitude, longitude, altitude (resolved), speed (NaN = default), hold, leg. */
    static final int WAYPOINT_FIELDS = 6;
    static final int WP_LAT = 0;
    static final int WP_LON = 1;
    static final int WP_ALT = 2;
    static final int WP_SPEED = 3;
    static final int WP_HOLD = 4;
    static final int WP_LEG = 5;

    final int size;
    final long firstId;
    final double centerLat;
    final double centerLon;
    final double radiusM;
    final double cruiseSpeed;
    final double failsafeBatteryPct;
    final double drainFactor;
    final double commandTakeoffBatteryPct;
    /** Metres per degree of longitude at the centre: the equirectangular scale used for every drone. */
    final double metresPerDegreeLon;

    final double[] homeLat;
    final double[] homeLon;
    final double[] lat;
    final double[] lon;
    final double[] targetLat;
    final double[] targetLon;
    final double[] altitude;
    final double[] cruiseAltitude;
    final double[] heading;
    final double[] speed;
    final double[] climb;
    final double[] battery;
    final double[] waitSeconds;
    final byte[] status;
    final long[] sequence;
    final long[] random;

    // Command execution, per drone.
    final byte[] mode;
    final byte[] flight;
    final byte[] activeSlot;
    final byte[] heldSlot;
    /** Altitude the current leg ends at, and the altitude a take-off from the ground climbs to first. */
    final double[] goalAltitude;
    final double[] climbGoal;
    /** Top ground speed of the current leg; the SET_SPEED setting (0 = cruise); the GOTO's own speed (NaN = none). */
    final double[] legSpeed;
    final double[] speedSetting;
    final double[] commandSpeed;
    /** The initial remaining distance of a non-mission command (progress = covered / this). */
    final double[] commandLength;
    final int[] waypointIndex;
    final int[] missionCount;
    /** Progress measure of a mission: metres of path (a hold counts as the metres cruise speed covers in it). */
    final double[] missionCovered;
    final double[] missionTotal;
    /** Allocated the first time a drone gets a mission, then reused: most drones never get one. */
    final double[][] missions;
    /** The number of each drone's latest own command; its id is the negated number. */
    final long[] droneCommandNumber;
    /** Whether the paused mission was holding at a waypoint (so RESUME holds out the rest there). */
    final boolean[] pausedAtWaypoint;

    FleetState(
        final int size, final long firstId, final double centerLat, final double centerLon, final double radiusM,
        final double cruiseSpeed, final double failsafeBatteryPct, final double drainFactor)
    {
        this.size = size;
        this.firstId = firstId;
        this.centerLat = centerLat;
        this.centerLon = centerLon;
        this.radiusM = radiusM;
        this.cruiseSpeed = cruiseSpeed;
        this.failsafeBatteryPct = failsafeBatteryPct;
        this.drainFactor = drainFactor;
        commandTakeoffBatteryPct = failsafeBatteryPct + COMMAND_TAKEOFF_MARGIN_PCT;
        metresPerDegreeLon = METRES_PER_DEGREE * Math.cos(Math.toRadians(centerLat));

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

        mode = new byte[size];
        flight = new byte[size];
        activeSlot = new byte[size];
        heldSlot = new byte[size];
        goalAltitude = new double[size];
        climbGoal = new double[size];
        legSpeed = new double[size];
        speedSetting = new double[size];
        commandSpeed = new double[size];
        commandLength = new double[size];
        waypointIndex = new int[size];
        missionCount = new int[size];
        missionCovered = new double[size];
        missionTotal = new double[size];
        missions = new double[size][];
        droneCommandNumber = new long[size];
        pausedAtWaypoint = new boolean[size];
        java.util.Arrays.fill(activeSlot, NO_SLOT);
        java.util.Arrays.fill(heldSlot, NO_SLOT);
        java.util.Arrays.fill(commandSpeed, Double.NaN);
    }

    long droneId(final int index)
    {
        return firstId + index;
    }
}
