package io.odyssey.gateway;

import io.odyssey.grid.DroneState;
import org.agrona.concurrent.EpochNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The session's lock rule against a link that behaves like Undertow's channel: sending and closing take the channel's
 * lock, and the I/O thread holds that lock while it runs the channel's close task, which closes the session. A session
 * that called the link while holding its own lock would deadlock here (issue 10, item 1); each test reproduces one
 * path to that inversion with the threads forced into the fatal order.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientSessionLockOrderTest
{
    private static final long MS = 1_000_000L;
    private static final EpochNanoClock EPOCH = () -> 1_764_000_000_000_000_000L;
    /** How long the fake channel waits for its lock before giving up (and reporting the deadlock). */
    private static final long CHANNEL_LOCK_WAIT_S = 10;

    private final GatewayMetrics metrics = new GatewayMetrics();
    private final ChannelLikeLink link = new ChannelLikeLink();
    private final FleetView fleet = new FleetView(() -> { }, () -> { });
    private final ClientSession session = new ClientSession(link, metrics, 1 << 20, 1_000 * MS, 16 * MS, System.nanoTime());
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final CountDownLatch ioThreadClosedTheSession = new CountDownLatch(1);
    private Future<?> ioThreadDone;

    @AfterEach
    void stopThreads()
    {
        threads.shutdownNow();
    }

    @Test
    void shouldLetTheCloseTaskCloseTheSessionWhileTheFanOutWaitsForTheChannel() throws Exception
    {
        put(1, 1);
        session.requestSnapshot(null);
        final Future<?> fanOut = whileTheIoThreadHoldsTheChannel(() ->
            session.flush(fleet, System.nanoTime(), new FrameWriter(256), new DroneJson(),
                new DroneRecords(new NodeTable(() -> { }), metrics), EPOCH));

        assertThat(ioThreadClosedTheSession.await(3, TimeUnit.SECONDS))
            .as("the close task got the session while the fan-out was sending (no lock-order inversion)").isTrue();
        fanOut.get(CHANNEL_LOCK_WAIT_S + 5, TimeUnit.SECONDS);
        ioThreadDone.get(CHANNEL_LOCK_WAIT_S + 5, TimeUnit.SECONDS);
        assertThat(link.lockTimeouts).as("nobody waited for the channel in vain").isZero();
        assertThat(link.sent).hasSize(1);
        assertThat(session.isClosed()).isTrue();
    }

    @Test
    void shouldTakeChangesWhileTheFanOutWaitsForTheChannel() throws Exception
    {
        put(1, 1);
        session.requestSnapshot(null);
        link.channel.lock();
        try
        {
            final Future<?> fanOut = threads.submit(() ->
                session.flush(fleet, System.nanoTime(), new FrameWriter(256), new DroneJson(),
                new DroneRecords(new NodeTable(() -> { }), metrics), EPOCH));
            assertThat(link.sendEntered.await(5, TimeUnit.SECONDS)).isTrue();
            // A Hazelcast event thread marking a change must not queue behind a send.
            put(1, 2);
            final Future<Long> change = threads.submit(() -> session.onChange(fleet.get(1L), System.nanoTime()));
            assertThat(change.get(3, TimeUnit.SECONDS)).isNotNull();
            link.channel.unlock();
            fanOut.get(CHANNEL_LOCK_WAIT_S + 5, TimeUnit.SECONDS);
        }
        finally
        {
            if (link.channel.isHeldByCurrentThread())
            {
                link.channel.unlock();
            }
        }
        assertThat(link.lockTimeouts).isZero();
    }

    @Test
    void shouldLetTheCloseTaskCloseTheSessionWhileAnAnswerWaitsForTheChannel() throws Exception
    {
        final Future<?> feed = whileTheIoThreadHoldsTheChannel(() -> session.reply("{\"type\":\"alert\"}"));

        assertThat(ioThreadClosedTheSession.await(3, TimeUnit.SECONDS))
            .as("the close task got the session while an alert was being sent").isTrue();
        feed.get(CHANNEL_LOCK_WAIT_S + 5, TimeUnit.SECONDS);
        ioThreadDone.get(CHANNEL_LOCK_WAIT_S + 5, TimeUnit.SECONDS);
        assertThat(link.lockTimeouts).isZero();
    }

    @Test
    void shouldLetTheCloseTaskCloseTheSessionWhileTheGatewayClosesTheConnection() throws Exception
    {
        final Future<?> failing = whileTheIoThreadHoldsTheChannel(session::fail);

        assertThat(ioThreadClosedTheSession.await(3, TimeUnit.SECONDS))
            .as("the close task got the session while the gateway was closing the link").isTrue();
        failing.get(CHANNEL_LOCK_WAIT_S + 5, TimeUnit.SECONDS);
        ioThreadDone.get(CHANNEL_LOCK_WAIT_S + 5, TimeUnit.SECONDS);
        assertThat(link.lockTimeouts).isZero();
        assertThat(link.closeCodes).containsExactly(ClientSession.CLOSE_INTERNAL_ERROR);
    }

    @Test
    void shouldHandFramesToTheLinkInTheOrderTheyWereBuiltWhicheverThreadSendsThem() throws Exception
    {
        link.yieldInSend = true;
        final int threadsSending = 4;
        final int framesEach = 2_000;
        final CountDownLatch start = new CountDownLatch(1);
        final List<Future<?>> senders = new ArrayList<>();
        for (int t = 0; t < threadsSending; t++)
        {
            final int thread = t;
            senders.add(threads.submit(() ->
            {
                start.await();
                for (int i = 0; i < framesEach; i++)
                {
                    assertThat(session.reply(thread + ":" + i)).isTrue();
                }
                return null;
            }));
        }
        start.countDown();
        for (final Future<?> sender : senders)
        {
            sender.get(30, TimeUnit.SECONDS);
        }

        assertThat(link.sent).hasSize(threadsSending * framesEach);
        final int[] next = new int[threadsSending];
        for (final String frame : link.sent)
        {
            final int thread = Integer.parseInt(frame.substring(0, frame.indexOf(':')));
            final int index = Integer.parseInt(frame.substring(frame.indexOf(':') + 1));
            assertThat(index).as("frames of thread %d in the order built", thread).isEqualTo(next[thread]);
            next[thread]++;
        }
        assertThat(session.pendingBytes()).as("every frame reported written").isZero();
    }

    /**
     * Plays the fatal interleaving: the I/O thread holds the channel's lock, {@code action} runs on another thread
     * until it is inside the link (waiting for the channel), then the I/O thread runs the close task.
     */
    private Future<?> whileTheIoThreadHoldsTheChannel(final Runnable action) throws Exception
    {
        final CountDownLatch channelHeld = new CountDownLatch(1);
        final CountDownLatch mayRelease = new CountDownLatch(1);
        final Future<?> ioThread = threads.submit(() ->
        {
            link.channel.lock();
            try
            {
                channelHeld.countDown();
                if (link.sendEntered.await(5, TimeUnit.SECONDS))
                {
                    // The channel's close task, as FleetFeed.remove runs it.
                    session.close(CloseReason.CLIENT);
                    ioThreadClosedTheSession.countDown();
                }
                mayRelease.await(CHANNEL_LOCK_WAIT_S + 5, TimeUnit.SECONDS);
            }
            finally
            {
                link.channel.unlock();
            }
            return null;
        });
        assertThat(channelHeld.await(5, TimeUnit.SECONDS)).isTrue();
        final Future<?> other = threads.submit(action);
        assertThat(link.sendEntered.await(5, TimeUnit.SECONDS)).as("the action reached the link").isTrue();
        threads.submit(() ->
        {
            // Let the I/O thread go once it closed the session, or once the other side gave up on the channel.
            while (ioThreadClosedTheSession.getCount() > 0 && !other.isDone())
            {
                Thread.onSpinWait();
            }
            mayRelease.countDown();
        });
        ioThreadDone = ioThread;
        return other;
    }

    private void put(final long id, final long seq)
    {
        fleet.merge(new DroneState(id, seq, 1, 2, 3, 1.0, 1.0, 10f, 90f, 5f, 0f, 80f, "CRUISING", 0, "n"), 4);
    }

    /** Takes a lock for every send and close, as Undertow's WebSocket channel does. */
    private static final class ChannelLikeLink implements ClientSession.Link
    {
        final ReentrantLock channel = new ReentrantLock();
        final CountDownLatch sendEntered = new CountDownLatch(1);
        final List<String> sent = new CopyOnWriteArrayList<>();
        final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
        volatile int lockTimeouts;
        volatile boolean yieldInSend;

        public void sendText(final ByteBuffer frame, final IntConsumer written)
        {
            sendEntered.countDown();
            final int length = frame.remaining();
            withChannel(() ->
            {
                final byte[] bytes = new byte[length];
                frame.get(bytes);
                sent.add(new String(bytes, StandardCharsets.UTF_8));
                if (yieldInSend)
                {
                    Thread.yield();
                }
            });
            written.accept(length);
        }

        public void sendBinary(final ByteBuffer frame, final IntConsumer written)
        {
            throw new AssertionError("a JSON client got a binary frame");
        }

        public void close(final int code, final String reason)
        {
            sendEntered.countDown();
            withChannel(() -> closeCodes.add(code));
        }

        public void ping()
        {
            withChannel(() -> { });
        }

        private void withChannel(final Runnable action)
        {
            try
            {
                if (!channel.tryLock(CHANNEL_LOCK_WAIT_S, TimeUnit.SECONDS))
                {
                    lockTimeouts++;
                    return;
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return;
            }
            try
            {
                action.run();
            }
            finally
            {
                channel.unlock();
            }
        }
    }
}
