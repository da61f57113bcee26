package io.odyssey.relay;

import io.aeron.Subscription;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sign.TestDroneKeys;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.GeofenceRecords;
import io.odyssey.grid.ledger.CommandAuthority;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.grid.ledger.CommandUpdate;
import io.odyssey.ingest.TestGrid;
import io.odyssey.journal.CommandJournal;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.runtime.Metrics;
import io.odyssey.runtime.SecretFile;
import io.odyssey.testing.FailOnErrorLog;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.NanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A command's resends, its expiry and the lost-contact check, on an ingest node whose wall clock steps (an NTP
 * correction, a VM restored from a snapshot, an operator setting the date) or runs apart from the node hearing the
 * drone. Judged on ledger (wall-clock) times, a node stepped back an hour stopped resending for the hour, one stepped
 * forward expired every undelivered order at once (any node may expire any order, so the whole fleet's), and a node
 * 60 s ahead of the node hearing a drone failed the drone's delivered commands at once for "lost contact". A real
 * member and a real media driver; the sweep is driven by hand on a wall clock and a monotonic clock the test sets.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RelayCommandClockIT
{
    private static final Path KEYS = TestDroneKeys.file(1, 10);
    private static final String NODE = "ingest-steps";
    private static final int STREAM = 1104;
    private static final int LOCALHOST = 0x7F00_0001;
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long HOUR = TimeUnit.HOURS.toNanos(1);
    private static final long RESEND_NS = SECOND;
    /** {@link LedgerSweep}'s grace past an expiry at this resend interval: max(2 s, 2 resends). */
    private static final long GRACE_NS = 2 * SECOND;

    @TempDir
    Path dir;

    /** The node's monotonic clock: only the test moves it. */
    private final AtomicLong monotonic = new AtomicLong(42);
    /** How far the node's wall clock has been stepped. */
    private final AtomicLong stepped = new AtomicLong();
    private final long start = System.currentTimeMillis() * 1_000_000L;
    /** Set: every read of the wall clock is preceded by a pause of this long (a GC pause, a stalled VM). */
    private final AtomicLong pauseBeforeWallRead = new AtomicLong();
    /** The node's wall clock: real time passes with the monotonic clock, the steps on top. */
    private final EpochNanoClock wall = () -> start + (monotonic.addAndGet(pauseBeforeWallRead.get()) - 42) +
        stepped.get();
    private final NanoClock pacing = monotonic::get;

    private TestGrid grid;
    private AeronTransport aeron;
    private CommandJournal journal;
    private CommandLinks links;
    private CommandLedger ledger;
    private CommandRelay.CommandMetrics metrics;
    private LedgerSweep sweep;
    private EffectConfirmation effects;

    @BeforeEach
    void start() throws Exception
    {
        grid = TestGrid.start("relay-command-clock-it");
        aeron = AeronTransport.launchEmbedded(dir.resolve("aeron").toString(), "relay-command-clock");
        journal = new CommandJournal(dir.resolve("commands"), RollCycles.FAST_DAILY);
        final byte[] key = SecretFile.read(CommandAuthority.KEY_FILE, TestGrid.commandKeyFile(dir), 32);
        ledger = new CommandLedger(grid.member(), null, new CommandAuthority(key), wall);
        metrics = new CommandRelay.CommandMetrics(new Metrics("relay-command-clock"));
        links = new CommandLinks(aeron.aeron(), STREAM, null, 10);
        final TransitionRecorder recorder = new TransitionRecorder(ledger, journal, NODE, metrics);
        effects = new EffectConfirmation(ledger, grid.fleet(), metrics.fleetStates, recorder, pacing);
        final GeofenceGuard guard = new GeofenceGuard(new GeofenceRecords(grid.member().getMap(FleetGrid.GEOFENCES_MAP),
            key, 1_000, 10_000, null, null, null), grid.fleet(), ledger, CommandType.RETURN_HOME, NODE, metrics);
        final CommandSender sender = new CommandSender(ledger, links, TestDroneKeys.signer(KEYS, 1, wall), NODE, recorder,
            metrics, pacing);
        sweep = new LedgerSweep(ledger, grid.fleet(), NODE, wall, pacing, RESEND_NS, links, sender, effects, guard,
            recorder, metrics);
    }

    @AfterEach
    void stop()
    {
        links.close();
        journal.close();
        aeron.close();
        grid.close();
    }

    @Test
    void shouldResendEveryIntervalOfTheNodesOwnTimeWhateverItsWallClockDoes() throws Exception
    {
        final int port = freePort();
        try (Subscription drone = aeron.aeron().addSubscription("aeron:udp?endpoint=127.0.0.1:" + port, STREAM))
        {
            heard(7, 1, NODE, wall.nanoTime());
            links.update(7, LOCALHOST, port, 0, null);
            final CommandRecord hold = issue(7, 5 * 60 * SECOND);
            // Sent at the first sweep the new publication is connected (no time passes meanwhile).
            for (int i = 0; i < 500 && ledger.get(hold.id()).attempts() == 0; i++)
            {
                sweep.sweep();
                Thread.sleep(10);
            }
            assertThat(ledger.get(hold.id()).attempts()).isEqualTo(1);

            stepped.set(-HOUR);
            elapse(RESEND_NS);
            sweep.sweep();
            assertThat(ledger.get(hold.id()).attempts()).as("an interval after the first send, an hour's step back or not")
                .isEqualTo(2);

            stepped.set(HOUR);
            elapse(RESEND_NS / 2);
            sweep.sweep();
            assertThat(ledger.get(hold.id()).attempts()).as("half an interval on, however far the wall clock jumped")
                .isEqualTo(2);
            assertThat(ledger.get(hold.id()).state()).as("and not expired by the jump").isEqualTo(CommandState.SENT);
            elapse(RESEND_NS / 2);
            sweep.sweep();
            assertThat(ledger.get(hold.id()).attempts()).isEqualTo(3);
            assertThat(metrics.clockStepsBack.get()).isEqualTo(1);
            assertThat(metrics.clockStepsForward.get()).isEqualTo(1);
        }
    }

    @Test
    void shouldNotExpireOrdersEarlyWhenTheWallClockStepsForward()
    {
        final CommandRecord before = issue(3, 60 * SECOND);
        sweep.sweep();

        // Ten minutes forward: every order's expiry is behind the wall clock now.
        stepped.set(10 * 60 * SECOND);
        elapse(SECOND);
        sweep.sweep();
        // Issued after the step by a gateway whose clock is right.
        final CommandRecord after = issue(4, 60 * SECOND, start + (monotonic.get() - 42));
        elapse(SECOND);
        sweep.sweep();
        assertThat(ledger.get(before.id()).state()).as("seen before the step").isEqualTo(CommandState.ISSUED);
        assertThat(ledger.get(after.id()).state()).as("issued after the step").isEqualTo(CommandState.ISSUED);
        assertThat(metrics.clockStepsForward.get()).isEqualTo(1);

        // The order seen before the step was first judged with a minute left, the one after with 59 s.
        elapse(58 * SECOND + GRACE_NS + 1);
        sweep.sweep();
        assertThat(ledger.get(before.id()).state()).as("its minute and the grace are over").isEqualTo(CommandState.EXPIRED);
        assertThat(ledger.get(after.id()).state()).isEqualTo(CommandState.ISSUED);
        elapse(SECOND);
        sweep.sweep();
        assertThat(ledger.get(after.id()).state()).isEqualTo(CommandState.EXPIRED);
    }

    @Test
    void shouldExpireOrdersOnTimeWhenTheWallClockStepsBack()
    {
        final CommandRecord order = issue(3, 60 * SECOND);
        sweep.sweep();
        stepped.set(-HOUR);
        elapse(60 * SECOND + GRACE_NS);
        sweep.sweep();
        assertThat(ledger.get(order.id()).state()).isEqualTo(CommandState.ISSUED);
        elapse(1);
        sweep.sweep();
        assertThat(ledger.get(order.id()).state()).as("its minute is over on the node's own time")
            .isEqualTo(CommandState.EXPIRED);
        assertThat(metrics.clockStepsBack.get()).isEqualTo(1);
    }

    @Test
    void shouldJudgeLostContactByWhenThisNodeLastSawTheDroneHeardNotByAnotherHostsClock()
    {
        // Drone 9 is heard by another node whose clock is a minute behind this one's.
        final long behind = 60 * SECOND;
        heard(9, 1, "ingest-other", wall.nanoTime() - behind);
        final CommandRecord order = issue(9, 5 * 60 * SECOND);
        ledger.update(order.id(), CommandUpdate.sent("ingest-other", wall.nanoTime() - behind));
        ledger.update(order.id(), CommandUpdate.progress(CommandState.ACCEPTED, wall.nanoTime() - behind, 0f, -1,
            Double.NaN, Double.NaN, Float.NaN));

        for (int i = 2; i <= 40; i++)
        {
            elapse(SECOND);
            heard(9, i, "ingest-other", wall.nanoTime() - behind);
            sweep.sweep();
        }
        assertThat(ledger.get(order.id()).state()).as("heard every second").isEqualTo(CommandState.ACCEPTED);

        // Silent from now on: failed once this node has seen nothing new for the lost-contact time.
        elapse(CommandRelay.LOST_CONTACT_NS);
        sweep.sweep();
        assertThat(ledger.get(order.id()).state()).isEqualTo(CommandState.ACCEPTED);
        elapse(1);
        sweep.sweep();
        assertThat(ledger.get(order.id()).state()).isEqualTo(CommandState.FAILED);
    }

    @Test
    void shouldFailADronesDeliveredCommandsWhenItFallsSilentWhateverStateAGridClientFilesUnderAnotherDrone()
    {
        // A grid client files one state of drone 6 under drone 5's key, with a sequence no real state reaches (the
        // keep-newest interceptor then refuses drone 5's real states). Keyed by the stored droneId, the two drones'
        // silence timers reset each other at every pass, so neither drone's delivered command ever failed.
        heard(6, 1, NODE, wall.nanoTime());
        grid.fleet().set(5L, new DroneState(6, Long.MAX_VALUE / 2, wall.nanoTime(), wall.nanoTime(), wall.nanoTime(),
            52.52, 13.405, 80f, 90f, 5f, 0f, 80f, "CRUISING", 8, NODE));
        final CommandRecord five = accepted(issue(5, 10 * 60 * SECOND));
        final CommandRecord six = accepted(issue(6, 10 * 60 * SECOND));

        sweep.sweep();
        assertThat(ledger.get(five.id()).state()).as("drone 5 has no state of its own: nobody hears it")
            .isEqualTo(CommandState.FAILED);
        assertThat(metrics.fleetStates.count()).as("the misfiled state left out, counted").isEqualTo(1);
        for (int i = 0; i < 40; i++)
        {
            elapse(SECOND);
            sweep.sweep();
        }
        assertThat(ledger.get(six.id()).state()).as("drone 6 silent for 40 s").isEqualTo(CommandState.FAILED);
    }

    @Test
    void shouldNotCompleteADronesCommandOnAStateAGridClientFiledUnderItsKeyForAnotherDrone()
    {
        // Drone 5 says its HOLD is done; under its key a grid client filed drone 6's state, stopped. Taken as drone 5's
        // telemetry (by the drone's answer and the check of commands awaiting their effect, which read the fleet map
        // by key), it completed the order though nothing of drone 5 showed it had stopped.
        final CommandRecord hold = accepted(issue(5, 10 * 60 * SECOND));
        ledger.update(hold.id(), CommandUpdate.doneReported(wall.nanoTime(), Double.NaN, Double.NaN, Float.NaN));
        elapse(SECOND);
        grid.fleet().set(5L, new DroneState(6, 1, wall.nanoTime(), wall.nanoTime(), wall.nanoTime(),
            52.52, 13.405, 80f, 90f, 0f, 0f, 80f, "HOVERING", 8, NODE));
        effects.confirm(ledger.get(hold.id()), grid.fleet().get(5L), wall.nanoTime());
        effects.checkAwaiting(wall.nanoTime());
        assertThat(ledger.get(hold.id()).state()).as("nothing of drone 5 showed the hold").isEqualTo(CommandState.IN_PROGRESS);

        // Drone 5's own state, stopped, does.
        elapse(SECOND);
        grid.fleet().set(5L, new DroneState(5, 2, wall.nanoTime(), wall.nanoTime(), wall.nanoTime(),
            52.52, 13.405, 80f, 90f, 0f, 0f, 80f, "HOVERING", 8, NODE));
        effects.checkAwaiting(wall.nanoTime());
        assertThat(ledger.get(hold.id()).state()).isEqualTo(CommandState.COMPLETED);
    }

    @Test
    void shouldGiveADronesDoneItsMinuteOnTheNodesOwnTimeWhateverItsWallClockDoes()
    {
        // Drone 5 says its HOLD is done; its telemetry still shows it moving.
        heard(5, 1, NODE, wall.nanoTime());
        final CommandRecord hold = accepted(issue(5, 10 * 60 * SECOND));
        ledger.update(hold.id(), CommandUpdate.doneReported(wall.nanoTime(), Double.NaN, Double.NaN, Float.NaN));
        effects.confirm(ledger.get(hold.id()), grid.fleet().get(5L), wall.nanoTime());

        // Judged on the wall clock, ten minutes forward failed it at once, and an hour back held it for the hour.
        stepped.set(10 * 60 * SECOND);
        elapse(SECOND);
        effects.checkAwaiting(wall.nanoTime());
        assertThat(ledger.get(hold.id()).state()).as("a second after its done, ten minutes' step forward or not")
            .isEqualTo(CommandState.IN_PROGRESS);
        stepped.set(-HOUR);
        elapse(EffectConfirmation.EFFECT_TIMEOUT_NS - SECOND);
        effects.checkAwaiting(wall.nanoTime());
        assertThat(ledger.get(hold.id()).state()).isEqualTo(CommandState.IN_PROGRESS);
        elapse(1);
        effects.checkAwaiting(wall.nanoTime());
        assertThat(ledger.get(hold.id()).state()).as("its minute is over on the node's own time, an hour's step back or not")
            .isEqualTo(CommandState.FAILED);
        assertThat(effects.anyAwaiting()).isFalse();
    }

    @Test
    void shouldJudgeTheTimeADoneHasAlreadyWaitedOnceWhenTheNodeFirstSeesIt()
    {
        // The drone said done 20 s ago to a node that has gone (this one sees it first at its sweep).
        heard(5, 1, NODE, wall.nanoTime());
        final CommandRecord hold = accepted(issue(5, 10 * 60 * SECOND));
        ledger.update(hold.id(), CommandUpdate.doneReported(wall.nanoTime() - 20 * SECOND, Double.NaN, Double.NaN,
            Float.NaN));
        sweep.sweep();
        // Then this node's clock steps back an hour: the 40 s left still count down on its own time.
        stepped.set(-HOUR);
        for (int i = 2; i <= 41; i++)
        {
            elapse(SECOND);
            heard(5, i, NODE, wall.nanoTime());
            sweep.sweep();
        }
        assertThat(ledger.get(hold.id()).state()).as("at 60 s").isEqualTo(CommandState.IN_PROGRESS);
        elapse(1);
        heard(5, 42, NODE, wall.nanoTime());
        sweep.sweep();
        assertThat(ledger.get(hold.id()).state()).as("20 s before this node saw it, 40 s since")
            .isEqualTo(CommandState.FAILED);
    }

    @Test
    void shouldNeverLeaveAnOrderMoreTimeThanItWasIssuedWith()
    {
        // This node's clock was an hour behind and is put right: a step forward, which it cannot tell from a step
        // forward of a clock that was right, so it judges orders first seen after it an hour behind its wall clock.
        stepped.set(-HOUR);
        sweep.sweep();
        stepped.set(0);
        elapse(SECOND);
        sweep.sweep();
        assertThat(metrics.clockStepsForward.get()).isEqualTo(1);

        // Issued with a minute to live: judged with an hour and a minute left, it stayed undelivered for the hour.
        final CommandRecord order = issue(3, 60 * SECOND);
        sweep.sweep();
        elapse(60 * SECOND + GRACE_NS);
        sweep.sweep();
        assertThat(ledger.get(order.id()).state()).isEqualTo(CommandState.ISSUED);
        elapse(1);
        sweep.sweep();
        assertThat(ledger.get(order.id()).state()).as("no more than the minute it was issued with")
            .isEqualTo(CommandState.EXPIRED);
    }

    @Test
    void shouldFollowAStepForwardOnceAnOrderIssuedSinceShowsItPutTheClockRight()
    {
        // This node's clock was ten minutes behind the gateways' and is put right: a step forward, which it cannot
        // tell from a step of a clock that was right, so it keeps the ten minutes out of new orders' expiries.
        stepped.set(-10 * 60 * SECOND);
        sweep.sweep();
        stepped.set(0);
        elapse(SECOND);
        sweep.sweep();
        assertThat(metrics.clockStepsForward.get()).isEqualTo(1);

        // An order this node issued itself carries its own clock: no evidence.
        final CommandRecord own = ledger.issue(CommandRecord.issued(ledger.newId(), 2, CommandType.HOLD,
            CommandParameters.NONE, null, "geofence", NODE, wall.nanoTime(), wall.nanoTime() + 5 * 60 * SECOND))
            .command();
        sweep.sweep();
        final CommandRecord before = issue(4, 5 * 60 * SECOND, wall.nanoTime() - 4 * 60 * SECOND);
        sweep.sweep();
        // A gateway (its clock right) issues an order now: its issue time agrees with the stepped clock.
        issue(3, 5 * 60 * SECOND);
        sweep.sweep();
        // An order issued four minutes ago with five to live, first seen now (its drone came over from another node).
        final CommandRecord late = issue(5, 5 * 60 * SECOND, wall.nanoTime() - 4 * 60 * SECOND);
        sweep.sweep();

        elapse(60 * SECOND + GRACE_NS);
        sweep.sweep();
        assertThat(ledger.get(late.id()).state()).isEqualTo(CommandState.ISSUED);
        elapse(1);
        sweep.sweep();
        assertThat(ledger.get(late.id()).state()).as("its last minute is over: the correction is followed")
            .isEqualTo(CommandState.EXPIRED);
        assertThat(ledger.get(before.id()).state()).as("seen before any evidence: its whole lifetime, as before")
            .isEqualTo(CommandState.ISSUED);
        assertThat(ledger.get(own.id()).state()).isEqualTo(CommandState.ISSUED);
    }

    /**
     * Which host an order came from (issuedFrom) is not sealed: a grid client re-filing a node's own order (a geofence
     * guard's, dated on that node's clock) as another host's made this node follow its own wrong clock, and judge the
     * fleet's orders up to the step early.
     */
    @Test
    void shouldTakeNoEvidenceOfAClockPutRightFromOrdersANodeRecordedItself()
    {
        stepped.set(-10 * 60 * SECOND);
        sweep.sweep();
        stepped.set(0);
        elapse(SECOND);
        sweep.sweep();
        assertThat(metrics.clockStepsForward.get()).isEqualTo(1);

        // A geofence guard's and a drone's own order, as a grid client re-filed them: from "gw", a gateway's name.
        ledger.issue(CommandRecord.issued(ledger.newId(), 2, CommandType.HOLD, CommandParameters.NONE, null,
            CommandLedger.GEOFENCE_ISSUER, "gw", wall.nanoTime(), wall.nanoTime() + 5 * 60 * SECOND));
        ledger.issue(CommandRecord.issued(ledger.newId(), 3, CommandType.HOLD, CommandParameters.NONE, null,
            CommandLedger.DRONE_ISSUER, null, wall.nanoTime(), wall.nanoTime() + 5 * 60 * SECOND));
        sweep.sweep();
        final CommandRecord late = issue(5, 5 * 60 * SECOND, wall.nanoTime() - 4 * 60 * SECOND);
        sweep.sweep();

        elapse(60 * SECOND + GRACE_NS + 1);
        sweep.sweep();
        assertThat(ledger.get(late.id()).state()).as("the ten minutes still kept out: no evidence was taken")
            .isEqualTo(CommandState.ISSUED);
    }

    @Test
    void shouldNotTakeAPauseDuringASweepForAStepOfTheWallClock()
    {
        sweep.sweep();
        elapse(SECOND);
        final long issued = monotonic.get();
        final CommandRecord order = issue(3, 60 * SECOND);
        // Five seconds pass before every read of the wall clock in this sweep, which first sees the order.
        pauseBeforeWallRead.set(5 * SECOND);
        sweep.sweep();
        pauseBeforeWallRead.set(0);
        final long paused = monotonic.get() - issued;
        elapse(SECOND);
        sweep.sweep();
        assertThat(metrics.clockStepsForward.get()).as("no step forward").isZero();
        assertThat(metrics.clockStepsBack.get()).as("no step back").isZero();

        elapse(60 * SECOND + GRACE_NS - (monotonic.get() - issued));
        sweep.sweep();
        assertThat(ledger.get(order.id()).state()).as("paused " + paused + " ns").isEqualTo(CommandState.ISSUED);
        elapse(1);
        sweep.sweep();
        assertThat(ledger.get(order.id()).state()).as("its minute and the grace are over, not later")
            .isEqualTo(CommandState.EXPIRED);
    }

    private CommandRecord accepted(final CommandRecord command)
    {
        ledger.update(command.id(), CommandUpdate.sent(NODE, wall.nanoTime()));
        ledger.update(command.id(), CommandUpdate.progress(CommandState.ACCEPTED, wall.nanoTime(), 0f, -1,
            Double.NaN, Double.NaN, Float.NaN));
        return command;
    }

    private CommandRecord issue(final long droneId, final long lifetimeNs)
    {
        return issue(droneId, lifetimeNs, wall.nanoTime());
    }

    private CommandRecord issue(final long droneId, final long lifetimeNs, final long issuedAt)
    {
        return ledger.issue(CommandRecord.issued(ledger.newId(), droneId, CommandType.HOLD, CommandParameters.NONE, null,
            "ops", "127.0.0.1", issuedAt, issuedAt + lifetimeNs)).command();
    }

    private void heard(final long droneId, final long sequence, final String node, final long heardAt)
    {
        grid.fleet().set(droneId, new DroneState(droneId, sequence, heardAt, heardAt, heardAt, 52.52, 13.405, 80f,
            90f, 5f, 0f, 80f, "CRUISING", 8, node));
    }

    private void elapse(final long nanos)
    {
        monotonic.addAndGet(nanos);
    }

    private static int freePort() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}
