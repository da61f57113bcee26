package io.odyssey.ingest;

import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.FragmentHandler;
import io.odyssey.runtime.AeronDriverErrors;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.testing.FailOnErrorLog;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemEpochClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.errors.DistinctErrorLog;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.OutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The telemetry port is open to anyone who reaches it, and Aeron takes a sender's word for the size of the log it
 * opens: one 40-byte SETUP datagram made the node's media driver map an image of the term length the datagram
 * named (up to 1 GiB a term, 3 GiB a log), and the DATA frames that followed were written into it, filling
 * {@code /dev/shm} (memory; a container's is 256 MiB) at the sender's pace, before any signature is looked at. Seen
 * on a running stack: 48 MB of forged DATA after one forged SETUP of a 64 MiB term left 32 MB resident in the node's
 * {@code /dev/shm}. The test polls as the ingest agent does ({@link TelemetryEndpoint#poll}).
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ForgedAeronSetupIT
{
    private static final int STREAM_ID = 1001;
    private static final int FORGED_SESSION = 0x5EED;
    private static final int FORGED_TERM_LENGTH = 64 * 1024 * 1024;
    private static final int MTU = 1408;
    /** DATA frame length: divides every term length, so a forger's frames fill each term to its end (no padding). */
    private static final int FRAME = 1024;

    private TelemetryEndpoint endpoint;

    @AfterEach
    void stop()
    {
        if (endpoint != null)
        {
            endpoint.stop();
        }
    }

    private EdgeIngestConfig config;
    private IngestMetrics metrics;
    private InetSocketAddress target;

    private void start(final int maxImages, final int maxImagesPerSource, final double imageFirstFrameS) throws Exception
    {
        start(maxImages, maxImagesPerSource, imageFirstFrameS, SystemNanoClock.INSTANCE);
    }

    private void start(final int maxImages, final int maxImagesPerSource, final double imageFirstFrameS,
        final NanoClock clock) throws Exception
    {
        start(maxImages, maxImagesPerSource, imageFirstFrameS, clock, driver -> { });
    }

    private void start(final int maxImages, final int maxImagesPerSource, final double imageFirstFrameS,
        final NanoClock clock, final Consumer<MediaDriver.Context> driverTuning) throws Exception
    {
        final int port;
        try (DatagramSocket probe = new DatagramSocket(0))
        {
            port = probe.getLocalPort();
        }
        config = new EdgeIngestConfig();
        config.endpoint = "127.0.0.1:" + port;
        config.streamId = STREAM_ID;
        config.aeronDir = null;
        config.maxImages = maxImages;
        config.maxImagesPerSource = maxImagesPerSource;
        config.imageFirstFrameS = imageFirstFrameS;
        metrics = new IngestMetrics();
        endpoint = new TelemetryEndpoint(config, metrics, clock, driverTuning);
        endpoint.start();
        target = new InetSocketAddress("127.0.0.1", port);
    }

    @Test
    void shouldRefuseTheDataOfASenderThatNamesATermLargerThanOurs() throws Exception
    {
        start(64, 16, 3600);
        final Subscription subscription = endpoint.subscription();

        try (DatagramSocket attacker = new DatagramSocket();
             ExclusivePublication honest = endpoint.transport().aeron().addExclusivePublication(
                 AeronTransport.udpChannel(config.endpoint), STREAM_ID))
        {
            attacker.send(packet(setup(FORGED_SESSION, FORGED_TERM_LENGTH), target));
            await().atMost(10, TimeUnit.SECONDS).until(() ->
                subscription.imageBySessionId(FORGED_SESSION) != null || refused(ImageAdmission.Refusal.TERM_LENGTH) > 0);

            final AtomicLong forgedBytes = new AtomicLong();
            final AtomicLong honestMessages = new AtomicLong();
            final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
            final int[] termOffset = {0};
            final Runnable sendAndPoll = () ->
            {
                try
                {
                    // Paced (several MB/s): a datagram the socket drops leaves a gap the forger never repairs, and
                    // the image then takes nothing past its window; a forger who paces, as this one, fills it.
                    for (int i = 0; i < 2; i++)
                    {
                        attacker.send(packet(data(FORGED_SESSION, FORGED_TERM_LENGTH, termOffset[0]), target));
                        termOffset[0] += FRAME;
                    }
                }
                catch (final java.io.IOException ex)
                {
                    throw new java.io.UncheckedIOException(ex);
                }
                honest.offer(message, 0, 64);
                endpoint.poll((buffer, offset, length, header) ->
                {
                    if (header.sessionId() == FORGED_SESSION)
                    {
                        forgedBytes.addAndGet(length);
                    }
                    else
                    {
                        honestMessages.incrementAndGet();
                    }
                }, 100);
                LockSupport.parkNanos(200_000);
            };
            // Until the refusal has reached the driver (a command to it, a moment after the image appeared: longer on a
            // loaded machine) and the image is gone: what the node took meanwhile is that race's, bounded by it.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while ((refused(ImageAdmission.Refusal.TERM_LENGTH) == 0 || subscription.imageBySessionId(FORGED_SESSION) != null) &&
                System.nanoTime() < deadline)
            {
                sendAndPoll.run();
            }
            assertThat(subscription.imageBySessionId(FORGED_SESSION)).as("the forged image, refused").isNull();
            final long takenBeforeRefusal = forgedBytes.get();
            sendFor(sendAndPoll, 1_500);

            assertThat(forgedBytes.get() - takenBeforeRefusal)
                .as("forged bytes the node took once the refusal was in place").isZero();
            assertThat(refused(ImageAdmission.Refusal.TERM_LENGTH)).isEqualTo(1);
            // An honest sender (our term length) is unaffected.
            assertThat(honestMessages.get()).isPositive();
        }
    }

    /**
     * Forged SETUPs of our own term length from one host made 3,571 images on a running node (10,000 SETUPs in 8 s):
     * each a log of its own in {@code /dev/shm} that takes the host's DATA, all of them polled by the ingest thread
     * (honest frames read fell from ~690 to ~280 a second while they lived). The node takes at most
     * {@code ODYSSEY_INGEST_MAX_IMAGES_PER_SOURCE} senders from one address; the rest are refused and take nothing.
     */
    @Test
    void shouldTakeNoMoreSendersFromOneAddressThanItsBound() throws Exception
    {
        final int bound = 4;
        final int forgedSessions = 20;
        start(64, bound, 3600);
        final Subscription subscription = endpoint.subscription();

        // Another address than the honest sender's (127.0.0.1): Linux answers for all of 127/8 on the loopback.
        try (DatagramSocket attacker = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0));
             ExclusivePublication honest = endpoint.transport().aeron().addExclusivePublication(
                 AeronTransport.udpChannel(config.endpoint), STREAM_ID))
        {
            final long[] positions = new long[forgedSessions];
            final long[] forgedBytes = new long[forgedSessions];
            final AtomicLong honestMessages = new AtomicLong();
            final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
            for (int i = 0; i < forgedSessions; i++)
            {
                attacker.send(packet(setup(FORGED_SESSION + i, AeronTransport.TERM_LENGTH), target));
            }
            final int[] next = {0};
            final Runnable sendAndPoll = () ->
            {
                // Every forged session keeps sending (~50 DATA frames a second each): alive unless refused.
                final int i = next[0]++ % forgedSessions;
                send(attacker, data(FORGED_SESSION + i, AeronTransport.TERM_LENGTH, positions[i]));
                positions[i] += FRAME;
                honest.offer(message, 0, 64);
                endpoint.poll((buffer, offset, length, header) ->
                {
                    final int forged = header.sessionId() - FORGED_SESSION;
                    if (forged >= 0 && forged < forgedSessions)
                    {
                        forgedBytes[forged] += length;
                    }
                    else
                    {
                        honestMessages.incrementAndGet();
                    }
                }, 100);
                LockSupport.parkNanos(1_000_000);
            };
            // Until only the senders within the bound are left: a refused image leaves at Aeron's image liveness
            // timeout (10 s), since it takes no packet after the refusal; one taken would stay while its sender sends.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((forgedImages(subscription, forgedSessions) != bound || refused(ImageAdmission.Refusal.SOURCE_LIMIT) == 0) &&
                System.nanoTime() < deadline)
            {
                sendAndPoll.run();
            }
            assertThat(forgedImages(subscription, forgedSessions)).as("forged senders the node still has").isEqualTo(bound);
            final long[] before = forgedBytes.clone();
            sendFor(sendAndPoll, 1_500);

            int taking = 0;
            for (int i = 0; i < forgedSessions; i++)
            {
                taking += forgedBytes[i] > before[i] ? 1 : 0;
            }
            assertThat(taking).as("forged sessions from one address whose data the node takes").isLessThanOrEqualTo(bound);
            assertThat(refused(ImageAdmission.Refusal.SOURCE_LIMIT)).isEqualTo(forgedSessions - bound);
            // The honest sender, from another address, is untouched.
            assertThat(honest.isConnected()).isTrue();
            assertThat(honestMessages.get()).isPositive();
        }
    }

    /**
     * A sender may connect, but it has {@code ODYSSEY_INGEST_IMAGE_FIRST_FRAME_S} to deliver a frame that verifies:
     * one that sends only junk is refused then, and a refused one takes nothing more and leaves Aeron's tables.
     */
    @Test
    void shouldRefuseASenderThatDeliversNoSignedFrameInTime() throws Exception
    {
        start(64, 16, 1.0);
        final Subscription subscription = endpoint.subscription();

        try (DatagramSocket attacker = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0));
             ExclusivePublication honest = endpoint.transport().aeron().addExclusivePublication(
                 AeronTransport.udpChannel(config.endpoint), STREAM_ID))
        {
            attacker.send(packet(setup(FORGED_SESSION, AeronTransport.TERM_LENGTH), target));
            final long[] position = {0};
            final AtomicLong forgedBytes = new AtomicLong();
            final AtomicLong honestMessages = new AtomicLong();
            final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
            final Runnable sendAndPoll = () ->
            {
                send(attacker, data(FORGED_SESSION, AeronTransport.TERM_LENGTH, position[0]));
                position[0] += FRAME;
                honest.offer(message, 0, 64);
                endpoint.poll((buffer, offset, length, header) ->
                {
                    if (header.sessionId() == FORGED_SESSION)
                    {
                        forgedBytes.addAndGet(length);
                    }
                    else
                    {
                        // What the ingest agent does for a frame its verifier passed.
                        endpoint.signedFrame(header);
                        honestMessages.incrementAndGet();
                    }
                }, 100);
                LockSupport.parkNanos(1_000_000);
            };
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(25);
            while ((forgedBytes.get() == 0 || subscription.imageBySessionId(FORGED_SESSION) != null) &&
                System.nanoTime() < deadline)
            {
                sendAndPoll.run();
            }
            assertThat(forgedBytes.get()).as("junk the node read before the deadline").isPositive();
            assertThat(subscription.imageBySessionId(FORGED_SESSION)).as("the silent sender, refused").isNull();
            final long takenBeforeRefusal = forgedBytes.get();
            sendFor(sendAndPoll, 1_500);

            assertThat(forgedBytes.get() - takenBeforeRefusal).as("junk taken once the refusal was in place").isZero();
            assertThat(refused(ImageAdmission.Refusal.NO_SIGNED_FRAME)).isEqualTo(1);
            // The sender whose frames verify stays.
            assertThat(honest.isConnected()).isTrue();
            assertThat(subscription.imageCount()).isEqualTo(1);
            assertThat(honestMessages.get()).isPositive();
        }
    }

    /**
     * Senders from many addresses together hold at most {@code ODYSSEY_INGEST_MAX_IMAGES} places (each a log in
     * {@code /dev/shm}); a place is free again once Aeron drops its sender.
     */
    @Test
    void shouldTakeNoMoreSendersThanTheNodeBoundAndFreeTheirPlacesWhenTheyGo() throws Exception
    {
        start(3, 3, 3600);
        final Subscription subscription = endpoint.subscription();

        try (DatagramSocket first = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0));
             DatagramSocket second = new DatagramSocket(new InetSocketAddress("127.0.0.3", 0)))
        {
            final DatagramSocket[] senders = {first, second, first, second};
            final long[] positions = new long[senders.length];
            for (int i = 0; i < senders.length; i++)
            {
                send(senders[i], setup(FORGED_SESSION + i, AeronTransport.TERM_LENGTH));
            }
            final int[] next = {0};
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while ((refused(ImageAdmission.Refusal.NODE_LIMIT) == 0 || endpoint.sendersTaken() != 3) &&
                System.nanoTime() < deadline)
            {
                final int i = next[0]++ % senders.length;
                send(senders[i], data(FORGED_SESSION + i, AeronTransport.TERM_LENGTH, positions[i]));
                positions[i] += FRAME;
                endpoint.poll((buffer, offset, length, header) -> { }, 100);
                LockSupport.parkNanos(1_000_000);
            }
            assertThat(endpoint.sendersTaken()).as("senders holding a place").isEqualTo(3);
            assertThat(refused(ImageAdmission.Refusal.NODE_LIMIT)).isEqualTo(1);
            assertThat(refused(ImageAdmission.Refusal.SOURCE_LIMIT)).isZero();

            // They fall silent: Aeron drops them at its image liveness timeout, and their places are free again.
            await().atMost(20, TimeUnit.SECONDS).pollInterval(100, TimeUnit.MILLISECONDS).until(() ->
            {
                endpoint.poll((buffer, offset, length, header) -> { }, 100);
                return endpoint.sendersTaken() == 0 && subscription.imageCount() == 0;
            });
            send(second, setup(FORGED_SESSION + senders.length, AeronTransport.TERM_LENGTH));
            await().atMost(10, TimeUnit.SECONDS).until(() -> endpoint.sendersTaken() == 1);
            assertThat(refused(ImageAdmission.Refusal.NODE_LIMIT)).as("refused since").isEqualTo(1);
        }
    }

    /**
     * A sender that has sent nothing yet (a MAVLink edge with no vehicle talking to it) keeps its place: there is no
     * frame of it to verify, and refusing it every few seconds made the edge's readiness flap, which in Kubernetes takes
     * it out of the Service that would bring it the vehicles whose frames it signs.
     */
    @Test
    void shouldKeepASenderThatHasSentNothingYet() throws Exception
    {
        start(64, 16, 0.5);
        final Subscription subscription = endpoint.subscription();

        try (ExclusivePublication idle = endpoint.transport().aeron().addExclusivePublication(
            AeronTransport.udpChannel(config.endpoint), STREAM_ID))
        {
            await().atMost(10, TimeUnit.SECONDS).pollInterval(10, TimeUnit.MILLISECONDS).until(() ->
            {
                endpoint.poll((buffer, offset, length, header) -> { }, 100);
                return idle.isConnected() && endpoint.sendersTaken() == 1;
            });
            // Four of its deadlines pass, the node polling all along.
            final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (System.nanoTime() < until)
            {
                endpoint.poll((buffer, offset, length, header) -> { }, 100);
                LockSupport.parkNanos(1_000_000);
            }
            assertThat(refused(ImageAdmission.Refusal.NO_SIGNED_FRAME)).isZero();
            assertThat(idle.isConnected()).isTrue();
            assertThat(subscription.imageCount()).isEqualTo(1);
        }
    }

    /**
     * Aeron keeps an image alive on SETUPs and heartbeats alone: silent senders may keep their places past the deadline
     * only within a small budget (one per address), so a host sending nothing cannot hold places for good.
     */
    @Test
    void shouldKeepOnlyOneSilentSenderPerAddressPastTheDeadline() throws Exception
    {
        start(64, 16, 0.5);
        try (DatagramSocket attacker = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0)))
        {
            for (int i = 0; i < 3; i++)
            {
                send(attacker, setup(FORGED_SESSION + i, AeronTransport.TERM_LENGTH));
            }
            final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            while (System.nanoTime() < until)
            {
                endpoint.poll((buffer, offset, length, header) -> { }, 100);
                LockSupport.parkNanos(1_000_000);
            }
            assertThat(refused(ImageAdmission.Refusal.NO_SIGNED_FRAME)).as("silent senders of one address refused")
                .isEqualTo(2);
        }
    }

    /** A silent sender's place is given back when it proves itself, and the next silent one of its address takes it. */
    @Test
    void shouldGiveASilentPlaceBackWhenItsSenderSignsAFrame() throws Exception
    {
        start(64, 16, 0.5);
        final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
        try (ExclusivePublication idle = endpoint.transport().aeron().addExclusivePublication(
            AeronTransport.udpChannel(config.endpoint), STREAM_ID);
             DatagramSocket sameAddress = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)))
        {
            await().atMost(10, TimeUnit.SECONDS).pollInterval(10, TimeUnit.MILLISECONDS).until(() ->
            {
                endpoint.poll((buffer, offset, length, header) -> { }, 100);
                return idle.isConnected() && endpoint.sendersTaken() == 1;
            });
            pollFor(1_000);
            // The idle sender holds 127.0.0.1's silent place: another silent one from there is refused.
            send(sameAddress, setup(FORGED_SESSION, AeronTransport.TERM_LENGTH));
            pollFor(1_500);
            assertThat(refused(ImageAdmission.Refusal.NO_SIGNED_FRAME)).isEqualTo(1);

            // It signs a frame (what the agent reports for a frame that verified): the place is free again.
            final long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            final AtomicLong proved = new AtomicLong();
            while (proved.get() == 0 && System.nanoTime() < until)
            {
                idle.offer(message, 0, 64);
                endpoint.poll((buffer, offset, length, header) ->
                {
                    endpoint.signedFrame(header);
                    proved.incrementAndGet();
                }, 100);
                LockSupport.parkNanos(1_000_000);
            }
            assertThat(proved.get()).isPositive();
            send(sameAddress, setup(FORGED_SESSION + 1, AeronTransport.TERM_LENGTH));
            pollFor(1_500);
            assertThat(refused(ImageAdmission.Refusal.NO_SIGNED_FRAME)).as("the next silent one keeps the place").isEqualTo(1);
            assertThat(idle.isConnected()).isTrue();
        }
    }

    /**
     * A refused sender's frames are never read again, not even those it wrote before the refusal: the subscription used
     * to poll every image Aeron had, refused ones too until Aeron dropped them at its liveness timeout (10 s), so what a
     * sender wrote ahead of the refusal (up to half a term past our position) was still read and checked, and each
     * refused image kept a place in the poll loop.
     */
    @Test
    void shouldReadNoFrameOfASenderOnceItIsRefused() throws Exception
    {
        final AtomicLong now = new AtomicLong(System.nanoTime());
        start(64, 16, 1.0, now::get);
        final Subscription subscription = endpoint.subscription();

        try (DatagramSocket attacker = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0)))
        {
            final AtomicLong forgedFrames = new AtomicLong();
            final FragmentHandler handler = (buffer, offset, length, header) ->
            {
                if (header.sessionId() == FORGED_SESSION)
                {
                    forgedFrames.incrementAndGet();
                }
            };
            send(attacker, setup(FORGED_SESSION, AeronTransport.TERM_LENGTH));
            await().atMost(10, TimeUnit.SECONDS).pollInterval(10, TimeUnit.MILLISECONDS).until(() ->
            {
                endpoint.poll(handler, 100);
                return endpoint.sendersTaken() == 1;
            });
            // One junk frame of it is read: it is a sender that sends, not a silent one.
            send(attacker, data(FORGED_SESSION, AeronTransport.TERM_LENGTH, 0));
            await().atMost(10, TimeUnit.SECONDS).pollInterval(10, TimeUnit.MILLISECONDS).until(() ->
            {
                endpoint.poll(handler, 100);
                return forgedFrames.get() == 1;
            });

            // More junk arrives while the ingest thread is busy elsewhere: it waits in the image's log, unread.
            final int waiting = 32;
            for (int i = 1; i <= waiting; i++)
            {
                send(attacker, data(FORGED_SESSION, AeronTransport.TERM_LENGTH, (long)i * FRAME));
            }
            final Image image = subscription.imageBySessionId(FORGED_SESSION);
            await().atMost(10, TimeUnit.SECONDS).until(() -> framesWaiting(image) == waiting);

            // Its time for a signed frame is up: the next poll refuses it, and nothing of it is read from then on.
            now.addAndGet(TimeUnit.SECONDS.toNanos(2));
            final long readBefore = forgedFrames.get();
            final long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_000);
            while (System.nanoTime() < until)
            {
                endpoint.poll(handler, 100);
                LockSupport.parkNanos(1_000_000);
            }
            assertThat(refused(ImageAdmission.Refusal.NO_SIGNED_FRAME)).isEqualTo(1);
            assertThat(forgedFrames.get() - readBefore).as("frames of the refused sender read after its refusal").isZero();
            // What it took is skipped, unread, so Aeron drops it (its liveness timeout, 10 s) and its log goes.
            await().atMost(30, TimeUnit.SECONDS).pollInterval(10, TimeUnit.MILLISECONDS).until(() ->
            {
                endpoint.poll(handler, 100);
                return subscription.imageBySessionId(FORGED_SESSION) == null;
            });
            assertThat(forgedFrames.get() - readBefore).isZero();
        }
    }

    /**
     * A review of the skipping read that Aeron's block scanner stops at a frame whose stated length runs past its term,
     * and that the driver stores a forged DATA frame's length field as sent: a refused image holding one would never
     * be consumed, so never dropped (its log and counters held for good). This test did not show that on the block
     * poll either (the image was dropped), but the skip is now a fragment poll, which steps over such a frame as
     * Aeron's own {@code Subscription.poll} did; the test holds the skipping to dropping such an image.
     */
    @Test
    void shouldDropARefusedSenderWhoseFrameClaimsALengthPastItsTerm() throws Exception
    {
        start(64, 1, 3600);
        final Subscription subscription = endpoint.subscription();
        try (DatagramSocket attacker = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0)))
        {
            // The first session from the address is taken; the second is refused on arrival (source_limit).
            send(attacker, setup(FORGED_SESSION, AeronTransport.TERM_LENGTH));
            // Its stream starts 64 bytes before the end of its first term, where a 64-byte frame says it is 128 long.
            final int offset = AeronTransport.TERM_LENGTH - 64;
            final byte[] setup = setup(FORGED_SESSION + 1, AeronTransport.TERM_LENGTH);
            ByteBuffer.wrap(setup).order(ByteOrder.LITTLE_ENDIAN).putInt(8, offset);
            send(attacker, setup);
            final ByteBuffer frame = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            frame.putInt(128).put((byte)0).put((byte)0xC0).putShort((short)0x01)
                .putInt(offset).putInt(FORGED_SESSION + 1).putInt(STREAM_ID).putInt(7).putLong(0);
            final byte[] lying = frame.array();
            await().atMost(10, TimeUnit.SECONDS).pollInterval(10, TimeUnit.MILLISECONDS).until(() ->
            {
                send(attacker, lying);
                pollFor(5);
                return refused(ImageAdmission.Refusal.SOURCE_LIMIT) == 1;
            });
            await().atMost(30, TimeUnit.SECONDS).pollInterval(10, TimeUnit.MILLISECONDS).until(() ->
            {
                pollFor(5);
                return subscription.imageBySessionId(FORGED_SESSION + 1) == null;
            });
            assertThat(metrics.metrics.renderPrometheus()).contains("odyssey_ingest_aeron_images_unread{role=\"edge-ingest\"} 0\n");
        }
    }

    /**
     * Every SETUP of a new session made the media driver map a log for it, refused or not, until it dropped the image
     * 10 s after its last packet: SETUPs from many (spoofed) sources filled {@code /dev/shm}. The driver now holds at
     * most {@code ODYSSEY_INGEST_MAX_IMAGES} + {@link ImageAdmission#REFUSED_IMAGE_ROOM} images on the stream and ignores
     * SETUPs past that.
     */
    @Test
    void shouldMapNoMoreImagesThanTheSendersTakenAndRoomForRefusedOnes() throws Exception
    {
        final int maxImages = 2;
        final int bound = maxImages + ImageAdmission.REFUSED_IMAGE_ROOM;
        final int forgedSessions = bound + 30;
        start(maxImages, 1, 3600);
        final Subscription subscription = endpoint.subscription();

        try (DatagramSocket attacker = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0)))
        {
            // Until every image the driver will take is there, and then some more SETUPs of all sessions.
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (subscription.imageCount() < bound && System.nanoTime() < deadline)
            {
                for (int i = 0; i < forgedSessions; i++)
                {
                    send(attacker, setup(FORGED_SESSION + i, AeronTransport.TERM_LENGTH));
                }
                pollFor(20);
            }
            for (int round = 0; round < 10; round++)
            {
                for (int i = 0; i < forgedSessions; i++)
                {
                    send(attacker, setup(FORGED_SESSION + i, AeronTransport.TERM_LENGTH));
                }
                pollFor(50);
            }
            await().atMost(10, TimeUnit.SECONDS).until(() -> refused(ImageAdmission.Refusal.SOURCE_LIMIT) == bound - 1);
            assertThat(subscription.imageCount()).as("images the driver maps").isEqualTo(bound);
            assertThat(endpoint.sendersTaken()).isEqualTo(1);
            assertThat(metrics.metrics.renderPrometheus()).as("the gauge of images not read")
                .contains("odyssey_ingest_aeron_images_unread{role=\"edge-ingest\"} " + (bound - 1) + "\n");
        }
    }

    /**
     * Each SETUP past the driver's stream session limit is an error inside the driver ("exceeded session limit", naming
     * the sender's address and port). Aeron records each distinct one in the driver's error log ({@code cnc.dat}, 4 MiB)
     * and, once that is full, printed each further one to the process's stderr, two lines per SETUP: forged SETUPs from
     * many ports flooded the ingest container's log without bound (400 SETUPs here: ~750 lines). The error log is
     * made small here (4 KiB, a few dozen errors) so that it is full from the start, as a flood leaves it.
     */
    @Test
    void shouldNotFloodTheLogWithSetupsPastTheSessionLimitFromManyPorts() throws Exception
    {
        final int maxImages = 1;
        final int bound = maxImages + ImageAdmission.REFUSED_IMAGE_ROOM;
        final int forgedPorts = 400;
        try (LinesOf stderr = LinesOf.stderr("exceeded session limit");
             LinesOf stdout = LinesOf.stdout("exceeded session limit"))
        {
            start(maxImages, 1, 3600, SystemNanoClock.INSTANCE, driver -> driver.errorLog(
                new DistinctErrorLog(new UnsafeBuffer(ByteBuffer.allocateDirect(4096)), SystemEpochClock.INSTANCE)));
            final Subscription subscription = endpoint.subscription();
            try (DatagramSocket filler = new DatagramSocket(new InetSocketAddress("127.0.0.2", 0)))
            {
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (subscription.imageCount() < bound && System.nanoTime() < deadline)
                {
                    for (int i = 0; i < bound; i++)
                    {
                        send(filler, setup(FORGED_SESSION + i, AeronTransport.TERM_LENGTH));
                    }
                    pollFor(20);
                }
            }
            assertThat(subscription.imageCount()).as("images: the driver's session limit reached").isEqualTo(bound);

            // A SETUP of a new session from each of many ports: each a distinct error to the driver.
            for (int i = 0; i < forgedPorts; i++)
            {
                try (DatagramSocket forger = new DatagramSocket(new InetSocketAddress("127.0.0.3", 0)))
                {
                    send(forger, setup(FORGED_SESSION + 1_000 + i, AeronTransport.TERM_LENGTH));
                }
                if (i % 10 == 9)
                {
                    pollFor(2);
                }
            }
            await().atMost(10, TimeUnit.SECONDS)
                .until(() -> metrics.aeronDriverErrors(AeronDriverErrors.Kind.SESSION_LIMIT) >= forgedPorts);
            pollFor(200);

            assertThat(stderr.count()).as("lines on stderr about the session limit").isZero();
            assertThat(stdout.count()).as("log lines about the session limit (one a minute)").isEqualTo(1);
        }
    }

    /** Counts the lines containing {@code text} written to stdout or stderr while open; they still reach it. */
    private static final class LinesOf extends OutputStream implements AutoCloseable
    {
        private final boolean err;
        private final PrintStream original;
        private final String text;
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        private int count;

        private LinesOf(final boolean err, final String text)
        {
            this.err = err;
            this.original = err ? System.err : System.out;
            this.text = text;
            final PrintStream tee = new PrintStream(this, true, StandardCharsets.UTF_8);
            if (err)
            {
                System.setErr(tee);
            }
            else
            {
                System.setOut(tee);
            }
        }

        static LinesOf stderr(final String text)
        {
            return new LinesOf(true, text);
        }

        static LinesOf stdout(final String text)
        {
            return new LinesOf(false, text);
        }

        public synchronized void write(final int b)
        {
            original.write(b);
            if (b == '\n')
            {
                if (line.toString(StandardCharsets.UTF_8).contains(text))
                {
                    count++;
                }
                line.reset();
            }
            else
            {
                line.write(b);
            }
        }

        synchronized int count()
        {
            return count;
        }

        public void close()
        {
            System.out.flush();
            System.err.flush();
            if (err)
            {
                System.setErr(original);
            }
            else
            {
                System.setOut(original);
            }
        }
    }

    /** Frames that arrived in {@code image} and are not read yet, counted without reading them. */
    private static int framesWaiting(final Image image)
    {
        final int[] frames = {0};
        image.controlledPeek(image.position(), (buffer, offset, length, header) ->
        {
            frames[0]++;
            return ControlledFragmentHandler.Action.CONTINUE;
        }, Long.MAX_VALUE);
        return frames[0];
    }

    private void pollFor(final long millis)
    {
        final long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < until)
        {
            endpoint.poll((buffer, offset, length, header) -> { }, 100);
            LockSupport.parkNanos(1_000_000);
        }
    }

    /**
     * What an honest sender whose first signed frame comes late sees (docs/operations.md, "Telemetry senders"): it is
     * refused and no longer connected, and once Aeron dropped the refused image it connects again by itself and is
     * read, now that its frames verify.
     */
    @Test
    void shouldLetASenderRefusedForALateFirstFrameConnectAgain() throws Exception
    {
        start(64, 16, 1.0);
        final Subscription subscription = endpoint.subscription();

        try (ExclusivePublication late = endpoint.transport().aeron().addExclusivePublication(
            AeronTransport.udpChannel(config.endpoint), STREAM_ID))
        {
            final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
            final boolean[] verifies = {false};
            final AtomicLong read = new AtomicLong();
            final Runnable sendAndPoll = () ->
            {
                late.offer(message, 0, 64);
                endpoint.poll((buffer, offset, length, header) ->
                {
                    if (verifies[0])
                    {
                        endpoint.signedFrame(header);
                    }
                    read.incrementAndGet();
                }, 100);
                LockSupport.parkNanos(1_000_000);
            };
            final long refusedBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while ((refused(ImageAdmission.Refusal.NO_SIGNED_FRAME) == 0 || late.isConnected()) &&
                System.nanoTime() < refusedBy)
            {
                sendAndPoll.run();
            }
            assertThat(refused(ImageAdmission.Refusal.NO_SIGNED_FRAME)).isEqualTo(1);
            assertThat(late.isConnected()).as("the refused sender, connected").isFalse();

            verifies[0] = true;
            final long connectedBy = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!(late.isConnected() && subscription.imageCount() == 1 && endpoint.sendersTaken() == 1) &&
                System.nanoTime() < connectedBy)
            {
                sendAndPoll.run();
            }
            assertThat(late.isConnected()).as("connected again").isTrue();
            final long readBefore = read.get();
            sendFor(sendAndPoll, 2_000);
            assertThat(read.get() - readBefore).as("frames read once connected again").isPositive();
            assertThat(refused(ImageAdmission.Refusal.NO_SIGNED_FRAME)).as("refused once only").isEqualTo(1);
            assertThat(late.isConnected()).isTrue();
        }
    }

    private static int forgedImages(final Subscription subscription, final int forgedSessions)
    {
        int count = 0;
        for (int i = 0; i < forgedSessions; i++)
        {
            count += subscription.imageBySessionId(FORGED_SESSION + i) != null ? 1 : 0;
        }
        return count;
    }

    private void send(final DatagramSocket socket, final byte[] bytes)
    {
        try
        {
            socket.send(packet(bytes, target));
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    private static void sendFor(final Runnable step, final long millis)
    {
        final long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < until)
        {
            step.run();
        }
    }

    private long refused(final ImageAdmission.Refusal refusal)
    {
        return metrics.aeronImagesRefused(refusal);
    }

    /** Aeron's SETUP frame (40 bytes), as any UDP sender can write it. */
    private static byte[] setup(final int session, final int termLength)
    {
        final ByteBuffer frame = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        frame.putInt(40).put((byte)0).put((byte)0).putShort((short)0x05)
            .putInt(0).putInt(session).putInt(STREAM_ID).putInt(7).putInt(7)
            .putInt(termLength).putInt(MTU).putInt(0);
        return frame.array();
    }

    /** A DATA frame of zeros at {@code position} of a forged session's stream (terms from id 7 on). */
    private static byte[] data(final int session, final int termLength, final long position)
    {
        final ByteBuffer frame = ByteBuffer.allocate(FRAME).order(ByteOrder.LITTLE_ENDIAN);
        frame.putInt(FRAME).put((byte)0).put((byte)0xC0).putShort((short)0x01)
            .putInt((int)(position % termLength)).putInt(session).putInt(STREAM_ID).putInt(7 + (int)(position / termLength))
            .putLong(0);
        return frame.array();
    }

    private static DatagramPacket packet(final byte[] bytes, final InetSocketAddress target)
    {
        return new DatagramPacket(bytes, bytes.length, target);
    }
}
