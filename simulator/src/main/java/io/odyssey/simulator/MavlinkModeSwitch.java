package io.odyssey.simulator;

import io.odyssey.runtime.Setting;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A flight mode a simulated MAVLink drone switches to by itself, mid-order, as a real vehicle does when its pilot takes
 * the RC or a failsafe fires ({@link SimulatorConfig#MAVLINK_MODE_SWITCHES}): what the ground sees of it, and what it
 * makes of its orders, is what the edge and the ledger are tested on.
 *
 * @param droneId the MAVLink drone that switches.
 * @param mode    the mode it switches to.
 * @param afterNs how long after it accepted its first order to move (take-off, reposition, mission start).
 */
record MavlinkModeSwitch(long droneId, Mode mode, long afterNs)
{
    enum Mode
    {
        /** PX4's position mode: a pilot on the RC has taken over; the vehicle stops and holds where it is. */
        POSCTL,
        /** PX4's AUTO.RTL: a failsafe; the vehicle flies home and lands. */
        RTL
    }

    /**
     * Reads {@code DRONE:MODE:SECONDS,...}; blank is none. Each drone must be one of the MAVLink drones
     * ({@code firstMavlinkId..lastId}) and named once; SECONDS is 0..3600, decimals allowed.
     */
    static List<MavlinkModeSwitch> parse(final Setting setting, final String text, final long firstMavlinkId,
        final long lastId)
    {
        final List<MavlinkModeSwitch> switches = new ArrayList<>();
        if (text == null || text.isBlank())
        {
            return switches;
        }
        final Set<Long> named = new HashSet<>();
        for (final String entry : text.split(","))
        {
            final String[] parts = entry.trim().split(":");
            if (parts.length != 3)
            {
                throw setting.invalid(text, "DRONE:MODE:SECONDS entries, comma-separated (e.g. 46:POSCTL:5), not '" +
                    entry.trim() + "'");
            }
            final long droneId;
            final double seconds;
            try
            {
                droneId = Long.parseLong(parts[0].trim());
                seconds = Double.parseDouble(parts[2].trim());
            }
            catch (final NumberFormatException ex)
            {
                throw setting.invalid(text, "a drone id and a number of seconds in '" + entry.trim() + "'");
            }
            if (droneId < firstMavlinkId || droneId > lastId)
            {
                throw setting.invalid(text, firstMavlinkId > lastId ? "no entries: this simulator flies no MAVLink drones" :
                    "drones among this simulator's MAVLink drones (" + firstMavlinkId + ".." + lastId + "), not " + droneId);
            }
            if (!named.add(droneId))
            {
                throw setting.invalid(text, "each drone once; " + droneId + " is named twice");
            }
            final Mode mode;
            try
            {
                mode = Mode.valueOf(parts[1].trim().toUpperCase(Locale.ROOT));
            }
            catch (final IllegalArgumentException ex)
            {
                throw setting.invalid(text, "a mode POSCTL (a pilot takes over) or RTL (a failsafe), not '" +
                    parts[1].trim() + "'");
            }
            if (!(seconds >= 0 && seconds <= 3600))
            {
                throw setting.invalid(text, "seconds between 0 and 3600, not " + parts[2].trim());
            }
            switches.add(new MavlinkModeSwitch(droneId, mode, (long)(seconds * TimeUnit.SECONDS.toNanos(1))));
        }
        return switches;
    }
}
