package io.odyssey.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.undertow.Handlers;
import io.undertow.Undertow;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.PathHandler;
import io.undertow.util.HttpString;
import io.undertow.websockets.WebSocketConnectionCallback;
import io.undertow.websockets.WebSocketProtocolHandshakeHandler;
import io.undertow.websockets.core.AbstractReceiveListener;
import io.undertow.websockets.core.BufferedTextMessage;
import io.undertow.websockets.core.WebSocketChannel;
import io.undertow.websockets.core.WebSockets;
import io.undertow.websockets.core.protocol.version13.Hybi13Handshake;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The gateway as the contract describes it (docs/api/commands.md, websocket.md), in-process on a loopback port: HTTP
 * routes answer canned JSON and record every request; WebSocket paths run a script on each connection and record the
 * handshake and what the client sends. HTTP and WebSocket share the port, as the CLI derives one from the other (the
 * JDK's HttpServer cannot upgrade to WebSocket, so this is Undertow, as in the real gateway).
 */
final class FakeGateway implements AutoCloseable
{
    static final ObjectMapper JSON = new ObjectMapper();

    /** One HTTP request as the gateway saw it. */
    record Request(String method, String path, String query, Map<String, String> headers, String body)
    {
        JsonNode json()
        {
            try
            {
                return JSON.readTree(body);
            }
            catch (final IOException ex)
            {
                throw new AssertionError("not JSON: " + body, ex);
            }
        }

        String header(final String name)
        {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    record Response(int status, String body)
    {
    }

    /** One WebSocket connection: what the client offered in its handshake, what it sent, and a way to push to it. */
    static final class Session
    {
        final Map<String, String> headers;
        final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
        /** The status code of the close the client sent, once it sent one. */
        final java.util.concurrent.CompletableFuture<Integer> closedByClient = new java.util.concurrent.CompletableFuture<>();
        private final WebSocketChannel channel;

        Session(final Map<String, String> headers, final WebSocketChannel channel)
        {
            this.headers = headers;
            this.channel = channel;
        }

        void close()
        {
            WebSockets.sendClose(1008, "too slow", channel, null);
        }

        void send(final String text)
        {
            try
            {
                WebSockets.sendTextBlocking(text, channel);
            }
            catch (final IOException ex)
            {
                throw new IllegalStateException(ex);
            }
        }
    }

    private Undertow server;
    private final int port;
    private final PathHandler paths;
    private final Map<String, Function<Request, Response>> routes = new ConcurrentHashMap<>();
    final List<Request> requests = new CopyOnWriteArrayList<>();
    final LinkedBlockingQueue<Session> sessions = new LinkedBlockingQueue<>();
    private final Map<String, List<Session>> open = new ConcurrentHashMap<>();
    private volatile String requiredToken;

    FakeGateway()
    {
        paths = Handlers.path(new Routes());
        server = Undertow.builder().addHttpListener(0, "127.0.0.1").setHandler(paths).build();
        server.start();
        port = ((InetSocketAddress)server.getListenerInfo().get(0).getAddress()).getPort();
    }

    String url()
    {
        return "http://127.0.0.1:" + port;
    }

    /** Answers {@code METHOD path} (no query) with a status and a JSON body. */
    FakeGateway answer(final String method, final String path, final int status, final String body)
    {
        return answer(method, path, request -> new Response(status, body));
    }

    FakeGateway answer(final String method, final String path, final Function<Request, Response> handler)
    {
        routes.put(method + " " + path, handler);
        return this;
    }

    /** From now on, requests without {@code Authorization: Bearer <token>} (or the subprotocol) get 401. */
    FakeGateway requireToken(final String token)
    {
        requiredToken = token;
        return this;
    }

    /** A WebSocket at {@code path}; {@code onConnect} runs on each connection (the script of what to send). */
    FakeGateway feed(final String path, final Consumer<Session> onConnect)
    {
        final WebSocketProtocolHandshakeHandler websocket = new WebSocketProtocolHandshakeHandler(
            List.of(new Hybi13Handshake(Set.of(GatewayOptions.SUBPROTOCOL), false)), (WebSocketConnectionCallback)(exchange, channel) ->
            {
                final Session session = new Session(new TreeMap<>(Map.of("sec-websocket-protocol",
                    String.valueOf(exchange.getRequestHeader("Sec-WebSocket-Protocol")))), channel);
                channel.getReceiveSetter().set(new AbstractReceiveListener()
                {
                    protected void onFullTextMessage(final WebSocketChannel c, final BufferedTextMessage message)
                    {
                        session.received.add(message.getData());
                    }

                    protected void onCloseMessage(final io.undertow.websockets.core.CloseMessage message,
                        final WebSocketChannel c)
                    {
                        session.closedByClient.complete(message.getCode());
                    }
                });
                channel.resumeReceives();
                open.computeIfAbsent(path, p -> new CopyOnWriteArrayList<>()).add(session);
                sessions.add(session);
                onConnect.accept(session);
            });
        paths.addExactPath(path, exchange ->
        {
            final String token = requiredToken;
            final String offered = exchange.getRequestHeaders().getFirst("Sec-WebSocket-Protocol");
            if (token != null && (offered == null || !List.of(offered.split("\\s*,\\s*")).contains("bearer." + token)))
            {
                problem(exchange, 401, "Unauthorized", "a valid bearer token is required");
                return;
            }
            websocket.handleRequest(exchange);
        });
        return this;
    }

    /** Sends a message to every client connected to {@code path}. */
    void broadcast(final String path, final String text)
    {
        open.getOrDefault(path, List.of()).forEach(session -> session.send(text));
    }

    List<Request> requests(final String method, final String path)
    {
        return requests.stream().filter(r -> r.method.equals(method) && r.path.equals(path)).toList();
    }

    Request last(final String method, final String path)
    {
        final List<Request> matching = requests(method, path);
        if (matching.isEmpty())
        {
            throw new AssertionError("no " + method + " " + path + " among " + requests);
        }
        return matching.get(matching.size() - 1);
    }

    /** Goes away as a restarting gateway does: the port refuses connections and open WebSockets are cut. */
    void stop()
    {
        server.stop();
    }

    /** Comes back on the same port with the same routes and feeds (after {@link #stop()}). */
    void start()
    {
        server = Undertow.builder().addHttpListener(port, "127.0.0.1").setHandler(paths).build();
        server.start();
    }

    public void close()
    {
        server.stop();
    }

    private static void problem(final HttpServerExchange exchange, final int status, final String title, final String detail)
    {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(HttpString.tryFromString("Content-Type"), "application/problem+json");
        exchange.getResponseSender().send("{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status +
            ",\"detail\":\"" + detail + "\"}");
    }

    private final class Routes implements HttpHandler
    {
        public void handleRequest(final HttpServerExchange exchange) throws Exception
        {
            if (exchange.isInIoThread())
            {
                exchange.dispatch(this);
                return;
            }
            exchange.startBlocking();
            final Map<String, String> headers = new TreeMap<>();
            exchange.getRequestHeaders().forEach(values ->
                headers.put(values.getHeaderName().toString().toLowerCase(java.util.Locale.ROOT), values.getFirst()));
            final Request request = new Request(exchange.getRequestMethod().toString(), exchange.getRequestPath(),
                exchange.getQueryString(), headers, new String(exchange.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            requests.add(request);
            final String token = requiredToken;
            if (token != null && !("Bearer " + token).equals(request.header("Authorization")))
            {
                problem(exchange, 401, "Unauthorized", "a valid bearer token is required");
                return;
            }
            final Function<Request, Response> route = routes.get(request.method() + " " + request.path());
            if (route == null)
            {
                problem(exchange, 404, "Not Found", "no route " + request.method() + " " + request.path());
                return;
            }
            final Response response = route.apply(request);
            exchange.setStatusCode(response.status());
            exchange.getResponseHeaders().put(HttpString.tryFromString("Content-Type"),
                response.status() >= 400 ? "application/problem+json" : "application/json");
            exchange.getResponseSender().send(response.body());
        }
    }
}
