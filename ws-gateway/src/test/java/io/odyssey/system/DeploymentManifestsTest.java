package io.odyssey.system;

import io.odyssey.archiver.ArchiverConfig;
import io.odyssey.gateway.GatewayConfig;
import io.odyssey.grid.GridNodeConfig;
import io.odyssey.ingest.EdgeIngestConfig;
import io.odyssey.runtime.Setting;
import io.odyssey.simulator.SimulatorConfig;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deployment files are checked against the code, since no Docker engine or cluster runs here: every variable a
 * manifest sets is one the role reads, probes hit the role's real status port and path, ports match, images match the
 * build. The Kubernetes overlays are rendered with {@code kubectl kustomize} (offline) and every document is checked.
 */
class DeploymentManifestsTest
{
    private static final Path ROOT = ConfigurationDocsTest.operationsDoc().getParent().getParent();
    private static final Map<String, List<Setting>> SETTINGS = Map.of(
        "grid-node", GridNodeConfig.ALL,
        "edge-ingest", EdgeIngestConfig.ALL,
        "ws-gateway", GatewayConfig.ALL,
        "simulator", SimulatorConfig.ALL,
        "archiver", ArchiverConfig.ALL);
    /** The setting holding each role's HTTP status port, whose /health the probes must call. */
    private static final Map<String, Setting> STATUS_PORT = Map.of(
        "grid-node", GridNodeConfig.STATUS_PORT,
        "edge-ingest", EdgeIngestConfig.STATUS_PORT,
        "ws-gateway", GatewayConfig.PORT,
        "simulator", SimulatorConfig.STATUS_PORT,
        "archiver", ArchiverConfig.STATUS_PORT);
    /** Containers that are not ours: the database, from the image that carries TimescaleDB and PostGIS. */
    private static final String DATABASE_IMAGE = "timescale/timescaledb-ha:pg17";

    @Test
    void shouldRenderEveryOverlayIntoManifestsThatMatchTheCode() throws Exception
    {
        for (final String overlay : List.of("kind", "cloud"))
        {
            final List<Map<String, Object>> documents = render(overlay);
            final Set<String> kinds = documents.stream().map(d -> (String)d.get("kind")).collect(Collectors.toSet());
            assertThat(kinds).as(overlay).contains("StatefulSet", "Deployment", "Service", "PodDisruptionBudget",
                "NetworkPolicy", "ConfigMap", "Job", "Namespace");
            final Map<String, Map<String, Object>> configMaps = new HashMap<>();
            for (final Map<String, Object> document : documents)
            {
                assertThat(document.get("apiVersion")).as("apiVersion of %s", document.get("kind")).isNotNull();
                if ("ConfigMap".equals(document.get("kind")))
                {
                    configMaps.put(name(document), map(document.get("data")));
                }
            }
            int containers = 0;
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
                    checkContainer(overlay + "/" + name(document), map(container), configMaps);
                    containers++;
                }
            }
            assertThat(containers).as("Odyssey containers in %s (grid, ingest + archiver, gateway, simulator)", overlay)
                .isEqualTo(5);
            assertThat(databases).as("TimescaleDB in %s", overlay).isEqualTo(1);
            if ("cloud".equals(overlay))
            {
                final Map<String, Object> ingress = documents.stream().filter(d -> "Ingress".equals(d.get("kind")))
                    .findFirst().orElseThrow();
                assertThat(map(map(ingress.get("metadata")).get("annotations")))
                    .containsKey("nginx.ingress.kubernetes.io/proxy-read-timeout");
            }
        }
    }

    @Test
    void shouldParseEveryRenderedManifestStrictlyIntoTypedKubernetesModels() throws Exception
    {
        for (final String overlay : List.of("kind", "cloud"))
        {
            final List<String> problems = new ArrayList<>();
            for (final Map<String, Object> document : render(overlay))
            {
                problems.addAll(TypedManifests.problems(document));
            }
            assertThat(problems).as("typed parsing of the %s overlay", overlay).isEmpty();
        }
        // And the check can fail: a misspelt field and an unknown kind are reported.
        final Map<String, Object> service = map(yaml().load("""
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

    @Test
    void shouldValidateComposeAgainstTheComposeSpecification() throws Exception
    {
        final Path checker = ROOT.resolve("scripts/deploy-check");
        if (!Files.isDirectory(checker.resolve("node_modules")))
        {
            run(checker, "npm", "ci", "--no-audit", "--no-fund");
        }
        final String valid = run(checker, "node", "validate-compose.mjs", ROOT.resolve("docker-compose.yml").toString());
        assertThat(valid).contains("valid Compose file (8 services)");
        final Path broken = Files.createTempFile("compose-", ".yml");
        try
        {
            Files.writeString(broken, Files.readString(ROOT.resolve("docker-compose.yml"))
                .replace("stop_grace_period: 30s", "stop_grace_periods: 30s"));
            final Process process = new ProcessBuilder("node", "validate-compose.mjs", broken.toString())
                .directory(checker.toFile()).redirectErrorStream(true).start();
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as(output).isEqualTo(1);
            assertThat(output).contains("stop_grace_periods");
        }
        finally
        {
            Files.delete(broken);
        }
    }

    private static String run(final Path dir, final String... command) throws Exception
    {
        final Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(180, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as("%s: %s", String.join(" ", command), output).isZero();
        return output;
    }

    private static void checkContainer(
        final String where, final Map<String, Object> container, final Map<String, Map<String, Object>> configMaps)
    {
        final Map<String, String> env = new HashMap<>();
        for (final Object item : list(container.get("env")))
        {
            final Map<String, Object> variable = map(item);
            env.put((String)variable.get("name"), variable.get("value") == null ? null : String.valueOf(variable.get("value")));
        }
        for (final Object item : list(container.get("envFrom")))
        {
            final String configMap = (String)map(map(item).get("configMapRef")).get("name");
            assertThat(configMaps).as("%s: ConfigMap %s exists", where, configMap).containsKey(configMap);
            configMaps.get(configMap).forEach((key, value) -> env.putIfAbsent(key, String.valueOf(value)));
        }
        final String role = env.get("ODYSSEY_ROLE");
        assertThat(SETTINGS).as("%s: ODYSSEY_ROLE", where).containsKey(role);
        checkVariables(where, role, env);

        assertThat((String)container.get("image")).as("%s: image", where)
            .matches("(ghcr\\.io/odyssey-fleet/odyssey|odyssey):[\\w.-]+");

        final Map<String, Integer> ports = new HashMap<>();
        for (final Object item : list(container.get("ports")))
        {
            final Map<String, Object> port = map(item);
            ports.put((String)port.get("name"), (Integer)port.get("containerPort"));
        }
        final int statusPort = statusPort(role, env);
        assertThat(ports.values()).as("%s: exposes its status port", where).contains(statusPort);
        for (final String probe : List.of("readinessProbe", "livenessProbe"))
        {
            if (container.get(probe) == null)
            {
                continue;
            }
            final Map<String, Object> get = map(map(container.get(probe)).get("httpGet"));
            final Object port = get.get("port");
            if ("grid-node".equals(role))
            {
                // Grid members are probed on Hazelcast's own health endpoints (enabled by FleetGrid, FleetGridIT
                // calls them), on the member port.
                assertThat((String)get.get("path")).as("%s: %s path", where, probe)
                    .isIn("/hazelcast/health/ready", "/hazelcast/health/node-state");
                assertThat(port instanceof String ? ports.get(port) : port).as("%s: %s port", where, probe)
                    .isEqualTo(GridNodeConfig.PORT.parseInt(env.getOrDefault(GridNodeConfig.PORT.envName(),
                        GridNodeConfig.PORT.defaultValue())));
                continue;
            }
            assertThat(get.get("path")).as("%s: %s path", where, probe).isEqualTo("/health");
            assertThat(port instanceof String ? ports.get(port) : port).as("%s: %s port", where, probe).isEqualTo(statusPort);
        }
    }

    private static void checkVariables(final String where, final String role, final Map<String, String> env)
    {
        final Set<String> known = SETTINGS.get(role).stream().map(Setting::envName).collect(Collectors.toSet());
        for (final String name : env.keySet())
        {
            if (!name.equals("ODYSSEY_ROLE") && !name.equals("JAVA_TOOL_OPTIONS"))
            {
                assertThat(known).as("%s: %s is read by %s", where, name, role).contains(name);
            }
        }
    }

    private static int statusPort(final String role, final Map<String, String> env)
    {
        final Setting setting = STATUS_PORT.get(role);
        return setting.parseInt(env.getOrDefault(setting.envName(), setting.defaultValue()));
    }

    @Test
    void shouldConfigureComposeServicesOnlyWithVariablesTheirRoleReads() throws IOException
    {
        final Map<String, Object> compose = map(yaml().load(Files.readString(ROOT.resolve("docker-compose.yml"))));
        final Map<String, Object> services = map(compose.get("services"));
        assertThat(services).containsKeys("grid-1", "grid-2", "grid-3", "ingest", "gateway", "simulator", "archiver",
            "timescaledb");
        for (final Map.Entry<String, Object> entry : services.entrySet())
        {
            final Map<String, Object> service = map(entry.getValue());
            if (DATABASE_IMAGE.equals(service.get("image")))
            {
                assertThat(service.get("healthcheck")).as("the database has a health check to gate on").isNotNull();
                continue;
            }
            final Map<String, String> env = new HashMap<>();
            map(service.get("environment")).forEach((key, value) -> env.put(key, String.valueOf(value)));
            final String role = env.get("ODYSSEY_ROLE");
            assertThat(SETTINGS).as("%s: ODYSSEY_ROLE", entry.getKey()).containsKey(role);
            checkVariables("compose/" + entry.getKey(), role, env);
            assertThat(String.valueOf(service.get("shm_size"))).as("%s: /dev/shm for Aeron", entry.getKey()).isEqualTo("256mb");
            for (final Object dependency : map(service.get("depends_on")).keySet())
            {
                assertThat(services).as("%s depends on an existing service", entry.getKey()).containsKey((String)dependency);
            }
        }
        assertThat(list(map(services.get("gateway")).get("ports"))).contains("8080:8080");
        assertThat(list(map(services.get("ingest")).get("ports"))).contains("40123:40123/udp");
        // The archiver reads the ingest node's journal: the same volume, at the directories both are configured with.
        final String journalVolume = "ingest-journal:/var/lib/odyssey/journal";
        assertThat(list(map(services.get("ingest")).get("volumes"))).contains(journalVolume);
        assertThat(list(map(services.get("archiver")).get("volumes"))).contains(journalVolume);
        assertThat(map(map(services.get("archiver")).get("depends_on"))).containsKeys("timescaledb", "ingest");
        assertThat(String.valueOf(map(map(services.get("archiver")).get("environment")).get("ODYSSEY_ARCHIVER_DB_URL")))
            .startsWith("jdbc:postgresql://timescaledb:5432/");
    }

    @Test
    void shouldBuildOneImageWhoseEntryPointKnowsEveryRole() throws IOException
    {
        final String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        final String entrypoint = Files.readString(ROOT.resolve("docker/entrypoint.sh"));
        final String healthcheck = Files.readString(ROOT.resolve("docker/healthcheck.sh"));
        for (final String role : SETTINGS.keySet())
        {
            assertThat(dockerfile).as("the image contains %s", role).contains(role);
            assertThat(entrypoint).contains(role);
            assertThat(healthcheck).contains(role + ")").contains(STATUS_PORT.get(role).envName())
                .contains(STATUS_PORT.get(role).defaultValue());
        }
        assertThat(dockerfile).contains("USER 10001", "HEALTHCHECK", "eclipse-temurin:17-jre", "MaxRAMPercentage");
        assertThat(dockerfile).as("ingest writes the journal where the archiver reads it")
            .contains("ODYSSEY_INGEST_JOURNAL_DIR=/var/lib/odyssey/journal", "ODYSSEY_ARCHIVER_JOURNAL_DIR=/var/lib/odyssey/journal");
        for (final String variable : dockerfile.lines().filter(line -> line.trim().startsWith("ODYSSEY_"))
            .map(line -> line.trim().split("=")[0]).toList())
        {
            assertThat(SETTINGS.values().stream().flatMap(List::stream).map(Setting::envName)).contains(variable);
        }
    }

    @Test
    void shouldRunTheTestCommandInCiAndDeployTheCloudOverlayFromMain() throws IOException
    {
        final Map<String, Object> ci = map(yaml().load(Files.readString(ROOT.resolve(".github/workflows/ci.yml"))));
        final String ciSteps = String.valueOf(map(map(ci.get("jobs")).get("test")).get("steps"));
        assertThat(ciSteps).contains("./odyssey test");
        // YAML 1.1 (SnakeYAML) reads the bare key `on` as the boolean true.
        assertThat(ci.get("on") != null || ((Map<?, ?>)ci).get(Boolean.TRUE) != null).as("ci.yml has triggers").isTrue();

        final Map<String, Object> release = map(yaml().load(Files.readString(ROOT.resolve(".github/workflows/release.yml"))));
        assertThat(String.valueOf(((Map<?, ?>)release).get(Boolean.TRUE))).contains("main");
        final Map<String, Object> jobs = map(release.get("jobs"));
        assertThat(jobs).containsKeys("image", "deploy");
        assertThat(String.valueOf(jobs.get("deploy"))).contains("k8s/overlays/cloud", "rollout status");
        assertThat(Files.readString(ROOT.resolve(".ci/run"))).contains("./odyssey test");
    }

    private static List<Map<String, Object>> render(final String overlay) throws Exception
    {
        final Process kubectl = new ProcessBuilder("kubectl", "kustomize", ROOT.resolve("k8s/overlays/" + overlay).toString())
            .redirectErrorStream(true).start();
        final String output = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(kubectl.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(kubectl.exitValue()).as("kubectl kustomize %s: %s", overlay, output).isZero();
        final List<Map<String, Object>> documents = new ArrayList<>();
        for (final Object document : yaml().loadAll(output))
        {
            if (document != null)
            {
                documents.add(map(document));
            }
        }
        return documents;
    }

    private static Map<String, Object> podSpec(final Map<String, Object> document)
    {
        final Object kind = document.get("kind");
        if (!"StatefulSet".equals(kind) && !"Deployment".equals(kind) && !"Job".equals(kind))
        {
            return null;
        }
        return map(map(map(document.get("spec")).get("template")).get("spec"));
    }

    private static String name(final Map<String, Object> document)
    {
        return (String)map(document.get("metadata")).get("name");
    }

    private static Yaml yaml()
    {
        final LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return new Yaml(options);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(final Object value)
    {
        return value == null ? Map.of() : (Map<String, Object>)value;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(final Object value)
    {
        return value == null ? List.of() : (List<Object>)value;
    }
}
