package io.odyssey.gateway;

import com.hazelcast.client.impl.clientside.HazelcastClientProxy;
import com.hazelcast.client.impl.spi.impl.listener.ClientListenerServiceImpl;
import com.hazelcast.core.HazelcastInstance;

/**
 * The length of the grid client's own event queue: events read off the socket that its event threads have not handed to
 * a listener yet. Hazelcast exposes it only through its internal classes; a gauge that reads -1 is better than not
 * knowing whether a backlog forms there (the queue the gateway's {@link LatestEvents} exists to keep short).
 */
final class GridEventQueue
{
    private GridEventQueue()
    {
    }

    /** @return the number of events queued, or -1 when this client does not tell (another Hazelcast version). */
    static int size(final HazelcastInstance client)
    {
        try
        {
            if (client instanceof HazelcastClientProxy proxy && proxy.client != null &&
                proxy.client.getListenerService() instanceof ClientListenerServiceImpl listeners)
            {
                return listeners.getEventExecutor().getWorkQueueSize();
            }
        }
        catch (final RuntimeException | LinkageError ex)
        {
            return -1;
        }
        return -1;
    }
}
