package io.odyssey.gateway;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetChangeBatch;
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
 * <p>
 * Two attacks on that bound: the paged read fetched keys, then each value alone (one round trip per entry, every
 * reload); and a reload stopped at the bound never reached the drones past it in the map's order, so a forged change
 * of such a drone (or a ghost) stayed on screen for as long as the junk did.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GatewayFleetReloadBoundIT
{
    private static final String CLUSTER = "gateway-reload-bound-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);
    /** The second test's member: a port of its own, so the first one's closed sockets cannot be in its way. */
    private static final int GRID_PORT_2 = GRID_PORT + 1;
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

    @Test
    void shouldReadThePlantedMapWithValuesInPagesNotOneGetPerEntry() throws Exception
    {
        final HazelcastInstance member = FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER + "-gets", "127.0.0.1",
            GRID_PORT_2, List.of("127.0.0.1:" + GRID_PORT_2), 1));
        Gateway gateway = null;
        try
        {
            final IMap<Long, DroneState> fleet = FleetGrid.fleetMap(member);
            for (long id = 1; id <= 3; id++)
            {
                fleet.set(id, state(id, 100, 52.5, 13.4 + id * 1e-3));
            }
            plant(fleet);
            final GatewayConfig config = GatewayIT.config(16);
            config.clusterName = CLUSTER + "-gets";
            config.gridMembers = List.of("127.0.0.1:" + GRID_PORT_2);
            config.fleetReconcileS = 1;
            config.fleetReloadMaxEntries = RELOAD_MAX;
            gateway = Gateway.launch(config);
            final Gateway live = gateway;
            await("a first cut reload").atMost(20, TimeUnit.SECONDS).until(() ->
                counter(live, "odyssey_gateway_fleet_reloads_cut_total") >= 1);

            // The member counts each value asked for by key (get, getAll); a page of entries with values is none.
            final long getsBefore = member.getMap(FleetGrid.FLEET_MAP).getLocalMapStats().getGetOperationCount();
            final long loadsBefore = loads(live);
            await("three more reloads").atMost(30, TimeUnit.SECONDS).until(() -> loads(live) >= loadsBefore + 3);
            final long gets = member.getMap(FleetGrid.FLEET_MAP).getLocalMapStats().getGetOperationCount() - getsBefore;
            // Read after the gets: a reload under way when they were first read is counted too.
            final long reloads = loads(live) - loadsBefore + 1;
            assertThat(gets).as("values asked for by key over %d reloads of %d entries each: at most the view's 3 " +
                "drones a reload, not one per entry", reloads, RELOAD_MAX).isLessThanOrEqualTo(reloads * 3);
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

    @Test
    void shouldCorrectAForgedChangeAndAGhostPastTheBoundWithinAReload() throws Exception
    {
        final String cluster = CLUSTER + "-forged";
        final int port = GRID_PORT_2 + 1;
        final HazelcastInstance member = FleetGrid.newMember(FleetGrid.memberConfig(cluster, "127.0.0.1", port,
            List.of("127.0.0.1:" + port), 1));
        Gateway gateway = null;
        try
        {
            final IMap<Long, DroneState> fleet = FleetGrid.fleetMap(member);
            // Drones in partitions a reload of the planted map reaches only after the bound (it reads partition 0
            // first, ~74 of the 20,000 planted entries each): on the old code no reload ever reached them.
            final long drone = idInPartitionAtLeast(member, 100, 1);
            final long ghost = idInPartitionAtLeast(member, 100, drone + 1);
            fleet.set(drone, state(drone, 100, 52.5, 13.4));
            final GatewayConfig config = GatewayIT.config(16);
            config.clusterName = cluster;
            config.gridMembers = List.of("127.0.0.1:" + port);
            config.fleetReconcileS = 1;
            config.fleetReloadMaxEntries = RELOAD_MAX;
            gateway = Gateway.launch(config);
            final Gateway live = gateway;
            try (FleetClient client = FleetClient.connect(gateway.port()))
            {
                client.awaitType("snapshot");
                await().atMost(10, TimeUnit.SECONDS).until(() -> client.drones.containsKey(drone));
                plant(fleet);
                await("a reload cut by the planted entries").atMost(20, TimeUnit.SECONDS).until(() ->
                    counter(live, "odyssey_gateway_fleet_reloads_cut_total") >= 1);

                // A forged change in the member's name: the drone at the south pole at a sequence no real state
                // reaches, and a drone the map does not have.
                final FleetChangeBatch.Writer forger = new FleetChangeBatch.Writer();
                forger.begin(member.getCluster().getLocalMember().getUuid(), 1L << 40, 0);
                forger.state(state(drone, Long.MAX_VALUE - 1, -89.0, 0.0));
                forger.state(state(ghost, 7, -88.0, 0.0));
                member.<byte[]>getTopic(FleetChangeBatch.TOPIC).publish(forger.toBytes());
                await("the forged states taken").atMost(10, TimeUnit.SECONDS).until(() ->
                    client.drones.containsKey(ghost) || counter(live, "odyssey_gateway_fleet_view_corrections_total") > 0);

                await("the drone where the map has it, the ghost gone, within a few reloads").atMost(10, TimeUnit.SECONDS)
                    .until(() -> client.drones.containsKey(drone) && client.drones.get(drone).get("lat").asDouble() == 52.5
                        && !client.drones.containsKey(ghost));
                assertThat(counter(live, "odyssey_gateway_fleet_view_corrections_total")).isOne();
                assertThat(counter(live, "odyssey_gateway_fleet_reloads_cut_total")).isPositive();

                // Its real telemetry moves it again.
                fleet.set(drone, state(drone, 101, 52.6, 13.4));
                await("the drone follows its telemetry").atMost(10, TimeUnit.SECONDS).until(() ->
                    client.drones.get(drone).get("seq").asLong() == 101);
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

    /**
     * The by-id pass of a cut reload read every drone of the view it had not reached: a grid client writing valid
     * states under new ids fills the view (up to {@link FleetView#MAX_SLOTS}), and each reload then read ~10^6 states
     * by id past a bound of 262,144. Paged and by-id reads now share the bound, and the by-id share rotates through
     * the view, so every drone is still re-read within a few reloads.
     */
    @Test
    void shouldReadNoMoreThanTheBoundByIdWhenTheViewHoldsMoreDronesThanTheBound() throws Exception
    {
        final String cluster = CLUSTER + "-byid";
        final int port = GRID_PORT_2 + 2;
        final HazelcastInstance member = FleetGrid.newMember(FleetGrid.memberConfig(cluster, "127.0.0.1", port,
            List.of("127.0.0.1:" + port), 1));
        Gateway gateway = null;
        try
        {
            final IMap<Long, DroneState> fleet = FleetGrid.fleetMap(member);
            final GatewayConfig config = GatewayIT.config(16);
            config.clusterName = cluster;
            config.gridMembers = List.of("127.0.0.1:" + port);
            config.fleetReconcileS = 1;
            config.fleetReloadMaxEntries = RELOAD_MAX;
            gateway = Gateway.launch(config);
            final Gateway live = gateway;
            // Valid states under 3 x the bound of new ids (the view takes each from its event), then the junk.
            final int drones = 3 * RELOAD_MAX;
            final Map<Long, DroneState> batch = new HashMap<>();
            for (long id = 100_000; id < 100_000 + drones; id++)
            {
                batch.put(id, state(id, 100, 52.5, 13.4));
                if (batch.size() == 1_000)
                {
                    fleet.putAll(batch);
                    batch.clear();
                }
            }
            await("the view holds the drones").atMost(20, TimeUnit.SECONDS).until(() ->
                live.fleetSize() == drones);
            plant(fleet);
            await("a first cut reload").atMost(20, TimeUnit.SECONDS).until(() ->
                counter(live, "odyssey_gateway_fleet_reloads_cut_total") >= 1);

            final long getsBefore = member.getMap(FleetGrid.FLEET_MAP).getLocalMapStats().getGetOperationCount();
            final long loadsBefore = loads(live);
            await("three more reloads").atMost(30, TimeUnit.SECONDS).until(() -> loads(live) >= loadsBefore + 3);
            final long gets = member.getMap(FleetGrid.FLEET_MAP).getLocalMapStats().getGetOperationCount() - getsBefore;
            final long reloads = loads(live) - loadsBefore + 1;
            assertThat(gets).as("states read by id over %d reloads of a view of %d drones, bound %d", reloads, drones,
                RELOAD_MAX).isLessThanOrEqualTo(reloads * RELOAD_MAX);
            assertThat(live.fleetSize()).as("no drone of the map left the view").isEqualTo(drones);

            // The by-id share rotates through the view: a forged change of any drone is corrected within a few reloads
            // (3,000 drones, 500 by id a reload), wherever the pass stopped last.
            final long drone = 100_000 + drones - 7;
            final FleetChangeBatch.Writer forger = new FleetChangeBatch.Writer();
            forger.begin(member.getCluster().getLocalMember().getUuid(), 1L << 40, 0);
            forger.state(state(drone, Long.MAX_VALUE - 1, -89.0, 0.0));
            member.<byte[]>getTopic(FleetChangeBatch.TOPIC).publish(forger.toBytes());
            await("the forged change corrected by a by-id pass").atMost(30, TimeUnit.SECONDS).until(() ->
                counter(live, "odyssey_gateway_fleet_view_corrections_total") == 1 &&
                    live.fleetSize() == drones);
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

    /** Drone 3's state under {@link #PLANTED} keys no drone has (1,000..). */
    private static void plant(final IMap<Long, DroneState> fleet)
    {
        final Map<Long, DroneState> batch = new HashMap<>();
        for (long key = 1_000; key < 1_000 + PLANTED; key++)
        {
            batch.put(key, state(3, 1L << 40, -45.0, 100.0));
            if (batch.size() == 1_000)
            {
                fleet.putAll(batch);
                batch.clear();
            }
        }
    }

    private static long idInPartitionAtLeast(final HazelcastInstance member, final int partition, final long from)
    {
        long id = from;
        while (member.getPartitionService().getPartition(id).getPartitionId() < partition)
        {
            id++;
        }
        return id;
    }

    private static long loads(final Gateway gateway)
    {
        return counter(gateway, "odyssey_gateway_fleet_reconciles_total") +
            counter(gateway, "odyssey_gateway_resyncs_total");
    }
}
