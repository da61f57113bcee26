package io.odyssey.grid;

import io.odyssey.codecs.sbe.DroneStatus;

import java.util.HashMap;
import java.util.Map;

/**
 * The latest known state of one drone: the value of the fleet map ({@link FleetGrid#FLEET_MAP}), keyed by drone id.
 * <p>
 * Besides the telemetry itself it carries the timestamps of each hop (epoch nanoseconds) so the gateway and the
 * browser can measure latency per hop, and the id of the edge ingest node that heard the drone. Stored with
 * Hazelcast Compact serialization ({@link DroneStateSerializer}), so members can evaluate predicates on its fields
 * without the class and new fields can be added without breaking older readers.
 *
 * @param status one of {@link io.odyssey.codecs.sbe.DroneStatus}'s names, e.g. {@code "CRUISING"}.
 * @param flags  bits of {@link io.odyssey.codecs.DroneFlag}.
 */
public record DroneState(
    long droneId,
    long sequence,
    long sentAtNanos,
    long ingestNanos,
    long gridNanos,
    double latitude,
    double longitude,
    float altitude,
    float heading,
    float groundSpeed,
    float climbRate,
    float battery,
    String status,
    int flags,
    String ingestNode)
{
    private static final Map<String, DroneStatus> STATUSES = new HashMap<>();

    static
    {
        for (final DroneStatus status : DroneStatus.values())
        {
            STATUSES.put(status.name(), status);
        }
    }

    /**
     * The status as the enum drones send, {@link DroneStatus#NULL_VAL} when there is none or it is a name no drone
     * sends: the fleet map is writable by anything that reaches the grid, so a reader must not trust the text.
     */
    public DroneStatus droneStatus()
    {
        return STATUSES.getOrDefault(status, DroneStatus.NULL_VAL);
    }

    /** This state as heard at {@code ingestNanos} (epoch ns). */
    public DroneState heardAt(final long ingestNanos)
    {
        return new DroneState(droneId, sequence, sentAtNanos, ingestNanos, gridNanos, latitude, longitude, altitude, heading,
            groundSpeed, climbRate, battery, status, flags, ingestNode);
    }

    /**
     * The state a fleet-map entry holds for the drone it is filed under, or null when it holds none: ingest files each
     * drone's state under its own id (a {@code Long}), but anything that reaches the grid can put a key of another type
     * (an {@code Integer 2}), a value of another class, or one drone's state under another's key. Taken for the drone
     * it names, such a state moved that drone, completed its commands or silenced its alerts; so every reader of the
     * map asks here, untyped, and counts a null as a record left out.
     */
    public static DroneState filedUnder(final Object key, final Object value)
    {
        return key instanceof Long droneId ? filedUnder(droneId.longValue(), value) : null;
    }

    /** {@link #filedUnder(Object, Object)} for a reader that already holds the drone id it asked for (no boxing). */
    public static DroneState filedUnder(final long droneId, final Object value)
    {
        return value instanceof DroneState state && state.droneId() == droneId ? state : null;
    }

    /** The grid keeps the highest sequence: an older state never replaces a newer one (see {@link FleetGrid}). */
    public boolean isNewerThan(final DroneState other)
    {
        return other == null || sequence > other.sequence;
    }
}
