package io.odyssey.ingest;

import io.aeron.ExclusivePublication;
import io.aeron.Subscription;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.testing.FailOnErrorLog;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

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

    private TelemetryEndpoint endpoint;

    @AfterEach
    void stop()
    {
        if (endpoint != null)
        {
            endpoint.stop();
        }
    }

    @Test
    void shouldRefuseTheDataOfASenderThatNamesATermLargerThanOurs() throws Exception
    {
        final int port;
        try (DatagramSocket probe = new DatagramSocket(0))
        {
            port = probe.getLocalPort();
        }
        final EdgeIngestConfig config = new EdgeIngestConfig();
        config.endpoint = "127.0.0.1:" + port;
        config.streamId = STREAM_ID;
        config.aeronDir = null;
        final IngestMetrics metrics = new IngestMetrics();
        endpoint = new TelemetryEndpoint(config, metrics);
        endpoint.start();
        final Subscription subscription = endpoint.subscription();
        final InetSocketAddress target = new InetSocketAddress("127.0.0.1", port);

        try (DatagramSocket attacker = new DatagramSocket();
             ExclusivePublication honest = endpoint.transport().aeron().addExclusivePublication(
                 AeronTransport.udpChannel(config.endpoint), STREAM_ID))
        {
            attacker.send(packet(setup(), target));
            await().atMost(10, TimeUnit.SECONDS)
                .until(() -> subscription.imageBySessionId(FORGED_SESSION) != null || metrics.aeronImagesRefused.get() > 0);

            final AtomicLong forgedBytes = new AtomicLong();
            final AtomicLong honestMessages = new AtomicLong();
            final UnsafeBuffer message = new UnsafeBuffer(ByteBuffer.allocateDirect(64));
            final int[] termOffset = {0};
            final Runnable sendAndPoll = () ->
            {
                try
                {
                    // Paced (~10 MB/s): a datagram the socket drops leaves a gap the forger never repairs, and
                    // the image then takes nothing past its window; a forger who paces, as this one, fills it.
                    for (int i = 0; i < 2; i++)
                    {
                        attacker.send(packet(data(termOffset[0]), target));
                        termOffset[0] += MTU;
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
            while ((metrics.aeronImagesRefused.get() == 0 || subscription.imageBySessionId(FORGED_SESSION) != null) &&
                System.nanoTime() < deadline)
            {
                sendAndPoll.run();
            }
            assertThat(subscription.imageBySessionId(FORGED_SESSION)).as("the forged image, refused").isNull();
            final long takenBeforeRefusal = forgedBytes.get();
            sendFor(sendAndPoll, 1_500);

            assertThat(forgedBytes.get() - takenBeforeRefusal)
                .as("forged bytes the node took once the refusal was in place").isZero();
            assertThat(metrics.aeronImagesRefused.get()).isEqualTo(1);
            // An honest sender (our term length) is unaffected.
            assertThat(honestMessages.get()).isPositive();
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

    /** Aeron's SETUP frame (40 bytes), as any UDP sender can write it. */
    private static byte[] setup()
    {
        final ByteBuffer frame = ByteBuffer.allocate(40).order(ByteOrder.LITTLE_ENDIAN);
        frame.putInt(40).put((byte)0).put((byte)0).putShort((short)0x05)
            .putInt(0).putInt(FORGED_SESSION).putInt(STREAM_ID).putInt(7).putInt(7)
            .putInt(FORGED_TERM_LENGTH).putInt(MTU).putInt(0);
        return frame.array();
    }

    /** A DATA frame of one MTU of zeros at {@code termOffset} of the forged session's first term. */
    private static byte[] data(final int termOffset)
    {
        final ByteBuffer frame = ByteBuffer.allocate(MTU).order(ByteOrder.LITTLE_ENDIAN);
        frame.putInt(MTU).put((byte)0).put((byte)0xC0).putShort((short)0x01)
            .putInt(termOffset % FORGED_TERM_LENGTH).putInt(FORGED_SESSION).putInt(STREAM_ID).putInt(7).putLong(0);
        return frame.array();
    }

    private static DatagramPacket packet(final byte[] bytes, final InetSocketAddress target)
    {
        return new DatagramPacket(bytes, bytes.length, target);
    }
}
