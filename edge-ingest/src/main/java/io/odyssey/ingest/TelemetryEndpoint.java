package io.odyssey.ingest;

import io.aeron.Subscription;
import io.aeron.status.ChannelEndpointStatus;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.runtime.Component;
import io.odyssey.runtime.Health;
import io.odyssey.runtime.HealthCheck;
import org.agrona.CloseHelper;

/**
 * The node's embedded media driver and the UDP subscription drones send telemetry to. The command relay publishes
 * through the same driver, so it stops before this part does.
 */
final class TelemetryEndpoint implements Component
{
    private final EdgeIngestConfig config;
    private final IngestMetrics metrics;
    private AeronTransport transport;
    private Subscription subscription;

    TelemetryEndpoint(final EdgeIngestConfig config, final IngestMetrics metrics)
    {
        this.config = config;
        this.metrics = metrics;
    }

    public String name()
    {
        return "aeron";
    }

    public void start()
    {
        transport = AeronTransport.launchEmbedded(EdgeIngestConfig.AERON_DIR, config.aeronDir, "ingest");
        subscription = transport.aeron().addSubscription(AeronTransport.udpChannel(config.endpoint), config.streamId);
        metrics.metrics.gauge("odyssey_ingest_aeron_images", "Connected senders (Aeron images)", subscription::imageCount);
    }

    public String describe()
    {
        return "telemetry on udp " + config.endpoint + " stream " + config.streamId + ", media driver in " +
            transport.directory();
    }

    /** DOWN unless the subscription's channel is bound and active. */
    public void health(final Health health)
    {
        health.ready("aeron", () ->
        {
            final long channelStatus = subscription.channelStatus();
            if (channelStatus != ChannelEndpointStatus.ACTIVE)
            {
                return HealthCheck.Result.down("udp " + config.endpoint + " not receiving: channel " +
                    ChannelEndpointStatus.status(channelStatus));
            }
            return HealthCheck.Result.up("udp " + config.endpoint + ", " + subscription.imageCount() + " sender(s)");
        });
    }

    AeronTransport transport()
    {
        return transport;
    }

    Subscription subscription()
    {
        return subscription;
    }

    public void stop()
    {
        CloseHelper.closeAll(subscription, transport);
    }
}
