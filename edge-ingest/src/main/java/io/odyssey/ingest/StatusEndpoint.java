package io.odyssey.ingest;

import io.odyssey.runtime.Component;
import io.odyssey.runtime.Health;
import io.odyssey.runtime.Metrics;
import io.odyssey.runtime.StatusServer;
import org.agrona.CloseHelper;

/** {@code /health} and {@code /metrics}: started last, when every check is registered, and stopped first. */
final class StatusEndpoint implements Component
{
    private final String host;
    private final int port;
    private final Metrics metrics;
    private final Health health;
    private StatusServer server;

    StatusEndpoint(final String host, final int port, final Metrics metrics, final Health health)
    {
        this.host = host;
        this.port = port;
        this.metrics = metrics;
        this.health = health;
    }

    public String name()
    {
        return "status";
    }

    public void start() throws Exception
    {
        server = new StatusServer(host, port, metrics, health);
    }

    public String describe()
    {
        return "http://" + host + ":" + server.port() + "/health, /metrics";
    }

    /** The port served on (the chosen one when configured as 0). */
    int port()
    {
        return server.port();
    }

    public void stop()
    {
        CloseHelper.quietClose(server);
    }
}
