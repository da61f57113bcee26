package io.odyssey.alerts;

import io.odyssey.geo.Polygon;
import io.odyssey.journal.AlertType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class AlertEngineTest
{
    private static final long SECOND = 1_000_000_000L;
    private static final int CRUISING = 2;
    private static final int GROUNDED = 0;
    /** About 50 m of latitude. */
    private static final double FIFTY_M = 50 / 111_195.0;

    private final List<String> events = new ArrayList<>();
    private final AlertSink recorder = new AlertSink()
    {
        public void raised(final AlertType type, final long drone, final long other, final long at, final long index,
            final double value)
        {
            events.add(String.format(Locale.ROOT, "raised %s %d %d at=%d index=%d value=%.1f", type, drone, other, at,
                index, value));
        }

        public void cleared(final AlertType type, final long drone, final long other, final long at, final long index,
            final double value)
        {
            events.add(String.format(Locale.ROOT, "cleared %s %d %d at=%d index=%d value=%.1f", type, drone, other, at,
                index, value));
        }

        public void raisedAcrossNodes(final AlertType type, final long drone, final long other, final long at,
            final long index, final double value)
        {
            events.add(String.format(Locale.ROOT, "raised across nodes %s %d %d at=%d index=%d", type, drone, other, at,
                index));
        }

        public void clearedAcrossNodes(final AlertType type, final long drone, final long other, final long at,
            final long index, final double value)
        {
            events.add(String.format(Locale.ROOT, "cleared across nodes %s %d %d at=%d index=%d", type, drone, other, at,
                index));
        }
    };

    private static AlertRules rules(final List<Polygon> keepIn, final List<Polygon> keepOut)
    {
        return new AlertRules(20, 5, 5 * SECOND, 50, 30, 150, keepIn, keepOut, 0);
    }

    /** Lost after 5 s of silence, forgotten after 60 s. */
    private static AlertRules expiring()
    {
        return new AlertRules(20, 5, 5 * SECOND, 50, 30, 150, List.of(), List.of(), 60 * SECOND);
    }

    private final AlertEngine engine = new AlertEngine(rules(List.of(), List.of()), 1_000, recorder);
    private long index;

    private void frame(final long drone, final long atSeconds, final double lat, final double lon, final float alt,
        final float battery, final int status)
    {
        engine.onTelemetry(++index, atSeconds * SECOND, drone, atSeconds * SECOND, lat, lon, alt, battery, status);
    }

    @Test
    void shouldRaiseLowBatteryOnceAndClearItOnlyAboveTheHysteresis()
    {
        frame(1, 1, 52, 13, 100, 21, CRUISING);
        frame(1, 2, 52, 13, 100, 19.5f, CRUISING);
        frame(1, 3, 52, 13, 100, 18, CRUISING);
        frame(1, 4, 52, 13, 100, 22, CRUISING);
        frame(1, 5, 52, 13, 100, 19, CRUISING);
        frame(1, 6, 52, 13, 100, 25, CRUISING);
        frame(1, 7, 52, 13, 100, 24, CRUISING);
        assertThat(events).containsExactly(
            "raised LOW_BATTERY 1 0 at=" + 2 * SECOND + " index=2 value=19.5",
            "cleared LOW_BATTERY 1 0 at=" + 6 * SECOND + " index=6 value=25.0");
    }

    @Test
    void shouldRaiseLostLinkAtTheMomentTheSilenceCrossedTheTimeoutAndClearItWithTheNextFrame()
    {
        frame(1, 10, 52, 13, 100, 80, CRUISING);
        frame(2, 12, 52.1, 13, 100, 80, CRUISING);
        engine.tick(14 * SECOND);
        assertThat(events).isEmpty();
        engine.tick(16 * SECOND);
        engine.tick(30 * SECOND);
        frame(1, 31, 52, 13, 100, 80, CRUISING);
        assertThat(events).containsExactly(
            "raised LOST_LINK 1 0 at=" + 15 * SECOND + " index=1 value=5.0",
            "raised LOST_LINK 2 0 at=" + 17 * SECOND + " index=2 value=5.0",
            "cleared LOST_LINK 1 0 at=" + 31 * SECOND + " index=3 value=0.0");
    }

    @Test
    void shouldHandADroneOverInsteadOfRaisingALostLinkWhenAnotherNodeHearsIt()
    {
        events.clear();
        final AlertEngine engine = new AlertEngine(rules(List.of(), List.of()), 100, recorder);
        engine.linkGuard(droneId -> droneId != 2);
        engine.onTelemetry(1, SECOND, 1, SECOND, 52.0, 13.0, 100, 15, CRUISING);
        engine.onTelemetry(2, SECOND, 2, SECOND, 52.0, 13.0001, 100, 15, CRUISING);
        engine.tick(10 * SECOND);
        assertThat(events).containsExactly(
            "raised LOW_BATTERY 1 0 at=" + SECOND + " index=1 value=15.0",
            "raised LOW_BATTERY 2 0 at=" + SECOND + " index=2 value=15.0",
            "raised LOSS_OF_SEPARATION 1 2 at=" + SECOND + " index=2 value=6.8",
            "raised LOST_LINK 1 0 at=" + 6 * SECOND + " index=1 value=5.0",
            "cleared LOW_BATTERY 2 0 at=" + 6 * SECOND + " index=2 value=NaN",
            "cleared LOSS_OF_SEPARATION 1 2 at=" + 6 * SECOND + " index=2 value=NaN");
        // Handed over: forgotten, so no further alert; back later, it is a new drone to this node.
        events.clear();
        engine.tick(20 * SECOND);
        assertThat(events).isEmpty();
        engine.onTelemetry(3, 30 * SECOND, 2, 30 * SECOND, 52.5, 13.5, 100, 15, CRUISING);
        assertThat(events).containsExactly("raised LOW_BATTERY 2 0 at=" + 30 * SECOND + " index=3 value=15.0");
    }

    @Test
    void shouldForgetADroneSilentPastTheExpiryAfterReportingItLostAndClearEveryAlertItHad()
    {
        final List<Long> expired = new ArrayList<>();
        final AlertEngine watched = new AlertEngine(expiring(), 100, new AlertSink()
        {
            public void raised(final AlertType t, final long d, final long o, final long a, final long i, final double v)
            {
                recorder.raised(t, d, o, a, i, v);
            }

            public void cleared(final AlertType t, final long d, final long o, final long a, final long i, final double v)
            {
                recorder.cleared(t, d, o, a, i, v);
            }

            public void expired(final long droneId, final long atNanos, final long journalIndex)
            {
                expired.add(droneId);
            }
        });
        watched.onTelemetry(1, SECOND, 1, SECOND, 52.0, 13.0, 100, 15, CRUISING);
        watched.onTelemetry(2, 2 * SECOND, 2, 2 * SECOND, 52.0, 13.0001, 100, 80, CRUISING);
        watched.onTelemetry(3, 30 * SECOND, 2, 30 * SECOND, 52.0, 13.0001, 100, 80, CRUISING);
        watched.tick(50 * SECOND);
        assertThat(watched.drones()).isEqualTo(2);
        watched.tick(200 * SECOND);
        assertThat(events).containsExactly(
            "raised LOW_BATTERY 1 0 at=" + SECOND + " index=1 value=15.0",
            "raised LOSS_OF_SEPARATION 1 2 at=" + 2 * SECOND + " index=2 value=6.8",
            "raised LOST_LINK 1 0 at=" + 6 * SECOND + " index=1 value=5.0",
            "raised LOST_LINK 2 0 at=" + 35 * SECOND + " index=3 value=5.0",
            // Reported lost first; only at the expiry forgotten, every alert cleared at the expiry's time.
            "cleared LOW_BATTERY 1 0 at=" + 61 * SECOND + " index=1 value=NaN",
            "cleared LOST_LINK 1 0 at=" + 61 * SECOND + " index=1 value=60.0",
            "cleared LOSS_OF_SEPARATION 1 2 at=" + 61 * SECOND + " index=1 value=NaN",
            "cleared LOST_LINK 2 0 at=" + 90 * SECOND + " index=3 value=60.0");
        assertThat(expired).containsExactly(1L, 2L);
        assertThat(watched.drones()).isZero();

        // Back later: a new drone to the engine, evaluated from scratch.
        events.clear();
        watched.onTelemetry(4, 300 * SECOND, 1, 300 * SECOND, 52.5, 13.5, 100, 15, CRUISING);
        assertThat(events).containsExactly("raised LOW_BATTERY 1 0 at=" + 300 * SECOND + " index=4 value=15.0");
        assertThat(watched.drones()).isEqualTo(1);
    }

    @Test
    void shouldFreeTheSlotsOfExpiredDronesSoAFloodOfIdsCannotFillTheEngineForGood()
    {
        final AlertEngine small = new AlertEngine(expiring(), 10, recorder);
        for (int round = 0; round < 5; round++)
        {
            final long start = round * 100 * SECOND;
            for (int d = 0; d < 10; d++)
            {
                small.onTelemetry(round * 10 + d, start, 1_000 + round * 10 + d, start, 52.0 + d * 0.01, 13.0, 100, 80,
                    CRUISING);
            }
            assertThat(small.drones()).isEqualTo(10);
            small.tick(start + 90 * SECOND);
            assertThat(small.drones()).as("round %d: every flooded id forgotten", round).isZero();
        }
        assertThat(small.tableFull()).as("no frame went unevaluated for want of room").isZero();
        assertThat(events.stream().filter(e -> e.startsWith("raised LOST_LINK")).count()).isEqualTo(50);
        assertThat(events.stream().filter(e -> e.startsWith("cleared LOST_LINK")).count()).isEqualTo(50);
    }

    @Test
    void shouldNeverLetOtherNodesDronesCrowdOutThisNodes()
    {
        final AlertEngine small = new AlertEngine(expiring(), 10, recorder);
        for (long remote = 100; remote < 125; remote++)
        {
            small.onRemote(remote, 52.0 + remote * 0.001, 13.0, 100, CRUISING);
        }
        assertThat(small.drones()).as("other nodes' drones get half the room at most").isEqualTo(10);
        for (long mine = 1; mine <= 10; mine++)
        {
            small.onTelemetry(mine, SECOND, mine, SECOND, 40.0 + mine * 0.01, 13.0, 100, 80, CRUISING);
        }
        assertThat(small.drones()).isEqualTo(20);
        assertThat(small.tableFull()).as("every frame of this node's drones evaluated").isZero();
        small.removeRemote(100);
        small.onRemote(125, 52.5, 13.0, 100, CRUISING);
        assertThat(small.drones()).as("a freed remote slot is taken again").isEqualTo(20);
    }

    @Test
    void shouldReportALostLinkAndForgetTheDroneOnTimeWhenTheReceiveClockStepsBack()
    {
        final AlertEngine watched = new AlertEngine(expiring(), 100, recorder);
        final long hour = 3_600;
        entry(watched, 1, 10, 52.0);
        entry(watched, 2, 10, 52.1);
        entry(watched, 2, 11, 52.1);
        // Drone 1 falls silent; the node's wall clock is stepped an hour back (NTP, a VM restored from a snapshot) and
        // the receive times of drone 2's frames, once a second, with it.
        for (long t = 12; t <= 80; t++)
        {
            entry(watched, 2, t - hour, 52.1);
        }
        // Silent for 5 s, then for the 60 s expiry: seen on the frames' own clock, where the step hides one second.
        assertThat(events).containsExactly(
            "raised LOST_LINK 1 0 at=" + (16 - hour) * SECOND + " index=1 value=5.0",
            "cleared LOST_LINK 1 0 at=" + (71 - hour) * SECOND + " index=1 value=60.0");
        assertThat(watched.drones()).isEqualTo(1);
    }

    @Test
    void shouldReportALostLinkOnTimeWhileNoFrameComesAfterTheReceiveClockStepsBack()
    {
        final AlertEngine watched = new AlertEngine(expiring(), 100, recorder);
        entry(watched, 1, 10, 52.0);
        // Stepped back an hour, and no frame since: idle ticks on the wall clock fall behind the last entry.
        watched.tick((16 - 3_600) * SECOND);
        assertThat(events).isEmpty();
        watched.tickSinceLastEntry(4 * SECOND);
        assertThat(events).as("4 s of silence on the monotonic clock").isEmpty();
        watched.tickSinceLastEntry(6 * SECOND);
        assertThat(events).containsExactly("raised LOST_LINK 1 0 at=" + 15 * SECOND + " index=1 value=5.0");
        assertThat(watched.clockStepsBack()).as("no frame showed the step yet").isZero();
    }

    @Test
    void shouldCountEachStepBackOfTheReceiveClock()
    {
        final AlertEngine watched = new AlertEngine(expiring(), 100, recorder);
        entry(watched, 1, 10, 52.0);
        entry(watched, 1, 10, 52.0);
        entry(watched, 1, 9, 52.0);
        entry(watched, 1, 10, 52.0);
        entry(watched, 1, 5, 52.0);
        assertThat(watched.clockStepsBack()).isEqualTo(2);
        assertThat(watched.clockNanos()).as("a second passed, as the frames' receive times tell").isEqualTo(11 * SECOND);
    }

    @Test
    void shouldNotTakeAStepForwardOfTheWallClockForSilenceWithinARun()
    {
        final AlertEngine watched = new AlertEngine(expiring(), 100, recorder);
        final long run = 77;
        for (long t = 0; t < 30; t++)
        {
            // The node's clock is stepped forward 400 s at t = 15 (past the 60 s expiry); the monotonic clock goes on.
            final long received = t + (t >= 15 ? 400 : 0);
            clocked(watched, run, 1, received, t - 1_000);
            clocked(watched, run, 2, received, t - 1_000);
        }
        assertThat(events).as("no lost link, no expiry").isEmpty();
        assertThat(watched.drones()).isEqualTo(2);
        assertThat(watched.clockStepsForward()).isEqualTo(1);
        assertThat(watched.clockStepsBack()).isZero();
        // Silent from here: lost 5 s after the last frame, reported on the node's (stepped) clock.
        assertThat(watched.tickOnRun(run, (29 + 6 - 1_000) * SECOND)).isTrue();
        assertThat(events).containsExactly(
            "raised LOST_LINK 1 0 at=" + 434 * SECOND + " index=" + (index - 1) + " value=5.0",
            "raised LOST_LINK 2 0 at=" + 434 * SECOND + " index=" + index + " value=5.0");
    }

    @Test
    void shouldPaceOnReceiveTimesAcrossARestartAndForEntriesWithoutAMonotonicTime()
    {
        final AlertEngine watched = new AlertEngine(expiring(), 100, recorder);
        entry(watched, 1, 8, 52.1);
        clocked(watched, 5, 1, 10, 500);
        assertThat(watched.tickOnRun(6, 900 * SECOND)).as("another run: its monotonic times mean nothing here").isFalse();
        assertThat(events).isEmpty();
        // The node restarted (another run, another monotonic origin) and heard the drone 20 s after the last frame.
        clocked(watched, 6, 1, 30, 3);
        assertThat(events).containsExactly(
            "raised LOST_LINK 1 0 at=" + 15 * SECOND + " index=2 value=5.0",
            "cleared LOST_LINK 1 0 at=" + 30 * SECOND + " index=3 value=0.0");
    }

    @Test
    void shouldReportALostLinkLastingExactlyTheExpiryLessTheTimeoutThoughTheTwoClocksAreReadMicrosecondsApart()
    {
        final AlertEngine watched = new AlertEngine(expiring(), 100, recorder);
        final long micro = SECOND / 1_000_000;
        watched.advanceTo(0, 9, 0);
        watched.onTelemetry(++index, 0, 1, 0, 52.1, 13, 100, 80, CRUISING);
        for (long t = 0; t <= 70; t++)
        {
            // Drone 2 talks on; each frame's wall and monotonic readings are a few microseconds apart, as in a node.
            final long received = t * SECOND + (t % 3) * 7 * micro;
            watched.advanceTo(received, 9, t * SECOND + (t % 5) * 3 * micro);
            watched.onTelemetry(++index, received, 2, received, 52.2, 13, 100, 80, CRUISING);
        }
        assertThat(events).containsExactly(
            "raised LOST_LINK 1 0 at=" + 5 * SECOND + " index=1 value=5.0",
            "cleared LOST_LINK 1 0 at=" + 60 * SECOND + " index=1 value=60.0");
    }

    /**
     * A warm-up after a restart, or a replay --from, starts mid-run with the offset between the node's two clocks at 0,
     * while the live engine's offset may be up to 100 ms stale (it follows only larger drifts): silence was measured
     * from the receive time plus that offset, so a silence within that error of the timeout was decided one way live
     * and the other by the warm-up (a warm state lacking a LOST_LINK the node journaled, or holding one never raised).
     */
    @Test
    void shouldDecideALostLinkFromAMidRunStartAsTheLiveEngineDid()
    {
        final List<long[]> journal = new ArrayList<>();
        final long milli = SECOND / 1_000;
        for (long t = 0; t <= 40; t++)
        {
            // The node's wall clock drifts 3 ms a second from its monotonic clock for 30 s (90 ms, under the offset's
            // tolerance), then holds; drone 1 falls silent after t = 30 and is heard again 5.05 s later (monotonic).
            final long received = t * SECOND + Math.min(t, 30) * 3 * milli;
            journal.add(new long[]{received, t * SECOND, 2});
            if (t <= 30)
            {
                journal.add(new long[]{received, t * SECOND, 1});
            }
            if (t == 35)
            {
                journal.add(new long[]{35_050 * milli + 90 * milli, 35_050 * milli, 1});
            }
        }
        final int midRun = 2 * 30;
        assertThat(journal.get(midRun)[1]).isEqualTo(30 * SECOND);
        final List<String> live = fedFrom(journal, 0);
        events.clear();
        final List<String> warmUp = fedFrom(journal, midRun);
        assertThat(live).as("silent 5.05 s on the monotonic clock: lost").containsExactly(
            "raised LOST_LINK 1 0 at=" + 35_090 * milli + " index=" + (midRun + 1) + " value=5.0",
            "cleared LOST_LINK 1 0 at=" + 35_140 * milli + " index=" + (2 * 31 + 5) + " value=0.0");
        assertThat(warmUp).as("the same tail, started mid-run").isEqualTo(live);
    }

    /** The journal's entries (receive time, monotonic time, drone) of run 9 from {@code from} on, as the monitor feeds them. */
    private List<String> fedFrom(final List<long[]> journal, final int from)
    {
        final AlertEngine target = new AlertEngine(expiring(), 100, recorder);
        for (int i = from; i < journal.size(); i++)
        {
            final long[] entry = journal.get(i);
            target.advanceTo(entry[0], 9, entry[1]);
            target.onTelemetry(i, entry[0], entry[2], entry[0], 52.0 + entry[2] / 10.0, 13, 100, 80, CRUISING);
        }
        return new ArrayList<>(events);
    }

    /**
     * One damaged entry (its monotonic time far ahead, or at either end of the range, where the step wrapped to a huge
     * one) reported every drone lost and forgot them all: a monotonic step that falls, or runs more than a second
     * ahead of the receive times, is refused and the receive step taken.
     */
    @ParameterizedTest
    @ValueSource(longs = {410_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE})
    void shouldNotTakeOneDamagedMonotonicTimeForSilence(final long damagedMonotonic)
    {
        final AlertEngine watched = new AlertEngine(expiring(), 100, recorder);
        final long run = 9;
        for (long t = 0; t <= 20; t++)
        {
            clocked(watched, run, 1, t, t);
            if (t == 10)
            {
                watched.advanceTo(t * SECOND, run, damagedMonotonic);
                watched.onTelemetry(++index, t * SECOND, 2, t * SECOND, 52.2, 13, 100, 80, CRUISING);
            }
            else
            {
                clocked(watched, run, 2, t, t);
            }
        }
        assertThat(events).as("no lost link, no expiry").isEmpty();
        assertThat(watched.drones()).isEqualTo(2);
        assertThat(watched.monotonicStepsRefused()).as("into the damaged time and out of it").isEqualTo(2);
        assertThat(watched.clockNanos()).as("the clock back in step with the monotonic times").isEqualTo(20 * SECOND);
        // And silence is still seen on time.
        assertThat(watched.tickOnRun(run, 26 * SECOND)).isTrue();
        assertThat(events).containsExactly(
            "raised LOST_LINK 1 0 at=" + 25 * SECOND + " index=" + (index - 1) + " value=5.0",
            "raised LOST_LINK 2 0 at=" + 25 * SECOND + " index=" + index + " value=5.0");
    }

    /**
     * The damaged entry the last before the journal goes idle: live idle ticks counted from its monotonic time, so far
     * ahead they held every lost link, far back (saturated) they reported every drone lost and forgot them all.
     */
    @ParameterizedTest
    @ValueSource(longs = {410_000_000_000L, Long.MIN_VALUE})
    void shouldLeaveIdleTicksToTheWallClockAfterADamagedMonotonicTime(final long damagedMonotonic)
    {
        final AlertEngine watched = new AlertEngine(expiring(), 100, recorder);
        final long run = 9;
        for (long t = 0; t <= 10; t++)
        {
            clocked(watched, run, 1, t, t);
        }
        watched.advanceTo(10 * SECOND, run, damagedMonotonic);
        watched.onTelemetry(++index, 10 * SECOND, 2, 10 * SECOND, 52.2, 13, 100, 80, CRUISING);
        assertThat(watched.tickOnRun(run, 12 * SECOND)).as("left to the wall clock").isFalse();
        assertThat(events).isEmpty();
        watched.tick(14 * SECOND);
        watched.tickSinceLastEntry(4 * SECOND);
        assertThat(events).isEmpty();
        watched.tickSinceLastEntry(6 * SECOND);
        assertThat(events).containsExactly(
            "raised LOST_LINK 1 0 at=" + 15 * SECOND + " index=" + (index - 1) + " value=5.0",
            "raised LOST_LINK 2 0 at=" + 15 * SECOND + " index=" + index + " value=5.0");
    }

    /**
     * What the receive times may not bound: the node's wall clock stepped back an hour while the journal was idle (no
     * frame for 8 s). Live idle ticks, on the monotonic clock, raised both lost links; the entry after the gap must
     * too, or a warm-up or replay over it would lack them.
     */
    @Test
    void shouldTakeTheMonotonicStepWhereTheReceiveTimesFell()
    {
        final AlertEngine watched = new AlertEngine(expiring(), 100, recorder);
        final long run = 9;
        for (long t = 0; t <= 10; t++)
        {
            clocked(watched, run, 1, t, t);
            clocked(watched, run, 2, t, t);
        }
        clocked(watched, run, 2, 18 - 3_600, 18);
        assertThat(events).containsExactly(
            "raised LOST_LINK 1 0 at=" + 15 * SECOND + " index=" + (index - 2) + " value=5.0",
            "raised LOST_LINK 2 0 at=" + 15 * SECOND + " index=" + (index - 1) + " value=5.0",
            "cleared LOST_LINK 2 0 at=" + (18 - 3_600) * SECOND + " index=" + index + " value=0.0");
        assertThat(watched.monotonicStepsRefused()).isZero();
        assertThat(watched.clockStepsBack()).isEqualTo(1);
    }

    /** A damaged receive time at the end of the range: the engine's clock (what checkpoints are spaced by) wrapped. */
    @Test
    void shouldHoldTheClockAtTheEndOfTheRangeInsteadOfWrappingIt()
    {
        final AlertEngine watched = new AlertEngine(expiring(), 100, recorder);
        final long run = 9;
        watched.advanceTo(Long.MAX_VALUE - 3 * SECOND, run, 0);
        watched.onTelemetry(++index, Long.MAX_VALUE - 3 * SECOND, 1, 0, 52.1, 13, 100, 80, CRUISING);
        for (long t = 1; t <= 10; t++)
        {
            watched.advanceTo(Long.MAX_VALUE, run, (3 + t) * SECOND);
            watched.onTelemetry(++index, Long.MAX_VALUE, 2, 0, 52.2, 13, 100, 80, CRUISING);
            assertThat(watched.clockNanos()).isEqualTo(Long.MAX_VALUE);
        }
        assertThat(events).as("nothing reported at a wrapped time").allMatch(e -> !e.contains("at=-"));
    }

    /** A clocked journal entry: receive time (wall clock) and monotonic time of a run. */
    private void clocked(final AlertEngine target, final long run, final long drone, final long receivedSeconds,
        final long monotonicSeconds)
    {
        target.advanceTo(receivedSeconds * SECOND, run, monotonicSeconds * SECOND);
        target.onTelemetry(++index, receivedSeconds * SECOND, drone, receivedSeconds * SECOND, 52.0 + drone / 10.0, 13,
            100, 80, CRUISING);
    }

    /** One journal entry as the monitor evaluates it: the engine is advanced to its receive time first. */
    private void entry(final AlertEngine target, final long drone, final long atSeconds, final double lat)
    {
        target.advanceTo(atSeconds * SECOND);
        target.onTelemetry(++index, atSeconds * SECOND, drone, atSeconds * SECOND, lat, 13, 100, 80, CRUISING);
    }

    @Test
    void shouldExpireTheSameDronesAtTheSameTimesFromTheSameFramesWhateverTheIdleTicks()
    {
        final List<String> often = expiringRun(true);
        events.clear();
        final List<String> seldom = expiringRun(false);
        assertThat(often).isNotEmpty().isEqualTo(seldom);
        assertThat(often).anyMatch(e -> e.startsWith("cleared LOST_LINK") && e.endsWith("value=60.0"));
    }

    @Test
    void shouldReportWhatFellDueInOneTickInTimeOrderWhateverTheSlots()
    {
        final Random random = new Random(11);
        final AlertEngine engine = new AlertEngine(expiring(), 3_000, recorder);
        final List<Long> ids = new ArrayList<>();
        for (long id = 1; id <= 2_500; id++)
        {
            ids.add(id * 7 % 2_503);
        }
        java.util.Collections.shuffle(ids, random);
        long index = 0;
        for (final long id : ids)
        {
            // Last heard at a random moment in the first 100 s, some drones at the very same moment.
            final long at = random.nextInt(100) * SECOND + random.nextInt(3);
            engine.onTelemetry(++index, at, id, at, 10 + random.nextDouble() * 70, random.nextDouble() * 170, 100, 80,
                GROUNDED);
        }
        engine.tick(1_000 * SECOND);
        assertThat(events).as("a lost link and its clear at the expiry per drone").hasSize(2 * 2_500);
        final List<long[]> order = new ArrayList<>();
        for (final String event : events)
        {
            final String[] parts = event.split(" ");
            order.add(new long[]{Long.parseLong(parts[4].substring(3)), Long.parseLong(parts[2])});
        }
        for (int i = 1; i < order.size(); i++)
        {
            final long[] a = order.get(i - 1);
            final long[] b = order.get(i);
            assertThat(a[0] < b[0] || (a[0] == b[0] && a[1] <= b[1]))
                .as("event %d (%s) after event %d (%s)", i, events.get(i), i - 1, events.get(i - 1)).isTrue();
        }
        assertThat(engine.drones()).isZero();
    }

    /**
     * Drones come and go (a new set of ids every 100 s, then a long silence), each frame preceded by a tick to its time
     * as the monitor does; {@code idleTicks} adds ticks every 100 ms in between, as a monitor with an idle journal does.
     */
    private List<String> expiringRun(final boolean idleTicks)
    {
        final AlertEngine fresh = new AlertEngine(expiring(), 40, recorder);
        for (int t = 0; t < 600; t++)
        {
            final long generation = t / 100;
            for (int d = 1; d <= 20; d++)
            {
                final long at = t * SECOND + d;
                fresh.tick(at);
                fresh.onTelemetry(t * 20L + d, at, generation * 100 + d, at, 52 + d * 0.01, 13, 100, 80, CRUISING);
            }
            for (int idle = 1; idleTicks && idle < 10; idle++)
            {
                fresh.tick(t * SECOND + idle * SECOND / 10);
            }
        }
        for (int t = 600; idleTicks && t < 1_000; t++)
        {
            fresh.tick(t * SECOND);
        }
        fresh.tick(1_000 * SECOND);
        assertThat(fresh.drones()).isZero();
        assertThat(fresh.tableFull()).as("slots freed in time for every new generation").isZero();
        return new ArrayList<>(events);
    }

    /**
     * Seen on a running stack (50 simulated drones, two MAVLink vehicles, a loaded machine): eleven IMPLAUSIBLE_JUMP
     * alerts in ten minutes for drones flying at 10 m/s, "implied" 2,737 to 129,509 m/s. A sender that stalls sends
     * its next positions back to back, stamped microseconds apart (the MAVLink edge stamps a position when it
     * arrives), so a metre of honest flight divided by 100 µs is 10 km/s; GNSS noise does the same at high rates.
     */
    @Test
    void shouldNotCallAMetreBetweenFramesSentBackToBackAJump()
    {
        final long micro = SECOND / 1_000_000;
        engine.onTelemetry(++index, SECOND, 1, SECOND, 52.0, 13.0, 100, 80, CRUISING);
        engine.onTelemetry(++index, SECOND + 100 * micro, 1, SECOND + 100 * micro, 52.00001, 13.0, 100, 80, CRUISING);
        engine.onTelemetry(++index, SECOND + 200 * micro, 1, SECOND + 200 * micro, 52.00002, 13.0, 100, 80, CRUISING);
        assertThat(events).isEmpty();

        // A position 500 m away within the same 100 µs is still a jump: no drone flies 500 m in under a second.
        engine.onTelemetry(++index, SECOND + 300 * micro, 1, SECOND + 300 * micro, 52.0045, 13.0, 100, 80, CRUISING);
        assertThat(events).hasSize(1);
        assertThat(events.get(0)).startsWith("raised IMPLAUSIBLE_JUMP 1 0");
    }

    /**
     * A forged track (spoofed GNSS) made of steps each just under the plausible speed's distance for a second: 140 m every
     * 100 ms is 1,400 m/s. Taking each step over a second let it through; measured from an anchor it adds up within one.
     */
    @Test
    void shouldCallStepsThatEachStayUnderTheLimitAJumpWhenTheyAddUpWithinASecond()
    {
        final long tenth = SECOND / 10;
        final double stepDegrees = 140.0 / 111_195; // 140 m of latitude
        for (int i = 0; i < 5; i++)
        {
            engine.onTelemetry(++index, SECOND + i * tenth, 1, SECOND + i * tenth, 52.0 + i * stepDegrees, 13.0, 100, 80,
                CRUISING);
        }
        assertThat(events).isNotEmpty();
        assertThat(events.get(0)).startsWith("raised IMPLAUSIBLE_JUMP 1 0");
    }

    @Test
    void shouldRaiseAnImplausibleJumpAndClearItWithTheNextPlausibleFrame()
    {
        frame(1, 1, 52.0, 13.0, 100, 80, CRUISING);
        frame(1, 2, 52.0001, 13.0, 100, 80, CRUISING);
        frame(1, 3, 52.1, 13.0, 100, 80, CRUISING);
        frame(1, 4, 52.1001, 13.0, 100, 80, CRUISING);
        assertThat(events).hasSize(2);
        assertThat(events.get(0)).startsWith("raised IMPLAUSIBLE_JUMP 1 0 at=" + 3 * SECOND + " index=3 value=11108");
        assertThat(events.get(1)).startsWith("cleared IMPLAUSIBLE_JUMP 1 0 at=" + 4 * SECOND + " index=4 value=11.1");
    }

    @Test
    void shouldRaiseAGeofenceBreachOutsideTheKeepInOrInsideAKeepOut()
    {
        final Polygon area = new Polygon("area", new double[]{13.0, 13.1, 13.1, 13.0}, new double[]{52.0, 52.0, 52.1, 52.1});
        final Polygon airport = new Polygon("airport", new double[]{13.04, 13.06, 13.06, 13.04},
            new double[]{52.04, 52.04, 52.06, 52.06});
        final AlertEngine fenced = new AlertEngine(rules(List.of(area), List.of(airport)), 10, recorder);
        fenced.onTelemetry(1, SECOND, 7, SECOND, 52.01, 13.01, 50, 80, CRUISING);
        fenced.onTelemetry(2, 30 * SECOND, 7, 30 * SECOND, 52.01, 13.0001, 50, 80, CRUISING);
        fenced.onTelemetry(3, 40 * SECOND, 7, 40 * SECOND, 52.01, 12.999, 50, 80, CRUISING);
        fenced.onTelemetry(4, 41 * SECOND, 7, 41 * SECOND, 52.01, 12.9989, 50, 80, CRUISING);
        fenced.onTelemetry(5, 60 * SECOND, 7, 60 * SECOND, 52.03, 13.03, 50, 80, CRUISING);
        fenced.onTelemetry(6, 90 * SECOND, 7, 90 * SECOND, 52.05, 13.05, 50, 80, CRUISING);
        fenced.onTelemetry(7, 120 * SECOND, 7, 120 * SECOND, 52.07, 13.07, 50, 80, CRUISING);
        assertThat(events.stream().filter(e -> e.contains("GEOFENCE"))).containsExactly(
            "raised GEOFENCE_BREACH 7 0 at=" + 40 * SECOND + " index=3 value=NaN",
            "cleared GEOFENCE_BREACH 7 0 at=" + 60 * SECOND + " index=5 value=NaN",
            "raised GEOFENCE_BREACH 7 0 at=" + 90 * SECOND + " index=6 value=NaN",
            "cleared GEOFENCE_BREACH 7 0 at=" + 120 * SECOND + " index=7 value=NaN");
    }

    @Test
    void shouldRaiseLossOfSeparationOncePerPairAndClearItWithAMargin()
    {
        frame(1, 1, 52.0, 13.0, 100, 80, CRUISING);
        frame(2, 1, 52.0 + 0.6 * FIFTY_M, 13.0, 110, 80, CRUISING);     // 30 m, 10 m apart: conflict
        frame(1, 2, 52.0, 13.0, 100, 80, CRUISING);
        frame(2, 2, 52.0 + 1.1 * FIFTY_M, 13.0, 110, 80, CRUISING);     // 55 m: within the clearing margin
        frame(2, 3, 52.0 + 1.3 * FIFTY_M, 13.0, 110, 80, CRUISING);     // 65 m: clear
        frame(3, 3, 52.0, 13.0 + 0.0002, 200, 80, CRUISING);             // close but 100 m higher: no conflict
        frame(4, 3, 52.0, 13.0 + 0.0001, 100, 80, GROUNDED);             // on the ground: never
        assertThat(events).hasSize(2);
        assertThat(events.get(0)).startsWith("raised LOSS_OF_SEPARATION 1 2 at=" + SECOND + " index=2 value=30.0");
        assertThat(events.get(1)).startsWith("cleared LOSS_OF_SEPARATION 1 2 at=" + 3 * SECOND + " index=5 value=65.0");
    }

    @Test
    void shouldReportAConflictWithAnotherNodesDroneOnceFleetWideFromTheLowerIdsNode()
    {
        // Drone 5 is ours; 9 and 3 are other nodes' drones, 20 m from it at the same height.
        engine.onRemote(9, 52 + 20 / 111_195.0, 13, 100, CRUISING);
        engine.onRemote(3, 52 - 20 / 111_195.0, 13, 100, CRUISING);
        frame(5, 1, 52, 13, 100, 80, CRUISING);
        assertThat(events).as("5-9 is ours to report (5 < 9); 3-5 is the node of 3's").containsExactly(
            "raised across nodes LOSS_OF_SEPARATION 5 9 at=" + SECOND + " index=1");

        // 9 moves away: cleared with our next frame; another node's drones get no other alert (no lost link).
        engine.onRemote(9, 52 + 200 / 111_195.0, 13, 100, CRUISING);
        frame(5, 2, 52, 13, 100, 80, CRUISING);
        engine.tick(60 * SECOND);
        frame(5, 60, 52, 13, 100, 80, CRUISING);
        assertThat(events).containsExactly(
            "raised across nodes LOSS_OF_SEPARATION 5 9 at=" + SECOND + " index=1",
            "cleared across nodes LOSS_OF_SEPARATION 5 9 at=" + 2 * SECOND + " index=2",
            "raised LOST_LINK 5 0 at=" + 7 * SECOND + " index=2 value=5.0",
            "cleared LOST_LINK 5 0 at=" + 60 * SECOND + " index=3 value=0.0");
        events.clear();

        // Back close, then it lands out of the airborne set: the conflict ends at our drone's last frame.
        engine.onRemote(9, 52 + 20 / 111_195.0, 13, 100, CRUISING);
        frame(5, 61, 52, 13, 100, 80, CRUISING);
        engine.removeRemote(9);
        assertThat(events).containsExactly(
            "raised across nodes LOSS_OF_SEPARATION 5 9 at=" + 61 * SECOND + " index=4",
            "cleared across nodes LOSS_OF_SEPARATION 5 9 at=" + 61 * SECOND + " index=4");

        // A drone first seen as another node's and then heard here is simply ours from then on.
        events.clear();
        frame(9, 62, 52 + 20 / 111_195.0, 13, 100, 80, CRUISING);
        assertThat(events).containsExactly("raised LOSS_OF_SEPARATION 5 9 at=" + 62 * SECOND + " index=5 value=20.0");
    }

    /**
     * Wherever on Earth: the cells' longitude width depends on the latitude, far from the prime meridian too; across
     * the antimeridian (Fiji) and next to a pole, where a few metres span many degrees of longitude.
     */
    @ParameterizedTest(name = "near {0}, {1}")
    @CsvSource({"52.0, 13.0", "-33.87, 151.2", "37.77, -122.42", "69.65, 18.96", "-54.8, -68.3", "-16.5, 179.997",
        "89.9, 10.0"})
    void shouldFindConflictsAcrossCellBordersAmongManyDronesLikeABruteForceCheck(final double south, final double west)
    {
        final Random random = new Random(7);
        final int drones = 300;
        final double[] lat = new double[drones];
        final double[] lon = new double[drones];
        final float[] alt = new float[drones];
        for (int d = 0; d < drones; d++)
        {
            lat[d] = south + random.nextDouble() * 0.01;
            // The same area (and so the same density) everywhere: 0.01 degrees of longitude at 52 degrees.
            final double east = west + random.nextDouble() * 0.01 * Math.cos(Math.toRadians(52)) / Math.cos(Math.toRadians(south));
            lon[d] = (east + 540.0) % 360.0 - 180.0;
            alt[d] = 100 + random.nextInt(60);
            frame(d + 1, 1, lat[d], lon[d], alt[d], 80, CRUISING);
        }
        long expected = 0;
        for (int a = 0; a < drones; a++)
        {
            for (int b = a + 1; b < drones; b++)
            {
                if (io.odyssey.geo.Geodesy.distanceM(lat[a], lon[a], lat[b], lon[b]) < 50 && Math.abs(alt[a] - alt[b]) < 30)
                {
                    expected++;
                }
            }
        }
        assertThat(expected).as("the random fleet has conflicts to find").isGreaterThan(20);
        assertThat(engine.untrackedPairs()).as("no drone in more conflicts than it can track").isZero();
        assertThat(events.stream().filter(e -> e.startsWith("raised LOSS_OF_SEPARATION")).count()).isEqualTo(expected);
    }

    @Test
    void shouldRaiseTheSameAlertsFromTheSameFramesAndTicks()
    {
        final List<String> first = run();
        events.clear();
        final List<String> second = run();
        assertThat(first).isNotEmpty().isEqualTo(second);
    }

    private List<String> run()
    {
        final AlertEngine fresh = new AlertEngine(rules(List.of(), List.of()), 100, recorder);
        final Random random = new Random(42);
        for (int t = 0; t < 200; t++)
        {
            for (int d = 1; d <= 20; d++)
            {
                if (random.nextInt(10) > 0)
                {
                    fresh.onTelemetry(t * 20L + d, t * SECOND / 2 + d, d, t * SECOND / 2 + d,
                        52 + random.nextDouble() * 0.002, 13 + random.nextDouble() * 0.002, 100 + random.nextInt(40),
                        30 - t * 0.1f, CRUISING);
                }
            }
            fresh.tick(t * SECOND / 2);
        }
        return new ArrayList<>(events);
    }

    @Test
    void shouldNotAllocatePerFrame()
    {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final AlertSink quiet = new AlertSink()
        {
            public void raised(final AlertType t, final long d, final long o, final long a, final long i, final double v)
            {
            }

            public void cleared(final AlertType t, final long d, final long o, final long a, final long i, final double v)
            {
            }
        };
        final AlertEngine busy = new AlertEngine(rules(List.of(), List.of()), 2_000, quiet);
        final Runnable round = new Runnable()
        {
            long t;

            public void run()
            {
                t++;
                for (int d = 1; d <= 1_000; d++)
                {
                    // Drones in a 100 x 10 grid 30 m apart, drifting: cells change, conflicts come and go.
                    final double lat = 52.0 + (d % 100) * 0.0003 + (t % 7) * 0.00005;
                    final double lon = 13.0 + (d / 100) * 0.0005;
                    busy.onTelemetry(t * 1_000 + d, t * SECOND / 10, d, t * SECOND / 10, lat, lon, 100, 50, CRUISING);
                }
                busy.tick(t * SECOND / 10);
            }
        };
        for (int warmUp = 0; warmUp < 2_000; warmUp++)
        {
            round.run();
        }
        final long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int measured = 0; measured < 100; measured++)
        {
            round.run();
        }
        final long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertThat(allocated).as("bytes allocated for 100,000 frames").isLessThan(64 * 1024);
    }
}
