package io.odyssey.gateway;

import io.undertow.websockets.core.WebSocketCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongHashSet;
import org.agrona.concurrent.EpochNanoClock;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One connected client: its subscription, the drones changed (or gone) since its last frame, and how many bytes it
 * has not yet taken off the wire.
 * <p>
 * Memory is bounded whatever the client does: the dirty and removed sets hold at most one id per drone, and while
 * its unsent bytes exceed the bound the client simply gets no frame (its drones stay dirty, so the next frame it
 * does get carries their newest state). All state is guarded by the session's monitor; frames are handed to
 * Undertow under it so they leave in the order they were built.
 */
final class ClientSession
{
    private final WebSocketChannel channel;
    private final GatewayMetrics metrics;
    private final long maxPendingBytes;
    private final long stallTimeoutNs;
    private final LongHashSet dirty = new LongHashSet();
    private final LongHashSet removed = new LongHashSet();
    private final LongHashSet visible = new LongHashSet();
    /**
     * Sequence last sent per visible drone. A change can race a snapshot (its event reaches this session after the
     * snapshot already carried it); this keeps the promise that a client sees each drone's sequence only grow.
     */
    private final Long2LongHashMap sentSequence = new Long2LongHashMap(Long.MIN_VALUE);
    private final AtomicLong pendingBytes = new AtomicLong();
    private BoundingBox bbox;
    private long lastSentNs;
    private long overBoundSinceNs;
    private boolean closed;

    ClientSession(final WebSocketChannel channel, final GatewayMetrics metrics, final long maxPendingBytes, final long stallTimeoutNs)
    {
        this.channel = channel;
        this.metrics = metrics;
        this.maxPendingBytes = maxPendingBytes;
        this.stallTimeoutNs = stallTimeoutNs;
        this.lastSentNs = System.nanoTime() - Long.MAX_VALUE / 4;
    }

    /**
     * A drone changed (or left the fleet map when {@code view} is null). Called on Hazelcast event threads.
     *
     * @return true when this session had nothing pending and its last frame is older than {@code quietNs}: the
     * fan-out should send now rather than at its next tick.
     */
    synchronized boolean onChange(final long droneId, final DroneView view, final long nowNs, final long quietNs)
    {
        if (closed)
        {
            return false;
        }
        final boolean wasIdle = dirty.isEmpty() && removed.isEmpty();
        if (view != null && (bbox == null || bbox.contains(view.state.latitude(), view.state.longitude())))
        {
            dirty.add(droneId);
            removed.remove(droneId);
            visible.add(droneId);
        }
        else if (visible.remove(droneId))
        {
            dirty.remove(droneId);
            sentSequence.remove(droneId);
            removed.add(droneId);
        }
        else
        {
            return false;
        }
        return wasIdle && nowNs - lastSentNs >= quietNs;
    }

    synchronized boolean hasChanges()
    {
        return !dirty.isEmpty() || !removed.isEmpty();
    }

    synchronized long lastSentNs()
    {
        return lastSentNs;
    }

    long pendingBytes()
    {
        return pendingBytes.get();
    }

    /** Replaces the subscription and sends a snapshot of every drone in it. Called on the I/O thread. */
    synchronized void subscribe(final BoundingBox newBox, final Map<Long, DroneView> fleet, final EpochNanoClock clock)
    {
        bbox = newBox;
        dirty.clear();
        removed.clear();
        visible.clear();
        sentSequence.clear();
        final StringBuilder frame = new StringBuilder(128 + fleet.size() * 330).append("{\"type\":\"snapshot\",\"bbox\":");
        appendBox(frame, newBox);
        frame.append(",\"drones\":[");
        boolean first = true;
        for (final DroneView view : fleet.values())
        {
            if (newBox == null || newBox.contains(view.state.latitude(), view.state.longitude()))
            {
                visible.add(view.id());
                sentSequence.put(view.id(), view.state.sequence());
                frame.append(first ? "" : ",").append(view.json());
                first = false;
            }
        }
        frame.append("]}");
        lastSentNs = System.nanoTime();
        send(frame.toString());
    }

    /**
     * Sends one {@code changes} frame with the newest state of every dirty drone, unless the client is behind.
     * Called on the fan-out thread.
     */
    synchronized void flush(final Map<Long, DroneView> fleet, final long nowNs, final EpochNanoClock clock)
    {
        if (closed || (dirty.isEmpty() && removed.isEmpty()))
        {
            return;
        }
        if (pendingBytes.get() > maxPendingBytes)
        {
            metrics.framesSkipped.increment();
            if (overBoundSinceNs == 0)
            {
                overBoundSinceNs = nowNs;
            }
            else if (nowNs - overBoundSinceNs > stallTimeoutNs)
            {
                metrics.clientsClosedSlow.increment();
                close();
            }
            return;
        }
        overBoundSinceNs = 0;
        final long epochNow = clock.nanoTime();
        final StringBuilder frame = new StringBuilder(64 + dirty.size() * 330).append("{\"type\":\"changes\",\"drones\":[");
        boolean first = true;
        final LongHashSet.LongIterator ids = dirty.iterator();
        while (ids.hasNext())
        {
            final long id = ids.nextValue();
            final DroneView view = fleet.get(id);
            if (view == null)
            {
                visible.remove(id);
                sentSequence.remove(id);
                removed.add(id);
                continue;
            }
            if (view.state.sequence() <= sentSequence.get(id))
            {
                continue;
            }
            sentSequence.put(id, view.state.sequence());
            frame.append(first ? "" : ",").append(view.json());
            first = false;
            metrics.wsSent.record(epochNow - view.state.sentAtNanos());
        }
        if (first && removed.isEmpty())
        {
            // Everything dirty had already gone out (in a snapshot): nothing new to say.
            dirty.clear();
            return;
        }
        frame.append("],\"removed\":[");
        first = true;
        final LongHashSet.LongIterator gone = removed.iterator();
        while (gone.hasNext())
        {
            frame.append(first ? "" : ",").append(gone.nextValue());
            first = false;
        }
        frame.append("]}");
        dirty.clear();
        removed.clear();
        lastSentNs = nowNs;
        send(frame.toString());
    }

    /** Any message outside the fan-out (hello, errors, pong), in order with the frames. */
    synchronized void send(final String text)
    {
        if (closed)
        {
            return;
        }
        final long length = text.length();
        pendingBytes.addAndGet(length);
        metrics.framesSent.increment();
        metrics.bytesSent.add(length);
        WebSockets.sendText(text, channel, new WebSocketCallback<Void>()
        {
            public void complete(final WebSocketChannel channel, final Void context)
            {
                pendingBytes.addAndGet(-length);
            }

            public void onError(final WebSocketChannel channel, final Void context, final Throwable throwable)
            {
                pendingBytes.addAndGet(-length);
            }
        });
    }

    synchronized void close()
    {
        if (!closed)
        {
            closed = true;
            dirty.clear();
            removed.clear();
            visible.clear();
            WebSockets.sendClose(1008, "too slow: fell behind the fleet feed", channel, null);
        }
    }

    synchronized void markClosed()
    {
        closed = true;
        dirty.clear();
        removed.clear();
        visible.clear();
    }

    private static void appendBox(final StringBuilder out, final BoundingBox box)
    {
        if (box == null)
        {
            out.append("null");
        }
        else
        {
            out.append('[').append(box.west()).append(',').append(box.south()).append(',')
                .append(box.east()).append(',').append(box.north()).append(']');
        }
    }
}
