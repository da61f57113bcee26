package io.odyssey.drill;

import io.odyssey.stack.LocalStack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Issue 10, item 3: four POSTs that announced a body and sent nothing held every worker thread, and slow-header
 * connections were never timed out. Opens many of both (authenticated POSTs announcing 100,000 bytes and sending a
 * few; requests whose headers arrive a byte every two seconds and never end) and holds them, while REST, a command,
 * health and WebSocket handshakes must keep answering; the gateway must close every one of them by itself.
 */
final class SlowClientsDrill implements Drill
{
    private static final Duration CLOSE_BOUND = Duration.ofSeconds(90);
    private static final long DRIBBLE_EVERY_MS = 2_000;

    /** One slow connection and what became of it. */
    private static final class Slow
    {
        final SocketChannel channel;
        final boolean body;
        final long openedNs = System.nanoTime();
        long closedAfterMs = -1;
        String answer;

        Slow(final SocketChannel channel, final boolean body)
        {
            this.channel = channel;
            this.body = body;
        }
    }

    public String name()
    {
        return "slow-clients";
    }

    public String summary()
    {
        return "Slow-body POSTs (Content-Length 100,000, a few bytes sent) and slow-header requests (a byte every 2 s, " +
            "never finished) held open: REST, commands, health and WebSocket handshakes must keep answering, and the " +
            "gateway must close every slow connection itself within " + CLOSE_BOUND.toSeconds() + " s.";
    }

    public void run(final DrillContext context) throws Exception
    {
        final LocalStack stack = context.stack();
        final DrillReport report = context.report();
        final int port = stack.gatewayPort();
        final List<Slow> slow = new ArrayList<>();
        try (Selector selector = Selector.open(); ServiceProbe probe = ServiceProbe.start(stack))
        {
            for (int i = 0; i < context.scale().slowBodies(); i++)
            {
                slow.add(open(selector, port, true, ("POST /api/v1/commands HTTP/1.1\r\nHost: 127.0.0.1:" + port +
                    "\r\nAuthorization: Bearer " + stack.operatorToken() + "\r\nContent-Type: application/json\r\n" +
                    "Content-Length: 100000\r\n\r\n{\"droneId\":")));
            }
            for (int i = 0; i < context.scale().slowHeaders(); i++)
            {
                slow.add(open(selector, port, false, "GET /api/v1/drones HTTP/1.1\r\nHost: 127.0.0.1:" + port +
                    "\r\nX-Drill: "));
            }
            report.say(context.scale().slowBodies() + " slow-body POSTs and " + context.scale().slowHeaders() +
                " slow-header requests open");
            try (OperatorCommands commands = OperatorCommands.start(context, stack.operatorToken(), 1, stack.drones(),
                1_000))
            {
                awaitClosed(selector, slow);
                commands.close();
                commands.check(report, DrillContext.ANSWER_BOUND_MS);
            }
            probe.close();
            probe.check(report, "while the slow connections were open", DrillContext.ANSWER_BOUND_MS);
        }
        finally
        {
            for (final Slow s : slow)
            {
                s.channel.close();
            }
        }
        for (final boolean body : new boolean[] {true, false})
        {
            final String kind = body ? "slow-body" : "slow-header";
            final List<Long> closedMs = new ArrayList<>();
            final TreeMap<String, Integer> answers = new TreeMap<>();
            long open = 0;
            for (final Slow s : slow)
            {
                if (s.body != body)
                {
                    continue;
                }
                if (s.closedAfterMs < 0)
                {
                    open++;
                }
                else
                {
                    closedMs.add(s.closedAfterMs);
                }
                answers.merge(s.answer == null ? "no answer" : s.answer, 1, Integer::sum);
            }
            Collections.sort(closedMs);
            final long max = closedMs.isEmpty() ? -1 : closedMs.get(closedMs.size() - 1);
            report.count(kind + " closed after max ms", max);
            report.check("the gateway closed every " + kind + " connection within " + CLOSE_BOUND.toSeconds() + " s",
                open == 0, String.format(Locale.ROOT, "%d closed (median %d ms, max %d ms), %d still open; answers %s",
                    closedMs.size(), closedMs.isEmpty() ? -1 : closedMs.get(closedMs.size() / 2), max, open, answers));
        }
    }

    private static Slow open(final Selector selector, final int port, final boolean body, final String start)
        throws IOException
    {
        final SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        channel.write(ByteBuffer.wrap(start.getBytes(StandardCharsets.US_ASCII)));
        channel.configureBlocking(false);
        final Slow slow = new Slow(channel, body);
        channel.register(selector, SelectionKey.OP_READ, slow);
        return slow;
    }

    /**
     * Holds the connections (dribbling header bytes) until the gateway has closed every one or the bound passed,
     * noting when each closed and the first line of any answer.
     */
    private static void awaitClosed(final Selector selector, final List<Slow> slow) throws IOException
    {
        final long deadline = System.nanoTime() + CLOSE_BOUND.toNanos();
        final ByteBuffer buffer = ByteBuffer.allocate(4096);
        final ByteBuffer dribble = ByteBuffer.wrap(new byte[] {'a'});
        long nextDribbleNs = System.nanoTime() + DRIBBLE_EVERY_MS * 1_000_000;
        while (System.nanoTime() < deadline && slow.stream().anyMatch(s -> s.closedAfterMs < 0))
        {
            selector.select(250);
            for (final SelectionKey key : selector.selectedKeys())
            {
                final Slow s = (Slow)key.attachment();
                buffer.clear();
                int read;
                try
                {
                    read = s.channel.read(buffer);
                }
                catch (final IOException ex)
                {
                    read = -1;
                }
                if (read > 0 && s.answer == null)
                {
                    final String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.ISO_8859_1);
                    s.answer = text.lines().findFirst().orElse("").trim();
                }
                if (read < 0)
                {
                    closed(s, key);
                }
            }
            selector.selectedKeys().clear();
            if (System.nanoTime() >= nextDribbleNs)
            {
                nextDribbleNs += DRIBBLE_EVERY_MS * 1_000_000;
                for (final Slow s : slow)
                {
                    if (!s.body && s.closedAfterMs < 0)
                    {
                        try
                        {
                            dribble.rewind();
                            s.channel.write(dribble);
                        }
                        catch (final IOException ex)
                        {
                            closed(s, s.channel.keyFor(selector));
                        }
                    }
                }
            }
        }
    }

    private static void closed(final Slow slow, final SelectionKey key)
    {
        if (slow.closedAfterMs < 0)
        {
            slow.closedAfterMs = (System.nanoTime() - slow.openedNs) / 1_000_000;
        }
        if (key != null)
        {
            key.cancel();
        }
    }
}
