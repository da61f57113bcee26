package io.odyssey.ingest;

import io.aeron.Image;
import io.aeron.exceptions.AeronException;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.runtime.RateLimitedLog;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.collections.Object2IntHashMap;
import org.agrona.concurrent.NanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Which telemetry senders (Aeron images) the node keeps. The telemetry port is open to anyone who reaches it, and one
 * SETUP datagram makes the media driver open an image: a log of up to three terms in {@code /dev/shm} that takes the
 * sender's DATA, and one more image the ingest thread polls. A sender is refused ({@link Image#reject}: the driver
 * takes none of its data from then on and drops it at its image liveness timeout, 10 s) when
 * <ul>
 * <li>its term is longer than ours ({@link Refusal#TERM_LENGTH}): its log would be larger than we budget for;</li>
 * <li>its address already has {@code ODYSSEY_INGEST_MAX_IMAGES_PER_SOURCE} senders here ({@link Refusal#SOURCE_LIMIT}):
 * one host forging SETUPs made 3,571 images in 8 s;</li>
 * <li>the node already has {@code ODYSSEY_INGEST_MAX_IMAGES} ({@link Refusal#NODE_LIMIT}): the bound on what all
 * senders together can make the node keep in {@code /dev/shm};</li>
 * <li>it delivered frames, none of which verified, within {@code ODYSSEY_INGEST_IMAGE_FIRST_FRAME_S} of connecting
 * ({@link Refusal#NO_SIGNED_FRAME}): a sender without a drone key holds a place only that long once it sends. One
 * that has sent nothing is kept (a MAVLink edge before its first vehicle), if one of the few places kept for those is
 * free ({@link #SILENT_PLACES_PER_SOURCE}, {@link #SILENT_PLACES}): refusing it would only have it connect again.</li>
 * </ul>
 * A sender taken keeps its place until Aeron drops its image, refused later or not: a refused image's log stays in
 * {@code /dev/shm} until then, so freeing its place at the refusal would let a forger keep more logs than the bound.
 * <p>
 * Only the senders taken and not refused are read ({@link #poll}): Aeron's {@code Subscription.poll} reads every image
 * it has, a refused one too until the driver drops it at the liveness timeout, so the frames a refused sender wrote
 * before its refusal landed (up to half a term past our position) were read and checked, and each refused image took a
 * turn in the poll loop. A sender refused on the ingest thread ({@link Refusal#NO_SIGNED_FRAME}) leaves the poll set in
 * the same step, before the refusal is even sent to the driver. A refused image's frames are still skipped, unread
 * ({@link #discardRefused}): the driver drops an image only once its subscriber has consumed all it took, so one left
 * unconsumed would keep its log in {@code /dev/shm} for good; skipped only once its refusal has landed, so flow control
 * holds its sender within half a term of where the node stopped reading it. The images the driver still has that are not read
 * ({@link #readCount}) are bounded by the driver's stream session limit ({@link #REFUSED_IMAGE_ROOM}).
 * <p>
 * Threads: {@link #onAvailableImage} and {@link #onUnavailableImage} run on the Aeron client's conductor thread, which
 * may not call back into the client, or on the refusal thread while {@code reject} waits for the driver (the client
 * runs its conductor's duty cycle there); either way under the client's lock, which is what keeps the per-source
 * counts, touched only by them, consistent. A refusal waits for the media driver's
 * answer (a round trip to its conductor, long while a flood keeps it busy), so refusals are made on a thread of their
 * own, never the ingest thread's. The ingest thread alone touches the poll set (it learns of senders taken and dropped
 * through queues the conductor thread fills) and the watch list of senders yet to deliver a signed
 * frame ({@link #expire}); {@link #signedFrame} runs for every frame that verified: nothing allocated, a field read
 * when no sender is waiting (the usual case: an honest sender delivers its first frame within a moment of connecting;
 * the silent ones stay watched, at most {@link #SILENT_PLACES}, so a scan of a few entries otherwise).
 */
final class ImageAdmission implements AutoCloseable
{
    /** Why a sender was refused: the {@code reason} label of {@code odyssey_ingest_aeron_images_refused_total}. */
    enum Refusal
    {
        TERM_LENGTH("term_length", "naming a term length above ours"),
        SOURCE_LIMIT("source_limit", "beyond ODYSSEY_INGEST_MAX_IMAGES_PER_SOURCE from its address"),
        NODE_LIMIT("node_limit", "beyond this node's ODYSSEY_INGEST_MAX_IMAGES"),
        NO_SIGNED_FRAME("no_signed_frame", "that delivered no signed frame within ODYSSEY_INGEST_IMAGE_FIRST_FRAME_S");

        final String label;
        final String why;

        Refusal(final String label, final String why)
        {
            this.label = label;
            this.why = why;
        }
    }

    private record Refused(Image image, Refusal refusal)
    {
    }

    private static final Logger LOG = LoggerFactory.getLogger(ImageAdmission.class);
    /**
     * Senders that have sent nothing yet are kept past the deadline (a MAVLink edge before its first vehicle: refused,
     * it would connect again every ~15 s and its readiness flap), but only this many per address and in all: Aeron
     * keeps an image alive on heartbeats alone, so without a bound a few hosts sending SETUPs and heartbeats would hold
     * every place for good.
     */
    static final int SILENT_PLACES_PER_SOURCE = 1;
    static final int SILENT_PLACES = 8;
    /**
     * Images the media driver may hold on the telemetry stream beyond {@code ODYSSEY_INGEST_MAX_IMAGES}: room for the
     * senders refused as they appear (term length, per-address or node bound), whose logs stay in {@code /dev/shm} until
     * the driver drops them at the image liveness timeout (10 s after their last packet). Past it the driver ignores new
     * SETUPs ({@code aeron.driver.stream.session.limit}): without a bound, SETUPs from many (spoofed) addresses had it map
     * a log per session until {@code /dev/shm} filled (in Kubernetes, the memory emptyDir's sizeLimit evicts the pod). 64
     * is as many as a node takes by default: a flood refused at up to 6 a second fits in it, and each refused image's log
     * holds at most half a term of data written before the refusal landed (512 KiB at our 1 MiB term), 32 MiB in all.
     */
    static final int REFUSED_IMAGE_ROOM = 64;
    private static final Refusal[] REFUSALS = Refusal.values();
    /** Queued by {@link #close}: the refusal thread stops there. */
    private static final Refused STOP = new Refused(null, null);
    /**
     * Skips a refused image's frames unread. A fragment poll, not a block poll: Aeron's block scanner stops at a frame
     * whose stated length runs past the end of its term, and the driver stores a forged frame's length as sent, so
     * one such frame left a refused image for ever undrained, never dropped, its log and counters held; the fragment
     * reader steps over it as {@code Subscription.poll} did.
     */
    private static final FragmentHandler DISCARD = (buffer, offset, length, header) ->
    {
    };

    private final int maxImages;
    private final int maxPerSource;
    private final long firstFrameNs;
    private final NanoClock clock;
    private final IngestMetrics metrics;
    private final RateLimitedLog[] refusalLogs = new RateLimitedLog[REFUSALS.length];

    /** Conductor thread: senders taken per source address, and the address of each taken image by its id. */
    private final Object2IntHashMap<String> takenBySource = new Object2IntHashMap<>(0);
    private final Long2ObjectHashMap<String> sourceOfTaken = new Long2ObjectHashMap<>();
    /** Written on the conductor thread; volatile for the gauge. */
    private volatile int taken;

    private final BlockingQueue<Refused> toRefuse = new LinkedBlockingQueue<>();
    private final Queue<Image> toWatch = new ConcurrentLinkedQueue<>();
    private final Queue<Image> toForget = new ConcurrentLinkedQueue<>();
    private final Queue<Image> toDiscard = new ConcurrentLinkedQueue<>();
    private final Thread refuser = new Thread(this::refuseQueued, "ingest-aeron-refusals");

    /** Ingest thread: the senders it reads (taken, not refused), polled round-robin as Aeron's subscription does. */
    private final IdentityArraySet<Image> read;
    private int nextRead;
    /** The size of {@link #read} for the gauge ({@link #readCount()}), written when it changes. */
    private volatile int readCountSeen;
    /** Ingest thread: refused senders Aeron has not dropped yet, whose frames are skipped unread. */
    private final IdentityArraySet<Image> discarded;
    /**
     * Ingest thread: senders taken that have not delivered a signed frame yet, and beside each (same index) when it must
     * have, its address and whether it holds a silent place.
     */
    private final IdentityArraySet<Image> watched;
    private long[] deadlines;
    private String[] sources;
    /** Ingest thread: whether a watched sender holds one of the places kept for senders that have sent nothing. */
    private boolean[] silentPlace;
    /** Ingest thread: the places kept for senders that have sent nothing, per address and in all. */
    private final Object2IntHashMap<String> silentBySource = new Object2IntHashMap<>(0);
    private int silentCount;

    ImageAdmission(final int maxImages, final int maxPerSource, final long firstFrameNs, final NanoClock clock,
        final IngestMetrics metrics)
    {
        this.maxImages = maxImages;
        this.maxPerSource = maxPerSource;
        this.firstFrameNs = firstFrameNs;
        this.clock = clock;
        this.metrics = metrics;
        // Only past the first 1,024 senders at once, or with images Aeron dropped not yet pruned, do they grow.
        final int capacity = Math.min(maxImages, 1024);
        this.read = new IdentityArraySet<>(capacity);
        this.watched = new IdentityArraySet<>(capacity);
        this.discarded = new IdentityArraySet<>(capacity);
        this.deadlines = new long[watched.capacity()];
        this.sources = new String[watched.capacity()];
        this.silentPlace = new boolean[watched.capacity()];
        for (final Refusal refusal : REFUSALS)
        {
            refusalLogs[refusal.ordinal()] = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));
        }
        refuser.setDaemon(true);
    }

    /** Starts the thread that makes the refusals; before the subscription that calls {@link #onAvailableImage}. */
    void start()
    {
        refuser.start();
    }

    /**
     * Stops the refusal thread once the refusal in hand, if any, is made (those still queued are moot: the driver
     * closes next). A marker in the queue rather than an interrupt, which Aeron's wait for the driver's answer would
     * take for its own.
     */
    public void close()
    {
        toRefuse.add(STOP);
        try
        {
            refuser.join(TimeUnit.SECONDS.toMillis(5));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void refuseQueued()
    {
        try
        {
            Refused refused;
            while ((refused = toRefuse.take()) != STOP)
            {
                try
                {
                    refuse(refused.image(), refused.refusal());
                }
                catch (final RuntimeException ex)
                {
                    // Whatever went wrong with one refusal, the next ones are still made.
                    LOG.error("refusing a telemetry sender failed: {}", refused.image().sourceIdentity(), ex);
                }
            }
        }
        catch (final InterruptedException ex)
        {
            // Nobody interrupts this thread; stop if someone does.
        }
    }

    /** Senders taken and not yet dropped by Aeron. */
    int taken()
    {
        return taken;
    }

    /** Senders the ingest thread reads: taken, not refused, not dropped by Aeron (as of its last poll). */
    int readCount()
    {
        return readCountSeen;
    }

    /** Conductor thread: a new sender. */
    void onAvailableImage(final Image image)
    {
        if (image.termBufferLength() > AeronTransport.TERM_LENGTH)
        {
            refuseOnArrival(image, Refusal.TERM_LENGTH);
            return;
        }
        final String source = sourceAddress(image.sourceIdentity());
        final int fromSource = takenBySource.getValue(source);
        // The address first: a single host's flood is named as its own, not as the node's being full.
        if (fromSource >= maxPerSource)
        {
            refuseOnArrival(image, Refusal.SOURCE_LIMIT);
            return;
        }
        if (taken >= maxImages)
        {
            refuseOnArrival(image, Refusal.NODE_LIMIT);
            return;
        }
        takenBySource.put(source, fromSource + 1);
        sourceOfTaken.put(image.correlationId(), source);
        taken = taken + 1;
        toWatch.add(image);
    }

    private void refuseOnArrival(final Image image, final Refusal refusal)
    {
        // Never read; skipped only once the refusal has landed ({@link #refuse}): until then its position holds and
        // flow control keeps the sender within half a term of it, where skipping would move the window on for it.
        toRefuse.add(new Refused(image, refusal));
    }

    /** Conductor thread: Aeron dropped a sender (it stopped, or was refused and its liveness timeout passed). */
    void onUnavailableImage(final Image image)
    {
        // Aeron closed the image before this call: the ingest thread skips it if it sees it taken after this.
        toForget.add(image);
        final String source = sourceOfTaken.remove(image.correlationId());
        if (source != null)
        {
            final int left = takenBySource.getValue(source) - 1;
            if (left <= 0)
            {
                takenBySource.removeKey(source);
            }
            else
            {
                takenBySource.put(source, left);
            }
            taken = taken - 1;
        }
    }

    /**
     * Ingest thread, every poll: starts reading and watching new senders, stops reading those Aeron dropped, skips what
     * refused ones took, and refuses those whose time for a first signed frame is up. Three queue checks and two field
     * reads when there is nothing to do.
     */
    void expire()
    {
        if (!toWatch.isEmpty())
        {
            final long deadline = clock.nanoTime() + firstFrameNs;
            Image image;
            while ((image = toWatch.poll()) != null)
            {
                if (!image.isClosed())
                {
                    watch(image, deadline);
                    startReading(image);
                }
            }
        }
        if (!toDiscard.isEmpty())
        {
            Image image;
            while ((image = toDiscard.poll()) != null)
            {
                if (!image.isClosed())
                {
                    startDiscarding(image);
                }
            }
        }
        if (!toForget.isEmpty())
        {
            Image image;
            while ((image = toForget.poll()) != null)
            {
                stopReading(image);
                stopDiscarding(image);
            }
        }
        if (discarded.size() > 0)
        {
            discardRefused();
        }
        if (watched.size() > 0)
        {
            expireWatched(clock.nanoTime());
        }
    }

    /**
     * Ingest thread, hot path: the frame the {@code header} came with verified (its drone's key signed it), so its
     * sender has proved itself. A sender whose first frames arrive before it is watched proves itself by a later one.
     */
    void signedFrame(final Header header)
    {
        if (watched.size() == 0)
        {
            return;
        }
        final int index = watched.indexOf(header.context());
        if (index >= 0)
        {
            unwatch(index);
        }
    }

    /**
     * Ingest thread, every poll after {@link #expire}: hands up to {@code fragmentLimit} frames of the senders it reads
     * to {@code handler}, starting with a different sender each time as Aeron's {@code Subscription.poll} does. Nothing
     * allocated: the poll set is an array changed only by {@link #expire}, never while it is polled.
     */
    int poll(final FragmentHandler handler, final int fragmentLimit)
    {
        final IdentityArraySet<Image> images = read;
        final int count = images.size();
        if (count == 0)
        {
            return 0;
        }
        if (nextRead >= count)
        {
            nextRead = 0;
        }
        final int start = nextRead++;
        int fragments = 0;
        for (int i = start; i < count && fragments < fragmentLimit; i++)
        {
            fragments += images.get(i).poll(handler, fragmentLimit - fragments);
        }
        for (int i = 0; i < start && fragments < fragmentLimit; i++)
        {
            fragments += images.get(i).poll(handler, fragmentLimit - fragments);
        }
        return fragments;
    }

    private void startReading(final Image image)
    {
        read.add(image);
        readCountSeen = read.size();
    }

    private void stopReading(final Image image)
    {
        if (read.remove(image))
        {
            readCountSeen = read.size();
        }
    }

    /**
     * Skips what the refused images took, unread: Aeron drops an image (and frees its log) only once its subscriber has
     * consumed it. A refused image takes nothing once its refusal reaches the driver, so this is at most half a term
     * each, once; afterwards a position check per refused image and poll, until Aeron drops it (10 s).
     */
    private void discardRefused()
    {
        for (int i = 0; i < discarded.size(); i++)
        {
            discarded.get(i).poll(DISCARD, Integer.MAX_VALUE);
        }
    }

    private void startDiscarding(final Image image)
    {
        discarded.add(image);
    }

    private void stopDiscarding(final Image image)
    {
        discarded.remove(image);
    }

    private void watch(final Image image, final long deadline)
    {
        final int index = watched.add(image);
        if (watched.capacity() > deadlines.length)
        {
            // The watch list grew (rare, per sender): the values beside it grow with it.
            deadlines = Arrays.copyOf(deadlines, watched.capacity());
            sources = Arrays.copyOf(sources, watched.capacity());
            silentPlace = Arrays.copyOf(silentPlace, watched.capacity());
        }
        deadlines[index] = deadline;
        sources[index] = sourceAddress(image.sourceIdentity());
        silentPlace[index] = false;
    }

    private void expireWatched(final long now)
    {
        // From the end: an unwatch moves the last sender, already checked, into the gap.
        for (int i = watched.size() - 1; i >= 0; i--)
        {
            final Image image = watched.get(i);
            if (image.isClosed())
            {
                unwatch(i);
            }
            else if (now - deadlines[i] >= 0)
            {
                final boolean silent = image.position() == image.joinPosition();
                if (silent && (silentPlace[i] || takeSilentPlace(i)))
                {
                    // Nothing to verify yet: it keeps a place kept for the silent (SILENT_PLACES), checked again later.
                    deadlines[i] = now + firstFrameNs;
                }
                else if (!silent && silentPlace[i])
                {
                    // It began to send since the last check: the usual time to sign a frame, from about its first.
                    releaseSilentPlace(i);
                    deadlines[i] = now + firstFrameNs;
                }
                else
                {
                    unwatch(i);
                    // Not one more frame of it is read, whatever the driver has taken before the refusal reaches it;
                    // what it took is skipped once the refusal has landed ({@link #refuse}).
                    stopReading(image);
                    toRefuse.add(new Refused(image, Refusal.NO_SIGNED_FRAME));
                }
            }
        }
    }

    private boolean takeSilentPlace(final int index)
    {
        final String source = sources[index];
        final int fromSource = silentBySource.getValue(source);
        if (silentCount >= SILENT_PLACES || fromSource >= SILENT_PLACES_PER_SOURCE)
        {
            return false;
        }
        silentBySource.put(source, fromSource + 1);
        silentCount++;
        silentPlace[index] = true;
        return true;
    }

    private void releaseSilentPlace(final int index)
    {
        final String source = sources[index];
        final int left = silentBySource.getValue(source) - 1;
        if (left <= 0)
        {
            silentBySource.removeKey(source);
        }
        else
        {
            silentBySource.put(source, left);
        }
        silentCount--;
        silentPlace[index] = false;
    }

    private void unwatch(final int index)
    {
        if (silentPlace[index])
        {
            releaseSilentPlace(index);
        }
        final int last = watched.removeAt(index);
        deadlines[index] = deadlines[last];
        sources[index] = sources[last];
        silentPlace[index] = silentPlace[last];
        sources[last] = null;
        silentPlace[last] = false;
    }

    private void refuse(final Image image, final Refusal refusal)
    {
        try
        {
            if (!image.isClosed())
            {
                image.reject(refusal.label);
            }
        }
        catch (final AeronException ex)
        {
            // Aeron dropped the image between the check and the refusal (its sender stopped): nothing left to refuse.
            LOG.debug("refusing {} session {}: {}", image.sourceIdentity(), image.sessionId(), ex.toString());
        }
        finally
        {
            // Now the driver takes nothing more of it: what it took can be skipped (the driver drops an image only
            // once it is consumed) without moving the sender's flow-control window on. Skipped earlier, a sender
            // refused in a flood, while the refusals queued, could have written its whole log (three terms) instead of
            // half a term. Skipped even if the refusal failed: an image never consumed would never be dropped.
            toDiscard.add(image);
        }
        metrics.aeronImagesRefused[refusal.ordinal()].increment();
        final RateLimitedLog log = refusalLogs[refusal.ordinal()];
        if (log.tryAcquire(clock.nanoTime()))
        {
            LOG.warn("refused a telemetry sender (Aeron image) {}: {} session {} term {} ({} more for this reason " +
                "since the last line, at most one a minute)", refusal.why, image.sourceIdentity(), image.sessionId(),
                image.termBufferLength(), log.suppressedSinceLast());
        }
    }

    /**
     * The address of Aeron's source identity ({@code 192.0.2.7:40123}, {@code [2001:db8::7]:40123}): senders are
     * bounded per address, not per port, which a sender picks freely.
     */
    static String sourceAddress(final String sourceIdentity)
    {
        final int colon = sourceIdentity.lastIndexOf(':');
        if (colon <= 0)
        {
            return sourceIdentity;
        }
        final String address = sourceIdentity.substring(0, colon);
        return address.length() > 2 && address.charAt(0) == '[' && address.charAt(address.length() - 1) == ']' ?
            address.substring(1, address.length() - 1) : address;
    }
}
