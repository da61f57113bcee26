package io.odyssey.gateway;

import io.undertow.websockets.core.WebSocketChannel;

/**
 * {@code /ws/alerts}: active alerts and their raises and clears only, no drones; for tools such as
 * {@code odyssey-cli alerts watch}. The same messages as on {@code /ws/fleet} (docs/api/websocket.md); of a client's
 * messages only {@code ping} means something here.
 */
final class AlertSocket implements SocketEndpoint.Handler
{
    private final AlertsFeed alerts;
    private final GatewayMetrics metrics;

    AlertSocket(final AlertsFeed alerts, final GatewayMetrics metrics)
    {
        this.alerts = alerts;
        this.metrics = metrics;
    }

    public void opened(final ClientSession session, final WebSocketChannel channel)
    {
        alerts.add(session);
    }

    public void closed(final ClientSession session)
    {
        alerts.remove(session);
    }

    public boolean message(final ClientSession session, final ClientRequest request)
    {
        SocketEndpoint.onlyPing(session, request, metrics, "/ws/alerts");
        return true;
    }
}
