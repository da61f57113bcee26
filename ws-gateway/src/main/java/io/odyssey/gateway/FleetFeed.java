package io.odyssey.gateway;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.odyssey.grid.DroneState;
import org.agrona.concurrent.EpochNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The gateway's view of the fleet, driven by a continuous query on the fleet map (an entry listener: the grid
 * pushes every change once; nothing polls), and the fan-out thread that turns changes into one frame per client per
 * coalescing interval.
 */
final class FleetFeed implements AutoCloseable, Runnable,
    EntryAddedListener<Long, DroneState>, EntryUpdatedListener<Long, DroneState>,
    EntryRemovedListener<Long, DroneState>, EntryEvictedListener<Long, DroneState>, EntryExpiredListener<Long, DroneState>
{
    private static final Logger LOG = LoggerFactory.getLogger(FleetFeed.class);

    private final IMap<Long, DroneState> fleetMap;
    private final EpochNanoClock clock;
    private final GatewayMetrics metrics;
    private final long coalesceNs;
    private final Map<Long, DroneView> fleet = new ConcurrentHashMap<>();
    private final CopyOnWriteArrayList<ClientSession> sessions = new CopyOnWriteArrayList<>();
    private final Thread fanOut;
    private volatile boolean running = true;
    private UUID listenerId;

    FleetFeed(final IMap<Long, DroneState> fleetMap, final EpochNanoClock clock, final GatewayMetrics metrics, final long coalesceMs)
    {
        this.fleetMap = fleetMap;
        this.clock = clock;
        this.metrics = metrics;
        this.coalesceNs = TimeUnit.MILLISECONDS.toNanos(coalesceMs);
        fanOut = new Thread(this, "ws-fan-out");
        fanOut.setDaemon(true);
    }

    /** Registers the listener first, then loads the current entries once: no change can fall between the two. */
    void start()
    {
        listenerId = fleetMap.addEntryListener(this, true);
        int loaded = 0;
        for (final DroneState state : fleetMap.values())
        {
            merge(state);
            loaded++;
        }
        fanOut.start();
        LOG.info("fleet feed live: listening to map '{}', {} drones loaded", fleetMap.getName(), loaded);
    }

    boolean listening()
    {
        return listenerId != null && running;
    }

    Map<Long, DroneView> fleet()
    {
        return fleet;
    }

    int sessionCount()
    {
        return sessions.size();
    }

    long maxPendingBytes()
    {
        long max = 0;
        for (final ClientSession session : sessions)
        {
            max = Math.max(max, session.pendingBytes());
        }
        return max;
    }

    void add(final ClientSession session)
    {
        sessions.add(session);
    }

    void remove(final ClientSession session)
    {
        session.markClosed();
        sessions.remove(session);
    }

    public void entryAdded(final EntryEvent<Long, DroneState> event)
    {
        onEvent(event.getValue());
    }

    public void entryUpdated(final EntryEvent<Long, DroneState> event)
    {
        onEvent(event.getValue());
    }

    public void entryRemoved(final EntryEvent<Long, DroneState> event)
    {
        onGone(event.getKey());
    }

    public void entryEvicted(final EntryEvent<Long, DroneState> event)
    {
        onGone(event.getKey());
    }

    public void entryExpired(final EntryEvent<Long, DroneState> event)
    {
        onGone(event.getKey());
    }

    private void onEvent(final DroneState state)
    {
        metrics.events.increment();
        if (state == null)
        {
            return;
        }
        final DroneView view = merge(state);
        if (view == null)
        {
            metrics.staleEvents.increment();
            return;
        }
        metrics.gatewayReceived.record(view.gatewayNanos - state.sentAtNanos());
        final long now = System.nanoTime();
        boolean wake = false;
        for (final ClientSession session : sessions)
        {
            wake |= session.onChange(state.droneId(), view, now, coalesceNs);
        }
        if (wake)
        {
            LockSupport.unpark(fanOut);
        }
    }

    private void onGone(final Long droneId)
    {
        metrics.events.increment();
        fleet.remove(droneId);
        final long now = System.nanoTime();
        boolean wake = false;
        for (final ClientSession session : sessions)
        {
            wake |= session.onChange(droneId, null, now, coalesceNs);
        }
        if (wake)
        {
            LockSupport.unpark(fanOut);
        }
    }

    /** Keeps the highest sequence per drone: events and the initial load may arrive in any order. */
    private DroneView merge(final DroneState state)
    {
        final DroneView candidate = new DroneView(state, clock.nanoTime());
        final DroneView result = fleet.merge(state.droneId(), candidate,
            (current, incoming) -> incoming.state.sequence() > current.state.sequence() ? incoming : current);
        return result == candidate ? candidate : null;
    }

    /** The fan-out loop: every coalescing interval (or at once when woken) each client with changes gets a frame. */
    public void run()
    {
        final long tickNs = coalesceNs > 0 ? coalesceNs : TimeUnit.MILLISECONDS.toNanos(1);
        while (running)
        {
            final long now = System.nanoTime();
            for (final ClientSession session : sessions)
            {
                if (now - session.lastSentNs() >= coalesceNs && session.hasChanges())
                {
                    try
                    {
                        session.flush(fleet, now, clock);
                    }
                    catch (final RuntimeException ex)
                    {
                        LOG.warn("sending to a client failed: {}", ex.toString());
                    }
                }
            }
            LockSupport.parkNanos(this, tickNs);
        }
    }

    public void close()
    {
        running = false;
        LockSupport.unpark(fanOut);
        if (listenerId != null)
        {
            try
            {
                fleetMap.removeEntryListener(listenerId);
            }
            catch (final RuntimeException ex)
            {
                LOG.debug("could not remove the fleet listener on close: {}", ex.toString());
            }
        }
        try
        {
            fanOut.join(2_000);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
