package io.odyssey.gateway;

import io.undertow.websockets.WebSocketConnectionCallback;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.spi.WebSocketHttpExchange;


/**
 * {@code /ws/alerts}: active alerts and their raises and clears only, no drones; for tools such as
 * {@code odyssey-cli alerts watch}. The same messages as on {@code /ws/fleet} (docs/api/websocket.md).
 */
final class AlertSocket implements WebSocketConnectionCallback
{
    private final AlertsFeed alerts;
    private final GatewayMetrics metrics;
    private final GatewayConfig config;

    AlertSocket(final AlertsFeed alerts, final GatewayMetrics metrics, final GatewayConfig config)
    {
        this.alerts = alerts;
        this.metrics = metrics;
        this.config = config;
    }

    public void onConnect(final WebSocketHttpExchange exchange, final WebSocketChannel channel)
    {
        metrics.connections.increment();
        final ClientSession session = FleetSocket.session(channel, metrics, config);
        channel.addCloseTask(closed ->
        {
            session.close();
            alerts.remove(session);
        });
        alerts.add(session);
        if (!channel.isOpen())
        {
            session.close();
            alerts.remove(session);
            return;
        }
        // Nothing to receive; keep reading so pings are answered and a close frame is seen.
        channel.resumeReceives();
    }
}
