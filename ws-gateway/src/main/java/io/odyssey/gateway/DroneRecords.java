package io.odyssey.gateway;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

/**
 * The binary records of the drone versions the fan-out is sending, in one shared buffer: each version is encoded the
 * first time a frame needs it and its bytes are copied from here into every binary frame, for every client, that
 * carries it. So the encoding cost grows with drone updates, not with updates × clients, and nothing is allocated.
 * <p>
 * Bounded: when the buffer holds {@code 2 ×} the fleet's size in records (at least {@link #MIN_RECORDS}) it starts
 * over (a new generation); versions still needed are encoded again on their next use, so a version is encoded at most
 * about twice however many clients and ticks it is sent in. Used by the fan-out thread only.
 */
final class DroneRecords
{
    static final int MIN_RECORDS = 1_024;

    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(MIN_RECORDS * DroneBinary.RECORD_LENGTH);
    private final NodeTable nodes;
    private final GatewayMetrics metrics;
    private int generation;
    private int used;

    DroneRecords(final NodeTable nodes, final GatewayMetrics metrics)
    {
        this.nodes = nodes;
        this.metrics = metrics;
    }

    DirectBuffer buffer()
    {
        return buffer;
    }

    NodeTable nodes()
    {
        return nodes;
    }

    /**
     * @param fleetSize drones in the view now (sizes the buffer).
     * @return where the version's record starts in {@link #buffer()}, valid until the next call.
     */
    int offsetOf(final DroneView view, final int fleetSize)
    {
        if (view.recordGeneration == generation)
        {
            return view.recordOffset;
        }
        if (used + DroneBinary.RECORD_LENGTH > Math.max(MIN_RECORDS, 2 * fleetSize) * DroneBinary.RECORD_LENGTH)
        {
            generation++;
            used = 0;
        }
        final int offset = used;
        DroneBinary.writeRecord(buffer, offset, view.state, view.gatewayNanos, nodes.indexOf(view.state.ingestNode()));
        used += DroneBinary.RECORD_LENGTH;
        view.recordGeneration = generation;
        view.recordOffset = offset;
        metrics.recordsEncoded.increment();
        return offset;
    }
}
