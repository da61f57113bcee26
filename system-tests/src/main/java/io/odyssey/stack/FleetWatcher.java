package io.odyssey.stack;

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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client of {@code /ws/fleet} that behaves like the dashboard (the JDK's WebSocket, the token as a subprotocol) and
 * keeps what a test asks about: the newest state of every drone, every sequence that did not grow, when the last
 * {@code changes} frame came and the longest silence between two of them.
 */
public final class FleetWatcher implements WebSocket.Listener, AutoCloseable
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<Long, JsonNode> drones = new ConcurrentHashMap<>();
    private final List<String> sequenceViolations = new CopyOnWriteArrayList<>();
    private final AtomicLong messages = new AtomicLong();
    private final StringBuilder partial = new StringBuilder();
    private volatile long lastChangesNs = System.nanoTime();
    private volatile long longestSilenceNs;
    private volatile String closed;
    private WebSocket socket;

    private FleetWatcher()
    {
    }

    /** Connects within 10 s; {@code token} may be null where anonymous viewers are allowed. */
    public static FleetWatcher connect(final int port, final String token) throws Exception
    {
        final FleetWatcher watcher = new FleetWatcher();
        final WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder()
            .connectTimeout(Duration.ofSeconds(10));
        if (token != null)
        {
            builder.subprotocols("odyssey.v1", "bearer." + token);
        }
        watcher.socket = builder.buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws/fleet"), watcher)
            .get(10, TimeUnit.SECONDS);
        return watcher;
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
        webSocket.request(1);
        return CompletableFuture.completedFuture(null);
    }

    public CompletionStage<?> onClose(final WebSocket webSocket, final int statusCode, final String reason)
    {
        closed = statusCode + " " + reason;
        return null;
    }

    public void onError(final WebSocket webSocket, final Throwable error)
    {
        // The JDK client reports a frame it refuses as a bare ProtocolException; what it refused is in the causes.
        final StringBuilder why = new StringBuilder(error.toString());
        for (Throwable cause = error.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause())
        {
            why.append(" <- ").append(cause);
        }
        closed = why.toString();
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
            sequenceViolations.add("invalid JSON from the gateway: " + text);
            return;
        }
        messages.incrementAndGet();
        final String type = message.path("type").asText();
        if ("snapshot".equals(type))
        {
            drones.clear();
        }
        if ("changes".equals(type))
        {
            final long now = System.nanoTime();
            longestSilenceNs = Math.max(longestSilenceNs, now - lastChangesNs);
            lastChangesNs = now;
        }
        for (final JsonNode drone : message.path("drones"))
        {
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
    }

    /** The newest state of each drone the gateway has told about. */
    public Map<Long, JsonNode> drones()
    {
        return drones;
    }

    /** Each drone's newest sequence number. */
    public Map<Long, Long> sequences()
    {
        final Map<Long, Long> sequences = new ConcurrentHashMap<>();
        drones.forEach((id, drone) -> sequences.put(id, drone.get("seq").asLong()));
        return sequences;
    }

    public List<String> sequenceViolations()
    {
        return sequenceViolations;
    }

    public long messages()
    {
        return messages.get();
    }

    /** The longest time between two {@code changes} frames (or since the last one) since the previous call, in ms. */
    public long takeLongestSilenceMs()
    {
        final long now = System.nanoTime();
        final long longest = Math.max(longestSilenceNs, now - lastChangesNs);
        longestSilenceNs = 0;
        return TimeUnit.NANOSECONDS.toMillis(longest);
    }

    /** Why the connection ended, or null while it is open. */
    public String closed()
    {
        return closed;
    }

    public void close()
    {
        socket.abort();
    }
}
