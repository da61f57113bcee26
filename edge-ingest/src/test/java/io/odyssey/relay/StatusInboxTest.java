package io.odyssey.relay;

import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;
import io.odyssey.grid.ledger.DroneAnswer;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.Metrics;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StatusInboxTest
{
    private final Counter conflated = new Metrics("ingest").counter("conflated_total", "test");
    private final StatusInbox inbox = new StatusInbox(100, conflated);
    private final List<String> applied = new ArrayList<>();

    @Test
    void shouldApplyOnlyTheNewestProgressOfACommandAndEveryOtherAnswerInOrder() throws Exception
    {
        inbox.offer(answer(1, 10, CommandPhase.ACCEPTED, 0));
        inbox.offer(answer(1, 10, CommandPhase.IN_PROGRESS, 10));
        inbox.offer(answer(2, 20, CommandPhase.IN_PROGRESS, 5));
        inbox.offer(answer(1, 10, CommandPhase.IN_PROGRESS, 20));
        inbox.offer(answer(3, 30, CommandPhase.REJECTED, 0));
        inbox.offer(answer(1, 10, CommandPhase.IN_PROGRESS, 30));
        inbox.offer(answer(1, 10, CommandPhase.DONE, 100));

        final boolean wake = inbox.drain(0, e -> applied.add(e.droneId() + ":" + e.phase() + ":" + (int)e.progress()));

        assertThat(wake).isFalse();
        assertThat(applied).containsExactly(
            "1:ACCEPTED:0", "2:IN_PROGRESS:5", "3:REJECTED:0", "1:IN_PROGRESS:30", "1:DONE:100");
        assertThat(conflated.get()).isEqualTo(2);
    }

    @Test
    void shouldKeepProgressOfTheSameNumberFromDifferentDronesApart() throws Exception
    {
        inbox.offer(answer(1, 7, CommandPhase.IN_PROGRESS, 10));
        inbox.offer(answer(2, 7, CommandPhase.IN_PROGRESS, 20));

        inbox.drain(0, e -> applied.add(e.droneId() + ":" + (int)e.progress()));

        assertThat(applied).containsExactly("1:10", "2:20");
        assertThat(conflated.get()).isZero();
    }

    @Test
    void shouldSayWhenAWakeUpWasAmongTheBatch() throws Exception
    {
        inbox.wake();
        inbox.offer(answer(1, 10, CommandPhase.ACCEPTED, 0));

        assertThat(inbox.drain(0, e -> applied.add("answer"))).isTrue();
        assertThat(applied).containsExactly("answer");
        assertThat(inbox.drain(0, e -> applied.add("again"))).isFalse();
    }

    @Test
    void shouldHandOutTheRestOfABatchAfterAnAnswerFailed() throws Exception
    {
        inbox.offer(answer(1, 10, CommandPhase.ACCEPTED, 0));
        inbox.offer(answer(2, 20, CommandPhase.ACCEPTED, 0));
        inbox.offer(answer(3, 30, CommandPhase.ACCEPTED, 0));

        assertThatThrownBy(() -> inbox.drain(0, e ->
        {
            if (e.droneId() == 2)
            {
                throw new IllegalStateException("grid away");
            }
            applied.add(String.valueOf(e.droneId()));
        })).isInstanceOf(IllegalStateException.class);
        inbox.drain(0, e -> applied.add(String.valueOf(e.droneId())));

        assertThat(applied).containsExactly("1", "3");
    }

    @Test
    void shouldRefuseAnswersBeyondItsCapacity()
    {
        final StatusInbox small = new StatusInbox(2, conflated);

        assertThat(small.offer(answer(1, 1, CommandPhase.ACCEPTED, 0))).isTrue();
        assertThat(small.offer(answer(1, 2, CommandPhase.ACCEPTED, 0))).isTrue();
        assertThat(small.offer(answer(1, 3, CommandPhase.ACCEPTED, 0))).isFalse();
    }

    private static DroneAnswer answer(final long drone, final long command, final CommandPhase phase,
        final float progress)
    {
        return new DroneAnswer(drone, command, 0, phase, CommandReason.NONE, progress, -1,
            CommandType.GOTO, 0, 0, 0);
    }
}
