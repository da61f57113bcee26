package io.odyssey.ingest;

import io.odyssey.codecs.sign.TestDroneKeys;
import io.aeron.ExclusivePublication;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.grid.DroneState;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.testing.FailOnErrorLog;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A live run through a real ingest node, then its journal replayed through the same ingest and alert code into a
 * separate grid: the same fleet state as the live grid and the same alerts as the live alert journal, for the whole
 * journal and for a window of it.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ReplayIT
{
    /** The drones these tests fly, with their keys (ingest verifies every frame). */
    private static final Path KEYS = TestDroneKeys.file(1, 1000);


    @TempDir
    Path dir;

    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
    private final TelemetryFrameWriter writer = new TelemetryFrameWriter().signWith(TestDroneKeys.signer(KEYS, 9));

    @Test
    void shouldReproduceTheLiveFleetStateAndAlertsFromTheJournal() throws Exception
    {
        final TestGrid grid = TestGrid.start("replay-it");
        final EdgeIngestConfig config = grid.ingestConfig("ingest-replay", 100, dir.resolve("journal"), KEYS);
        config.alertLostLinkS = 0.5;
        Instant middle = null;
        final Map<Long, DroneState> liveFleet;
        try (EdgeIngest ingest = EdgeIngest.launch(config);
            AeronTransport sender = AeronTransport.launchEmbedded(null, "replay-it-sender"))
        {
            final ExclusivePublication publication = sender.aeron().addExclusivePublication(
                AeronTransport.udpChannel(config.endpoint), 1001);
            await().atMost(20, TimeUnit.SECONDS).until(publication::isConnected);
            // Ten drones for two seconds at 20 Hz: batteries drain through 20 %, drones 1 and 2 close in on each
            // other, drone 3 jumps once, drone 4 goes silent for a while.
            for (int step = 0; step < 40; step++)
            {
                if (step == 20)
                {
                    middle = Instant.now();
                }
                for (int drone = 1; drone <= 10; drone++)
                {
                    if (drone == 4 && step >= 10 && step < 30)
                    {
                        continue;
                    }
                    double lat = 52.0 + drone * 0.01 + step * 0.00001;
                    if (drone == 2)
                    {
                        lat = 52.01 + step * 0.00001 + Math.max(0, 30 - step) * 0.0002;
                    }
                    if (drone == 3 && step == 25)
                    {
                        lat += 0.5;
                    }
                    send(publication, drone, step + 1, lat, 13.0, 100, 30 - step * 0.5f - drone * 0.1f);
                }
                // Real time between steps: a drone's silence and its implied speed are measured in it.
                Thread.sleep(50);
            }
            await().atMost(10, TimeUnit.SECONDS).until(() -> ingest.dirtyDrones() == 0 && !ingest.flushInFlight());
            await().atMost(10, TimeUnit.SECONDS).until(() -> ingest.alertsRaised() >= 10);
            liveFleet = new HashMap<>(grid.fleet());
        }
        finally
        {
            grid.close();
        }
        assertThat(liveFleet).hasSize(10);

        final Path journal = dir.resolve("journal");
        final Replay.Options whole = new Replay.Options(journal, null, null, dir.resolve("replay-all"), 1_000,
            config.alertRules());
        final Replay.Result all = Replay.run(whole);
        assertThat(all.entries()).isEqualTo(40 * 10 - 20);
        assertThat(all.alerts()).extracting(e -> e.type().name())
            .contains("LOW_BATTERY", "LOSS_OF_SEPARATION", "IMPLAUSIBLE_JUMP", "LOST_LINK");
        assertThat(Replay.verify(whole, all, liveFleet)).as("whole journal against the live grid").isEmpty();
        assertThat(Replay.verify(whole, all, null)).as("whole journal against its last frames").isEmpty();

        final Replay.Options window = new Replay.Options(journal, middle, null, dir.resolve("replay-window"), 1_000,
            config.alertRules());
        final Replay.Result half = Replay.run(window);
        assertThat(half.entries()).isBetween(100L, 300L);
        assertThat(Replay.verify(window, half, null)).as("a window, warmed up on what came before").isEmpty();

        // The check can fail: a live fleet that differs is reported.
        final Map<Long, DroneState> altered = new HashMap<>(liveFleet);
        final DroneState five = altered.get(5L);
        altered.put(5L, new DroneState(5, five.sequence() - 1, five.sentAtNanos(), 0, 0, five.latitude(), five.longitude(),
            five.altitude(), five.heading(), five.groundSpeed(), five.climbRate(), five.battery(), five.status(), 0, "x"));
        assertThat(Replay.verify(whole, all, altered)).singleElement().asString().startsWith("drone 5:");
    }

    private void send(final ExclusivePublication publication, final long drone, final long sequence, final double lat,
        final double lon, final float alt, final float battery)
    {
        final int length = writer.telemetry(buffer, 0, drone, sequence, System.currentTimeMillis() * 1_000_000L, lat, lon,
            alt, 90f, 5f, battery, DroneStatus.CRUISING, (byte)0, 0f);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (publication.offer(buffer, 0, length) < 0)
        {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
