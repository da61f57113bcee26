package io.odyssey.simulator;

import io.aeron.Subscription;
import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.runtime.AeronTransport;
import org.agrona.collections.Long2LongHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A real simulator publishing over Aeron UDP on loopback to real subscriptions. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SimulatorIT
{
    private static final int DRONES = 200;
    private static final long FIRST_ID = 1001;

    private final TelemetryFrameReader reader = new TelemetryFrameReader();

    @Test
    void shouldPublishValidTelemetryForEveryDroneShardedAcrossEndpointsWithGrowingSequences() throws Exception
    {
        final List<String> endpoints = endpoints();
        try (AeronTransport receiver = AeronTransport.launchEmbedded(null, "simulator-it-receiver"))
        {
            final Subscription[] subscriptions = subscribe(receiver, endpoints);
            try (Simulator simulator = Simulator.launch(config(endpoints)))
            {
                // Until both subscriptions are connected drones may use the other endpoint (failover): let it settle.
                final Heard warmUp = new Heard();
                listen(subscriptions, warmUp, 2_000, Long.MAX_VALUE);

                final Heard heard = new Heard();
                listen(subscriptions, heard, 30_000, 4_000);
                assertThat(heard.lastSequence.size()).as("drones heard").isEqualTo(DRONES);
                for (long drone = FIRST_ID; drone < FIRST_ID + DRONES; drone++)
                {
                    assertThat(heard.endpointOf.get(drone)).as("shard of drone %d", drone).isEqualTo(drone % 2);
                }
                assertThat(heard.violations).isZero();
                assertThat(simulator.framesSent()).isPositive();
            }
        }
    }

    @Test
    void shouldMoveTheDronesOfAnEndpointThatStopsListeningToTheOthers() throws Exception
    {
        final List<String> endpoints = endpoints();
        try (AeronTransport receiver = AeronTransport.launchEmbedded(null, "simulator-it-failover"))
        {
            final Subscription[] subscriptions = subscribe(receiver, endpoints);
            try (Simulator simulator = Simulator.launch(config(endpoints)))
            {
                listen(subscriptions, new Heard(), 2_000, Long.MAX_VALUE);
                subscriptions[1].close();

                // Aeron notices the receiver is gone after its connection timeout (5 s); then endpoint 0 hears everyone.
                final long deadline = System.currentTimeMillis() + 30_000;
                Heard heard = new Heard();
                while (heard.lastSequence.size() < DRONES && System.currentTimeMillis() < deadline)
                {
                    heard = new Heard();
                    listen(new Subscription[]{subscriptions[0]}, heard, 2_000, Long.MAX_VALUE);
                }
                assertThat(heard.lastSequence.size()).as("drones heard on the surviving endpoint").isEqualTo(DRONES);
                assertThat(heard.violations).isZero();
            }
        }
    }

    private static List<String> endpoints()
    {
        final int basePort = 30_000 + (int)(Math.random() * 20_000);
        return List.of("127.0.0.1:" + basePort, "127.0.0.1:" + (basePort + 1));
    }

    private static Subscription[] subscribe(final AeronTransport receiver, final List<String> endpoints)
    {
        return new Subscription[]{
            receiver.aeron().addSubscription(AeronTransport.udpChannel(endpoints.get(0)), 1001),
            receiver.aeron().addSubscription(AeronTransport.udpChannel(endpoints.get(1)), 1001)};
    }

    private static SimulatorConfig config(final List<String> endpoints)
    {
        final SimulatorConfig config = new SimulatorConfig();
        config.drones = DRONES;
        config.firstId = FIRST_ID;
        config.rateHz = 10;
        config.endpoints = endpoints;
        config.statusPort = 0;
        return config;
    }

    /** What the receivers heard: last sequence and endpoint per drone, and sequences that did not grow. */
    private static final class Heard
    {
        final Long2LongHashMap lastSequence = new Long2LongHashMap(-1);
        final Long2LongHashMap endpointOf = new Long2LongHashMap(-1);
        long frames;
        long violations;
    }

    /** Polls until {@code millis} passed or {@code enoughFrames} were heard; asserts every frame is valid. */
    private void listen(final Subscription[] subscriptions, final Heard heard, final long millis, final long enoughFrames)
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (System.nanoTime() < deadline && (heard.frames < enoughFrames || heard.lastSequence.size() < DRONES))
        {
            int work = 0;
            for (int e = 0; e < subscriptions.length; e++)
            {
                final int endpoint = e;
                work += subscriptions[e].poll((buffer, offset, length, header) ->
                {
                    final int kind = reader.read(buffer, offset, length);
                    assertThat(kind).as("frame rejected: %s", reader.rejectReason()).isNotEqualTo(TelemetryFrameReader.REJECTED);
                    if (kind != TelemetryFrameReader.TELEMETRY)
                    {
                        return;
                    }
                    final long drone = reader.telemetry().droneId();
                    final long sequence = reader.telemetry().sequence();
                    if (sequence <= heard.lastSequence.get(drone))
                    {
                        heard.violations++;
                    }
                    heard.lastSequence.put(drone, sequence);
                    heard.endpointOf.put(drone, endpoint);
                    heard.frames++;
                }, 256);
            }
            if (work == 0)
            {
                Thread.onSpinWait();
            }
        }
    }
}
