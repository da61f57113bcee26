package io.odyssey.ingest;

import io.odyssey.codecs.sign.TestDroneKeys;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryRemovedListener;
import io.aeron.ExclusivePublication;
import io.odyssey.journal.AlertType;
import io.odyssey.codecs.RejectReason;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.grid.ActiveAlert;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
import io.odyssey.journal.AlertJournal;
import io.odyssey.journal.JournalLayout;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.testing.FailOnErrorLog;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Forged or broken drones go away, with real parts: a real ingest node (lost link after 2 s, expiry after 10 s, room
 * for 1,500 drones) and a real Hazelcast member, frames over Aeron UDP. A flood of 2,000 distinct ids fills the node
 * and raises their alerts, then falls silent: each is reported lost, then leaves the fleet map (the gateway's listener
 * sees it removed), its alerts clear and its slots are freed, while a real drone that keeps talking stays throughout.
 * What a node that died left behind (a drone's state, its alert) goes too.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DroneExpiryIT
{
    /** The drones these tests fly, with their keys (ingest verifies every frame). */
    private static final Path KEYS = TestDroneKeys.add(TestDroneKeys.add(TestDroneKeys.file(1, 100), 1_000_000, 1_001_999), 2_000_000, 2_000_999);

    private static final int CAPACITY = 1_500;
    private static final int FORGED = 2_000;
    private static final long REAL_DRONE = 7;
    private static final long FIRST_FORGED = 1_000_000;
    private static final long ORPHAN = 424_242;

    @TempDir
    Path journals;

    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
    private final TelemetryFrameWriter writer = new TelemetryFrameWriter().signWith(TestDroneKeys.signer(KEYS, 9));
    private TestGrid grid;
    private AeronTransport sender;
    private EdgeIngest ingest;

    @BeforeEach
    void start() throws Exception
    {
        grid = TestGrid.start("drone-expiry-it");
        final EdgeIngestConfig config = grid.ingestConfig("ingest-expiry", 100, journals.resolve("ingest-expiry"), KEYS);
        config.maxDrones = CAPACITY;
        config.droneIdMax = 10_000_000;
        config.alertLostLinkS = 2;
        config.droneExpiryS = 10;
        // An expiry must exceed two signature windows (a forgotten drone's captured frames must be too old to replay).
        config.signatureWindowS = 4;
        ingest = EdgeIngest.launch(config);
        sender = AeronTransport.launchEmbedded(null, "drone-expiry-it-sender");
    }

    @AfterEach
    void stop() throws Exception
    {
        for (final AutoCloseable closeable : new AutoCloseable[]{sender, ingest})
        {
            if (closeable != null)
            {
                closeable.close();
            }
        }
        if (grid != null)
        {
            grid.close();
        }
    }

    @Test
    void shouldForgetAFloodOfSilentDronesAfterReportingThemLostAndKeepTheOneThatTalks() throws Exception
    {
        final IMap<Long, DroneState> fleet = grid.fleet();
        final IMap<String, ActiveAlert> alerts = FleetGrid.alertsMap(grid.member());
        final AtomicInteger removals = new AtomicInteger();
        final AtomicBoolean realDroneRemoved = new AtomicBoolean();
        // What the gateway's fleet feed listens to.
        fleet.addEntryListener((EntryRemovedListener<Long, DroneState>)(final EntryEvent<Long, DroneState> event) ->
        {
            removals.incrementAndGet();
            realDroneRemoved.compareAndSet(false, event.getKey() == REAL_DRONE);
        }, false);

        // What a node that died (and never came back) left: a drone's state and its alert, which no engine clears.
        final long hourAgo = nowNanos() - TimeUnit.HOURS.toNanos(1);
        fleet.set(ORPHAN, new DroneState(ORPHAN, 1, hourAgo, hourAgo, hourAgo, 41.0, 13.0, 50f, 0f, 0f, 0f, 10f,
            "HOVERING", 0, "ingest-gone"));
        alerts.set("LOW_BATTERY:" + ORPHAN, new ActiveAlert("LOW_BATTERY", ORPHAN, 0, hourAgo, 1, 10.0, "ingest-gone"));

        final AtomicBoolean talking = new AtomicBoolean(true);
        final Thread realDrone = new Thread(() -> talk(talking), "real-drone");
        realDrone.start();
        try
        {
            await().atMost(20, TimeUnit.SECONDS).until(() -> alerts.containsKey("LOW_BATTERY:" + REAL_DRONE));

            final ExclusivePublication flood = publication();
            for (long id = FIRST_FORGED; id < FIRST_FORGED + FORGED; id++)
            {
                offer(flood, writer.telemetry(buffer, 0, id, 1, nowNanos(), 40 + (id % 1_000) * 0.01, 13.0, 80f, 0f, 0f,
                    5f, DroneStatus.HOVERING, (byte)0, 0f));
            }
            // The node is full: the real drone and 1,499 forged ones; the other 501 are refused with their own reason.
            await().atMost(30, TimeUnit.SECONDS).until(() ->
                ingest.rejectedCount(RejectReason.DRONE_CAPACITY) == FORGED - (CAPACITY - 1));
            // The dead node's drone stays until this node has seen it unchanged for the expiry (its receive time is
            // another host's clock): it leaves with the flood, below.
            await().atMost(30, TimeUnit.SECONDS).until(() ->
                fleet.keySet().stream().filter(id -> id != ORPHAN).count() == CAPACITY);
            assertThat(metric("odyssey_ingest_drones")).isEqualTo(CAPACITY);

            // Silence: each forged drone is reported lost, and only at the expiry forgotten.
            await().atMost(60, TimeUnit.SECONDS).pollInterval(200, TimeUnit.MILLISECONDS).untilAsserted(() ->
            {
                assertThat(fleet.keySet()).containsExactly(REAL_DRONE);
                assertThat(alerts.keySet()).containsExactly("LOW_BATTERY:" + REAL_DRONE);
                assertThat(metric("odyssey_ingest_drones")).isEqualTo(1);
                assertThat(metric("odyssey_ingest_alert_drones")).isEqualTo(1);
            });
            await().atMost(30, TimeUnit.SECONDS).untilAsserted(() ->
                assertThat(removals.get()).as("the gateway heard each one leave, the dead node's too").isEqualTo(CAPACITY));
            assertThat(ingest.dronesExpired()).isEqualTo(CAPACITY - 1);
            assertThat(ingest.fleetEntriesExpired()).isEqualTo(CAPACITY);
            assertThat(metric("odyssey_ingest_orphan_alerts_removed_total")).isEqualTo(1);
            assertThat(metric("odyssey_ingest_drones_expired_total")).isEqualTo(CAPACITY - 1);
            assertLostBeforeForgotten();

            // The slots are free again: another flood of new ids is taken, not refused.
            final long acceptedBefore = ingest.acceptedCount();
            for (long id = 2 * FIRST_FORGED; id < 2 * FIRST_FORGED + 1_000; id++)
            {
                offer(flood, writer.telemetry(buffer, 0, id, 1, nowNanos(), 41.0, 13.0, 80f, 0f, 0f, 50f,
                    DroneStatus.GROUNDED, (byte)0, 0f));
            }
            await().atMost(30, TimeUnit.SECONDS).until(() -> ingest.acceptedCount() - acceptedBefore >= 1_000);
            assertThat(ingest.rejectedCount(RejectReason.DRONE_CAPACITY)).isEqualTo(FORGED - (CAPACITY - 1));
        }
        finally
        {
            talking.set(false);
            realDrone.join(10_000);
        }
        assertThat(realDroneRemoved).as("the drone that kept talking never left the map").isFalse();
    }

    /** In the alert journal, every forgotten drone's lost link was raised, then cleared 8 s (expiry - timeout) later. */
    private void assertLostBeforeForgotten()
    {
        final Map<Long, Long> lostAt = new HashMap<>();
        final Map<Long, Long> clearedAfter = new HashMap<>();
        try (ChronicleQueue queue = SingleChronicleQueueBuilder.single(
            ingest.journalRoot().resolve(JournalLayout.ALERTS).toFile()).readOnly(true).build())
        {
            final ExcerptTailer tailer = queue.createTailer();
            final AlertJournal.Entry entry = new AlertJournal.Entry();
            while (entry.readNext(tailer))
            {
                if (entry.type() != AlertType.LOST_LINK.ordinal() || entry.droneId() < FIRST_FORGED)
                {
                    continue;
                }
                if (entry.raised())
                {
                    lostAt.put(entry.droneId(), entry.atNanos());
                }
                else if (lostAt.containsKey(entry.droneId()))
                {
                    clearedAfter.put(entry.droneId(), entry.atNanos() - lostAt.get(entry.droneId()));
                }
            }
        }
        assertThat(lostAt).hasSize(CAPACITY - 1);
        assertThat(Set.copyOf(clearedAfter.values())).containsExactly(TimeUnit.SECONDS.toNanos(8));
        assertThat(clearedAfter).hasSize(CAPACITY - 1);
    }

    /** The real drone: a frame every 100 ms, its battery low (an alert that must outlive the flood). */
    private void talk(final AtomicBoolean talking)
    {
        final UnsafeBuffer own = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
        // A writer and signer of its own: they are single-threaded, and this is the real drone's own radio link.
        final TelemetryFrameWriter writer = new TelemetryFrameWriter().signWith(TestDroneKeys.signer(KEYS, 10));
        final ExclusivePublication publication = publication();
        long sequence = 0;
        while (talking.get())
        {
            final int length = writer.telemetry(own, 0, REAL_DRONE, ++sequence, nowNanos(), 52.0, 13.0, 80f, 0f, 0f, 15f,
                DroneStatus.HOVERING, (byte)0, 0f);
            while (publication.offer(own, 0, length) < 0 && talking.get())
            {
                Thread.onSpinWait();
            }
            try
            {
                Thread.sleep(100); // the drone's telemetry rate, not a wait for a condition
            }
            catch (final InterruptedException ex)
            {
                return;
            }
        }
    }

    private ExclusivePublication publication()
    {
        final ExclusivePublication publication = sender.aeron().addExclusivePublication(
            AeronTransport.udpChannel(grid.endpoint(100)), 1001);
        await().atMost(20, TimeUnit.SECONDS).until(publication::isConnected);
        return publication;
    }

    private void offer(final ExclusivePublication publication, final int length)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (publication.offer(buffer, 0, length) < 0)
        {
            assertThat(System.nanoTime()).as("offer within 10 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private long metric(final String name) throws Exception
    {
        final String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + ingest.statusPort() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        final String prefix = name + "{role=\"edge-ingest\"} ";
        for (final String line : text.split("\n"))
        {
            if (line.startsWith(prefix))
            {
                return Long.parseLong(line.substring(prefix.length()).trim());
            }
        }
        throw new AssertionError(name + " not in /metrics");
    }

    private static long nowNanos()
    {
        return System.currentTimeMillis() * 1_000_000L;
    }
}
