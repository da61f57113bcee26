package io.odyssey.mavlink.edge;

import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Refused frames of a vehicle named in the log, not only counted: a registry that maps a system id to the wrong drone
 * (a simulator restarted with other drones, a vehicle swapped), a vehicle without its key or with a drifting signing
 * clock otherwise drops off the map with nothing but a counter saying why. At most one WARN line per system id a
 * {@link #INTERVAL_NS minute}, carrying how many of its frames were refused since the last one, so that a vehicle (or
 * whoever sends under its system id) that is refused thousands of times a second costs one line a minute; 256 system
 * ids bound it all. Only refusals of a frame whose system id could be read from a well-formed frame are logged here:
 * bytes that are no frame name nobody. On the agent's thread; allocates only when it writes a line.
 */
final class RefusalLog
{
    /** At most one line per vehicle in this. */
    static final long INTERVAL_NS = TimeUnit.MINUTES.toNanos(1);
    private static final int SLOTS = VehicleRegistry.MAX_SYSTEM_ID + 1;

    /** Where the lines go (the log; a test's list). */
    @FunctionalInterface
    interface Sink
    {
        void warn(String line);
    }

    private final Sink sink;
    private final boolean[] warned = new boolean[SLOTS];
    private final long[] warnedAtNs = new long[SLOTS];
    /** Refusals of each system id not yet told in a line. */
    private final long[] untold = new long[SLOTS];

    RefusalLog(final Sink sink)
    {
        this.sink = sink;
    }

    /**
     * @param droneId the registry's drone for the system id, 0 when it names none.
     * @param from    where the frame came from (as the datagram says: forgeable, but what an operator looks for).
     */
    void refused(final int systemId, final long droneId, final Refusal refusal, final SocketAddress from, final long nowNs)
    {
        untold[systemId]++;
        if (warned[systemId] && nowNs - warnedAtNs[systemId] < INTERVAL_NS)
        {
            return;
        }
        final long count = untold[systemId];
        final boolean first = !warned[systemId];
        untold[systemId] = 0;
        warned[systemId] = true;
        warnedAtNs[systemId] = nowNs;
        sink.warn("refused " + count + (count == 1 ? " frame" : " frames") + " of MAVLink system id " + systemId +
            (droneId == 0 ? "" : " (drone " + droneId + ")") + (first ? "" : " since the last such line") +
            ", the last one " + refusal.label() + " from " + from + ": " + hint(refusal, droneId) +
            " (at most one line a minute per system id; every refusal counts in odyssey_mavlink_frames_refused_total)");
    }

    /** What an operator checks for each reason. */
    static String hint(final Refusal refusal, final long droneId)
    {
        return switch (refusal)
        {
            case UNKNOWN_VEHICLE -> "the vehicle registry (ODYSSEY_MAVLINK_VEHICLES) names no such system id";
            case UNSIGNED -> "the vehicle does not sign; give it drone " + droneId + "'s key (--setup-signing) or, on a " +
                "bench only, allow it unsigned in the registry";
            case NO_KEY -> "drone " + droneId + " has no key in ODYSSEY_MAVLINK_DRONE_KEYS";
            case BAD_SIGNATURE -> "not signed with drone " + droneId + "'s key: does the registry map this system id " +
                "to the right drone (a restarted simulator or a swapped vehicle), and does the vehicle hold that key?";
            case REPLAYED -> "a signing timestamp not later than its stream's last: a replay, or a vehicle whose " +
                "signing clock went back";
            case TIMESTAMP_OUT_OF_WINDOW -> "its signing timestamp is further from the edge's clock than the signing " +
                "window (ODYSSEY_MAVLINK_SIGNING_WINDOW_S): check both clocks";
            case TOO_MANY_STREAMS -> "more signing streams (component, link) live than the edge keeps for one vehicle";
            case POSITION_OUT_OF_RANGE -> "a position ingest refuses (latitude, longitude or altitude out of range)";
            case SPEED_OUT_OF_RANGE -> "a ground speed ingest refuses";
            case TOO_FREQUENT -> "positions faster than one a millisecond for longer than a burst";
            default -> "see docs/api/mavlink.md, \"Refusals\"";
        };
    }
}
