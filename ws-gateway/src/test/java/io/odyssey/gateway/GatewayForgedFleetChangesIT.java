package io.odyssey.gateway;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetChangeBatch;
import io.odyssey.grid.FleetGrid;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.odyssey.gateway.GatewayIT.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The attack: anything on the grid's network can publish on the fleet change topic, and a message published through
 * a member carries that member as its publisher, so writing the member's id into it passes the gateway's check. A
 * forged state with a huge sequence froze the drone on every screen: every real state after it is lower, and the
 * reconcile only took states the view lacked. Now the reconcile takes the map as the truth.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayForgedFleetChangesIT
{
    private static final String CLUSTER = "gateway-forged-fleet-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);

    @Test
    void shouldShowTheMapsStateAgainAfterAForgedFleetChangeWithAHugeSequence() throws Exception
    {
        final HazelcastInstance member = FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER, "127.0.0.1", GRID_PORT,
            List.of("127.0.0.1:" + GRID_PORT), 1));
        Gateway gateway = null;
        try
        {
            final IMap<Long, DroneState> fleet = FleetGrid.fleetMap(member);
            for (long id = 1; id <= 5; id++)
            {
                fleet.set(id, state(id, 100, 52.5, 13.4 + id * 1e-3));
            }
            final GatewayConfig config = GatewayIT.config(16);
            config.clusterName = CLUSTER;
            config.gridMembers = List.of("127.0.0.1:" + GRID_PORT);
            config.fleetReconcileS = 1;
            gateway = Gateway.launch(config);
            try (FleetClient client = FleetClient.connect(gateway.port()))
            {
                client.awaitType("snapshot");
                await().atMost(10, TimeUnit.SECONDS).until(() -> client.drones.size() == 5);

                // Drone 3 "flies" to the south pole at a sequence no real state will reach.
                final FleetChangeBatch.Writer forger = new FleetChangeBatch.Writer();
                forger.begin(member.getCluster().getLocalMember().getUuid(), 1L << 40, 0);
                forger.state(state(3, Long.MAX_VALUE - 1, -89.0, 0.0));
                member.<byte[]>getTopic(FleetChangeBatch.TOPIC).publish(forger.toBytes());
                // Taken into the view (the check on its publisher passes); the reload its sequence gap asks for finds
                // the map behind it. (Before, that reload left it: only states the view lacked were applied.)
                final Gateway live = gateway;
                await("the forged state taken, then corrected").atMost(10, TimeUnit.SECONDS).until(() ->
                    GatewayFleetBatchIT.counter(live, "odyssey_gateway_fleet_view_corrections_total") == 1);
                assertThat(GatewayFleetBatchIT.counter(gateway, "odyssey_gateway_fleet_messages_rejected_total")).isZero();

                // The drone's real telemetry carries on, lower than the forged sequence.
                for (long sequence = 101; sequence <= 110; sequence++)
                {
                    fleet.set(3L, state(3, sequence, 52.6, 13.5));
                }
                await("the client shows drone 3 where the map has it").atMost(15, TimeUnit.SECONDS).until(() ->
                    client.drones.containsKey(3L) && client.drones.get(3L).get("seq").asLong() == 110 &&
                    client.drones.get(3L).get("lat").asDouble() == 52.6);
                fleet.set(3L, state(3, 111, 52.7, 13.5));
                await("and follows it again").atMost(10, TimeUnit.SECONDS).until(() ->
                    client.drones.get(3L).get("seq").asLong() == 111);
                assertThat(GatewayFleetBatchIT.counter(gateway, "odyssey_gateway_fleet_view_corrections_total")).isOne();
                assertThat(client.drones).hasSize(5);
            }
        }
        finally
        {
            if (gateway != null)
            {
                gateway.close();
            }
            member.shutdown();
        }
    }
}
