package io.odyssey.gateway;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.nio.serialization.genericrecord.GenericRecord;
import com.hazelcast.nio.serialization.genericrecord.GenericRecordBuilder;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandType;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.DroneStateSerializer;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.grid.ledger.CommandRecordSerializer;
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
 * Anything that reaches the grid can write records of the fleet's and the ledger's types that this version cannot
 * read (a field missing, a position off Earth, a command state no version has). The gateway must start with them in
 * the grid, keep the fleet feed flowing to its clients while more arrive, and keep answering its command list, each
 * such record left out and counted.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GatewayUnreadableGridRecordsIT
{
    private static final String CLUSTER = "gateway-unreadable-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);

    @Test
    void shouldKeepTheFleetFeedAndTheCommandListAnsweringAroundRecordsItCannotRead() throws Exception
    {
        // A member without this version's fleet interceptor (an older one, or one started by hand): this version's
        // members read every fleet write and so refuse such states themselves; its readers must not rely on that.
        final HazelcastInstance member = Hazelcast.newHazelcastInstance(
            FleetGrid.memberConfig(CLUSTER, "127.0.0.1", GRID_PORT, List.of("127.0.0.1:" + GRID_PORT), 1));
        // ... but with the fleet feed the gateways read (it leaves out, and counts on the member, what it cannot read).
        io.odyssey.grid.FleetChangeBatcher.install(member, io.odyssey.grid.FleetChangeBatcher.DEFAULT_INTERVAL_MS,
            io.odyssey.grid.FleetChangeBatcher.DEFAULT_MAX_DRONES);
        Gateway gateway = null;
        try
        {
            final IMap<Long, DroneState> fleet = FleetGrid.fleetMap(member);
            @SuppressWarnings("unchecked")
            final IMap<Long, Object> rawFleet = (IMap<Long, Object>)(IMap<?, ?>)fleet;
            @SuppressWarnings("unchecked")
            final IMap<Long, Object> rawLedger = (IMap<Long, Object>)(IMap<?, ?>)member.getMap(CommandLedger.COMMANDS_MAP);
            fleet.set(1L, state(1, 1, 10, 10));
            rawFleet.set(2L, truncatedState(2));
            rawFleet.set(3L, offEarthState(3));
            rawLedger.set(77L, GenericRecordBuilder.compact(CommandRecordSerializer.TYPE_NAME)
                .setInt64("id", 77).setInt64("droneId", 1).setBoolean("active", true)
                .setString("state", "HIJACKED").build());

            final GatewayConfig config = GatewayIT.config(16);
            config.clusterName = CLUSTER;
            config.gridMembers = List.of("127.0.0.1:" + GRID_PORT);
            gateway = Gateway.launch(config);
            final int port = gateway.port();
            try (FleetClient client = FleetClient.connect(port))
            {
                client.awaitType("snapshot");
                assertThat(client.drones.keySet()).containsExactly(1L);

                // More arrive while clients watch: each is left out, the feed goes on.
                rawFleet.set(4L, truncatedState(4));
                rawFleet.set(1L, offEarthState(1));
                fleet.set(5L, state(5, 1, 11, 11));
                // Without the interceptor the planted state replaced drone 1's; its next real one comes after.
                fleet.set(1L, state(1, 9, 10.5, 10.5));
                await().atMost(15, TimeUnit.SECONDS).until(() ->
                    client.drones.containsKey(5L) && client.drones.get(1L).get("seq").asLong() == 9);
                assertThat(client.drones.keySet()).containsExactlyInAnyOrder(1L, 5L);
                assertThat(client.isOpen()).isTrue();
            }

            // The commands feed: its snapshot and its later changes go on around planted records.
            final CommandLedger writer = new CommandLedger(member);
            final long at = System.currentTimeMillis() * 1_000_000L;
            writer.issue(CommandRecord.issued(writer.newId(), 1, CommandType.HOLD, CommandParameters.NONE, null, "ops",
                "127.0.0.1", at, at + 60_000_000_000L));
            try (FleetClient client = FleetClient.connect(port, 1 << 20, "/ws/commands"))
            {
                assertThat(client.awaitType("commands").path("commands").size()).isEqualTo(1);
                rawLedger.set(78L, GenericRecordBuilder.compact(CommandRecordSerializer.TYPE_NAME)
                    .setInt64("id", 78).setInt64("droneId", 1).setBoolean("active", true)
                    .setString("state", "OWNED").build());
                // A value of a Compact type nobody has (a GenericRecord to every reader): a typed read of the event
                // threw a ClassCastException on the grid client's event thread.
                rawLedger.set(79L, GenericRecordBuilder.compact("evil").setInt64("droneId", 1)
                    .setBoolean("active", true).setInt64("issuedAtNanos", at).build());
                writer.issue(CommandRecord.issued(writer.newId(), 5, CommandType.LAND, CommandParameters.NONE, null,
                    "ops", "127.0.0.1", at, at + 60_000_000_000L));
                client.await(m -> "command".equals(m.path("type").asText()) &&
                    m.path("command").path("droneId").asLong() == 5, 15_000);
            }

            final HttpClient http = HttpClient.newHttpClient();
            final var commands = GatewayIT.get(http, port, "/api/v1/commands");
            assertThat(commands.statusCode()).as(commands.body()).isEqualTo(200);
            assertThat(GatewayIT.get(http, port, "/api/v1/commands/77").statusCode()).isEqualTo(404);
            assertThat(GatewayIT.metric(port, "odyssey_gateway_fleet_states_unreadable_total", "role="))
                .isGreaterThanOrEqualTo(4);
            // Met by the lookup of 77 and the change event of 78. (A list no longer meets them: it asks the members
            // only for records dated at most 5 minutes ahead, and these carry no issue time at all.)
            assertThat(GatewayIT.metric(port, "odyssey_gateway_command_records_unreadable_total", "role="))
                .isGreaterThanOrEqualTo(2);
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

    /** A state of the fleet's type with only the fields a predicate could match on. */
    private static GenericRecord truncatedState(final long id)
    {
        return GenericRecordBuilder.compact(DroneStateSerializer.TYPE_NAME)
            .setInt64("droneId", id).setInt64("sequence", 1_000).setString("ingestNode", "test-ingest").build();
    }

    /** A complete state at a latitude no drone can be at, with the highest sequence (it would pin the drone). */
    private static GenericRecord offEarthState(final long id)
    {
        final long sent = System.currentTimeMillis() * 1_000_000L;
        return GenericRecordBuilder.compact(DroneStateSerializer.TYPE_NAME)
            .setInt64("droneId", id).setInt64("sequence", 5).setInt64("sentAtNanos", sent)
            .setInt64("ingestNanos", sent).setInt64("gridNanos", sent)
            .setFloat64("latitude", Double.NaN).setFloat64("longitude", 1e9)
            .setFloat32("altitude", 50f).setFloat32("heading", 90f).setFloat32("groundSpeed", 10f)
            .setFloat32("climbRate", 0f).setFloat32("battery", 80f).setString("status", "CRUISING")
            .setInt32("flags", 0).setString("ingestNode", "test-ingest").build();
    }
}
