package io.odyssey.gateway;

import io.undertow.websockets.core.WebSocketChannel;

/**
 * {@code /ws/fleet}: greets with {@code hello} (announcing flow control), registers the client with the fleet feed
 * (which sends the first snapshot, binary for an {@code odyssey.bin.v1} client) and the alerts feed, and handles what
 * clients send (subscribe, ping, flow, ack). Anything it cannot use gets an
 * {@code error} message and the connection stays open (the bounds on client messages are {@link SocketEndpoint}'s).
 */
final class FleetSocket implements SocketEndpoint.Handler
{
    static final int PROTOCOL_VERSION = 1;

    private final FleetFeed feed;
    private final AlertsFeed alerts;
    private final GatewayMetrics metrics;
    private final GatewayConfig config;

    FleetSocket(final FleetFeed feed, final AlertsFeed alerts, final GatewayMetrics metrics, final GatewayConfig config)
    {
        this.feed = feed;
        this.alerts = alerts;
        this.metrics = metrics;
        this.config = config;
    }

    public void opened(final ClientSession session, final WebSocketChannel channel)
    {
        session.reply("{\"type\":\"hello\",\"protocol\":" + PROTOCOL_VERSION + ",\"coalesceMs\":" + config.coalesceMs +
            ",\"serverTimeMs\":" + System.currentTimeMillis() + ",\"flow\":{\"maxWindow\":" + ClientSession.MAX_WINDOW + "}}");
        feed.add(session);
        alerts.add(session);
    }

    public void closed(final ClientSession session)
    {
        feed.remove(session);
        alerts.remove(session);
    }

    /**
     * Acts on one complete message from a client; called on the connection's I/O thread. An ack that advances is free;
     * one that changes nothing (a repeat, a frame not sent yet) costs the client's allowance like any other message,
     * and an ack of a frame not sent yet is answered with {@code BAD_ACK} at most once a second (each counted).
     */
    public boolean message(final ClientSession session, final ClientRequest request)
    {
        switch (request.kind())
        {
            case SUBSCRIBE -> feed.subscribe(session, request.bbox());
            case PING -> SocketEndpoint.pong(session);
            case FLOW -> feed.flow(session, (int)request.number());
            case ACK ->
            {
                final ClientSession.Ack ack = feed.ack(session, request.number());
                if (ack == ClientSession.Ack.ADVANCED)
                {
                    return false;
                }
                if (ack == ClientSession.Ack.UNSENT)
                {
                    badAck(session, "ack of frame " + request.number() + ", which was not sent yet");
                }
            }
            case ERROR ->
            {
                if (ClientRequest.BAD_ACK.equals(request.errorCode()))
                {
                    badAck(session, request.errorMessage());
                }
                else
                {
                    SocketEndpoint.error(session, metrics, request.errorCode(), request.errorMessage());
                }
            }
        }
        return true;
    }

    private void badAck(final ClientSession session, final String message)
    {
        if (session.badAckAnswers.due(System.nanoTime()))
        {
            SocketEndpoint.error(session, metrics, ClientRequest.BAD_ACK, message);
        }
        else
        {
            metrics.clientError(ClientRequest.BAD_ACK);
        }
    }
}
