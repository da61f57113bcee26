package io.odyssey.ingest;

import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;

/**
 * Where the ingest agent's duty cycle polls frames from: the senders the node's Aeron subscription took and did not
 * refuse in a running node ({@link TelemetryEndpoint}), {@link #NONE} where frames are handed to the agent one by one
 * instead (a replay reading a journal, a test).
 */
@FunctionalInterface
interface FrameSource
{
    /** Never has a frame: the agent's frames come through {@link TelemetryIngestAgent#onFragment} directly. */
    FrameSource NONE = (handler, fragmentLimit) -> 0;

    /** Hands up to {@code fragmentLimit} waiting frames to {@code handler}; returns how many. */
    int poll(FragmentHandler handler, int fragmentLimit);

    /**
     * The frame just handed over with {@code header} verified (signed with its drone's key): its sender has proved
     * itself ({@link ImageAdmission}). On the hot path: must allocate nothing.
     */
    default void signedFrame(final Header header)
    {
    }
}
