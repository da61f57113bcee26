package io.odyssey.mavlink.edge;

import com.hazelcast.map.IMap;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sign.TestDroneKeys;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.runtime.Counter;
import io.odyssey.simulator.Simulator;
import io.odyssey.simulator.SimulatorConfig;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static io.odyssey.mavlink.edge.LedgerOrders.simulatorCounter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a MAVLink vehicle does on its own, and what the ledger then says of its order, all real parts: a grid member
 * and its ledger, an ingest node relaying commands, the MAVLink edge (a 4 s heartbeat timeout), and a simulator whose
 * drones 8103..8105 fly as PX4 vehicles (time 3x). The vehicles are busy once (the simulator's test hook answers the
 * first command TEMPORARILY_REJECTED); batteries barely drain, so no failsafe interferes; the last test stops the
 * simulator: every vehicle falls silent.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
@ExtendWith(FailOnErrorLog.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MavlinkVehicleOnItsOwnIT
{
    private static final Path KEYS = TestDroneKeys.file(8101, 8105);
    private static final long BUSY = 8103;
    private static final long FADING = 8105;
    private static final long HEARTBEAT_TIMEOUT_MS = 4_000;

    @TempDir
    static Path dir;

    private static GridAndIngest stack;
    private static IMap<Long, DroneState> fleet;
    private static CommandLedger ledger;
    private static LedgerOrders orders;
    private static MavlinkEdge edge;
    private static Simulator simulator;

    @BeforeAll
    static void start() throws Exception
    {
        stack = new GridAndIngest(KEYS, dir.resolve("journal"));
        fleet = stack.fleet();
        ledger = stack.ledger();
        orders = new LedgerOrders(ledger, fleet, "on-its-own-it");
        final MavlinkEdgeConfig edgeConfig = stack.edgeConfig();
        edgeConfig.heartbeatTimeoutMs = HEARTBEAT_TIMEOUT_MS;
        edge = stack.launchEdge(edgeConfig, BUSY, 8104, FADING);

        final SimulatorConfig simConfig = stack.mixedFleet(5, 8101, 3, edgeConfig);
        simConfig.timeScale = 3;
        simConfig.batteryDrainFactor = 0.05;
        simConfig.mavlinkBusyCommands = 1;
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
    void shouldAskABusyVehicleAgainAndCompleteTheOrderOnceItTakesIt()
    {
        orders.airborne(BUSY);
        final long executedBefore = simulatorCounter(simulator, "odyssey_sim_mavlink_commands_executed_total");

        final CommandRecord hold = orders.issue(BUSY, CommandType.HOLD, CommandParameters.NONE);
        final CommandRecord done = orders.awaitFinal(hold);

        assertThat(done.state()).as(String.valueOf(done)).isEqualTo(CommandState.COMPLETED);
        assertThat(simulatorCounter(simulator, "odyssey_sim_mavlink_commands_busy_total"))
            .as("the vehicle said 'not now' once").isEqualTo(1);
        assertThat(edge.metrics().commandsTemporarilyRejected.get()).isEqualTo(1);
        assertThat(simulatorCounter(simulator, "odyssey_sim_mavlink_commands_executed_total") - executedBefore)
            .as("acted on when asked again, once").isEqualTo(1);
        assertThat(simulatorCounter(simulator, "odyssey_sim_mavlink_commands_repeated_total"))
            .as("the second send was a new transmission, not taken for a repeat").isZero();
    }

    @Test
    @Order(2)
    void shouldFailTheOrderOfAVehicleThatFallsSilent() throws Exception
    {
        final DroneState from = orders.airborne(FADING);
        final CommandRecord far = orders.issue(FADING, CommandType.GOTO,
            CommandParameters.goTo(from.latitude() + 0.01, from.longitude(), 60, 4));
        await().atMost(60, TimeUnit.SECONDS).until(() -> ledger.get(far.id()).state() == CommandState.IN_PROGRESS);

        simulator.close();
        final CommandRecord ended = orders.awaitFinal(far);

        assertThat(ended.state()).as(String.valueOf(ended)).isEqualTo(CommandState.FAILED);
        assertThat(ended.reason()).isEqualTo("vehicle silent");
        assertThat(edge.metrics().vehiclesLost.get()).isPositive();
    }

}
