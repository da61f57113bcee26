package io.odyssey.gateway;

import io.odyssey.gateway.control.AccessControl;
import io.odyssey.runtime.RateLimitedLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;

/**
 * Every WebSocket session open on this gateway, all endpoints together, and the rules that only hold over all of them:
 * <ul>
 *   <li>one client (a token; an address, for anonymous viewers) holds at most {@code ODYSSEY_WS_MAX_SESSIONS_PER_CLIENT}
 *   sessions, so one leaked viewer token cannot take the gateway's connections;</li>
 *   <li>the unsent bytes of all sessions together stay within the send budget ({@code ODYSSEY_WS_SEND_BUDGET_BYTES}):
 *   each session's own bound ({@code ODYSSEY_WS_MAX_PENDING_BYTES}) times hundreds of connections that never read is
 *   more than the heap, so when the sum is over the budget the sessions furthest behind are closed (1008) until the
 *   rest fit — a client that reads keeps next to nothing unsent and is never the one closed;</li>
 *   <li>a session whose token was deleted is closed: on the deletion's event, and again on a periodic check and after
 *   the grid came back, as that event is lost while the grid connection is down, and a handshake can race it.</li>
 * </ul>
 * Sessions are closed from this class's own threads, never under a session's monitor or a lock of the grid client's.
 */
final class OpenSessions implements AutoCloseable
{
    private static final Logger LOG = LoggerFactory.getLogger(OpenSessions.class);
    /** How often the send budget is checked: what 100 ms of frames adds is bounded by each session's own limit. */
    static final long SHED_INTERVAL_MS = 100;
    /**
     * A session that made progress within this long is not closed for the budget. At first a client that never reads
     * looks like one that does (its socket buffers, megabytes on loopback, take frames for a few hundred ms) while a
     * reader busy with a 700 kB frame had no write finish for as long: a CI run closed the reader 0.4 s in. What the
     * wait adds is bounded by each session's own limit of unsent bytes.
     */
    static final long SHED_GRACE_NS = TimeUnit.SECONDS.toNanos(2);

    private final Set<ClientSession> open = ConcurrentHashMap.newKeySet();
    /** Sessions per client key; an entry is removed when its last session ends, so the map is bounded by {@link #open}. */
    private final Map<String, Integer> perClient = new ConcurrentHashMap<>();
    private final int maxPerClient;
    private final long budgetBytes;
    private final GatewayMetrics metrics;
    /** Checks the send budget; never waits on the grid, so a grid outage cannot hold the budget unchecked. */
    private final ScheduledExecutorService budgetThread = daemon("ws-send-budget");
    /** Checks tokens: a grid call may take the grid client's invocation timeout. */
    private final ScheduledThreadPoolExecutor tokenThread = daemon("ws-token-check");
    private final RateLimitedLog shedLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(10));
    private final RateLimitedLog recheckLog = new RateLimitedLog(LOG, TimeUnit.SECONDS.toNanos(60));
    private volatile Predicate<String> stillValid = digest -> true;
    /**
     * Sessions admitted with a token whose second look (after the handshake) is still to come. Bounded: past
     * {@link #MAX_UNCHECKED} the next check covers every open session instead, so a burst of handshakes costs one
     * pending check, never a queue of them.
     */
    private final Set<ClientSession> unchecked = ConcurrentHashMap.newKeySet();
    /** Whether a check of {@link #unchecked} is queued on the token thread and has not started draining it yet. */
    private final AtomicBoolean newcomersCheckQueued = new AtomicBoolean();
    /** More sessions were admitted than {@link #unchecked} holds: the next check covers every open session. */
    private volatile boolean uncheckedOverflowed;
    /** The most newly admitted sessions remembered one by one for their token's second look. */
    static final int MAX_UNCHECKED = 4_096;

    OpenSessions(final int maxPerClient, final long budgetBytes, final GatewayMetrics metrics)
    {
        this.maxPerClient = maxPerClient;
        this.budgetBytes = budgetBytes;
        this.metrics = metrics;
    }

    /**
     * Starts the periodic checks: the send budget every {@link #SHED_INTERVAL_MS}, the tokens every {@code recheckS}.
     *
     * @param stillValid whether a token digest still opens anything; may throw when the grid does not answer.
     */
    void start(final Predicate<String> stillValid, final long recheckS)
    {
        this.stillValid = stillValid;
        budgetThread.scheduleWithFixedDelay(() -> shed(System.nanoTime()), SHED_INTERVAL_MS, SHED_INTERVAL_MS,
            TimeUnit.MILLISECONDS);
        if (recheckS > 0)
        {
            tokenThread.scheduleWithFixedDelay(this::recheckTokens, recheckS, recheckS, TimeUnit.SECONDS);
        }
    }

    private static ScheduledThreadPoolExecutor daemon(final String name)
    {
        return new ScheduledThreadPoolExecutor(1, runnable ->
        {
            final Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** Runs a token check on its thread; nothing when the gateway is closing (its sessions are being closed). */
    private void checkTokensLater(final Runnable check)
    {
        try
        {
            tokenThread.execute(check);
        }
        catch (final RejectedExecutionException ex)
        {
            LOG.debug("token check not run: closing");
        }
    }

    /** Whether {@code client} holds all the sessions it may: its next handshake is refused (429). */
    boolean full(final String client)
    {
        return perClient.getOrDefault(client, 0) >= maxPerClient;
    }

    /** A handshake was refused before the upgrade because its client was {@link #full}. */
    void refused()
    {
        metrics.sessionsRefused.increment();
    }

    /**
     * Counts a new session against its client.
     *
     * @return false when the client already holds its maximum: the session must be closed, it is not counted.
     */
    boolean admit(final ClientSession session, final String client)
    {
        final boolean[] admitted = {false};
        perClient.compute(client, (key, count) ->
        {
            final int held = count == null ? 0 : count;
            if (held >= maxPerClient)
            {
                return count;
            }
            admitted[0] = true;
            return held + 1;
        });
        if (!admitted[0])
        {
            metrics.sessionsRefused.increment();
            return false;
        }
        session.client = client;
        open.add(session);
        if (session.credential != null)
        {
            // The handshake's check and this session's registration are two steps: a deletion between them found
            // nothing to close. One more look, off the I/O thread.
            checkLater(session);
        }
        return true;
    }

    /** Queues the second look at a new session's token: one pending check covers every session admitted meanwhile. */
    private void checkLater(final ClientSession session)
    {
        if (unchecked.size() < MAX_UNCHECKED)
        {
            unchecked.add(session);
        }
        else
        {
            uncheckedOverflowed = true;
        }
        if (newcomersCheckQueued.compareAndSet(false, true))
        {
            checkTokensLater(this::checkNewcomers);
        }
    }

    /** On the token thread: the tokens of the sessions admitted since the last such check. */
    private void checkNewcomers()
    {
        // Cleared before draining: a session admitted from here on either is drained below or queues the next check.
        newcomersCheckQueued.set(false);
        final boolean all = uncheckedOverflowed;
        uncheckedOverflowed = false;
        final List<ClientSession> newcomers = new ArrayList<>();
        for (final var sessions = unchecked.iterator(); sessions.hasNext(); )
        {
            newcomers.add(sessions.next());
            sessions.remove();
        }
        recheck(all ? new ArrayList<>(open) : newcomers);
    }

    /** Token checks waiting on the token thread (a test's view: a burst of handshakes must not queue one each). */
    int tokenChecksQueued()
    {
        return tokenThread.getQueue().size();
    }

    /** The session ended; idempotent. */
    void release(final ClientSession session)
    {
        if (open.remove(session))
        {
            perClient.computeIfPresent(session.client, (key, count) -> count <= 1 ? null : count - 1);
        }
    }

    int size()
    {
        return open.size();
    }

    /** Unsent bytes of all open sessions together. */
    long pendingBytes()
    {
        long total = 0;
        for (final ClientSession session : open)
        {
            total += session.pendingBytes();
        }
        return total;
    }

    /**
     * Closes the sessions furthest behind (the longest without progress, then the most unsent; none with progress
     * within {@link #SHED_GRACE_NS}) while the unsent bytes of the sessions still open are above the budget.
     * Closed sessions' bytes are not counted: their connections are dropped within the close grace.
     *
     * @param nowNs {@link System#nanoTime()} now.
     * @return how many sessions were closed.
     */
    int shed(final long nowNs)
    {
        try
        {
            long total = 0;
            final List<Behind> behind = new ArrayList<>();
            for (final ClientSession session : open)
            {
                final long pending = session.pendingBytes();
                if (pending > 0 && !session.isClosed())
                {
                    total += pending;
                    final long progressNs = session.lastProgressNs();
                    if (nowNs - progressNs >= SHED_GRACE_NS)
                    {
                        behind.add(new Behind(session, pending, progressNs));
                    }
                }
            }
            if (total <= budgetBytes)
            {
                return 0;
            }
            // Furthest behind: the longest without progress (a frame written out, or unsent bytes rising from none),
            // then the most unsent. By bytes alone, a client that reads, caught with a large frame in flight, went
            // before one that stopped reading long ago.
            behind.sort(Comparator.comparingLong(Behind::lastProgressNs)
                .thenComparing(Comparator.comparingLong(Behind::pending).reversed()));
            int closed = 0;
            for (int i = 0; i < behind.size() && total > budgetBytes; i++)
            {
                final Behind session = behind.get(i);
                session.session().closeWith(ClientSession.CLOSE_POLICY_VIOLATION,
                    "too slow: the gateway's send budget is spent", CloseReason.SLOW);
                total -= session.pending();
                closed++;
            }
            metrics.sessionsShed.add(closed);
            shedLog.warn(System.nanoTime(), "unsent bytes of all WebSocket clients above the send budget " +
                "(ODYSSEY_WS_SEND_BUDGET_BYTES {}): closed the client(s) furthest behind (odyssey_ws_sessions_shed_total)",
                budgetBytes);
            return closed;
        }
        catch (final RuntimeException ex)
        {
            shedLog.warn(System.nanoTime(), "checking the send budget failed: {}", ex.toString());
            return 0;
        }
    }

    /** Checks the tokens of every open session again, soon, on the token thread (after the grid came back). */
    void recheckSoon()
    {
        checkTokensLater(this::recheckTokens);
    }

    private void recheckTokens()
    {
        recheck(new ArrayList<>(open));
    }

    /** Closes the sessions among {@code sessions} whose token no longer opens anything; each digest asked once. */
    int recheck(final List<ClientSession> sessions)
    {
        final Set<String> gone = new HashSet<>();
        final Set<String> valid = new HashSet<>();
        int closed = 0;
        for (final ClientSession session : sessions)
        {
            final String digest = session.credential;
            if (digest == null || valid.contains(digest) || session.isClosed())
            {
                continue;
            }
            if (!gone.contains(digest))
            {
                try
                {
                    if (stillValid.test(digest))
                    {
                        valid.add(digest);
                        continue;
                    }
                }
                catch (final RuntimeException ex)
                {
                    // The grid did not answer: nothing is known, the sessions stay until the next check.
                    recheckLog.warn(System.nanoTime(), "checking the tokens of open WebSocket sessions failed: {}",
                        ex.toString());
                    return closed;
                }
                gone.add(digest);
            }
            session.closeWith(ClientSession.CLOSE_POLICY_VIOLATION, "token revoked", CloseReason.REVOKED);
            closed++;
        }
        if (closed > 0)
        {
            LOG.info("closed {} WebSocket session(s) of deleted token(s) found on a check", closed);
        }
        return closed;
    }

    /**
     * Ends the sessions opened with a token that was deleted (1008): the token no longer opens anything, and what it
     * opened must not go on receiving the fleet, the alerts and the commands.
     *
     * @param digest     the token's digest, or {@link AccessControl#ALL_CREATED}: every
     *                   session of a created token.
     * @param configured whether a digest is one of the configured tokens (which only a restart removes).
     * @return the sessions closed.
     */
    int closeRevoked(final String digest, final Predicate<String> configured)
    {
        int closed = 0;
        for (final ClientSession session : open)
        {
            final String credential = session.credential;
            if (credential != null && (credential.equals(digest) ||
                AccessControl.ALL_CREATED.equals(digest) && !configured.test(credential)))
            {
                session.closeWith(ClientSession.CLOSE_POLICY_VIOLATION, "token revoked", CloseReason.REVOKED);
                closed++;
            }
        }
        return closed;
    }

    /** Tells every client the gateway is going away (1001), before the server stops. */
    void closeAll()
    {
        for (final ClientSession session : open)
        {
            session.closeWith(ClientSession.CLOSE_GOING_AWAY, "gateway shutting down", CloseReason.SHUTDOWN);
        }
    }

    public void close()
    {
        budgetThread.shutdownNow();
        tokenThread.shutdownNow();
    }

    private record Behind(ClientSession session, long pending, long lastProgressNs)
    {
    }
}
