package io.odyssey.gateway;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.grid.DroneState;
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
 * Changes the gateway's listener cannot see as per-entry events: a cleared map, and everything that happened while the
 * grid was gone (here: the only member restarted empty). The gateway reloads its view and tells clients what left.
 * Meanwhile it is not ready but stays live: an orchestrator must not restart it for the grid's absence.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GatewayResyncIT
{
    private static final String CLUSTER = "gateway-resync-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);

    @Test
    void shouldReloadTheFleetViewAfterAClearAndAfterTheGridCameBack() throws Exception
    {
        HazelcastInstance member = newMember();
        Gateway gateway = null;
        try
        {
            IMap<Long, DroneState> fleet = FleetGrid.fleetMap(member);
            fleet.set(1L, state(1, 1, 10, 10));
            fleet.set(2L, state(2, 1, 11, 11));
            final GatewayConfig config = GatewayIT.config(16);
            config.clusterName = CLUSTER;
            config.gridMembers = List.of("127.0.0.1:" + GRID_PORT);
            gateway = Gateway.launch(config);
            try (FleetClient client = FleetClient.connect(gateway.port()))
            {
                client.awaitType("snapshot");
                assertThat(client.drones.keySet()).containsExactlyInAnyOrder(1L, 2L);

                fleet.clear();
                // The first removal after a quiet interval goes out at once, so the two may arrive in two frames.
                client.await(m -> m.path("removed").size() > 0, 15_000);
                await().atMost(10, TimeUnit.SECONDS).until(client.drones::isEmpty);

                fleet.set(3L, state(3, 7, 12, 12));
                await().atMost(10, TimeUnit.SECONDS).until(() -> client.drones.containsKey(3L));

                // The grid goes away and comes back empty: drone 3 is gone, drone 4 is new.
                member.shutdown();
                final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
                final int port = gateway.port();
                await().atMost(30, TimeUnit.SECONDS)
                    .until(() -> GatewayIT.get(http, port, "/health/ready").statusCode() == 503);
                assertThat(GatewayIT.get(http, port, "/health/ready").body()).contains("\"grid\":{\"healthy\":false");
                assertThat(GatewayIT.get(http, port, "/health").statusCode()).isEqualTo(503);
                assertThat(GatewayIT.get(http, port, "/health/live").statusCode()).as("live without its grid")
                    .isEqualTo(200);
                member = newMember();
                fleet = FleetGrid.fleetMap(member);
                fleet.set(4L, state(4, 1, 13, 13));

                await().atMost(30, TimeUnit.SECONDS).until(() ->
                    client.drones.containsKey(4L) && !client.drones.containsKey(3L));
                assertThat(gateway.metrics().counters().stream()
                    .filter(c -> c.name().equals("odyssey_gateway_resyncs_total")).findFirst().orElseThrow().get())
                    .as("reloads: one for the clear, at least one for the new cluster").isGreaterThanOrEqualTo(2);
                assertThat(client.sequenceViolations).isEmpty();

                // And the listener is live again on the new cluster.
                fleet.set(4L, state(4, 2, 13.5, 13.5));
                await().atMost(10, TimeUnit.SECONDS).until(() -> client.drones.get(4L).get("seq").asLong() == 2);
                assertThat(client.isOpen()).isTrue();
                await().atMost(30, TimeUnit.SECONDS)
                    .until(() -> GatewayIT.get(http, port, "/health/ready").statusCode() == 200);
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

    private static HazelcastInstance newMember()
    {
        return FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER, "127.0.0.1", GRID_PORT, List.of("127.0.0.1:" + GRID_PORT), 1));
    }
}
