package io.odyssey.relay;

import io.odyssey.codecs.sbe.CommandStatusDecoder;

/**
 * What the ingest hot path tells the command side: how a drone can be reached (when that changes) and a drone's
 * answers to orders. Both are rare next to telemetry, and implementations copy what they need and return at once.
 */
public interface CommandLink
{
    CommandLink NONE = new CommandLink()
    {
        public void onLink(
            final long droneId, final int address, final int port, final long imageId, final String sourceIdentity)
        {
        }

        public void onCommandStatus(final CommandStatusDecoder status, final long receivedAtNanos)
        {
        }
    };

    /**
     * How drone {@code droneId} can be reached now, as its latest heartbeat shows.
     *
     * @param address        the IPv4 address (as an int) its heartbeat advertises for commands, 0 for none.
     * @param port           the UDP port its heartbeat advertises, 0 for none.
     * @param imageId        the correlation id of the Aeron image the heartbeat arrived on (a response channel to its
     *                       sender may exist), 0 when unknown.
     * @param sourceIdentity where that image's packets come from ({@code ip:port}, as observed), null when unknown.
     */
    void onLink(long droneId, int address, int port, long imageId, String sourceIdentity);

    /** A drone answered; {@code status} is only valid during the call. */
    void onCommandStatus(CommandStatusDecoder status, long receivedAtNanos);
}
