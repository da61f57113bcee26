package io.odyssey.simulator;

import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.runtime.IdleStrategies;
import io.odyssey.testing.FailOnErrorLog;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongHashSet;
import org.agrona.concurrent.IdleStrategy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

/**
 * A real simulator (embedded driver, UDP publications) publishing over loopback to real Aeron subscriptions on a
 * second embedded driver, shared by the tests of this class.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SimulatorIT
{
    private static final int DRONES = 200;
    private static final long FIRST_ID = 1001;
    /** The drones' keys: every frame they send must verify under them (the reader below checks). */
    private static final java.nio.file.Path KEYS = io.odyssey.codecs.sign.TestDroneKeys.file(FIRST_ID, FIRST_ID + DRONES - 1);
    private static final int STREAM_ID = 1001;

    private static AeronTransport receiver;
    private static HttpClient http;

    private final List<Subscription> subscriptions = new ArrayList<>();
    private final IdleStrategy idle = IdleStrategies.backoff();

    @BeforeAll
    static void startReceiver()
    {
        receiver = AeronTransport.launchEmbedded(null, "simulator-it-receiver");
        http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stopReceiver()
    {
        CloseHelper.quietClose(receiver);
    }

    @Test
    void shouldDeliverValidFramesFromEveryDroneWithGrowingSequencesOnExactlyOneEndpoint() throws Exception
    {
        final List<String> endpoints = freeEndpoints(2);
        final Heard heard = new Heard(subscribe(endpoints));
        try (Simulator simulator = Simulator.launch(config(endpoints)))
        {
            await().atMost(Duration.ofSeconds(20)).until(() -> simulator.connectedEndpoints() == 2);
            // Until both endpoints were connected a drone may have used the other one (failover): drain that first.
            pollFor(heard, Duration.ofMillis(500));
            heard.startRecording();

            pollUntil(heard, () -> heard.droneCount() == DRONES && heard.frames >= 20L * DRONES &&
                heard.heartbeatDrones.size() == DRONES, Duration.ofSeconds(30));

            assertThat(heard.rejected).as("frames rejected by TelemetryFrameReader").isZero();
            assertThat(heard.notIncreasing).as("sequences that did not strictly increase").isZero();
            for (long drone = FIRST_ID; drone < FIRST_ID + DRONES; drone++)
            {
                assertThat(heard.endpointMask.get(drone)).as("endpoints that heard drone %d", drone)
                    .isEqualTo(1L << (drone % 2));
            }
            assertThat(heard.heartbeatDrones).hasSize(DRONES);
            assertThat(simulator.framesSent()).isGreaterThanOrEqualTo(heard.frames);
            assertThat(simulator.heartbeatsSent()).isPositive();
            assertThat(simulator.health().healthy()).isTrue();

            final HttpResponse<String> health = get(simulator, "/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\":\"UP\"", "2 connected");
            assertThat(get(simulator, "/metrics").body()).contains(
                "odyssey_sim_frames_sent_total{role=\"simulator\"}",
                "odyssey_sim_heartbeats_sent_total{role=\"simulator\"}",
                "odyssey_sim_frames_dropped_total{role=\"simulator\",cause=\"back_pressured\"}",
                "odyssey_sim_frames_dropped_total{role=\"simulator\",cause=\"not_connected\"}",
                "odyssey_sim_frames_dropped_total{role=\"simulator\",cause=\"admin_action\"}",
                "odyssey_sim_drones{role=\"simulator\"} 200",
                "odyssey_sim_endpoints_connected{role=\"simulator\"} 2");
        }
    }

    @Test
    void shouldReportDownAndKeepPublishingUntilTheIngestAppears() throws Exception
    {
        final List<String> endpoints = freeEndpoints(1);
        try (Simulator simulator = Simulator.launch(config(endpoints)))
        {
            await().atMost(Duration.ofSeconds(10)).until(() -> simulator.framesDropped(DropCause.NOT_CONNECTED) > DRONES);
            final HttpResponse<String> down = get(simulator, "/health");
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.body()).contains("\"status\":\"DOWN\"", "not connected: " + endpoints.get(0));
            assertThat(simulator.framesSent()).isZero();

            final Heard heard = new Heard(subscribe(endpoints));
            heard.startRecording();
            pollUntil(heard, () -> heard.droneCount() == DRONES && heard.frames >= 10L * DRONES, Duration.ofSeconds(30));

            assertThat(heard.rejected).isZero();
            assertThat(heard.notIncreasing).isZero();
            assertThat(heard.firstSequence.values()).as("drones flew (and counted) while nobody listened")
                .allSatisfy(first -> assertThat(first).isGreaterThan(1L));
            await().atMost(Duration.ofSeconds(10)).until(() -> get(simulator, "/health").statusCode() == 200);
            assertThat(simulator.connectedEndpoints()).isEqualTo(1);
        }
    }

    @Test
    void shouldMoveTheDronesOfAnEndpointThatStopsListeningToTheOthers() throws Exception
    {
        final List<String> endpoints = freeEndpoints(2);
        final Heard heard = new Heard(subscribe(endpoints));
        try (Simulator simulator = Simulator.launch(config(endpoints)))
        {
            await().atMost(Duration.ofSeconds(20)).until(() -> simulator.connectedEndpoints() == 2);
            pollFor(heard, Duration.ofMillis(500));
            subscriptions.get(1).close();

            // Aeron notices the receiver is gone after its connection timeout (~5 s); then endpoint 0 hears everyone.
            await().atMost(Duration.ofSeconds(30)).until(() -> simulator.connectedEndpoints() == 1);
            final Heard survivor = new Heard(List.of(subscriptions.get(0)));
            pollFor(survivor, Duration.ofMillis(500));
            survivor.startRecording();
            pollUntil(survivor, () -> survivor.droneCount() == DRONES, Duration.ofSeconds(30));

            assertThat(survivor.rejected).isZero();
            assertThat(survivor.notIncreasing).isZero();
            assertThat(simulator.health().healthy()).isFalse();
            assertThat(simulator.health().detail()).contains(endpoints.get(1));
        }
    }

    private List<Subscription> subscribe(final List<String> endpoints)
    {
        for (final Subscription subscription : subscriptions)
        {
            subscription.close();
        }
        subscriptions.clear();
        for (final String endpoint : endpoints)
        {
            subscriptions.add(receiver.aeron().addSubscription(AeronTransport.udpChannel(endpoint), STREAM_ID));
        }
        return List.copyOf(subscriptions);
    }

    @AfterEach
    void closeSubscriptions()
    {
        CloseHelper.quietCloseAll(subscriptions);
        subscriptions.clear();
    }

    private static SimulatorConfig config(final List<String> endpoints)
    {
        final SimulatorConfig config = new SimulatorConfig();
        config.drones = DRONES;
        config.firstId = FIRST_ID;
        config.rateHz = 10;
        config.endpoints = endpoints;
        config.streamId = STREAM_ID;
        config.statusHost = "127.0.0.1";
        config.statusPort = 0;
        // Any free port: a fixed default would collide with a simulator already running on this machine.
        config.commandEndpoint = "127.0.0.1:0";
        config.droneKeys = KEYS.toString();
        return config;
    }

    /** Loopback UDP ports free right now (bound and released), so parallel builds do not collide. */
    private static List<String> freeEndpoints(final int count) throws IOException
    {
        final List<DatagramSocket> sockets = new ArrayList<>();
        try
        {
            final List<String> endpoints = new ArrayList<>();
            for (int i = 0; i < count; i++)
            {
                final DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress());
                sockets.add(socket);
                endpoints.add("127.0.0.1:" + socket.getLocalPort());
            }
            return endpoints;
        }
        finally
        {
            sockets.forEach(DatagramSocket::close);
        }
    }

    private static HttpResponse<String> get(final Simulator simulator, final String path) throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + simulator.statusPort() + path))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private void pollFor(final Heard heard, final Duration duration)
    {
        final long deadline = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < deadline)
        {
            idle.idle(heard.poll());
        }
    }

    private void pollUntil(final Heard heard, final BooleanSupplier done, final Duration timeout)
    {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean())
        {
            if (System.nanoTime() > deadline)
            {
                fail("timed out after %s: heard %d drones, %d frames, heartbeats from %d drones",
                    timeout, heard.droneCount(), heard.frames, heard.heartbeatDrones.size());
            }
            idle.idle(heard.poll());
        }
    }

    /**
     * What the receivers heard. Every frame is decoded and validated and per-drone sequences must strictly increase
     * from the first poll; drone counts, endpoints and heartbeats are only recorded after {@link #startRecording()}.
     */
    private static final class Heard
    {
        private final TelemetryFrameReader reader = new TelemetryFrameReader()
            .verifier(io.odyssey.codecs.sign.TestDroneKeys.verifier(KEYS));
        private final List<Subscription> subscriptions;
        private final FragmentHandler[] handlers;
        final Long2LongHashMap lastSequence = new Long2LongHashMap(-1);
        final Long2LongHashMap firstSequence = new Long2LongHashMap(-1);
        final Long2LongHashMap endpointMask = new Long2LongHashMap(0);
        final LongHashSet heartbeatDrones = new LongHashSet();
        boolean recording;
        long frames;
        long rejected;
        long notIncreasing;

        Heard(final List<Subscription> subscriptions)
        {
            this.subscriptions = subscriptions;
            handlers = new FragmentHandler[subscriptions.size()];
            for (int i = 0; i < handlers.length; i++)
            {
                final int endpoint = i;
                handlers[i] = (buffer, offset, length, header) -> onFrame(endpoint, buffer, offset, length);
            }
        }

        void startRecording()
        {
            recording = true;
            lastSequence.clear();
            frames = 0;
        }

        int droneCount()
        {
            return lastSequence.size();
        }

        int poll()
        {
            int work = 0;
            for (int i = 0; i < handlers.length; i++)
            {
                work += subscriptions.get(i).poll(handlers[i], 256);
            }
            return work;
        }

        private void onFrame(final int endpoint, final DirectBuffer buffer, final int offset, final int length)
        {
            final int kind = reader.read(buffer, offset, length);
            if (kind == TelemetryFrameReader.REJECTED)
            {
                rejected++;
                return;
            }
            if (kind == TelemetryFrameReader.HEARTBEAT)
            {
                if (recording)
                {
                    heartbeatDrones.add(reader.heartbeat().droneId());
                }
                return;
            }
            final long drone = reader.telemetry().droneId();
            final long sequence = reader.telemetry().sequence();
            if (sequence <= lastSequence.get(drone) && recording)
            {
                notIncreasing++;
            }
            lastSequence.put(drone, Math.max(sequence, lastSequence.get(drone)));
            if (recording)
            {
                if (firstSequence.get(drone) < 0)
                {
                    firstSequence.put(drone, sequence);
                }
                endpointMask.put(drone, endpointMask.get(drone) | (1L << endpoint));
                frames++;
            }
        }
    }
}
