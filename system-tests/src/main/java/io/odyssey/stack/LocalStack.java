package io.odyssey.stack;

import io.odyssey.archiver.LocalPostgres;
import io.odyssey.cli.PrometheusText;
import io.odyssey.gateway.GatewayConfig;
import io.odyssey.gateway.control.AccessControl;
import io.odyssey.grid.ledger.CommandAuthority;
import io.odyssey.runtime.SecretFile;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The local cluster as {@code ./odyssey cluster} runs it, each role a JVM of its own started from its jar and configured
 * only by environment variables: grid members, ingest nodes (drones sharded over them), one archiver per ingest node,
 * the gateway and the simulator. Everything listens on loopback on ports the system reported free, under a cluster
 * name and a data directory of its own, so stacks of parallel runs never meet.
 * <p>
 * The archive is either a PostgreSQL of the machine's own (with PostGIS) in a temporary directory, which a test can stop
 * and start ({@link LocalPostgres}), or, as {@code ./odyssey cluster} does, an embedded PostgreSQL run by the first
 * archiver and used by the others.
 * <p>
 * Role names: {@code grid-node-1..n}, {@code edge-ingest-1..n}, {@code archiver-1..n} (archiver i tails ingest node
 * i's journal), {@code ws-gateway}, {@code simulator}.
 */
public final class LocalStack implements AutoCloseable
{
    public static final String GATEWAY = "ws-gateway";
    public static final String SIMULATOR = "simulator";

    private static final Duration STATUS_TIMEOUT = Duration.ofSeconds(3);
    private static final io.odyssey.runtime.Setting DRONE_KEYS_SETTING = io.odyssey.runtime.Setting.of(
        "ODYSSEY_INGEST_DRONE_KEYS", "", "the stack's drone key file");

    /** The shape of a stack; every role can get extra settings (by module name) on top of the stack's own. */
    public static final class Options
    {
        public int gridMembers = 3;
        public int ingestNodes = 2;
        public int drones = 120;
        public double rateHz = 10;
        /** As {@code ./odyssey cluster}: the first archiver runs an embedded PostgreSQL. Else the machine's PostgreSQL. */
        public boolean embeddedDatabase;
        public String heap = "256m";
        final Map<String, Map<String, String>> env = new LinkedHashMap<>();

        /** An extra setting for every role of {@code module} (e.g. {@code ws-gateway}, {@code edge-ingest}). */
        public Options env(final String module, final String name, final String value)
        {
            env.computeIfAbsent(module, m -> new LinkedHashMap<>()).put(name, value);
            return this;
        }

        Map<String, String> env(final String module)
        {
            return env.getOrDefault(module, Map.of());
        }
    }

    private final Options options;
    private final Path root;
    private final Path dir;
    private final Path logs;
    private final String cluster = "odyssey-stack-" + UUID.randomUUID();
    private final FreePorts ports = new FreePorts();
    private final Map<String, RoleProcess> roles = new LinkedHashMap<>();
    private final Map<String, Integer> statusPorts = new LinkedHashMap<>();
    private final List<Integer> ingestPorts = new ArrayList<>();
    private final Http http = new Http();
    private String dbPassword = "";
    private String archiverDbUser = "";
    private String archiverDbPassword = "";
    private String historyDbUser = "";
    private String historyDbPassword = "";
    private final String viewerToken = AccessControl.newSecret();
    private final String operatorToken = AccessControl.newSecret();
    private final String secondOperatorToken = AccessControl.newSecret();
    private final String adminToken = AccessControl.newSecret();
    private LocalPostgres postgres;
    private boolean closed;
    private String jdbcUrl;
    private int gatewayPort;

    private LocalStack(final Options options, final Path root, final Path dir, final Path logs)
    {
        this.options = options;
        this.root = root;
        this.dir = dir;
        this.logs = logs;
    }

    /**
     * Starts every role (and the database) and waits until every one reports healthy.
     *
     * @param dir  where the journals (and the embedded database) go.
     * @param logs where each role's log goes ({@code <role>.log}).
     */
    public static LocalStack start(final Options options, final Path dir, final Path logs, final Duration healthyWithin)
        throws Exception
    {
        final LocalStack stack = new LocalStack(options, repositoryRoot(), dir.toAbsolutePath(), logs.toAbsolutePath());
        try
        {
            stack.launch(healthyWithin);
            return stack;
        }
        catch (final Exception | Error ex)
        {
            stack.close();
            throw ex;
        }
    }

    private void launch(final Duration healthyWithin) throws Exception
    {
        Files.createDirectories(dir);
        // The simulated drones' link keys, once for this stack, as `./odyssey cluster` provisions its data directory.
        io.odyssey.codecs.sign.DroneKeys.provision(DRONE_KEYS_SETTING, droneKeys(), 1, options.drones);
        final int dbPort;
        // The embedded database asks for its superuser's password, made here as ./odyssey up makes it; LocalPostgres
        // (a test database) takes none.
        if (options.embeddedDatabase)
        {
            dbPort = ports.tcp();
            jdbcUrl = "jdbc:postgresql://127.0.0.1:" + dbPort + "/postgres";
            dbPassword = java.util.HexFormat.of().formatHex(SecretFile.readOrCreate(
                io.odyssey.archiver.ArchiverConfig.EMBEDDED_DB_PASSWORD_FILE, dir.resolve("postgres.password"), 16));
            // The roles' passwords too (the first archiver makes the roles with them): the other archivers work as
            // the archiver's role, the gateway reads as the history role.
            archiverDbPassword = java.util.HexFormat.of().formatHex(SecretFile.readOrCreate(
                io.odyssey.archiver.ArchiverConfig.EMBEDDED_DB_DIR, dir.resolve("postgres.archiver.password"), 16));
            historyDbPassword = java.util.HexFormat.of().formatHex(SecretFile.readOrCreate(
                io.odyssey.archiver.ArchiverConfig.EMBEDDED_DB_DIR, dir.resolve("postgres.history.password"), 16));
            archiverDbUser = "odyssey_archiver";
            historyDbUser = "odyssey_history";
        }
        else
        {
            postgres = LocalPostgres.start();
            final LocalPostgres.ArchiveDatabase archive = postgres.createArchiveDatabase("odyssey");
            jdbcUrl = archive.url();
            archiverDbUser = archive.archiverUser();
            archiverDbPassword = archive.archiverPassword();
            historyDbUser = archive.historyUser();
            historyDbPassword = archive.historyPassword();
            dbPort = -1;
        }
        final List<Integer> gridPorts = IntStream.range(0, options.gridMembers).mapToObj(i -> ports.tcp()).toList();
        final String members = gridPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
        final Map<String, String> common = Map.of("ODYSSEY_GRID_CLUSTER", cluster, "ODYSSEY_GRID_MEMBERS", members);
        // Keys the grid does not hold, as ./odyssey up makes them: gateways and ingest nodes only.
        final Path commandKey = dir.resolve("keys/command.key");
        final Path gatewayKey = dir.resolve("keys/gateway.key");
        SecretFile.readOrCreate(CommandAuthority.KEY_FILE, commandKey, 32);
        SecretFile.readOrCreate(GatewayConfig.KEY_FILE, gatewayKey, 32);

        for (int i = 0; i < options.gridMembers; i++)
        {
            add("grid-node-" + (i + 1), "grid-node", common, Map.of(
                "ODYSSEY_GRID_PORT", String.valueOf(gridPorts.get(i)),
                "ODYSSEY_GRID_STATUS_PORT", String.valueOf(statusPort("grid-node-" + (i + 1)))));
        }
        for (int i = 1; i <= options.ingestNodes; i++)
        {
            final int port = ports.udp();
            ingestPorts.add(port);
            add("edge-ingest-" + i, "edge-ingest", common, Map.of(
                "ODYSSEY_INGEST_NODE_ID", "ingest-" + i,
                "ODYSSEY_INGEST_ENDPOINT", "127.0.0.1:" + port,
                "ODYSSEY_INGEST_STATUS_PORT", String.valueOf(statusPort("edge-ingest-" + i)),
                "ODYSSEY_INGEST_JOURNAL_DIR", journalDir(i).toString(),
                "ODYSSEY_INGEST_DRONE_KEYS", droneKeys().toString(),
                "ODYSSEY_COMMAND_KEY_FILE", commandKey.toString()));
        }
        for (int i = 1; i <= options.ingestNodes; i++)
        {
            final boolean embedded = options.embeddedDatabase && i == 1;
            final Map<String, String> env = new LinkedHashMap<>(Map.of(
                "ODYSSEY_ARCHIVER_NAME", archiverName(i),
                "ODYSSEY_ARCHIVER_JOURNAL_DIR", journalDir(i).toString(),
                "ODYSSEY_ARCHIVER_DB_URL", embedded ? "" : jdbcUrl,
                "ODYSSEY_ARCHIVER_DB_USER", archiverDbUser,
                "ODYSSEY_ARCHIVER_DB_PASSWORD", embedded ? "" : archiverDbPassword,
                "ODYSSEY_ARCHIVER_STATUS_PORT", String.valueOf(statusPort("archiver-" + i))));
            if (embedded)
            {
                env.put("ODYSSEY_ARCHIVER_EMBEDDED_DB_DIR", dir.resolve("postgres").toString());
                env.put("ODYSSEY_ARCHIVER_EMBEDDED_DB_PORT", String.valueOf(dbPort));
            }
            add("archiver-" + i, "archiver", common, env);
        }
        gatewayPort = ports.tcp();
        statusPorts.put(GATEWAY, gatewayPort);
        add(GATEWAY, "ws-gateway", common, Map.of(
            "ODYSSEY_GATEWAY_PORT", String.valueOf(gatewayPort),
            "ODYSSEY_GATEWAY_TOKENS", "viewer:viewer:" + viewerToken + ",ops:operator:" + operatorToken +
                ",surge:operator:" + secondOperatorToken + ",admin:admin:" + adminToken,
            "ODYSSEY_GATEWAY_DB_URL", jdbcUrl,
            "ODYSSEY_GATEWAY_DB_USER", historyDbUser,
            "ODYSSEY_GATEWAY_DB_PASSWORD", historyDbPassword,
            "ODYSSEY_GATEWAY_KEY_FILE", gatewayKey.toString(),
            "ODYSSEY_COMMAND_KEY_FILE", commandKey.toString()));
        add(SIMULATOR, "simulator", Map.of(), Map.of(
            "ODYSSEY_SIM_DRONES", String.valueOf(options.drones),
            "ODYSSEY_SIM_RATE_HZ", String.valueOf(options.rateHz),
            "ODYSSEY_SIM_ENDPOINTS", ingestPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(",")),
            "ODYSSEY_SIM_STATUS_PORT", String.valueOf(statusPort(SIMULATOR)),
            "ODYSSEY_SIM_COMMAND_ENDPOINT", "127.0.0.1:0",
            "ODYSSEY_SIM_DRONE_KEYS", droneKeys().toString()));
        log("starting " + roles.keySet() + " (cluster " + cluster + ", data in " + dir + ")");
        // In stages, as their dependencies come up: on two cores eight JVMs starting at once take minutes, and a
        // client that waits too long for its grid gives up.
        final long deadline = System.nanoTime() + healthyWithin.toNanos();
        for (final List<String> stage : List.of(roleNames("grid-node"),
            roles.keySet().stream().filter(name -> name.startsWith("edge-ingest") || name.startsWith("archiver")).toList(),
            List.of(GATEWAY, SIMULATOR)))
        {
            for (final String name : stage)
            {
                roles.get(name).start();
            }
            awaitStage(stage, deadline);
        }
    }

    /** Waits for a stage to be healthy, starting again (once) a role that died while starting. */
    private void awaitStage(final List<String> stage, final long deadline) throws Exception
    {
        final Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
        if (awaitHealthy(stage, left.dividedBy(2)))
        {
            return;
        }
        for (final String name : stage)
        {
            final RoleProcess role = roles.get(name);
            if (!role.isAlive())
            {
                log(name + " died while starting (exit " + role.exitCode() + "): starting it again");
                role.start();
            }
        }
        if (!awaitHealthy(stage, Duration.ofNanos(Math.max(0, deadline - System.nanoTime()))))
        {
            throw new IllegalStateException("the stack was not healthy in time: " + unhealthy(stage) + " (logs in " +
                logDir() + ")");
        }
    }

    private int statusPort(final String role)
    {
        return statusPorts.computeIfAbsent(role, r -> ports.tcp());
    }

    private void add(final String name, final String module, final Map<String, String> common, final Map<String, String> own)
    {
        final Map<String, String> env = new LinkedHashMap<>(common);
        env.putAll(own);
        env.putAll(options.env(module));
        roles.put(name, new RoleProcess(name, root.resolve(module + "/target/odyssey-" + module + ".jar"), options.heap,
            env, logDir().resolve(name + ".log")));
    }

    public static String moduleOf(final String role)
    {
        return role.replaceFirst("-\\d+$", "");
    }

    // --- what is running ----------------------------------------------------------------------------------------------

    public RoleProcess role(final String name)
    {
        final RoleProcess role = roles.get(name);
        if (role == null)
        {
            throw new IllegalArgumentException("no role " + name + " in " + roles.keySet());
        }
        return role;
    }

    public Collection<String> roleNames()
    {
        return List.copyOf(roles.keySet());
    }

    public List<String> roleNames(final String module)
    {
        return roles.keySet().stream().filter(name -> moduleOf(name).equals(module)).toList();
    }

    public Options options()
    {
        return options;
    }

    /** The drones' key file every ingest node and the simulator of this stack read. */
    public Path droneKeys()
    {
        return dir.resolve("drone-keys");
    }

    /**
     * Gives drones {@code [firstId, lastId]} keys too (a drill playing drones of its own); the ingest nodes take them
     * within their reload period (5 s): wait for {@code odyssey_ingest_drone_keys} before sending.
     */
    public void addDroneKeys(final long firstId, final long lastId)
    {
        io.odyssey.codecs.sign.DroneKeys.provision(DRONE_KEYS_SETTING, droneKeys(), firstId, lastId);
    }

    public int drones()
    {
        return options.drones;
    }

    public String cluster()
    {
        return cluster;
    }

    public Path directory()
    {
        return dir;
    }

    public Path logDir()
    {
        return logs;
    }

    public int gatewayPort()
    {
        return gatewayPort;
    }

    public String gatewayUrl(final String path)
    {
        return "http://127.0.0.1:" + gatewayPort + path;
    }

    public int ingestNodes()
    {
        return options.ingestNodes;
    }

    /** The Aeron UDP endpoint of ingest node {@code node} (1-based). */
    public String ingestEndpoint(final int node)
    {
        return "127.0.0.1:" + ingestPorts.get(node - 1);
    }

    /** The journal root of ingest node {@code node} (1-based). */
    public Path journalDir(final int node)
    {
        return dir.resolve("journal").resolve("ingest-" + node);
    }

    /** The name archiver {@code node} records its journal positions under. */
    public static String archiverName(final int node)
    {
        return "archiver-ingest-" + node;
    }

    public String jdbcUrl()
    {
        return jdbcUrl;
    }

    /** The archive database's password for {@code postgres} (the embedded one's generated password; empty for a test database). */
    public String dbPassword()
    {
        return dbPassword;
    }

    /** The machine's PostgreSQL the stack archives into, or null with the embedded database. */
    public LocalPostgres postgres()
    {
        return postgres;
    }

    public Http http()
    {
        return http;
    }

    public String viewerToken()
    {
        return viewerToken;
    }

    /** The token of operator {@code ops}. */
    public String operatorToken()
    {
        return operatorToken;
    }

    /** The token of a second operator, {@code surge}. */
    public String secondOperatorToken()
    {
        return secondOperatorToken;
    }

    public String adminToken()
    {
        return adminToken;
    }

    // --- health and metrics -------------------------------------------------------------------------------------------

    public Http.Response health(final String role)
    {
        // The gateway tells its checks only to a viewer (other roles' status ports are internal and ignore the token).
        return http.get("http://127.0.0.1:" + statusPorts.get(role) + "/health", viewerToken, STATUS_TIMEOUT);
    }

    public boolean healthy(final String role)
    {
        return roles.get(role).isAlive() && health(role).status() == 200;
    }

    /** The role's /metrics, or an empty list when it does not answer. */
    public List<PrometheusText.Sample> metrics(final String role)
    {
        // The gateway's /metrics needs a viewer token; other roles' status ports are internal and ignore it.
        final Http.Response response = http.get("http://127.0.0.1:" + statusPorts.get(role) + "/metrics", viewerToken,
            STATUS_TIMEOUT);
        return response.status() == 200 ? PrometheusText.parse(response.body()) : List.of();
    }

    /** The sum of every sample of {@code name} (all labels), or NaN when the role does not answer. */
    public double metric(final String role, final String name)
    {
        return metric(role, sample -> sample.name().equals(name));
    }

    /** The sum of the samples that match, or NaN when the role does not answer. */
    public double metric(final String role, final Predicate<PrometheusText.Sample> which)
    {
        final List<PrometheusText.Sample> samples = metrics(role);
        return samples.isEmpty() ? Double.NaN :
            samples.stream().filter(which).mapToDouble(PrometheusText.Sample::value).sum();
    }

    /** Waits until every named role runs and answers /health with 200. */
    public boolean awaitHealthy(final Collection<String> names, final Duration within) throws InterruptedException
    {
        final long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline)
        {
            if (unhealthy(names).isEmpty())
            {
                return true;
            }
            Thread.sleep(500);
        }
        return unhealthy(names).isEmpty();
    }

    /** The roles of {@code names} that are not running or not healthy, with why. */
    public Map<String, String> unhealthy(final Collection<String> names)
    {
        final Map<String, String> bad = new LinkedHashMap<>();
        for (final String name : names)
        {
            final RoleProcess role = roles.get(name);
            if (!role.isAlive())
            {
                bad.put(name, "not running" + (role.exitCode() == null ? "" : " (exit " + role.exitCode() + ")"));
                continue;
            }
            final Http.Response health = health(name);
            if (health.status() != 200)
            {
                bad.put(name, health.status() < 0 ? health.describe() : health.status() + " " + health.body());
            }
        }
        return bad;
    }

    /**
     * Brings the stack back to health after a fault: starts every role that is not running, and kills and restarts one
     * that runs but stays unhealthy (a wedged process). Returns what it had to do, empty when all was well.
     */
    public List<String> repair(final Duration within) throws Exception
    {
        final List<String> done = new ArrayList<>();
        for (final RoleProcess role : roles.values())
        {
            if (!role.isAlive())
            {
                done.add("started " + role.name() + " (it was not running)");
                role.start();
            }
        }
        if (awaitHealthy(roles.keySet(), within))
        {
            return done;
        }
        for (final Map.Entry<String, String> bad : unhealthy(roles.keySet()).entrySet())
        {
            done.add("killed and restarted " + bad.getKey() + " (" + bad.getValue() + ")");
            final RoleProcess role = roles.get(bad.getKey());
            role.kill();
            role.start();
        }
        if (!awaitHealthy(roles.keySet(), within))
        {
            done.add("still unhealthy: " + unhealthy(roles.keySet()));
        }
        return done;
    }

    /** Stops every role (the simulator first, the grid last) and the database; again, it does nothing. */
    public synchronized void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        final List<RoleProcess> reversed = new ArrayList<>(roles.values());
        java.util.Collections.reverse(reversed);
        for (final RoleProcess role : reversed)
        {
            try
            {
                role.stop(20_000);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }
        if (postgres != null)
        {
            try
            {
                postgres.close();
            }
            catch (final Exception ex)
            {
                log("could not stop PostgreSQL: " + ex);
            }
        }
    }

    private static void log(final String line)
    {
        System.out.println("[stack] " + line);
    }

    /** The repository checkout: the directory holding the {@code odyssey} launcher, from here or above. */
    public static Path repositoryRoot()
    {
        final String configured = System.getProperty("odyssey.root");
        if (configured != null)
        {
            return Path.of(configured).toAbsolutePath();
        }
        File dir = new File("").getAbsoluteFile();
        while (dir != null && !new File(dir, "odyssey").isFile())
        {
            dir = dir.getParentFile();
        }
        if (dir == null)
        {
            throw new IllegalStateException("run from inside the repository (or set -Dodyssey.root)");
        }
        return dir.toPath();
    }
}
