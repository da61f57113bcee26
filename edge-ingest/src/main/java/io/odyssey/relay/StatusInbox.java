package io.odyssey.relay;

import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.grid.ledger.DroneAnswer;
import io.odyssey.runtime.Counter;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * What reaches the relay's thread: drones' answers (from the ingest thread) and wake-ups (a new command in the ledger).
 * <p>
 * A drone running a command reports its progress about once a second, and each report costs the relay two ledger
 * calls. With half a fleet flying home on low battery, those refreshes alone can outrun the relay; in a plain queue
 * the answers that matter (an order accepted, refused, done) would then wait behind tens of seconds of progress that
 * is already stale. So each batch taken off the queue keeps, per command, only its newest progress report; every
 * other answer is kept, in arrival order. The queue itself stays bounded: answers beyond it are dropped and counted
 * by the caller (the drone repeats a progress report, and resends a final answer until it hears back).
 */
final class StatusInbox
{
    /** The most items one batch takes, so that a flood cannot keep the relay from its sweeps. */
    static final int MAX_BATCH = 4096;

    private static final Object WAKE = new Object();

    private record CommandKey(long droneId, long commandId)
    {
    }

    private final LinkedBlockingQueue<Object> queue;
    private final List<Object> batch = new ArrayList<>();
    /** The next item of {@link #batch} to hand out. */
    private int next;
    private final Set<CommandKey> newerProgress = new HashSet<>();
    private final Counter conflated;

    /** @param conflated counts the progress reports left out because a newer one for the command followed. */
    StatusInbox(final int capacity, final Counter conflated)
    {
        queue = new LinkedBlockingQueue<>(capacity);
        this.conflated = conflated;
    }

    /** @return false when the queue is full (the answer is lost). */
    boolean offer(final DroneAnswer event)
    {
        return queue.offer(event);
    }

    /** Asks the relay to sweep soon; a full queue will make it sweep anyway. */
    void wake()
    {
        queue.offer(WAKE);
    }

    /**
     * Waits up to {@code timeoutMs} for something, then hands every answer of one batch to {@code apply}, in arrival
     * order with superseded progress reports left out.
     *
     * @return whether a wake-up was among the batch.
     */
    boolean drain(final long timeoutMs, final Consumer<DroneAnswer> apply) throws InterruptedException
    {
        if (next >= batch.size() && !takeBatch(timeoutMs))
        {
            return false;
        }
        boolean wake = false;
        // The index moves before each answer is applied: one that throws is lost, as it would be without batching,
        // and the rest of the batch is handed out by the next call.
        while (next < batch.size())
        {
            final Object item = batch.get(next++);
            if (item == WAKE)
            {
                wake = true;
            }
            else if (item != null)
            {
                apply.accept((DroneAnswer)item);
            }
        }
        return wake;
    }

    private boolean takeBatch(final long timeoutMs) throws InterruptedException
    {
        batch.clear();
        next = 0;
        final Object first = queue.poll(timeoutMs, TimeUnit.MILLISECONDS);
        if (first == null)
        {
            return false;
        }
        batch.add(first);
        queue.drainTo(batch, MAX_BATCH - 1);
        newerProgress.clear();
        // Newest first, so that a progress report can tell whether a newer one for its command follows it.
        for (int i = batch.size() - 1; i >= 0; i--)
        {
            if (batch.get(i) instanceof DroneAnswer event && event.phase() == CommandPhase.IN_PROGRESS &&
                !newerProgress.add(new CommandKey(event.droneId(), event.commandId())))
            {
                batch.set(i, null);
                conflated.increment();
            }
        }
        return true;
    }

    /** Items waiting now (approximate). */
    int depth()
    {
        return queue.size();
    }
}
