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
 * drone, and records every message and every sequence that did not grow. A client that offered {@code odyssey.bin.v1}
 * decodes the binary frames ({@link BinaryFleetFrame}) into {@link #binaryDrones}; each is also queued as a JSON
 * summary ({@code {"type":"snapshot"|"changes","binary":true,"frame":n,"drones":count}}) for {@link #await}.
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
    final Map<Long, BinaryFleetFrame.Drone> binaryDrones = new ConcurrentHashMap<>();
    /** The node table of a binary connection, as last sent. */
    volatile List<String> nodes = List.of();
    /** The number of the newest snapshot or changes frame received (0: none yet). */
    final java.util.concurrent.atomic.AtomicLong lastFrame = new java.util.concurrent.atomic.AtomicLong();
    /** Sizes of the fleet frames received, in bytes (UTF-8 for JSON). */
    final List<Integer> frameBytes = new CopyOnWriteArrayList<>();
    private final StringBuilder partial = new StringBuilder();
    private final java.io.ByteArrayOutputStream partialBinary = new java.io.ByteArrayOutputStream();
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
        return token == null ? offering(port, readLimit, path) : offering(port, readLimit, path, "odyssey.v1", "bearer." + token);
    }

    /** Connects offering these subprotocols, in this order (none: no Sec-WebSocket-Protocol header). */
    static FleetClient offering(final int port, final String path, final String... subprotocols) throws Exception
    {
        return offering(port, Integer.MAX_VALUE, path, subprotocols);
    }

    private static FleetClient offering(final int port, final int readLimit, final String path, final String... subprotocols)
        throws Exception
    {
        final FleetClient client = new FleetClient(readLimit);
        final WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (subprotocols.length > 0)
        {
            builder.subprotocols(subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
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

    public CompletionStage<?> onBinary(final WebSocket webSocket, final java.nio.ByteBuffer data, final boolean last)
    {
        final byte[] chunk = new byte[data.remaining()];
        data.get(chunk);
        partialBinary.writeBytes(chunk);
        if (last)
        {
            handle(BinaryFleetFrame.decode(partialBinary.toByteArray()), partialBinary.size());
            partialBinary.reset();
        }
        webSocket.request(1);
        return CompletableFuture.completedFuture(null);
    }

    private void handle(final BinaryFleetFrame frame, final int size)
    {
        final String type = frame.frameType() == 1 ? "snapshot" : "changes";
        typesReceived.add("binary-" + type);
        frameBytes.add(size);
        if (frame.frameType() == 1)
        {
            binaryDrones.clear();
        }
        else
        {
            changeFrames.incrementAndGet();
        }
        for (final BinaryFleetFrame.Drone drone : frame.drones())
        {
            dronesReceived.incrementAndGet();
            final BinaryFleetFrame.Drone previous = binaryDrones.put(drone.id(), drone);
            if (frame.frameType() == 2 && previous != null && drone.seq() <= previous.seq())
            {
                sequenceViolations.add("drone " + drone.id() + ": " + previous.seq() + " then " + drone.seq());
            }
        }
        frame.removed().forEach(binaryDrones::remove);
        lastFrame.set(frame.frame());
        messages.add(JSON.createObjectNode().put("type", type).put("binary", true).put("frame", frame.frame())
            .put("drones", frame.drones().size()));
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
        if ("nodes".equals(type))
        {
            final List<String> names = new java.util.ArrayList<>();
            message.get("nodes").forEach(name -> names.add(name.asText()));
            nodes = names;
        }
        if (message.has("frame"))
        {
            lastFrame.set(message.get("frame").asLong());
            frameBytes.add(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        }
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

    String subprotocol()
    {
        return socket.getSubprotocol();
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
