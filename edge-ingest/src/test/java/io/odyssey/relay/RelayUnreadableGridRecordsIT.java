package io.odyssey.relay;

import com.hazelcast.map.IMap;
import com.hazelcast.nio.serialization.genericrecord.GenericRecordBuilder;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sign.TestDroneKeys;
import io.odyssey.grid.DroneStateSerializer;
import io.odyssey.grid.KeepNewestStateInterceptor;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.grid.ledger.CommandRecordSerializer;
import io.odyssey.ingest.EdgeIngest;
import io.odyssey.ingest.EdgeIngestConfig;
import io.odyssey.ingest.TestGrid;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A ledger record and a fleet state that this version cannot read, in the grid an ingest node relays from: its relay's
 * sweep must go on settling every other command (here: refusing commands nobody authorised, which it does every sweep),
 * including one for the drone whose fleet state is unreadable, and count what it left out.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RelayUnreadableGridRecordsIT
{
    private static final Path KEYS = TestDroneKeys.file(1, 100);

    @TempDir
    Path journals;

    @Test
    void shouldKeepSweepingTheLedgerAroundACommandRecordAndAFleetStateItCannotRead() throws Exception
    {
        try (TestGrid grid = TestGrid.start("relay-unreadable-it"))
        {
            final EdgeIngestConfig config = grid.ingestConfig("ingest-unreadable", 100, journals.resolve("ingest"), KEYS);
            config.commandKeyFile = null;
            config.commandSweepMs = 100;
            final CommandLedger ledger = new CommandLedger(grid.member());
            @SuppressWarnings("unchecked")
            final IMap<Long, Object> rawLedger = (IMap<Long, Object>)(IMap<?, ?>)ledger.map();
            @SuppressWarnings("unchecked")
            final IMap<Long, Object> rawFleet = (IMap<Long, Object>)(IMap<?, ?>)grid.fleet();
            // As a member of another version would let it in: without the interceptor that reads every write.
            grid.fleet().removeInterceptor(KeepNewestStateInterceptor.class.getName() +
                new KeepNewestStateInterceptor().hashCode());
            rawFleet.set(42L, GenericRecordBuilder.compact(DroneStateSerializer.TYPE_NAME)
                .setInt64("droneId", 42).setInt64("sequence", 1).setString("ingestNode", "ingest-unreadable").build());
            rawLedger.set(7L, GenericRecordBuilder.compact(CommandRecordSerializer.TYPE_NAME)
                .setInt64("id", 7).setInt64("droneId", 43).setBoolean("active", true)
                .setString("state", "HIJACKED").build());
            // A value of a Compact type of another name under a drone's key: read as a GenericRecord, which the sweep
            // took for a fleet state (a ClassCastException every pass, no command of any drone settled any more).
            rawFleet.set(45L, GenericRecordBuilder.compact("evil")
                .setInt64("droneId", 45).setInt64("sequence", 1).setString("ingestNode", "ingest-unreadable").build());
            final long now = System.currentTimeMillis() * 1_000_000L;
            final CommandRecord toUnreadableDrone = ledger.issue(CommandRecord.issued(ledger.newId(), 42,
                CommandType.HOLD, CommandParameters.NONE, null, "ops", "127.0.0.1", now, now + 60_000_000_000L)).command();
            final CommandRecord toOther = ledger.issue(CommandRecord.issued(ledger.newId(), 44,
                CommandType.LAND, CommandParameters.NONE, null, "ops", "127.0.0.1", now, now + 60_000_000_000L)).command();

            final CommandRecord toForeignStateDrone = ledger.issue(CommandRecord.issued(ledger.newId(), 45,
                CommandType.HOLD, CommandParameters.NONE, null, "ops", "127.0.0.1", now, now + 60_000_000_000L)).command();

            try (EdgeIngest ingest = EdgeIngest.launch(config))
            {
                await().atMost(30, TimeUnit.SECONDS).until(() ->
                    ledger.get(toUnreadableDrone.id()).state() == CommandState.REJECTED &&
                        ledger.get(toOther.id()).state() == CommandState.REJECTED &&
                        ledger.get(toForeignStateDrone.id()).state() == CommandState.REJECTED);
                final String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + ingest.statusPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
                assertThat(count(metrics, "odyssey_ingest_command_records_unreadable_total{")).isPositive();
                assertThat(count(metrics, "odyssey_ingest_fleet_states_unreadable_total{")).isPositive();
            }
        }
    }

    private static double count(final String metrics, final String prefix)
    {
        for (final String line : metrics.split("\n"))
        {
            if (line.startsWith(prefix) && line.contains("reader=\"relay\"") == prefix.contains("fleet"))
            {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no " + prefix + " in " + metrics);
    }
}
