package io.odyssey.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * A process's parts, started in the order given and stopped in reverse, one log line per part and event: a reader of
 * the log sees what was running when something failed, and a part is never stopped before the parts that use it.
 * <p>
 * A start that fails stops what had started (the failing part included, see {@link Component#stop()}) and rethrows;
 * a stop that fails is logged and the other parts are stopped all the same.
 */
public final class Components implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(Components.class);

    private final String role;
    private final Health health;
    private final List<Component> parts;
    private final Deque<Component> started = new ArrayDeque<>();
    private boolean startCalled;

    public Components(final String role, final Health health, final Component... parts)
    {
        this.role = role;
        this.health = health;
        this.parts = List.of(parts);
    }

    /**
     * Starts every part in order.
     *
     * @throws Exception the first part's failure to start, after whatever had started was stopped again.
     * @throws IllegalStateException when called twice.
     */
    public void start() throws Exception
    {
        if (startCalled)
        {
            throw new IllegalStateException(role + " parts were already started");
        }
        startCalled = true;
        for (final Component part : parts)
        {
            final long startNs = System.nanoTime();
            started.push(part);
            try
            {
                part.start();
            }
            catch (final Exception | Error ex)
            {
                LOG.warn("{}: {} did not start ({}); stopping it and the {} part(s) started before it", role,
                    part.name(), ex.toString(), started.size() - 1);
                close();
                throw ex;
            }
            part.health(health);
            final String detail = part.describe();
            LOG.info("{}: {} started in {} ms{}", role, part.name(), (System.nanoTime() - startNs) / 1_000_000,
                detail.isEmpty() ? "" : ": " + detail);
        }
    }

    /** Stops the parts started, newest first; again does nothing. */
    public void close()
    {
        while (!started.isEmpty())
        {
            final Component part = started.pop();
            try
            {
                part.stop();
                LOG.info("{}: {} stopped", role, part.name());
            }
            catch (final Exception ex)
            {
                // The others still stop: a part left running would hold a port, a file lock or a thread.
                LOG.warn("{}: {} did not stop cleanly", role, part.name(), ex);
            }
        }
    }
}
