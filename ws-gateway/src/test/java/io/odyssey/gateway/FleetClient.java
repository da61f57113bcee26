package io.odyssey.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real WebSocket client of {@code /ws/fleet} (the JDK's), as a browser would use it: keeps the newest state per
 * drone, and records every message and every sequence that did not grow.
 */
final class FleetClient implements WebSocket.Listener, AutoCloseable
{
    static final ObjectMapper JSON = new ObjectMapper();

    final LinkedBlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
    /** The type of every message received, in order (await() consumes messages, this keeps the record). */
    final List<String> typesReceived = new java.util.concurrent.CopyOnWriteArrayList<>();
    final Map<Long, JsonNode> drones = new ConcurrentHashMap<>();
    final List<String> sequenceViolations = new CopyOnWriteArrayList<>();
    final AtomicInteger changeFrames = new AtomicInteger();
    final AtomicInteger dronesReceived = new AtomicInteger();
    private final StringBuilder partial = new StringBuilder();
    private final int readLimit;
    private int read;
    private WebSocket socket;

    /** @param readLimit stop taking messages off the wire after this many (a client that stops reading). */
    private FleetClient(final int readLimit)
    {
        this.readLimit = readLimit;
    }

    static FleetClient connect(final int port) throws Exception
    {
        return connect(port, Integer.MAX_VALUE);
    }

    static FleetClient connect(final int port, final int readLimit) throws Exception
    {
        return connect(port, readLimit, "/ws/fleet");
    }

    static FleetClient connect(final int port, final int readLimit, final String path) throws Exception
    {
        return connect(port, readLimit, path, null);
    }

    /** @param token offered as the {@code bearer.} subprotocol (as the dashboard does), or null for none. */
    static FleetClient connect(final int port, final int readLimit, final String path, final String token) throws Exception
    {
        final FleetClient client = new FleetClient(readLimit);
        final WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (token != null)
        {
            builder.subprotocols("odyssey.v1", "bearer." + token);
        }
        client.socket = builder.buildAsync(URI.create("ws://127.0.0.1:" + port + path), client).get(10, TimeUnit.SECONDS);
        return client;
    }

    public void onOpen(final WebSocket webSocket)
    {
        webSocket.request(1);
    }

    public CompletionStage<?> onText(final WebSocket webSocket, final CharSequence data, final boolean last)
    {
        partial.append(data);
        if (last)
        {
            handle(partial.toString());
            partial.setLength(0);
        }
        if (++read < readLimit || !last)
        {
            webSocket.request(1);
        }
        return CompletableFuture.completedFuture(null);
    }

    private void handle(final String text)
    {
        final JsonNode message;
        try
        {
            message = JSON.readTree(text);
        }
        catch (final Exception ex)
        {
            throw new IllegalStateException("gateway sent invalid JSON: " + text, ex);
        }
        final String type = message.path("type").asText();
        typesReceived.add(type);
        if ("snapshot".equals(type))
        {
            drones.clear();
        }
        if ("changes".equals(type))
        {
            changeFrames.incrementAndGet();
        }
        for (final JsonNode drone : message.path("drones"))
        {
            dronesReceived.incrementAndGet();
            final long id = drone.get("id").asLong();
            final JsonNode previous = drones.put(id, drone);
            if ("changes".equals(type) && previous != null && drone.get("seq").asLong() <= previous.get("seq").asLong())
            {
                sequenceViolations.add("drone " + id + ": " + previous.get("seq") + " then " + drone.get("seq"));
            }
        }
        for (final JsonNode removed : message.path("removed"))
        {
            drones.remove(removed.asLong());
        }
        messages.add(message);
    }

    void send(final String text) throws Exception
    {
        socket.sendText(text, true).get(5, TimeUnit.SECONDS);
    }

    void sendBinary(final byte[] data) throws Exception
    {
        socket.sendBinary(java.nio.ByteBuffer.wrap(data), true).get(5, TimeUnit.SECONDS);
    }

    /** Waits for the next message matching {@code filter}, discarding the others. */
    JsonNode await(final Predicate<JsonNode> filter, final long timeoutMs) throws InterruptedException
    {
        final long deadline = System.currentTimeMillis() + timeoutMs;
        while (true)
        {
            final long left = deadline - System.currentTimeMillis();
            assertThat(left).as("a matching message within %d ms", timeoutMs).isPositive();
            final JsonNode message = messages.poll(left, TimeUnit.MILLISECONDS);
            if (message != null && filter.test(message))
            {
                return message;
            }
        }
    }

    JsonNode awaitType(final String type) throws InterruptedException
    {
        return await(m -> type.equals(m.path("type").asText()), 15_000);
    }

    boolean isOpen()
    {
        return !socket.isInputClosed() && !socket.isOutputClosed();
    }

    public void close()
    {
        socket.abort();
    }
}
