package io.odyssey.gateway;

import io.odyssey.gateway.control.AccessControl;
import io.odyssey.gateway.control.AuthFailuresPerAddress;
import io.odyssey.gateway.control.CommandQuotas;
import io.odyssey.gateway.control.CommandRateLimiter;
import io.odyssey.gateway.control.ControlApi;
import io.odyssey.gateway.control.Guard;
import io.odyssey.gateway.control.Principal;
import io.odyssey.gateway.control.RequestBodies;
import io.odyssey.gateway.control.Role;
import io.odyssey.grid.GeofenceRecords;
import io.odyssey.grid.ledger.CommandAuthority;
import io.odyssey.grid.ledger.CommandLedger;

import com.hazelcast.core.LifecycleEvent;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.GridConnection;
import io.odyssey.runtime.Health;
import io.odyssey.runtime.HealthCheck;
import io.odyssey.runtime.JdbcUrls;
import io.odyssey.runtime.Json;
import io.odyssey.runtime.Metrics;
import io.odyssey.runtime.ProcessCpu;
import io.odyssey.runtime.ProgressWatch;
import io.odyssey.runtime.RealTimeClock;
import io.odyssey.gateway.history.HistoryApi;
import io.odyssey.gateway.history.HistoryLimits;
import io.odyssey.gateway.history.HistoryStore;
import io.undertow.Handlers;
import io.undertow.UndertowOptions;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.server.handlers.PathHandler;
import org.agrona.concurrent.SystemEpochNanoClock;
import io.undertow.server.handlers.resource.ClassPathResourceManager;
import io.undertow.server.handlers.resource.PathResourceManager;
import io.undertow.server.handlers.resource.Resource;
import io.undertow.server.handlers.resource.ResourceHandler;
import io.undertow.server.handlers.resource.ResourceManager;
import io.undertow.util.CanonicalPathUtils;
import io.undertow.util.Headers;
import org.agrona.CloseHelper;
import org.xnio.OptionMap;
import org.xnio.Options;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A running gateway: a grid client, the fleet feed (continuous query + fan-out), and the Undertow server with the
 * WebSocket, the dashboard, {@code /health}, {@code /metrics} and {@code /config.json}.
 */
public final class Gateway implements AutoCloseable
{
    /** Where the ui module's jar puts the built dashboard. */
    static final String UI_CLASSPATH_PREFIX = "odyssey-ui";
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    /** How long closing waits for requests still finishing on worker threads. */
    private static final long CLOSE_REQUESTS_WAIT_NS = TimeUnit.SECONDS.toNanos(2);

    private final GridConnection grid;
    private final HistoryStore history;
    private final FleetFeed feed;
    private final AlertsFeed alerts;
    private final CommandsFeed commands;
    private final OpenSessions sessions;
    private final HttpServer server;
    private final InFlightRequests inFlight;
    private final AutoCloseable sampler;
    private final GatewayMetrics metrics;
    private final int port;
    /** Prefixes of the names of this gateway's threads: its grid client's and its HTTP server's. */
    private final List<String> threadPrefixes;

    private Gateway(
        final GridConnection grid, final FleetFeed feed, final AlertsFeed alerts, final CommandsFeed commands,
        final OpenSessions sessions, final HttpServer server, final InFlightRequests inFlight,
        final AutoCloseable sampler, final GatewayMetrics metrics, final HistoryStore history,
        final List<String> threadPrefixes)
    {
        this.inFlight = inFlight;
        this.threadPrefixes = threadPrefixes;
        this.sessions = sessions;
        this.alerts = alerts;
        this.commands = commands;
        this.history = history;
        this.grid = grid;
        this.feed = feed;
        this.server = server;
        this.sampler = sampler;
        this.metrics = metrics;
        this.port = server.port();
    }

    public static Gateway launch(final GatewayConfig config) throws Exception
    {
        config.conclude();
        // Keys are read before anything starts, so a missing or open key file stops the start with its setting's name.
        final io.odyssey.grid.trust.RecordSeal tokenSeal = config.tokenSeal();
        final CommandAuthority commandAuthority = CommandAuthority.fromFile(config.commandKeyFile);
        final GatewayMetrics metrics = new GatewayMetrics();
        final String instance = "ws-gateway-" + Long.toHexString(System.nanoTime() & 0xFFFFFF);
        // When every drone update arrived as one event, the client's default five event threads each woke for a share
        // of a burst, and the gateway's CPU per update fell by a quarter to a third with one (issue 14,
        // docs/performance.md); the members now batch the fleet's changes, and alerts and commands still arrive one each.
        final GridConnection grid = GridConnection.connect(config.clusterName, config.gridMembers, instance,
            "clients keep the last known state until it returns",
            client ->
            {
                client.setProperty("hazelcast.client.event.thread.count", String.valueOf(config.gridEventThreads));
                // The client's event queue is first-in first-out and shared by every listener. The fleet listener hands
                // events on at once (FleetFeed), so it stays short; the bound stays Hazelcast's by default because what
                // it refuses, only the fleet's periodic reconcile brings back: alert and command events are not re-read.
                client.setProperty("hazelcast.client.event.queue.capacity", String.valueOf(config.gridEventQueue));
            });

        FleetFeed feed = null;
        AlertsFeed alerts = null;
        CommandsFeed commands = null;
        OpenSessions sessions = null;
        HistoryStore history = null;
        HttpServer server = null;
        try
        {
            if (config.dbUrl != null && !config.dbUrl.isBlank())
            {
                history = new HistoryStore(config.dbUrl, config.dbUser, config.dbPassword,
                    config.historyStatementTimeoutMs, config.historyMaxConcurrent);
            }
            final RealTimeClock clock = new RealTimeClock();
            final ProgressWatch fanOutProgress = new ProgressWatch("fan-out", ProgressWatch.timeoutNs(config.livenessTimeoutS));
            final ProgressWatch applierProgress =
                new ProgressWatch("fleet-apply", ProgressWatch.timeoutNs(config.livenessTimeoutS));
            feed = new FleetFeed(grid.client(), clock, org.agrona.concurrent.SystemNanoClock.INSTANCE, metrics,
                fanOutProgress, applierProgress, config.fleetReloadMaxEntries);
            feed.start();
            feed.reconcileEvery(config.fleetReconcileS);
            final FleetFeed liveFeed = feed;
            alerts = new AlertsFeed(FleetGrid.alertsMap(grid.client()), metrics, config.alertBatchMs, config.alertBatchMax);
            alerts.start();
            final AlertsFeed liveAlerts = alerts;
            // Changes made while the grid connection was lost produced no events here: reload once it is back.
            grid.client().getLifecycleService().addLifecycleListener(event ->
            {
                if (event.getState() == LifecycleEvent.LifecycleState.CLIENT_CONNECTED ||
                    event.getState() == LifecycleEvent.LifecycleState.CLIENT_CHANGED_CLUSTER)
                {
                    liveFeed.resyncLater();
                    liveAlerts.reload();
                }
            });
            metrics.metrics.gauge("odyssey_ws_clients", "Connected WebSocket clients", liveFeed::sessionCount);
            metrics.metrics.gauge("odyssey_ws_max_pending_bytes", "Largest backlog of unsent bytes of any client",
                liveFeed::maxPendingBytes);
            // What a delivered drone update costs: process CPU over the drone states put in frames for all clients.
            ProcessCpu.register(metrics.metrics, "odyssey_gateway", "update",
                "drone updates delivered to clients (both encodings)",
                () -> metrics.dronesSentJson.get() + metrics.dronesSentBinary.get());
            metrics.metrics.gauge("odyssey_gateway_fleet_size", "Drones in the gateway's fleet view", () -> liveFeed.fleet().size());
            metrics.metrics.gauge("odyssey_gateway_newest_state_age_seconds", "Age (send time to now) of the newest drone " +
                "state the gateway applied: what clients see at best; grows while the grid is behind or no drone sends",
                () -> liveFeed.newestStateAgeNanos() / 1e9);
            metrics.metrics.gauge("odyssey_gateway_events_waiting", "Drones with a fleet-map event not applied yet " +
                "(at most one per drone: a newer event replaces an older one)", liveFeed::eventsWaiting);
            metrics.metrics.gauge("odyssey_gateway_grid_event_queue", "Events in the grid client's own queue, not yet " +
                "handed to the gateway's listeners (bounded by ODYSSEY_GATEWAY_GRID_EVENT_QUEUE); -1 when unknown",
                () -> GridEventQueue.size(grid.client()));
            metrics.metrics.gauge("odyssey_gateway_alerts_active", "Alerts raised and not cleared", liveAlerts::activeCount);

            // Live while the fan-out thread turns (this answer itself shows an I/O thread works); the grid and the
            // fleet feed's listener are readiness: clients keep the last known state while the grid is away.
            final Health health = new Health("ws-gateway");
            health.live("fan-out", fanOutProgress);
            health.live("fleet-apply", applierProgress);
            health.ready("grid", grid.healthCheck());
            health.ready("fleet-feed", () -> liveFeed.listening() ?
                HealthCheck.Result.up(liveFeed.fleet().size() + " drones, " + liveFeed.sessionCount() + " clients") :
                HealthCheck.Result.down("not listening"));
            if (history != null)
            {
                health.ready("history-db", history.health());
            }

            final CommandLedger ledger = new CommandLedger(grid.client(), null, commandAuthority).countingUnreadable(
                metrics.metrics.counter("odyssey_gateway_command_records_unreadable_total",
                    "Ledger records the gateway's lists and lookups left out because they cannot be read (written into the grid by something else)"))
                .countingUnsealed(metrics.metrics.counter("odyssey_gateway_command_records_unsealed_total",
                    "Ledger records the gateway's command lists and /ws/commands left out because they carry no valid " +
                        "command-key seal (written into the grid by something else than a gateway or ingest node)"))
                .countingUnsealedRemoved(metrics.metrics.counter("odyssey_gateway_command_records_unsealed_removed_total",
                    "Final ledger records without a valid command-key seal (or unreadable) that a drone's bound on final " +
                        "commands evicted before any genuine one, as this gateway recorded an order"))
                .countingTrimDeferred(metrics.metrics.counter("odyssey_gateway_command_records_trim_deferred_total",
                    "Final ledger records of a drone past its bound that an order left unread for a later one (an " +
                        "order reads at most " + CommandLedger.TRIM_READ_RECORDS + " not verified before; planted by " +
                        "a grid client), counted at each order; while any wait and those read held a planted one, " +
                        "no genuine record is evicted"))
                .countingTrimUnordered(metrics.metrics.counter("odyssey_gateway_command_records_trim_unordered_total",
                    "Orders past a drone's bound of final commands whose batch of records could not be chosen in key " +
                        "order on the grid members (a member without CommandLedger.KeyOrder, during a rolling upgrade) " +
                        "and took any batch of the same size instead"))
                .countingListFallbacks(metrics.metrics.counter("odyssey_gateway_command_lists_fallback_total",
                    "Command lists read as a version without CommandLedger.UnderCommandIds read them, because a grid " +
                        "member cannot load it (during a rolling upgrade): such a list may come back short around " +
                        "records a grid client planted under keys of a class nobody has"));
            commands = new CommandsFeed(ledger, metrics);
            commands.start();
            final CommandsFeed liveCommands = commands;
            metrics.metrics.gauge("odyssey_ws_command_clients", "Clients of /ws/commands", liveCommands::sessionCount);
            // The port is known before the server starts only when configured; 0 means the origins must be configured.
            final AccessControl access = new AccessControl(config.tokenEntries(),
                grid.client().getMap(FleetGrid.TOKENS_MAP), config.anonymousRole(), config.origins(config.port),
                GatewayConfig.TOKENS, tokenSeal, metrics.forgedTokens, metrics.revokedTokens, metrics.expiredTokens,
                metrics.noExpiryTokens,
                System::currentTimeMillis, TimeUnit.HOURS.toMillis(config.tokenMaxLifetimeH));
            final AuthFailuresPerAddress authFailures = new AuthFailuresPerAddress(config.authFailuresPerAddress,
                TimeUnit.SECONDS.toNanos(config.authFailureWindowS), metrics.authLimited, metrics.authFailuresUntracked,
                System::nanoTime);
            metrics.metrics.gauge("odyssey_gateway_auth_failure_addresses", "Addresses (IPv4, IPv6 /64) that presented " +
                "a wrong token within their window: the entries of the table of ODYSSEY_GATEWAY_AUTH_FAILURES_PER_ADDRESS " +
                "(at most " + AuthFailuresPerAddress.MAX_ADDRESSES + ")", authFailures::addresses);
            final Guard guard = new Guard(access, metrics.unauthorised, metrics.forbidden, authFailures);
            final String fencesHelp = "Geofence records the gateway left out of a read (an order's check, a listing): " +
                "UNSEALED without a valid command-key seal (written or altered in the grid by something else than a " +
                "gateway), UNREADABLE sealed but not a geofence, OVER_LIMIT left unread because the map holds more " +
                "records than a read looks at (ODYSSEY_GEOFENCES_MAX + 100)";
            final GeofenceRecords fences = GeofenceRecords.fromKeyFile(grid.client().getMap(FleetGrid.GEOFENCES_MAP),
                CommandAuthority.KEY_FILE, config.commandKeyFile, config.geofencesMax, config.geofenceMaxPoints,
                metrics.metrics.counter("odyssey_gateway_geofences_refused_total", fencesHelp, "reason=\"UNSEALED\""),
                metrics.metrics.counter("odyssey_gateway_geofences_refused_total", fencesHelp, "reason=\"UNREADABLE\""),
                metrics.metrics.counter("odyssey_gateway_geofences_refused_total", fencesHelp,
                    "reason=\"" + GeofenceRecords.OVER_LIMIT + "\""));
            final ControlApi control = new ControlApi(ledger, fences, config.geofenceMaxTotalPoints, access,
                () -> liveFeed.fleet().byId().values().stream().map(view -> view.state).toList(),
                id ->
                {
                    final DroneView view = liveFeed.fleet().get(id);
                    return view == null ? null : view.state;
                },
                metrics.commandsRefused, new CommandQuotas(
                    new CommandRateLimiter(config.commandRate, config.commandBurst, System::nanoTime),
                    config.maxActiveCommandsPerDrone, metrics.commandsRateLimited, metrics.commandsActiveLimited,
                    metrics.textRefused),
                new RequestBodies(config.maxBodyBytes, metrics.bodiesTooLarge, metrics.bodiesIncomplete),
                new SystemEpochNanoClock(), guard)
                .droneKeys(new io.odyssey.gateway.control.DroneKeyAdmin(FleetGrid.droneKeysMap(grid.client()),
                    io.odyssey.grid.trust.DroneKeyVault.fromFile(CommandAuthority.KEY_FILE, config.commandKeyFile),
                    System::currentTimeMillis, metrics.metrics));
            final HttpHandler api = guard.require(Role.VIEWER, control);
            if (ledger.authorises())
            {
                // Before the server listens: ready means an operator's first order is answered as fast as the next.
                try
                {
                    control.warmUp();
                }
                catch (final RuntimeException ex)
                {
                    // Only slower: the first order pays for what the warm-up did not do.
                    LOG.warn("command path warm-up failed: {}", ex.toString());
                }
            }

            sessions = new OpenSessions(config.maxSessionsPerClient, config.sendBudget(), metrics);
            final OpenSessions liveSessions = sessions;
            liveSessions.start(access::stillValid, config.tokenRecheckS);
            // A deletion while the grid connection was down produced no event here.
            grid.client().getLifecycleService().addLifecycleListener(event ->
            {
                if (event.getState() == LifecycleEvent.LifecycleState.CLIENT_CONNECTED)
                {
                    liveSessions.recheckSoon();
                }
            });
            final SocketEndpoint fleetSocket = new SocketEndpoint(new FleetSocket(liveFeed, liveAlerts, metrics, config),
                metrics, config, liveSessions);
            final SocketEndpoint alertSocket = new SocketEndpoint(new AlertSocket(liveAlerts, metrics), metrics, config,
                liveSessions);
            final SocketEndpoint commandSocket = new SocketEndpoint(liveCommands, metrics, config, liveSessions);
            access.onRevoked(digest ->
            {
                final int closed = liveSessions.closeRevoked(digest, access::isConfigured);
                if (closed > 0)
                {
                    LOG.info("a token was deleted: closed the {} WebSocket session(s) it had opened", closed);
                }
            });
            final PathHandler routes = Handlers.path()
                .addExactPath("/ws/fleet", guard.require(Role.VIEWER, websocket(liveSessions,
                    fleetSocket, SocketEndpoint.BINARY_SUBPROTOCOL, Guard.SUBPROTOCOL)))
                .addExactPath("/ws/alerts", guard.require(Role.VIEWER, websocket(liveSessions, alertSocket, Guard.SUBPROTOCOL)))
                .addExactPath("/ws/commands", guard.require(Role.VIEWER,
                    websocket(liveSessions, commandSocket, Guard.SUBPROTOCOL)))
                .addExactPath("/api/v1/alerts", guard.require(Role.VIEWER, HttpMethods.readOnly(exchange ->
                    respond(exchange, 200, "application/json", liveAlerts.restJson()))))
                .addPrefixPath("/api/v1/whoami", api)
                .addPrefixPath("/api/v1/drones", api)
                .addPrefixPath("/api/v1/commands", api)
                .addPrefixPath("/api/v1/geofences", api)
                .addPrefixPath("/api/v1/tokens", api)
                .addExactPath("/api/openapi.yaml", HttpMethods.readOnly(exchange ->
                    respond(exchange, 200, "application/yaml; charset=utf-8", "no-cache", OPENAPI)))
                .addExactPath(Health.LIVE_PATH, healthEndpoint(health, guard))
                .addExactPath(Health.READY_PATH, healthEndpoint(health, guard))
                .addExactPath(Health.PATH, healthEndpoint(health, guard))
                .addExactPath("/metrics", guard.require(Role.VIEWER, HttpMethods.readOnly(exchange ->
                    respond(exchange, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.metrics.renderPrometheus()))))
                .addPrefixPath(HistoryApi.PREFIX, guard.require(Role.VIEWER, HttpMethods.readOnly(new HistoryApi(history,
                    new HistoryLimits(java.time.Duration.ofSeconds(config.historyMaxWindowS), config.historyMaxRows,
                    config.historyMaxConcurrent, config.historyStatementTimeoutMs, metrics.historyInvalid,
                    metrics.historyBusy, metrics.historyTimedOut, metrics.historyUnavailable)))))
                .addExactPath("/config.json", HttpMethods.readOnly(exchange ->
                    respond(exchange, 200, "application/json", "no-cache", clientConfig(config))))
                .addPrefixPath("/", HttpMethods.readOnly(dashboard(config)));

            final InFlightRequests inFlight = new InFlightRequests();
            final ConnectionsPerAddress perAddress = new ConnectionsPerAddress(
                Math.min(config.maxConnectionsPerAddress, config.maxConnections), metrics.connectionsRefusedPerAddress,
                System::nanoTime);
            server = server(config, inFlight.wrap(new BrowserHeaders(config.tileUrl, routes)),
                instance + "-http", perAddress);
            final io.undertow.server.ConnectorStatistics statistics = server.statistics();
            metrics.metrics.gauge("odyssey_gateway_http_connections", "Open HTTP and WebSocket connections",
                statistics::getActiveConnections);
            metrics.metrics.gauge("odyssey_gateway_connection_addresses", "Client addresses (IPv4, IPv6 /64) holding " +
                "open connections: the entries of the table that caps each at ODYSSEY_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS",
                perAddress::addresses);
            metrics.metrics.gauge("odyssey_ws_sessions", "WebSocket sessions open on all endpoints",
                liveSessions::size);
            metrics.metrics.gauge("odyssey_ws_pending_bytes", "Unsent bytes of all WebSocket clients together (closed " +
                "furthest behind first above ODYSSEY_WS_SEND_BUDGET_BYTES)", liveSessions::pendingBytes);
            final Gateway gateway = new Gateway(grid, feed, alerts, commands, liveSessions, server, inFlight,
                metrics.metrics.startSampling(), metrics, history,
                // The grid client names its I/O threads "hz.<instance>." but its event threads (where the listeners
                // run), response and internal threads "<instance>.": counting only the first missed the listeners.
                List.of("hz." + instance + ".", instance + ".", instance + "-http "));
            LOG.info("gateway listening on http://{}:{}/ (WebSocket /ws/fleet, coalescing {} ms; history API {})",
                config.host, gateway.port(), config.coalesceMs,
                history == null ? "off: no ODYSSEY_GATEWAY_DB_URL" : "on " + JdbcUrls.redacted(config.dbUrl));
            return gateway;
        }
        catch (final Exception | Error ex)
        {
            // The server first: started, it holds the port and its worker threads.
            CloseHelper.quietCloseAll(server, sessions, commands, alerts, feed, history, grid);
            throw ex;
        }
    }

    /**
     * The HTTP server, with a bound on everything a client controls: how long its headers may take, how long it may
     * stay silent while the gateway reads from it (a body, a WebSocket) or refuses to take what the gateway writes,
     * how large its headers and body may be, how many connections there are, and how many of them one address holds
     * ({@code perAddress}, before anything of a connection is read). No handler reads a body in a blocking way
     * ({@link RequestBodies}), so a slow client holds a connection, never a worker thread.
     */
    private static HttpServer server(final GatewayConfig config, final HttpHandler routes, final String workerName,
        final ConnectionsPerAddress perAddress) throws java.io.IOException
    {
        return HttpServer.start(config.host, config.port, config.ioThreads, config.workerThreads,
            // Thread names say whose they are: the load harness runs several gateways in one JVM (threadCpuNanos).
            OptionMap.create(Options.WORKER_NAME, workerName),
            OptionMap.builder()
                .set(Options.READ_TIMEOUT, config.readTimeoutMs)
                .set(Options.WRITE_TIMEOUT, config.writeTimeoutMs)
                // Accepting pauses at the cap and resumes once a tenth of the connections have gone.
                .set(Options.CONNECTION_HIGH_WATER, config.maxConnections)
                .set(Options.CONNECTION_LOW_WATER, Math.max(1, config.maxConnections - config.maxConnections / 10))
                .getMap(),
            OptionMap.builder()
                .set(UndertowOptions.REQUEST_PARSE_TIMEOUT, config.requestParseTimeoutMs)
                .set(UndertowOptions.NO_REQUEST_TIMEOUT, config.noRequestTimeoutMs)
                .set(UndertowOptions.IDLE_TIMEOUT, config.idleTimeoutMs)
                .set(UndertowOptions.MAX_HEADER_SIZE, config.maxHeaderBytes)
                // Undertow's own cap is only the backstop, a buffer above ours: it cuts the connection without an
                // answer, where RequestBodies answers 413.
                .set(UndertowOptions.MAX_ENTITY_SIZE, config.maxBodyBytes + 65_536L)
                .set(UndertowOptions.SHUTDOWN_TIMEOUT, config.shutdownTimeoutMs)
                .set(UndertowOptions.ENABLE_STATISTICS, true)
                .getMap(),
            routes, perAddress);
    }

    /**
     * One of the health answers. Evaluated on a worker thread: a readiness check may wait on the grid, and the I/O
     * thread is every connection's. Anyone gets the status (probes, load balancers, the launcher); only a viewer gets
     * the checks, which name the cluster, the grid members and the database.
     */
    private static HttpHandler healthEndpoint(final Health health, final Guard guard)
    {
        return HttpMethods.readOnly(new HttpHandler()
        {
            public void handleRequest(final HttpServerExchange exchange)
            {
                if (exchange.isInIoThread())
                {
                    exchange.dispatch(this);
                    return;
                }
                final Health.Report full = health.forPath(exchange.getRequestPath());
                final Principal caller = guard.identify(exchange);
                final Health.Report report = caller != null && caller.role().allows(Role.VIEWER) ? full : full.statusOnly();
                respond(exchange, report.status(), Health.CONTENT_TYPE, report.body());
            }
        });
    }

    /** The OpenAPI document (docs/api/openapi.yaml, copied in by the build). */
    private static final String OPENAPI = readResource("api/openapi.yaml");

    private static String readResource(final String name)
    {
        try (java.io.InputStream in = Gateway.class.getClassLoader().getResourceAsStream(name))
        {
            return in == null ? "# the OpenAPI document was not packaged\n" :
                new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        catch (final java.io.IOException ex)
        {
            throw new java.io.UncheckedIOException(ex);
        }
    }

    /**
     * A WebSocket endpoint that answers with the first of the client's subprotocols it speaks (Undertow goes through
     * the client's list in order): {@code odyssey.v1}, which browsers offer with their token, and on {@code /ws/fleet}
     * {@code odyssey.bin.v1} before it for clients that read binary frames.
     */
    private static HttpHandler websocket(final OpenSessions sessions,
        final io.undertow.websockets.WebSocketConnectionCallback callback, final String... subprotocols)
    {
        final java.util.Set<String> protocols = java.util.Set.of(subprotocols);
        final HttpHandler handshake = new io.undertow.websockets.WebSocketProtocolHandshakeHandler(java.util.List.of(
            new io.undertow.websockets.core.protocol.version13.Hybi13Handshake(protocols, false),
            new io.undertow.websockets.core.protocol.version08.Hybi08Handshake(protocols, false),
            new io.undertow.websockets.core.protocol.version07.Hybi07Handshake(protocols, false)), callback);
        return exchange ->
        {
            // A client at its maximum of sessions gets a plain answer before the upgrade (a race past this check is
            // closed with 1008 once connected).
            if (sessions.full(SocketEndpoint.clientKey(exchange.getAttachment(Guard.CREDENTIAL), exchange.getSourceAddress())))
            {
                sessions.refused();
                new Problem(429, "TOO_MANY_SESSIONS", "this token (or address) holds the most WebSocket connections " +
                    "one client may open on this gateway (ODYSSEY_WS_MAX_SESSIONS_PER_CLIENT); close one first", null, 10)
                    .send(exchange);
                return;
            }
            handshake.handleRequest(exchange);
        };
    }

    private static String clientConfig(final GatewayConfig config)
    {
        final boolean online = config.tileUrl != null && !config.tileUrl.isBlank();
        return "{\"tileUrl\":" + (online ? "\"" + Json.escape(config.tileUrl) + "\"" : "null") +
            ",\"tileAttribution\":\"" + Json.escape(config.tileAttribution == null ? "" : config.tileAttribution) +
            "\",\"wsPath\":\"/ws/fleet\",\"coalesceMs\":" + config.coalesceMs +
            ",\"commandLimits\":" + ControlApi.commandLimitsJson() + "}";
    }

    /** The built dashboard from the classpath (or ODYSSEY_UI_DIR), with a plain page when it was not built. */
    private static HttpHandler dashboard(final GatewayConfig config)
    {
        final ResourceManager resources = config.uiDir != null && !config.uiDir.isBlank() ?
            new PathResourceManager(Path.of(config.uiDir)) :
            new ClassPathResourceManager(Gateway.class.getClassLoader(), UI_CLASSPATH_PREFIX);
        // No cache time here: the handler would write "max-age=0" over the headers chosen below.
        final ResourceHandler files = Handlers.resource(resources).setWelcomeFiles("index.html")
            .setDirectoryListingEnabled(false);
        return exchange ->
        {
            final String path = CanonicalPathUtils.canonicalize(exchange.getRelativePath());
            if (("/".equals(path) || path.isEmpty() || "/index.html".equals(path)) && resources.getResource("index.html") == null)
            {
                respond(exchange, 503, "text/html; charset=utf-8", "<!doctype html><title>Odyssey</title>" +
                    "<p>The dashboard has not been built. Run <code>./odyssey build</code> (needs Node.js and npm).</p>");
                return;
            }
            // A directory is not a page: without this, "/assets" answered 200 with an empty body (and "/assets/"
            // 403), telling a prober which folders exist. Inside a jar a folder looked up without its slash does not
            // say it is one, hence the second lookup.
            final Resource resource = path.length() > 1 ? resources.getResource(path.substring(1)) : null;
            if (resource != null && (resource.isDirectory() || folder(resources, path.substring(1))))
            {
                respond(exchange, 404, "text/plain; charset=utf-8", "not found");
                return;
            }
            // The build names every asset by its content hash, so an asset never changes; index.html names the
            // current ones and must be revalidated on each load. (A missing asset's 404 must not be cached.)
            final boolean immutable = path.startsWith("/assets/") && resource != null;
            exchange.getResponseHeaders().put(Headers.CACHE_CONTROL,
                immutable ? "public, max-age=31536000, immutable" : "no-cache");
            files.handleRequest(exchange);
        };
    }

    private static boolean folder(final ResourceManager resources, final String path) throws java.io.IOException
    {
        final Resource slashed = path.endsWith("/") ? null : resources.getResource(path + "/");
        return slashed != null && slashed.isDirectory();
    }

    private static void respond(final HttpServerExchange exchange, final int status, final String type, final String body)
    {
        respond(exchange, status, type, "no-store", body);
    }

    private static void respond(
        final HttpServerExchange exchange, final int status, final String type, final String cacheControl, final String body)
    {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, type);
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, cacheControl);
        exchange.getResponseSender().send(body);
    }

    public int port()
    {
        return port;
    }

    public int clientCount()
    {
        return feed.sessionCount();
    }

    public long framesSkipped()
    {
        return metrics.framesSkipped.get();
    }

    /** The largest backlog of unsent bytes of any connected client now (also the gauge odyssey_ws_max_pending_bytes). */
    public long maxPendingBytes()
    {
        return feed.maxPendingBytes();
    }

    /** Drones in the gateway's fleet view. */
    public int fleetSize()
    {
        return feed.fleet().size();
    }

    /** Drone states delivered to clients (put in their snapshot and changes frames), both encodings. */
    public long droneUpdatesDelivered()
    {
        return metrics.dronesSentJson.get() + metrics.dronesSentBinary.get();
    }

    /**
     * CPU time of this gateway's own live threads (fan-out, HTTP server, grid client), ns: what the gateway costs when
     * it shares a JVM with other roles (the load harness); a gateway process's whole cost is
     * {@code odyssey_gateway_cpu_seconds}. Threads that have ended are not counted.
     */
    public long threadCpuNanos()
    {
        final java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long total = Math.max(0, threads.getThreadCpuTime(feed.fanOutThreadId()));
        for (final java.lang.management.ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds()))
        {
            if (info != null && ownsThread(info.getThreadName()))
            {
                total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return total;
    }

    /** Whether a thread of this JVM is one of this gateway's (its grid client's, its HTTP server's). */
    boolean ownsThread(final String name)
    {
        return threadPrefixes.stream().anyMatch(name::startsWith);
    }

    /**
     * A response already sent still completes its exchange on its worker thread, which then asks an I/O thread for the
     * connection's read timeout: stopping the server under it makes Undertow log the refused task as a failed request.
     * Waits, bounded, until every exchange has completed (one that takes longer is cut off by the stop, as before).
     */
    private void awaitRequestsFinishing()
    {
        final long deadline = System.nanoTime() + CLOSE_REQUESTS_WAIT_NS;
        while (inFlight.count() > 0 && System.nanoTime() < deadline)
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        final int cutOff = inFlight.count();
        if (cutOff > 0)
        {
            // Without this line a stop that takes the whole wait (clients holding requests open, e.g. bodies never
            // sent) looks like a hang to whoever is watching the log.
            LOG.info("{} request(s) still in flight after {} ms: cut off by the stop", cutOff,
                TimeUnit.NANOSECONDS.toMillis(CLOSE_REQUESTS_WAIT_NS));
        }
    }

    /** Exchanges not completed yet (what {@link #close} waits for). */
    int requestsInFlight()
    {
        return inFlight.count();
    }

    /** The gateway's counters, gauges and hops, as served at {@code /metrics}. */
    public Metrics metrics()
    {
        return metrics.metrics;
    }

    public void close()
    {
        CloseHelper.quietClose(sampler);
        sessions.closeAll();
        awaitRequestsFinishing();
        server.close();
        CloseHelper.quietClose(commands);
        CloseHelper.quietClose(alerts);
        feed.close();
        sessions.close();
        CloseHelper.quietClose(history);
        grid.close();
    }
}
