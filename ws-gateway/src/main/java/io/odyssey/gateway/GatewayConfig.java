package io.odyssey.gateway;

import io.odyssey.gateway.control.AccessControl;
import io.odyssey.gateway.control.Role;

import io.odyssey.grid.GridSettings;
import io.odyssey.runtime.ProgressWatch;
import io.odyssey.runtime.Setting;

import java.util.ArrayList;
import java.util.List;

/** Every setting of the gateway process, with defaults; read from the environment, then system properties. */
public final class GatewayConfig
{
    public static final Setting HOST = Setting.of("ODYSSEY_GATEWAY_HOST", "127.0.0.1", "Interface of the HTTP/WebSocket server");
    public static final Setting PORT = Setting.of("ODYSSEY_GATEWAY_PORT", "8080", "Port of the dashboard, /ws/fleet, /health/live, /health/ready, /health and /metrics");
    public static final Setting COALESCE_MS = Setting.of(
        "ODYSSEY_WS_COALESCE_MS", "16", "At most one changes frame per client per this many ms; 0 sends each change at once");
    public static final Setting MAX_PENDING_BYTES = Setting.of(
        "ODYSSEY_WS_MAX_PENDING_BYTES", "1048576", "Unsent bytes above which a client's frames are skipped (conflated)");
    public static final Setting STALL_TIMEOUT_MS = Setting.of(
        "ODYSSEY_WS_STALL_TIMEOUT_MS", "30000", "A client above the pending bound for this long is disconnected");
    public static final Setting MAX_MESSAGE_BYTES = Setting.of(
        "ODYSSEY_WS_MAX_MESSAGE_BYTES", "65536", "Largest message a client may send");
    public static final Setting TILE_URL = Setting.of(
        "ODYSSEY_MAP_TILE_URL", "", "Online raster tile URL template for the dashboard map ({z}/{x}/{y}); empty = offline style");
    public static final Setting TILE_ATTRIBUTION = Setting.of(
        "ODYSSEY_MAP_TILE_ATTRIBUTION", "", "Attribution shown with the online tiles");
    public static final Setting UI_DIR = Setting.of(
        "ODYSSEY_UI_DIR", "", "Serve the dashboard from this directory instead of the bundled build (development)");
    public static final Setting DB_URL = Setting.of("ODYSSEY_GATEWAY_DB_URL", "",
        "JDBC URL of the archive database for the history API (/api/v1/history); empty = history answers 503");
    public static final Setting DB_USER = Setting.of("ODYSSEY_GATEWAY_DB_USER", "postgres", "Archive database user");
    public static final Setting DB_PASSWORD = Setting.of("ODYSSEY_GATEWAY_DB_PASSWORD", "", "Archive database password");
    public static final Setting TOKENS = Setting.of("ODYSSEY_GATEWAY_TOKENS", "",
        "Access tokens, name:role:secret,... (roles viewer, operator, admin; secrets of 16+ characters [A-Za-z0-9_-])");
    public static final Setting TOKENS_FILE = Setting.of("ODYSSEY_GATEWAY_TOKENS_FILE", "",
        "A file of access tokens, one name:role:secret per line (# comments); read at start");
    public static final Setting ANONYMOUS_ROLE = Setting.of("ODYSSEY_GATEWAY_ANONYMOUS_ROLE", "none",
        "Role of requests without a token: none (refused with 401), viewer, operator or admin");
    public static final Setting ALLOWED_ORIGINS = Setting.of("ODYSSEY_GATEWAY_ALLOWED_ORIGINS", "",
        "Browser origins allowed (comma-separated); empty = http://localhost:<port>, http://127.0.0.1:<port> and the Vite dev server http://localhost:5173");
    public static final Setting IO_THREADS = Setting.of("ODYSSEY_GATEWAY_IO_THREADS", "1", "Undertow I/O threads");
    public static final Setting WORKER_THREADS = Setting.of("ODYSSEY_GATEWAY_WORKER_THREADS", "4", "Undertow worker threads");

    public static final List<Setting> ALL;

    static
    {
        final List<Setting> all = new ArrayList<>(GridSettings.ALL);
        all.addAll(List.of(HOST, PORT, COALESCE_MS, MAX_PENDING_BYTES, STALL_TIMEOUT_MS, MAX_MESSAGE_BYTES, TILE_URL,
            TILE_ATTRIBUTION, UI_DIR, DB_URL, DB_USER, DB_PASSWORD, TOKENS, TOKENS_FILE, ANONYMOUS_ROLE, ALLOWED_ORIGINS,
            IO_THREADS, WORKER_THREADS, ProgressWatch.LIVENESS_TIMEOUT_S));
        ALL = List.copyOf(all);
    }

    public String clusterName = GridSettings.CLUSTER_NAME.get();
    public List<String> gridMembers = GridSettings.members(GridSettings.MEMBERS.get());
    public String host = HOST.get();
    public int port = PORT.intValue();
    public long coalesceMs = COALESCE_MS.longValue();
    public long maxPendingBytes = MAX_PENDING_BYTES.longValue();
    public long stallTimeoutMs = STALL_TIMEOUT_MS.longValue();
    public int maxMessageBytes = MAX_MESSAGE_BYTES.intValue();
    public String tileUrl = TILE_URL.get();
    public String tileAttribution = TILE_ATTRIBUTION.get();
    public String uiDir = UI_DIR.get();
    public String dbUrl = DB_URL.get();
    public String dbUser = DB_USER.get();
    public String dbPassword = DB_PASSWORD.get();
    public List<String> tokens = splitList(TOKENS.get());
    public String tokensFile = TOKENS_FILE.get();
    public String anonymousRole = ANONYMOUS_ROLE.get();
    public List<String> allowedOrigins = splitList(ALLOWED_ORIGINS.get());
    public int ioThreads = IO_THREADS.intValue();
    public int workerThreads = WORKER_THREADS.intValue();
    public long livenessTimeoutS = ProgressWatch.LIVENESS_TIMEOUT_S.longValue();

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

    /** The allowed browser origins: as configured, or the gateway's own and the dev server's. */
    public java.util.Set<String> origins(final int actualPort)
    {
        if (!allowedOrigins.isEmpty())
        {
            return java.util.Set.copyOf(allowedOrigins);
        }
        return java.util.Set.of("http://localhost:" + actualPort, "http://127.0.0.1:" + actualPort, "http://localhost:5173");
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
        if (dbUrl != null && !dbUrl.isBlank() && !dbUrl.startsWith("jdbc:postgresql:"))
        {
            throw DB_URL.invalid(dbUrl, "a jdbc:postgresql: URL, or empty for no history API");
        }
        if (port < 0 || port > 65535)
        {
            throw PORT.invalid(String.valueOf(port), "a port number (0 = any free port)");
        }
        if (coalesceMs < 0 || coalesceMs > 10_000)
        {
            throw COALESCE_MS.invalid(String.valueOf(coalesceMs), "between 0 and 10000");
        }
        if (maxPendingBytes < 4096)
        {
            throw MAX_PENDING_BYTES.invalid(String.valueOf(maxPendingBytes), "at least 4096");
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
        if (ioThreads < 1 || workerThreads < 1)
        {
            throw IO_THREADS.invalid(ioThreads + "/" + workerThreads, "at least 1 I/O and 1 worker thread");
        }
        ProgressWatch.timeoutNs(livenessTimeoutS);
        return this;
    }
}
