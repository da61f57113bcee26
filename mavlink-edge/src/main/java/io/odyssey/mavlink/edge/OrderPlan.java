package io.odyssey.mavlink.edge;

import io.odyssey.codecs.CommandFrameReader;
import io.odyssey.codecs.CommandLimits;
import io.odyssey.codecs.CommandType;

import static io.odyssey.mavlink.MavlinkCommands.ARDUCOPTER_GUIDED;
import static io.odyssey.mavlink.MavlinkCommands.AUTOPILOT_ARDUPILOT;
import static io.odyssey.mavlink.MavlinkCommands.COMPONENT_ARM_DISARM;
import static io.odyssey.mavlink.MavlinkCommands.DO_CHANGE_SPEED;
import static io.odyssey.mavlink.MavlinkCommands.DO_PAUSE_CONTINUE;
import static io.odyssey.mavlink.MavlinkCommands.DO_REPOSITION;
import static io.odyssey.mavlink.MavlinkCommands.DO_SET_MODE;
import static io.odyssey.mavlink.MavlinkCommands.MISSION_START;
import static io.odyssey.mavlink.MavlinkCommands.MODE_FLAG_CUSTOM_MODE_ENABLED;
import static io.odyssey.mavlink.MavlinkCommands.NAV_LAND;
import static io.odyssey.mavlink.MavlinkCommands.NAV_RETURN_TO_LAUNCH;
import static io.odyssey.mavlink.MavlinkCommands.NAV_TAKEOFF;
import static io.odyssey.mavlink.MavlinkCommands.NAV_WAYPOINT;

/**
 * The one table from Odyssey's commands to MAVLink (docs/api/mavlink.md, "Orders"): the MAVLink commands an order is
 * sent as, in order, each awaiting its COMMAND_ACK, or a mission upload then MISSION_START. Parameters are checked as
 * a simulated drone checks them (a bad one is refused before anything is sent).
 */
final class OrderPlan
{
    /** The step that uploads the mission (MISSION_COUNT, then the items the vehicle asks for, MISSION_ACK). */
    static final int UPLOAD = -1;
    /** ArduCopter's DO_CHANGE_SPEED speed type: ground speed. */
    private static final float GROUND_SPEED = 1f;
    private static final float NO_CHANGE = -1f;
    private static final float NAN = Float.NaN;

    private OrderPlan()
    {
    }

    /** @return whether the order's parameters are valid (then its steps are set). */
    static boolean plan(final VehicleOrders.Order o, final CommandFrameReader command, final int autopilot,
        final VehicleOrders.Vehicle vehicle)
    {
        final boolean ardupilot = autopilot == AUTOPILOT_ARDUPILOT;
        switch (command.type())
        {
            case TAKEOFF ->
            {
                final float wanted = command.altitude();
                if (!altitudeOrNaN(wanted))
                {
                    return false;
                }
                final float altitude = Float.isNaN(wanted) ? (float)CommandLimits.DEFAULT_TAKEOFF_ALTITUDE_M : wanted;
                o.targetLat = vehicle.latitude;
                o.targetLon = vehicle.longitude;
                o.targetAlt = altitude;
                guided(o, ardupilot);
                o.step(COMPONENT_ARM_DISARM, false, 1f, 0f, 0f, 0f, 0f, 0f, 0f);
                // PX4 reads NAV_TAKEOFF's altitude above mean sea level, ArduPilot above home.
                o.step(NAV_TAKEOFF, false, 0f, 0f, 0f, NAN, NAN, NAN, ardupilot ? altitude : altitude + vehicle.homeAmsl);
            }
            case GOTO ->
            {
                if (!CommandLimits.isLatitude(command.latitude()) || !CommandLimits.isLongitude(command.longitude()) ||
                    !altitudeOrNaN(command.altitude()) || !speedOrNaN(command.speed()))
                {
                    return false;
                }
                o.targetLat = command.latitude();
                o.targetLon = command.longitude();
                o.targetAlt = Float.isNaN(command.altitude()) ? vehicle.altitude : command.altitude();
                guided(o, ardupilot);
                // COMMAND_INT: degE7 coordinates (a float's 24 bits would put the point metres off).
                o.step(DO_REPOSITION, true, Float.isNaN(command.speed()) ? NO_CHANGE : command.speed(), 1f, 0f, NAN, 0f,
                    0f, o.targetAlt);
            }
            case MISSION ->
            {
                return mission(o, command, ardupilot, vehicle);
            }
            case HOLD -> o.step(DO_PAUSE_CONTINUE, false, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
            case RESUME -> o.step(DO_PAUSE_CONTINUE, false, 1f, 0f, 0f, 0f, 0f, 0f, 0f);
            case RETURN_HOME ->
            {
                if (vehicle.homeKnown)
                {
                    o.targetLat = vehicle.homeLat;
                    o.targetLon = vehicle.homeLon;
                }
                o.targetAlt = 0f;
                o.step(NAV_RETURN_TO_LAUNCH, false, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
            }
            case LAND, STOP ->
            {
                // STOP is an emergency landing where the vehicle is, not flight termination (which cuts the motors).
                o.targetLat = vehicle.latitude;
                o.targetLon = vehicle.longitude;
                o.targetAlt = 0f;
                o.step(NAV_LAND, false, 0f, 0f, 0f, NAN, NAN, NAN, NAN);
            }
            case SET_SPEED ->
            {
                if (!CommandLimits.isSpeed(command.speed()))
                {
                    return false;
                }
                o.step(DO_CHANGE_SPEED, false, GROUND_SPEED, command.speed(), NO_CHANGE, 0f, 0f, 0f, 0f);
            }
            case CANCEL ->
            {
                // The vehicle stops where it is (as a simulated drone does); the target ends cancelled.
                o.targetCommandId = command.targetCommandId();
                o.step(DO_PAUSE_CONTINUE, false, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
            }
            default ->
            {
                return false;
            }
        }
        return true;
    }

    /** ArduCopter takes position orders from a ground station only in GUIDED; PX4 switches mode by itself. */
    private static void guided(final VehicleOrders.Order o, final boolean ardupilot)
    {
        if (ardupilot)
        {
            o.step(DO_SET_MODE, false, MODE_FLAG_CUSTOM_MODE_ENABLED, ARDUCOPTER_GUIDED, 0f, 0f, 0f, 0f, 0f);
        }
    }

    private static boolean mission(final VehicleOrders.Order o, final CommandFrameReader command,
        final boolean ardupilot, final VehicleOrders.Vehicle vehicle)
    {
        final int count = command.waypointCount();
        if (count < 1 || count > CommandLimits.MAX_WAYPOINTS)
        {
            return false;
        }
        if (ardupilot)
        {
            // ArduPilot's item 0 is home (it overwrites it): a placeholder where the vehicle is.
            o.item(NAV_WAYPOINT, 0f, 0f, vehicle.latitude, vehicle.longitude, 0f, -1);
        }
        float altitude = vehicle.grounded ? (float)CommandLimits.DEFAULT_TAKEOFF_ALTITUDE_M : vehicle.altitude;
        int index = 0;
        while (command.nextWaypoint())
        {
            final float hold = command.waypointHoldSeconds();
            final float speed = command.waypointSpeed();
            if (!CommandLimits.isLatitude(command.waypointLatitude()) ||
                !CommandLimits.isLongitude(command.waypointLongitude()) ||
                !altitudeOrNaN(command.waypointAltitude()) || !speedOrNaN(speed) ||
                !(Float.isNaN(hold) || CommandLimits.isHold(hold)))
            {
                return false;
            }
            if (!Float.isNaN(speed))
            {
                o.item(DO_CHANGE_SPEED, GROUND_SPEED, speed, 0, 0, 0f, -1);
            }
            // A waypoint without an altitude keeps the one before (MAVLink items always carry one).
            altitude = Float.isNaN(command.waypointAltitude()) ? altitude : command.waypointAltitude();
            o.lastNavItem = o.itemCount;
            o.item(NAV_WAYPOINT, Float.isNaN(hold) ? 0f : hold, 0f, command.waypointLatitude(),
                command.waypointLongitude(), altitude, index);
            o.targetLat = command.waypointLatitude();
            o.targetLon = command.waypointLongitude();
            o.targetAlt = altitude;
            index++;
        }
        o.waypoints = count;
        o.waypointIndex = 0;
        o.step(UPLOAD, false, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
        o.step(MISSION_START, false, 0f, o.itemCount - 1, 0f, 0f, 0f, 0f, 0f);
        return true;
    }

    private static boolean altitudeOrNaN(final float value)
    {
        return Float.isNaN(value) || CommandLimits.isAltitude(value);
    }

    private static boolean speedOrNaN(final float value)
    {
        return Float.isNaN(value) || CommandLimits.isSpeed(value);
    }
}
