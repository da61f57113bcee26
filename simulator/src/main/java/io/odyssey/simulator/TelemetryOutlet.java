package io.odyssey.simulator;

import org.agrona.DirectBuffer;

/**
 * Where the publisher's frames go: one Aeron publication per ingest endpoint in production ({@link AeronTelemetryOutlet}),
 * a recorder in tests, so the publisher's schedule and routing are tested with an injected clock and no driver.
 */
interface TelemetryOutlet
{
    /** Number of ingest endpoints, at least 1. */
    int endpointCount();

    /** Whether a subscriber is listening at {@code endpoint}. */
    boolean isConnected(int endpoint);

    /**
     * Offers one frame to {@code endpoint} without blocking.
     *
     * @return a new stream position (&gt; 0) on success, or one of the negative {@link io.aeron.Publication} results.
     */
    long offer(int endpoint, DirectBuffer buffer, int offset, int length);
}
