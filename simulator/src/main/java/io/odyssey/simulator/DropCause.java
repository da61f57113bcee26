package io.odyssey.simulator;

import io.aeron.Publication;

/**
 * Why a frame was not published. A frame that cannot be offered is dropped, never retried: the drone's next frame
 * carries newer state, and a retry loop would stall every other drone behind one slow endpoint.
 */
public enum DropCause
{
    /** The receiver (or the network) is behind: the publication's flow-control window is full. */
    BACK_PRESSURED("back_pressured"),
    /** No ingest subscriber is listening at the endpoint (yet, or any more). */
    NOT_CONNECTED("not_connected"),
    /** The publication was busy with an administrative action (e.g. a term rotation); the next offer will likely pass. */
    ADMIN_ACTION("admin_action"),
    /** The publication was closed (the simulator is stopping) or reached its maximum position. */
    CLOSED("closed"),
    /**
     * The drone has no key any more (revoked in the simulator's key file, or the file read while an editor rewrote
     * it): nothing signed can be sent for it, and nothing unsigned would be taken.
     */
    NO_KEY("no_key");

    private final String label;

    DropCause(final String label)
    {
        this.label = label;
    }

    /** Value of the {@code cause} label of {@code odyssey_sim_frames_dropped_total}. */
    public String label()
    {
        return label;
    }

    /** The cause behind a negative {@link Publication#offer} result. */
    static DropCause of(final long offerResult)
    {
        if (offerResult == Publication.BACK_PRESSURED)
        {
            return BACK_PRESSURED;
        }
        if (offerResult == Publication.NOT_CONNECTED)
        {
            return NOT_CONNECTED;
        }
        if (offerResult == Publication.ADMIN_ACTION)
        {
            return ADMIN_ACTION;
        }
        return CLOSED;
    }
}
