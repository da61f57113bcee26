package io.odyssey.commands;

import io.odyssey.codecs.sbe.CommandStatusDecoder;

/**
 * What the ingest hot path tells the command side: where a drone takes orders (when that changes) and a drone's
 * answers to orders. Both are rare next to telemetry, and implementations copy what they need and return at once.
 */
public interface CommandLink
{
    CommandLink NONE = new CommandLink()
    {
        public void onLinkEndpoint(final long droneId, final int address, final int port)
        {
        }

        public void onCommandStatus(final CommandStatusDecoder status, final long receivedAtNanos)
        {
        }
    };

    /** Drone {@code droneId} now takes commands at IPv4 {@code address} (as an int), UDP {@code port}. */
    void onLinkEndpoint(long droneId, int address, int port);

    /** A drone answered; {@code status} is only valid during the call. */
    void onCommandStatus(CommandStatusDecoder status, long receivedAtNanos);
}
