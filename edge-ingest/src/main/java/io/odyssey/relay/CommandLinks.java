package io.odyssey.relay;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.exceptions.RegistrationException;
import io.odyssey.runtime.AeronTransport;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * How this ingest node reaches each drone it hears, and the Aeron publications that carry commands there. Two ways:
 * <ul>
 *   <li>the <b>response channel</b> of the image the drone's heartbeats arrive on (Aeron response channels): the drone
 *   opened it through this node's command control endpoint, so commands go back the way the drone's own packets came,
 *   from behind any NAT; the node needs to know no address of the drone;</li>
 *   <li>the <b>advertised endpoint</b> in the drone's heartbeats: a publication to that address, which only works when
 *   it is reachable from here (not behind NAT, or through a port forwarded to it).</li>
 * </ul>
 * The response channel wins whenever it is connected: it exists only because the drone asked for it, and it reaches the
 * drone by construction, while the advertised address is a claim the node cannot check. The advertised endpoint is
 * used while no response channel is connected (a drone that opens none, or one still connecting).
 * <p>
 * Publications are opened when a command first needs them, closed after {@link #IDLE_CLOSE_NS} unused, and there are
 * at most {@code maxPublications} (the least recently used is closed to make room): a flood of heartbeats naming new
 * endpoints or from new senders cannot exhaust the media driver's memory. Each uses Aeron's smallest term (64 KB, so
 * about 200 KB of the driver's directory, /dev/shm, per publication).
 * <p>
 * Threads: {@link #update} is called by the ingest thread (on a change only); everything else on the relay's thread.
 */
final class CommandLinks implements AutoCloseable
{
    static final long IDLE_CLOSE_NS = TimeUnit.MINUTES.toNanos(10);
    /** Images found to have no response channel, remembered so the driver is not asked again on every send. */
    static final int MAX_IMAGES_WITHOUT_RESPONSE = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(CommandLinks.class);

    /** What a send came to. */
    enum Sent
    {
        /** On the response channel of the drone's image. */
        RESPONSE,
        /** To the drone's advertised endpoint. */
        ADVERTISED,
        /** A link exists but took nothing (not connected yet, back pressure): try again later. */
        NOT_SENT,
        /** The drone gave no way to reach it. */
        NO_ROUTE
    }

    /** How a drone can be reached, as its latest heartbeat shows; 0 for what it does not offer. */
    record Route(long advertised, long imageId, String source)
    {
    }

    private static final class Link
    {
        final ExclusivePublication publication;
        final String description;
        long lastUsedNs;

        Link(final ExclusivePublication publication, final String description, final long nowNs)
        {
            this.publication = publication;
            this.description = description;
            this.lastUsedNs = nowNs;
        }
    }

    private final Aeron aeron;
    private final int streamId;
    private final String controlEndpoint;
    private final Map<Long, Route> routes = new ConcurrentHashMap<>();
    private final Map<Long, Link> responseLinks = new HashMap<>();
    private final Map<Long, Link> advertisedLinks = new HashMap<>();
    private final Map<Long, Boolean> imagesWithoutResponse = new LinkedHashMap<>(16, 0.75f, false)
    {
        protected boolean removeEldestEntry(final Map.Entry<Long, Boolean> eldest)
        {
            return size() > MAX_IMAGES_WITHOUT_RESPONSE;
        }
    };
    private final ExclusivePublication prototype;
    private final int maxPublications;

    /**
     * @param controlEndpoint this node's command control endpoint ({@code host:port}), or null/blank for none: then
     *                        only advertised endpoints are used. Bound here, so a taken port fails the start.
     * @param maxPublications most publications open at once.
     */
    CommandLinks(final Aeron aeron, final int streamId, final String controlEndpoint, final int maxPublications)
    {
        this.aeron = aeron;
        this.maxPublications = maxPublications;
        this.streamId = streamId;
        this.controlEndpoint = controlEndpoint == null || controlEndpoint.isBlank() ? null : controlEndpoint;
        this.prototype = this.controlEndpoint == null ? null : aeron.addExclusivePublication(
            AeronTransport.responsePublicationChannel(this.controlEndpoint, AeronTransport.PROTOTYPE_RESPONSE), streamId);
    }

    /** The drone's latest heartbeat: its advertised endpoint and the image it came in on. */
    void update(final long droneId, final int address, final int port, final long imageId, final String source)
    {
        final long advertised = port == 0 || address == 0 ? 0 : ((address & 0xFFFF_FFFFL) << 16) | port;
        if (advertised == 0 && (imageId == 0 || controlEndpoint == null))
        {
            routes.remove(droneId);
        }
        else
        {
            routes.put(droneId, new Route(advertised, controlEndpoint == null ? 0 : imageId, source));
        }
    }

    /** Drones this node has a way to reach. */
    int routeCount()
    {
        return routes.size();
    }

    boolean hasRoute(final long droneId)
    {
        return routes.containsKey(droneId);
    }

    /** Open publications, both kinds. */
    int openLinks()
    {
        return responseLinks.size() + advertisedLinks.size();
    }

    /** Offers a command frame on the drone's best link (see the class comment for which). */
    Sent send(final long droneId, final DirectBuffer buffer, final int length, final long nowNs)
    {
        final Route route = routes.get(droneId);
        if (route == null)
        {
            return Sent.NO_ROUTE;
        }
        final Link response = route.imageId() == 0 ? null : responseLink(route, nowNs);
        final Link advertised = route.advertised() == 0 ? null : advertisedLink(route.advertised(), nowNs);
        final Link link = response != null && response.publication.isConnected() ? response :
            advertised != null && advertised.publication.isConnected() ? advertised :
            response != null ? response : advertised;
        if (link == null)
        {
            return Sent.NO_ROUTE;
        }
        link.lastUsedNs = nowNs;
        if (link.publication.offer(buffer, 0, length) < 0)
        {
            return Sent.NOT_SENT;
        }
        return link == response ? Sent.RESPONSE : Sent.ADVERTISED;
    }

    /** Closes the publications no command has used for {@link #IDLE_CLOSE_NS}. */
    void closeIdle(final long nowNs)
    {
        closeIdle(responseLinks, nowNs);
        closeIdle(advertisedLinks, nowNs);
    }

    private static void closeIdle(final Map<Long, Link> links, final long nowNs)
    {
        for (final Iterator<Link> it = links.values().iterator(); it.hasNext(); )
        {
            final Link link = it.next();
            if (nowNs - link.lastUsedNs > IDLE_CLOSE_NS)
            {
                LOG.info("closing the idle command link {}", link.description);
                CloseHelper.quietClose(link.publication);
                it.remove();
            }
        }
    }

    private Link responseLink(final Route route, final long nowNs)
    {
        final Link existing = responseLinks.get(route.imageId());
        if (existing != null || imagesWithoutResponse.containsKey(route.imageId()))
        {
            return existing;
        }
        makeRoom();
        final String description = "on the response channel of " + route.source() + " (image " + route.imageId() + ")";
        try
        {
            final ExclusivePublication publication = aeron.addExclusivePublication(
                AeronTransport.responsePublicationChannel(controlEndpoint, String.valueOf(route.imageId())), streamId);
            LOG.info("opening a command link {} through {} (stream {})", description, controlEndpoint, streamId);
            final Link link = new Link(publication, description, nowNs);
            responseLinks.put(route.imageId(), link);
            return link;
        }
        catch (final RegistrationException ex)
        {
            // The sender opened no response channel (or its image is gone): its advertised endpoint it is.
            imagesWithoutResponse.put(route.imageId(), Boolean.TRUE);
            LOG.info("no response channel from {} (image {}): commands go to its advertised endpoint, if any ({})",
                route.source(), route.imageId(), ex.getMessage());
            return null;
        }
    }

    private Link advertisedLink(final long packed, final long nowNs)
    {
        final Link existing = advertisedLinks.get(packed);
        if (existing != null)
        {
            return existing;
        }
        makeRoom();
        final int address = (int)(packed >>> 16);
        final String endpoint = ((address >>> 24) & 0xFF) + "." + ((address >>> 16) & 0xFF) + "." +
            ((address >>> 8) & 0xFF) + "." + (address & 0xFF) + ":" + (int)(packed & 0xFFFF);
        LOG.info("opening a command link to the advertised endpoint {} (stream {})", endpoint, streamId);
        final Link link = new Link(aeron.addExclusivePublication(AeronTransport.commandChannel(endpoint), streamId),
            "to the advertised endpoint " + endpoint, nowNs);
        advertisedLinks.put(packed, link);
        return link;
    }

    /** At the bound, the least recently used publication goes (it is opened again if a command needs it). */
    private void makeRoom()
    {
        if (openLinks() < maxPublications)
        {
            return;
        }
        Map<Long, Link> from = null;
        Long oldestKey = null;
        long oldestNs = Long.MAX_VALUE;
        for (final Map<Long, Link> links : java.util.List.of(responseLinks, advertisedLinks))
        {
            for (final Map.Entry<Long, Link> entry : links.entrySet())
            {
                if (entry.getValue().lastUsedNs < oldestNs)
                {
                    oldestNs = entry.getValue().lastUsedNs;
                    oldestKey = entry.getKey();
                    from = links;
                }
            }
        }
        if (from != null)
        {
            final Link oldest = from.remove(oldestKey);
            LOG.warn("{} command links are open, the most allowed: closing the least recently used, {}",
                maxPublications, oldest.description);
            CloseHelper.quietClose(oldest.publication);
        }
    }

    public void close()
    {
        responseLinks.values().forEach(link -> CloseHelper.quietClose(link.publication));
        advertisedLinks.values().forEach(link -> CloseHelper.quietClose(link.publication));
        responseLinks.clear();
        advertisedLinks.clear();
        CloseHelper.quietClose(prototype);
    }
}
