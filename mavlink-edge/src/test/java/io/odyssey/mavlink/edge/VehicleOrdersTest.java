package io.odyssey.mavlink.edge;

import io.odyssey.codecs.CommandFrameReader;
import io.odyssey.codecs.CommandFrameWriter;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.Waypoint;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;
import io.odyssey.mavlink.MavlinkCommands;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.odyssey.mavlink.MavlinkCommands.RESULT_ACCEPTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The translation table and the command protocol's state machine, with a fake clock, a fake vehicle link that records
 * what would be sent and a fake status sink that records what the ledger would hear.
 */
class VehicleOrdersTest
{
    private static final int PX4_VEHICLE = 1;
    private static final int ARDUPILOT_VEHICLE = 2;
    private static final long DRONE = 9001;
    private static final long ACK_TIMEOUT_MS = 1_000;
    private static final int ATTEMPTS = 4;
    private static final double LAT = 52.52;
    private static final double LON = 13.405;
    private static final float HOME_AMSL = 34f;
    private static final long PX4_LOITER = 4L << 16 | 3L << 24;
    private static final long PX4_RTL = 4L << 16 | 5L << 24;
    private static final long PX4_POSCTL = 3L << 16;
    private static final long PX4_LAND = 4L << 16 | 6L << 24;

    private final List<Sent> sent = new ArrayList<>();
    private final List<Said> said = new ArrayList<>();
    private final MavlinkEdgeMetrics metrics = new MavlinkEdgeMetrics();
    private final VehicleOrders orders = new VehicleOrders(
        new VehicleRegistry().register(PX4_VEHICLE, DRONE, false).register(ARDUPILOT_VEHICLE, DRONE + 1, false),
        new RecordingLink(), (droneId, commandId, phase, reason, progress, waypoint, type, lat, lon, alt) ->
        said.add(new Said(commandId, phase, reason, waypoint, type, lat, lon, alt)), ACK_TIMEOUT_MS, ATTEMPTS, metrics);
    private final CommandFrameWriter writer = new CommandFrameWriter();
    private final CommandFrameReader reader = new CommandFrameReader();
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[8192]);
    private long now = TimeUnit.SECONDS.toNanos(1_000);
    private long bootMs = 100_000;

    @Test
    void shouldMapEveryOdysseyCommandTypeToMavlinkOrRefuseIt()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        for (final CommandType type : CommandType.values())
        {
            final VehicleOrders.Order order = new VehicleOrders.Order();
            order.reset(1, type);
            final boolean planned = OrderPlan.plan(order, frame(1, type, sample(type)), MavlinkCommands.AUTOPILOT_PX4,
                vehicleState());
            assertThat(planned).as(type.name()).isTrue();
            assertThat(order.steps).as(type.name()).isPositive();
        }
    }

    @Test
    void shouldSendEachCommandAsTheTableSays()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        assertThat(firstCommands(CommandType.GOTO, CommandParameters.goTo(LAT + 0.001, LON, 50, 8)))
            .containsExactly(MavlinkCommands.DO_REPOSITION);
        assertThat(firstCommands(CommandType.HOLD, CommandParameters.NONE)).containsExactly(MavlinkCommands.DO_PAUSE_CONTINUE);
        assertThat(firstCommands(CommandType.RETURN_HOME, CommandParameters.NONE))
            .containsExactly(MavlinkCommands.NAV_RETURN_TO_LAUNCH);
        assertThat(firstCommands(CommandType.LAND, CommandParameters.NONE)).containsExactly(MavlinkCommands.NAV_LAND);
        assertThat(firstCommands(CommandType.STOP, CommandParameters.NONE)).containsExactly(MavlinkCommands.NAV_LAND);
        assertThat(firstCommands(CommandType.SET_SPEED, CommandParameters.setSpeed(7)))
            .containsExactly(MavlinkCommands.DO_CHANGE_SPEED);
    }

    @Test
    void shouldTakeOffByArmingThenNavTakeoffAtTheAltitudeAboveSeaLevelForPx4()
    {
        grounded(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 11, CommandType.TAKEOFF, CommandParameters.takeoff(25));

        assertThat(last().command).isEqualTo(MavlinkCommands.COMPONENT_ARM_DISARM);
        assertThat(last().p[0]).isEqualTo(1f);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.COMPONENT_ARM_DISARM, RESULT_ACCEPTED, 0, now);
        assertThat(last().command).isEqualTo(MavlinkCommands.NAV_TAKEOFF);
        assertThat(last().p[6]).isEqualTo(25f + HOME_AMSL);
        assertThat(said).as("accepted only when every step is").isEmpty();

        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.NAV_TAKEOFF, RESULT_ACCEPTED, 0, now);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.ACCEPTED);
        position(PX4_VEHICLE, LAT, LON, 12f, false);
        assertThat(lastSaid().phase).as("half way up is not done").isNotEqualTo(CommandPhase.DONE);
        position(PX4_VEHICLE, LAT, LON, 24.5f, false);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.DONE);
        assertThat(lastSaid().alt).isEqualTo(25f);
    }

    @Test
    void shouldSwitchArduPilotToGuidedBeforeAPositionOrderAndSendTheRelativeAltitude()
    {
        grounded(ARDUPILOT_VEHICLE, MavlinkCommands.AUTOPILOT_ARDUPILOT);
        order(ARDUPILOT_VEHICLE, 12, CommandType.TAKEOFF, CommandParameters.takeoff(25));

        assertThat(last().command).isEqualTo(MavlinkCommands.DO_SET_MODE);
        assertThat(last().p[1]).isEqualTo((float)MavlinkCommands.ARDUCOPTER_GUIDED);
        orders.onCommandAck(ARDUPILOT_VEHICLE, MavlinkCommands.DO_SET_MODE, RESULT_ACCEPTED, 0, now);
        orders.onCommandAck(ARDUPILOT_VEHICLE, MavlinkCommands.COMPONENT_ARM_DISARM, RESULT_ACCEPTED, 0, now);
        assertThat(last().command).isEqualTo(MavlinkCommands.NAV_TAKEOFF);
        assertThat(last().p[6]).isEqualTo(25f);
    }

    @Test
    void shouldRetryWithTheConfirmationCountingUpAndFailWhenTheVehicleNeverAnswers()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 21, CommandType.LAND, CommandParameters.NONE);
        assertThat(last().confirmation).isZero();

        now += TimeUnit.MILLISECONDS.toNanos(ACK_TIMEOUT_MS - 1);
        orders.tick(now);
        assertThat(sent).as("not before the timeout").hasSize(1);
        for (int attempt = 1; attempt < ATTEMPTS; attempt++)
        {
            now += TimeUnit.MILLISECONDS.toNanos(ACK_TIMEOUT_MS);
            orders.tick(now);
            assertThat(last().command).isEqualTo(MavlinkCommands.NAV_LAND);
            assertThat(last().confirmation).isEqualTo(attempt);
        }
        assertThat(said).isEmpty();
        now += TimeUnit.MILLISECONDS.toNanos(ACK_TIMEOUT_MS);
        orders.tick(now);

        assertThat(sent).hasSize(ATTEMPTS);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.FAILED);
        assertThat(lastSaid().reason).isEqualTo(CommandReason.VEHICLE_NO_ANSWER);
        assertThat(metrics.commandRetries.get()).isEqualTo(ATTEMPTS - 1);
    }

    @Test
    void shouldAskAgainAfterATemporaryRejectionAsANewTransmissionAndGoOnWhenAccepted()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 41, CommandType.LAND, CommandParameters.NONE);
        now += TimeUnit.MILLISECONDS.toNanos(ACK_TIMEOUT_MS);
        orders.tick(now);
        assertThat(last().confirmation).as("a retry of a lost ACK").isEqualTo(1);

        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.NAV_LAND, MavlinkCommands.RESULT_TEMPORARILY_REJECTED, 0, now);
        assertThat(said).as("not the end of the order").isEmpty();
        now += TimeUnit.MILLISECONDS.toNanos(ACK_TIMEOUT_MS - 1);
        orders.tick(now);
        assertThat(sent).as("asked again only after a delay").hasSize(2);
        now += TimeUnit.MILLISECONDS.toNanos(1);
        orders.tick(now);

        assertThat(sent).hasSize(3);
        assertThat(last().command).isEqualTo(MavlinkCommands.NAV_LAND);
        assertThat(last().confirmation).as("a new transmission: the vehicle did not act on the last one").isZero();
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.NAV_LAND, RESULT_ACCEPTED, 0, now);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.ACCEPTED);
        assertThat(metrics.commandsTemporarilyRejected.get()).isEqualTo(1);
    }

    @Test
    void shouldRejectWithTheVehiclesReasonWhenItStillSaysNotNowOnceTheAttemptsAreSpent()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 42, CommandType.RETURN_HOME, CommandParameters.NONE);
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++)
        {
            assertThat(said).as("attempt " + attempt).isEmpty();
            orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.NAV_RETURN_TO_LAUNCH,
                MavlinkCommands.RESULT_TEMPORARILY_REJECTED, 0, now);
            now += TimeUnit.MILLISECONDS.toNanos(ACK_TIMEOUT_MS);
            orders.tick(now);
        }

        assertThat(sent).hasSize(ATTEMPTS);
        assertThat(said).hasSize(1);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.REJECTED);
        assertThat(lastSaid().reason).isEqualTo(CommandReason.VEHICLE_TEMPORARILY_REJECTED);
    }

    @Test
    void shouldRejectWithTheLastReasonTheVehicleGaveWhenItFallsSilentAfterANotNow()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 43, CommandType.HOLD, CommandParameters.NONE);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.DO_PAUSE_CONTINUE, MavlinkCommands.RESULT_TEMPORARILY_REJECTED,
            0, now);
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++)
        {
            now += TimeUnit.MILLISECONDS.toNanos(ACK_TIMEOUT_MS);
            orders.tick(now);
        }

        assertThat(sent).hasSize(ATTEMPTS);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.REJECTED);
        assertThat(lastSaid().reason).isEqualTo(CommandReason.VEHICLE_TEMPORARILY_REJECTED);
    }

    @Test
    void shouldTakeALateAckOfARetryAndNotSendAgain()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 22, CommandType.RETURN_HOME, CommandParameters.NONE);
        now += TimeUnit.MILLISECONDS.toNanos(ACK_TIMEOUT_MS);
        orders.tick(now);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.NAV_RETURN_TO_LAUNCH, RESULT_ACCEPTED, 0, now);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.NAV_RETURN_TO_LAUNCH, RESULT_ACCEPTED, 0, now);
        now += TimeUnit.MILLISECONDS.toNanos(10 * ACK_TIMEOUT_MS);
        orders.tick(now);

        assertThat(sent).hasSize(2);
        assertThat(said.get(0).phase).isEqualTo(CommandPhase.ACCEPTED);
        assertThat(metrics.strayAnswers.get()).as("the second ACK").isEqualTo(1);
    }

    @Test
    void shouldEndRejectedWithTheVehiclesResult()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 31, CommandType.TAKEOFF, CommandParameters.takeoff(40));
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.COMPONENT_ARM_DISARM, RESULT_ACCEPTED, 0, now);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.NAV_TAKEOFF, MavlinkCommands.RESULT_DENIED, 0, now);

        assertThat(said).hasSize(1);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.REJECTED);
        assertThat(lastSaid().reason).isEqualTo(CommandReason.VEHICLE_DENIED);
        assertThat(VehicleOrders.reasonOf(MavlinkCommands.RESULT_TEMPORARILY_REJECTED))
            .isEqualTo(CommandReason.VEHICLE_TEMPORARILY_REJECTED);
        assertThat(VehicleOrders.reasonOf(MavlinkCommands.RESULT_UNSUPPORTED)).isEqualTo(CommandReason.VEHICLE_UNSUPPORTED);
        assertThat(VehicleOrders.reasonOf(MavlinkCommands.RESULT_FAILED)).isEqualTo(CommandReason.VEHICLE_FAILED);
        assertThat(VehicleOrders.reasonOf(9)).as("UNSUPPORTED_MAV_FRAME").isEqualTo(CommandReason.VEHICLE_UNSUPPORTED);
    }

    @Test
    void shouldRefuseAnOrderWhileAnotherIsInTheProtocolAndQueueNothing()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 41, CommandType.LAND, CommandParameters.NONE);
        order(PX4_VEHICLE, 42, CommandType.RETURN_HOME, CommandParameters.NONE);

        assertThat(sent).hasSize(1);
        assertThat(lastSaid().commandId).isEqualTo(42);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.REJECTED);
        assertThat(lastSaid().reason).isEqualTo(CommandReason.VEHICLE_BUSY);
        assertThat(metrics.ordersRefusedBusy.get()).isEqualTo(1);
    }

    @Test
    void shouldRepeatTheLatestWordForAResentOrderAndNeverStartItTwice()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 51, CommandType.LAND, CommandParameters.NONE);
        order(PX4_VEHICLE, 51, CommandType.LAND, CommandParameters.NONE);
        assertThat(sent).as("a resend before the ACK: nothing to say yet").hasSize(1);
        assertThat(said).isEmpty();

        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.NAV_LAND, RESULT_ACCEPTED, 0, now);
        final int saidBefore = said.size();
        order(PX4_VEHICLE, 51, CommandType.LAND, CommandParameters.NONE);
        assertThat(sent).hasSize(1);
        assertThat(said).hasSize(saidBefore + 1);
        assertThat(lastSaid().commandId).isEqualTo(51);
    }

    @Test
    void shouldCompleteAGotoOnlyAtThePointAndSupersedeTheOrderBefore()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 61, CommandType.RETURN_HOME, CommandParameters.NONE);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.NAV_RETURN_TO_LAUNCH, RESULT_ACCEPTED, 0, now);
        order(PX4_VEHICLE, 62, CommandType.GOTO, CommandParameters.goTo(LAT + 0.01, LON, 60, Double.NaN));
        assertThat(last().intFrame).isTrue();
        assertThat(last().x).isEqualTo((int)Math.round((LAT + 0.01) * 1e7));
        assertThat(last().p[6]).as("z").isEqualTo(60f);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.DO_REPOSITION, RESULT_ACCEPTED, 0, now);
        assertThat(said).anyMatch(s -> s.commandId == 61 && s.reason == CommandReason.SUPERSEDED);

        position(PX4_VEHICLE, LAT + 0.005, LON, 60f, false);
        position(PX4_VEHICLE, LAT + 0.01, LON, 50f, false);
        assertThat(said).noneMatch(s -> s.commandId == 62 && s.phase == CommandPhase.DONE);
        position(PX4_VEHICLE, LAT + 0.01, LON, 59.5f, false);
        assertThat(lastSaid().commandId).isEqualTo(62);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.DONE);
    }

    @Test
    void shouldUploadAMissionAsTheVehicleAsksThenStartItAndCompleteItAtTheLastWaypoint()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        final List<Waypoint> path = List.of(new Waypoint(LAT + 0.001, LON, 40, Double.NaN, Double.NaN),
            new Waypoint(LAT + 0.002, LON, 40, 6, 5), new Waypoint(LAT + 0.003, LON, 45, Double.NaN, Double.NaN));
        order(PX4_VEHICLE, 71, CommandType.MISSION, CommandParameters.mission(path));

        assertThat(last().command).as("MISSION_COUNT").isEqualTo(-1);
        assertThat(last().x).as("items: three waypoints and a speed change").isEqualTo(4);
        for (int seq = 0; seq < 4; seq++)
        {
            orders.onMissionRequest(PX4_VEHICLE, seq, now);
            assertThat(last().seq).isEqualTo(seq);
        }
        assertThat(sent.get(2).command).isEqualTo(MavlinkCommands.DO_CHANGE_SPEED);
        assertThat(sent.get(3).command).isEqualTo(MavlinkCommands.NAV_WAYPOINT);
        assertThat(sent.get(3).p[0]).as("hold").isEqualTo(5f);
        orders.onMissionAck(PX4_VEHICLE, MavlinkCommands.MISSION_ACCEPTED, MavlinkCommands.MISSION_TYPE_MISSION, now);
        assertThat(last().command).isEqualTo(MavlinkCommands.MISSION_START);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.MISSION_START, RESULT_ACCEPTED, 0, now);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.ACCEPTED);

        orders.onMissionItemReached(PX4_VEHICLE, 1);
        orders.onMissionCurrent(PX4_VEHICLE, 3);
        position(PX4_VEHICLE, LAT + 0.003, LON, 45f, false);
        assertThat(lastSaid().phase).as("at the point but the vehicle has not said it reached it").isNotEqualTo(CommandPhase.DONE);
        orders.onMissionItemReached(PX4_VEHICLE, 3);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.DONE);
        assertThat(lastSaid().lat).isEqualTo(LAT + 0.003);
    }

    @Test
    void shouldEndTheMissionRejectedWhenTheVehicleRefusesTheUpload()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 72, CommandType.MISSION,
            CommandParameters.mission(List.of(new Waypoint(LAT, LON, 40, Double.NaN, Double.NaN))));
        orders.onMissionAck(PX4_VEHICLE, 4, MavlinkCommands.MISSION_TYPE_MISSION, now);

        assertThat(lastSaid().phase).isEqualTo(CommandPhase.REJECTED);
        assertThat(lastSaid().reason).isEqualTo(CommandReason.VEHICLE_MISSION_REFUSED);
    }

    @Test
    void shouldEndTheRunningOrderWhenTheVehicleReboots()
    {
        final long id = runningLand();
        bootMs = 500;
        position(PX4_VEHICLE, LAT, LON, 30f, false);

        assertThat(lastSaid().commandId).isEqualTo(id);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.FAILED);
        assertThat(lastSaid().reason).isEqualTo(CommandReason.VEHICLE_REBOOTED);
        assertThat(orders.activeOrders()).isZero();
    }

    @Test
    void shouldEndTheRunningOrderWhenThePilotOrAFailsafeChangesTheMode()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 81, CommandType.GOTO, CommandParameters.goTo(LAT + 0.01, LON, 60, Double.NaN));
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.DO_REPOSITION, RESULT_ACCEPTED, 0, now);
        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_RTL, now);
        assertThat(lastSaid().phase).as("mode switching takes a moment").isEqualTo(CommandPhase.ACCEPTED);

        now += VehicleOrders.MODE_SETTLE_NS;
        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_LOITER, now);
        assertThat(orders.activeOrders()).isEqualTo(1);
        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_POSCTL, now);

        assertThat(lastSaid().phase).isEqualTo(CommandPhase.CANCELLED);
        assertThat(lastSaid().reason).isEqualTo(CommandReason.MODE_CHANGED_BY_VEHICLE);
        assertThat(VehicleOrders.takenOver(CommandType.RETURN_HOME, FlightStatus.Mode.RETURN)).isFalse();
        assertThat(VehicleOrders.takenOver(CommandType.MISSION, FlightStatus.Mode.RETURN)).isTrue();
        assertThat(VehicleOrders.takenOver(CommandType.RETURN_HOME, FlightStatus.Mode.LAND)).isFalse();
    }

    /**
     * A failsafe or a pilot sends the vehicle home: the ledger hears of a return home the vehicle started itself (as a
     * simulated drone's low-battery return is recorded), follows it, and completes it when the vehicle lands at home.
     */
    @Test
    void shouldReportAReturnHomeTheVehicleStartedItselfAndCompleteItWhenItLandsAtHome()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        position(PX4_VEHICLE, LAT + 0.01, LON, 30f, false);
        order(PX4_VEHICLE, 82, CommandType.GOTO, CommandParameters.goTo(LAT + 0.02, LON, 60, Double.NaN));
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.DO_REPOSITION, RESULT_ACCEPTED, 0, now);
        now += VehicleOrders.MODE_SETTLE_NS;
        final int before = said.size();

        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_RTL, now);

        assertThat(said.subList(before, said.size())).extracting(Said::commandId, Said::phase, Said::reason)
            .containsExactly(
                tuple(82L, CommandPhase.CANCELLED, CommandReason.MODE_CHANGED_BY_VEHICLE),
                tuple(-1L, CommandPhase.STARTED_BY_DRONE, CommandReason.MODE_CHANGED_BY_VEHICLE));
        assertThat(lastSaid().type).isEqualTo(CommandType.RETURN_HOME);
        assertThat(lastSaid().lat).as("home: where it armed").isEqualTo(LAT);
        // Still returning: no second start; its progress goes on under the same id.
        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_RTL, now + 1);
        now += VehicleOrders.PROGRESS_INTERVAL_NS;
        position(PX4_VEHICLE, LAT + 0.005, LON, 30f, false);
        orders.tick(now);
        assertThat(lastSaid().commandId).isEqualTo(-1L);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.IN_PROGRESS);
        assertThat(orders.activeOrders()).isEqualTo(1);

        position(PX4_VEHICLE, LAT, LON, 0f, true);

        assertThat(lastSaid().commandId).isEqualTo(-1L);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.DONE);
        assertThat(orders.activeOrders()).isZero();
        // Landed and still in RTL: nothing more is started.
        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x01, PX4_RTL, now);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.DONE);
    }

    /**
     * PX4 leaves RTL for its ground mode as it disarms on landing, and its HEARTBEAT can arrive before the position
     * that says it is down (both in one datagram, the heartbeat first): the return ended by landing, not by a pilot.
     */
    @Test
    void shouldCompleteTheVehiclesOwnReturnWhenItDisarmsOnLandingBeforeItsPositionSaysSo()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        position(PX4_VEHICLE, LAT + 0.01, LON, 30f, false);
        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_RTL, now);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.STARTED_BY_DRONE);
        now += VehicleOrders.MODE_SETTLE_NS;
        // Over home, the last metre of the descent.
        position(PX4_VEHICLE, LAT, LON, 1.2f, false);

        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x01, PX4_LOITER, now);
        position(PX4_VEHICLE, LAT, LON, 0f, true);

        assertThat(said).extracting(Said::commandId, Said::phase).doesNotContain(tuple(-1L, CommandPhase.CANCELLED));
        assertThat(lastSaid().commandId).isEqualTo(-1L);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.DONE);
        assertThat(orders.activeOrders()).isZero();
    }

    /** The same for a landing we ordered: the vehicle's mode on the ground is not a pilot taking it over. */
    @Test
    void shouldCompleteALandingWhenTheVehicleDisarmsIntoAnotherModeBeforeItsPositionSaysItIsDown()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 86, CommandType.LAND, CommandParameters.NONE);
        orders.onCommandAck(PX4_VEHICLE, last().command, RESULT_ACCEPTED, 0, now);
        now += VehicleOrders.MODE_SETTLE_NS;
        position(PX4_VEHICLE, LAT, LON, 1.2f, false);

        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x01, PX4_POSCTL, now);
        position(PX4_VEHICLE, LAT, LON, 0f, true);

        assertThat(said).extracting(Said::commandId, Said::phase).doesNotContain(tuple(86L, CommandPhase.CANCELLED))
            .contains(tuple(86L, CommandPhase.DONE));
        assertThat(orders.activeOrders()).isZero();
    }

    @Test
    void shouldNotTakeTheReturnModeOfACancelledReturnHomeForOneTheVehicleStartedItself()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 84, CommandType.RETURN_HOME, CommandParameters.NONE);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.NAV_RETURN_TO_LAUNCH, RESULT_ACCEPTED, 0, now);
        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_RTL, now);
        now += VehicleOrders.MODE_SETTLE_NS;
        order(PX4_VEHICLE, 85, CommandType.CANCEL, CommandParameters.cancel(84));
        orders.onCommandAck(PX4_VEHICLE, last().command, RESULT_ACCEPTED, 0, now);
        assertThat(said).extracting(Said::commandId, Said::phase)
            .contains(tuple(84L, CommandPhase.CANCELLED), tuple(85L, CommandPhase.DONE));

        // Its heartbeat still says RTL while it switches to the hold: not a return of its own.
        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_RTL, now + 1);
        assertThat(said).extracting(Said::phase).doesNotContain(CommandPhase.STARTED_BY_DRONE);
        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_LOITER, now + 2);
        assertThat(said).extracting(Said::phase).doesNotContain(CommandPhase.STARTED_BY_DRONE);
        assertThat(orders.activeOrders()).isZero();
    }

    @Test
    void shouldEndTheVehiclesOwnReturnWhenItLeavesReturnModeAndNumberTheNextOneAnew()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_RTL, now);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.STARTED_BY_DRONE);

        // A pilot takes the RC; the return is over, whoever ends it.
        now += VehicleOrders.MODE_SETTLE_NS;
        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_POSCTL, now);
        assertThat(lastSaid().commandId).isEqualTo(-1L);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.CANCELLED);
        assertThat(lastSaid().reason).isEqualTo(CommandReason.MODE_CHANGED_BY_VEHICLE);

        // Sent home again: a command of its own with the next number.
        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_RTL, now);
        assertThat(lastSaid().commandId).isEqualTo(-2L);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.STARTED_BY_DRONE);

        // An order from the ground takes over from it.
        order(PX4_VEHICLE, 83, CommandType.GOTO, CommandParameters.goTo(LAT + 0.02, LON, 60, Double.NaN));
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.DO_REPOSITION, RESULT_ACCEPTED, 0, now);
        assertThat(said).extracting(Said::commandId, Said::phase, Said::reason)
            .contains(tuple(83L, CommandPhase.ACCEPTED, CommandReason.NONE),
                tuple(-2L, CommandPhase.CANCELLED, CommandReason.SUPERSEDED));
        // Its mode still says RTL for a moment after accepting: that is not a new return of its own.
        final int before = said.size();
        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_RTL, now);
        assertThat(said).hasSize(before);
        assertThat(orders.activeOrders()).isEqualTo(1);
    }

    @Test
    void shouldEndEveryOrderOfAVehicleThatGoesSilentAndRefuseNewOnes()
    {
        final long id = runningLand();
        orders.onLost(PX4_VEHICLE);
        assertThat(lastSaid().commandId).isEqualTo(id);
        assertThat(lastSaid().reason).isEqualTo(CommandReason.VEHICLE_SILENT);

        order(PX4_VEHICLE, 92, CommandType.HOLD, CommandParameters.NONE);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.REJECTED);
        assertThat(lastSaid().reason).isEqualTo(CommandReason.VEHICLE_SILENT);
    }

    @Test
    void shouldRefuseInvalidParametersBeforeSendingAnything()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 95, CommandType.GOTO, CommandParameters.goTo(LAT, LON, 9_000, Double.NaN));
        assertThat(sent).isEmpty();
        assertThat(lastSaid().reason).isEqualTo(CommandReason.INVALID_PARAMETERS);
    }

    @Test
    void shouldCancelTheRunningOrderByStoppingTheVehicle()
    {
        final long id = runningLand();
        order(PX4_VEHICLE, 96, CommandType.CANCEL, CommandParameters.cancel(id));
        assertThat(last().command).isEqualTo(MavlinkCommands.DO_PAUSE_CONTINUE);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.DO_PAUSE_CONTINUE, RESULT_ACCEPTED, 0, now);

        assertThat(said).anyMatch(s -> s.commandId == id && s.reason == CommandReason.CANCELLED_BY_OPERATOR);
        assertThat(lastSaid().commandId).isEqualTo(96);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.DONE);
        order(PX4_VEHICLE, 97, CommandType.CANCEL, CommandParameters.cancel(12345));
        assertThat(lastSaid().reason).isEqualTo(CommandReason.NO_SUCH_COMMAND);
    }

    /**
     * An autopilot that answers IN_PROGRESS again and again (a bug, or a command it never finishes) held the order in
     * the protocol for ever, every other order refused "vehicle busy": it ends at the send limit.
     */
    @Test
    void shouldFailAnOrderTheVehicleSaysItIsStillWorkingOnForeverOnceTheSendLimitIsSpent()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 101, CommandType.LAND, CommandParameters.NONE);
        final long limitNs = sendLimitNs(0);
        final long start = now;
        while (now - start < limitNs)
        {
            orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.NAV_LAND, MavlinkCommands.RESULT_IN_PROGRESS, 50, now);
            orders.tick(now);
            assertThat(said).as("before the limit, at %d ms", TimeUnit.NANOSECONDS.toMillis(now - start)).isEmpty();
            now += TimeUnit.MILLISECONDS.toNanos(ACK_TIMEOUT_MS / 2);
        }
        orders.tick(now);

        assertThat(said).extracting(Said::commandId, Said::phase, Said::reason)
            .containsExactly(tuple(101L, CommandPhase.FAILED, CommandReason.VEHICLE_NO_FINAL_ANSWER));
        assertThat(sent).as("IN_PROGRESS: never sent again").hasSize(1);
        assertThat(metrics.ordersOverSendLimit.get()).isEqualTo(1);
        assertThat(orders.activeOrders()).isZero();
        order(PX4_VEHICLE, 102, CommandType.HOLD, CommandParameters.NONE);
        assertThat(last().command).as("the next order goes out").isEqualTo(MavlinkCommands.DO_PAUSE_CONTINUE);
    }

    /** A vehicle that asks for the same mission item again and again restarted the upload's attempts each time. */
    @Test
    void shouldFailAMissionUploadTheVehicleKeepsAskingForAgainOnceTheSendLimitIsSpent()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 103, CommandType.MISSION,
            CommandParameters.mission(List.of(new Waypoint(LAT + 0.001, LON, 40, Double.NaN, Double.NaN))));
        final long limitNs = sendLimitNs(1);
        final long start = now;
        while (now - start < limitNs)
        {
            orders.onMissionRequest(PX4_VEHICLE, 0, now);
            orders.tick(now);
            assertThat(said).as("before the limit, at %d ms", TimeUnit.NANOSECONDS.toMillis(now - start)).isEmpty();
            now += TimeUnit.MILLISECONDS.toNanos(ACK_TIMEOUT_MS / 2);
        }
        orders.tick(now);

        assertThat(said).extracting(Said::commandId, Said::phase, Said::reason)
            .containsExactly(tuple(103L, CommandPhase.FAILED, CommandReason.VEHICLE_NO_FINAL_ANSWER));
        assertThat(orders.activeOrders()).isZero();
        final int sentBefore = sent.size();
        orders.onMissionRequest(PX4_VEHICLE, 0, now);
        assertThat(sent).as("an ended upload sends nothing more").hasSize(sentBefore);
    }

    /**
     * A stop while another order is still in the protocol (here IN_PROGRESS, with a running hold and a paused goto: every
     * order slot taken) was refused "vehicle busy": it takes over, and the order it takes over from is not sent again.
     */
    @Test
    void shouldLetAStopTakeOverFromAnOrderStillInTheProtocol()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 104, CommandType.GOTO, CommandParameters.goTo(LAT + 0.01, LON, 30, Double.NaN));
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.DO_REPOSITION, RESULT_ACCEPTED, 0, now);
        moving(PX4_VEHICLE, LAT + 0.001, 8f);
        order(PX4_VEHICLE, 105, CommandType.HOLD, CommandParameters.NONE);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.DO_PAUSE_CONTINUE, RESULT_ACCEPTED, 0, now);
        order(PX4_VEHICLE, 106, CommandType.RESUME, CommandParameters.NONE);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.DO_PAUSE_CONTINUE, MavlinkCommands.RESULT_IN_PROGRESS, 0, now);
        assertThat(orders.activeOrders()).as("paused goto, running hold, resume in the protocol").isEqualTo(3);

        order(PX4_VEHICLE, 107, CommandType.STOP, CommandParameters.NONE);

        assertThat(last().command).isEqualTo(MavlinkCommands.NAV_LAND);
        assertThat(said).extracting(Said::commandId, Said::phase, Said::reason)
            .contains(tuple(106L, CommandPhase.CANCELLED, CommandReason.EMERGENCY_STOP))
            .doesNotContain(tuple(107L, CommandPhase.REJECTED, CommandReason.VEHICLE_BUSY));
        assertThat(metrics.ordersRefusedBusy.get()).isZero();
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.DO_PAUSE_CONTINUE, RESULT_ACCEPTED, 0, now);
        assertThat(metrics.strayAnswers.get()).as("the resume's late answer").isEqualTo(1);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.NAV_LAND, RESULT_ACCEPTED, 0, now);
        assertThat(said).extracting(Said::commandId, Said::phase, Said::reason)
            .contains(tuple(104L, CommandPhase.CANCELLED, CommandReason.EMERGENCY_STOP),
                tuple(105L, CommandPhase.CANCELLED, CommandReason.EMERGENCY_STOP),
                tuple(107L, CommandPhase.ACCEPTED, CommandReason.NONE))
            .doesNotContain(tuple(106L, CommandPhase.DONE, CommandReason.NONE));
        position(PX4_VEHICLE, LAT + 0.001, LON, 0f, true);
        assertThat(lastSaid().commandId).isEqualTo(107L);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.DONE);
        assertThat(orders.activeOrders()).isZero();
    }

    /** A cancel of the order still in the protocol was refused "vehicle busy" (and its target unknown to cancel). */
    @Test
    void shouldCancelTheOrderStillInTheProtocolAndStopTheVehicle()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 108, CommandType.RETURN_HOME, CommandParameters.NONE);
        order(PX4_VEHICLE, 109, CommandType.CANCEL, CommandParameters.cancel(12345));
        assertThat(lastSaid().reason).as("a cancel of another order still waits its turn").isEqualTo(CommandReason.VEHICLE_BUSY);

        order(PX4_VEHICLE, 110, CommandType.CANCEL, CommandParameters.cancel(108));

        assertThat(last().command).isEqualTo(MavlinkCommands.DO_PAUSE_CONTINUE);
        assertThat(last().p[0]).as("hold here").isZero();
        assertThat(lastSaid().commandId).isEqualTo(108L);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.CANCELLED);
        assertThat(lastSaid().reason).isEqualTo(CommandReason.CANCELLED_BY_OPERATOR);
        now += TimeUnit.MILLISECONDS.toNanos(ACK_TIMEOUT_MS);
        orders.tick(now);
        assertThat(last().command).as("the cancel is retried, not the return").isEqualTo(MavlinkCommands.DO_PAUSE_CONTINUE);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.NAV_RETURN_TO_LAUNCH, RESULT_ACCEPTED, 0, now);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.DO_PAUSE_CONTINUE, RESULT_ACCEPTED, 0, now);
        assertThat(lastSaid().commandId).isEqualTo(110L);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.DONE);
        assertThat(said).extracting(Said::commandId, Said::phase).doesNotContain(tuple(108L, CommandPhase.ACCEPTED));
        assertThat(orders.activeOrders()).isZero();
    }

    /**
     * Once a hold is done (the vehicle stopped), the paused order sat alone, and only the running order's mode was
     * judged: a pilot's take-over left it in progress in the ledger for ever.
     */
    @Test
    void shouldEndAPausedOrderWhenThePilotTakesOverAfterTheHoldIsDone()
    {
        pausedGoto(111, 112);
        now += VehicleOrders.MODE_SETTLE_NS;
        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_LOITER, now);
        assertThat(orders.activeOrders()).as("holding is what a pause looks like").isEqualTo(1);

        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_POSCTL, now);

        assertThat(lastSaid().commandId).isEqualTo(111L);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.CANCELLED);
        assertThat(lastSaid().reason).isEqualTo(CommandReason.MODE_CHANGED_BY_VEHICLE);
        assertThat(orders.activeOrders()).isZero();
        order(PX4_VEHICLE, 113, CommandType.RESUME, CommandParameters.NONE);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.DO_PAUSE_CONTINUE, RESULT_ACCEPTED, 0, now);
        assertThat(orders.activeOrders()).as("nothing left to resume").isZero();
    }

    @Test
    void shouldEndAPausedOrderWhenAFailsafeLandsTheVehicle()
    {
        pausedGoto(114, 115);
        now += VehicleOrders.MODE_SETTLE_NS;

        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_LAND, now);

        assertThat(lastSaid().commandId).isEqualTo(114L);
        assertThat(lastSaid().reason).isEqualTo(CommandReason.MODE_CHANGED_BY_VEHICLE);
        assertThat(orders.activeOrders()).isZero();
    }

    /** A paused return home, then the vehicle's own return (a failsafe): the ledger follows the vehicle's, alone. */
    @Test
    void shouldEndAPausedOrderWhenTheVehicleStartsItsOwnReturnAndFollowThatOne()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        position(PX4_VEHICLE, LAT + 0.01, LON, 30f, false);
        order(PX4_VEHICLE, 116, CommandType.RETURN_HOME, CommandParameters.NONE);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.NAV_RETURN_TO_LAUNCH, RESULT_ACCEPTED, 0, now);
        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_RTL, now);
        now += VehicleOrders.MODE_SETTLE_NS;
        order(PX4_VEHICLE, 117, CommandType.HOLD, CommandParameters.NONE);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.DO_PAUSE_CONTINUE, RESULT_ACCEPTED, 0, now);
        assertThat(said).extracting(Said::commandId, Said::phase).contains(tuple(117L, CommandPhase.DONE));
        // Its mode still says RTL for a moment after the hold: that is the hold on its way, not a failsafe.
        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_RTL, now + 1);
        assertThat(orders.activeOrders()).isEqualTo(1);
        now += VehicleOrders.MODE_SETTLE_NS;
        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_LOITER, now);
        final int before = said.size();

        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_RTL, now);

        assertThat(said.subList(before, said.size())).extracting(Said::commandId, Said::phase, Said::reason)
            .containsExactly(
                tuple(116L, CommandPhase.CANCELLED, CommandReason.MODE_CHANGED_BY_VEHICLE),
                tuple(-1L, CommandPhase.STARTED_BY_DRONE, CommandReason.MODE_CHANGED_BY_VEHICLE));
        position(PX4_VEHICLE, LAT, LON, 0f, true);
        assertThat(lastSaid().commandId).isEqualTo(-1L);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.DONE);
        assertThat(orders.activeOrders()).isZero();
    }

    /** A resume of a paused landing switches the vehicle back to LAND before its ACK: that is no failsafe. */
    @Test
    void shouldNotEndAPausedLandingWhileItsResumeIsInTheProtocol()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 118, CommandType.LAND, CommandParameters.NONE);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.NAV_LAND, RESULT_ACCEPTED, 0, now);
        order(PX4_VEHICLE, 119, CommandType.HOLD, CommandParameters.NONE);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.DO_PAUSE_CONTINUE, RESULT_ACCEPTED, 0, now);
        now += VehicleOrders.MODE_SETTLE_NS;
        order(PX4_VEHICLE, 120, CommandType.RESUME, CommandParameters.NONE);

        orders.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_LAND, now);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.DO_PAUSE_CONTINUE, RESULT_ACCEPTED, 0, now);

        assertThat(said).extracting(Said::commandId, Said::phase).contains(tuple(120L, CommandPhase.DONE))
            .doesNotContain(tuple(118L, CommandPhase.CANCELLED));
        position(PX4_VEHICLE, LAT, LON, 0f, true);
        assertThat(lastSaid().commandId).isEqualTo(118L);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.DONE);
    }

    // ---------------------------------------------------------------------------------------------------------------

    private long runningLand()
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, 91, CommandType.LAND, CommandParameters.NONE);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.NAV_LAND, RESULT_ACCEPTED, 0, now);
        assertThat(orders.activeOrders()).isEqualTo(1);
        return 91;
    }

    /** A goto paused by a hold that is done (the vehicle stopped): the goto alone, in {@code held}. */
    private void pausedGoto(final long gotoId, final long holdId)
    {
        airborne(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4);
        order(PX4_VEHICLE, gotoId, CommandType.GOTO, CommandParameters.goTo(LAT + 0.01, LON, 30, Double.NaN));
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.DO_REPOSITION, RESULT_ACCEPTED, 0, now);
        order(PX4_VEHICLE, holdId, CommandType.HOLD, CommandParameters.NONE);
        orders.onCommandAck(PX4_VEHICLE, MavlinkCommands.DO_PAUSE_CONTINUE, RESULT_ACCEPTED, 0, now);
        assertThat(said).extracting(Said::commandId, Said::phase).contains(tuple(holdId, CommandPhase.DONE))
            .doesNotContain(tuple(gotoId, CommandPhase.CANCELLED));
        assertThat(orders.activeOrders()).as("the paused goto").isEqualTo(1);
    }

    /** The documented limit on an order's time in the protocol (docs/api/mavlink.md, "The command protocol"). */
    private static long sendLimitNs(final int missionItems)
    {
        return TimeUnit.MILLISECONDS.toNanos((ATTEMPTS * VehicleOrders.IN_PROGRESS_PATIENCE + missionItems) * ACK_TIMEOUT_MS);
    }

    private List<Integer> firstCommands(final CommandType type, final CommandParameters parameters)
    {
        final int before = sent.size();
        order(PX4_VEHICLE, 1000 + sent.size(), type, parameters);
        final List<Integer> commands = new ArrayList<>();
        for (final Sent s : sent.subList(before, sent.size()))
        {
            commands.add(s.command);
        }
        // Answer it, so the next order is not refused as busy.
        orders.onCommandAck(PX4_VEHICLE, last().command, RESULT_ACCEPTED, 0, now);
        return commands;
    }

    private static CommandParameters sample(final CommandType type)
    {
        return switch (type)
        {
            case TAKEOFF -> CommandParameters.takeoff(30);
            case GOTO -> CommandParameters.goTo(LAT, LON, 40, 5);
            case MISSION -> CommandParameters.mission(List.of(new Waypoint(LAT, LON, 40, Double.NaN, Double.NaN)));
            case SET_SPEED -> CommandParameters.setSpeed(5);
            case CANCEL -> CommandParameters.cancel(7);
            default -> CommandParameters.NONE;
        };
    }

    private VehicleOrders.Vehicle vehicleState()
    {
        final VehicleOrders.Vehicle vehicle = new VehicleOrders.Vehicle(PX4_VEHICLE, DRONE);
        vehicle.latitude = LAT;
        vehicle.longitude = LON;
        vehicle.altitude = 30f;
        vehicle.homeAmsl = HOME_AMSL;
        return vehicle;
    }

    private void grounded(final int systemId, final int autopilot)
    {
        orders.onHeartbeat(systemId, autopilot, 0x01, 0, now);
        position(systemId, LAT, LON, 0f, true);
    }

    /**
     * The ingest node derives a vehicle's own command's ledger id from (drone, the number the edge gave it), and the
     * archive keeps every command id for good while the ledger forgets final commands (and all of them when the grid
     * restarts). An edge that numbered each vehicle's own commands -1, -2, ... afresh at every start gave the first
     * return home after a restart the ledger id of the last run's first one: the archive took its transitions as
     * duplicates and skipped them (live attack: 14 of 919 transitions of a run, all of the MAVLink vehicles' own
     * returns, missing from the audit). A restarted edge numbers them above every number of its earlier runs.
     */
    @Test
    void shouldNotGiveAVehiclesOwnReturnHomeANumberAnEarlierRunOfTheEdgeGaveOne()
    {
        final long startedEpochNs = TimeUnit.SECONDS.toNanos(1_796_676_000L);
        final long before = ownReturnNumber(edgeStartedAt(startedEpochNs));
        final long after = ownReturnNumber(edgeStartedAt(startedEpochNs + TimeUnit.SECONDS.toNanos(30)));

        assertThat(before).isNegative();
        assertThat(after).as("the restarted edge's number, below (beyond) the earlier run's").isLessThan(before);
        assertThat(-after).as("a number every JSON reader reads exactly").isLessThan(1L << 53);
    }

    /** An edge's orders as its link agent makes them when the edge starts at {@code epochNs} on the signing clock. */
    private VehicleOrders edgeStartedAt(final long epochNs)
    {
        return new VehicleOrders(new VehicleRegistry().register(PX4_VEHICLE, DRONE, false), new RecordingLink(),
            (droneId, commandId, phase, reason, progress, waypoint, type, lat, lon, alt) ->
            said.add(new Said(commandId, phase, reason, waypoint, type, lat, lon, alt)), ACK_TIMEOUT_MS, ATTEMPTS,
            metrics, VehicleOrders.ownCommandBase(epochNs));
    }

    /** The number {@code edge} gives the first return home its vehicle starts itself (a failsafe's RTL in flight). */
    private long ownReturnNumber(final VehicleOrders edge)
    {
        edge.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_LOITER, now);
        edge.onPosition(PX4_VEHICLE, bootMs += 100, LAT, LON, 30f, 30f + HOME_AMSL, 0f, false);
        edge.onHeartbeat(PX4_VEHICLE, MavlinkCommands.AUTOPILOT_PX4, 0x81, PX4_RTL, now);
        assertThat(lastSaid().phase).isEqualTo(CommandPhase.STARTED_BY_DRONE);
        return lastSaid().commandId;
    }

    private void airborne(final int systemId, final int autopilot)
    {
        grounded(systemId, autopilot);
        orders.onHeartbeat(systemId, autopilot, 0x81, PX4_LOITER, now);
        position(systemId, LAT, LON, 30f, false);
    }

    private void position(final int systemId, final double lat, final double lon, final float alt, final boolean grounded)
    {
        bootMs += 100;
        orders.onPosition(systemId, bootMs, lat, lon, alt, alt + HOME_AMSL, 0f, grounded);
    }

    /** Airborne at 30 m, flying north at {@code speed}. */
    private void moving(final int systemId, final double lat, final float speed)
    {
        bootMs += 100;
        orders.onPosition(systemId, bootMs, lat, LON, 30f, 30f + HOME_AMSL, speed, false);
    }

    private void order(final int systemId, final long id, final CommandType type, final CommandParameters parameters)
    {
        orders.onOrder(systemId, frame(id, type, parameters), now, System.currentTimeMillis() * 1_000_000L);
    }

    private CommandFrameReader frame(final long id, final CommandType type, final CommandParameters parameters)
    {
        final long targetId = type == CommandType.CANCEL ? parameters.targetCommandId() : 0;
        final int length = writer.command(buffer, 0, DRONE, id, 0L, type, parameters, targetId, 0L, false);
        assertThat(reader.read(buffer, 0, length)).isNull();
        return reader;
    }

    private Sent last()
    {
        return sent.get(sent.size() - 1);
    }

    private Said lastSaid()
    {
        return said.get(said.size() - 1);
    }

    private record Said(long commandId, CommandPhase phase, CommandReason reason, int waypoint, CommandType type,
                        double lat, double lon, float alt)
    {
    }

    /** One frame to the vehicle: command -1 for MISSION_COUNT (count in x), items by seq. */
    private static final class Sent
    {
        int command;
        int confirmation;
        boolean intFrame;
        int seq = -1;
        int x;
        final float[] p = new float[7];
    }

    private final class RecordingLink implements VehicleOrders.VehicleLink
    {
        public void commandLong(final int systemId, final int command, final int confirmation, final float p1,
            final float p2, final float p3, final float p4, final float p5, final float p6, final float p7)
        {
            final Sent s = new Sent();
            s.command = command;
            s.confirmation = confirmation;
            final float[] p = {p1, p2, p3, p4, p5, p6, p7};
            System.arraycopy(p, 0, s.p, 0, 7);
            sent.add(s);
        }

        public void commandInt(final int systemId, final int command, final int frame, final float p1, final float p2,
            final float p3, final float p4, final int x, final int y, final float z)
        {
            final Sent s = new Sent();
            s.command = command;
            s.intFrame = true;
            s.x = x;
            s.p[0] = p1;
            s.p[6] = z;
            sent.add(s);
        }

        public void missionCount(final int systemId, final int count)
        {
            final Sent s = new Sent();
            s.command = -1;
            s.x = count;
            sent.add(s);
        }

        public void missionItem(final int systemId, final int seq, final int command, final int frame, final float p1,
            final float p2, final float p3, final float p4, final int x, final int y, final float z)
        {
            final Sent s = new Sent();
            s.command = command;
            s.seq = seq;
            s.x = x;
            s.p[0] = p1;
            s.p[1] = p2;
            s.p[6] = z;
            sent.add(s);
        }
    }
}
