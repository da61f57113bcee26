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

    /** The grid keeps the highest sequence: an older state never replaces a newer one (see {@link FleetGrid}). */
    public boolean isNewerThan(final DroneState other)
    {
        return other == null || sequence > other.sequence;
    }
}
