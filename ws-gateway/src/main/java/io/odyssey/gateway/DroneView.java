package io.odyssey.gateway;

import io.odyssey.grid.DroneState;

/**
 * One version of one drone as the gateway knows it: the state from the grid, when the gateway's listener heard of it,
 * and its JSON (its binary record lives in {@link DroneRecords}). A new version is a new object, so the cached JSON is keyed by drone id + sequence by construction:
 * it is encoded at most once however many clients receive it. Every version of a drone has the drone's slot in the
 * {@link FleetView}, by which sessions track it.
 */
final class DroneView
{
    final DroneState state;
    final long gatewayNanos;
    /**
     * A monotonic clock's time the view took this version: what a reload compares to tell versions from before it,
     * whatever the wall clock did meanwhile ({@link #gatewayNanos} is the wall-clock stamp clients are shown).
     */
    final long appliedNanos;
    final int slot;
    /** Written and read only by the fan-out thread, the one thread that builds frames. */
    private byte[] json;
    /** Where {@link DroneRecords} holds this version's binary record (fan-out thread only); -1: nowhere yet. */
    int recordGeneration = -1;
    int recordOffset;

    DroneView(final DroneState state, final long gatewayNanos, final int slot)
    {
        this(state, gatewayNanos, System.nanoTime(), slot);
    }

    DroneView(final DroneState state, final long gatewayNanos, final long appliedNanos, final int slot)
    {
        this.state = state;
        this.gatewayNanos = gatewayNanos;
        this.appliedNanos = appliedNanos;
        this.slot = slot;
    }

    long id()
    {
        return state.droneId();
    }

    long sequence()
    {
        return state.sequence();
    }

    boolean isInside(final BoundingBox box)
    {
        return box == null || box.contains(state.latitude(), state.longitude());
    }

    /** The drone object of the WebSocket contract, encoded on first use with the caller's (fan-out) encoder. */
    byte[] json(final DroneJson encoder)
    {
        byte[] encoded = json;
        if (encoded == null)
        {
            encoded = encoder.encode(state, gatewayNanos);
            json = encoded;
        }
        return encoded;
    }
}
