package io.odyssey.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.odyssey.runtime.Json;
import io.undertow.websockets.WebSocketConnectionCallback;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedBinaryMessage;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.spi.WebSocketHttpExchange;
import org.agrona.concurrent.EpochNanoClock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * {@code /ws/fleet}: accepts connections, sends hello and the first snapshot, and handles what clients send
 * (subscribe, ping). Anything it cannot use gets an {@code error} message and the connection stays open.
 */
final class FleetSocket implements WebSocketConnectionCallback
{
    static final int PROTOCOL_VERSION = 1;
    private static final Logger LOG = LoggerFactory.getLogger(FleetSocket.class);
    private static final JsonFactory JSON = new JsonFactory();

    private final FleetFeed feed;
    private final GatewayMetrics metrics;
    private final EpochNanoClock clock;
    private final GatewayConfig config;

    FleetSocket(final FleetFeed feed, final GatewayMetrics metrics, final EpochNanoClock clock, final GatewayConfig config)
    {
        this.feed = feed;
        this.metrics = metrics;
        this.clock = clock;
        this.config = config;
    }

    public void onConnect(final WebSocketHttpExchange exchange, final WebSocketChannel channel)
    {
        metrics.connections.increment();
        final ClientSession session = new ClientSession(channel, metrics, config.maxPendingBytes,
            TimeUnit.MILLISECONDS.toNanos(config.stallTimeoutMs));
        session.send("{\"type\":\"hello\",\"protocol\":" + PROTOCOL_VERSION + ",\"coalesceMs\":" + config.coalesceMs +
            ",\"serverTimeMs\":" + System.currentTimeMillis() + "}");
        feed.add(session);
        session.subscribe(null, feed.fleet(), clock);
        channel.addCloseTask(closed -> feed.remove(session));
        channel.getReceiveSetter().set(new AbstractReceiveListener()
        {
            protected long getMaxTextBufferSize()
            {
                // Accept somewhat more than the limit so an oversized message can be answered, not just dropped.
                return config.maxMessageBytes * 4L;
            }

            protected long getMaxBinaryBufferSize()
            {
                return config.maxMessageBytes;
            }

            protected void onFullTextMessage(final WebSocketChannel channel, final BufferedTextMessage message)
            {
                handleText(session, message.getData());
            }

            protected void onFullBinaryMessage(final WebSocketChannel channel, final BufferedBinaryMessage message)
            {
                message.getData().free();
                error(session, "BAD_JSON", "binary messages are not supported; send JSON text");
            }

            protected void onError(final WebSocketChannel channel, final Throwable error)
            {
                LOG.debug("client connection error: {}", error.toString());
                super.onError(channel, error);
            }
        });
        channel.resumeReceives();
    }

    void handleText(final ClientSession session, final String text)
    {
        if (text.length() > config.maxMessageBytes)
        {
            error(session, "TOO_LARGE", "message exceeds " + config.maxMessageBytes + " bytes");
            return;
        }
        String type = null;
        boolean hasBox = false;
        double[] box = null;
        try (JsonParser parser = JSON.createParser(text))
        {
            if (parser.nextToken() != JsonToken.START_OBJECT)
            {
                error(session, "BAD_JSON", "expected a JSON object");
                return;
            }
            while (parser.nextToken() == JsonToken.FIELD_NAME)
            {
                final String field = parser.currentName();
                final JsonToken value = parser.nextToken();
                if ("type".equals(field) && value == JsonToken.VALUE_STRING)
                {
                    type = parser.getText();
                }
                else if ("bbox".equals(field))
                {
                    hasBox = true;
                    if (value == JsonToken.START_ARRAY)
                    {
                        box = readBox(parser);
                        if (box == null)
                        {
                            error(session, "BAD_BBOX", "bbox must be [west, south, east, north] in degrees, or null");
                            return;
                        }
                    }
                    else if (value != JsonToken.VALUE_NULL)
                    {
                        error(session, "BAD_BBOX", "bbox must be [west, south, east, north] in degrees, or null");
                        return;
                    }
                }
                else
                {
                    parser.skipChildren();
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            error(session, "BAD_JSON", "not valid JSON");
            return;
        }

        if ("subscribe".equals(type))
        {
            if (!hasBox)
            {
                error(session, "BAD_BBOX", "subscribe needs a bbox: [west, south, east, north] or null");
                return;
            }
            final BoundingBox bbox;
            try
            {
                bbox = box == null ? null : new BoundingBox(box[0], box[1], box[2], box[3]);
            }
            catch (final IllegalArgumentException ex)
            {
                error(session, "BAD_BBOX", ex.getMessage());
                return;
            }
            session.subscribe(bbox, feed.fleet(), clock);
        }
        else if ("ping".equals(type))
        {
            session.send("{\"type\":\"pong\",\"serverTimeMs\":" + System.currentTimeMillis() + "}");
        }
        else
        {
            error(session, "UNKNOWN_TYPE", type == null ? "missing \"type\"" : "unknown type '" + type + "'");
        }
    }

    private static double[] readBox(final JsonParser parser) throws IOException
    {
        final double[] box = new double[4];
        int count = 0;
        JsonToken token;
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY)
        {
            if ((token != JsonToken.VALUE_NUMBER_INT && token != JsonToken.VALUE_NUMBER_FLOAT) || count == 4)
            {
                parser.skipChildren();
                return null;
            }
            box[count++] = parser.getDoubleValue();
        }
        return count == 4 ? box : null;
    }

    private void error(final ClientSession session, final String code, final String message)
    {
        metrics.clientError(code);
        session.send("{\"type\":\"error\",\"code\":\"" + code + "\",\"message\":\"" + Json.escape(message) + "\"}");
    }
}
