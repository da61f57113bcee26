package io.odyssey.relay;

import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;

/**
 * Ledger ids of the commands drones start themselves (a low-battery return home). A drone numbers its own commands
 * (negative ids on the wire), but only per drone, and a drone that reboots may start its numbering again; the ledger and
 * the archive need ids unique across drones and restarts, and below 2^53 in magnitude like every number of the JSON
 * contracts. So the ground assigns the ledger id: a hash of (drone, the drone's number) into {@code [-(2^53 - 1), -1]},
 * probing the next ids on the rare collision with another command. The drone's own number is kept in the command's
 * parameters ({@code droneCommandId}) so its later answers find the command again by the same derivation, and a cancel
 * sends the drone the number it knows. Any relay computes the same ids: nothing to coordinate beyond the ledger's
 * {@code putIfAbsent}.
 */
final class DroneCommandIds
{
    /** Largest magnitude of a ledger id (2^53 - 1): what a JSON client reads exactly. */
    static final long MAX_MAGNITUDE = (1L << 53) - 1;
    /** Ids tried for one drone command before giving up (a collision at all has a probability of about 2^-53 per pair). */
    static final int MAX_PROBES = 16;
    private DroneCommandIds()
    {
    }

    /** The {@code probe}-th candidate ledger id (negative) for the drone's command numbered {@code droneCommandId}. */
    static long ledgerId(final long droneId, final long droneCommandId, final int probe)
    {
        final long hash = mix(mix(droneId) ^ droneCommandId);
        final long start = Long.remainderUnsigned(hash, MAX_MAGNITUDE);
        return -(1 + (start + probe) % MAX_MAGNITUDE);
    }

    /** SplitMix64's finaliser: every input bit affects every output bit. */
    private static long mix(final long value)
    {
        long z = value;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Is {@code command} the drone's own command it numbered {@code droneCommandId}? */
    static boolean isFor(final CommandRecord command, final long droneId, final long droneCommandId)
    {
        return command.droneId() == droneId && "drone".equals(command.issuedBy()) &&
            droneFacingId(command) == droneCommandId;
    }

    /**
     * The id the drone knows its command by: its own number for a drone-started command (recorded before this scheme:
     * the ledger id itself, which was the drone's), the ledger id for every other command.
     */
    static long droneFacingId(final CommandRecord command)
    {
        if (!"drone".equals(command.issuedBy()))
        {
            return command.id();
        }
        final long number = command.parameters().droneCommandId();
        return number == 0 ? command.id() : number;
    }

    /**
     * The ledger id of the drone's command numbered {@code droneCommandId}: the one still running if the drone reused
     * its number (a reboot), else the last one found; 0 when the ledger has none (never started, or aged out).
     */
    static long find(final CommandLedger ledger, final long droneId, final long droneCommandId)
    {
        long found = 0;
        for (int probe = 0; probe < MAX_PROBES; probe++)
        {
            final long id = ledgerId(droneId, droneCommandId, probe);
            final CommandRecord command = ledger.get(id);
            if (command == null)
            {
                break;
            }
            if (isFor(command, droneId, droneCommandId))
            {
                found = id;
                if (command.active())
                {
                    break;
                }
            }
        }
        if (found == 0)
        {
            // Recorded by a relay from before this scheme, under the drone's own number.
            final CommandRecord legacy = ledger.get(droneCommandId);
            if (legacy != null && isFor(legacy, droneId, droneCommandId))
            {
                found = droneCommandId;
            }
        }
        return found;
    }
}
