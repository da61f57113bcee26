package io.odyssey.drill;

import io.odyssey.stack.Http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * An operator at work while a fault is played: a harmless order (set-speed to the cruise speed) every so often to
 * each drone of a range in turn, every answer timed. The drill then checks that every order was accepted in time.
 */
final class OperatorCommands implements AutoCloseable
{
    private final DrillContext context;
    private final String token;
    private final long firstDrone;
    private final long lastDrone;
    private final long everyMs;
    private final List<Long> answeredMs = Collections.synchronizedList(new ArrayList<>());
    private final Map<Integer, Integer> statuses = Collections.synchronizedMap(new TreeMap<>());
    private final List<String> refused = Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;

    private OperatorCommands(final DrillContext context, final String token, final long firstDrone, final long lastDrone,
        final long everyMs)
    {
        this.context = context;
        this.token = token;
        this.firstDrone = firstDrone;
        this.lastDrone = lastDrone;
        this.everyMs = everyMs;
        this.thread = new Thread(this::loop, "operator-commands");
        this.thread.setDaemon(true);
    }

    /** Starts ordering drones {@code firstDrone..lastDrone}, one every {@code everyMs}, as operator {@code token}. */
    static OperatorCommands start(final DrillContext context, final String token, final long firstDrone,
        final long lastDrone, final long everyMs)
    {
        final OperatorCommands commands = new OperatorCommands(context, token, firstDrone, lastDrone, everyMs);
        commands.thread.start();
        return commands;
    }

    private void loop()
    {
        long droneId = firstDrone;
        while (!Thread.currentThread().isInterrupted())
        {
            final Http.Response response = context.command(token,
                "{\"droneId\":" + droneId + ",\"type\":\"set-speed\",\"speed\":12}");
            if (Thread.currentThread().isInterrupted())
            {
                return;
            }
            answeredMs.add(response.elapsedMs());
            statuses.merge(response.status(), 1, Integer::sum);
            if (response.status() != 202)
            {
                refused.add(response.describe() + " " + PoisonEntryDrill.abbreviate(response.body()));
            }
            droneId = droneId >= lastDrone ? firstDrone : droneId + 1;
            try
            {
                Thread.sleep(everyMs);
            }
            catch (final InterruptedException ex)
            {
                return;
            }
        }
    }

    public void close() throws InterruptedException
    {
        thread.interrupt();
        thread.join(15_000);
    }

    /** Checks that every order was accepted (202) within {@code boundMs}; counts the slowest. */
    boolean check(final DrillReport report, final long boundMs)
    {
        final long max;
        final int sent;
        synchronized (answeredMs)
        {
            max = answeredMs.stream().mapToLong(Long::longValue).max().orElse(-1);
            sent = answeredMs.size();
        }
        report.count("command max ms", max);
        return report.check("an operator's commands were all accepted, each within " + boundMs + " ms",
            sent > 0 && refused.isEmpty() && max <= boundMs,
            sent + " sent, by status " + statuses + ", max " + max + " ms" +
                (refused.isEmpty() ? "" : "; first refused or unanswered: " + refused.get(0)));
    }
}
