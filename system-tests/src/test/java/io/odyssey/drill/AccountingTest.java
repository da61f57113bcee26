package io.odyssey.drill;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class AccountingTest
{
    private static final long SECOND = 1_000_000_000L;

    @Test
    void shouldBalanceWhenEveryFrameWasAcceptedOrRefused()
    {
        final List<Accounting.Seen> drone = frames(1, 1, 10, 0);
        drone.add(new Accounting.Seen(11, 11 * SECOND, 1, false));

        final Accounting.Frames books = Accounting.tally(Map.of(7L, drone), List.of(), List.of(), 0, Map.of());

        assertThat(books.built()).isEqualTo(11);
        assertThat(books.accepted()).isEqualTo(10);
        assertThat(books.refused()).isEqualTo(1);
        assertThat(books.unexplained()).isZero();
        assertThat(books.balances()).isTrue();
    }

    @Test
    void shouldStartANewCountWhereARestartedSimulatorsSequencesBeginWhateverTheArrivalTimesSay()
    {
        // The first run numbered from its boot time in ms; the second, booted 7.5 s later, from its own. No restart
        // time is given: the jump alone, far beyond what a drone sends in the seconds between, marks the new count.
        final List<Accounting.Seen> drone = new ArrayList<>();
        for (long i = 1; i <= 20; i++)
        {
            drone.add(new Accounting.Seen(370_000_000_000L + i, i * SECOND / 10, 1, true));
            drone.add(new Accounting.Seen(370_000_007_500L + i, 5 * SECOND + i * SECOND / 10, 1, true));
        }

        final Accounting.Frames books = Accounting.tally(Map.of(7L, drone), List.of(), List.of(), 0, Map.of());

        assertThat(books.built()).isEqualTo(40);
        assertThat(books.unexplained()).isZero();
        assertThat(books.balances()).isTrue();
    }

    @Test
    void shouldCountAGapAcrossAKilledNodeAsLostInFlight()
    {
        // Frames 1..5 on node 1, which is killed at 5.5 s; frames 9.. arrive on node 2 from 8 s: 6, 7, 8 died with it.
        final List<Accounting.Seen> drone = frames(1, 1, 5, 0);
        drone.addAll(frames(2, 9, 12, 0));

        final Accounting.Frames books = Accounting.tally(Map.of(7L, drone),
            List.of(new Accounting.Kill(1, 5 * SECOND + SECOND / 2, 5 * SECOND + SECOND / 2)), List.of(), 0, Map.of());

        assertThat(books.lostInFlight()).containsEntry(1, 3L);
        assertThat(books.unexplained()).isZero();
        assertThat(books.longestFailoverMs()).isEqualTo(3_500);
        assertThat(books.balances()).isTrue();
    }

    @Test
    void shouldCountFramesTheNodeTookWhileItWasBeingKilledAsBeforeTheKill()
    {
        // SIGKILL sent at 4.5 s, the process gone at 5.5 s: frame 5 (5 s) was still journaled; 6..8 were lost.
        final List<Accounting.Seen> drone = frames(1, 1, 5, 0);
        drone.addAll(frames(2, 9, 12, 0));

        final Accounting.Frames books = Accounting.tally(Map.of(7L, drone),
            List.of(new Accounting.Kill(1, 4 * SECOND + SECOND / 2, 5 * SECOND + SECOND / 2)), List.of(), 0, Map.of());

        assertThat(books.lostInFlight()).containsEntry(1, 3L);
        assertThat(books.unexplained()).isZero();
    }

    @Test
    void shouldNotTakeFramesTheSenderHeldForTheDeadNodeForAFailover()
    {
        // 6..8 died with node 1 (killed at 5.5 s); 9.. were still in the sender's buffer and reached node 1 when it
        // returned, at 60 s: accepted late, and no failover to another node.
        final List<Accounting.Seen> drone = frames(1, 1, 5, 0);
        drone.addAll(frames(1, 9, 12, 51 * SECOND));

        final Accounting.Frames books = Accounting.tally(Map.of(7L, drone),
            List.of(new Accounting.Kill(1, 5 * SECOND + SECOND / 2, 5 * SECOND + SECOND / 2)), List.of(), 0, Map.of());

        assertThat(books.lostInFlight()).containsEntry(1, 3L);
        assertThat(books.longestFailoverMs()).isZero();
        assertThat(books.balances()).isTrue();
    }

    @Test
    void shouldFailTheBooksForAGapNoKillExplains()
    {
        final List<Accounting.Seen> drone = frames(1, 1, 5, 0);
        drone.addAll(frames(1, 8, 10, 0));

        final Accounting.Frames books = Accounting.tally(Map.of(7L, drone),
            List.of(new Accounting.Kill(2, 6 * SECOND, 6 * SECOND)), List.of(), 0, Map.of());

        assertThat(books.unexplained()).isEqualTo(2);
        assertThat(books.balances()).isFalse();
        assertThat(books.examples()).containsExactly("drone 7 lost 2 after seq 5 (node 1) before seq 8 (node 1, 3000 ms later)");
    }

    @Test
    void shouldLetTheSimulatorsOwnDropsExplainGaps()
    {
        final List<Accounting.Seen> drone = frames(1, 1, 5, 0);
        drone.addAll(frames(1, 8, 10, 0));

        assertThat(Accounting.tally(Map.of(7L, drone), List.of(), List.of(), 2, Map.of()).balances()).isTrue();
        assertThat(Accounting.tally(Map.of(7L, drone), List.of(), List.of(), 1, Map.of()).balances()).isFalse();
    }

    @Test
    void shouldLetRefusalsPastTheQuarantineBudgetExplainGapsAsFarAsTheyAreCounted()
    {
        // Frames 6 and 7 were refused (replayed, say) past the budget: counted by reason, never journaled.
        final List<Accounting.Seen> drone = frames(1, 1, 5, 0);
        drone.addAll(frames(1, 8, 10, 0));

        final Accounting.Frames books = Accounting.tally(Map.of(7L, drone), List.of(), List.of(), 0,
            Map.of("REPLAYED", 2L));
        assertThat(books.balances()).isTrue();
        assertThat(books.refused()).isZero();
        assertThat(books.refusedTotal()).isEqualTo(2);
        assertThat(books.describe()).contains("refused past the quarantine budget, counted but not journaled, 2 {REPLAYED=2}");

        // One counted, two missing: one frame nobody accounts for.
        assertThat(Accounting.tally(Map.of(7L, drone), List.of(), List.of(), 0, Map.of("REPLAYED", 1L)).balances())
            .isFalse();
        // The two counts add up: one dropped by the simulator, one refused past the budget.
        assertThat(Accounting.tally(Map.of(7L, drone), List.of(), List.of(), 1, Map.of("STALE_SEQUENCE", 1L)).balances())
            .isTrue();
    }

    @Test
    void shouldCountARestartedSimulatorsFramesAsANewIncarnation()
    {
        // Sequences 1..100 before the restart at 200 s, then 1..5 again (refused as stale, say): no gap, no duplicate.
        final List<Accounting.Seen> drone = new ArrayList<>();
        for (long seq = 1; seq <= 100; seq++)
        {
            drone.add(new Accounting.Seen(seq, seq * SECOND, 1, true));
        }
        for (long seq = 1; seq <= 5; seq++)
        {
            drone.add(new Accounting.Seen(seq, (200 + seq) * SECOND, 1, false));
        }

        final Accounting.Frames books = Accounting.tally(Map.of(7L, drone), List.of(), List.of(200 * SECOND), 0, Map.of());

        assertThat(books.built()).isEqualTo(105);
        assertThat(books.refused()).isEqualTo(5);
        assertThat(books.duplicates()).isZero();
        assertThat(books.balances()).isTrue();
    }

    @Test
    void shouldFailTheBooksForAFrameJournaledTwice()
    {
        final List<Accounting.Seen> drone = frames(1, 1, 5, 0);
        drone.add(new Accounting.Seen(3, 3 * SECOND, 2, true));

        final Accounting.Frames books = Accounting.tally(Map.of(7L, drone), List.of(), List.of(), 0, Map.of());

        assertThat(books.duplicates()).isEqualTo(1);
        assertThat(books.balances()).isFalse();
    }

    /** Frames {@code from..to} of one drone, accepted by {@code node}, one a second. */
    private static List<Accounting.Seen> frames(final int node, final long from, final long to, final long offsetNs)
    {
        final List<Accounting.Seen> frames = new ArrayList<>();
        for (long seq = from; seq <= to; seq++)
        {
            frames.add(new Accounting.Seen(seq, seq * SECOND + offsetNs, node, true));
        }
        return frames;
    }
}
