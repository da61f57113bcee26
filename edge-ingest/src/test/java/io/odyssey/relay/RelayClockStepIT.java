package io.odyssey.relay;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.odyssey.codecs.sign.TestDroneKeys;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.GeofenceRecords;
import io.odyssey.grid.ledger.CommandAuthority;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.ingest.TestGrid;
import io.odyssey.journal.CommandJournal;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.runtime.Metrics;
import io.odyssey.runtime.SecretFile;
import io.odyssey.testing.FailOnErrorLog;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.EpochNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The wall clock of an ingest node can step back (an NTP correction, a VM restored from a snapshot, an operator setting
 * the date). The relay's ledger times are wall-clock times shared by every node, but how often it runs its own
 * housekeeping must not be: the geofence guard paced on the wall clock stopped for as long as the clock went back, so
 * for an hour after a one-hour step no drone leaving its fence was ordered home. A real member, a real relay with a
 * clock the test steps back, a sealed fence and two drones outside it, one before the step and one after.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RelayClockStepIT
{
    private static final Path KEYS = TestDroneKeys.file(1, 10);
    private static final String NODE = "ingest-clock";

    @TempDir
    Path dir;

    @Test
    void shouldKeepGuardingFencesAfterTheWallClockStepsBack() throws Exception
    {
        final AtomicLong offsetNs = new AtomicLong();
        final EpochNanoClock clock = () -> System.currentTimeMillis() * 1_000_000L + offsetNs.get();
        try (TestGrid grid = TestGrid.start("relay-clock-step-it");
            AeronTransport aeron = AeronTransport.launchEmbedded(dir.resolve("aeron").toString(), "relay-clock-step");
            CommandJournal journal = new CommandJournal(dir.resolve("commands"), RollCycles.FAST_DAILY))
        {
            final byte[] key = SecretFile.read(CommandAuthority.KEY_FILE, TestGrid.commandKeyFile(dir), 32);
            final CommandLedger ledger = new CommandLedger(grid.member(), null, new CommandAuthority(key), clock);
            final GeofenceRecords fences = new GeofenceRecords(grid.member().getMap(FleetGrid.GEOFENCES_MAP), key, 1_000,
                10_000, null, null, null);
            fences.store("field", new ObjectMapper().readTree("{\"type\":\"Feature\",\"id\":\"field\",\"properties\":" +
                "{\"name\":\"field\",\"kind\":\"keep-in\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":" +
                "[[[13.30,52.40],[13.35,52.40],[13.35,52.45],[13.30,52.45],[13.30,52.40]]]}}"));
            try (CommandRelay relay = new CommandRelay(aeron.aeron(), 1101, ledger, FleetGrid.fleetMap(grid.member()), NODE,
                clock, 200, 100, journal, new CommandRelay.CommandMetrics(new Metrics("relay-clock-step")), fences,
                "return-to-home", "", 100, TestDroneKeys.signer(KEYS, 1, clock)).start())
            {
                // Drone 7 outside the fence, heard just now: the guard orders it home (it runs).
                flyOutside(grid, 7, clock.nanoTime());
                await().atMost(20, TimeUnit.SECONDS).until(() -> geofenceOrders(ledger, 7).size() == 1);

                // The wall clock steps back an hour; drone 8 then leaves the fence.
                offsetNs.set(-TimeUnit.HOURS.toNanos(1));
                flyOutside(grid, 8, clock.nanoTime());
                await().atMost(20, TimeUnit.SECONDS).until(() -> geofenceOrders(ledger, 8).size() == 1);
            }
        }
    }

    private static void flyOutside(final TestGrid grid, final long droneId, final long heardAtNanos)
    {
        grid.fleet().set(droneId, new DroneState(droneId, 1, heardAtNanos, heardAtNanos, heardAtNanos, 52.52, 13.405, 80f,
            90f, 5f, 0f, 80f, "CRUISING", 8, NODE));
    }

    private static List<CommandRecord> geofenceOrders(final CommandLedger ledger, final long droneId)
    {
        return ledger.list(droneId, null, false, 50).stream().filter(c -> "geofence".equals(c.issuedBy())).toList();
    }
}
