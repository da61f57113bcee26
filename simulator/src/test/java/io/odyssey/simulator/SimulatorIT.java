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
    @Test
    void shouldPublishValidTelemetryForEveryDroneShardedAcrossEndpointsWithGrowingSequences() throws Exception
    {
        final int basePort = 30_000 + (int)(Math.random() * 20_000);
        final List<String> endpoints = List.of("127.0.0.1:" + basePort, "127.0.0.1:" + (basePort + 1));
        try (AeronTransport receiver = AeronTransport.launchEmbedded(null, "simulator-it-receiver"))
        {
            final Subscription first = receiver.aeron().addSubscription(AeronTransport.udpChannel(endpoints.get(0)), 1001);
            final Subscription second = receiver.aeron().addSubscription(AeronTransport.udpChannel(endpoints.get(1)), 1001);
            final SimulatorConfig config = new SimulatorConfig();
            config.drones = 200;
            config.firstId = 1001;
            config.rateHz = 10;
            config.endpoints = endpoints;
            config.statusPort = 0;

            final Long2LongHashMap lastSequence = new Long2LongHashMap(-1);
            final Long2LongHashMap endpointOf = new Long2LongHashMap(-1);
            final TelemetryFrameReader reader = new TelemetryFrameReader();
            final long[] frames = {0, 0};
            try (Simulator simulator = Simulator.launch(config))
            {
                final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while ((lastSequence.size() < 200 || frames[0] + frames[1] < 4_000) && System.nanoTime() < deadline)
                {
                    int work = 0;
                    for (int e = 0; e < 2; e++)
                    {
                        final int endpoint = e;
                        work += (e == 0 ? first : second).poll((buffer, offset, length, header) ->
                        {
                            final int kind = reader.read(buffer, offset, length);
                            assertThat(kind).as("frame rejected: %s", reader.rejectReason())
                                .isNotEqualTo(TelemetryFrameReader.REJECTED);
                            if (kind != TelemetryFrameReader.TELEMETRY)
                            {
                                return;
                            }
                            final long drone = reader.telemetry().droneId();
                            final long sequence = reader.telemetry().sequence();
                            assertThat(sequence).as("drone %d", drone).isGreaterThan(lastSequence.get(drone));
                            lastSequence.put(drone, sequence);
                            final long previousEndpoint = endpointOf.put(drone, endpoint);
                            assertThat(previousEndpoint == -1 || previousEndpoint == endpoint)
                                .as("drone %d heard on one endpoint only", drone).isTrue();
                            frames[endpoint]++;
                        }, 256);
                    }
                    if (work == 0)
                    {
                        Thread.onSpinWait();
                    }
                }
                assertThat(simulator.framesSent()).isGreaterThan(0);
            }
            assertThat(lastSequence.size()).as("drones heard").isEqualTo(200);
            for (long drone = 1001; drone <= 1200; drone++)
            {
                assertThat(endpointOf.get(drone)).as("shard of drone %d", drone).isEqualTo(drone % 2);
            }
            assertThat(frames[0]).isPositive();
            assertThat(frames[1]).isPositive();
        }
    }
}
