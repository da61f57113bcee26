package io.odyssey.system;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.GridNode;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.ingest.EdgeIngest;
import io.odyssey.ingest.EdgeIngestConfig;
import io.odyssey.simulator.Simulator;
import io.odyssey.simulator.SimulatorConfig;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A drone the ingest node cannot reach at the address it advertises — as behind NAT, where nothing maps an unsolicited
 * packet to it — still gets its commands, and they complete, when it opened a command channel (an Aeron response
 * channel) through the ingest node's control endpoint: the commands go back the way its own packets came. The same
 * drone without that channel shows what the channel fixes: its command is never delivered and expires. A drone that
 * opens no channel but is reachable where it says still gets its commands there. Real parts: a grid member, an ingest
 * node and three simulators, over real Aeron UDP.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DroneBehindNatSystemIT
{
    @TempDir
    static Path dir;

    private static final String CLUSTER = "nat-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);
    private static final int INGEST_PORT = GRID_PORT + 500;
    private static final String CONTROL_ENDPOINT = "127.0.0.1:" + (INGEST_PORT + 1);
    private static final StackConfigs STACK = new StackConfigs(CLUSTER, GRID_PORT, INGEST_PORT);
    private static final long NAT_DRONE = 1;
    private static final long UNREACHABLE_DRONE = 2;
    private static final long REACHABLE_DRONE = 3;

    private static GridNode member;
    private static EdgeIngest ingest;
    private static Simulator behindNat;
    private static Simulator unreachable;
    private static Simulator reachable;
    private static HazelcastInstance client;
    private static CommandLedger ledger;
    private static IMap<Long, DroneState> fleet;

    @BeforeAll
    static void startTheStack() throws Exception
    {
        member = GridNode.launch(STACK.grid());
        final EdgeIngestConfig ingestConfig = STACK.ingest("ingest-nat", dir.resolve("journal"));
        ingestConfig.commandControlEndpoint = CONTROL_ENDPOINT;
        ingest = EdgeIngest.launch(ingestConfig);
        final int nowhere = portNobodyListensOn();
        behindNat = Simulator.launch(drone(NAT_DRONE, nowhere, List.of(CONTROL_ENDPOINT)));
        unreachable = Simulator.launch(drone(UNREACHABLE_DRONE, nowhere, List.of()));
        final SimulatorConfig plain = STACK.simulator(REACHABLE_DRONE, 1);
        plain.timeScale = 5;
        reachable = Simulator.launch(plain);
        client = HazelcastClient.newHazelcastClient(FleetGrid.clientConfig(CLUSTER, List.of("127.0.0.1:" + GRID_PORT),
            "nat-it-observer"));
        ledger = new CommandLedger(client, null,
            io.odyssey.grid.ledger.CommandAuthority.fromFile(STACK.commandKeyFile()));
        fleet = FleetGrid.fleetMap(client);
        await().atMost(60, TimeUnit.SECONDS).until(() -> fleet.containsKey(NAT_DRONE) &&
            fleet.containsKey(UNREACHABLE_DRONE) && fleet.containsKey(REACHABLE_DRONE) && ingest.commandLinks() == 3);
    }

    @AfterAll
    static void stopTheStack() throws Exception
    {
        if (client != null)
        {
            client.shutdown();
        }
        for (final AutoCloseable part : new AutoCloseable[]{reachable, unreachable, behindNat, ingest, member})
        {
            if (part != null)
            {
                part.close();
            }
        }
    }

    @Test
    void shouldDeliverAndCompleteTheCommandsOfADroneWhoseAdvertisedEndpointIsUnreachableOverItsResponseChannel()
    {
        final long sentBefore = sentOn("response");
        final long advertisedBefore = sentOn("advertised");
        final CommandRecord hold = issue(NAT_DRONE, CommandType.HOLD, TimeUnit.SECONDS.toNanos(60));

        await().atMost(90, TimeUnit.SECONDS).until(() -> ledger.get(hold.id()).state().isFinal());

        final CommandRecord done = ledger.get(hold.id());
        assertThat(done.state()).as(String.valueOf(done)).isEqualTo(CommandState.COMPLETED);
        assertThat(done.transitionStates()).startsWith(CommandState.ISSUED, CommandState.SENT, CommandState.ACCEPTED);
        assertThat(behindNat.commandsReceived()).as("the drone got it").isPositive();
        assertThat(sentOn("response")).as("sent on the response channel").isGreaterThan(sentBefore);
        assertThat(sentOn("advertised")).as("nothing to the unreachable advertised endpoint").isEqualTo(advertisedBefore);
    }

    @Test
    void shouldNeverDeliverTheCommandOfTheSameDroneWithoutAResponseChannel()
    {
        final CommandRecord hold = issue(UNREACHABLE_DRONE, CommandType.HOLD, TimeUnit.SECONDS.toNanos(5));

        await().atMost(60, TimeUnit.SECONDS).until(() -> ledger.get(hold.id()).state().isFinal());

        final CommandRecord expired = ledger.get(hold.id());
        assertThat(expired.state()).isEqualTo(CommandState.EXPIRED);
        assertThat(expired.reason()).contains("the drone did not answer");
        assertThat(unreachable.commandsReceived()).isZero();
    }

    /** Once the drone is airborne (a hold is refused on the ground), the command in the ledger, as the gateway puts it. */
    @Test
    void shouldStillSendToTheAdvertisedEndpointOfADroneThatOpensNoResponseChannel()
    {
        final long sentBefore = sentOn("advertised");
        final CommandRecord hold = issue(REACHABLE_DRONE, CommandType.HOLD, TimeUnit.SECONDS.toNanos(60));

        await().atMost(90, TimeUnit.SECONDS).until(() -> ledger.get(hold.id()).state().isFinal());

        assertThat(ledger.get(hold.id()).state()).isEqualTo(CommandState.COMPLETED);
        assertThat(sentOn("advertised")).isGreaterThan(sentBefore);
    }

    private static CommandRecord issue(final long drone, final CommandType type, final long validNs)
    {
        await().atMost(60, TimeUnit.SECONDS).until(() ->
        {
            final DroneState state = fleet.get(drone);
            return state != null && !"GROUNDED".equals(state.status()) && !"TAKING_OFF".equals(state.status());
        });
        final long now = System.currentTimeMillis() * 1_000_000L;
        final CommandRecord command = CommandRecord.issued(ledger.newId(), drone, type, CommandParameters.NONE, null,
            "nat-it", "test",
            now, now + validNs);
        return ledger.issue(command).command();
    }

    private static long sentOn(final String link)
    {
        return ingest.commandFramesSent(link);
    }

    /**
     * A drone that listens for commands on a port of its own but advertises {@code advertisedPort}, where nothing
     * listens: the ingest node cannot reach it there, as it could not reach a drone behind NAT.
     */
    private static SimulatorConfig drone(final long id, final int advertisedPort, final List<String> controlEndpoints)
    {
        final SimulatorConfig config = STACK.simulator(id, 1);
        config.commandAdvertise = "127.0.0.1:" + advertisedPort;
        config.commandControlEndpoints = controlEndpoints;
        config.timeScale = 5;
        return config;
    }

    private static int portNobodyListensOn() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress()))
        {
            return socket.getLocalPort();
        }
    }
}
