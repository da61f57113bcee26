package io.odyssey.gateway;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.http.HttpClient;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static io.odyssey.gateway.GatewayFleetBatchIT.counter;
import static io.odyssey.gateway.GatewayIT.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The attack: any grid client can put entries into the fleet map, and every reload of the gateway's view (each
 * reconcile period, each gap in a member's messages) read the whole map in one call, however many entries a grid
 * client had planted: 20,000 planted states were 20,000 states in one response, every reload, for ever (10^6 of them a
 * heap-sized response). A reload now reads the map a page at a time and stops at
 * {@code ODYSSEY_GATEWAY_FLEET_RELOAD_MAX_ENTRIES}, counted, and keeps the drones it did not reach.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GatewayFleetReloadBoundIT
{
    private static final String CLUSTER = "gateway-reload-bound-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);
    private static final int PLANTED = 20_000;
    private static final int RELOAD_MAX = 1_000;

    @Test
    void shouldReadNoMoreThanTheBoundAtAReloadWhenAGridClientPlantedManyEntries() throws Exception
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
            config.fleetReloadMaxEntries = RELOAD_MAX;
            gateway = Gateway.launch(config);
            try (FleetClient client = FleetClient.connect(gateway.port()))
            {
                client.awaitType("snapshot");
                await().atMost(10, TimeUnit.SECONDS).until(() -> client.drones.size() == 3);

                // Drone 3's state under 20,000 keys no drone has: each is left out of every reload it reaches.
                forger = HazelcastClient.newHazelcastClient(FleetGrid.clientConfig(CLUSTER,
                    List.of("127.0.0.1:" + GRID_PORT), "forger"));
                final IMap<Long, DroneState> planted = FleetGrid.fleetMap(forger);
                final Map<Long, DroneState> batch = new HashMap<>();
                for (long key = 1_000; key < 1_000 + PLANTED; key++)
                {
                    batch.put(key, state(3, 1L << 40, -45.0, 100.0));
                    if (batch.size() == 1_000)
                    {
                        planted.putAll(batch);
                        batch.clear();
                    }
                }

                final Gateway live = gateway;
                final long reconcilesBefore = counter(live, "odyssey_gateway_fleet_reconciles_total");
                await("three reconciles over the planted map").atMost(30, TimeUnit.SECONDS).until(() ->
                    counter(live, "odyssey_gateway_fleet_reconciles_total") >= reconcilesBefore + 3);

                // Read first: a reload is counted before it reads, so every read the left-out count holds is counted.
                final long leftOut = counter(live, "odyssey_gateway_fleet_states_unreadable_total");
                final long loads = 1 + counter(live, "odyssey_gateway_fleet_reconciles_total") +
                    counter(live, "odyssey_gateway_resyncs_total");
                assertThat(leftOut).as("entries left out over %d loads: no load took in more than the bound", loads)
                    .isLessThanOrEqualTo(loads * RELOAD_MAX);
                assertThat(counter(live, "odyssey_gateway_fleet_reloads_cut_total")).as("the stops counted")
                    .isGreaterThanOrEqualTo(3);

                // A reload that stopped early removes no drone it did not reach: the fleet stays on screen.
                await("the real fleet stays").during(3, TimeUnit.SECONDS).atMost(5, TimeUnit.SECONDS).until(() ->
                    client.drones.keySet().equals(java.util.Set.of(1L, 2L, 3L)));
                assertThat(client.drones.get(3L).get("lat").asDouble()).as("drone 3 where it is").isEqualTo(52.5);
                assertThat(GatewayIT.get(HttpClient.newHttpClient(), gateway.port(), "/api/v1/drones/3").statusCode())
                    .isEqualTo(200);

                // Drones still follow their telemetry (events, not reloads, carry it).
                fleet.set(2L, state(2, 101, 52.51, 13.402));
                await("drone 2 follows its telemetry").atMost(10, TimeUnit.SECONDS).until(() ->
                    client.drones.get(2L).get("seq").asLong() == 101);
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
