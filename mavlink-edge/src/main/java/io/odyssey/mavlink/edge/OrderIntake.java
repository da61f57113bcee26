package io.odyssey.mavlink.edge;

import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.odyssey.codecs.CommandFrameReader;
import io.odyssey.codecs.sign.CommandFrameCheck;
import io.odyssey.codecs.sign.FrameVerifier;
import io.odyssey.runtime.RateLimitedLog;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/**
 * Checks each (reassembled) Odyssey command frame that reaches the edge's command endpoint exactly as a simulated drone
 * does before anything acts on it: its structure, its signature with the drone's key, freshness and replay (per drone
 * and link), a drone that is one of the registry's vehicles, a positive id and a known type. A frame that fails is
 * counted by reason ({@code odyssey_mavlink_command_frames_refused_total}) and dropped, at most one log line a second.
 */
final class OrderIntake implements FragmentHandler
{
    private static final Logger LOG = LoggerFactory.getLogger(OrderIntake.class);
    static final String UNKNOWN_VEHICLE = "unknown_vehicle";
    static final String MALFORMED = "malformed";

    private final VehicleRegistry registry;
    private final CommandFrameCheck check;
    private final VehicleOrders orders;
    private final NanoClock nanoClock;
    private final EpochNanoClock clock;
    private final MavlinkEdgeMetrics metrics;
    private final CommandFrameReader command = new CommandFrameReader();
    private final RateLimitedLog refusedLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(1));

    OrderIntake(final VehicleRegistry registry, final FrameVerifier verifier, final VehicleOrders orders,
        final NanoClock nanoClock, final EpochNanoClock clock, final MavlinkEdgeMetrics metrics)
    {
        this.registry = registry;
        this.check = new CommandFrameCheck(command, verifier, droneId -> registry.systemId(droneId) != 0);
        this.orders = orders;
        this.nanoClock = nanoClock;
        this.clock = clock;
        this.metrics = metrics;
    }

    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        onFrame(buffer, offset, length);
    }

    /** @return whether the frame was taken (handed to the vehicle's orders). */
    boolean onFrame(final DirectBuffer buffer, final int offset, final int length)
    {
        final String refused = check.check(buffer, offset, length);
        if (refused != null)
        {
            return refuse(switch (refused)
            {
                case CommandFrameCheck.NOT_OURS -> UNKNOWN_VEHICLE;
                case CommandFrameCheck.MALFORMED -> MALFORMED;
                default -> refused;
            });
        }
        metrics.ordersReceived.increment();
        orders.onOrder(registry.systemId(command.droneId()), command, nanoClock.nanoTime(), clock.nanoTime());
        return true;
    }

    private boolean refuse(final String reason)
    {
        metrics.commandFrameRefused(reason);
        refusedLog.warn(nanoClock.nanoTime(), "refused a command frame: {}", reason);
        return false;
    }
}
