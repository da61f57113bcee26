package io.odyssey.simulator;

import io.odyssey.codecs.CommandFrameReader;
import io.odyssey.codecs.CommandLimits;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;

import static io.odyssey.simulator.DroneFleet.COMMAND_ACCEPTED;
import static io.odyssey.simulator.DroneFleet.COMMAND_DUPLICATE;
import static io.odyssey.simulator.DroneFleet.COMMAND_INVALID;
import static io.odyssey.simulator.DroneFleet.COMMAND_REJECTED;
import static io.odyssey.simulator.FleetKinematics.ARRIVAL_RADIUS_M;
import static io.odyssey.simulator.FleetState.GROUNDED;
import static io.odyssey.simulator.FleetState.NO_SLOT;
import static io.odyssey.simulator.FleetState.WAYPOINT_FIELDS;
import static io.odyssey.simulator.FleetState.WP_ALT;
import static io.odyssey.simulator.FleetState.WP_HOLD;
import static io.odyssey.simulator.FleetState.WP_LAT;
import static io.odyssey.simulator.FleetState.WP_LON;
import static io.odyssey.simulator.FleetState.WP_SPEED;

/**
 * Whether a drone takes a command: a resend is answered again from its slot, an expired or out-of-range command
 * (against {@link io.odyssey.codecs.CommandLimits}) is refused, and so is one the drone cannot do now (airborne,
 * battery, nothing to resume or cancel); anything else gets a slot and is executed. Every outcome is queued as an
 * answer.
 */
final class CommandAcceptance
{
    /** A mission as read from a command, before it is accepted: validated in here, then copied to the drone's store. */
    private final FleetState state;
    private final double[] missionScratch = new double[CommandLimits.MAX_WAYPOINTS * WAYPOINT_FIELDS];
    private int missionScratchCount;
    private final FleetKinematics kinematics;
    private final CommandSlots slots;
    private final CommandExecution execution;

    CommandAcceptance(
        final FleetState state, final FleetKinematics kinematics, final CommandSlots slots,
        final CommandExecution execution)
    {
        this.state = state;
        this.kinematics = kinematics;
        this.slots = slots;
        this.execution = execution;
    }

    /**
     * Acts on a command for drone {@code i} (the caller checked the frame's structure and that the drone is ours) and
     * queues its answer.
     *
     * @param nowEpochNanos the drone's clock, for the command's expiry (0 = do not check).
     * @return {@link DroneFleet#COMMAND_ACCEPTED}, {@link DroneFleet#COMMAND_REJECTED},
     * {@link DroneFleet#COMMAND_DUPLICATE} or {@link DroneFleet#COMMAND_INVALID}.
     */
    int onCommand(final int i, final CommandFrameReader command, final long nowEpochNanos)
    {
        final long commandId = command.commandId();
        final int known = slots.findSlot(i, commandId);
        if (known != NO_SLOT)
        {
            slots.markDirty(i, known);
            return COMMAND_DUPLICATE;
        }

        final CommandType type = command.type();
        if (command.repeatAnswerOnly())
        {
            // Asked only to repeat an answer the ground lost: a command this drone no longer has (evicted, or the
            // drone restarted) is not started now, it has failed.
            slots.answer(
                i, slots.takeSlot(i, commandId, type, false), CommandPhase.FAILED, CommandReason.NO_SUCH_COMMAND);
            return COMMAND_REJECTED;
        }
        final long expiresAt = command.expiresAtNanos();
        if (nowEpochNanos != 0 && expiresAt > 0 && nowEpochNanos > expiresAt)
        {
            slots.reject(i, slots.takeSlot(i, commandId, type, false), CommandReason.EXPIRED);
            return COMMAND_REJECTED;
        }
        final boolean valid = validParameters(command, type);
        final int s = slots.takeSlot(i, commandId, type, false);
        if (!valid)
        {
            slots.reject(i, s, CommandReason.INVALID_PARAMETERS);
            return COMMAND_INVALID;
        }
        final CommandReason refusal = refusal(i, type, command);
        if (refusal != CommandReason.NONE)
        {
            slots.reject(i, s, refusal);
            return COMMAND_REJECTED;
        }
        execution.execute(i, s, type, command, missionScratch, missionScratchCount);
        // After execute: what it ended (superseded, cancelled) is reported before the new command opens.
        slots.markDirty(i, s);
        return COMMAND_ACCEPTED;
    }

    private boolean validParameters(final CommandFrameReader command, final CommandType type)
    {
        switch (type)
        {
            case TAKEOFF:
                return isAltitudeOrNaN(command.altitude());

            case GOTO:
                return CommandLimits.isLatitude(command.latitude()) && CommandLimits.isLongitude(command.longitude()) &&
                    isAltitudeOrNaN(command.altitude()) && isSpeedOrNaN(command.speed());

            case SET_SPEED:
                return isSpeed(command.speed());

            case MISSION:
                return readMission(command);

            default:
                return true;
        }
    }

    /** Reads (the only pass over the group) and checks a mission's waypoints into {@link #missionScratch}. */
    private boolean readMission(final CommandFrameReader command)
    {
        final int count = command.waypointCount();
        missionScratchCount = 0;
        if (count < 1 || count > CommandLimits.MAX_WAYPOINTS)
        {
            return false;
        }
        int at = 0;
        while (command.nextWaypoint())
        {
            final float hold = command.waypointHoldSeconds();
            if (!CommandLimits.isLatitude(command.waypointLatitude()) || !CommandLimits.isLongitude(command.waypointLongitude()) ||
                !isAltitudeOrNaN(command.waypointAltitude()) || !isSpeedOrNaN(command.waypointSpeed()) ||
                !(Float.isNaN(hold) || CommandLimits.isHold(hold)))
            {
                return false;
            }
            missionScratch[at + WP_LAT] = command.waypointLatitude();
            missionScratch[at + WP_LON] = command.waypointLongitude();
            missionScratch[at + WP_ALT] = command.waypointAltitude();
            missionScratch[at + WP_SPEED] = command.waypointSpeed();
            missionScratch[at + WP_HOLD] = Float.isNaN(hold) ? 0.0 : hold;
            at += WAYPOINT_FIELDS;
        }
        missionScratchCount = count;
        return true;
    }

    /** Why drone {@code i} cannot do {@code type} now, or NONE. */
    private CommandReason refusal(final int i, final CommandType type, final CommandFrameReader command)
    {
        final boolean airborne = state.status[i] != GROUNDED;
        final boolean lowAloft = airborne && state.battery[i] < kinematics.returnThreshold(i);
        final boolean tooLowToTakeOff = !airborne && state.battery[i] < state.commandTakeoffBatteryPct;
        switch (type)
        {
            case TAKEOFF:
                if (airborne)
                {
                    return CommandReason.ALREADY_AIRBORNE;
                }
                return tooLowToTakeOff ? CommandReason.BATTERY_TOO_LOW : CommandReason.NONE;

            case GOTO:
            case MISSION:
                return lowAloft || tooLowToTakeOff ? CommandReason.BATTERY_TOO_LOW : CommandReason.NONE;

            case HOLD:
                if (!airborne)
                {
                    return CommandReason.NOT_AIRBORNE;
                }
                // Holding would only pause the way home; the failsafe would start it again at once.
                return lowAloft ? CommandReason.BATTERY_TOO_LOW : CommandReason.NONE;

            case RESUME:
                if (!airborne)
                {
                    return CommandReason.NOT_AIRBORNE;
                }
                if (lowAloft)
                {
                    return CommandReason.BATTERY_TOO_LOW;
                }
                return state.heldSlot[i] == NO_SLOT && state.activeSlot[i] != NO_SLOT ?
                    CommandReason.NOTHING_TO_RESUME :
                    CommandReason.NONE;

            case RETURN_HOME:
                return tooLowToTakeOff && kinematics.distanceHome(i) > ARRIVAL_RADIUS_M ?
                    CommandReason.BATTERY_TOO_LOW :
                    CommandReason.NONE;

            case LAND:
            case STOP:
                return airborne ? CommandReason.NONE : CommandReason.NOT_AIRBORNE;

            case CANCEL:
            {
                // Only what runs or is paused can be cancelled; anything else is over, or was never heard.
                final int target = slots.findSlot(i, command.targetCommandId());
                return target != NO_SLOT && (target == state.activeSlot[i] || target == state.heldSlot[i]) ?
                    CommandReason.NONE :
                    CommandReason.NO_SUCH_COMMAND;
            }

            default:
                return CommandReason.NONE;
        }
    }

    private static boolean isAltitudeOrNaN(final float value)
    {
        return Float.isNaN(value) || CommandLimits.isAltitude(value);
    }

    private static boolean isSpeedOrNaN(final float value)
    {
        return Float.isNaN(value) || isSpeed(value);
    }

    private static boolean isSpeed(final float value)
    {
        return CommandLimits.isSpeed(value);
    }
}
