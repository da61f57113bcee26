package io.odyssey.ingest;

import io.odyssey.codecs.sign.TestDroneKeys;
import com.hazelcast.core.HazelcastInstance;
import io.aeron.ExclusivePublication;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.testing.FailOnErrorLog;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The grid going away is normal weather: ingest keeps receiving, reports the grid DOWN in its readiness while its
 * liveness stays UP (an orchestrator must not restart a node that is doing its job), counts the failed writes, and
 * once a grid is back writes the newest state of every drone it heard meanwhile.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class GridOutageIT
{
    /** The drones these tests fly, with their keys (ingest verifies every frame). */
    private static final Path KEYS = TestDroneKeys.file(1, 1000);

    @TempDir
    Path journals;

    private static final String CLUSTER = "grid-outage-it-" + UUID.randomUUID();

    @Test
    void shouldKeepTheNewestStatesWhileTheGridIsDownAndWriteThemWhenItReturns() throws Exception
    {
        final int gridPort = 20_000 + (int)(Math.random() * 12_000);
        final int ingestPort = gridPort + 300;
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
        final TelemetryFrameWriter writer = new TelemetryFrameWriter().signWith(TestDroneKeys.signer(KEYS, 9));
        final HttpClient http = HttpClient.newHttpClient();

        HazelcastInstance member = startMember(gridPort);
        final EdgeIngestConfig config = new EdgeIngestConfig();
        config.droneKeys = KEYS.toString();
        config.clusterName = CLUSTER;
        config.gridMembers = List.of("127.0.0.1:" + gridPort);
        config.nodeId = "ingest-outage";
        config.journalDir = journals.toString();
        config.endpoint = "127.0.0.1:" + ingestPort;
        config.statusPort = 0;
        try (EdgeIngest ingest = EdgeIngest.launch(config);
            AeronTransport sender = AeronTransport.launchEmbedded(null, "grid-outage-it-sender"))
        {
            final ExclusivePublication publication = sender.aeron().addExclusivePublication(
                AeronTransport.udpChannel("127.0.0.1:" + ingestPort), 1001);
            await().atMost(20, TimeUnit.SECONDS).until(publication::isConnected);

            send(publication, writer, buffer, 1, 1, 10.0);
            final HazelcastInstance original = member;
            await().atMost(15, TimeUnit.SECONDS).until(() -> FleetGrid.fleetMap(original).containsKey(1L));

            original.getLifecycleService().terminate();
            await().atMost(30, TimeUnit.SECONDS).until(() -> health(http, ingest, "/health/ready").statusCode() == 503);
            assertThat(health(http, ingest, "/health/ready").body()).contains("\"grid\":{\"healthy\":false");
            assertThat(health(http, ingest, "/health").statusCode()).as("/health is readiness").isEqualTo(503);
            final HttpResponse<String> live = health(http, ingest, "/health/live");
            assertThat(live.statusCode()).as(live.body()).isEqualTo(200);
            assertThat(live.body()).doesNotContain("grid");

            for (long seq = 2; seq <= 50; seq++)
            {
                send(publication, writer, buffer, 1, seq, 10.0 + seq);
                send(publication, writer, buffer, 2, seq, 20.0 + seq);
            }
            await().atMost(15, TimeUnit.SECONDS).until(() -> ingest.acceptedCount() == 99);
            assertThat(health(http, ingest, "/health/live").statusCode()).as("live through the outage").isEqualTo(200);

            member = startMember(gridPort);
            final HazelcastInstance restarted = member;
            await().atMost(60, TimeUnit.SECONDS).untilAsserted(() ->
            {
                final DroneState first = FleetGrid.fleetMap(restarted).get(1L);
                final DroneState second = FleetGrid.fleetMap(restarted).get(2L);
                assertThat(first).isNotNull();
                assertThat(second).isNotNull();
                assertThat(first.sequence()).isEqualTo(50);
                assertThat(first.latitude()).isEqualTo(60.0);
                assertThat(second.sequence()).isEqualTo(50);
            });
            await().atMost(30, TimeUnit.SECONDS).until(() -> health(http, ingest, "/health/ready").statusCode() == 200);
        }
        finally
        {
            member.shutdown();
        }
    }

    private static HazelcastInstance startMember(final int port)
    {
        return FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER, "127.0.0.1", port, List.of("127.0.0.1:" + port), 1));
    }

    private static void send(
        final ExclusivePublication publication, final TelemetryFrameWriter writer, final UnsafeBuffer buffer,
        final long drone, final long sequence, final double latitude)
    {
        final int length = writer.telemetry(buffer, 0, drone, sequence, System.currentTimeMillis() * 1_000_000L, latitude,
            13.4, 50f, 90f, 10f, 75f, DroneStatus.CRUISING, (byte)0, 0f);
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (publication.offer(buffer, 0, length) < 0)
        {
            assertThat(System.nanoTime()).as("offer within 5 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    static HttpResponse<String> health(final HttpClient http, final EdgeIngest ingest, final String path)
        throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ingest.statusPort() + path))
            .timeout(java.time.Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
