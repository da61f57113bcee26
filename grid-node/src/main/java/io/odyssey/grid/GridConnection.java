package io.odyssey.grid;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import io.odyssey.runtime.HealthCheck;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A grid client as every Odyssey process that is not a member holds it: connected at start (waiting, with back-off,
 * until the grid is there), tracking whether it is connected now, and reporting that as a health check. While
 * disconnected the client keeps retrying; the process keeps running.
 */
public final class GridConnection implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(GridConnection.class);

    private final HazelcastInstance client;
    private final String clusterName;
    private final AtomicBoolean connected = new AtomicBoolean(true);
    /** Set before our own shutdown: the disconnect that follows is the stop, not an outage to warn of. */
    private final AtomicBoolean closing = new AtomicBoolean();

    private GridConnection(final HazelcastInstance client, final String clusterName, final String whenLost)
    {
        this.client = client;
        this.clusterName = clusterName;
        client.getLifecycleService().addLifecycleListener(event ->
        {
            if (event.getState() == LifecycleEvent.LifecycleState.CLIENT_DISCONNECTED)
            {
                connected.set(false);
                if (!closing.get())
                {
                    LOG.warn("lost the grid connection; {}", whenLost);
                }
            }
            else if (event.getState() == LifecycleEvent.LifecycleState.CLIENT_CONNECTED)
            {
                connected.set(true);
                LOG.info("grid connection restored");
            }
        });
    }

    /**
     * @param instanceName unique within the JVM (tests run several processes in one).
     * @param whenLost     what the process does while disconnected, for the log line.
     */
    public static GridConnection connect(
        final String clusterName, final List<String> members, final String instanceName, final String whenLost)
    {
        return connect(clusterName, members, instanceName, whenLost, config -> { });
    }

    /** @param tuning changes the process makes to {@link FleetGrid#clientConfig} (e.g. its event threads). */
    public static GridConnection connect(final String clusterName, final List<String> members, final String instanceName,
        final String whenLost, final java.util.function.Consumer<com.hazelcast.client.config.ClientConfig> tuning)
    {
        LOG.info("connecting to grid '{}' at {}", clusterName, members);
        final com.hazelcast.client.config.ClientConfig config = FleetGrid.clientConfig(clusterName, members, instanceName);
        tuning.accept(config);
        return new GridConnection(HazelcastClient.newHazelcastClient(config), clusterName, whenLost);
    }

    public HazelcastInstance client()
    {
        return client;
    }

    public boolean isConnected()
    {
        return connected.get() && client.getLifecycleService().isRunning();
    }

    public HealthCheck healthCheck()
    {
        return () -> isConnected() ? HealthCheck.Result.up("connected to " + clusterName) :
            HealthCheck.Result.down("not connected to the grid");
    }

    public void close()
    {
        closing.set(true);
        client.shutdown();
    }
}
