package io.odyssey.relay;

import com.hazelcast.map.IMap;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sign.TestDroneKeys;
import io.odyssey.grid.ledger.CommandAuthority;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.grid.ledger.CommandUpdate;
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
 * A grid client plants hundreds of unsealed final records with a drone's id, dated just after its real history, and
 * marked as journaled: a list of the drone's commands (as the gateway's) comes back empty. An ingest node holding the
 * command key removes them as its sweep walks the ledger, counts them, and the real history is listed again.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RelayRemovesPlantedHistoryIT
{
    private static final Path KEYS = TestDroneKeys.file(1, 100);
    private static final long DRONE = 77;

    @TempDir
    Path journals;

    @Test
    void shouldRemoveUnsealedFinalRecordsSoTheRealHistoryIsListedAgain() throws Exception
    {
        try (TestGrid grid = TestGrid.start("relay-planted-history-it"))
        {
            final Path keyFile = TestGrid.commandKeyFile(journals);
            final EdgeIngestConfig config = grid.relayConfig("ingest-planted", 110, journals.resolve("ingest"), KEYS, keyFile);
            // As a gateway holds it: with the same key.
            final CommandLedger gateway = new CommandLedger(grid.member(), null,
                CommandAuthority.fromFile(keyFile.toString()));
            final long now = System.currentTimeMillis() * 1_000_000L;
            final CommandRecord older = gateway.issue(command(gateway.newId(), now - 2_000_000_000L)
                .rejectedBeforeSending(now - 2_000_000_000L, "fence")).command();
            final CommandRecord newer = gateway.issue(command(gateway.newId(), now - 1_000_000_000L)
                .rejectedBeforeSending(now - 1_000_000_000L, "fence")).command();
            final IMap<Long, CommandRecord> planted = grid.member().getMap(CommandLedger.COMMANDS_MAP);
            for (int i = 0; i < 300; i++)
            {
                final long id = 3_000_000_000L + i;
                final CommandRecord record = command(id, now - 900_000_000L + i).rejectedBeforeSending(now, "planted");
                planted.set(id, CommandUpdate.journaled(record.transitionCount()).apply(record));
            }
            assertThat(gateway.list(DRONE, null, false, 2)).as("the attack: no history listed").isEmpty();

            try (EdgeIngest ingest = EdgeIngest.launch(config))
            {
                await().atMost(60, TimeUnit.SECONDS).until(() -> !gateway.list(DRONE, null, false, 2).isEmpty());
                assertThat(gateway.list(DRONE, null, false, 2)).extracting(CommandRecord::id)
                    .containsExactly(newer.id(), older.id());
                await().atMost(30, TimeUnit.SECONDS).until(() -> removed(ingest) >= 300);
                assertThat(planted.keySet(com.hazelcast.query.Predicates.equal("droneId", DRONE))).hasSize(2);
            }
        }
    }

    private static CommandRecord command(final long id, final long at)
    {
        return CommandRecord.issued(id, DRONE, CommandType.HOLD, CommandParameters.NONE, null, "ops", "127.0.0.1",
            at, at + 60_000_000_000L);
    }

    private static double removed(final EdgeIngest ingest) throws Exception
    {
        final String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + ingest.statusPort() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        for (final String line : metrics.split("\n"))
        {
            if (line.startsWith("odyssey_ingest_command_records_unsealed_removed_total"))
            {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no odyssey_ingest_command_records_unsealed_removed_total in " + metrics);
    }
}
