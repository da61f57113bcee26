package io.odyssey.mavlink.edge;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.odyssey.runtime.AeronTransport;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;

import java.util.List;

/**
 * One publication per ingest endpoint. A drone goes to endpoint {@code id % endpoints} while it is connected, else
 * to the next connected one, as simulated drones do, so a vehicle's frames keep flowing when one ingest node goes.
 */
class IngestOutlet implements AutoCloseable
{
    private final ExclusivePublication[] publications;

    IngestOutlet(final Aeron aeron, final List<String> endpoints, final int streamId)
    {
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

    /** @return whether an endpoint took the frame. */
    boolean offer(final long droneId, final DirectBuffer buffer, final int offset, final int length)
    {
        final int count = publications.length;
        final int home = (int)(droneId % count);
        for (int i = 0; i < count; i++)
        {
            final ExclusivePublication publication = publications[(home + i) % count];
            if (publication.isConnected() && publication.offer(buffer, offset, length) > 0)
            {
                return true;
            }
        }
        return false;
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

    int endpointCount()
    {
        return publications.length;
    }

    public void close()
    {
        CloseHelper.closeAll(publications);
    }
}
