package io.odyssey.ingest;

import io.aeron.Subscription;
import io.aeron.driver.MediaDriver;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.aeron.status.ChannelEndpointStatus;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.runtime.Component;
import io.odyssey.runtime.Health;
import io.odyssey.runtime.HealthCheck;
import org.agrona.CloseHelper;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

import java.util.function.Consumer;

/**
 * The node's embedded media driver and the UDP subscription drones send telemetry to, with the {@link ImageAdmission}
 * that decides which senders it keeps. The command relay publishes through the same driver, so it stops before this
 * part does.
 */
final class TelemetryEndpoint implements Component, FrameSource
{
    private final EdgeIngestConfig config;
    private final IngestMetrics metrics;
    private final NanoClock clock;
    private final Consumer<MediaDriver.Context> driverTuning;
    private ImageAdmission admission;
    private AeronTransport transport;
    private Subscription subscription;

    TelemetryEndpoint(final EdgeIngestConfig config, final IngestMetrics metrics)
    {
        this(config, metrics, SystemNanoClock.INSTANCE);
    }

    /** @param clock the time senders' deadlines for a first signed frame are kept on (a test's, to step it). */
    TelemetryEndpoint(final EdgeIngestConfig config, final IngestMetrics metrics, final NanoClock clock)
    {
        this(config, metrics, clock, driver -> { });
    }

    /**
     * @param driverTuning what a test sets on the media driver after ingest's own settings (a small error log, to see
     *                     what happens once it is full without forging a few MiB of distinct errors first).
     */
    TelemetryEndpoint(final EdgeIngestConfig config, final IngestMetrics metrics, final NanoClock clock,
        final Consumer<MediaDriver.Context> driverTuning)
    {
        this.config = config;
        this.metrics = metrics;
        this.clock = clock;
        this.driverTuning = driverTuning;
    }

    public String name()
    {
        return "aeron";
    }

    public void start()
    {
        admission = new ImageAdmission(config.maxImages, config.maxImagesPerSource, config.imageFirstFrameNanos(), clock,
            metrics);
        admission.start();
        try
        {
            // The driver maps a log for every session whose SETUP reaches it, refused or not: past the senders we take
            // and room for the refused ones it still has, it ignores new SETUPs (ImageAdmission.REFUSED_IMAGE_ROOM), each
            // an error of the driver's, counted and logged once a minute (odyssey_ingest_aeron_driver_errors_total).
            transport = AeronTransport.launchEmbedded(EdgeIngestConfig.AERON_DIR, config.aeronDir, "ingest",
                driver -> driverTuning.accept(driver.streamSessionLimit(streamSessionLimit(config.maxImages))
                    .errorHandler(metrics.aeronDriverErrors)));
            subscription = transport.aeron().addSubscription(AeronTransport.udpChannel(config.endpoint), config.streamId,
                admission::onAvailableImage, admission::onUnavailableImage);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(transport, admission);
            throw ex;
        }
        metrics.metrics.gauge("odyssey_ingest_aeron_images", "Connected senders (Aeron images)", subscription::imageCount);
        metrics.metrics.gauge("odyssey_ingest_aeron_images_unread", "Telemetry senders (Aeron images) the media " +
            "driver still has but ingest does not read: refused ones until Aeron drops them, about 10 s (at most " +
            "ODYSSEY_INGEST_MAX_IMAGES + " + ImageAdmission.REFUSED_IMAGE_ROOM + " images in all)",
            () -> Math.max(0, subscription.imageCount() - admission.readCount()));
        metrics.metrics.gauge("odyssey_ingest_aeron_images_taken", "Telemetry senders (Aeron images) holding a place " +
            "of ODYSSEY_INGEST_MAX_IMAGES (refused ones too, until Aeron drops them)", admission::taken);
    }

    public String describe()
    {
        return "telemetry on udp " + config.endpoint + " stream " + config.streamId + ", media driver in " +
            transport.directory() + ", at most " + config.maxImages + " senders (" + config.maxImagesPerSource +
            " per address), each to deliver a signed frame within " + config.imageFirstFrameS + " s";
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
     * The media driver's bound on the images of the telemetry stream: the senders a node takes and room for refused
     * ones it has not dropped yet. Also counts those that have sent no SETUP for a while (Aeron drops an image only
     * 10 s after its last packet), hence the room.
     */
    static int streamSessionLimit(final int maxImages)
    {
        return (int)Math.min(Integer.MAX_VALUE, (long)maxImages + ImageAdmission.REFUSED_IMAGE_ROOM);
    }

    /**
     * The telemetry source of the ingest agent: refuses the senders whose time for a first signed frame is up, then
     * polls the senders taken and not refused (never {@code Subscription.poll}, which reads refused images too until
     * Aeron drops them). Nothing allocated; two queue checks and a field read more than the polls while no sender is
     * waiting.
     */
    public int poll(final FragmentHandler handler, final int fragmentLimit)
    {
        admission.expire();
        return admission.poll(handler, fragmentLimit);
    }

    public void signedFrame(final Header header)
    {
        admission.signedFrame(header);
    }

    /** Senders holding a place of {@code ODYSSEY_INGEST_MAX_IMAGES}. */
    int sendersTaken()
    {
        return admission.taken();
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
        CloseHelper.closeAll(subscription, admission, transport);
    }
}
