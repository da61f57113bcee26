package io.odyssey.gateway;

import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongHashSet;
import org.agrona.concurrent.EpochNanoClock;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/**
 * One connected client: its subscription, its encoding (JSON text, or {@code odyssey.bin.v1} binary frames), the
 * drones changed (or gone) since its last frame, how many bytes it has not yet taken off the wire and, when it opted
 * in to flow control, how many frames it has not yet acknowledged.
 * <p>
 * Memory is bounded whatever the client does: the dirty, removed and visible sets hold at most one id per drone,
 * and while its unsent bytes exceed the bound the client gets no frame (its drones stay dirty, so the next frame it
 * does get carries their newest state) and no answers to pings or garbage; a snapshot it asked for waits until it
 * has caught up. So its backlog stays under the bound plus one frame. A client with flow control gets a frame only
 * while fewer than its window are unacknowledged, and is otherwise conflated the same way: it costs the gateway a
 * frame per acknowledgement, whatever it could not take.
 * <p>
 * Threads: Hazelcast event threads call {@link #onChange} (and the alert and command feeds {@link #reply}), the
 * connection's I/O thread {@link #reply}, {@link #requestSnapshot} and, from the channel's close task,
 * {@link #close}; the fan-out thread {@link #dueNs} and {@link #flush} (the only place fleet frames are built).
 * Times are {@link System#nanoTime()} values passed in by the caller.
 * <p>
 * <b>Lock order: the channel, then the session; never the session, then the channel.</b> All state is guarded by
 * the session's monitor. Undertow holds the WebSocket channel's lock while it sends and while its I/O thread runs the
 * channel's close task (which closes this session), so the session's monitor is never held while calling the
 * {@link Link}: a frame is built and appended to the outbox under the monitor, and handed to the link after the
 * monitor is released by whichever thread is draining the outbox (one at a time, oldest first). Frames therefore
 * leave in the order they were built, and no thread ever waits for the channel while holding the session.
 */
final class ClientSession
{
    /** {@link #dueNs()} of a session with nothing to send. */
    static final long NOT_DUE = Long.MAX_VALUE;
    /** WebSocket close code for a client that stayed behind (RFC 6455 "policy violation"). */
    static final int CLOSE_POLICY_VIOLATION = 1008;
    /** WebSocket close code for a client message above every bound (RFC 6455 "message too big"). */
    static final int CLOSE_TOO_BIG = 1009;
    /** WebSocket close code when the gateway itself failed to serve the client. */
    static final int CLOSE_INTERNAL_ERROR = 1011;
    /** WebSocket close code when the gateway shuts down (RFC 6455 "going away"). */
    static final int CLOSE_GOING_AWAY = 1001;
    /** A client behind the bound is retried no more often than this, even without coalescing. */
    static final long MIN_RETRY_NS = TimeUnit.MILLISECONDS.toNanos(5);
    /** The largest flow-control window a client may ask for (announced in {@code hello}). */
    static final int MAX_WINDOW = 64;

    /** The connection to the client, as the session needs it (Undertow's in production, a fake in unit tests). */
    interface Link
    {
        /**
         * Hands one complete UTF-8 text frame to the network without blocking.
         *
         * @param written called once with the frame's size when it has left (or failed to).
         */
        void sendText(ByteBuffer frame, IntConsumer written);

        /** Hands one complete binary frame to the network without blocking, as {@link #sendText} does. */
        void sendBinary(ByteBuffer frame, IntConsumer written);

        /** Closes the connection with this WebSocket close code and reason (and drops it if the client is stuck). */
        void close(int code, String reason);

        /** Sends a WebSocket ping (the client's pong proves the connection is alive), without blocking. */
        void ping();
    }

    /** A frame waiting in the outbox, and how it goes on the wire. */
    private record Outgoing(ByteBuffer frame, boolean binary)
    {
    }

    private final Link link;
    private final GatewayMetrics metrics;
    private final boolean binary;
    private final long maxPendingBytes;
    private final long stallTimeoutNs;
    private final long coalesceNs;
    private final long retryNs;
    private final IntConsumer written = this::onWritten;
    private final LongHashSet dirty = new LongHashSet();
    private final LongHashSet removed = new LongHashSet();
    /** Drones the client holds now (matched its subscription when last told), so leaving the box can be reported. */
    private final LongHashSet visible = new LongHashSet();
    /**
     * Sequence last sent per visible drone. A change can race a snapshot (its event reaches this session after the
     * snapshot already carried it); this keeps the promise that a client sees each drone's sequence only grow.
     */
    private final Long2LongHashMap sentSequence = new Long2LongHashMap(Long.MIN_VALUE);
    private final AtomicLong pendingBytes = new AtomicLong();
    /** Frames built and not yet handed to the link, oldest first; bounded because frames are only built under the bound. */
    private final ArrayDeque<Outgoing> outbox = new ArrayDeque<>();
    /** Threads that asked for a drain; only the one that raised it from zero drains (see {@link #drain}). */
    private final AtomicInteger drainRequests = new AtomicInteger();
    /** A close the gateway decided on, for the drainer to hand to the link after the frames before it; 0 = none. */
    private int closeCode;
    private String closeReason;
    private BoundingBox bbox;
    private boolean snapshotWanted;
    private long lastFrameNs;
    private long retryAtNs;
    private long behindSinceNs;
    private boolean behind;
    private boolean closed;
    /** Number of the last {@code snapshot} or {@code changes} frame built (frames are numbered from 1). */
    private long framesBuilt;
    /** The highest frame number the client acknowledged. */
    private long framesAcked;
    /** Flow-control window: frames the client may have unacknowledged; 0 = it never opted in (byte bound only). */
    private int window;
    private boolean held;
    /** Since when the client's window has been full without an acknowledgement. */
    private long heldSinceNs;
    /** Size of the node table the (binary) client was last sent; -1 = none yet. */
    private int nodesSent = -1;

    /** A JSON client. */
    ClientSession(
        final Link link,
        final GatewayMetrics metrics,
        final long maxPendingBytes,
        final long stallTimeoutNs,
        final long coalesceNs,
        final long nowNs)
    {
        this(link, metrics, maxPendingBytes, stallTimeoutNs, coalesceNs, nowNs, false);
    }

    /** @param binary the client negotiated {@code odyssey.bin.v1}: its fleet frames are binary. */
    ClientSession(
        final Link link,
        final GatewayMetrics metrics,
        final long maxPendingBytes,
        final long stallTimeoutNs,
        final long coalesceNs,
        final long nowNs,
        final boolean binary)
    {
        this.link = link;
        this.metrics = metrics;
        this.binary = binary;
        this.maxPendingBytes = maxPendingBytes;
        this.stallTimeoutNs = stallTimeoutNs;
        this.coalesceNs = coalesceNs;
        this.retryNs = Math.max(coalesceNs, MIN_RETRY_NS);
        this.lastFrameNs = nowNs - coalesceNs;
        this.retryAtNs = nowNs;
    }

    /**
     * A drone changed, or left the fleet map when {@code view} is null. Called on Hazelcast event threads after the
     * fleet view holds {@code view}.
     *
     * @return when this session should be flushed if the change gave it something to send it did not have
     * ({@link #NOT_DUE} otherwise): the fan-out is woken if it would sleep past that.
     */
    synchronized long onChange(final long droneId, final DroneView view, final long nowNs)
    {
        if (closed)
        {
            return NOT_DUE;
        }
        final boolean hadWork = hasWork();
        if (view != null && view.isInside(bbox))
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
            return NOT_DUE;
        }
        return hadWork ? NOT_DUE : dueNs();
    }

    /**
     * Replaces the subscription; the fan-out sends a snapshot of it as soon as the client is not behind.
     *
     * @param box null for the whole fleet.
     * @return when the snapshot is due.
     */
    synchronized long requestSnapshot(final BoundingBox box)
    {
        if (closed)
        {
            return NOT_DUE;
        }
        bbox = box;
        snapshotWanted = true;
        return dueNs();
    }

    boolean isBinary()
    {
        return binary;
    }

    /**
     * The client opts in to flow control (or changes its window): from now on it gets a fleet frame only while fewer
     * than {@code frames} are unacknowledged.
     *
     * @param frames 1..{@link #MAX_WINDOW} (checked by the caller).
     * @return when the session is due.
     */
    synchronized long flow(final int frames, final long nowNs)
    {
        window = frames;
        retryAtNs = Math.min(retryAtNs, nowNs);
        return dueNs();
    }

    /**
     * The client applied every frame up to {@code frame}. An acknowledgement below the last one changes nothing.
     *
     * @return false when {@code frame} names a frame not built yet (the caller answers {@code BAD_ACK}).
     */
    synchronized boolean ack(final long frame, final long nowNs)
    {
        if (frame > framesBuilt)
        {
            return false;
        }
        if (frame > framesAcked)
        {
            framesAcked = frame;
            held = false;
            // A client waiting for its window is due at once, not at the next retry.
            retryAtNs = Math.min(retryAtNs, nowNs);
        }
        return true;
    }

    /** Frames sent and not yet acknowledged (0 for a client that never acknowledged and never opted in: by bytes). */
    synchronized long unacknowledged()
    {
        return framesBuilt - framesAcked;
    }

    /** When the fan-out should next call {@link #flush}: {@link #NOT_DUE} when there is nothing to send. */
    synchronized long dueNs()
    {
        if (closed || !hasWork())
        {
            return NOT_DUE;
        }
        // A snapshot answers the client at once; changes wait for the coalescing interval since the last frame.
        return snapshotWanted ? retryAtNs : Math.max(lastFrameNs + coalesceNs, retryAtNs);
    }

    /**
     * Sends the snapshot asked for, or one {@code changes} frame with the newest state of every dirty drone and the
     * ids that left; or, while the client is behind, nothing (closing it once it has been behind for too long).
     * Called on the fan-out thread only.
     */
    void flush(
        final Map<Long, DroneView> fleet,
        final long nowNs,
        final FrameWriter writer,
        final DroneJson encoder,
        final DroneRecords records,
        final EpochNanoClock clock)
    {
        synchronized (this)
        {
            buildFrame(fleet, nowNs, writer, encoder, records, clock);
        }
        drain();
    }

    /**
     * Sends a small message outside the fan-out (hello, pong, error, alerts, commands) unless the client is behind: a
     * client that does not read while it keeps sending must not make the gateway queue answers without bound.
     *
     * @return true when sent.
     */
    boolean reply(final String json)
    {
        synchronized (this)
        {
            if (closed)
            {
                return false;
            }
            if (pendingBytes.get() > maxPendingBytes)
            {
                metrics.repliesDropped.increment();
                return false;
            }
            queue(FrameWriter.utf8(json), false);
        }
        drain();
        return true;
    }

    /** Pings the client so that a live connection shows traffic; not while it is behind (it is not reading). */
    void keepAlive()
    {
        synchronized (this)
        {
            if (closed || pendingBytes.get() > maxPendingBytes)
            {
                return;
            }
        }
        link.ping();
    }

    long pendingBytes()
    {
        return pendingBytes.get();
    }

    synchronized boolean isClosed()
    {
        return closed;
    }

    /**
     * The connection is gone (or going): nothing more is tracked or sent, frames not yet handed to the link are
     * dropped.
     *
     * @param why counted in {@code odyssey_ws_clients_closed_total} if this call is the one that closed the session.
     * @return true when this call closed the session (false when it was closed already).
     */
    synchronized boolean close(final CloseReason why)
    {
        if (closed)
        {
            return false;
        }
        closed = true;
        snapshotWanted = false;
        dirty.clear();
        removed.clear();
        visible.clear();
        sentSequence.clear();
        long dropped = 0;
        for (final Outgoing outgoing : outbox)
        {
            dropped += outgoing.frame().remaining();
        }
        outbox.clear();
        pendingBytes.addAndGet(-dropped);
        metrics.clientClosed(why);
        return true;
    }

    /**
     * The gateway closes the connection: the session closes at once, and the link is told (after the session's
     * monitor is released, like every call into the link).
     */
    void closeWith(final int code, final String reason, final CloseReason why)
    {
        synchronized (this)
        {
            queueClose(code, reason, why);
        }
        drain();
    }

    /** Serving this client failed in the gateway: close it rather than leave it without updates. */
    void fail()
    {
        closeWith(CLOSE_INTERNAL_ERROR, "gateway error", CloseReason.ERROR);
    }

    /** Builds the next frame into the outbox, or decides to close the client; under the monitor. */
    private void buildFrame(
        final Map<Long, DroneView> fleet,
        final long nowNs,
        final FrameWriter writer,
        final DroneJson encoder,
        final DroneRecords records,
        final EpochNanoClock clock)
    {
        if (closed || !hasWork())
        {
            return;
        }
        if (pendingBytes.get() > maxPendingBytes)
        {
            metrics.framesSkipped.increment();
            if (!behind)
            {
                behind = true;
                behindSinceNs = nowNs;
            }
            else if (closedAsStalled(behindSinceNs, nowNs, "too slow: fell behind the fleet feed"))
            {
                return;
            }
            retryAtNs = nowNs + retryNs;
            return;
        }
        behind = false;
        if (window > 0 && framesBuilt - framesAcked >= window)
        {
            // The client has not applied what it has: it gets nothing more now, its drones stay dirty, and the frame
            // its next acknowledgement lets through carries the newest state of each.
            metrics.framesHeld.increment();
            if (!held)
            {
                held = true;
                heldSinceNs = nowNs;
            }
            else if (closedAsStalled(heldSinceNs, nowNs, "too slow: acknowledged nothing for too long"))
            {
                return;
            }
            retryAtNs = nowNs + retryNs;
            return;
        }
        final long frame = framesBuilt + 1;
        final boolean built;
        if (binary)
        {
            built = snapshotWanted ? writeBinarySnapshot(fleet, writer, records, frame, clock) :
                writeBinaryChanges(fleet, writer, records, frame, clock);
        }
        else
        {
            built = snapshotWanted ? writeSnapshot(fleet, writer, encoder, frame) :
                writeChanges(fleet, writer, encoder, frame, clock);
        }
        if (!built)
        {
            return;
        }
        framesBuilt = frame;
        lastFrameNs = nowNs;
        if (binary && records.nodes().size() != nodesSent)
        {
            // Read after the records were encoded: every node index in the frame is in the table the client gets.
            nodesSent = records.nodes().size();
            queue(FrameWriter.utf8(records.nodes().message()), false);
        }
        queue(writer.toByteBuffer(), binary);
    }

    private void queueClose(final int code, final String reason, final CloseReason why)
    {
        if (close(why))
        {
            closeCode = code;
            closeReason = reason;
        }
    }

    private boolean hasWork()
    {
        return snapshotWanted || !dirty.isEmpty() || !removed.isEmpty();
    }

    /**
     * One rule for both ways a client stops taking frames (unsent bytes above the bound, a full window without an
     * acknowledgement): after the stall timeout it is closed as slow.
     */
    private boolean closedAsStalled(final long sinceNs, final long nowNs, final String why)
    {
        if (nowNs - sinceNs < stallTimeoutNs)
        {
            return false;
        }
        metrics.clientsClosedSlow.increment();
        queueClose(CLOSE_POLICY_VIOLATION, why, CloseReason.SLOW);
        return true;
    }

    /** Forgets what the client held before a snapshot replaces it. */
    private void startSnapshot()
    {
        snapshotWanted = false;
        dirty.clear();
        removed.clear();
        visible.clear();
        sentSequence.clear();
    }

    private boolean writeSnapshot(
        final Map<Long, DroneView> fleet, final FrameWriter writer, final DroneJson encoder, final long frame)
    {
        startSnapshot();
        int drones = 0;
        writer.reset().ascii("{\"type\":\"snapshot\",\"bbox\":").ascii(bbox == null ? "null" : bbox.toJson())
            .ascii(",\"drones\":[");
        boolean first = true;
        for (final DroneView view : fleet.values())
        {
            if (view.isInside(bbox))
            {
                visible.add(view.id());
                sentSequence.put(view.id(), view.sequence());
                if (!first)
                {
                    writer.ascii(',');
                }
                writer.bytes(view.json(encoder));
                first = false;
                drones++;
            }
        }
        writer.ascii("],\"frame\":").number(frame).ascii('}');
        metrics.dronesSentJson.add(drones);
        return true;
    }

    /** @return false when there turned out to be nothing new to say (no frame). */
    private boolean writeChanges(final Map<Long, DroneView> fleet, final FrameWriter writer, final DroneJson encoder,
        final long frame, final EpochNanoClock clock)
    {
        final long epochNow = clock.nanoTime();
        writer.reset().ascii("{\"type\":\"changes\",\"drones\":[");
        boolean first = true;
        int drones = 0;
        final LongHashSet.LongIterator ids = dirty.iterator();
        while (ids.hasNext())
        {
            final DroneView view = nextChanged(fleet, ids.nextValue());
            if (view == null)
            {
                continue;
            }
            if (!first)
            {
                writer.ascii(',');
            }
            writer.bytes(view.json(encoder));
            first = false;
            drones++;
            metrics.wsSent.record(epochNow - view.state.sentAtNanos());
        }
        dirty.clear();
        if (first && removed.isEmpty())
        {
            return false;
        }
        metrics.dronesSentJson.add(drones);
        writer.ascii("],\"removed\":[");
        first = true;
        final LongHashSet.LongIterator gone = removed.iterator();
        while (gone.hasNext())
        {
            if (!first)
            {
                writer.ascii(',');
            }
            writer.number(gone.nextValue());
            first = false;
        }
        removed.clear();
        writer.ascii("],\"frame\":").number(frame).ascii('}');
        return true;
    }

    /**
     * The view of a dirty drone to send in a {@code changes} frame, or null when there is nothing to send for it
     * (moving it to 'removed' if it left the fleet map).
     */
    private DroneView nextChanged(final Map<Long, DroneView> fleet, final long id)
    {
        final DroneView view = fleet.get(id);
        if (view == null)
        {
            // Left the fleet map: its removal event reaches (or reached) this session too; report it once.
            if (visible.remove(id))
            {
                sentSequence.remove(id);
                removed.add(id);
            }
            return null;
        }
        if (!view.isInside(bbox) || view.sequence() <= sentSequence.get(id))
        {
            // Outside: the newer version's own event moves the drone to 'removed' for this session. Not newer:
            // a snapshot already carried it.
            return null;
        }
        sentSequence.put(id, view.sequence());
        return view;
    }

    private boolean writeBinarySnapshot(final Map<Long, DroneView> fleet, final FrameWriter writer,
        final DroneRecords records, final long frame, final EpochNanoClock clock)
    {
        startSnapshot();
        writer.beginBinary(bbox);
        final int fleetSize = fleet.size();
        int drones = 0;
        for (final DroneView view : fleet.values())
        {
            if (view.isInside(bbox))
            {
                visible.add(view.id());
                sentSequence.put(view.id(), view.sequence());
                writer.record(records.buffer(), records.offsetOf(view, fleetSize));
                drones++;
            }
        }
        writer.finishBinary(DroneBinary.SNAPSHOT, frame, bbox != null, drones, 0, clock.nanoTime());
        metrics.dronesSentBinary.add(drones);
        return true;
    }

    private boolean writeBinaryChanges(final Map<Long, DroneView> fleet, final FrameWriter writer,
        final DroneRecords records, final long frame, final EpochNanoClock clock)
    {
        final long epochNow = clock.nanoTime();
        writer.beginBinary(null);
        final int fleetSize = fleet.size();
        int drones = 0;
        final LongHashSet.LongIterator ids = dirty.iterator();
        while (ids.hasNext())
        {
            final DroneView view = nextChanged(fleet, ids.nextValue());
            if (view != null)
            {
                writer.record(records.buffer(), records.offsetOf(view, fleetSize));
                drones++;
                metrics.wsSent.record(epochNow - view.state.sentAtNanos());
            }
        }
        dirty.clear();
        if (drones == 0 && removed.isEmpty())
        {
            return false;
        }
        final int gone = removed.size();
        final LongHashSet.LongIterator leaving = removed.iterator();
        while (leaving.hasNext())
        {
            writer.removedId(leaving.nextValue());
        }
        removed.clear();
        writer.finishBinary(DroneBinary.CHANGES, frame, false, drones, gone, epochNow);
        metrics.dronesSentBinary.add(drones);
        return true;
    }

    /** Appends a frame to the outbox; under the monitor. Its bytes count as pending from now on. */
    private void queue(final ByteBuffer frame, final boolean binaryFrame)
    {
        final int length = frame.remaining();
        pendingBytes.addAndGet(length);
        metrics.framesSent.increment();
        metrics.bytesSent.add(length);
        if (binaryFrame)
        {
            metrics.bytesSentBinary.add(length);
        }
        outbox.addLast(new Outgoing(frame, binaryFrame));
    }

    /**
     * Hands the outbox to the link, oldest frame first, then a close the gateway decided on; called by every thread
     * after it released the monitor. One thread drains at a time: a thread that finds another draining leaves its
     * frame to it (the counter makes the drainer go round once more), so no thread ever waits here, and frames reach
     * the link in the order they entered the outbox.
     */
    private void drain()
    {
        if (drainRequests.getAndIncrement() != 0)
        {
            return;
        }
        int requests = 1;
        do
        {
            while (true)
            {
                final Outgoing frame;
                int code = 0;
                String reason = null;
                synchronized (this)
                {
                    frame = outbox.pollFirst();
                    if (frame == null && closeCode != 0)
                    {
                        code = closeCode;
                        reason = closeReason;
                        closeCode = 0;
                    }
                }
                if (frame != null)
                {
                    handToLink(frame);
                }
                else
                {
                    if (code != 0)
                    {
                        link.close(code, reason);
                    }
                    break;
                }
            }
            requests = drainRequests.addAndGet(-requests);
        }
        while (requests != 0);
    }

    private void handToLink(final Outgoing outgoing)
    {
        final int length = outgoing.frame().remaining();
        try
        {
            if (outgoing.binary())
            {
                link.sendBinary(outgoing.frame(), written);
            }
            else
            {
                link.sendText(outgoing.frame(), written);
            }
        }
        catch (final RuntimeException ex)
        {
            // Undertow refused the frame (never seen so far): the client cannot be served any more.
            pendingBytes.addAndGet(-length);
            synchronized (this)
            {
                queueClose(CLOSE_INTERNAL_ERROR, "gateway error", CloseReason.ERROR);
            }
        }
    }

    private void onWritten(final int length)
    {
        pendingBytes.addAndGet(-length);
    }
}
