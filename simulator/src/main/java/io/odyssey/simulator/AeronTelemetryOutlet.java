package io.odyssey.simulator;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.odyssey.runtime.AeronTransport;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;

import java.util.List;

/**
 * One {@link ExclusivePublication} per ingest endpoint (UDP unicast). Exclusive: only the publisher thread offers,
 * so the cheaper single-writer claim path applies.
 */
final class AeronTelemetryOutlet implements TelemetryOutlet, AutoCloseable
{
    private final List<String> endpoints;
    private final ExclusivePublication[] publications;

    AeronTelemetryOutlet(final Aeron aeron, final List<String> endpoints, final int streamId)
    {
        this.endpoints = List.copyOf(endpoints);
        publications = new ExclusivePublication[endpoints.size()];
        try
        {
            for (int i = 0; i < publications.length; i++)
            {
                publications[i] = aeron.addExclusivePublication(AeronTransport.udpChannel(endpoints.get(i)), streamId);
            }
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(publications);
            throw ex;
        }
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
    }
}
