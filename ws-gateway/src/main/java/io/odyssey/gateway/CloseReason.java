package io.odyssey.gateway;

/** Why a WebSocket client's session ended, as counted in {@code odyssey_ws_clients_closed_total{reason}}. */
enum CloseReason
{
    /** The client closed the connection, or it dropped (reset, timed out). */
    CLIENT("client"),
    /**
     * The client stayed behind longer than the stall timeout (1008), fell too far behind a feed that loses nothing, or
     * was furthest behind when the unsent bytes of all clients went over the send budget.
     */
    SLOW("slow"),
    /** The client sent a message above the close bound, or an endless one (1009). */
    TOO_LARGE("too_large"),
    /** Broken WebSocket framing or invalid UTF-8 in a text message. */
    PROTOCOL("protocol"),
    /** The gateway failed to serve the client (1011). */
    ERROR("error"),
    /** The gateway shut down (1001). */
    SHUTDOWN("shutdown"),
    /** The token the session was opened with was deleted (1008). */
    REVOKED("revoked"),
    /** The client's token (or anonymous address) already held its maximum of sessions (1008). */
    TOO_MANY("too_many");

    final String label;

    CloseReason(final String label)
    {
        this.label = label;
    }
}
