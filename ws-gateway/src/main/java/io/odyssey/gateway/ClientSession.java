package io.odyssey.gateway;

import io.odyssey.runtime.OncePerInterval;
import org.agrona.collections.LongHashSet;
import org.agrona.concurrent.EpochNanoClock;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.BitSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;

/**
 * One connected client: its subscription, its encoding (JSON text, or {@code odyssey.bin.v1} binary frames), the
 * drones changed (or gone) since its last frame, how many bytes it has not yet taken off the wire and, when it opted
 * in to flow control, how many frames it has not yet acknowledged.
 * <p>
 * Drones are tracked by their {@link FleetView} slot, in arrays: which are dirty (changed since the last frame) and
 * visible (the client holds them), and the sequence last sent of each. A change costs a few bit operations per
 * session and a frame one array read per drone, where hash sets and maps cost a cache-missing lookup per drone per
 * client (issue 14: with 100 clients the lookups were 40 % of the fan-out thread).
 * <p>
 * Memory is bounded whatever the client does: the dirty, removed and visible sets hold at most one entry per drone,
 * and while its unsent bytes exceed the bound the client gets no frame (its drones stay dirty, so the next frame it
 * does get carries their newest state) and no answers to pings or garbage; a snapshot it asked for waits until it
 * has caught up. So its backlog stays under the bound plus one frame. A client with flow control gets a frame only
 * while fewer than its window are unacknowledged, and is otherwise conflated the same way: it costs the gateway a
 * frame per acknowledgement, whatever it could not take.
 * <p>
 * Threads: Hazelcast event threads call {@link #onChange} and {@link #onRemoved} (and the alert and command feeds {@link #reply}), the
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
    /**
     * Snapshots of one client are at least this far apart (or the coalescing interval, if longer): a snapshot is the
     * whole subscription, built for this client alone, and a client re-subscribing in a loop must not turn the fan-out
     * into a snapshot builder for it. The first one is sent at once; a later subscription waits for the gap, and the
     * snapshot then has the newest subscription.
     */
    static final long MIN_SNAPSHOT_GAP_NS = TimeUnit.MILLISECONDS.toNanos(250);
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
    /**
     * The digest of the token that opened the session (null: none, or a test's): when it is deleted the session ends.
     * Set before the session is published to {@link OpenSessions}, read from the grid's event threads after.
     */
    String credential;
    /**
     * Whose session it is for {@link OpenSessions}' per-client limit: the credential, or the peer's address for an
     * anonymous viewer. Set before the session is published, like {@link #credential}.
     */
    String client;
    /**
     * Whether the client sees where commands were issued from ({@code issuedFrom} on {@code /ws/commands}): operators
     * and admins do, viewers do not. Set before the session is published, like {@link #credential}.
     */
    boolean seesCommandSources;
    private final GatewayMetrics metrics;
    private final boolean binary;
    private final long maxPendingBytes;
    private final long stallTimeoutNs;
    private final long coalesceNs;
    private final long retryNs;
    private final IntConsumer written = this::onWritten;
    /** Slots of the drones changed since the last frame (a subset of {@link #visible}). */
    private final BitSet dirty = new BitSet(DroneRecords.MIN_RECORDS);
    /** Ids of the drones the client holds that left the fleet or its box since the last frame. */
    private final LongHashSet removed = new LongHashSet();
    /** Slots of the drones the client holds now (matched its subscription when last told), so leaving can be reported. */
    private final BitSet visible = new BitSet(DroneRecords.MIN_RECORDS);
    /**
     * Sequence last sent per slot ({@link Long#MIN_VALUE}: none). A change can race a snapshot (its event reaches this
     * session after the snapshot already carried it); this keeps the promise that a client sees each drone's sequence
     * only grow. Grows with the fleet's slots.
     */
    private long[] sentSequence = newSequences(DroneRecords.MIN_RECORDS);
    private final AtomicLong pendingBytes = new AtomicLong();
    /**
     * When (System.nanoTime) this client last made progress: a frame to it written out, or its unsent bytes rising
     * from none (a quiet client, an alerts socket idle for an hour, is not behind because its one message is in flight).
     */
    private volatile long lastProgressNs;
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
    private final long snapshotGapNs;
    private long lastSnapshotNs;
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
    /** Whether the frame being built left out a drone because this client already had its version. */
    private boolean staleSkipped;
    /** Size of the node table the (binary) client was last sent; -1 = none yet. */
    private int nodesSent = -1;
    /** {@code BAD_ACK} answers, at most one a second (its connection's I/O thread only, not under the monitor). */
    final OncePerInterval badAckAnswers;

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
        this.snapshotGapNs = Math.max(coalesceNs, MIN_SNAPSHOT_GAP_NS);
        this.lastSnapshotNs = nowNs - snapshotGapNs;
        this.retryAtNs = nowNs;
        this.badAckAnswers = new OncePerInterval(TimeUnit.SECONDS.toNanos(1));
        this.lastProgressNs = nowNs;
    }

    /**
     * A drone changed. Called on Hazelcast event threads after the fleet view holds {@code view}.
     *
     * @return when this session should be flushed if the change gave it something to send it did not have
     * ({@link #NOT_DUE} otherwise): the fan-out is woken if it would sleep past that.
     */
    synchronized long onChange(final DroneView view, final long nowNs)
    {
        if (closed)
        {
            return NOT_DUE;
        }
        final boolean hadWork = hasWork();
        final int slot = view.slot;
        if (view.isInside(bbox))
        {
            dirty.set(slot);
            visible.set(slot);
            if (!removed.isEmpty())
            {
                removed.remove(view.id());
            }
        }
        else if (!forget(view.id(), slot))
        {
            return NOT_DUE;
        }
        return hadWork ? NOT_DUE : dueNs();
    }

    /**
     * A drone left the fleet map. Called on Hazelcast event threads after the fleet view dropped it, and before its
     * slot can be given to another drone.
     *
     * @return when this session should be flushed if it must now tell the client ({@link #NOT_DUE} otherwise).
     */
    synchronized long onRemoved(final long droneId, final int slot, final long nowNs)
    {
        if (closed)
        {
            return NOT_DUE;
        }
        final boolean hadWork = hasWork();
        if (!forget(droneId, slot))
        {
            return NOT_DUE;
        }
        return hadWork ? NOT_DUE : dueNs();
    }

    /** The client holds a drone it must no longer hold: its next frame says so. @return false when it did not hold it. */
    private boolean forget(final long droneId, final int slot)
    {
        if (!visible.get(slot))
        {
            return false;
        }
        visible.clear(slot);
        dirty.clear(slot);
        if (slot < sentSequence.length)
        {
            sentSequence[slot] = Long.MIN_VALUE;
        }
        removed.add(droneId);
        return true;
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
        // Only a wider window can let a held frame through now: a client repeating its window (or narrowing it) is
        // not made due, so a loop of flow messages costs the fan-out no scan.
        final boolean wider = window > 0 && frames > window;
        window = frames;
        if (wider)
        {
            retryAtNs = Math.min(retryAtNs, nowNs);
        }
        return dueNs();
    }

    /** What a client's acknowledgement did. */
    enum Ack
    {
        /** It acknowledged frames not acknowledged before: the only kind a well-behaved client sends. */
        ADVANCED,
        /** It named a frame acknowledged already (a repeat, or below the last one): nothing changed. */
        REPEATED,
        /** It named a frame not built yet: refused (the caller answers {@code BAD_ACK}). */
        UNSENT
    }

    /**
     * The client applied every frame up to the one {@code named} (a binary client names it by its low 32 bits, as its
     * header carries it). An acknowledgement below the last one changes nothing.
     */
    synchronized Ack ack(final long named, final long nowNs)
    {
        final long frame = binary ? unwrapFrameNumber(named, framesBuilt) : named;
        if (frame < 0 || frame > framesBuilt)
        {
            return Ack.UNSENT;
        }
        if (frame <= framesAcked)
        {
            return Ack.REPEATED;
        }
        framesAcked = frame;
        held = false;
        // A client waiting for its window is due at once, not at the next retry.
        retryAtNs = Math.min(retryAtNs, nowNs);
        return Ack.ADVANCED;
    }

    /**
     * The frame a binary client's acknowledgement names. Its frame header holds the number as a uint32, so after 2^32
     * frames on one connection (about two years at 16 ms) the client names the low 32 bits: the frame meant is the
     * latest one built with those bits. JSON frames carry the whole number.
     *
     * @return the frame number, or -1 when {@code named} does not fit in 32 bits.
     */
    static long unwrapFrameNumber(final long named, final long built)
    {
        if (named < 0 || named > 0xFFFF_FFFFL)
        {
            return -1;
        }
        final long frame = (built & ~0xFFFF_FFFFL) | named;
        return frame > built ? frame - (1L << 32) : frame;
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
        // A snapshot answers the client at once (unless it had one within the snapshot gap); changes wait for the
        // coalescing interval since the last frame.
        return Math.max(snapshotWanted ? lastSnapshotNs + snapshotGapNs : lastFrameNs + coalesceNs, retryAtNs);
    }

    /**
     * Sends the snapshot asked for, or one {@code changes} frame with the newest state of every dirty drone and the
     * ids that left; or, while the client is behind, nothing (closing it once it has been behind for too long).
     * Called on the fan-out thread only.
     */
    void flush(
        final FleetView fleet,
        final long nowNs,
        final FrameWriter writer,
        final DroneJson encoder,
        final DroneRecords records,
        final EpochNanoClock clock)
    {
        flush(fleet, nowNs, writer, encoder, records, clock, null);
    }

    /**
     * As {@link #flush(FleetView, long, FrameWriter, DroneJson, DroneRecords, EpochNanoClock)}, sharing
     * {@code changes} frames with the other whole-fleet clients of the same encoding due in the same scan.
     *
     * @param shared the scan's shared frame of this session's encoding (null: build its own frames only).
     */
    void flush(
        final FleetView fleet,
        final long nowNs,
        final FrameWriter writer,
        final DroneJson encoder,
        final DroneRecords records,
        final EpochNanoClock clock,
        final SharedChanges shared)
    {
        synchronized (this)
        {
            buildFrame(fleet, nowNs, writer, encoder, records, clock, shared);
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
        return replyShared(FrameWriter.utf8(json));
    }

    /**
     * As {@link #reply(String)}, with bytes encoded once for many clients (alert messages): the client gets a view of
     * its own of the same bytes (the network advances its position, never writes to it).
     *
     * @param utf8 a complete UTF-8 text message; not changed.
     * @return true when sent.
     */
    boolean replyShared(final ByteBuffer utf8)
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
            queue(utf8.duplicate(), false);
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
        Arrays.fill(sentSequence, Long.MIN_VALUE);
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
        final FleetView fleet,
        final long nowNs,
        final FrameWriter writer,
        final DroneJson encoder,
        final DroneRecords records,
        final EpochNanoClock clock,
        final SharedChanges shared)
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
        // Only a whole-fleet client with no removal to report can share a frame: its frame depends on nothing else.
        final SharedChanges sharing = shared != null && shared.isBinary() == binary && bbox == null &&
            !snapshotWanted && removed.isEmpty() ? shared : null;
        if (sharing != null && sharing.isValid() && takeShared(fleet, sharing))
        {
            framesBuilt = frame;
            lastFrameNs = nowNs;
            metrics.framesShared.increment();
            if (binary)
            {
                metrics.dronesSentBinary.add(sharing.droneCount());
                queueNodesIfGrown(records);
            }
            else
            {
                metrics.dronesSentJson.add(sharing.droneCount());
            }
            queue(sharing.copyNumbered(frame), binary);
            return;
        }
        final boolean built;
        if (snapshotWanted)
        {
            lastSnapshotNs = nowNs;
        }
        if (binary)
        {
            built = snapshotWanted ? writeBinarySnapshot(fleet, writer, records, frame, clock) :
                writeBinaryChanges(fleet, writer, records, frame, clock, sharing);
        }
        else
        {
            built = snapshotWanted ? writeSnapshot(fleet, writer, encoder, frame) :
                writeChanges(fleet, writer, encoder, frame, clock, sharing);
        }
        if (!built)
        {
            return;
        }
        framesBuilt = frame;
        lastFrameNs = nowNs;
        if (binary)
        {
            queueNodesIfGrown(records);
        }
        queue(writer.toByteBuffer(), binary);
    }

    /** A binary client gets the node table again before the first frame after it grew. */
    private void queueNodesIfGrown(final DroneRecords records)
    {
        if (records.nodes().size() != nodesSent)
        {
            // Read after the records were encoded: every node index in the frame is in the table the client gets.
            nodesSent = records.nodes().size();
            queue(FrameWriter.utf8(records.nodes().message()), false);
        }
    }

    /**
     * Takes the scan's shared {@code changes} frame if it says exactly what this client's own frame would say, up to
     * versions that arrived after it was built (those stay dirty here, so the next frame carries them).
     *
     * @return false when it does not fit this client (nothing changed then).
     */
    private boolean takeShared(final FleetView fleet, final SharedChanges shared)
    {
        final BitSet scratch = shared.scratch;
        // Every drone of the frame is dirty here...
        scratch.clear();
        scratch.or(shared.slots);
        scratch.andNot(dirty);
        if (!scratch.isEmpty())
        {
            return false;
        }
        // ...and every other dirty drone here changed after the frame's builder read the view.
        scratch.clear();
        scratch.or(dirty);
        scratch.andNot(shared.slots);
        for (int slot = scratch.nextSetBit(0); slot >= 0; slot = scratch.nextSetBit(slot + 1))
        {
            if (fleet.stampAt(slot) <= shared.changeCount)
            {
                return false;
            }
        }
        final int records = shared.records;
        final int[] slots = shared.recordSlots;
        final long[] sequences = shared.recordSequences;
        if (!shared.slots.isEmpty())
        {
            coverSlot(fleet, shared.slots.length() - 1);
        }
        for (int i = 0; i < records; i++)
        {
            if (sequences[i] <= sentSequence[slots[i]])
            {
                // A snapshot already carried this version (or a newer one) to this client.
                return false;
            }
        }
        for (int i = 0; i < records; i++)
        {
            sentSequence[slots[i]] = sequences[i];
        }
        for (int slot = shared.slots.nextSetBit(0); slot >= 0; slot = shared.slots.nextSetBit(slot + 1))
        {
            if (fleet.stampAt(slot) <= shared.changeCount)
            {
                dirty.clear(slot);
            }
        }
        return true;
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
        Arrays.fill(sentSequence, Long.MIN_VALUE);
    }

    /**
     * The drone in a slot to put in a snapshot, or null (an empty slot, or a drone outside the box); the client holds
     * it from now on.
     */
    private DroneView nextInSnapshot(final FleetView fleet, final int slot)
    {
        final DroneView view = fleet.atSlot(slot);
        if (view == null || !view.isInside(bbox))
        {
            return null;
        }
        coverSlot(fleet, slot);
        visible.set(slot);
        sentSequence[slot] = view.sequence();
        return view;
    }

    /** Grows the sequences to cover the slot (and the fleet's slots now), when the fleet grew. */
    private void coverSlot(final FleetView fleet, final int slot)
    {
        if (slot >= sentSequence.length)
        {
            final int length = sentSequence.length;
            sentSequence = Arrays.copyOf(sentSequence, Math.max(slot + 1, Math.max(fleet.slotLimit(), 2 * length)));
            Arrays.fill(sentSequence, length, sentSequence.length, Long.MIN_VALUE);
        }
    }

    private static long[] newSequences(final int slots)
    {
        final long[] sequences = new long[Math.max(slots, DroneRecords.MIN_RECORDS)];
        Arrays.fill(sequences, Long.MIN_VALUE);
        return sequences;
    }

    private boolean writeSnapshot(
        final FleetView fleet, final FrameWriter writer, final DroneJson encoder, final long frame)
    {
        startSnapshot();
        int drones = 0;
        writer.reset().ascii("{\"type\":\"snapshot\",\"bbox\":").ascii(bbox == null ? "null" : bbox.toJson())
            .ascii(",\"drones\":[");
        boolean first = true;
        final int slots = fleet.slotLimit();
        for (int slot = 0; slot < slots; slot++)
        {
            final DroneView view = nextInSnapshot(fleet, slot);
            if (view != null)
            {
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
    private boolean writeChanges(final FleetView fleet, final FrameWriter writer, final DroneJson encoder,
        final long frame, final EpochNanoClock clock, final SharedChanges sharing)
    {
        if (sharing != null)
        {
            sharing.begin(dirty, fleet.changeCount());
        }
        staleSkipped = false;
        final long epochNow = clock.nanoTime();
        writer.reset().ascii("{\"type\":\"changes\",\"drones\":[");
        boolean first = true;
        int drones = 0;
        for (int slot = dirty.nextSetBit(0); slot >= 0; slot = dirty.nextSetBit(slot + 1))
        {
            final DroneView view = nextChanged(fleet, slot);
            if (view == null)
            {
                continue;
            }
            if (sharing != null)
            {
                sharing.record(slot, view.sequence());
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
            if (sharing != null)
            {
                sharing.clear();
            }
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
        writer.ascii("],\"frame\":");
        final int numberAt = writer.length();
        writer.number(frame).ascii('}');
        finishSharing(sharing, writer, numberAt);
        return true;
    }

    /** Keeps the frame just built as the scan's shared frame, unless it depended on this client's own history. */
    private void finishSharing(final SharedChanges sharing, final FrameWriter writer, final int jsonNumberAt)
    {
        if (sharing == null)
        {
            return;
        }
        if (staleSkipped)
        {
            sharing.clear();
        }
        else
        {
            sharing.finish(writer, jsonNumberAt);
        }
    }

    /** The view of a dirty drone to send in a {@code changes} frame, or null when there is nothing to send for it. */
    private DroneView nextChanged(final FleetView fleet, final int slot)
    {
        final DroneView view = fleet.atSlot(slot);
        if (view == null)
        {
            // Left the fleet map: its removal reaches this session next (the slot is not reused before) and reports it.
            return null;
        }
        coverSlot(fleet, slot);
        if (!view.isInside(bbox))
        {
            // Outside: the newer version's own event moves the drone to 'removed' for this session.
            return null;
        }
        if (view.sequence() <= sentSequence[slot])
        {
            // Not newer: a snapshot already carried it (to this client: a frame built now cannot be shared).
            staleSkipped = true;
            return null;
        }
        sentSequence[slot] = view.sequence();
        return view;
    }

    private boolean writeBinarySnapshot(final FleetView fleet, final FrameWriter writer,
        final DroneRecords records, final long frame, final EpochNanoClock clock)
    {
        startSnapshot();
        writer.beginBinary(bbox);
        final int fleetSize = fleet.size();
        int drones = 0;
        final int slots = fleet.slotLimit();
        for (int slot = 0; slot < slots; slot++)
        {
            final DroneView view = nextInSnapshot(fleet, slot);
            if (view != null)
            {
                writer.record(records.buffer(), records.offsetOf(view, fleetSize));
                drones++;
            }
        }
        writer.finishBinary(DroneBinary.SNAPSHOT, frame, bbox != null, drones, 0, clock.nanoTime());
        metrics.dronesSentBinary.add(drones);
        return true;
    }

    private boolean writeBinaryChanges(final FleetView fleet, final FrameWriter writer,
        final DroneRecords records, final long frame, final EpochNanoClock clock, final SharedChanges sharing)
    {
        if (sharing != null)
        {
            sharing.begin(dirty, fleet.changeCount());
        }
        staleSkipped = false;
        final long epochNow = clock.nanoTime();
        writer.beginBinary(null);
        final int fleetSize = fleet.size();
        int drones = 0;
        for (int slot = dirty.nextSetBit(0); slot >= 0; slot = dirty.nextSetBit(slot + 1))
        {
            final DroneView view = nextChanged(fleet, slot);
            if (view != null)
            {
                if (sharing != null)
                {
                    sharing.record(slot, view.sequence());
                }
                writer.record(records.buffer(), records.offsetOf(view, fleetSize));
                drones++;
                metrics.wsSent.record(epochNow - view.state.sentAtNanos());
            }
        }
        dirty.clear();
        if (drones == 0 && removed.isEmpty())
        {
            if (sharing != null)
            {
                sharing.clear();
            }
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
        finishSharing(sharing, writer, 0);
        return true;
    }

    /** Appends a frame to the outbox; under the monitor. Its bytes count as pending from now on. */
    private void queue(final ByteBuffer frame, final boolean binaryFrame)
    {
        final int length = frame.remaining();
        if (pendingBytes.addAndGet(length) == length)
        {
            lastProgressNs = System.nanoTime();
        }
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
        lastProgressNs = System.nanoTime();
    }

    /**
     * When (System.nanoTime) this client last made progress: a frame to it written out, or its unsent bytes rising
     * from none; its start when neither happened yet.
     */
    long lastProgressNs()
    {
        return lastProgressNs;
    }
}
