package io.odyssey.gateway;

import io.odyssey.gateway.control.AccessControl;
import io.odyssey.gateway.control.Role;

import io.odyssey.grid.GeofenceRecords;
import io.odyssey.grid.GridSettings;
import io.odyssey.grid.ledger.CommandAuthority;
import io.odyssey.grid.trust.RecordSeal;
import io.odyssey.runtime.JdbcUrls;
import io.odyssey.runtime.ProgressWatch;
import io.odyssey.runtime.SecretFile;
import io.odyssey.runtime.Setting;

import java.util.ArrayList;
import java.util.List;

/** Every setting of the gateway process, with defaults; read from the environment, then system properties. */
public final class GatewayConfig
{
    public static final Setting HOST = Setting.of("ODYSSEY_GATEWAY_HOST", "127.0.0.1", "Interface of the HTTP/WebSocket server");
    public static final Setting PORT = Setting.of("ODYSSEY_GATEWAY_PORT", "8080", "Port of the dashboard, the API, /ws/*, /health/live, /health/ready, /health (details for viewers) and /metrics (viewers)");
    public static final Setting COALESCE_MS = Setting.of(
        "ODYSSEY_WS_COALESCE_MS", "16", "At most one changes frame per client per this many ms; 0 sends each change at once");
    public static final Setting ALERT_BATCH_MS = Setting.of("ODYSSEY_WS_ALERT_BATCH_MS", "16",
        "Alert raises and clears are sent at most this often: a dashboard gets one alertChanges message per interval, an odyssey.v1 client one alert message per change (0..10000)");
    public static final Setting ALERT_BATCH_MAX = Setting.of("ODYSSEY_WS_ALERT_BATCH_MAX", "1024",
        "Alert changes one interval takes; beyond, every client gets the whole active list instead (1..100000)");
    public static final Setting GRID_EVENT_THREADS = Setting.of("ODYSSEY_GATEWAY_GRID_EVENT_THREADS", "1",
        "Threads of the grid client that run the fleet, alert and command listeners (1..16); one takes a burst of events with fewer wake-ups");
    public static final Setting GRID_EVENT_QUEUE = Setting.of("ODYSSEY_GATEWAY_GRID_EVENT_QUEUE", "1000000",
        "Events the grid client queues for the gateway's fleet, alert and command listeners (1000..1000000, Hazelcast's " +
        "default); events beyond are refused by the client: the fleet reconcile brings fleet states back, alerts and " +
        "commands only a reconnect, so lower it only with that in mind");
    public static final Setting FLEET_RECONCILE_S = Setting.of("ODYSSEY_GATEWAY_FLEET_RECONCILE_S", "10",
        "Every this many seconds the gateway reads the whole fleet map and applies what is newer than its view (a drone " +
        "whose last event the grid dropped under overload) and what the map never had (a forged change); 0 = only " +
        "after the grid connection came back or a change message was missed");
    public static final Setting FLEET_RELOAD_MAX_ENTRIES = Setting.of("ODYSSEY_GATEWAY_FLEET_RELOAD_MAX_ENTRIES", "262144",
        "Fleet-map entries one reload of the gateway's fleet view reads at most, paged and by id together " +
        "(1000..1048576; keep it above the fleet's size); a map of more than 65536 entries, or of more than this " +
        "setting, is read 1000 entries with their values a call (any grid client can put entries into the fleet " +
        "map, and each reload read them all in one call), then the view's drones the pages did not show are read " +
        "by id, 1000 a call, with what is left of the setting (pages can miss entries while a partition migrates: " +
        "only a read by id removes a drone); a map of more than this setting stops the pages early " +
        "(odyssey_gateway_fleet_reloads_cut_total), leaving up to half of it for the reads by id, which go round " +
        "the view from reload to reload: each drone of the view is read within about ceil(2 x view size / setting) " +
        "reloads");
    public static final Setting MAX_PENDING_BYTES = Setting.of(
        "ODYSSEY_WS_MAX_PENDING_BYTES", "1048576", "Unsent bytes above which a client's frames are skipped (conflated)");
    public static final Setting SEND_BUDGET_BYTES = Setting.of("ODYSSEY_WS_SEND_BUDGET_BYTES", "0",
        "Unsent bytes of all WebSocket clients together above which the clients furthest behind are closed (1008) until " +
        "the rest fit; 0 = a quarter of the gateway's heap");
    public static final Setting MAX_SESSIONS_PER_CLIENT = Setting.of("ODYSSEY_WS_MAX_SESSIONS_PER_CLIENT", "256",
        "WebSocket connections one token (or, for anonymous viewers, one IPv4 address or IPv6 /64) may hold open on this " +
        "gateway, all endpoints together; a handshake beyond is refused with 429");
    public static final Setting CLIENT_MESSAGE_RATE = Setting.of("ODYSSEY_WS_CLIENT_MESSAGE_RATE", "20",
        "Messages per second a WebSocket client may send (subscribe, flow, ping, and acks that change nothing; an ack " +
        "that advances is free); beyond its burst they are dropped unparsed and answered with RATE_LIMITED at most " +
        "once a second");
    public static final Setting CLIENT_MESSAGE_BURST = Setting.of("ODYSSEY_WS_CLIENT_MESSAGE_BURST", "40",
        "Messages a WebSocket client may send at once before ODYSSEY_WS_CLIENT_MESSAGE_RATE applies");
    public static final Setting TOKEN_RECHECK_S = Setting.of("ODYSSEY_WS_TOKEN_RECHECK_S", "30",
        "Every this many seconds (and after the grid connection came back) the tokens of open WebSocket sessions are " +
        "checked again and the sessions of deleted tokens closed (a deletion whose event was lost, or that raced the " +
        "handshake); 0 = only on the deletion's event");
    public static final Setting STALL_TIMEOUT_MS = Setting.of(
        "ODYSSEY_WS_STALL_TIMEOUT_MS", "30000", "A client above the pending bound for this long is disconnected");
    public static final Setting MAX_MESSAGE_BYTES = Setting.of(
        "ODYSSEY_WS_MAX_MESSAGE_BYTES", "65536", "Largest message a client may send; a longer one is discarded and answered with TOO_LARGE");
    public static final Setting CLOSE_MESSAGE_BYTES = Setting.of("ODYSSEY_WS_CLOSE_MESSAGE_BYTES", "4194304",
        "A client message (or unfinished fragmented message) longer than this closes the connection with 1009");
    public static final Setting PING_INTERVAL_MS = Setting.of("ODYSSEY_WS_PING_INTERVAL_MS", "10000",
        "The gateway pings every WebSocket client this often, so a live quiet connection is not taken for a dead one; below ODYSSEY_GATEWAY_READ_TIMEOUT_MS");
    public static final Setting TILE_URL = Setting.of(
        "ODYSSEY_MAP_TILE_URL", "", "Online raster tile URL template for the dashboard map ({z}/{x}/{y}); empty = offline style");
    public static final Setting TILE_ATTRIBUTION = Setting.of(
        "ODYSSEY_MAP_TILE_ATTRIBUTION", "", "Attribution shown with the online tiles");
    public static final Setting UI_DIR = Setting.of(
        "ODYSSEY_UI_DIR", "", "Serve the dashboard from this directory instead of the bundled build (development)");
    public static final Setting DB_URL = Setting.of("ODYSSEY_GATEWAY_DB_URL", "",
        "JDBC URL of the archive database for the history API (/api/v1/history); empty = history answers 503");
    public static final Setting DB_USER = Setting.of("ODYSSEY_GATEWAY_DB_USER", "odyssey_history",
        "Archive database role of the history API: the read-only one the archiver's init step makes " +
        "(ODYSSEY_ARCHIVER_HISTORY_DB_USER), never the archiver's");
    public static final Setting DB_PASSWORD = Setting.of("ODYSSEY_GATEWAY_DB_PASSWORD", "",
        "Password of ODYSSEY_GATEWAY_DB_USER (with the embedded PostgreSQL: the file <data-dir>/postgres.history.password)");
    public static final Setting TOKENS = Setting.of("ODYSSEY_GATEWAY_TOKENS", "",
        "Access tokens, name:role:secret,... (roles viewer, operator, admin; secrets of 16+ characters [A-Za-z0-9_-])");
    public static final Setting TOKENS_FILE = Setting.of("ODYSSEY_GATEWAY_TOKENS_FILE", "",
        "A file of access tokens, one name:role:secret per line (# comments); read at start");
    public static final Setting KEY_FILE = Setting.of("ODYSSEY_GATEWAY_KEY_FILE", "",
        "File holding the gateway key (64+ hex digits, owner-only mode) that seals tokens created through the API, so a token record a grid client wrote is refused; the same file on every gateway; empty = only configured tokens");
    public static final Setting TOKEN_MAX_LIFETIME_H = Setting.of("ODYSSEY_GATEWAY_TOKEN_MAX_LIFETIME_H", "2160",
        "Longest lifetime of a token created through the API, hours (its default lifetime too; 1 to 87600; set the same on every gateway: it applies when a token is created, so lowering it does not shorten tokens made before): its sealed expiry bounds how long a copy of its record put back in the grid could still open anything");
    public static final Setting ANONYMOUS_ROLE = Setting.of("ODYSSEY_GATEWAY_ANONYMOUS_ROLE", "none",
        "Role of requests without a token: none (refused with 401), viewer, operator or admin");
    public static final Setting ALLOWED_ORIGINS = Setting.of("ODYSSEY_GATEWAY_ALLOWED_ORIGINS", "",
        "Browser origins allowed (comma-separated); empty = http://localhost:<port> and http://127.0.0.1:<port> (the Vite dev server's http://localhost:5173 only when listed)");
    public static final Setting IO_THREADS = Setting.of("ODYSSEY_GATEWAY_IO_THREADS", "1", "Undertow I/O threads");
    public static final Setting WORKER_THREADS = Setting.of("ODYSSEY_GATEWAY_WORKER_THREADS", "4", "Undertow worker threads");
    public static final Setting REQUEST_PARSE_TIMEOUT_MS = Setting.of("ODYSSEY_GATEWAY_REQUEST_PARSE_TIMEOUT_MS", "10000",
        "A request whose line and headers have not all arrived this long after they began is dropped (slow headers)");
    public static final Setting NO_REQUEST_TIMEOUT_MS = Setting.of("ODYSSEY_GATEWAY_NO_REQUEST_TIMEOUT_MS", "20000",
        "A connection with no request in progress is closed after this long");
    public static final Setting READ_TIMEOUT_MS = Setting.of("ODYSSEY_GATEWAY_READ_TIMEOUT_MS", "30000",
        "A connection the gateway is reading from that sends nothing for this long is closed (a request body, a WebSocket that stopped answering pings)");
    public static final Setting WRITE_TIMEOUT_MS = Setting.of("ODYSSEY_GATEWAY_WRITE_TIMEOUT_MS", "60000",
        "A connection that takes none of the bytes the gateway is writing for this long is closed; keep it above ODYSSEY_WS_STALL_TIMEOUT_MS");
    public static final Setting IDLE_TIMEOUT_MS = Setting.of("ODYSSEY_GATEWAY_IDLE_TIMEOUT_MS", "120000",
        "A connection with no traffic either way for this long is closed");
    public static final Setting MAX_HEADER_BYTES = Setting.of("ODYSSEY_GATEWAY_MAX_HEADER_BYTES", "16384",
        "Largest request line plus headers; a larger request is refused");
    public static final Setting MAX_BODY_BYTES = Setting.of("ODYSSEY_GATEWAY_MAX_BODY_BYTES", "262144",
        "Largest request body; a larger one is answered 413 without being read");
    /** The admin API's alone: readers apply every sealed fence, whatever the total. */
    public static final Setting GEOFENCE_MAX_TOTAL_POINTS = Setting.of("ODYSSEY_GEOFENCE_MAX_TOTAL_POINTS", "100000",
        "Most ring positions of all geofences together the admin API stores (counted as ODYSSEY_GEOFENCE_MAX_POINTS " +
            "counts them; a create or a change that grows a fence beyond answers 409 GEOFENCES_POINTS_FULL, a change " +
            "that does not grow one always passes), since every order's path is checked every 20 m against every " +
            "fence; set the same on every gateway (each checks its own)");
    public static final Setting MAX_CONNECTIONS = Setting.of("ODYSSEY_GATEWAY_MAX_CONNECTIONS", "10000",
        "Open HTTP and WebSocket connections above which new ones wait (not accepted until some close)");
    public static final Setting MAX_CONNECTIONS_PER_ADDRESS = Setting.of("ODYSSEY_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS",
        "1024", "Open HTTP and WebSocket connections one IPv4 address or IPv6 /64 may hold; a connection beyond is closed " +
        "as soon as it is accepted, before it is read (at or above ODYSSEY_GATEWAY_MAX_CONNECTIONS: no cap of its own). " +
        "Behind a proxy every client has the proxy's address: set it to ODYSSEY_GATEWAY_MAX_CONNECTIONS there and " +
        "limit clients at the proxy");
    public static final Setting AUTH_FAILURES_PER_ADDRESS = Setting.of("ODYSSEY_GATEWAY_AUTH_FAILURES_PER_ADDRESS", "100",
        "Wrong tokens one IPv4 address or IPv6 /64 may present within ODYSSEY_GATEWAY_AUTH_FAILURE_WINDOW_S; beyond, " +
        "every request with a token from it is answered 429 (a WebSocket handshake refused) without the token being " +
        "checked until the window passes; requests without a token are not affected; 0 = no limit. The connection's " +
        "peer address, never X-Forwarded-For: behind a proxy every client has the proxy's address, so set 0 there " +
        "and limit clients at the proxy");
    public static final Setting AUTH_FAILURE_WINDOW_S = Setting.of("ODYSSEY_GATEWAY_AUTH_FAILURE_WINDOW_S", "60",
        "The window of ODYSSEY_GATEWAY_AUTH_FAILURES_PER_ADDRESS, seconds (1..86400): it begins at an address's first " +
        "wrong token, and a refused address is served again when it ends");
    public static final Setting SHUTDOWN_TIMEOUT_MS = Setting.of("ODYSSEY_GATEWAY_SHUTDOWN_TIMEOUT_MS", "5000",
        "On stop, how long requests in progress may take before the server's threads are stopped anyway");
    public static final Setting COMMAND_RATE = Setting.of("ODYSSEY_GATEWAY_COMMAND_RATE", "10",
        "Commands per second one token may send on average (each drone of a multi-drone request is one); beyond: 429. " +
        "Stop, hold, land, return-to-home and cancel have a budget of their own with the same rate and burst " +
        "(docs/api/commands.md, \"Limits\")");
    public static final Setting COMMAND_BURST = Setting.of("ODYSSEY_GATEWAY_COMMAND_BURST", "100",
        "Commands one token may send at once above the rate; a request for more drones passes only from a full budget");
    public static final Setting MAX_ACTIVE_COMMANDS_PER_DRONE = Setting.of("ODYSSEY_GATEWAY_MAX_ACTIVE_COMMANDS_PER_DRONE",
        "8", "Commands not yet final one drone may have; the next is refused with 409 (stop and cancel: twice as many)");
    public static final Setting HISTORY_STATEMENT_TIMEOUT_MS = Setting.of("ODYSSEY_GATEWAY_HISTORY_STATEMENT_TIMEOUT_MS",
        "5000", "Time budget of one history request, in ms: its wait for a database connection and all its queries " +
        "together (each query may run for what is left, then the database cancels it); beyond it the request answers " +
        "503 with Retry-After");
    public static final Setting HISTORY_MAX_WINDOW_S = Setting.of("ODYSSEY_GATEWAY_HISTORY_MAX_WINDOW_S", "86400",
        "Longest window (and look-back) a history request may ask about, in seconds; longer: 400");
    public static final Setting HISTORY_MAX_ROWS = Setting.of("ODYSSEY_GATEWAY_HISTORY_MAX_ROWS", "20000",
        "Most rows one history answer holds: track points (maxPoints), drones of a fleet or near answer (then truncated)");
    public static final Setting HISTORY_MAX_CONCURRENT = Setting.of("ODYSSEY_GATEWAY_HISTORY_MAX_CONCURRENT", "2",
        "History requests answered at once (and database connections); the next gets 429 at once; one caller (token) " +
        "holds at most half of them (at least one). Below the worker threads");

    public static final List<Setting> ALL;

    static
    {
        final List<Setting> all = new ArrayList<>(GridSettings.ALL);
        all.addAll(List.of(HOST, PORT, COALESCE_MS, ALERT_BATCH_MS, ALERT_BATCH_MAX, GRID_EVENT_THREADS, GRID_EVENT_QUEUE, FLEET_RECONCILE_S,
            FLEET_RELOAD_MAX_ENTRIES, MAX_PENDING_BYTES,
            SEND_BUDGET_BYTES, MAX_SESSIONS_PER_CLIENT, CLIENT_MESSAGE_RATE, CLIENT_MESSAGE_BURST, TOKEN_RECHECK_S,
            STALL_TIMEOUT_MS, MAX_MESSAGE_BYTES,
            CLOSE_MESSAGE_BYTES, PING_INTERVAL_MS, TILE_URL, TILE_ATTRIBUTION, UI_DIR, DB_URL, DB_USER, DB_PASSWORD, TOKENS,
            TOKENS_FILE, KEY_FILE, TOKEN_MAX_LIFETIME_H, CommandAuthority.KEY_FILE, GeofenceRecords.MAX_FENCES, GeofenceRecords.MAX_POINTS, GEOFENCE_MAX_TOTAL_POINTS, ANONYMOUS_ROLE, ALLOWED_ORIGINS, IO_THREADS, WORKER_THREADS, REQUEST_PARSE_TIMEOUT_MS,
            NO_REQUEST_TIMEOUT_MS, READ_TIMEOUT_MS, WRITE_TIMEOUT_MS, IDLE_TIMEOUT_MS, MAX_HEADER_BYTES, MAX_BODY_BYTES,
            MAX_CONNECTIONS, MAX_CONNECTIONS_PER_ADDRESS, AUTH_FAILURES_PER_ADDRESS, AUTH_FAILURE_WINDOW_S, SHUTDOWN_TIMEOUT_MS, COMMAND_RATE, COMMAND_BURST, MAX_ACTIVE_COMMANDS_PER_DRONE,
            HISTORY_STATEMENT_TIMEOUT_MS, HISTORY_MAX_WINDOW_S, HISTORY_MAX_ROWS, HISTORY_MAX_CONCURRENT,
            ProgressWatch.LIVENESS_TIMEOUT_S));
        ALL = List.copyOf(all);
    }

    public String clusterName = GridSettings.CLUSTER_NAME.get();
    public List<String> gridMembers = GridSettings.members(GridSettings.MEMBERS.get());
    public String host = HOST.get();
    public int port = PORT.intValue();
    public long coalesceMs = COALESCE_MS.longValue();
    public long alertBatchMs = ALERT_BATCH_MS.longValue();
    public int alertBatchMax = ALERT_BATCH_MAX.intValue();
    public int gridEventThreads = GRID_EVENT_THREADS.intValue();
    public int gridEventQueue = GRID_EVENT_QUEUE.intValue();
    public long fleetReconcileS = FLEET_RECONCILE_S.longValue();
    public int fleetReloadMaxEntries = FLEET_RELOAD_MAX_ENTRIES.intValue();
    public long maxPendingBytes = MAX_PENDING_BYTES.longValue();
    public long sendBudgetBytes = SEND_BUDGET_BYTES.longValue();
    public int maxSessionsPerClient = MAX_SESSIONS_PER_CLIENT.intValue();
    public double clientMessageRate = CLIENT_MESSAGE_RATE.doubleValue();
    public int clientMessageBurst = CLIENT_MESSAGE_BURST.intValue();
    public long tokenRecheckS = TOKEN_RECHECK_S.longValue();
    public long stallTimeoutMs = STALL_TIMEOUT_MS.longValue();
    public int maxMessageBytes = MAX_MESSAGE_BYTES.intValue();
    public long closeMessageBytes = CLOSE_MESSAGE_BYTES.longValue();
    public long pingIntervalMs = PING_INTERVAL_MS.longValue();
    public String tileUrl = TILE_URL.get();
    public String tileAttribution = TILE_ATTRIBUTION.get();
    public String uiDir = UI_DIR.get();
    public String dbUrl = DB_URL.get();
    public String dbUser = DB_USER.get();
    public String dbPassword = DB_PASSWORD.get();
    public List<String> tokens = splitList(TOKENS.get());
    public String tokensFile = TOKENS_FILE.get();
    public String keyFile = KEY_FILE.get();
    public long tokenMaxLifetimeH = TOKEN_MAX_LIFETIME_H.longValue();
    public String commandKeyFile = CommandAuthority.KEY_FILE.get();
    public int geofencesMax = GeofenceRecords.MAX_FENCES.intValue();
    public int geofenceMaxPoints = GeofenceRecords.MAX_POINTS.intValue();
    public int geofenceMaxTotalPoints = GEOFENCE_MAX_TOTAL_POINTS.intValue();
    public String anonymousRole = ANONYMOUS_ROLE.get();
    public List<String> allowedOrigins = splitList(ALLOWED_ORIGINS.get());
    public int ioThreads = IO_THREADS.intValue();
    public int workerThreads = WORKER_THREADS.intValue();
    public int requestParseTimeoutMs = REQUEST_PARSE_TIMEOUT_MS.intValue();
    public int noRequestTimeoutMs = NO_REQUEST_TIMEOUT_MS.intValue();
    public int readTimeoutMs = READ_TIMEOUT_MS.intValue();
    public int writeTimeoutMs = WRITE_TIMEOUT_MS.intValue();
    public int idleTimeoutMs = IDLE_TIMEOUT_MS.intValue();
    public int maxHeaderBytes = MAX_HEADER_BYTES.intValue();
    public int maxBodyBytes = MAX_BODY_BYTES.intValue();
    public int maxConnections = MAX_CONNECTIONS.intValue();
    public int maxConnectionsPerAddress = MAX_CONNECTIONS_PER_ADDRESS.intValue();
    public int authFailuresPerAddress = AUTH_FAILURES_PER_ADDRESS.intValue();
    public long authFailureWindowS = AUTH_FAILURE_WINDOW_S.longValue();
    public int shutdownTimeoutMs = SHUTDOWN_TIMEOUT_MS.intValue();
    public double commandRate = COMMAND_RATE.doubleValue();
    public int commandBurst = COMMAND_BURST.intValue();
    public int maxActiveCommandsPerDrone = MAX_ACTIVE_COMMANDS_PER_DRONE.intValue();
    public long historyStatementTimeoutMs = HISTORY_STATEMENT_TIMEOUT_MS.longValue();
    public long historyMaxWindowS = HISTORY_MAX_WINDOW_S.longValue();
    public int historyMaxRows = HISTORY_MAX_ROWS.intValue();
    public int historyMaxConcurrent = HISTORY_MAX_CONCURRENT.intValue();
    public long livenessTimeoutS = ProgressWatch.LIVENESS_TIMEOUT_S.longValue();

    /** The send budget in bytes: the configured one, or a quarter of the heap. */
    public long sendBudget()
    {
        return sendBudgetBytes > 0 ? sendBudgetBytes : Math.max(maxPendingBytes, Runtime.getRuntime().maxMemory() / 4);
    }

    /** The role of requests without a token, or null when they are refused. */
    public Role anonymousRole()
    {
        return Role.parse(anonymousRole);
    }

    /** Every configured token entry: the variable's, then the file's. */
    public List<String> tokenEntries()
    {
        final List<String> entries = new ArrayList<>(tokens);
        if (tokensFile != null && !tokensFile.isBlank())
        {
            entries.addAll(AccessControl.readTokenFile(java.nio.file.Path.of(tokensFile), TOKENS_FILE));
        }
        return entries;
    }

    /** What seals created tokens (the gateway key), or null when no key file is configured. */
    public RecordSeal tokenSeal()
    {
        if (keyFile == null || keyFile.isBlank())
        {
            return null;
        }
        return new RecordSeal(SecretFile.read(KEY_FILE, java.nio.file.Path.of(keyFile), RecordSeal.MIN_KEY_BYTES),
            AccessControl.SEAL_PURPOSE);
    }

    /** The allowed browser origins: as configured, or the gateway's own (a dev server's only when configured). */
    public java.util.Set<String> origins(final int actualPort)
    {
        if (!allowedOrigins.isEmpty())
        {
            return java.util.Set.copyOf(allowedOrigins);
        }
        return java.util.Set.of("http://localhost:" + actualPort, "http://127.0.0.1:" + actualPort);
    }

    private static List<String> splitList(final String value)
    {
        final List<String> items = new ArrayList<>();
        for (final String item : value.split(","))
        {
            if (!item.isBlank())
            {
                items.add(item.trim());
            }
        }
        return items;
    }

    public GatewayConfig conclude()
    {
        SecretFile.refusePlaceholder(DB_PASSWORD, dbPassword);
        if (dbUrl != null && !dbUrl.isBlank() && !dbUrl.startsWith("jdbc:postgresql:"))
        {
            throw DB_URL.invalid(JdbcUrls.redacted(dbUrl), "a jdbc:postgresql: URL, or empty for no history API");
        }
        if (tileUrl != null && !tileUrl.isBlank() && BrowserHeaders.tileSource(tileUrl) == null)
        {
            // The dashboard's Content-Security-Policy names the tile server's origin: it must have a plain one.
            throw TILE_URL.invalid(tileUrl, "an http(s)://host[:port]/... template, e.g. https://tile.example.org/{z}/{x}/{y}.png");
        }
        if (port < 0 || port > 65535)
        {
            throw PORT.invalid(String.valueOf(port), "a port number (0 = any free port)");
        }
        if (coalesceMs < 0 || coalesceMs > 10_000)
        {
            throw COALESCE_MS.invalid(String.valueOf(coalesceMs), "between 0 and 10000");
        }
        if (alertBatchMs < 0 || alertBatchMs > 10_000)
        {
            throw ALERT_BATCH_MS.invalid(String.valueOf(alertBatchMs), "between 0 and 10000");
        }
        if (alertBatchMax < 1 || alertBatchMax > 100_000)
        {
            throw ALERT_BATCH_MAX.invalid(String.valueOf(alertBatchMax), "between 1 and 100000");
        }
        if (gridEventThreads < 1 || gridEventThreads > 16)
        {
            throw GRID_EVENT_THREADS.invalid(String.valueOf(gridEventThreads), "between 1 and 16");
        }
        if (gridEventQueue < 1_000 || gridEventQueue > 1_000_000)
        {
            throw GRID_EVENT_QUEUE.invalid(String.valueOf(gridEventQueue), "between 1000 and 1000000");
        }
        if (fleetReconcileS < 0 || fleetReconcileS > 3_600)
        {
            throw FLEET_RECONCILE_S.invalid(String.valueOf(fleetReconcileS), "between 0 (off) and 3600");
        }
        if (fleetReloadMaxEntries < 1_000 || fleetReloadMaxEntries > FleetView.MAX_SLOTS)
        {
            throw FLEET_RELOAD_MAX_ENTRIES.invalid(String.valueOf(fleetReloadMaxEntries),
                "between 1000 and " + FleetView.MAX_SLOTS + " (the most drones the view holds)");
        }
        if (maxPendingBytes < 4096)
        {
            throw MAX_PENDING_BYTES.invalid(String.valueOf(maxPendingBytes), "at least 4096");
        }
        if (sendBudgetBytes != 0 && sendBudgetBytes < maxPendingBytes)
        {
            throw SEND_BUDGET_BYTES.invalid(String.valueOf(sendBudgetBytes),
                "0 (a quarter of the heap) or at least ODYSSEY_WS_MAX_PENDING_BYTES (" + maxPendingBytes + ")");
        }
        if (maxSessionsPerClient < 3 || maxSessionsPerClient > 100_000)
        {
            throw MAX_SESSIONS_PER_CLIENT.invalid(String.valueOf(maxSessionsPerClient),
                "between 3 (one dashboard: fleet, alerts, commands) and 100000");
        }
        if (!(clientMessageRate >= 1 && clientMessageRate <= 10_000) || clientMessageBurst < 1 || clientMessageBurst > 100_000)
        {
            throw CLIENT_MESSAGE_RATE.invalid(clientMessageRate + "/" + clientMessageBurst,
                "a rate between 1 and 10000 messages a second and a burst (ODYSSEY_WS_CLIENT_MESSAGE_BURST) between 1 and 100000");
        }
        if (tokenMaxLifetimeH < 1 || tokenMaxLifetimeH > 87_600)
        {
            throw TOKEN_MAX_LIFETIME_H.invalid(String.valueOf(tokenMaxLifetimeH), "between 1 and 87600 (ten years)");
        }
        if (tokenRecheckS < 0 || tokenRecheckS > 86_400)
        {
            throw TOKEN_RECHECK_S.invalid(String.valueOf(tokenRecheckS), "between 0 (off) and 86400");
        }
        if (stallTimeoutMs < 100)
        {
            throw STALL_TIMEOUT_MS.invalid(String.valueOf(stallTimeoutMs), "at least 100");
        }
        if (maxMessageBytes < 256)
        {
            throw MAX_MESSAGE_BYTES.invalid(String.valueOf(maxMessageBytes), "at least 256");
        }
        if (!"none".equals(anonymousRole) && Role.parse(anonymousRole) == null)
        {
            throw ANONYMOUS_ROLE.invalid(anonymousRole, "none, viewer, operator or admin");
        }
        for (final String origin : allowedOrigins)
        {
            if (!origin.matches("https?://[^/\\s]+"))
            {
                throw ALLOWED_ORIGINS.invalid(origin, "origins such as https://ops.example.com (scheme://host[:port], no path)");
            }
        }
        if (geofencesMax < 1 || geofencesMax > 100_000)
        {
            throw GeofenceRecords.MAX_FENCES.invalid(String.valueOf(geofencesMax), "between 1 and 100000");
        }
        if (geofenceMaxPoints < 3 || geofenceMaxPoints > 1_000_000)
        {
            throw GeofenceRecords.MAX_POINTS.invalid(String.valueOf(geofenceMaxPoints), "between 3 and 1000000");
        }
        if (geofenceMaxTotalPoints < 3 || geofenceMaxTotalPoints > 100_000_000)
        {
            throw GEOFENCE_MAX_TOTAL_POINTS.invalid(String.valueOf(geofenceMaxTotalPoints), "between 3 and 100000000");
        }
        if (ioThreads < 1 || workerThreads < 1)
        {
            throw IO_THREADS.invalid(ioThreads + "/" + workerThreads, "at least 1 I/O and 1 worker thread");
        }
        if (!(commandRate > 0 && commandRate <= 100_000))
        {
            throw COMMAND_RATE.invalid(String.valueOf(commandRate), "a number of commands per second above 0, at most 100000");
        }
        if (commandBurst < 1 || commandBurst > 1_000_000)
        {
            throw COMMAND_BURST.invalid(String.valueOf(commandBurst), "between 1 and 1000000");
        }
        if (maxActiveCommandsPerDrone < 1 || maxActiveCommandsPerDrone > 1_000)
        {
            throw MAX_ACTIVE_COMMANDS_PER_DRONE.invalid(String.valueOf(maxActiveCommandsPerDrone), "between 1 and 1000");
        }
        if (historyStatementTimeoutMs < 1 || historyStatementTimeoutMs > 3_600_000)
        {
            throw HISTORY_STATEMENT_TIMEOUT_MS.invalid(String.valueOf(historyStatementTimeoutMs), "between 1 and 3600000");
        }
        if (historyMaxWindowS < 1 || historyMaxWindowS > 366L * 86_400)
        {
            throw HISTORY_MAX_WINDOW_S.invalid(String.valueOf(historyMaxWindowS), "between 1 and 31622400 (366 days)");
        }
        if (historyMaxRows < 2 || historyMaxRows > 1_000_000)
        {
            throw HISTORY_MAX_ROWS.invalid(String.valueOf(historyMaxRows), "between 2 and 1000000");
        }
        if (historyMaxConcurrent < 1 || historyMaxConcurrent >= workerThreads)
        {
            // History must leave the rest of the API a worker thread, or a few slow history requests stop everything.
            throw HISTORY_MAX_CONCURRENT.invalid(String.valueOf(historyMaxConcurrent),
                "at least 1 and less than ODYSSEY_GATEWAY_WORKER_THREADS (" + workerThreads + ")");
        }
        if (closeMessageBytes < maxMessageBytes)
        {
            throw CLOSE_MESSAGE_BYTES.invalid(String.valueOf(closeMessageBytes), "at least ODYSSEY_WS_MAX_MESSAGE_BYTES (" +
                maxMessageBytes + ")");
        }
        atLeast(REQUEST_PARSE_TIMEOUT_MS, requestParseTimeoutMs, 100);
        atLeast(NO_REQUEST_TIMEOUT_MS, noRequestTimeoutMs, 100);
        atLeast(READ_TIMEOUT_MS, readTimeoutMs, 100);
        atLeast(WRITE_TIMEOUT_MS, writeTimeoutMs, 100);
        atLeast(IDLE_TIMEOUT_MS, idleTimeoutMs, 100);
        atLeast(SHUTDOWN_TIMEOUT_MS, shutdownTimeoutMs, 0);
        atLeast(MAX_HEADER_BYTES, maxHeaderBytes, 1024);
        atLeast(MAX_BODY_BYTES, maxBodyBytes, 1024);
        atLeast(MAX_CONNECTIONS, maxConnections, 1);
        atLeast(MAX_CONNECTIONS_PER_ADDRESS, maxConnectionsPerAddress, 1);
        atLeast(AUTH_FAILURES_PER_ADDRESS, authFailuresPerAddress, 0);
        if (authFailureWindowS < 1 || authFailureWindowS > 86_400)
        {
            throw AUTH_FAILURE_WINDOW_S.invalid(String.valueOf(authFailureWindowS), "1 to 86400 seconds");
        }
        if (pingIntervalMs < 10 || pingIntervalMs >= Math.min(readTimeoutMs, idleTimeoutMs))
        {
            throw PING_INTERVAL_MS.invalid(String.valueOf(pingIntervalMs), "at least 10 and below the read and idle " +
                "timeouts (" + Math.min(readTimeoutMs, idleTimeoutMs) + " ms), or quiet clients are taken for dead ones");
        }
        ProgressWatch.timeoutNs(livenessTimeoutS);
        return this;
    }

    private static void atLeast(final Setting setting, final long value, final long min)
    {
        if (value < min)
        {
            throw setting.invalid(String.valueOf(value), "at least " + min);
        }
    }
}
