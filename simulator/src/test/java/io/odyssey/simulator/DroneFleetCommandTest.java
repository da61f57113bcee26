package io.odyssey.simulator;

import io.odyssey.codecs.CommandLimits;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;
import io.odyssey.codecs.sbe.CommandType;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.codecs.sign.FrameSignature;
import io.odyssey.runtime.RealTimeClock;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;

import static io.odyssey.simulator.CommandFrames.waypoint;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.assertj.core.api.Assertions.within;

/**
 * Commands executed by the fleet, in simulated time (steps of 0.1 s, progress reported every 10 steps as the publisher
 * does once a real second), with every answer decoded by the ground's reader as soon as the fleet queues it.
 */
class DroneFleetCommandTest
{
    private static final double CENTER_LAT = 52.52;
    private static final double CENTER_LON = 13.405;
    private static final double RADIUS = 3000;
    private static final double CRUISE = 12;
    private static final double DT = 0.1;
    /** Drone 1 (index 0) of a fleet of three: the one the tests command. */
    private static final long DRONE = 1;
    private static final float KEEP = Float.NaN;

    private final SimulatorMetrics metrics = new SimulatorMetrics();
    /** The drone's clock and the ground's: the machine's, since the expiry tests compare with it. */
    private final RealTimeClock clock = new RealTimeClock();
    private final CommandFrames frames = CommandFrames.signed(clock);
    private final List<Answer> answers = new ArrayList<>();
    private DroneFleet fleet;
    private CommandIntake intake;
    private long steps;

    DroneFleetCommandTest()
    {
        use(new DroneFleet(3, 1, 42, CENTER_LAT, CENTER_LON, RADIUS, CRUISE));
    }

    @Test
    void shouldFlyAMissionOfThreeWaypointsInOrderHoldingAtEach()
    {
        takeOff(100, 30);
        final double[][] waypoints = {
            waypoint(north(200), east(0), 40, Double.NaN, 5),
            waypoint(north(200), east(200), Double.NaN, 8, 3),
            waypoint(north(0), east(50), 20, Double.NaN, 2)};
        // The second waypoint keeps the first one's altitude.
        final double[] altitudes = {40, 40, 20};
        assertThat(send(frames.mission(DRONE, 101, waypoints))).isEqualTo(DroneFleet.COMMAND_ACCEPTED);

        final double[] secondsAt = new double[waypoints.length];
        int nextWaypoint = 0;
        double fastestOnSecondLeg = 0;
        while (!finished(101) && steps < 5_000)
        {
            step();
            for (int k = 0; k < waypoints.length; k++)
            {
                if (distanceTo(waypoints[k][0], waypoints[k][1]) < 1.0 && Math.abs(fleet.altitude(0) - altitudes[k]) < 0.1)
                {
                    secondsAt[k] += DT;
                    assertThat(k).as("waypoints reached in order").isGreaterThanOrEqualTo(nextWaypoint - 1);
                    nextWaypoint = Math.max(nextWaypoint, k + 1);
                }
            }
            if (nextWaypoint == 1 && distanceTo(waypoints[0][0], waypoints[0][1]) > 1.0)
            {
                fastestOnSecondLeg = Math.max(fastestOnSecondLeg, fleet.speed(0));
            }
        }

        assertThat(last(101).phase()).isEqualTo(CommandPhase.DONE);
        assertThat(nextWaypoint).isEqualTo(3);
        assertThat(secondsAt[0]).as("held at waypoint 0").isGreaterThanOrEqualTo(5 - DT);
        assertThat(secondsAt[1]).as("held at waypoint 1").isGreaterThanOrEqualTo(3 - DT);
        assertThat(secondsAt[2]).as("held at waypoint 2").isGreaterThanOrEqualTo(2 - DT);
        assertThat(fastestOnSecondLeg).as("the second leg's own speed").isCloseTo(8.0, within(1e-9));

        final List<Answer> mission = of(101);
        assertThat(mission.get(0).phase()).isEqualTo(CommandPhase.ACCEPTED);
        assertThat(mission).filteredOn(a -> a.phase() == CommandPhase.IN_PROGRESS).extracting(Answer::waypointIndex)
            .isSorted().contains(0, 1, 2);
        assertThat(mission).extracting(Answer::progress).isSorted();
        assertThat(mission).filteredOn(Answer::isFinal).hasSize(1);
        final Answer done = last(101);
        assertThat(done.progress()).isEqualTo(100f);
        assertThat(done.waypointIndex()).isEqualTo(2);
        assertThat(done.targetLatitude()).isEqualTo(waypoints[2][0]);
        assertThat(done.targetLongitude()).isEqualTo(waypoints[2][1]);
        assertThat(done.targetAltitude()).isEqualTo(20f);
        assertThat(mission).allSatisfy(a -> assertThat(a.type()).isEqualTo(CommandType.MISSION));

        // Done: it hovers at the last waypoint and waits for orders instead of patrolling.
        fly(60);
        assertThat(fleet.status(0)).isEqualTo(DroneStatus.HOVERING);
        assertThat(distanceTo(waypoints[2][0], waypoints[2][1])).isLessThan(3.0);
        assertThat(fleet.isCommanded(0)).isTrue();
    }

    @Test
    void shouldHoldAGotoAndResumeItWhereItLeftOff()
    {
        takeOff(200, 30);
        final double lat = north(1000);
        final double lon = east(0);
        send(frames.goTo(DRONE, 201, lat, lon, 50f, KEEP));
        fly(20);
        assertThat(fleet.status(0)).isEqualTo(DroneStatus.CRUISING);
        final float progressBeforeHold = last(201).progress();
        assertThat(progressBeforeHold).isPositive();

        assertThat(send(frames.plain(DRONE, 202, CommandType.HOLD))).isEqualTo(DroneFleet.COMMAND_ACCEPTED);
        assertThat(flyUntil(() -> finished(202), 30)).isTrue();
        assertThat(last(202).phase()).isEqualTo(CommandPhase.DONE);
        assertThat(fleet.speed(0)).isZero();
        assertThat(fleet.status(0)).isEqualTo(DroneStatus.HOVERING);
        assertThat(last(202).targetLatitude()).as("where it stopped").isEqualTo(fleet.latitude(0));
        final double heldLat = fleet.latitude(0);
        final double heldLon = fleet.longitude(0);
        final int answersBefore = of(201).size();
        fly(30);
        assertThat(fleet.latitude(0)).isEqualTo(heldLat);
        assertThat(fleet.longitude(0)).isEqualTo(heldLon);
        assertThat(of(201)).as("the held goto is paused, not ended, and quiet").hasSize(answersBefore)
            .noneMatch(Answer::isFinal);

        assertThat(send(frames.plain(DRONE, 203, CommandType.RESUME))).isEqualTo(DroneFleet.COMMAND_ACCEPTED);
        assertThat(of(203)).extracting(Answer::phase).containsExactly(CommandPhase.ACCEPTED, CommandPhase.DONE);
        assertThat(flyUntil(() -> finished(201), 200)).isTrue();
        assertThat(last(201).phase()).isEqualTo(CommandPhase.DONE);
        assertThat(of(201)).extracting(Answer::progress).isSorted();
        assertThat(distanceTo(lat, lon)).isLessThan(2.0);
        assertThat(fleet.altitude(0)).isEqualTo(50.0);
    }

    @Test
    void shouldCancelARunningMissionAndHoverWhereItIs()
    {
        takeOff(300, 30);
        send(frames.mission(DRONE, 301, waypoint(north(800), east(0), 40, Double.NaN, 0),
            waypoint(north(800), east(800), 40, Double.NaN, 0)));
        fly(15);

        assertThat(send(frames.cancel(DRONE, 302, 301))).isEqualTo(DroneFleet.COMMAND_ACCEPTED);
        assertThat(last(301).phase()).isEqualTo(CommandPhase.CANCELLED);
        assertThat(last(301).reason()).isEqualTo(CommandReason.CANCELLED_BY_OPERATOR);
        assertThat(of(302)).extracting(Answer::phase).containsExactly(CommandPhase.ACCEPTED, CommandPhase.DONE);
        fly(20);
        assertThat(fleet.speed(0)).isZero();
        assertThat(fleet.status(0)).isEqualTo(DroneStatus.HOVERING);
        assertThat(distanceTo(north(800), east(0))).as("never reached the first waypoint").isGreaterThan(500);
        assertThat(of(301)).filteredOn(Answer::isFinal).hasSize(1);

        assertThat(send(frames.cancel(DRONE, 303, 301))).as("already over").isEqualTo(DroneFleet.COMMAND_REJECTED);
        assertThat(last(303).reason()).isEqualTo(CommandReason.NO_SUCH_COMMAND);
        assertThat(send(frames.cancel(DRONE, 304, 999))).isEqualTo(DroneFleet.COMMAND_REJECTED);
        assertThat(last(304).reason()).isEqualTo(CommandReason.NO_SUCH_COMMAND);
    }

    @Test
    void shouldReturnHomeSupersedingTheGotoAndStayOnTheGround()
    {
        takeOff(400, 30);
        send(frames.goTo(DRONE, 401, north(0), east(600), KEEP, KEEP));
        fly(20);

        assertThat(send(frames.plain(DRONE, 402, CommandType.RETURN_HOME))).isEqualTo(DroneFleet.COMMAND_ACCEPTED);
        assertThat(last(401).phase()).isEqualTo(CommandPhase.CANCELLED);
        assertThat(last(401).reason()).isEqualTo(CommandReason.SUPERSEDED);
        final List<DroneStatus> seen = new ArrayList<>();
        while (!finished(402) && steps < 10_000)
        {
            step();
            if (seen.isEmpty() || seen.get(seen.size() - 1) != fleet.status(0))
            {
                seen.add(fleet.status(0));
            }
        }
        assertThat(seen).containsSubsequence(DroneStatus.RETURNING, DroneStatus.LANDING, DroneStatus.GROUNDED);
        final Answer done = last(402);
        assertThat(done.phase()).isEqualTo(CommandPhase.DONE);
        assertThat(done.targetLatitude()).isEqualTo(fleet.homeLatitude(0));
        assertThat(done.targetLongitude()).isEqualTo(fleet.homeLongitude(0));
        assertThat(done.targetAltitude()).isZero();
        assertThat(distanceTo(fleet.homeLatitude(0), fleet.homeLongitude(0))).isLessThan(5);
        assertThat(of(402)).extracting(Answer::progress).isSorted();

        final double batteryLanded = fleet.battery(0);
        fly(120);
        assertThat(fleet.status(0)).as("a commanded drone waits on the ground, charging").isEqualTo(DroneStatus.GROUNDED);
        assertThat(fleet.battery(0)).isGreaterThan(batteryLanded);
        assertThat(send(frames.plain(DRONE, 403, CommandType.RETURN_HOME))).as("already home")
            .isEqualTo(DroneFleet.COMMAND_ACCEPTED);
        assertThat(last(403).phase()).isEqualTo(CommandPhase.DONE);
    }

    @Test
    void shouldComeDownFastOnAnEmergencyStopCancellingWhatItWasDoing()
    {
        takeOff(500, 60);
        send(frames.goTo(DRONE, 501, north(900), east(0), KEEP, KEEP));
        fly(10);

        assertThat(send(frames.plain(DRONE, 502, CommandType.STOP))).isEqualTo(DroneFleet.COMMAND_ACCEPTED);
        assertThat(last(501).phase()).isEqualTo(CommandPhase.CANCELLED);
        assertThat(last(501).reason()).isEqualTo(CommandReason.EMERGENCY_STOP);
        step();
        assertThat(fleet.status(0)).isEqualTo(DroneStatus.EMERGENCY);
        assertThat(fleet.climbRate(0)).isEqualTo(-DroneFleet.EMERGENCY_DESCENT_RATE_MPS);
        assertThat(flyUntil(() -> finished(502), 60 / DroneFleet.EMERGENCY_DESCENT_RATE_MPS + 1)).isTrue();
        assertThat(fleet.status(0)).isEqualTo(DroneStatus.GROUNDED);
        final Answer done = last(502);
        assertThat(done.phase()).isEqualTo(CommandPhase.DONE);
        assertThat(done.targetLatitude()).as("where it came down").isEqualTo(fleet.latitude(0));
        assertThat(done.targetAltitude()).isZero();

        assertThat(send(frames.plain(DRONE, 503, CommandType.LAND))).isEqualTo(DroneFleet.COMMAND_REJECTED);
        assertThat(last(503).reason()).isEqualTo(CommandReason.NOT_AIRBORNE);
        assertThat(send(frames.plain(DRONE, 504, CommandType.RESUME))).isEqualTo(DroneFleet.COMMAND_REJECTED);
        assertThat(last(504).reason()).isEqualTo(CommandReason.NOT_AIRBORNE);
        assertThat(send(frames.plain(DRONE, 505, CommandType.HOLD))).isEqualTo(DroneFleet.COMMAND_REJECTED);
        assertThat(last(505).reason()).isEqualTo(CommandReason.NOT_AIRBORNE);
    }

    @Test
    void shouldFailTheRunningCommandAndFlyHomeOnItsOwnWhenTheBatteryRunsLow()
    {
        use(new DroneFleet(3, 1, 42, CENTER_LAT, CENTER_LON, RADIUS, CRUISE, DroneFleet.RETURN_BATTERY_PCT, 10));
        takeOff(600, 30);
        send(frames.goTo(DRONE, 601, north(2500), east(0), KEEP, KEEP));
        assertThat(flyUntil(() -> finished(601), 300)).isTrue();

        final long ownId = -1; // its first own command (this fleet's counters start at 0)
        assertThat(last(601).phase()).isEqualTo(CommandPhase.FAILED);
        assertThat(last(601).reason()).isEqualTo(CommandReason.FAILSAFE_LOW_BATTERY);
        final List<Answer> own = of(ownId);
        assertThat(own).isNotEmpty();
        assertThat(answers.indexOf(last(601))).as("the failure is reported before the drone's own command")
            .isLessThan(answers.indexOf(own.get(0)));
        final Answer started = own.get(0);
        assertThat(started.phase()).isEqualTo(CommandPhase.STARTED_BY_DRONE);
        assertThat(started.reason()).isEqualTo(CommandReason.FAILSAFE_LOW_BATTERY);
        assertThat(started.type()).isEqualTo(CommandType.RETURN_HOME);
        assertThat(started.targetLatitude()).isEqualTo(fleet.homeLatitude(0));
        assertThat(started.targetLongitude()).isEqualTo(fleet.homeLongitude(0));

        // On its way home it takes no new errand, but would take a landing.
        assertThat(send(frames.goTo(DRONE, 602, north(100), east(0), KEEP, KEEP))).isEqualTo(DroneFleet.COMMAND_REJECTED);
        assertThat(last(602).reason()).isEqualTo(CommandReason.BATTERY_TOO_LOW);
        assertThat(send(frames.plain(DRONE, 603, CommandType.HOLD))).isEqualTo(DroneFleet.COMMAND_REJECTED);
        assertThat(last(603).reason()).isEqualTo(CommandReason.BATTERY_TOO_LOW);

        assertThat(flyUntil(() -> finished(ownId), 600)).isTrue();
        assertThat(of(ownId)).extracting(Answer::phase).startsWith(CommandPhase.STARTED_BY_DRONE, CommandPhase.IN_PROGRESS)
            .endsWith(CommandPhase.DONE);
        assertThat(of(ownId)).extracting(Answer::progress).isSorted();
        assertThat(fleet.status(0)).isEqualTo(DroneStatus.GROUNDED);
        assertThat(distanceTo(fleet.homeLatitude(0), fleet.homeLongitude(0))).isLessThan(5);
        fly(60);
        assertThat(fleet.status(0)).as("a commanded drone stays on the ground after its failsafe").isEqualTo(DroneStatus.GROUNDED);
    }

    @Test
    void shouldReportItsOwnReturnHomeWhilePatrollingAndThenPatrolAgain()
    {
        use(new DroneFleet(3, 1, 42, CENTER_LAT, CENTER_LON, RADIUS, CRUISE, DroneFleet.RETURN_BATTERY_PCT, 10));
        final long first = -1;
        assertThat(flyUntil(() -> finished(first), 1200)).isTrue();
        assertThat(of(first)).extracting(Answer::phase).startsWith(CommandPhase.STARTED_BY_DRONE).endsWith(CommandPhase.DONE);
        assertThat(fleet.status(0)).isEqualTo(DroneStatus.GROUNDED);
        assertThat(fleet.isCommanded(0)).isFalse();
        assertThat(send(frames.takeoff(DRONE, 700, KEEP))).as("just landed on a low battery")
            .isEqualTo(DroneFleet.COMMAND_REJECTED);
        assertThat(last(700).reason()).isEqualTo(CommandReason.BATTERY_TOO_LOW);
        assertThat(fleet.isCommanded(0)).as("a refused command changes nothing").isFalse();

        assertThat(flyUntil(() -> fleet.status(0) == DroneStatus.TAKING_OFF, 600)).as("patrols again once charged").isTrue();
        final long second = first - 1;
        assertThat(flyUntil(() -> finished(second), 1200)).isTrue();
        assertThat(of(second).get(0).phase()).isEqualTo(CommandPhase.STARTED_BY_DRONE);
        assertThat(answers).filteredOn(a -> a.commandId() != 700).allSatisfy(a ->
        {
            assertThat(a.commandId()).as("a patrolling drone only reports its own commands").isNegative();
            assertThat(a.type()).isEqualTo(CommandType.RETURN_HOME);
        });
    }

    @Test
    void shouldCarryOnAboveAnEarlierRunOfTheSameDronesSoItsOwnCommandIdsAndSequencesNeverRepeat()
    {
        final List<Long> ownIds = new ArrayList<>();
        long lastSequence = 0;
        long bootMs = System.currentTimeMillis();
        for (int run = 0; run < 2; run++)
        {
            // The same drones (ids, seed), as a restarted simulator flies them: booted once the first run's simulated
            // time has passed (the test flies it faster than the clock does).
            final long stepsBefore = steps;
            use(new DroneFleet(3, 1, 42, CENTER_LAT, CENTER_LON, RADIUS, CRUISE, DroneFleet.RETURN_BATTERY_PCT, 10)
                .counterBase(DroneFleet.bootCounterBase(bootMs)));
            answers.clear();
            step();
            assertThat(fleet.sequence(0)).as("run %d: newer telemetry than anything before", run).isGreaterThan(lastSequence);
            assertThat(flyUntil(() -> answers.stream().anyMatch(a -> a.droneId() == DRONE &&
                a.phase() == CommandPhase.STARTED_BY_DRONE), 1200)).isTrue();
            ownIds.add(answers.stream().filter(a -> a.droneId() == DRONE && a.phase() == CommandPhase.STARTED_BY_DRONE)
                .findFirst().orElseThrow().commandId());
            lastSequence = fleet.sequence(0);
            bootMs += Math.round((steps - stepsBefore) * DT * 1_000);
        }
        assertThat(ownIds.get(1)).as("the restarted drone's failsafe").isNotEqualTo(ownIds.get(0));
        assertThat(ownIds).allSatisfy(id -> assertThat(id).isNegative().isGreaterThan(-(1L << 53)));
        assertThat(lastSequence).as("within what ingest accepts from a frame signed now")
            .isLessThan(FrameSignature.timestampOf(bootMs * 1_000_000L) / 100 + 10_000);
    }

    @Test
    void shouldAnswerAResentCommandAgainWithoutRunningItTwice()
    {
        assertThat(send(frames.takeoff(DRONE, 800, 30f))).isEqualTo(DroneFleet.COMMAND_ACCEPTED);
        assertThat(send(frames.takeoff(DRONE, 800, 30f))).isEqualTo(DroneFleet.COMMAND_DUPLICATE);
        assertThat(of(800)).extracting(Answer::phase).containsExactly(CommandPhase.ACCEPTED, CommandPhase.ACCEPTED);
        assertThat(flyUntil(() -> finished(800), 60)).isTrue();

        final double[] a = {north(300), east(0)};
        final double[] b = {north(0), east(-300)};
        send(frames.goTo(DRONE, 801, a[0], a[1], KEEP, KEEP));
        assertThat(flyUntil(() -> finished(801), 120)).isTrue();
        send(frames.goTo(DRONE, 802, b[0], b[1], KEEP, KEEP));
        assertThat(flyUntil(() -> finished(802), 120)).isTrue();
        final int answersBefore = answers.size();

        assertThat(send(frames.goTo(DRONE, 801, a[0], a[1], KEEP, KEEP))).isEqualTo(DroneFleet.COMMAND_DUPLICATE);
        assertThat(send(frames.takeoff(DRONE, 800, 30f))).as("not ALREADY_AIRBORNE: it is the same takeoff")
            .isEqualTo(DroneFleet.COMMAND_DUPLICATE);
        assertThat(answers.subList(answersBefore, answers.size())).extracting(Answer::commandId, Answer::phase)
            .containsExactly(tuple(801L, CommandPhase.DONE), tuple(800L, CommandPhase.DONE));
        fly(30);
        assertThat(distanceTo(b[0], b[1])).as("still where the last goto left it").isLessThan(3);

        assertThat(send(frames.plain(DRONE, 803, CommandType.LAND))).isEqualTo(DroneFleet.COMMAND_ACCEPTED);
        assertThat(flyUntil(() -> finished(803), 60)).isTrue();
        assertThat(send(frames.plain(DRONE, 804, CommandType.STOP))).isEqualTo(DroneFleet.COMMAND_REJECTED);
        assertThat(send(frames.plain(DRONE, 804, CommandType.STOP))).isEqualTo(DroneFleet.COMMAND_DUPLICATE);
        assertThat(of(804)).extracting(Answer::phase).containsExactly(CommandPhase.REJECTED, CommandPhase.REJECTED);
        assertThat(metrics.commandsReceived[SimulatorMetrics.DUPLICATE].get()).isEqualTo(4);
    }

    @Test
    void shouldRefuseACommandPastItsExpiryAndNeverStartOneItWasOnlyAskedAbout()
    {
        frames.expiresAtNanos = System.currentTimeMillis() * 1_000_000L - 1_000_000_000L;
        assertThat(send(frames.takeoff(DRONE, 950, 30f))).isEqualTo(DroneFleet.COMMAND_REJECTED);
        assertThat(of(950)).extracting(Answer::phase, Answer::reason)
            .containsExactly(tuple(CommandPhase.REJECTED, CommandReason.EXPIRED));

        // The ground lost an answer and asks again, but this drone never had command 951 (say it restarted).
        frames.expiresAtNanos = 0;
        frames.repeatAnswerOnly = 1;
        assertThat(send(frames.takeoff(DRONE, 951, 30f))).isEqualTo(DroneFleet.COMMAND_REJECTED);
        fly(5);
        assertThat(of(951)).as("never accepted, never run").extracting(Answer::phase, Answer::reason)
            .containsExactly(tuple(CommandPhase.FAILED, CommandReason.NO_SUCH_COMMAND));

        // Asked again about a command it has: the same latest word, nothing run twice.
        frames.repeatAnswerOnly = 0;
        send(frames.plain(DRONE, 952, CommandType.LAND));
        frames.repeatAnswerOnly = 1;
        assertThat(send(frames.plain(DRONE, 952, CommandType.LAND))).isEqualTo(DroneFleet.COMMAND_DUPLICATE);
        frames.repeatAnswerOnly = 0;
    }

    @Test
    void shouldReturnToItsPatrolOnResumeWithNothingHeld()
    {
        takeOff(900, 30);
        send(frames.goTo(DRONE, 901, north(500), east(0), KEEP, KEEP));
        fly(5);
        assertThat(send(frames.plain(DRONE, 902, CommandType.RESUME))).as("a goto runs: nothing was paused")
            .isEqualTo(DroneFleet.COMMAND_REJECTED);
        assertThat(last(902).reason()).isEqualTo(CommandReason.NOTHING_TO_RESUME);
        send(frames.cancel(DRONE, 903, 901));
        fly(10);

        assertThat(send(frames.plain(DRONE, 904, CommandType.RESUME))).isEqualTo(DroneFleet.COMMAND_ACCEPTED);
        assertThat(of(904)).extracting(Answer::phase).containsExactly(CommandPhase.ACCEPTED, CommandPhase.DONE);
        assertThat(fleet.isCommanded(0)).isFalse();
        assertThat(flyUntil(() -> fleet.status(0) == DroneStatus.CRUISING, 10)).as("off on its patrol").isTrue();
        assertThat(send(frames.takeoff(DRONE, 905, KEEP))).isEqualTo(DroneFleet.COMMAND_REJECTED);
        assertThat(last(905).reason()).isEqualTo(CommandReason.ALREADY_AIRBORNE);
    }

    @Test
    void shouldApplyASetSpeedToTheCurrentAndLaterLegsUnlessALegSaysOtherwise()
    {
        takeOff(1000, 30);
        send(frames.goTo(DRONE, 1001, north(1500), east(0), KEEP, KEEP));
        fly(15);
        assertThat(fleet.speed(0)).isCloseTo(CRUISE, within(0.01));

        assertThat(send(frames.setSpeed(DRONE, 1002, 5f))).isEqualTo(DroneFleet.COMMAND_ACCEPTED);
        assertThat(of(1002)).extracting(Answer::phase).containsExactly(CommandPhase.ACCEPTED, CommandPhase.DONE);
        fly(5);
        assertThat(fleet.speed(0)).isCloseTo(5.0, within(0.01));
        assertThat(last(1001).isFinal()).as("the goto goes on").isFalse();

        send(frames.goTo(DRONE, 1003, north(0), east(0), KEEP, KEEP));
        fly(10);
        assertThat(fleet.speed(0)).isCloseTo(5.0, within(0.01));
        send(frames.goTo(DRONE, 1004, north(1500), east(0), KEEP, 9f));
        fly(10);
        assertThat(fleet.speed(0)).isCloseTo(9.0, within(0.01));
    }

    @Test
    void shouldTakeOffToThirtyMetresUnlessToldAndRefuseWhenAirborneOrLow()
    {
        assertThat(fleet.status(0)).isEqualTo(DroneStatus.GROUNDED);
        assertThat(send(frames.takeoff(DRONE, 1100, KEEP))).isEqualTo(DroneFleet.COMMAND_ACCEPTED);
        step();
        assertThat(fleet.status(0)).isEqualTo(DroneStatus.TAKING_OFF);
        assertThat(flyUntil(() -> finished(1100), 30)).isTrue();
        assertThat(fleet.altitude(0)).isEqualTo(DroneFleet.DEFAULT_TAKEOFF_ALTITUDE_M);
        assertThat(last(1100).targetAltitude()).isEqualTo(30f);
        assertThat(of(1100)).extracting(Answer::waypointIndex).containsOnly(-1);
        step();
        assertThat(fleet.status(0)).isEqualTo(DroneStatus.HOVERING);
        assertThat(send(frames.takeoff(DRONE, 1101, 50f))).isEqualTo(DroneFleet.COMMAND_REJECTED);
        assertThat(last(1101).reason()).isEqualTo(CommandReason.ALREADY_AIRBORNE);

        // From the ground a goto climbs straight up first, then on the way.
        send(frames.plain(DRONE, 1102, CommandType.LAND));
        assertThat(flyUntil(() -> finished(1102), 30)).isTrue();
        send(frames.goTo(DRONE, 1103, north(300), east(0), 60f, KEEP));
        fly(1);
        assertThat(fleet.status(0)).isEqualTo(DroneStatus.TAKING_OFF);
        assertThat(flyUntil(() -> fleet.status(0) == DroneStatus.CRUISING, 10)).isTrue();
        assertThat(fleet.altitude(0)).isCloseTo(DroneFleet.TAKEOFF_CLEARANCE_M, within(0.01));
        assertThat(flyUntil(() -> finished(1103), 120)).isTrue();
        assertThat(fleet.altitude(0)).isEqualTo(60.0);
    }

    @Test
    void shouldRejectCommandsWithParametersOutOfRangeAndKeepPatrolling()
    {
        // No battery drain, so the hundred-waypoint mission at the end cannot meet the failsafe.
        use(new DroneFleet(3, 1, 42, CENTER_LAT, CENTER_LON, RADIUS, CRUISE, DroneFleet.RETURN_BATTERY_PCT, 0));
        fly(20);
        assertThat(fleet.isCommanded(0)).isFalse();
        assertThat(send(frames.goTo(DRONE, 1200, 91, 13, KEEP, KEEP))).isEqualTo(DroneFleet.COMMAND_INVALID);
        assertThat(send(frames.goTo(DRONE, 1201, Double.NaN, 13, KEEP, KEEP))).isEqualTo(DroneFleet.COMMAND_INVALID);
        assertThat(send(frames.goTo(DRONE, 1202, 52.5, 13.4, 600f, KEEP))).isEqualTo(DroneFleet.COMMAND_INVALID);
        assertThat(send(frames.goTo(DRONE, 1203, 52.5, 13.4, KEEP, 61f))).isEqualTo(DroneFleet.COMMAND_INVALID);
        assertThat(send(frames.setSpeed(DRONE, 1204, 0.5f))).isEqualTo(DroneFleet.COMMAND_INVALID);
        assertThat(send(frames.setSpeed(DRONE, 1205, KEEP))).isEqualTo(DroneFleet.COMMAND_INVALID);
        assertThat(send(frames.mission(DRONE, 1206))).as("no waypoints").isEqualTo(DroneFleet.COMMAND_INVALID);
        final double[][] tooMany = new double[CommandLimits.MAX_WAYPOINTS + 1][];
        Arrays.fill(tooMany, waypoint(52.5, 13.4, 30, 5, 0));
        assertThat(send(frames.mission(DRONE, 1207, tooMany))).isEqualTo(DroneFleet.COMMAND_INVALID);
        assertThat(send(frames.mission(DRONE, 1208, waypoint(52.5, 13.4, 30, 5, -1)))).isEqualTo(DroneFleet.COMMAND_INVALID);
        assertThat(send(frames.mission(DRONE, 1209, waypoint(52.5, 181, 30, 5, 0)))).isEqualTo(DroneFleet.COMMAND_INVALID);

        assertThat(answers).hasSize(10).allSatisfy(a ->
        {
            assertThat(a.phase()).isEqualTo(CommandPhase.REJECTED);
            assertThat(a.reason()).isEqualTo(CommandReason.INVALID_PARAMETERS);
        });
        assertThat(metrics.commandFramesInvalid[InvalidCommandCause.INVALID_PARAMETERS.ordinal()].get()).isEqualTo(10);
        assertThat(fleet.isCommanded(0)).isFalse();

        final double[][] hundred = new double[CommandLimits.MAX_WAYPOINTS][];
        for (int k = 0; k < hundred.length; k++)
        {
            hundred[k] = waypoint(fleet.latitude(0) + 5.0 * k / DroneFleet.METRES_PER_DEGREE, fleet.longitude(0),
                Double.NaN, Double.NaN, Double.NaN);
        }
        assertThat(send(frames.mission(DRONE, 1210, hundred))).as("a hundred waypoints, no altitude/speed/hold")
            .isEqualTo(DroneFleet.COMMAND_ACCEPTED);
        assertThat(flyUntil(() -> finished(1210), 600)).isTrue();
        assertThat(last(1210).phase()).isEqualTo(CommandPhase.DONE);
        assertThat(last(1210).waypointIndex()).isEqualTo(99);
    }

    @Test
    void shouldLeaveTheOtherDronesOfTheFleetOnTheirPatrols()
    {
        final DroneFleet untouched = new DroneFleet(3, 1, 42, CENTER_LAT, CENTER_LON, RADIUS, CRUISE);
        assertThat(send(frames.mission(DRONE, 1301, waypoint(north(500), east(500), 60, 4, 10))))
            .isEqualTo(DroneFleet.COMMAND_ACCEPTED);
        for (int step = 0; step < 20 * 60 * 10; step++)
        {
            for (int i = 0; i < untouched.size(); i++)
            {
                untouched.step(i, DT);
            }
            step();
            for (int i = 1; i < fleet.size(); i++)
            {
                assertThat(fleet.latitude(i)).isEqualTo(untouched.latitude(i));
                assertThat(fleet.longitude(i)).isEqualTo(untouched.longitude(i));
                assertThat(fleet.battery(i)).isEqualTo(untouched.battery(i));
                assertThat(fleet.status(i)).isEqualTo(untouched.status(i));
            }
        }
        assertThat(last(1301).phase()).isEqualTo(CommandPhase.DONE);
    }

    @Test
    void shouldFlyPatrolsExactlyAsBeforeDronesTookCommands()
    {
        // The trajectory hash of 20 patrolling drones over 30 simulated minutes, taken from the simulator as it was
        // before commands existed: commands, answers and the failsafe's bookkeeping must not move a patrol by a bit.
        final DroneFleet patrol = new DroneFleet(20, 1, 42, CENTER_LAT, CENTER_LON, RADIUS, CRUISE);
        long hash = 17;
        for (int step = 0; step < 30 * 60 * 10; step++)
        {
            for (int i = 0; i < patrol.size(); i++)
            {
                patrol.step(i, DT);
                hash = hash * 31 + Double.doubleToLongBits(patrol.latitude(i));
                hash = hash * 31 + Double.doubleToLongBits(patrol.longitude(i));
                hash = hash * 31 + Double.doubleToLongBits(patrol.altitude(i));
                hash = hash * 31 + Double.doubleToLongBits(patrol.battery(i));
                hash = hash * 31 + Double.doubleToLongBits(patrol.speed(i));
                hash = hash * 31 + patrol.status(i).ordinal();
            }
        }
        assertThat(hash).isEqualTo(-4183842142739635138L);
    }

    // -----------------------------------------------------------------------------------------------------------------

    private void use(final DroneFleet newFleet)
    {
        fleet = newFleet;
        intake = CommandFrames.intake(fleet, () -> 0L, clock, metrics);
    }

    /** Hands a frame to the intake as the command receiver would, and collects the answers the publisher would send. */
    private int send(final int length)
    {
        final int outcome = intake.onFrame(frames.buffer, 0, length);
        Answer.drain(fleet, answers);
        return outcome;
    }

    private void takeOff(final long commandId, final float altitude)
    {
        assertThat(send(frames.takeoff(DRONE, commandId, altitude))).isEqualTo(DroneFleet.COMMAND_ACCEPTED);
        assertThat(flyUntil(() -> finished(commandId), 60)).isTrue();
        assertThat(last(commandId).phase()).isEqualTo(CommandPhase.DONE);
    }

    private void step()
    {
        for (int i = 0; i < fleet.size(); i++)
        {
            fleet.step(i, DT);
        }
        steps++;
        if (steps % 10 == 0)
        {
            for (int i = 0; i < fleet.size(); i++)
            {
                fleet.progressUpdate(i);
            }
        }
        Answer.drain(fleet, answers);
    }

    private void fly(final double seconds)
    {
        flyUntil(() -> false, seconds);
    }

    private boolean flyUntil(final BooleanSupplier done, final double maxSeconds)
    {
        final long end = steps + Math.round(maxSeconds / DT);
        while (!done.getAsBoolean())
        {
            if (steps >= end)
            {
                return false;
            }
            step();
        }
        return true;
    }

    private List<Answer> of(final long commandId)
    {
        return answers.stream().filter(a -> a.commandId() == commandId && a.droneId() == DRONE).toList();
    }

    private Answer last(final long commandId)
    {
        final List<Answer> of = of(commandId);
        return of.isEmpty() ? null : of.get(of.size() - 1);
    }

    private boolean finished(final long commandId)
    {
        final Answer last = last(commandId);
        return last != null && last.isFinal();
    }

    private double north(final double metres)
    {
        return fleet.homeLatitude(0) + metres / DroneFleet.METRES_PER_DEGREE;
    }

    private double east(final double metres)
    {
        return fleet.homeLongitude(0) + metres / (DroneFleet.METRES_PER_DEGREE * Math.cos(Math.toRadians(CENTER_LAT)));
    }

    private double distanceTo(final double lat, final double lon)
    {
        return DroneFleetTest.distanceMetres(fleet.latitude(0), fleet.longitude(0), lat, lon);
    }
}
