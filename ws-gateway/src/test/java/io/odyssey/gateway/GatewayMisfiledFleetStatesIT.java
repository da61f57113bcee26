package io.odyssey.gateway;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetChangeBatcher;
import io.odyssey.grid.FleetGrid;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpClient;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.odyssey.gateway.GatewayIT.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The attack: any grid client can write the fleet map, and every member's and gateway's reader took a state for the
 * drone it names, not the drone whose key it is filed under. One {@code fleet[2] = state of drone 3} (with a sequence no
 * real state reaches) moved drone 3's marker to where the forger said and froze it there, while drone 2 stayed on every
 * screen at its last real place. A state filed under another drone's key is no state: drone 2 has none, drone 3 keeps
 * its own.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GatewayMisfiledFleetStatesIT
{
    private static final String CLUSTER = "gateway-misfiled-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);

    @Test
    void shouldShowNoDroneForAStateAGridClientFiledUnderAnotherDronesKey() throws Exception
    {
        final HazelcastInstance member = FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER, "127.0.0.1", GRID_PORT,
            List.of("127.0.0.1:" + GRID_PORT), 1));
        HazelcastInstance forger = null;
        Gateway gateway = null;
        try
        {
            final IMap<Long, DroneState> fleet = FleetGrid.fleetMap(member);
            for (long id = 1; id <= 3; id++)
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
                await().atMost(10, TimeUnit.SECONDS).until(() -> client.drones.size() == 3);

                forger = HazelcastClient.newHazelcastClient(FleetGrid.clientConfig(CLUSTER,
                    List.of("127.0.0.1:" + GRID_PORT), "forger"));
                FleetGrid.fleetMap(forger).set(2L, state(3, 1L << 40, -45.0, 100.0));
                // And a key of another type, and a value of another class: a typed read of either threw, so the
                // reloads stopped (and no gateway could start).
                @SuppressWarnings({"unchecked", "rawtypes"})
                final com.hazelcast.map.IMap<Object, Object> raw = (com.hazelcast.map.IMap)FleetGrid.fleetMap(forger);
                raw.set(4, state(4, 100, 52.5, 13.404));
                raw.set(5L, "not a drone state");

                // Drone 3 stays where its own telemetry put it, through the change and three reloads (one a second).
                await("drone 3 where it is").during(3, TimeUnit.SECONDS).atMost(5, TimeUnit.SECONDS).until(() ->
                    client.drones.get(3L).get("lat").asDouble() == 52.5 && client.drones.get(3L).get("seq").asLong() == 100);
                // The change reaches the gateway as drone 2 leaving; each reload leaves it out again.
                final Gateway live = gateway;
                await("drone 2 without a state of its own").atMost(10, TimeUnit.SECONDS).until(() ->
                    !client.drones.containsKey(2L));
                await("the reloads count them").atMost(10, TimeUnit.SECONDS).until(() ->
                    GatewayFleetBatchIT.counter(live, "odyssey_gateway_fleet_states_unreadable_total") >= 6);
                assertThat(FleetChangeBatcher.of(member).misfiled()).as("counted on the member").isEqualTo(3);
                assertThat(client.drones.keySet()).containsExactlyInAnyOrder(1L, 3L);
                assertThat(client.drones.get(3L).get("lat").asDouble()).as("drone 3 where it is").isEqualTo(52.5);
                final HttpClient http = HttpClient.newHttpClient();
                assertThat(GatewayIT.get(http, gateway.port(), "/api/v1/drones/2").statusCode()).as("REST").isEqualTo(404);
                assertThat(GatewayIT.get(http, gateway.port(), "/api/v1/drones").body())
                    .as("no drone where the forged state said").doesNotContain("-45.");

                // Drone 3's real telemetry goes on (the forged sequence did not freeze it).
                fleet.set(3L, state(3, 101, 52.6, 13.5));
                await("drone 3 follows its telemetry").atMost(10, TimeUnit.SECONDS).until(() ->
                    client.drones.get(3L).get("seq").asLong() == 101);
                assertThat(client.drones.get(3L).get("lat").asDouble()).isEqualTo(52.6);
                assertThat(client.drones.keySet()).containsExactlyInAnyOrder(1L, 3L);

                // Drone 2's own next state takes its key back, whatever sequence the forged state carried.
                fleet.set(2L, state(2, 101, 52.51, 13.402));
                await("drone 2 back with its own telemetry").atMost(10, TimeUnit.SECONDS).until(() ->
                    client.drones.containsKey(2L) && client.drones.get(2L).get("seq").asLong() == 101);
                assertThat(client.drones.get(3L).get("lat").asDouble()).as("drone 3 where it is").isEqualTo(52.6);
            }
        }
        finally
        {
            if (forger != null)
            {
                forger.shutdown();
            }
            if (gateway != null)
            {
                gateway.close();
            }
            member.shutdown();
        }
    }
}
