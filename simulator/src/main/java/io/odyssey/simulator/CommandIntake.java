package io.odyssey.simulator;

import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.odyssey.codecs.CommandFrameReader;
import io.odyssey.codecs.sign.CommandFrameCheck;
import io.odyssey.codecs.sign.FrameVerifier;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.RateLimitedLog;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Checks each (reassembled) command frame and hands the good ones to the {@link DroneFleet}, on the publisher's thread.
 * <p>
 * The frame is checked before any field is trusted: its structure by the {@link CommandFrameReader} (our schema,
 * template 10, a version no newer than ours, a block and a waypoint group that fit), that it carries a signature, a
 * drone this process flies, its signature under that drone's key (fresh, not replayed), a positive command id, a
 * known command type ({@link CommandFrameCheck}). A frame that fails is counted by {@link InvalidCommandCause} and
 * dropped, with at most one log line a second: garbage on a UDP port must never stop the drones. Parameters
 * (coordinates, altitudes, speeds, waypoints) are the fleet's to check, since only a
 * well-formed frame gets that far and the drone answers a bad one REJECTED.
 */
final class CommandIntake implements FragmentHandler
{
    private static final Logger LOG = LoggerFactory.getLogger(CommandIntake.class);

    private final DroneFleet fleet;
    private final NanoClock nanoClock;
    private final EpochNanoClock wallClock;
    private final CommandFrameReader command = new CommandFrameReader();
    private final RateLimitedLog invalidLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(1));
    private final Counter[] received;
    private final Counter[] invalid;
    private final CommandFrameCheck check;

    /**
     * @param verifier  the drones' keys: a command must be signed with its drone's key, fresh and not replayed (see
     *                  {@link FrameVerifier}); its clock is the drone's, like {@code wallClock}.
     * @param wallClock the drone's own wall clock, which decides whether a command has expired.
     */
    CommandIntake(
        final DroneFleet fleet, final FrameVerifier verifier, final NanoClock nanoClock, final EpochNanoClock wallClock,
        final SimulatorMetrics metrics)
    {
        this.fleet = fleet;
        this.nanoClock = nanoClock;
        this.wallClock = wallClock;
        this.received = metrics.commandsReceived;
        this.invalid = metrics.commandFramesInvalid;
        this.check = new CommandFrameCheck(command, verifier, droneId -> fleet.indexOf(droneId) >= 0);
    }

    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header aeronHeader)
    {
        onFrame(buffer, offset, length);
    }

    /**
     * Checks one command frame and acts on it.
     *
     * @return what the fleet made of it ({@link DroneFleet#COMMAND_ACCEPTED} ...), or -1 when the frame was dropped.
     */
    int onFrame(final DirectBuffer buffer, final int offset, final int length)
    {
        final String refused = check.check(buffer, offset, length);
        if (refused != null)
        {
            return drop(CommandFrameCheck.NOT_OURS.equals(refused) ? InvalidCommandCause.UNKNOWN_DRONE :
                InvalidCommandCause.valueOf(refused));
        }
        final int index = fleet.indexOf(command.droneId());

        // The drone's own wall clock decides expiry (cold path: a command is rare).
        final int outcome = fleet.onCommand(index, command, wallClock.nanoTime());
        switch (outcome)
        {
            case DroneFleet.COMMAND_ACCEPTED:
                received[SimulatorMetrics.ACCEPTED].increment();
                break;

            case DroneFleet.COMMAND_REJECTED:
                received[SimulatorMetrics.REJECTED].increment();
                break;

            case DroneFleet.COMMAND_DUPLICATE:
                received[SimulatorMetrics.DUPLICATE].increment();
                break;

            default:
                invalid[InvalidCommandCause.INVALID_PARAMETERS.ordinal()].increment();
                invalidLog.warn(nanoClock.nanoTime(), "rejected a command with parameters out of range: {}",
                    InvalidCommandCause.INVALID_PARAMETERS.label());
                break;
        }
        return outcome;
    }

    private int drop(final InvalidCommandCause cause)
    {
        invalid[cause.ordinal()].increment();
        invalidLog.warn(nanoClock.nanoTime(), "dropped an invalid command frame: {}", cause.label());
        return -1;
    }
}
