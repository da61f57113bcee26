package io.odyssey.gateway;

import io.odyssey.gateway.control.AccessControl;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rules over all of a gateway's WebSocket sessions, with fake connections: sessions per client, the send budget
 * (the clients furthest behind are closed, a client that reads never is) and tokens checked again.
 */
class OpenSessionsTest
{
    private static final long MS = 1_000_000L;

    private final GatewayMetrics metrics = new GatewayMetrics();
    private final OpenSessions sessions = new OpenSessions(3, 100_000, metrics);

    @AfterEach
    void close()
    {
        sessions.close();
    }

    @Test
    void shouldAdmitAClientsSessionsUpToItsMaximumAndOneMoreOnceOneEnded()
    {
        final ClientSession[] mine = {session(new StuckLink()), session(new StuckLink()), session(new StuckLink())};
        for (final ClientSession session : mine)
        {
            assertThat(sessions.admit(session, "token-a")).isTrue();
        }
        assertThat(sessions.full("token-a")).isTrue();
        assertThat(sessions.admit(session(new StuckLink()), "token-a")).as("a fourth").isFalse();
        assertThat(sessions.admit(session(new StuckLink()), "token-b")).as("another client").isTrue();
        assertThat(metrics.sessionsRefused.get()).isEqualTo(1);

        sessions.release(mine[0]);
        sessions.release(mine[0]);
        assertThat(sessions.full("token-a")).as("released once, however often called").isFalse();
        assertThat(sessions.admit(session(new StuckLink()), "token-a")).isTrue();
        assertThat(sessions.full("token-a")).isTrue();
        assertThat(sessions.size()).isEqualTo(4);
    }

    @Test
    void shouldCloseTheClientsFurthestBehindUntilTheRestFitTheBudgetAndNeverOneThatReads()
    {
        final StuckLink[] links = new StuckLink[4];
        final ClientSession[] stuck = new ClientSession[4];
        for (int i = 0; i < stuck.length; i++)
        {
            links[i] = new StuckLink();
            stuck[i] = session(links[i]);
            sessions.admit(stuck[i], "client-" + i);
            // 40, 30, 20 and 10 kB unsent: 100 kB in all, at the budget.
            assertThat(stuck[i].reply(" ".repeat(10_000 * (4 - i)))).isTrue();
        }
        final ReadingLink reading = new ReadingLink();
        final ClientSession reader = session(reading);
        sessions.admit(reader, "reader");
        assertThat(sessions.shed(later())).as("at the budget, not above it").isZero();

        assertThat(stuck[3].reply(" ".repeat(25_000))).isTrue();
        assertThat(reader.reply(" ".repeat(50_000))).isTrue();
        assertThat(sessions.pendingBytes()).isEqualTo(125_000);

        assertThat(sessions.shed(later())).as("the 40 kB one is enough").isEqualTo(1);
        assertThat(links[0].closeCode).isEqualTo(ClientSession.CLOSE_POLICY_VIOLATION);
        assertThat(links[0].closeReason).contains("send budget");
        assertThat(links[1].closeCode).isZero();
        assertThat(links[3].closeCode).isZero();
        assertThat(reading.closed).as("a client that reads holds nothing unsent").isFalse();
        assertThat(metrics.sessionsShed.get()).isEqualTo(1);
        assertThat(metrics.clientsClosed[CloseReason.SLOW.ordinal()].get()).isEqualTo(1);
        assertThat(sessions.shed(later())).as("the closed session's bytes go with its connection").isZero();
    }

    @Test
    void shouldCloseNoClientThatMadeProgressWithinTheGrace()
    {
        // Both above the budget together, both with progress a moment ago: at first a client that never reads takes
        // frames into its socket buffers like one that reads, so neither is judged yet.
        final StuckLink first = new StuckLink();
        final ClientSession one = session(first);
        final StuckLink second = new StuckLink();
        final ClientSession other = session(second);
        sessions.admit(one, "one");
        sessions.admit(other, "other");
        assertThat(one.reply(" ".repeat(70_000))).isTrue();
        assertThat(other.reply(" ".repeat(70_000))).isTrue();

        assertThat(sessions.shed(System.nanoTime())).as("within the grace").isZero();
        assertThat(sessions.shed(later())).as("past it: the one longest without progress").isEqualTo(1);
        assertThat(first.closeCode).isEqualTo(ClientSession.CLOSE_POLICY_VIOLATION);
        assertThat(second.closeCode).isZero();
    }

    /** A moment past the grace, as the periodic check would see the sessions then. */
    private static long later()
    {
        return System.nanoTime() + OpenSessions.SHED_GRACE_NS + MS;
    }

    @Test
    void shouldCloseTheClientLongestWithoutProgressBeforeOneWithMoreUnsent()
    {
        // Stopped reading long ago (nothing written out since its start), holding 30 kB; and one that was written to
        // a moment ago (it reads), caught holding 90 kB: by bytes alone the reader went first (a CI run closed it).
        final StuckLink gone = new StuckLink();
        final ClientSession stopped =
            new ClientSession(gone, metrics, 1 << 20, 1_000 * MS, 16 * MS, System.nanoTime() - 5_000 * MS);
        final StuckLink busy = new StuckLink();
        final ClientSession reading = new ClientSession(busy, metrics, 1 << 20, 1_000 * MS, 16 * MS, System.nanoTime());
        sessions.admit(stopped, "stopped");
        sessions.admit(reading, "reading");
        assertThat(stopped.reply(" ".repeat(30_000))).isTrue();
        assertThat(reading.reply(" ".repeat(90_000))).isTrue();

        assertThat(sessions.shed(later())).as("120 kB against 100 kB: one is enough").isEqualTo(1);
        assertThat(gone.closeCode).isEqualTo(ClientSession.CLOSE_POLICY_VIOLATION);
        assertThat(busy.closeCode).as("the one with progress a moment ago stays").isZero();
    }

    @Test
    void shouldNotTakeAQuietClientWithOneMessageInFlightForOneThatStoppedReading()
    {
        // Both opened 5 s ago; nothing written out to either since. The one that stopped reading got its bytes first;
        // the quiet one (an alerts socket idle until now) has just been sent its first message: its unsent bytes rose
        // from none a moment ago, which is progress, not falling behind.
        final long openedNs = System.nanoTime() - 5_000 * MS;
        final StuckLink gone = new StuckLink();
        final ClientSession stopped = new ClientSession(gone, metrics, 1 << 20, 1_000 * MS, 16 * MS, openedNs);
        final StuckLink idle = new StuckLink();
        final ClientSession quiet = new ClientSession(idle, metrics, 1 << 20, 1_000 * MS, 16 * MS, openedNs - MS);
        sessions.admit(stopped, "stopped");
        sessions.admit(quiet, "quiet");
        assertThat(stopped.reply(" ".repeat(30_000))).isTrue();
        assertThat(quiet.reply(" ".repeat(90_000))).isTrue();

        assertThat(sessions.shed(later())).isEqualTo(1);
        assertThat(gone.closeCode).isEqualTo(ClientSession.CLOSE_POLICY_VIOLATION);
        assertThat(idle.closeCode).as("the quiet client stays").isZero();
    }

    @Test
    void shouldCloseTheSessionsOfATokenFoundDeletedOnACheckAndKeepThemWhenTheGridDoesNotAnswer()
    {
        final StuckLink keptLink = new StuckLink();
        final StuckLink goneLink = new StuckLink();
        final StuckLink anonymousLink = new StuckLink();
        final ClientSession kept = session(keptLink);
        kept.credential = "kept-digest";
        final ClientSession gone = session(goneLink);
        gone.credential = "gone-digest";
        final ClientSession anonymous = session(anonymousLink);

        assertThat(sessions.recheck(List.of(kept, gone, anonymous))).as("no answer yet: every token valid").isZero();
        sessions.start(digest -> { throw new IllegalStateException("grid down"); }, 0);
        assertThat(sessions.recheck(List.of(kept, gone, anonymous))).as("the grid did not answer: nothing known").isZero();
        assertThat(goneLink.closeCode).isZero();

        final OpenSessions checked = new OpenSessions(3, 100_000, metrics);
        try
        {
            checked.start(digest -> Set.of("kept-digest").contains(digest), 0);
            assertThat(checked.recheck(List.of(kept, gone, anonymous))).isEqualTo(1);
        }
        finally
        {
            checked.close();
        }
        assertThat(goneLink.closeCode).isEqualTo(ClientSession.CLOSE_POLICY_VIOLATION);
        assertThat(goneLink.closeReason).isEqualTo("token revoked");
        assertThat(keptLink.closeCode).isZero();
        assertThat(anonymousLink.closeCode).isZero();
        assertThat(metrics.clientsClosed[CloseReason.REVOKED.ordinal()].get()).isEqualTo(1);
    }

    @Test
    void shouldCloseEverySessionOfCreatedTokensWhenTheTokenMapWasCleared()
    {
        final StuckLink configuredLink = new StuckLink();
        final StuckLink createdLink = new StuckLink();
        final ClientSession configured = session(configuredLink);
        configured.credential = "configured-digest";
        final ClientSession created = session(createdLink);
        created.credential = "created-digest";
        sessions.admit(configured, configured.credential);
        sessions.admit(created, created.credential);

        assertThat(sessions.closeRevoked(AccessControl.ALL_CREATED, "configured-digest"::equals)).isEqualTo(1);
        assertThat(createdLink.closeCode).isEqualTo(ClientSession.CLOSE_POLICY_VIOLATION);
        assertThat(configuredLink.closeCode).isZero();
    }

    @Test
    void shouldKeyAnonymousViewersByAddressAndTokensByDigest()
    {
        final java.net.InetSocketAddress peer = new java.net.InetSocketAddress("127.0.0.2", 40_000);
        assertThat(SocketEndpoint.clientKey("digest", peer)).isEqualTo("digest");
        assertThat(SocketEndpoint.clientKey(null, peer)).isEqualTo("address:127.0.0.2");
        assertThat(SocketEndpoint.clientKey(null, new java.net.InetSocketAddress("127.0.0.2", 40_001)))
            .as("another connection from the same address").isEqualTo("address:127.0.0.2");
    }

    @Test
    void shouldKeyAnonymousIpv6ViewersByTheirSlash64() throws Exception
    {
        final String key = SocketEndpoint.clientKey(null, new java.net.InetSocketAddress(
            java.net.InetAddress.getByName("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), 40_000));
        assertThat(SocketEndpoint.clientKey(null, new java.net.InetSocketAddress(
            java.net.InetAddress.getByName("2001:db8:1:2::1"), 40_001)))
            .as("any address of one /64 (what one host or home is given) shares one allowance").isEqualTo(key);
        assertThat(SocketEndpoint.clientKey(null, new java.net.InetSocketAddress(
            java.net.InetAddress.getByName("2001:db8:1:3::1"), 40_000)))
            .as("the next /64 is another client").isNotEqualTo(key);
        assertThat(key).isEqualTo("address:2001:db8:1:2:0:0:0:0/64");
        assertThat(SocketEndpoint.clientKey(null, new java.net.InetSocketAddress("127.0.0.3", 40_000)))
            .as("IPv4 stays exact").isEqualTo("address:127.0.0.3");
    }

    @Test
    void shouldQueueOneTokenCheckForABurstOfHandshakesAndStillCloseTheRevokedOnes() throws Exception
    {
        final OpenSessions many = new OpenSessions(100_000, 100_000, metrics);
        final java.util.concurrent.CountDownLatch gridAnswers = new java.util.concurrent.CountDownLatch(1);
        final java.util.concurrent.CountDownLatch asked = new java.util.concurrent.CountDownLatch(1);
        many.start(digest ->
        {
            asked.countDown();
            try
            {
                // The grid is slow to answer: meanwhile the burst of handshakes comes in.
                return gridAnswers.await(30, java.util.concurrent.TimeUnit.SECONDS) && !digest.startsWith("revoked");
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return true;
            }
        }, 0);
        try
        {
            final ClientSession first = session(new StuckLink());
            first.credential = "valid-first";
            many.admit(first, first.credential);
            assertThat(asked.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            final int burst = 2 * OpenSessions.MAX_UNCHECKED + 10;
            final StuckLink[] links = new StuckLink[burst];
            for (int i = 0; i < burst; i++)
            {
                links[i] = new StuckLink();
                final ClientSession session = session(links[i]);
                session.credential = (i % 2 == 0 ? "revoked-" : "valid-") + i;
                assertThat(many.admit(session, session.credential)).isTrue();
            }
            assertThat(many.tokenChecksQueued()).as("one pending check for the whole burst, not one each").isLessThanOrEqualTo(1);

            gridAnswers.countDown();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() ->
            {
                for (int i = 0; i < burst; i += 2)
                {
                    if (links[i].closeCode != ClientSession.CLOSE_POLICY_VIOLATION)
                    {
                        return false;
                    }
                }
                return true;
            });
            for (int i = 1; i < burst; i += 2)
            {
                assertThat(links[i].closeCode).as("a valid token's session stays").isZero();
            }
        }
        finally
        {
            many.close();
        }
    }

    private ClientSession session(final ClientSession.Link link)
    {
        return new ClientSession(link, metrics, 1 << 20, 1_000 * MS, 16 * MS, 0);
    }

    /** A client that never reads: nothing it is sent ever leaves. */
    private static final class StuckLink implements ClientSession.Link
    {
        volatile int closeCode;
        volatile String closeReason;

        public void sendText(final ByteBuffer frame, final IntConsumer written)
        {
        }

        public void sendBinary(final ByteBuffer frame, final IntConsumer written)
        {
        }

        public void close(final int code, final String reason)
        {
            closeCode = code;
            closeReason = reason;
        }

        public void ping()
        {
        }
    }

    /** A client that takes everything at once. */
    private static final class ReadingLink implements ClientSession.Link
    {
        volatile boolean closed;

        public void sendText(final ByteBuffer frame, final IntConsumer written)
        {
            written.accept(frame.remaining());
        }

        public void sendBinary(final ByteBuffer frame, final IntConsumer written)
        {
            written.accept(frame.remaining());
        }

        public void close(final int code, final String reason)
        {
            closed = true;
        }

        public void ping()
        {
        }
    }
}
