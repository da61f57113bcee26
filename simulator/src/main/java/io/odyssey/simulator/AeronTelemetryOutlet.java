package io.odyssey.simulator;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.odyssey.runtime.AeronTransport;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;

import java.util.List;

/**
 * One {@link ExclusivePublication} per ingest endpoint (UDP unicast). Exclusive: only the publisher thread offers,
 * so the cheaper single-writer claim path applies.
 * <p>
 * With a command control endpoint for an ingest endpoint, the drones also open a command channel to that node: an
 * Aeron response channel. A subscription in {@code control-mode=response} asks the node's control endpoint for the
 * commands, and the telemetry publication names that subscription ({@code response-correlation-id}), so the node can
 * answer the image the telemetry arrives on. Every packet of it starts here, from behind any NAT, and the commands
 * come back the way the drones' own packets went out: the drones need no reachable address of their own.
 */
final class AeronTelemetryOutlet implements TelemetryOutlet, AutoCloseable
{
    private final List<String> endpoints;
    private final ExclusivePublication[] publications;
    private final Subscription[] commandChannels;

    AeronTelemetryOutlet(final Aeron aeron, final List<String> endpoints, final int streamId)
    {
        this(aeron, endpoints, streamId, List.of(), 0);
    }

    /**
     * @param controlEndpoints empty, or per endpoint the ingest node's command control endpoint.
     * @param commandStreamId  stream of the command channels.
     */
    AeronTelemetryOutlet(final Aeron aeron, final List<String> endpoints, final int streamId,
        final List<String> controlEndpoints, final int commandStreamId)
    {
        this.endpoints = List.copyOf(endpoints);
        publications = new ExclusivePublication[endpoints.size()];
        commandChannels = new Subscription[controlEndpoints.size()];
        try
        {
            for (int i = 0; i < publications.length; i++)
            {
                String channel = AeronTransport.udpChannel(endpoints.get(i));
                if (!controlEndpoints.isEmpty())
                {
                    commandChannels[i] = aeron.addSubscription(
                        AeronTransport.responseSubscriptionChannel(controlEndpoints.get(i)), commandStreamId);
                    channel = AeronTransport.withResponseChannel(channel, commandChannels[i].registrationId());
                }
                publications[i] = aeron.addExclusivePublication(channel, streamId);
            }
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(publications);
            CloseHelper.quietCloseAll(commandChannels);
            throw ex;
        }
    }

    /** The command channels opened through the ingest nodes' control endpoints (none without control endpoints). */
    List<Subscription> commandChannels()
    {
        return List.of(commandChannels);
    }

    public int endpointCount()
    {
        return publications.length;
    }

    public boolean isConnected(final int endpoint)
    {
        return publications[endpoint].isConnected();
    }

    public long offer(final int endpoint, final DirectBuffer buffer, final int offset, final int length)
    {
        return publications[endpoint].offer(buffer, offset, length);
    }

    String endpoint(final int index)
    {
        return endpoints.get(index);
    }

    int connectedCount()
    {
        int connected = 0;
        for (final ExclusivePublication publication : publications)
        {
            connected += publication.isConnected() ? 1 : 0;
        }
        return connected;
    }

    public void close()
    {
        CloseHelper.closeAll(publications);
        CloseHelper.closeAll(commandChannels);
    }
}
