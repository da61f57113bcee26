package io.odyssey.mavlink.edge;

import com.hazelcast.map.IMap;
import io.aeron.Publication;
import io.odyssey.codecs.CommandFrameWriter;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.Waypoint;
import io.odyssey.codecs.sbe.CommandEncoder;
import io.odyssey.codecs.sbe.MessageHeaderEncoder;
import io.odyssey.codecs.sign.FrameSigner;
import io.odyssey.codecs.sign.TestDroneKeys;
import io.odyssey.geo.Geodesy;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.RealTimeClock;
import io.odyssey.simulator.Simulator;
import io.odyssey.simulator.SimulatorConfig;
import io.odyssey.testing.FailOnErrorLog;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.odyssey.mavlink.edge.LedgerOrders.simulatorCounter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Orders from the ledger to simulated MAVLink vehicles, all real parts: a grid member and its ledger, an ingest node
 * relaying commands, the MAVLink edge translating them into the MAVLink command and mission protocols, and a
 * simulator whose drones 8003..8005 fly as PX4 vehicles (time 5x). The simulator loses its first COMMAND_ACK (its
 * test hook), so the first order shows the retry; batteries barely drain, so no failsafe interferes. The last test restarts the simulator (a reboot of every vehicle).
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
@ExtendWith(FailOnErrorLog.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MavlinkOrdersIT
{
    private static final Path KEYS = TestDroneKeys.file(8001, 8005);
    private static final long HOLDER = 8003;
    private static final long FLYER = 8004;
    private static final long SURVEYOR = 8005;

    @TempDir
    static Path dir;

    private static GridAndIngest stack;
    private static IMap<Long, DroneState> fleet;
    private static CommandLedger ledger;
    private static LedgerOrders orders;
    private static MavlinkEdge edge;
    private static SimulatorConfig simConfig;
    private static Simulator simulator;

    @BeforeAll
    static void start() throws Exception
    {
        stack = new GridAndIngest(KEYS, dir.resolve("journal"));
        fleet = stack.fleet();
        ledger = stack.ledger();
        orders = new LedgerOrders(ledger, fleet, "orders-it");
        final MavlinkEdgeConfig edgeConfig = stack.edgeConfig();
        // A restarted simulator is back well within this: the vehicles are seen to reboot, not to go silent.
        edgeConfig.heartbeatTimeoutMs = 20_000;
        edge = stack.launchEdge(edgeConfig, HOLDER, FLYER, SURVEYOR);

        simConfig = stack.mixedFleet(5, 8001, 3, edgeConfig);
        simConfig.timeScale = 3;
        // The orders, not the batteries, are under test: no low-battery failsafe takes a vehicle home meanwhile.
        simConfig.batteryDrainFactor = 0.05;
        simConfig.mavlinkDropAcks = 1;
        simulator = Simulator.launch(simConfig);
        stack.onTop(() -> simulator.close());
    }

    @AfterAll
    static void stop()
    {
        if (stack != null)
        {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void shouldRetryALostAckWithTheConfirmationFieldAndActOnTheCommandOnce()
    {
        orders.airborne(HOLDER);
        final long executedBefore = simulatorCounter(simulator, "odyssey_sim_mavlink_commands_executed_total");

        final CommandRecord hold = orders.issue(HOLDER, CommandType.HOLD, CommandParameters.NONE);
        final CommandRecord done = orders.awaitFinal(hold);

        assertThat(done.state()).as(String.valueOf(done)).isEqualTo(CommandState.COMPLETED);
        assertThat(done.transitionStates()).startsWith(CommandState.ISSUED, CommandState.SENT, CommandState.ACCEPTED);
        assertThat(simulatorCounter(simulator, "odyssey_sim_mavlink_acks_dropped_total")).isEqualTo(1);
        assertThat(edge.metrics().commandRetries.get()).as("sent again, confirmation 1").isPositive();
        assertThat(simulatorCounter(simulator, "odyssey_sim_mavlink_commands_repeated_total"))
            .as("the retry was seen as one").isPositive();
        assertThat(simulatorCounter(simulator, "odyssey_sim_mavlink_commands_executed_total") - executedBefore)
            .as("DO_PAUSE_CONTINUE acted on once").isEqualTo(1);
    }

    @Test
    @Order(2)
    void shouldCompleteAGotoOnlyWithTheVehicleAtThePoint()
    {
        final DroneState from = orders.airborne(FLYER);
        final double lat = from.latitude() + 0.004;
        final double lon = from.longitude() + 0.002;

        final CommandRecord gotoPoint = orders.issue(FLYER, CommandType.GOTO, CommandParameters.goTo(lat, lon, 60, 12));
        await().atMost(60, TimeUnit.SECONDS).until(() -> ledger.get(gotoPoint.id()).state() == CommandState.IN_PROGRESS ||
            ledger.get(gotoPoint.id()).state().isFinal());
        final DroneState underway = fleet.get(FLYER);
        assertThat(Geodesy.distanceM(underway.latitude(), underway.longitude(), lat, lon)).as("still on its way")
            .isGreaterThan(20);
        final CommandRecord done = orders.awaitFinal(gotoPoint);

        assertThat(done.state()).as(String.valueOf(done)).isEqualTo(CommandState.COMPLETED);
        final DroneState there = fleet.get(FLYER);
        assertThat(Geodesy.distanceM(there.latitude(), there.longitude(), lat, lon)).isLessThan(10);
        assertThat(there.altitude()).isBetween(55f, 65f);
    }

    @Test
    @Order(3)
    void shouldCompleteAMissionFromTheLedgerOnlyAtItsLastWaypoint()
    {
        final DroneState from = orders.airborne(SURVEYOR);
        final double lat = from.latitude();
        final double lon = from.longitude();
        final List<Waypoint> path = List.of(
            new Waypoint(lat + 0.003, lon, 50, Double.NaN, Double.NaN),
            new Waypoint(lat + 0.003, lon + 0.004, 50, 10, 2),
            new Waypoint(lat, lon + 0.004, 45, Double.NaN, Double.NaN));

        final CommandRecord mission = orders.issue(SURVEYOR, CommandType.MISSION, CommandParameters.mission(path));
        await().atMost(120, TimeUnit.SECONDS).until(() -> ledger.get(mission.id()).waypointIndex() >= 1 ||
            ledger.get(mission.id()).state().isFinal());
        assertThat(ledger.get(mission.id()).state().isFinal()).as("not done at the second waypoint").isFalse();
        final CommandRecord done = orders.awaitFinal(mission);

        assertThat(done.state()).as(String.valueOf(done)).isEqualTo(CommandState.COMPLETED);
        final DroneState there = fleet.get(SURVEYOR);
        assertThat(Geodesy.distanceM(there.latitude(), there.longitude(), lat, lon + 0.004)).isLessThan(10);
    }

    @Test
    @Order(4)
    void shouldEndADeniedCommandRejectedWithTheVehiclesReason()
    {
        orders.airborne(FLYER);

        final CommandRecord takeoff = orders.issue(FLYER, CommandType.TAKEOFF, CommandParameters.takeoff(40));
        final CommandRecord refused = orders.awaitFinal(takeoff);

        assertThat(refused.state()).as(String.valueOf(refused)).isEqualTo(CommandState.REJECTED);
        assertThat(refused.reason()).isEqualTo("vehicle denied");
    }

    @Test
    @Order(5)
    void shouldRefuseAndCountForgedAndReplayedCommandFrames() throws Exception
    {
        final MavlinkEdgeMetrics metrics = edge.metrics();
        final long received = metrics.ordersReceived.get();
        try (AeronTransport transport = AeronTransport.launchEmbedded("", "orders-it-attacker");
             Publication publication = transport.aeron().addPublication(
                 AeronTransport.udpChannel(edge.commandEndpoint()), simConfig.commandStreamId))
        {
            await().atMost(30, TimeUnit.SECONDS).until(publication::isConnected);
            final FrameSigner signer = TestDroneKeys.signer(KEYS, 7);
            final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(512));
            final long now = System.currentTimeMillis() * 1_000_000L;
            final int length = new CommandFrameWriter().command(frame, 0, HOLDER, ledger.newId(), now,
                CommandType.SET_SPEED, CommandParameters.setSpeed(9), 0, now + TimeUnit.MINUTES.toNanos(1), false);
            assertThat(signer.sign(frame, 0, length)).isTrue();
            offer(publication, frame, length);
            offer(publication, frame, length);
            final UnsafeBuffer forged = new UnsafeBuffer(ByteBuffer.allocateDirect(512));
            forged.putBytes(0, frame, 0, length);
            // Another command id under the genuine signature: what a forger who cannot sign would send.
            final int commandIdAt = MessageHeaderEncoder.ENCODED_LENGTH + CommandEncoder.commandIdEncodingOffset();
            forged.putByte(commandIdAt, (byte)(forged.getByte(commandIdAt) ^ 0x5A));
            offer(publication, forged, length);

            await().atMost(30, TimeUnit.SECONDS).untilAsserted(() ->
            {
                assertThat(metrics.commandFramesRefused("REPLAYED")).isEqualTo(1);
                assertThat(metrics.commandFramesRefused("BAD_SIGNATURE")).isEqualTo(1);
            });
            assertThat(metrics.ordersReceived.get() - received).as("the genuine frame, once").isEqualTo(1);
        }
    }

    @Test
    @Order(6)
    void shouldEndTheRunningOrderOfARebootedVehicleWithTheReasonAndTakeItBack() throws Exception
    {
        final DroneState from = orders.airborne(FLYER);
        final CommandRecord far = orders.issue(FLYER, CommandType.GOTO,
            CommandParameters.goTo(from.latitude() + 0.02, from.longitude(), 80, 5));
        await().atMost(60, TimeUnit.SECONDS).until(() -> ledger.get(far.id()).state() == CommandState.IN_PROGRESS);

        simulator.close();
        simConfig.mavlinkDropAcks = 0;
        simulator = Simulator.launch(simConfig);
        final CommandRecord ended = orders.awaitFinal(far);

        assertThat(ended.state()).as(String.valueOf(ended)).isEqualTo(CommandState.FAILED);
        assertThat(ended.reason()).as("back within the heartbeat timeout: a reboot").isEqualTo("vehicle rebooted");
        final long sequence = fleet.get(FLYER).sequence();
        await().atMost(30, TimeUnit.SECONDS).until(() -> fleet.get(FLYER).sequence() > sequence);
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static void offer(final Publication publication, final UnsafeBuffer frame, final int length)
    {
        await().atMost(10, TimeUnit.SECONDS).until(() -> publication.offer(frame, 0, length) > 0);
    }
}
