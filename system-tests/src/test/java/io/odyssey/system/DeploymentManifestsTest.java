package io.odyssey.system;

import io.odyssey.archiver.ArchiverConfig;
import io.odyssey.gateway.GatewayConfig;
import io.odyssey.grid.GridNodeConfig;
import io.odyssey.ingest.EdgeIngestConfig;
import io.odyssey.mavlink.edge.MavlinkEdgeConfig;
import io.odyssey.runtime.Setting;
import io.odyssey.simulator.SimulatorConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static io.odyssey.system.DeploymentFiles.ROOT;
import static io.odyssey.system.DeploymentFiles.at;
import static io.odyssey.system.DeploymentFiles.list;
import static io.odyssey.system.DeploymentFiles.map;
import static io.odyssey.system.DeploymentFiles.name;
import static io.odyssey.system.DeploymentFiles.named;
import static io.odyssey.system.DeploymentFiles.node;
import static io.odyssey.system.DeploymentFiles.nodeFailing;
import static io.odyssey.system.DeploymentFiles.nodeJson;
import static io.odyssey.system.DeploymentFiles.podSpec;
import static io.odyssey.system.DeploymentFiles.render;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deployment files are checked against the code, since no Docker engine or cluster runs here: every variable a
 * manifest sets is one the role reads, probes hit the role's real status port and health paths, images match the
 * build, the Compose file passes what {@code docker compose config} checks, the Dockerfile creates every directory its
 * roles write for their user and copies everything the build reads, and the workflows pass actionlint and do what
 * they promise. {@link KubernetesPolicyTest} holds the manifests to the hardening and namespace rules,
 * {@link MonitoringFilesTest} the alerts and dashboard to the metrics.
 */
class DeploymentManifestsTest
{
    static final Map<String, List<Setting>> SETTINGS = Map.of(
        "grid-node", GridNodeConfig.ALL,
        "edge-ingest", EdgeIngestConfig.ALL,
        "ws-gateway", GatewayConfig.ALL,
        "simulator", SimulatorConfig.ALL,
        "archiver", ArchiverConfig.ALL,
        "mavlink-edge", MavlinkEdgeConfig.ALL);
    /** The setting holding each role's HTTP status port, where /health/live, /health/ready and /metrics are. */
    static final Map<String, Setting> STATUS_PORT = Map.of(
        "grid-node", GridNodeConfig.STATUS_PORT,
        "edge-ingest", EdgeIngestConfig.STATUS_PORT,
        "ws-gateway", GatewayConfig.PORT,
        "simulator", SimulatorConfig.STATUS_PORT,
        "archiver", ArchiverConfig.STATUS_PORT,
        "mavlink-edge", MavlinkEdgeConfig.STATUS_PORT);
    /** The roles that run an embedded Aeron media driver, whose buffers live in /dev/shm. */
    static final Set<String> AERON_ROLES = Set.of("edge-ingest", "simulator", "mavlink-edge");
    /** Containers that are not ours: the database, from the image that carries TimescaleDB and PostGIS. */
    static final String DATABASE_IMAGE = "timescale/timescaledb-ha:pg17.4-ts2.18.2";
    static final String COMPOSE_IMAGE = "odyssey:local";

    @Test
    void shouldRenderEveryOverlayIntoManifestsThatMatchTheCode() throws Exception
    {
        for (final String overlay : DeploymentFiles.OVERLAYS)
        {
            final List<Map<String, Object>> documents = render(overlay);
            final Set<String> kinds = documents.stream().map(d -> (String)d.get("kind")).collect(Collectors.toSet());
            assertThat(kinds).as(overlay).contains("StatefulSet", "Deployment", "Service", "PodDisruptionBudget",
                "NetworkPolicy", "ConfigMap", "Namespace");
            // No Job (its pod template is immutable: a second release would fail) and no Secret (created out of band:
            // an apply must never overwrite real credentials with placeholders).
            assertThat(kinds).as(overlay).doesNotContain("Job", "Secret");
            final Map<String, Map<String, Object>> configMaps = new HashMap<>();
            for (final Map<String, Object> document : DeploymentFiles.ofKind(documents, "ConfigMap"))
            {
                configMaps.put(name(document), map(document.get("data")));
            }
            final List<String> roles = new ArrayList<>();
            int databases = 0;
            for (final Map<String, Object> document : documents)
            {
                final Map<String, Object> podSpec = podSpec(document);
                if (podSpec == null)
                {
                    continue;
                }
                for (final Object container : list(podSpec.get("containers")))
                {
                    if (DATABASE_IMAGE.equals(map(container).get("image")))
                    {
                        databases++;
                        continue;
                    }
                    roles.add(checkContainer(overlay + "/" + name(document), map(container), configMaps));
                }
            }
            // The simulator is a demo component: in the kind overlay, never in the production one. Real vehicles come
            // through the MAVLink edge in both.
            assertThat(roles).as("Odyssey containers in %s", overlay).containsExactlyInAnyOrderElementsOf(
                "kind".equals(overlay) ? List.of("grid-node", "edge-ingest", "archiver", "ws-gateway", "mavlink-edge", "simulator") :
                    List.of("grid-node", "edge-ingest", "archiver", "ws-gateway", "mavlink-edge"));
            assertThat(databases).as("TimescaleDB in %s", overlay).isEqualTo(1);
            assertThat(String.valueOf(documents)).as("%s: no placeholder credentials in what is applied", overlay)
                .doesNotContain("change-me");
            // The Secrets the pods need are exactly those the examples of k8s/examples show how to create.
            final Set<String> referenced = new HashSet<>();
            for (final Map<String, Object> document : documents)
            {
                final Map<String, Object> pod = podSpec(document);
                if (pod == null)
                {
                    continue;
                }
                list(pod.get("volumes")).stream().map(v -> at(v, "secret.secretName")).filter(java.util.Objects::nonNull)
                    .forEach(secret -> referenced.add((String)secret));
                list(pod.get("containers")).stream().flatMap(c -> list(map(c).get("env")).stream())
                    .map(e -> at(e, "valueFrom.secretKeyRef.name")).filter(java.util.Objects::nonNull)
                    .forEach(secret -> referenced.add((String)secret));
            }
            final Set<String> examples = DeploymentFiles.parseAll(Files.readString(ROOT.resolve("k8s/examples/secrets.example.yaml")))
                .stream().map(DeploymentFiles::name).collect(Collectors.toSet());
            assertThat(referenced).as("%s: Secrets referenced", overlay).containsExactlyInAnyOrderElementsOf(examples);
            // The archiver and the history API on roles of their own; the superuser's Secret reaches the database only.
            final Map<String, Object> ingest = named(documents, "StatefulSet", "odyssey-ingest");
            final Object archiver = list(at(podSpec(ingest), "containers")).stream()
                .filter(c -> "archiver".equals(map(c).get("name"))).findFirst().orElseThrow();
            assertThat(String.valueOf(map(archiver).get("env"))).as(overlay)
                .contains("name=ODYSSEY_ARCHIVER_DB_USER, value=odyssey_archiver").contains("name=odyssey-db-archiver");
            final Map<String, Object> gateway = named(documents, "Deployment", "odyssey-gateway");
            assertThat(String.valueOf(at(podSpec(gateway), "containers"))).as(overlay)
                .contains("name=ODYSSEY_GATEWAY_DB_USER, value=odyssey_history").contains("name=odyssey-db-history");
            for (final Map<String, Object> document : documents)
            {
                if (podSpec(document) != null && !"odyssey-timescaledb".equals(name(document)))
                {
                    assertThat(String.valueOf(podSpec(document))).as("%s/%s: no superuser password", overlay, name(document))
                        .doesNotContainPattern("name=odyssey-db[,}]");
                }
            }
        }
    }

    /** Checks one Odyssey container; returns its role. */
    private static String checkContainer(
        final String where, final Map<String, Object> container, final Map<String, Map<String, Object>> configMaps)
    {
        final Map<String, String> env = environment(where, container, configMaps);
        final String role = env.get("ODYSSEY_ROLE");
        assertThat(SETTINGS).as("%s: ODYSSEY_ROLE", where).containsKey(role);
        checkVariables(where, role, env);

        final Map<String, Integer> ports = new HashMap<>();
        for (final Object item : list(container.get("ports")))
        {
            final Map<String, Object> port = map(item);
            ports.put((String)port.get("name"), (Integer)port.get("containerPort"));
        }
        final int statusPort = statusPort(role, env);
        assertThat(ports.values()).as("%s: exposes its status port", where).contains(statusPort);
        // Liveness and start-up ask only whether the process makes progress; readiness asks for its dependencies.
        final Map<String, String> paths = Map.of(
            "startupProbe", "/health/live", "livenessProbe", "/health/live", "readinessProbe", "/health/ready");
        for (final Map.Entry<String, String> probe : paths.entrySet())
        {
            if (container.get(probe.getKey()) == null)
            {
                // Only the archiver sidecar goes without readiness: a database outage must not take its ingest node
                // out of service.
                assertThat(role + "/" + probe.getKey()).as(where).isEqualTo("archiver/readinessProbe");
                continue;
            }
            final Map<String, Object> get = map(map(container.get(probe.getKey())).get("httpGet"));
            final Object port = get.get("port");
            assertThat(get.get("path")).as("%s: %s path", where, probe.getKey()).isEqualTo(probe.getValue());
            assertThat(port instanceof String ? ports.get(port) : port).as("%s: %s port", where, probe.getKey())
                .isEqualTo(statusPort);
        }
        return role;
    }

    /** A container's environment: literal values, ConfigMap entries (by envFrom or key), secrets and fields by name. */
    static Map<String, String> environment(
        final String where, final Map<String, Object> container, final Map<String, Map<String, Object>> configMaps)
    {
        final Map<String, String> env = new HashMap<>();
        for (final Object item : list(container.get("env")))
        {
            final Map<String, Object> variable = map(item);
            final String name = (String)variable.get("name");
            final Map<String, Object> from = map(variable.get("valueFrom"));
            if (variable.get("value") != null)
            {
                env.put(name, String.valueOf(variable.get("value")));
            }
            else if (from.get("configMapKeyRef") != null)
            {
                final Map<String, Object> ref = map(from.get("configMapKeyRef"));
                assertThat(configMaps).as("%s: ConfigMap %s exists", where, ref.get("name")).containsKey((String)ref.get("name"));
                assertThat(configMaps.get(ref.get("name"))).as("%s: %s", where, ref).containsKey((String)ref.get("key"));
                env.put(name, String.valueOf(configMaps.get(ref.get("name")).get(ref.get("key"))));
            }
            else
            {
                assertThat(from.keySet()).as("%s: %s comes from a Secret or a field", where, name)
                    .containsAnyOf("secretKeyRef", "fieldRef");
                env.put(name, "<" + from.keySet().iterator().next() + ">");
            }
        }
        for (final Object item : list(container.get("envFrom")))
        {
            final String configMap = (String)map(map(item).get("configMapRef")).get("name");
            assertThat(configMaps).as("%s: ConfigMap %s exists", where, configMap).containsKey(configMap);
            configMaps.get(configMap).forEach((key, value) -> env.putIfAbsent(key, String.valueOf(value)));
        }
        return env;
    }

    static void checkVariables(final String where, final String role, final Map<String, String> env)
    {
        final Set<String> known = SETTINGS.get(role).stream().map(Setting::envName).collect(Collectors.toSet());
        for (final String name : env.keySet())
        {
            if (!name.equals("ODYSSEY_ROLE") && !name.equals("JAVA_TOOL_OPTIONS"))
            {
                final String read = KEYS_BY_CONTENT.contains(name) ? name + "_FILE" :
                    name.equals(DRONE_KEYS) ? DRONE_KEYS_FILE.getOrDefault(role, "(no drone key file in " + role + ")") : name;
                assertThat(known).as("%s: %s is read by %s", where, read, role).contains(read);
            }
        }
    }

    static int statusPort(final String role, final Map<String, String> env)
    {
        final Setting setting = STATUS_PORT.get(role);
        return setting.parseInt(env.getOrDefault(setting.envName(), setting.defaultValue()));
    }

    @Test
    void shouldParseEveryRenderedManifestStrictlyIntoTypedKubernetesModels() throws Exception
    {
        for (final String overlay : DeploymentFiles.OVERLAYS)
        {
            final List<String> problems = new ArrayList<>();
            for (final Map<String, Object> document : render(overlay))
            {
                problems.addAll(TypedManifests.problems(document));
            }
            assertThat(problems).as("typed parsing of the %s overlay", overlay).isEmpty();
        }
        // And the check can fail: a misspelt field and an unknown kind are reported.
        final Map<String, Object> service = map(DeploymentFiles.yaml().load("""
            apiVersion: v1
            kind: Service
            metadata: { name: typo }
            spec:
              ports: [{ port: 80, targtPort: 8080 }]
            """));
        assertThat(TypedManifests.problems(service)).singleElement().asString().contains("targtPort");
        assertThat(TypedManifests.problems(Map.of("apiVersion", "v1", "kind", "Pot"))).singleElement().asString()
            .contains("not a kind");
    }

    /** Secrets a user exports before {@code docker compose up} (the file refuses to start without them). */
    static final String[] COMPOSE_ENV = {"--env", "ODYSSEY_DB_PASSWORD=generated-db-password",
        "--env", "ODYSSEY_DB_ARCHIVER_PASSWORD=generated-archiver-password",
        "--env", "ODYSSEY_DB_HISTORY_PASSWORD=generated-history-password",
        "--env", "ODYSSEY_GATEWAY_TOKENS=operator:operator:generated-operator-token",
        "--env", "ODYSSEY_GATEWAY_KEY=" + "a1".repeat(32), "--env", "ODYSSEY_COMMAND_KEY=" + "c0".repeat(32),
        "--env", "ODYSSEY_DRONE_KEYS=1 " + "d2".repeat(32)};
    /** Keys given as their content: the entrypoint writes each to an owner-only file and sets the setting naming it. */
    static final Set<String> KEYS_BY_CONTENT = Set.of("ODYSSEY_GATEWAY_KEY", "ODYSSEY_COMMAND_KEY");
    /** The drones' link keys, given as the key file's lines: the entrypoint writes them to the file the role names. */
    static final String DRONE_KEYS = "ODYSSEY_DRONE_KEYS";
    static final Map<String, String> DRONE_KEYS_FILE = Map.of(
        "edge-ingest", "ODYSSEY_INGEST_DRONE_KEYS", "simulator", "ODYSSEY_SIM_DRONE_KEYS",
        "mavlink-edge", "ODYSSEY_MAVLINK_DRONE_KEYS");

    /** docker-compose.yml as {@code docker compose config} would see it with the user's secrets exported. */
    static Map<String, Object> compose() throws Exception
    {
        final List<String> arguments = new ArrayList<>(List.of("validate-compose.mjs", "--json"));
        arguments.addAll(List.of(COMPOSE_ENV));
        arguments.add(ROOT.resolve("docker-compose.yml").toString());
        return map(nodeJson(arguments.toArray(String[]::new)));
    }

    @Test
    void shouldValidateComposeAsDockerComposeConfigWould() throws Exception
    {
        final List<String> arguments = new ArrayList<>(List.of("validate-compose.mjs"));
        arguments.addAll(List.of(COMPOSE_ENV));
        arguments.add(ROOT.resolve("docker-compose.yml").toString());
        assertThat(node(arguments.toArray(String[]::new))).contains("valid Compose file (12 services)");
        // Without the secrets it refuses, naming each (no placeholder password or token is ever used).
        assertThat(nodeFailing("validate-compose.mjs", ROOT.resolve("docker-compose.yml").toString()))
            .contains("required variable ODYSSEY_DB_PASSWORD", "required variable ODYSSEY_DB_ARCHIVER_PASSWORD",
                "required variable ODYSSEY_DB_HISTORY_PASSWORD", "required variable ODYSSEY_GATEWAY_TOKENS",
                "required variable ODYSSEY_GATEWAY_KEY", "required variable ODYSSEY_COMMAND_KEY",
                "required variable ODYSSEY_DRONE_KEYS");

        // And the check can fail: a misspelt key, a dependency on nothing, a network nobody declared.
        final Path broken = Files.createTempFile("compose-", ".yml");
        try
        {
            Files.writeString(broken, Files.readString(ROOT.resolve("docker-compose.yml"))
                .replace("stop_grace_period: 30s", "stop_grace_periods: 30s")
                .replace("ingest: { condition: service_healthy }", "ingestt: { condition: service_healthy }")
                .replace("networks: [db]\n", "networks: [dbb]\n")
                .replace("./deploy/monitoring", ROOT.resolve("deploy/monitoring").toString()));
            arguments.set(arguments.size() - 1, broken.toString());
            assertThat(nodeFailing(arguments.toArray(String[]::new)))
                .contains("stop_grace_periods", "no service ingestt", "no network dbb");
        }
        finally
        {
            Files.delete(broken);
        }
    }

    /**
     * CI's compose job runs scripts/compose-smoke on a machine where nothing is exported: it must provide every variable
     * the Compose file requires ({@code ${NAME:?...}}), or Compose refuses before anything starts (it lacked the gateway,
     * command and drone keys once they became required, and nothing here noticed). The test's own environment too.
     */
    @Test
    void shouldProvideEveryRequiredComposeVariableInTheSmokeScriptAndHere() throws Exception
    {
        final Set<String> required = new HashSet<>();
        final Matcher variable = Pattern.compile("\\$\\{([A-Z0-9_]+):\\?")
            .matcher(Files.readString(ROOT.resolve("docker-compose.yml")));
        while (variable.find())
        {
            required.add(variable.group(1));
        }
        assertThat(required).contains("ODYSSEY_DB_PASSWORD", "ODYSSEY_GATEWAY_KEY", "ODYSSEY_DRONE_KEYS");

        final String smoke = Files.readString(ROOT.resolve("scripts/compose-smoke"));
        final Set<String> exported = new HashSet<>();
        final Matcher export = Pattern.compile("(?m)^\\s*export ([A-Z0-9_]+)").matcher(smoke);
        while (export.find())
        {
            exported.add(export.group(1));
        }
        assertThat(exported).as("variables scripts/compose-smoke exports").containsAll(required);
        // It also flies an independent MAVLink vehicle through the edge: a registry naming the drone it adds a key for.
        assertThat(smoke).contains("export ODYSSEY_MAVLINK_VEHICLES_FILE", "seq 1 201", "mavlink-edge/src/test/node/vehicle.mjs",
            "/api/v1/drones/$mavlink_drone");

        final Set<String> given = new HashSet<>();
        for (int i = 1; i < COMPOSE_ENV.length; i += 2)
        {
            given.add(COMPOSE_ENV[i].substring(0, COMPOSE_ENV[i].indexOf('=')));
        }
        assertThat(given).as("variables this test gives Compose").containsAll(required);
    }

    @Test
    void shouldConfigureComposeServicesOnlyWithVariablesTheirRoleReads() throws Exception
    {
        final Map<String, Object> services = map(compose().get("services"));
        assertThat(services).containsOnlyKeys("grid-1", "grid-2", "grid-3", "ingest", "gateway", "simulator", "archiver",
            "db-init", "timescaledb", "mavlink-edge", "prometheus", "grafana");
        for (final Map.Entry<String, Object> entry : services.entrySet())
        {
            final Map<String, Object> service = map(entry.getValue());
            if (!COMPOSE_IMAGE.equals(service.get("image")))
            {
                continue;
            }
            final Map<String, String> env = new HashMap<>();
            map(service.get("environment")).forEach((key, value) -> env.put(key, String.valueOf(value)));
            final String role = env.get("ODYSSEY_ROLE");
            assertThat(SETTINGS).as("%s: ODYSSEY_ROLE", entry.getKey()).containsKey(role);
            checkVariables("compose/" + entry.getKey(), role, env);
            assertThat(service.get("build")).as("%s: built from this repository", entry.getKey()).isEqualTo(".");
            if (AERON_ROLES.contains(role))
            {
                assertThat(service.get("shm_size")).as("%s: /dev/shm for Aeron", entry.getKey()).isNotNull();
            }
            if ("db-init".equals(entry.getKey()))
            {
                // A one-shot (the database's init step): what others wait for is its exit status, not a health check.
                assertThat(list(service.get("command"))).containsExactly("archiver", "--init-roles");
                assertThat(at(service, "healthcheck.disable")).isEqualTo(true);
                continue;
            }
            // Compose's health check: the role's readiness, with a start period for a cold JVM on a small machine.
            final Map<String, Object> health = map(service.get("healthcheck"));
            assertThat(list(health.get("test"))).as(entry.getKey()).containsExactly("CMD", "/opt/odyssey/bin/healthcheck.sh", "/health/ready");
            assertThat(seconds(health.get("start_period"))).as("%s: start period", entry.getKey()).isGreaterThanOrEqualTo(180);
        }
        // The archiver reads the ingest node's journal: the same volume, at the directories both are configured with.
        final String journalVolume = "ingest-journal:/var/lib/odyssey/journal";
        assertThat(list(map(services.get("ingest")).get("volumes"))).contains(journalVolume);
        assertThat(list(map(services.get("archiver")).get("volumes"))).contains(journalVolume);
        assertThat(map(map(services.get("archiver")).get("depends_on"))).containsKeys("db-init", "ingest");
        assertThat(at(map(services.get("archiver")).get("depends_on"), "db-init.condition"))
            .isEqualTo("service_completed_successfully");
        assertThat(String.valueOf(map(map(services.get("archiver")).get("environment")).get("ODYSSEY_ARCHIVER_DB_URL")))
            .startsWith("jdbc:postgresql://timescaledb:5432/");
        // The user's secrets reach the roles; nothing has a default password.
        // Each works as its own database role (docs/operations.md, "Database"); only the database and its init step
        // hold the superuser's password.
        assertThat(map(map(services.get("archiver")).get("environment")))
            .containsEntry("ODYSSEY_ARCHIVER_DB_USER", "odyssey_archiver")
            .containsEntry("ODYSSEY_ARCHIVER_DB_PASSWORD", "generated-archiver-password");
        assertThat(map(map(services.get("db-init")).get("environment")))
            .containsEntry("ODYSSEY_ARCHIVER_DB_ADMIN_PASSWORD", "generated-db-password")
            .containsEntry("ODYSSEY_ARCHIVER_HISTORY_DB_USER", "odyssey_history")
            .containsEntry("ODYSSEY_ARCHIVER_HISTORY_DB_PASSWORD", "generated-history-password");
        for (final Map.Entry<String, Object> entry : services.entrySet())
        {
            if (!List.of("timescaledb", "db-init").contains(entry.getKey()))
            {
                assertThat(String.valueOf(map(entry.getValue()).get("environment"))).as(entry.getKey())
                    .doesNotContain("generated-db-password");
            }
        }
        assertThat(map(map(services.get("gateway")).get("environment")))
            .containsEntry("ODYSSEY_GATEWAY_DB_USER", "odyssey_history")
            .containsEntry("ODYSSEY_GATEWAY_DB_PASSWORD", "generated-history-password")
            .containsEntry("ODYSSEY_GATEWAY_TOKENS", "operator:operator:generated-operator-token");
        assertThat(map(map(services.get("timescaledb")).get("environment"))).containsEntry("POSTGRES_PASSWORD", "generated-db-password");
        // The MAVLink edge sends its vehicles' telemetry to the ingest service, once that is healthy, with the drones'
        // keys it verifies MAVLink signatures with.
        final Map<String, Object> mavlinkEdge = map(services.get("mavlink-edge"));
        assertThat(at(mavlinkEdge.get("depends_on"), "ingest.condition")).isEqualTo("service_healthy");
        assertThat(map(mavlinkEdge.get("environment"))).containsEntry("ODYSSEY_MAVLINK_INGEST_ENDPOINTS", "ingest:40123")
            .containsEntry(DRONE_KEYS, "1 " + "d2".repeat(32));
    }

    @Test
    void shouldPublishOnlyTheGatewayIngestAndMavlinkEdgeAndKeepTheGridAndDatabaseOnInternalNetworks() throws Exception
    {
        final Map<String, Object> compose = compose();
        final Map<String, Object> services = map(compose.get("services"));
        final Map<String, List<Object>> published = new HashMap<>();
        services.forEach((name, service) ->
        {
            if (map(service).get("ports") != null)
            {
                published.put(name, list(map(service).get("ports")));
            }
        });
        // Grafana only in the monitoring profile, and only on this machine's loopback.
        assertThat(published).containsOnly(
            Map.entry("gateway", List.of("8080:8080")),
            Map.entry("ingest", List.of("40123:40123/udp")),
            Map.entry("mavlink-edge", List.of("14550:14550/udp")),
            Map.entry("grafana", List.of("127.0.0.1:3000:3000")));
        assertThat(list(map(services.get("grafana")).get("profiles"))).containsExactly("monitoring");

        final Map<String, Object> networks = map(compose.get("networks"));
        assertThat(at(networks, "grid.internal")).as("the grid network reaches nothing outside").isEqualTo(true);
        assertThat(at(networks, "db.internal")).as("the database network reaches nothing outside").isEqualTo(true);
        final Map<String, Set<String>> members = new HashMap<>();
        services.forEach((name, service) -> list(map(service).get("networks"))
            .forEach(network -> members.computeIfAbsent((String)network, n -> new HashSet<>()).add(name)));
        assertThat(members.get("grid")).as("who reaches the grid")
            .containsExactlyInAnyOrder("grid-1", "grid-2", "grid-3", "ingest", "gateway", "prometheus");
        assertThat(members.get("db")).as("who reaches the database")
            .containsExactlyInAnyOrder("timescaledb", "db-init", "archiver", "gateway", "prometheus");
        // A service that publishes a port is on a network that is not internal (Docker cannot publish from one).
        for (final String name : published.keySet())
        {
            assertThat(list(map(services.get(name)).get("networks"))).as(name)
                .anyMatch(network -> !Boolean.TRUE.equals(at(networks, network + ".internal")));
        }
    }

    @Test
    void shouldGiveEveryPathTheImageWritesToItsUser() throws Exception
    {
        final Map<String, Object> runtime = runtimeStage();
        final Set<String> owned = list(runtime.get("owned")).stream().map(DeploymentFiles::map)
            .filter(o -> "10001".equals(o.get("uid"))).map(o -> (String)o.get("path")).collect(Collectors.toSet());
        assertThat((String)runtime.get("user")).isEqualTo("10001:10001");
        // Every directory a role is configured to write in the image.
        final Map<String, Object> imageEnv = map(runtime.get("env"));
        for (final String variable : List.of("ODYSSEY_INGEST_JOURNAL_DIR", "ODYSSEY_ARCHIVER_JOURNAL_DIR",
            "ODYSSEY_ARCHIVER_EMBEDDED_DB_DIR"))
        {
            assertThat(owned).as("%s=%s exists in the image, owned by 10001", variable, imageEnv.get(variable))
                .contains((String)imageEnv.get(variable));
        }
        // Every Compose volume an Odyssey container writes: Docker copies the directory's owner into a new named
        // volume only when the directory exists in the image (a root-owned journal made Chronicle Queue read-only).
        // A file only read (the MAVLink vehicle registry) is mounted read-only, and is what its role is told to read.
        final Map<String, Object> services = map(compose().get("services"));
        int mounts = 0;
        final List<String> readOnly = new ArrayList<>();
        for (final Map.Entry<String, Object> entry : services.entrySet())
        {
            if (!COMPOSE_IMAGE.equals(map(entry.getValue()).get("image")))
            {
                continue;
            }
            for (final Object volume : list(map(entry.getValue()).get("volumes")))
            {
                final String[] parts = String.valueOf(volume).split(":");
                if (parts.length == 3 && "ro".equals(parts[2]))
                {
                    readOnly.add(entry.getKey() + " " + parts[1]);
                    continue;
                }
                assertThat(owned).as("compose/%s mounts %s", entry.getKey(), volume).contains(parts[1]);
                mounts++;
            }
        }
        assertThat(mounts).isEqualTo(2);
        assertThat(readOnly).containsExactly("mavlink-edge " + imageEnv.get(MavlinkEdgeConfig.VEHICLES.envName()));
        // And the persistent volumes of the Kubernetes pods (fsGroup makes them writable there too).
        for (final Map<String, Object> document : render("kind"))
        {
            final Map<String, Object> podSpec = podSpec(document);
            if (podSpec == null)
            {
                continue;
            }
            final Set<String> claims = list(at(document, "spec.volumeClaimTemplates")).stream()
                .map(claim -> (String)at(claim, "metadata.name")).collect(Collectors.toSet());
            for (final Object container : list(podSpec.get("containers")))
            {
                if (DATABASE_IMAGE.equals(map(container).get("image")))
                {
                    continue;
                }
                for (final Object mount : list(map(container).get("volumeMounts")))
                {
                    if (claims.contains(map(mount).get("name")))
                    {
                        assertThat(owned).as("%s mounts %s", name(document), mount).contains((String)map(mount).get("mountPath"));
                    }
                }
            }
        }
    }

    static Map<String, Object> dockerfile() throws Exception
    {
        return map(nodeJson("dockerfile-facts.mjs", ROOT.toString()));
    }

    static Map<String, Object> runtimeStage() throws Exception
    {
        final List<Object> stages = list(dockerfile().get("stages"));
        return map(stages.get(stages.size() - 1));
    }

    @Test
    void shouldBuildOneImageWhoseEntryPointKnowsEveryRole() throws Exception
    {
        final Map<String, Object> facts = dockerfile();
        assertThat(list(facts.get("problems"))).as(".dockerignore against the COPY sources").isEmpty();
        final List<Object> stages = list(facts.get("stages"));
        final Map<String, Object> runtime = map(stages.get(stages.size() - 1));
        for (final Object stage : stages)
        {
            // Exact base images: a moving tag would change what a rebuild of the same commit contains.
            assertThat(KubernetesPolicyTest.pinned(map(stage).get("image") + ":" + map(stage).get("tag")))
                .as("FROM %s:%s", map(stage).get("image"), map(stage).get("tag")).isTrue();
        }
        assertThat(map(stages.get(0)).get("runs").toString()).as("the dashboard installs its lock file").contains("npm ci");
        assertThat(map(stages.get(1)).get("runs").toString()).as("Maven keeps its repository between builds")
            .contains("mvn ");
        assertThat(Files.readString(ROOT.resolve("Dockerfile"))).contains("--mount=type=cache,target=/root/.m2");
        assertThat(map(runtime.get("labels"))).containsKeys("org.opencontainers.image.source",
            "org.opencontainers.image.revision", "org.opencontainers.image.version", "org.opencontainers.image.title");

        final Map<String, Object> health = map(runtime.get("healthcheck"));
        assertThat(seconds(map(health.get("flags")).get("start-period"))).as("a cold JVM's start").isGreaterThanOrEqualTo(180);
        final String entrypoint = Files.readString(ROOT.resolve("docker/entrypoint.sh"));
        final String healthcheck = Files.readString(ROOT.resolve("docker/healthcheck.sh"));
        for (final String role : SETTINGS.keySet())
        {
            assertThat(list(map(stages.get(1)).get("runs")).toString()).as("the image contains %s", role).contains(role);
            assertThat(entrypoint).contains(role);
            assertThat(healthcheck).contains(role + ")").contains(STATUS_PORT.get(role).envName())
                .contains(STATUS_PORT.get(role).defaultValue());
        }
        assertThat(healthcheck).contains("path=\"${1:-/health/ready}\"");
        // Keys given by content become owner-only files named by their settings, as SecretFile requires.
        for (final String key : KEYS_BY_CONTENT)
        {
            assertThat(entrypoint).contains(key);
        }
        assertThat(entrypoint).contains("umask 077").contains("_FILE").contains(DRONE_KEYS)
            .contains(DRONE_KEYS_FILE.values());
        final Map<String, Object> env = map(runtime.get("env"));
        assertThat(String.valueOf(env.get("JAVA_TOOL_OPTIONS"))).contains("MaxRAMPercentage", "ExitOnOutOfMemoryError");
        assertThat(env).as("ingest writes the journal where the archiver reads it")
            .containsEntry("ODYSSEY_INGEST_JOURNAL_DIR", "/var/lib/odyssey/journal")
            .containsEntry("ODYSSEY_ARCHIVER_JOURNAL_DIR", "/var/lib/odyssey/journal");
        final Set<String> known = SETTINGS.values().stream().flatMap(List::stream).map(Setting::envName).collect(Collectors.toSet());
        for (final String variable : env.keySet())
        {
            if (variable.startsWith("ODYSSEY_"))
            {
                assertThat(known).contains(variable);
            }
        }
    }

    @Test
    void shouldCopyIntoTheImageEveryFileTheBuildReadsFromOutsideItsModules() throws Exception
    {
        // A module's pom may take resources from elsewhere in the tree (the gateway serves docs/api/openapi.yaml): the
        // image build has only what the Dockerfile copies, and a missing directory is silently skipped by Maven.
        final List<String> copied = buildStageSources();
        final Pattern outside = Pattern.compile("<directory>\\$\\{project\\.basedir}/\\.\\./([^<]+)</directory>\\s*" +
            "(?:<includes>\\s*<include>([^<]+)</include>)?");
        int found = 0;
        try (var poms = Files.list(ROOT))
        {
            for (final Path module : poms.filter(p -> Files.isRegularFile(p.resolve("pom.xml"))).toList())
            {
                final Matcher m = outside.matcher(Files.readString(module.resolve("pom.xml")));
                while (m.find())
                {
                    final String needed = m.group(1) + (m.group(2) == null ? "/" : "/" + m.group(2));
                    assertThat(copied).as("%s/pom.xml reads %s", module.getFileName(), needed)
                        .anyMatch(source -> covers(source, needed));
                    found++;
                }
            }
        }
        assertThat(found).as("resources from outside a module").isPositive();
    }

    @Test
    void shouldCopyIntoTheImageEveryModuleTheReactorLists() throws Exception
    {
        // Maven refuses to build a reactor whose module directory or pom is missing ("Child module ... does not
        // exist"), even for modules the image does not need: the build stage copies each module, or at least its pom.
        final List<String> copied = buildStageSources();
        final Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(Files.readString(ROOT.resolve("pom.xml")));
        int modules = 0;
        while (module.find())
        {
            final String pom = module.group(1) + "/pom.xml";
            assertThat(copied).as("the image build copies %s", pom).anyMatch(source -> covers(source, pom));
            modules++;
        }
        assertThat(modules).as("modules of the root pom").isGreaterThan(5);
    }

    @Test
    void shouldLintTheWorkflowsAndBuildRunAndDeployTheImageAsPromised() throws Exception
    {
        final Path workflows = ROOT.resolve(".github/workflows");
        assertThat(node("lint-workflows.mjs", workflows.resolve("ci.yml").toString(), workflows.resolve("release.yml").toString()))
            .contains("actionlint: 0 problem(s) in 2 workflow(s)");
        // And actionlint does find problems: a job that needs a missing one, an output of a missing step.
        final Path broken = Files.createTempFile("workflow-", ".yml");
        try
        {
            Files.writeString(broken, Files.readString(workflows.resolve("release.yml"))
                .replace("needs: image\n", "needs: imag\n").replace("steps.name.outputs.image }}:", "steps.nam.outputs.image }}:"));
            assertThat(nodeFailing("lint-workflows.mjs", broken.toString())).contains("imag", "nam");
        }
        finally
        {
            Files.delete(broken);
        }

        final Map<String, Object> ci = DeploymentFiles.readYaml(workflows.resolve("ci.yml"));
        // YAML 1.1 (SnakeYAML) reads the bare key `on` as the boolean true.
        assertThat(map(((Map<?, ?>)ci).get(Boolean.TRUE))).as("ci runs on every push and pull request")
            .containsKeys("push", "pull_request");
        final Map<String, Object> jobs = map(ci.get("jobs"));
        assertThat(String.valueOf(jobs.get("test"))).contains("./odyssey test");
        assertThat(String.valueOf(jobs.get("image"))).contains("docker/build-push-action", "push=false");
        assertThat(String.valueOf(jobs.get("compose"))).contains("needs=image", "scripts/compose-smoke");
        assertThat(String.valueOf(jobs.get("kind"))).contains("needs=image", "scripts/kind-up", "scripts/smoke-check");
        assertThat(Files.readString(ROOT.resolve(".ci/run"))).contains("./odyssey test");

        final Map<String, Object> release = DeploymentFiles.readYaml(workflows.resolve("release.yml"));
        final Map<String, Object> trigger = map(map(((Map<?, ?>)release).get(Boolean.TRUE)).get("workflow_run"));
        assertThat(trigger).as("release waits for ci on the same commit")
            .containsEntry("workflows", List.of("ci")).containsEntry("types", List.of("completed"))
            .containsEntry("branches", List.of("main"));
        final Map<String, Object> releaseJobs = map(release.get("jobs"));
        assertThat(String.valueOf(map(releaseJobs.get("image")).get("if"))).contains("conclusion == 'success'");
        assertThat(String.valueOf(releaseJobs.get("image"))).contains("github.event.workflow_run.head_sha")
            .doesNotContain(":latest");
        assertThat(String.valueOf(releaseJobs.get("deploy"))).contains("needs=image",
            "scripts/deploy-release --overlay k8s/overlays/cloud", "needs.image.outputs.digest");

        // Every action pinned to a commit (a tag can be moved under a workflow that holds packages: write).
        for (final String file : List.of("ci.yml", "release.yml"))
        {
            for (final String line : Files.readAllLines(workflows.resolve(file)))
            {
                if (line.trim().startsWith("- uses:") || line.trim().startsWith("uses:"))
                {
                    assertThat(line).as(file).matches("\\s*-?\\s*uses: [\\w.-]+/[\\w./-]+@[0-9a-f]{40} # v\\d+\\.\\d+\\.\\d+");
                }
            }
        }
    }

    @Test
    void shouldRenderAReleaseByDigestTheSameEachTimeWithNoSecretAndNoSimulator() throws Exception
    {
        final String digest = "sha256:" + "ab".repeat(32);
        final String image = "ghcr.io/example/odyssey@" + digest;
        final String first = DeploymentFiles.run(ROOT, ROOT.resolve("scripts/deploy-release").toString(),
            "--overlay", "k8s/overlays/cloud", "--image", image, "--render");
        final String second = DeploymentFiles.run(ROOT, ROOT.resolve("scripts/deploy-release").toString(),
            "--overlay", "k8s/overlays/cloud", "--image", image, "--render");
        // The same release renders byte for byte the same: nothing varies per run, so a second apply is a no-op.
        assertThat(second).isEqualTo(first);
        final List<Map<String, Object>> documents = DeploymentFiles.parseAll(first);
        final Set<String> images = new HashSet<>();
        for (final Map<String, Object> document : documents)
        {
            final Map<String, Object> podSpec = podSpec(document);
            if (podSpec != null)
            {
                list(podSpec.get("containers")).forEach(c -> images.add((String)map(c).get("image")));
            }
        }
        assertThat(images).containsExactlyInAnyOrder(image, DATABASE_IMAGE);
        assertThat(documents).extracting(d -> d.get("kind")).doesNotContain("Secret", "Job");
        assertThat(documents).extracting(DeploymentFiles::name).doesNotContain("odyssey-simulator");
        // A moving reference is refused.
        final DeploymentFiles.Output unpinned = DeploymentFiles.execute(ROOT, ROOT.resolve("scripts/deploy-release").toString(),
            "--overlay", "k8s/overlays/cloud", "--image", "ghcr.io/example/odyssey", "--render");
        assertThat(unpinned.exitCode()).isEqualTo(2);
        assertThat(unpinned.err()).contains("a release is pinned");
    }

    @Test
    void shouldRefuseToDeployNamingEverySecretKeyTheReleaseReadsThatIsMissing() throws Exception
    {
        // The script checked three Secrets by name: a namespace without the database roles' passwords or the drones'
        // keys passed, and the pods then sat in CreateContainerConfigError until the 15-minute rollout timeout.
        // A stand-in kubectl renders with the real one and answers for a namespace holding only some of the Secrets.
        final Path bin = Files.createTempDirectory("fake-kubectl");
        final String real = DeploymentFiles.run(ROOT, "bash", "-c", "command -v kubectl").trim();
        final Path fake = bin.resolve("kubectl");
        Files.writeString(fake, String.join("\n",
            "#!/usr/bin/env bash",
            "if [ \"$1\" = kustomize ]; then exec " + real + " \"$@\"; fi",
            "if [ \"$1\" = apply ]; then echo APPLIED; exit 0; fi",
            "if [ \"$1\" = diff ] || [ \"${4:-}\" != secret ]; then exit 0; fi",
            "# -n NS get secret NAME [-o go-template={{index .data \"KEY\"}}]",
            "name=\"$5\"; key=\"\"",
            "[[ \"${6:-}\" == -o ]] && key=$(sed -E 's/.*index \\.data \"([^\"]+)\".*/\\1/' <<< \"$7\")",
            "while read -r have_name have_key; do",
            "  if [ \"$have_name\" = \"$name\" ]; then",
            "    [ -z \"$key\" ] && exit 0",
            "    [ \"$have_key\" = \"$key\" ] && { echo eA==; exit 0; }",
            "  fi",
            "done <<< \"$FAKE_SECRETS\"",
            "[ -z \"$key\" ] && { echo 'Error from server (NotFound)' >&2; exit 1; }",
            "echo '<no value>'", ""));
        assertThat(fake.toFile().setExecutable(true)).isTrue();
        final Map<String, String> variables = Map.of("PATH", bin + ":" + System.getenv("PATH"),
            "FAKE_SECRETS", String.join("\n", "odyssey-db password", "odyssey-db-history password",
                "odyssey-gateway-tokens tokens", "odyssey-keys gateway-key", "odyssey-keys command-key"));
        final DeploymentFiles.Output refused = DeploymentFiles.execute(ROOT, variables,
            ROOT.resolve("scripts/deploy-release").toString(), "--overlay", "k8s/overlays/cloud",
            "--image", "ghcr.io/example/odyssey@sha256:" + "ab".repeat(32));
        assertThat(refused.exitCode()).as(refused.err()).isEqualTo(1);
        assertThat(refused.out()).doesNotContain("APPLIED");
        assertThat(refused.err()).contains("odyssey-db-archiver (key password)", "odyssey-keys (key drone-keys)",
            "odyssey-metrics-token (key token)").doesNotContain("odyssey-db-history", "gateway-key", "odyssey-gateway-tls")
            .doesNotContainPattern("odyssey-gateway-tokens|odyssey-db \\(");

        // With every one of them there, it goes on to apply.
        final Map<String, String> complete = new HashMap<>(variables);
        complete.put("FAKE_SECRETS", variables.get("FAKE_SECRETS") + "\nodyssey-db-archiver password\n" +
            "odyssey-keys drone-keys\nodyssey-metrics-token token");
        final DeploymentFiles.Output applied = DeploymentFiles.execute(ROOT, complete,
            ROOT.resolve("scripts/deploy-release").toString(), "--overlay", "k8s/overlays/cloud",
            "--image", "ghcr.io/example/odyssey@sha256:" + "ab".repeat(32));
        assertThat(applied.exitCode()).as(applied.err()).isZero();
        assertThat(applied.out()).contains("APPLIED");
    }

    /** What the image's build stage copies from the build context. */
    private static List<String> buildStageSources() throws Exception
    {
        final Map<String, Object> build = map(list(dockerfile().get("stages")).get(1));
        return list(build.get("copies")).stream().map(DeploymentFiles::map)
            .filter(c -> c.get("from") == null).flatMap(c -> list(c.get("sources")).stream()).map(String::valueOf).toList();
    }

    /** Whether a COPY source (a file, or a directory with or without its slash) brings in a path. */
    private static boolean covers(final String source, final String path)
    {
        final String directory = source.endsWith("/") ? source : source + "/";
        return path.equals(source) || path.startsWith(directory);
    }

    /** Compose and Docker durations (90s, 1m30s) in seconds. */
    static long seconds(final Object duration)
    {
        final Matcher m = Pattern.compile("(?:(\\d+)m)?(?:(\\d+)s)?").matcher(String.valueOf(duration));
        assertThat(m.matches()).as("a duration: %s", duration).isTrue();
        return (m.group(1) == null ? 0 : Long.parseLong(m.group(1)) * 60) + (m.group(2) == null ? 0 : Long.parseLong(m.group(2)));
    }

}
