package io.odyssey.gateway;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class LatestEventsTest
{
    private final AtomicLong conflatedHook = new AtomicLong();
    private final LatestEvents<String> events = new LatestEvents<>(conflatedHook::incrementAndGet);

    @Test
    void shouldApplyOnlyTheNewestEventOfEachDroneAndCountTheOthers()
    {
        events.offer(1, "1:seq1");
        events.offer(2, "2:seq1");
        events.offer(1, "1:seq2");
        events.offer(1, "1:removed");

        final List<String> applied = new ArrayList<>();
        assertThat(events.drainTo((id, event) -> applied.add(id + "=" + event))).isEqualTo(2);

        assertThat(applied).containsExactlyInAnyOrder("1=1:removed", "2=2:seq1");
        assertThat(events.conflated()).isEqualTo(2);
        assertThat(conflatedHook.get()).isEqualTo(2);
        assertThat(events.offered()).isEqualTo(4);
        assertThat(events.pending()).isZero();
    }

    @Test
    void shouldAskForAWakeUpOnlyWhenTheFirstEventArrivesOnAnEmptySet()
    {
        assertThat(events.offer(1, "a")).as("first event: wake the applier").isTrue();
        assertThat(events.offer(2, "b")).as("the applier is already due").isFalse();
        assertThat(events.offer(1, "c")).isFalse();
        events.drainTo((id, event) -> { });
        assertThat(events.offer(3, "d")).as("empty again after a drain").isTrue();
    }

    @Test
    void shouldKeepEventsOfferedWhileDrainingForTheNextDrain()
    {
        events.offer(1, "1:seq1");
        final List<String> second = new ArrayList<>();
        events.drainTo((id, event) -> events.offer(id, "1:seq2"));   // arrives while the first batch is applied
        assertThat(events.pending()).isEqualTo(1);
        events.drainTo((id, event) -> second.add(event));
        assertThat(second).containsExactly("1:seq2");
        assertThat(events.conflated()).as("not replaced: the first was applied before the second came").isZero();
    }

    @Test
    void shouldHoldAtMostOneEventPerDroneHoweverManyArrive()
    {
        for (int round = 0; round < 1_000; round++)
        {
            for (long drone = 1; drone <= 500; drone++)
            {
                events.offer(drone, "r" + round);
            }
        }
        assertThat(events.pending()).isEqualTo(500);
        final List<String> applied = new ArrayList<>();
        events.drainTo((id, event) -> applied.add(event));
        assertThat(applied).hasSize(500).allMatch("r999"::equals);
        assertThat(events.conflated()).isEqualTo(500L * 999);
    }
}
