package io.odyssey.ingest;

import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.status.ChannelEndpointStatus;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.runtime.Component;
import io.odyssey.runtime.Health;
import io.odyssey.runtime.HealthCheck;
import io.odyssey.runtime.RateLimitedLog;
import org.agrona.CloseHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * The node's embedded media driver and the UDP subscription drones send telemetry to. The command relay publishes
 * through the same driver, so it stops before this part does.
 */
final class TelemetryEndpoint implements Component
{
    private static final Logger LOG = LoggerFactory.getLogger(TelemetryEndpoint.class);
    private final RateLimitedLog refusedLog = new RateLimitedLog(LOG, TimeUnit.MINUTES.toNanos(1));
    /** Images to refuse: found by the client conductor's callback, which may not call back into the client. */
    private final Queue<Image> toRefuse = new ConcurrentLinkedQueue<>();
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
        subscription = transport.aeron().addSubscription(
            AeronTransport.udpChannel(config.endpoint), config.streamId, this::onAvailableImage, image -> { });
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

    /**
     * The driver opens an image at the term length a sender's SETUP names (up to 1 GiB, a log three times that) for
     * anyone who reaches the port, and writes the DATA that follows into it before any frame is read, let alone its
     * signature checked: one datagram and a stream of junk could fill the node's {@code /dev/shm} (memory) at the
     * sender's pace. Our senders use {@link AeronTransport#TERM_LENGTH}; an image with a larger term is refused, so
     * the driver takes none of its data from then on (its sparse log stays untouched) and drops it at the image
     * liveness timeout. Runs on the client conductor's thread, which may not call into the client: {@link #poll}
     * refuses it.
     */
    private void onAvailableImage(final Image image)
    {
        if (image.termBufferLength() > AeronTransport.TERM_LENGTH)
        {
            toRefuse.add(image);
        }
    }

    /**
     * The telemetry source of the ingest agent: refuses the images {@link #onAvailableImage} found, then polls. The
     * queue is empty but for a forged sender's first moment, so a poll costs one volatile read more, nothing allocated.
     */
    int poll(final FragmentHandler handler, final int fragmentLimit)
    {
        if (!toRefuse.isEmpty())
        {
            refuseQueued();
        }
        return subscription.poll(handler, fragmentLimit);
    }

    private void refuseQueued()
    {
        Image image;
        while ((image = toRefuse.poll()) != null)
        {
            if (!image.isClosed())
            {
                image.reject("term length above " + AeronTransport.TERM_LENGTH);
            }
            metrics.aeronImagesRefused.increment();
            refusedLog.warn(System.nanoTime(), "refused a telemetry sender (Aeron image) naming a term length above " +
                "ours (its data is not taken): {}",
                image.sourceIdentity() + " session " + image.sessionId() + " term " + image.termBufferLength());
        }
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
