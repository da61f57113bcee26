package io.odyssey.alerts;

import io.odyssey.codecs.sign.TestDroneKeys;
import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.aeron.ExclusivePublication;
import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.grid.ActiveAlert;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
import io.odyssey.ingest.EdgeIngest;
import io.odyssey.ingest.EdgeIngestConfig;
import io.odyssey.ingest.TestGrid;
import io.odyssey.journal.AlertJournal;
import io.odyssey.journal.AlertType;
import io.odyssey.journal.JournalEntry;
import io.odyssey.journal.JournalLayout;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.testing.FailOnErrorLog;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Alerts through a real ingest node: frames over Aeron UDP, journaled, evaluated by the alert monitor, journaled as
 * alerts and kept in the grid's alerts map; and across a restart of the node, nothing raised twice.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AlertsIT
{
    /** The drones these tests fly, with their keys (ingest verifies every frame). */
    private static final Path KEYS = TestDroneKeys.file(1, 1000);


    @TempDir
    static Path journals;

    private static TestGrid grid;
    private static IMap<String, ActiveAlert> alerts;
    private static AeronTransport sender;

    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
    private final TelemetryFrameWriter writer = new TelemetryFrameWriter().signWith(TestDroneKeys.signer(KEYS, 9));

    @BeforeAll
    static void start()
    {
        grid = TestGrid.start("alerts-it");
        alerts = FleetGrid.alertsMap(grid.member());
        sender = AeronTransport.launchEmbedded(null, "alerts-it-sender");
    }

    @AfterAll
    static void stop()
    {
        if (sender != null)
        {
            sender.close();
        }
        if (grid != null)
        {
            grid.close();
        }
    }

    private static EdgeIngestConfig config()
    {
        final EdgeIngestConfig config = grid.ingestConfig("ingest-alerts", 100, journals.resolve("ingest-alerts"), KEYS);
        config.alertLostLinkS = 1;
        return config;
    }

    @Test
    void shouldRaiseAndClearAlertsFromLiveTelemetryAndRaiseNothingTwiceAfterARestart() throws Exception
    {
        long sequenceA = 0;
        long sequenceC = 0;
        long sequenceD = 0;
        try (EdgeIngest ingest = EdgeIngest.launch(config()))
        {
            final ExclusivePublication publication = publication();
            // Drone 1's battery drops below 20 %.
            send(publication, 1, ++sequenceA, 52.0, 13.0, 100, 25, DroneStatus.CRUISING);
            send(publication, 1, ++sequenceA, 52.0, 13.0, 100, 15, DroneStatus.CRUISING);
            await().atMost(10, TimeUnit.SECONDS).until(() -> alerts.containsKey("LOW_BATTERY:1"));
            final ActiveAlert low = alerts.get("LOW_BATTERY:1");
            assertThat(low.value()).isEqualTo(15.0);
            assertThat(low.ingestNode()).isEqualTo("ingest-alerts");
            assertThat(batteryOf(low.journalIndex())).as("the alert names the frame that caused it").isEqualTo(15f);

            // Drones 3 and 4 fly 10 m apart at the same height.
            send(publication, 3, ++sequenceC, 52.1, 13.1, 100, 80, DroneStatus.CRUISING);
            send(publication, 4, ++sequenceD, 52.1 + 10 / 111_195.0, 13.1, 105, 80, DroneStatus.CRUISING);
            await().atMost(10, TimeUnit.SECONDS).until(() -> alerts.containsKey("LOSS_OF_SEPARATION:3:4"));

            // Drone 5 is heard once, then falls silent for more than the 1 s lost-link timeout.
            send(publication, 5, 1, 52.2, 13.2, 50, 90, DroneStatus.HOVERING);
            await().atMost(10, TimeUnit.SECONDS).until(() -> alerts.containsKey("LOST_LINK:5"));
            send(publication, 5, 2, 52.2, 13.2, 50, 90, DroneStatus.HOVERING);
            await().atMost(10, TimeUnit.SECONDS).until(() -> !alerts.containsKey("LOST_LINK:5"));
            assertThat(ingest.alertsRaised()).isGreaterThanOrEqualTo(3);
        }

        // A new ingest process on the same journal: the alert state is rebuilt, not re-raised.
        try (EdgeIngest ingest = EdgeIngest.launch(config()))
        {
            final ExclusivePublication publication = publication();
            send(publication, 1, ++sequenceA, 52.0, 13.0, 100, 14, DroneStatus.CRUISING);
            send(publication, 3, ++sequenceC, 52.1, 13.1, 100, 80, DroneStatus.CRUISING);
            send(publication, 1, ++sequenceA, 52.0, 13.0, 100, 40, DroneStatus.CRUISING);
            await().atMost(10, TimeUnit.SECONDS).until(() -> !alerts.containsKey("LOW_BATTERY:1"));
            assertThat(alerts.containsKey("LOSS_OF_SEPARATION:3:4")).as("still in conflict").isTrue();
            assertThat(ingest.alertsCleared()).isGreaterThanOrEqualTo(1);
        }

        final List<String> journaled = alertJournal();
        // Raised once, cleared once: for every alert, raises and clears alternate, across the restart too.
        final java.util.Set<String> active = new java.util.HashSet<>();
        for (final String event : journaled)
        {
            final String key = event.substring(event.indexOf(' ') + 1);
            if (event.startsWith("raised"))
            {
                assertThat(active.add(key)).as("%s raised while already active, in %s", key, journaled).isTrue();
            }
            else
            {
                assertThat(active.remove(key)).as("%s cleared while not active, in %s", key, journaled).isTrue();
            }
        }
        assertThat(journaled.stream().filter(e -> e.equals("raised LOW_BATTERY 1"))).hasSize(1);
        assertThat(journaled.stream().filter(e -> e.equals("cleared LOW_BATTERY 1"))).hasSize(1);
        assertThat(journaled.stream().filter(e -> e.equals("raised LOSS_OF_SEPARATION 3"))).hasSize(1);
        assertThat(journaled).containsSubsequence("raised LOST_LINK 5", "cleared LOST_LINK 5");
    }

    @Test
    void shouldHandADroneOverWhenItMovesToAnotherNodeInsteadOfReportingItLost() throws Exception
    {
        final EdgeIngestConfig first = config();
        first.nodeId = "ingest-a";
        first.endpoint = grid.endpoint(110);
        first.journalDir = journals.resolve("ingest-a").toString();
        final EdgeIngestConfig second = config();
        second.nodeId = "ingest-b";
        second.endpoint = grid.endpoint(111);
        second.journalDir = journals.resolve("ingest-b").toString();
        try (EdgeIngest a = EdgeIngest.launch(first); EdgeIngest b = EdgeIngest.launch(second))
        {
            final ExclusivePublication toA = publication(first.endpoint);
            final ExclusivePublication toB = publication(second.endpoint);
            // Drone 70 flies with a low battery, heard by node a, then (failing over) by node b only.
            long sequence = 0;
            for (int i = 0; i < 5; i++)
            {
                send(toA, 70, ++sequence, 52.3, 13.3, 50, 15, DroneStatus.CRUISING);
            }
            await().atMost(10, TimeUnit.SECONDS).until(() -> alerts.containsKey("LOW_BATTERY:70"));
            final long until = System.currentTimeMillis() + 2_500;
            while (System.currentTimeMillis() < until)
            {
                send(toB, 70, ++sequence, 52.3, 13.3, 50, 15, DroneStatus.CRUISING);
                // Node b must keep hearing the drone while node a's silence passes the 1 s timeout in real time.
                Thread.sleep(50);
            }
            // Node a has been silent on drone 70 for well over the 1 s lost-link timeout: handed over, not lost.
            assertThat(alerts.containsKey("LOST_LINK:70")).isFalse();
            assertThat(alerts.get("LOW_BATTERY:70")).as("node b's alert stands").isNotNull()
                .extracting(ActiveAlert::ingestNode).isEqualTo("ingest-b");
        }
        assertThat(alertJournal("ingest-a")).contains("raised LOW_BATTERY 70", "cleared LOW_BATTERY 70")
            .doesNotContain("raised LOST_LINK 70");
        assertThat(alertJournal("ingest-b")).contains("raised LOW_BATTERY 70").doesNotContain("raised LOST_LINK 70");
        assertThat(handOvers("ingest-a")).containsExactly(70L);

        // A replay of node a's journal reproduces its alerts (the hand-over itself came after node a's last entry,
        // beyond what a replay of that journal evaluates).
        final io.odyssey.ingest.Replay.Options replay = new io.odyssey.ingest.Replay.Options(journals.resolve("ingest-a"),
            null, null, journals.resolve("replay-a"), 1_000, first.alertRules());
        final io.odyssey.ingest.Replay.Result result = io.odyssey.ingest.Replay.run(replay);
        assertThat(io.odyssey.ingest.Replay.verify(replay, result, null)).isEmpty();
    }

    @Test
    void shouldRaiseALossOfSeparationBetweenDronesOfTwoNodesOnceAndLeaveItOutOfAReplay() throws Exception
    {
        final EdgeIngestConfig first = config();
        first.nodeId = "ingest-c";
        first.endpoint = grid.endpoint(120);
        first.journalDir = journals.resolve("ingest-c").toString();
        first.alertLostLinkS = 5;
        final EdgeIngestConfig second = config();
        second.nodeId = "ingest-d";
        second.endpoint = grid.endpoint(121);
        second.journalDir = journals.resolve("ingest-d").toString();
        second.alertLostLinkS = 5;
        try (EdgeIngest c = EdgeIngest.launch(first); EdgeIngest d = EdgeIngest.launch(second))
        {
            final ExclusivePublication toC = publication(first.endpoint);
            final ExclusivePublication toD = publication(second.endpoint);
            // Drone 80 is heard by node c, drone 81 by node d, 10 m apart at the same height.
            final long[] sequences = new long[2];
            await().atMost(15, TimeUnit.SECONDS).pollInterval(java.time.Duration.ofMillis(100)).until(() ->
            {
                send(toC, 80, ++sequences[0], 52.4, 13.4, 80, 90, DroneStatus.CRUISING);
                send(toD, 81, ++sequences[1], 52.4 + 10 / 111_195.0, 13.4, 82, 90, DroneStatus.CRUISING);
                return alerts.containsKey("LOSS_OF_SEPARATION:80:81");
            });
            assertThat(alerts.get("LOSS_OF_SEPARATION:80:81").ingestNode()).as("the lower id's node reports it")
                .isEqualTo("ingest-c");

            // Drone 81 is 300 m away at once (node d sees an implausible jump; that is its own business): cleared.
            await().atMost(15, TimeUnit.SECONDS).pollInterval(java.time.Duration.ofMillis(100)).until(() ->
            {
                send(toC, 80, ++sequences[0], 52.4, 13.4, 80, 90, DroneStatus.CRUISING);
                send(toD, 81, ++sequences[1], 52.4 + 300 / 111_195.0, 13.4, 82, 90, DroneStatus.CRUISING);
                return !alerts.containsKey("LOSS_OF_SEPARATION:80:81");
            });
        }
        assertThat(alertJournal("ingest-c")).containsExactly("raised LOSS_OF_SEPARATION 80", "cleared LOSS_OF_SEPARATION 80");
        assertThat(alertJournal("ingest-d")).as("reported once, fleet-wide")
            .noneMatch(event -> event.contains("LOSS_OF_SEPARATION"));

        // A replay of node c's journal cannot see node d's drone: it reproduces the rest and leaves that pair out.
        final io.odyssey.ingest.Replay.Options replay = new io.odyssey.ingest.Replay.Options(journals.resolve("ingest-c"),
            null, null, journals.resolve("replay-c"), 1_000, first.alertRules());
        final io.odyssey.ingest.Replay.Result result = io.odyssey.ingest.Replay.run(replay);
        assertThat(io.odyssey.ingest.Replay.verify(replay, result, null)).isEmpty();
    }

    /**
     * The grid is writable by anything that reaches it: another node's fleet-map entry with a status no drone sends
     * (forged, or written by a newer version) must not stop this node's alerts, which read other nodes' airborne drones
     * for the separation check. It is left out of that check and counted.
     */
    @Test
    void shouldKeepEvaluatingAlertsWhenAnotherNodesFleetEntryHasAStatusNoDroneSends() throws Exception
    {
        final IMap<Long, DroneState> fleet = grid.fleet();
        final long now = System.currentTimeMillis() * 1_000_000L;
        fleet.set(900L, new DroneState(900L, 1, now, now, now, 52.5, 13.5, 80f, 90f, 5f, 0f, 90f, "NOT_A_STATUS", 0,
            "ingest-forged"));
        final EdgeIngestConfig config = config();
        config.nodeId = "ingest-e";
        config.endpoint = grid.endpoint(130);
        config.journalDir = journals.resolve("ingest-e").toString();
        config.statusPort = 0;
        try (EdgeIngest ingest = EdgeIngest.launch(config))
        {
            final ExclusivePublication publication = publication(config.endpoint);
            // Drone 83 flies where the forged entry says drone 900 is, and its battery runs low.
            final long[] sequence = new long[1];
            await().atMost(15, TimeUnit.SECONDS).pollInterval(java.time.Duration.ofMillis(100)).until(() ->
            {
                send(publication, 83, ++sequence[0], 52.5, 13.5, 80, 15, DroneStatus.CRUISING);
                return alerts.containsKey("LOW_BATTERY:83");
            });
            await().atMost(10, TimeUnit.SECONDS).until(() -> metric(ingest, "odyssey_ingest_alert_remote_drones_unreadable")
                .equals("1"));
            assertThat(alerts.keySet()).as("the unreadable entry is in no separation check")
                .noneMatch(key -> key.startsWith("LOSS_OF_SEPARATION:83:900"));
        }
        finally
        {
            fleet.delete(900L);
        }
    }

    /**
     * The grid is writable by any client: a state of one drone filed under another drone's key (drone 86, on the
     * ground, filed as flying 10 m from this node's drone 85 under key 901) was taken for drone 86 by the separation
     * check, which raised a loss of separation between 85 and a drone standing on its pad. A state under another
     * drone's key is no state: left out and counted.
     */
    @Test
    void shouldLeaveAStateFiledUnderAnotherDronesKeyOutOfTheSeparationCheck() throws Exception
    {
        final IMap<Long, DroneState> fleet = grid.fleet();
        final long now = System.currentTimeMillis() * 1_000_000L;
        fleet.set(86L, new DroneState(86L, 1, now, now, now, 52.6, 13.6, 0f, 90f, 0f, 0f, 90f, "GROUNDED", 0,
            "ingest-x"));
        final HazelcastInstance forger = HazelcastClient.newHazelcastClient(FleetGrid.clientConfig(
            grid.member().getConfig().getClusterName(),
            List.of("127.0.0.1:" + grid.member().getCluster().getLocalMember().getAddress().getPort()), "alerts-forger"));
        final EdgeIngestConfig config = config();
        config.nodeId = "ingest-f";
        config.endpoint = grid.endpoint(140);
        config.journalDir = journals.resolve("ingest-f").toString();
        config.statusPort = 0;
        try (EdgeIngest ingest = EdgeIngest.launch(config))
        {
            FleetGrid.fleetMap(forger).set(901L, new DroneState(86L, 1L << 40, now, now, now,
                52.55 + 10 / 111_195.0, 13.55, 80f, 90f, 5f, 0f, 90f, "CRUISING", 0, "ingest-x"));
            final ExclusivePublication publication = publication(config.endpoint);
            // Drone 85 flies 10 m from where the misfiled state says drone 86 is, and its battery runs low (the
            // low-battery alert shows the node evaluates its frames; the remote picture is refreshed each second).
            final long[] sequence = new long[1];
            await().atMost(15, TimeUnit.SECONDS).pollInterval(java.time.Duration.ofMillis(100)).until(() ->
            {
                send(publication, 85, ++sequence[0], 52.55, 13.55, 80, 15, DroneStatus.CRUISING);
                return alerts.containsKey("LOW_BATTERY:85");
            });
            // The remote picture is refreshed every second: for three of them, no alert pairs drone 85 with drone 86.
            await().during(java.time.Duration.ofSeconds(3)).atMost(5, TimeUnit.SECONDS)
                .pollInterval(java.time.Duration.ofMillis(100)).until(() ->
                {
                    send(publication, 85, ++sequence[0], 52.55, 13.55, 80, 15, DroneStatus.CRUISING);
                    return alerts.keySet().stream().noneMatch(key -> key.startsWith("LOSS_OF_SEPARATION:85:86"));
                });
            assertThat(metric(ingest, "odyssey_ingest_fleet_states_unreadable_total", "reader=\"alerts\""))
                .as("left out at each refresh, counted").isGreaterThanOrEqualTo(3);
        }
        finally
        {
            forger.shutdown();
            fleet.delete(86L);
            fleet.delete(901L);
        }
    }

    /** A counter's value as the node's /metrics shows it, from the sample whose labels contain {@code label}. */
    private static long metric(final EdgeIngest ingest, final String name, final String label) throws Exception
    {
        final HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + ingest.statusPort() + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        return response.body().lines().filter(line -> line.startsWith(name + "{") && line.contains(label))
            .mapToLong(line -> (long)Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).findFirst()
            .orElseThrow();
    }

    /** A metric's value as the node's /metrics shows it (the first sample of that name), "" when absent. */
    private static String metric(final EdgeIngest ingest, final String name) throws Exception
    {
        final HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + ingest.statusPort() + "/metrics")).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
        return response.body().lines().filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
            .map(line -> line.substring(line.lastIndexOf(' ') + 1)).findFirst().orElse("");
    }

    private ExclusivePublication publication(final String endpoint)
    {
        final ExclusivePublication publication = sender.aeron().addExclusivePublication(
            AeronTransport.udpChannel(endpoint), 1001);
        await().atMost(20, TimeUnit.SECONDS).until(publication::isConnected);
        return publication;
    }

    private ExclusivePublication publication()
    {
        final ExclusivePublication publication = sender.aeron().addExclusivePublication(
            AeronTransport.udpChannel(grid.endpoint(100)), 1001);
        await().atMost(20, TimeUnit.SECONDS).until(publication::isConnected);
        return publication;
    }

    private void send(final ExclusivePublication publication, final long drone, final long sequence, final double lat,
        final double lon, final float alt, final float battery, final DroneStatus status)
    {
        final int length = writer.telemetry(buffer, 0, drone, sequence, System.currentTimeMillis() * 1_000_000L, lat, lon,
            alt, 90f, 5f, battery, status, (byte)0, 0f);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (publication.offer(buffer, 0, length) < 0)
        {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static float batteryOf(final long telemetryIndex)
    {
        try (ChronicleQueue queue = SingleChronicleQueueBuilder.single(
            journals.resolve("ingest-alerts").resolve(JournalLayout.TELEMETRY).toFile()).readOnly(true).build())
        {
            final ExcerptTailer tailer = queue.createTailer();
            assertThat(tailer.moveToIndex(telemetryIndex)).isTrue();
            final JournalEntry entry = JournalEntry.telemetry();
            assertThat(entry.readNext(tailer)).isTrue();
            final TelemetryFrameReader reader = new TelemetryFrameReader();
            assertThat(reader.read(entry.frame(), 0, entry.frameLength())).isEqualTo(TelemetryFrameReader.TELEMETRY);
            return reader.telemetry().battery();
        }
    }

    private static List<String> alertJournal()
    {
        return alertJournal("ingest-alerts");
    }

    private static List<Long> handOvers(final String node)
    {
        final List<Long> drones = new ArrayList<>();
        try (ChronicleQueue queue = SingleChronicleQueueBuilder.single(
            journals.resolve(node).resolve(JournalLayout.ALERTS).toFile()).readOnly(true).build())
        {
            final ExcerptTailer tailer = queue.createTailer();
            final AlertJournal.Entry entry = new AlertJournal.Entry();
            while (entry.readNext(tailer))
            {
                if (entry.event() == JournalLayout.ALERT_HANDED_OVER)
                {
                    drones.add(entry.droneId());
                }
            }
        }
        return drones;
    }

    private static List<String> alertJournal(final String node)
    {
        final List<String> events = new ArrayList<>();
        try (ChronicleQueue queue = SingleChronicleQueueBuilder.single(
            journals.resolve(node).resolve(JournalLayout.ALERTS).toFile()).readOnly(true).build())
        {
            final ExcerptTailer tailer = queue.createTailer();
            final AlertJournal.Entry entry = new AlertJournal.Entry();
            while (entry.readNext(tailer))
            {
                if (entry.event() != JournalLayout.ALERT_HANDED_OVER)
                {
                    events.add((entry.raised() ? "raised " : "cleared ") + AlertType.get(entry.type()) + " " + entry.droneId());
                }
            }
        }
        return events;
    }
}
