package io.odyssey.system;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.odyssey.system.DeploymentFiles.at;
import static io.odyssey.system.DeploymentFiles.bytes;
import static io.odyssey.system.DeploymentFiles.list;
import static io.odyssey.system.DeploymentFiles.map;
import static io.odyssey.system.DeploymentFiles.name;
import static io.odyssey.system.DeploymentFiles.named;
import static io.odyssey.system.DeploymentFiles.ofKind;
import static io.odyssey.system.DeploymentFiles.podLabels;
import static io.odyssey.system.DeploymentFiles.podSpec;
import static io.odyssey.system.DeploymentFiles.render;
import static io.odyssey.system.DeploymentFiles.renderInto;
import static io.odyssey.system.DeploymentManifestsTest.DATABASE_IMAGE;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rendered Kubernetes overlays (and the Compose file where the same rule applies) held to the production rules a
 * cluster reviewer would check by hand: hardening of every pod and container, pinned images, probes and disruption
 * safety, memory limits that fit the heaps, a default-deny network with only Odyssey's own flows, drones reaching their
 * own ingest node from outside, TLS at the Ingress, and every reference following the namespace when it is renamed.
 */
class KubernetesPolicyTest
{
    private static final String OTHER_NAMESPACE = "fleet-x";
    /** What a JVM takes besides its heap (metaspace, code cache, thread stacks, GC structures, direct buffers). */
    private static final long JVM_OVERHEAD = 160L << 20;
    private static final Pattern HEAP_PERCENT = Pattern.compile("-XX:MaxRAMPercentage=(\\d+(?:\\.\\d+)?)");

    /**
     * A pinned image: a digest, or a tag carrying a full version (x.y.z). Not "latest", not a bare major or minor
     * ("pg17", "20", "3.9"), which move under the same name.
     */
    static boolean pinned(final String image)
    {
        return image.matches(".+@sha256:[0-9a-f]{64}") ||
            image.matches("[^@]+:[^/:@]*\\d+\\.\\d+\\.\\d+[^/:@]*") && !image.endsWith(":latest");
    }

    @Test
    void shouldTellPinnedImagesFromMovingOnes()
    {
        assertThat(pinned("timescale/timescaledb-ha:pg17.4-ts2.18.2")).isTrue();
        assertThat(pinned("eclipse-temurin:17.0.17_10-jre-noble")).isTrue();
        assertThat(pinned("ghcr.io/o/odyssey@sha256:" + "0".repeat(64))).isTrue();
        assertThat(pinned("prom/prometheus:v3.5.0")).isTrue();
        for (final String moving : List.of("timescale/timescaledb-ha:pg17", "node:20-bookworm-slim", "maven:3.9-eclipse-temurin-17",
            "ghcr.io/o/odyssey:latest", "odyssey", "eclipse-temurin:17-jre"))
        {
            assertThat(pinned(moving)).as(moving).isFalse();
        }
    }

    @Test
    void shouldHardenEveryPodAndContainer() throws Exception
    {
        for (final String overlay : DeploymentFiles.OVERLAYS)
        {
            final List<Map<String, Object>> documents = render(overlay);
            final Map<String, Object> namespace = ofKind(documents, "Namespace").get(0);
            assertThat(map(at(namespace, "metadata.labels"))).as("Pod Security of the namespace in %s", overlay)
                .containsEntry("pod-security.kubernetes.io/enforce", "restricted")
                .containsEntry("pod-security.kubernetes.io/audit", "restricted")
                .containsEntry("pod-security.kubernetes.io/warn", "restricted");
            assertThat((String)map(at(namespace, "metadata.labels")).get("pod-security.kubernetes.io/enforce-version"))
                .as("a pinned Pod Security version").matches("v1\\.\\d+");
            int pods = 0;
            for (final Map<String, Object> document : documents)
            {
                final Map<String, Object> pod = podSpec(document);
                if (pod == null)
                {
                    continue;
                }
                pods++;
                final String where = overlay + "/" + document.get("kind") + "/" + name(document);
                assertThat(pod.get("automountServiceAccountToken")).as("%s: no API token (no API access needed)", where)
                    .isEqualTo(false);
                final Map<String, Object> security = map(pod.get("securityContext"));
                assertThat(security.get("runAsNonRoot")).as(where).isEqualTo(true);
                assertThat((Integer)security.get("runAsUser")).as("%s: runAsUser", where).isPositive();
                assertThat((Integer)security.get("runAsGroup")).as("%s: runAsGroup", where).isPositive();
                assertThat(at(security, "seccompProfile.type")).as("%s: seccomp", where).isEqualTo("RuntimeDefault");
                assertThat(pod.get("hostNetwork")).as(where).isNotEqualTo(true);
                for (final Object volume : list(pod.get("volumes")))
                {
                    assertThat(map(volume).keySet()).as("%s: volume types Pod Security allows", where)
                        .containsAnyOf("emptyDir", "secret", "configMap", "persistentVolumeClaim", "projected");
                    assertThat(map(volume)).as(where).doesNotContainKey("hostPath");
                }
                final List<Object> containers = new ArrayList<>(list(pod.get("containers")));
                containers.addAll(list(pod.get("initContainers")));
                for (final Object item : containers)
                {
                    final Map<String, Object> container = map(item);
                    final String at = where + "/" + container.get("name");
                    final Map<String, Object> context = map(container.get("securityContext"));
                    assertThat(context.get("allowPrivilegeEscalation")).as("%s: no privilege escalation", at).isEqualTo(false);
                    assertThat(context.get("readOnlyRootFilesystem")).as("%s: read-only root file system", at).isEqualTo(true);
                    assertThat(list(at(context, "capabilities.drop"))).as("%s: drops every capability", at).contains("ALL");
                    assertThat(at(context, "capabilities.add")).as("%s: adds none", at).isNull();
                    assertThat(context.get("privileged")).as(at).isNotEqualTo(true);
                    writablePathsAreVolumes(at, container, pod);
                }
            }
            assertThat(pods).as("workloads in %s", overlay).isEqualTo("kind".equals(overlay) ? 6 : 5);
        }
    }

    /** With a read-only root file system, every path a container writes is a volume. */
    private static void writablePathsAreVolumes(final String where, final Map<String, Object> container, final Map<String, Object> pod)
    {
        final Map<String, String> mounts = new HashMap<>();
        list(container.get("volumeMounts")).forEach(m -> mounts.put((String)map(m).get("mountPath"), (String)map(m).get("name")));
        final List<String> writes = new ArrayList<>(List.of("/tmp"));
        if (DATABASE_IMAGE.equals(container.get("image")))
        {
            writes.addAll(List.of("/home/postgres", "/home/postgres/pgdata", "/var/run/postgresql", "/dev/shm"));
        }
        else
        {
            final Map<String, String> env = new HashMap<>();
            list(container.get("env")).forEach(e -> env.put((String)map(e).get("name"), String.valueOf(map(e).get("value"))));
            final String role = env.get("ODYSSEY_ROLE");
            if (DeploymentManifestsTest.AERON_ROLES.contains(role))
            {
                writes.add("/dev/shm");
            }
            env.forEach((name, value) ->
            {
                if (name.endsWith("_JOURNAL_DIR"))
                {
                    writes.add(value);
                }
            });
        }
        for (final String path : writes)
        {
            assertThat(mounts).as("%s writes %s", where, path).containsKey(path);
        }
        if (mounts.containsKey("/dev/shm"))
        {
            final Object shm = list(pod.get("volumes")).stream().filter(v -> mounts.get("/dev/shm").equals(map(v).get("name")))
                .findFirst().orElseThrow();
            assertThat(at(shm, "emptyDir.medium")).as("%s: /dev/shm in memory", where).isEqualTo("Memory");
        }
    }

    @Test
    void shouldPinEveryImageOrNeverPullALocalOne() throws Exception
    {
        for (final String overlay : DeploymentFiles.OVERLAYS)
        {
            for (final Map<String, Object> document : render(overlay))
            {
                final Map<String, Object> pod = podSpec(document);
                if (pod == null)
                {
                    continue;
                }
                for (final Object container : list(pod.get("containers")))
                {
                    final String image = (String)map(container).get("image");
                    final boolean local = !image.contains("/") && !image.contains(".");
                    if (local)
                    {
                        // Built here and loaded into the cluster (kind load): a registry must never be asked for it.
                        assertThat(map(container).get("imagePullPolicy")).as("%s/%s: %s", overlay, name(document), image).isEqualTo("Never");
                    }
                    else
                    {
                        assertThat(pinned(image)).as("%s/%s: %s is pinned", overlay, name(document), image).isTrue();
                    }
                }
            }
        }
        for (final Map.Entry<String, Object> service : map(DeploymentManifestsTest.compose().get("services")).entrySet())
        {
            final Map<String, Object> definition = map(service.getValue());
            final String image = (String)definition.get("image");
            assertThat(pinned(image) || definition.get("build") != null).as("compose/%s: %s", service.getKey(), image).isTrue();
        }
    }

    @Test
    void shouldProbeStartLivenessAndReadinessAndSurviveDisruptions() throws Exception
    {
        for (final String overlay : DeploymentFiles.OVERLAYS)
        {
            final List<Map<String, Object>> documents = render(overlay);
            for (final Map<String, Object> document : documents)
            {
                final Map<String, Object> pod = podSpec(document);
                if (pod == null)
                {
                    continue;
                }
                for (final Object container : list(pod.get("containers")))
                {
                    // Start-up separately from liveness: a cold JVM on a small node took 134 s once.
                    final String where = overlay + "/" + name(document) + "/" + map(container).get("name");
                    assertThat(map(container)).as(where).containsKeys("startupProbe", "livenessProbe");
                    final Map<String, Object> startup = map(map(container).get("startupProbe"));
                    final int periods = (Integer)startup.getOrDefault("failureThreshold", 3) * (Integer)startup.getOrDefault("periodSeconds", 10);
                    assertThat(periods).as("%s: seconds to start", where).isGreaterThanOrEqualTo(180);
                    final Map<String, Object> resources = map(map(container).get("resources"));
                    assertThat(at(resources, "requests.memory")).as(where).isNotNull();
                    assertThat(at(resources, "requests.cpu")).as(where).isNotNull();
                    assertThat(at(resources, "limits.memory")).as(where).isNotNull();
                    assertThat(bytes(at(resources, "requests.memory"), false)).as(where)
                        .isLessThanOrEqualTo(bytes(at(resources, "limits.memory"), false));
                }
            }
            // Budgets and spreading for everything that serves: the grid, ingest, the gateway.
            for (final String workload : List.of("StatefulSet/odyssey-grid", "StatefulSet/odyssey-ingest", "Deployment/odyssey-gateway"))
            {
                final String[] kindName = workload.split("/");
                final Map<String, Object> set = named(documents, kindName[0], kindName[1]);
                final Map<String, Object> labels = podLabels(set);
                assertThat(ofKind(documents, "PodDisruptionBudget")).as("%s: %s has a disruption budget", overlay, workload)
                    .anyMatch(pdb -> selects(map(at(pdb, "spec.selector.matchLabels")), labels) &&
                        (Integer.valueOf(1).equals(at(pdb, "spec.maxUnavailable")) || at(pdb, "spec.minAvailable") != null));
                final List<Object> spread = list(at(podSpec(set), "topologySpreadConstraints"));
                assertThat(spread).as("%s: %s spreads over nodes", overlay, workload).anyMatch(c ->
                    "kubernetes.io/hostname".equals(map(c).get("topologyKey")) &&
                        selects(map(at(c, "labelSelector.matchLabels")), labels));
                if ("cloud".equals(overlay) && !"Deployment".equals(kindName[0]))
                {
                    assertThat(spread).as("%s: never two on one node in production", workload).anyMatch(c ->
                        "kubernetes.io/hostname".equals(map(c).get("topologyKey")) && "DoNotSchedule".equals(map(c).get("whenUnsatisfiable")));
                }
            }
            // A stopping grid member gets its whole graceful-shutdown wait before the kubelet kills it.
            final Map<String, Object> grid = named(documents, "StatefulSet", "odyssey-grid");
            final int wait = Integer.parseInt(envOf(list(podSpec(grid).get("containers")).get(0), "ODYSSEY_GRID_SHUTDOWN_TIMEOUT_S"));
            assertThat((Integer)podSpec(grid).get("terminationGracePeriodSeconds")).as("%s: grid grace period", overlay)
                .isGreaterThanOrEqualTo(wait + 20);
        }
        final Map<String, Object> services = map(DeploymentManifestsTest.compose().get("services"));
        for (final String grid : List.of("grid-1", "grid-2", "grid-3"))
        {
            final long wait = Long.parseLong(String.valueOf(at(services.get(grid), "environment.ODYSSEY_GRID_SHUTDOWN_TIMEOUT_S")));
            assertThat(DeploymentManifestsTest.seconds(at(services.get(grid), "stop_grace_period"))).as("compose/%s", grid)
                .isGreaterThanOrEqualTo(wait + 20);
        }
    }

    @Test
    void shouldFitEveryHeapAndMemoryVolumeInsideItsMemoryLimit() throws Exception
    {
        for (final String overlay : DeploymentFiles.OVERLAYS)
        {
            for (final Map<String, Object> document : render(overlay))
            {
                final Map<String, Object> pod = podSpec(document);
                if (pod == null)
                {
                    continue;
                }
                final Map<String, Long> memoryVolumes = new HashMap<>();
                for (final Object volume : list(pod.get("volumes")))
                {
                    if ("Memory".equals(at(volume, "emptyDir.medium")))
                    {
                        assertThat(at(volume, "emptyDir.sizeLimit")).as("%s: memory volumes are bounded", name(document)).isNotNull();
                        memoryVolumes.put((String)map(volume).get("name"), bytes(at(volume, "emptyDir.sizeLimit"), false));
                    }
                }
                for (final Object container : list(pod.get("containers")))
                {
                    if (DATABASE_IMAGE.equals(map(container).get("image")))
                    {
                        continue;
                    }
                    final long limit = bytes(at(container, "resources.limits.memory"), false);
                    final long shm = list(map(container).get("volumeMounts")).stream()
                        .mapToLong(m -> memoryVolumes.getOrDefault((String)map(m).get("name"), 0L)).sum();
                    checkHeap(overlay + "/" + name(document) + "/" + map(container).get("name"),
                        envOf(container, "JAVA_TOOL_OPTIONS"), limit, shm);
                }
            }
        }
        for (final Map.Entry<String, Object> entry : map(DeploymentManifestsTest.compose().get("services")).entrySet())
        {
            final Map<String, Object> service = map(entry.getValue());
            final Object limit = at(service, "deploy.resources.limits.memory");
            assertThat(limit).as("compose/%s: a memory limit", entry.getKey()).isNotNull();
            assertThat(at(service, "deploy.resources.limits.cpus")).as("compose/%s: a CPU limit", entry.getKey()).isNotNull();
            if (DeploymentManifestsTest.COMPOSE_IMAGE.equals(service.get("image")))
            {
                checkHeap("compose/" + entry.getKey(), String.valueOf(at(service, "environment.JAVA_TOOL_OPTIONS")),
                    bytes(limit, true), service.get("shm_size") == null ? 0 : bytes(service.get("shm_size"), true));
            }
        }
    }

    /** The heap (a share of the limit), what lives in memory-backed volumes, and the JVM's own needs fit the limit. */
    private static void checkHeap(final String where, final String javaToolOptions, final long limit, final long memoryVolumes)
    {
        final Matcher m = HEAP_PERCENT.matcher(javaToolOptions);
        assertThat(m.find()).as("%s: JAVA_TOOL_OPTIONS sizes the heap against the limit: %s", where, javaToolOptions).isTrue();
        assertThat(javaToolOptions).as(where).contains("-XX:+ExitOnOutOfMemoryError").doesNotContain("-Xmx");
        final long heap = (long)(limit * Double.parseDouble(m.group(1)) / 100);
        assertThat(heap + memoryVolumes + JVM_OVERHEAD).as("%s: heap %d MiB + memory volumes %d MiB + JVM %d MiB within %d MiB",
            where, heap >> 20, memoryVolumes >> 20, JVM_OVERHEAD >> 20, limit >> 20).isLessThanOrEqualTo(limit);
    }

    @Test
    void shouldRunTheDatabaseWithSharedMemoryACheckpointBeforeStoppingAndAPinnedImage() throws Exception
    {
        for (final String overlay : DeploymentFiles.OVERLAYS)
        {
            final Map<String, Object> database = named(render(overlay), "StatefulSet", "odyssey-timescaledb");
            final Map<String, Object> pod = podSpec(database);
            final Map<String, Object> container = map(list(pod.get("containers")).get(0));
            assertThat(pinned((String)container.get("image"))).isTrue();
            assertThat(list(container.get("volumeMounts"))).as("%s: /dev/shm", overlay)
                .anyMatch(m -> "/dev/shm".equals(map(m).get("mountPath")));
            final String preStop = String.valueOf(at(container, "lifecycle.preStop.exec.command"));
            assertThat(preStop).as("%s: preStop", overlay).contains("CHECKPOINT", "pg_ctl stop", "-m fast");
            assertThat((Integer)pod.get("terminationGracePeriodSeconds")).isGreaterThanOrEqualTo(100);
            assertThat(String.valueOf(container.get("env"))).as("the password from the Secret").contains("odyssey-db");
        }
    }

    @Test
    void shouldDenyEveryFlowButOdysseysOwn() throws Exception
    {
        checkFlows(render("kind"), DeploymentFiles.NAMESPACE, true);
        checkFlows(render("cloud"), DeploymentFiles.NAMESPACE, false);
        checkFlows(renderInto("kind", OTHER_NAMESPACE), OTHER_NAMESPACE, true);
    }

    private static void checkFlows(final List<Map<String, Object>> documents, final String ns, final boolean simulator)
    {
        final Network network = new Network(documents, ns);
        assertThat(ofKind(documents, "NetworkPolicy")).as("a default deny, in and out").anyMatch(p ->
            map(at(p, "spec.podSelector")).isEmpty() && list(at(p, "spec.policyTypes")).containsAll(List.of("Ingress", "Egress")) &&
                at(p, "spec.ingress") == null && at(p, "spec.egress") == null);
        final Peer grid = network.pod("odyssey-grid");
        final Peer ingest = network.pod("odyssey-ingest");
        final Peer gateway = network.pod("odyssey-gateway");
        final Peer database = network.pod("odyssey-timescaledb");
        final Peer mavlinkEdge = network.pod("odyssey-mavlink-edge");
        final Peer dns = Peer.inNamespace("kube-system", Map.of("k8s-app", "kube-dns"));
        final Peer prometheus = Peer.inNamespace("monitoring", Map.of("app.kubernetes.io/name", "prometheus"));
        final Peer outside = Peer.outside();
        final List<String> allowed = new ArrayList<>(List.of(
            "odyssey-grid -> odyssey-grid 5701/TCP", "odyssey-ingest -> odyssey-grid 5701/TCP",
            "odyssey-gateway -> odyssey-grid 5701/TCP", "odyssey-ingest -> odyssey-timescaledb 5432/TCP",
            "odyssey-gateway -> odyssey-timescaledb 5432/TCP", "outside -> odyssey-ingest 40123/UDP",
            "outside -> odyssey-gateway 8080/TCP", "monitoring -> odyssey-grid 9102/TCP", "monitoring -> odyssey-ingest 9101/TCP",
            "monitoring -> odyssey-ingest 9104/TCP", "monitoring -> odyssey-gateway 8080/TCP",
            "outside -> odyssey-mavlink-edge 14550/UDP", "odyssey-mavlink-edge -> odyssey-ingest 40123/UDP",
            "monitoring -> odyssey-mavlink-edge 9105/TCP", "odyssey-ingest -> odyssey-mavlink-edge 40126/UDP"));
        final List<String> denied = new ArrayList<>(List.of(
            "outside -> odyssey-grid 5701/TCP", "outside -> odyssey-timescaledb 5432/TCP", "outside -> odyssey-ingest 9101/TCP",
            "outside -> odyssey-grid 9102/TCP", "odyssey-grid -> odyssey-timescaledb 5432/TCP",
            "odyssey-timescaledb -> odyssey-grid 5701/TCP", "odyssey-grid -> outside 443/TCP",
            "odyssey-timescaledb -> outside 443/TCP", "odyssey-gateway -> outside 443/TCP",
            "odyssey-mavlink-edge -> odyssey-grid 5701/TCP", "odyssey-mavlink-edge -> odyssey-timescaledb 5432/TCP",
            "outside -> odyssey-mavlink-edge 9105/TCP", "odyssey-mavlink-edge -> outside 443/TCP",
            "odyssey-gateway -> odyssey-mavlink-edge 14550/UDP", "outside -> odyssey-mavlink-edge 40126/UDP",
            "odyssey-gateway -> odyssey-mavlink-edge 40126/UDP"));
        for (final Peer pod : List.of(grid, ingest, gateway, database, mavlinkEdge))
        {
            allowed.add(pod.label + " -> kube-dns 53/UDP");
        }
        final Map<String, Peer> peers = new HashMap<>(Map.of("odyssey-grid", grid, "odyssey-ingest", ingest,
            "odyssey-gateway", gateway, "odyssey-timescaledb", database, "kube-dns", dns, "monitoring", prometheus, "outside", outside,
            "odyssey-mavlink-edge", mavlinkEdge));
        if (simulator)
        {
            peers.put("odyssey-simulator", network.pod("odyssey-simulator"));
            allowed.addAll(List.of("odyssey-simulator -> odyssey-ingest 40123/UDP", "odyssey-ingest -> odyssey-simulator 40125/UDP",
                "monitoring -> odyssey-simulator 9103/TCP", "odyssey-simulator -> kube-dns 53/UDP"));
            denied.addAll(List.of("odyssey-simulator -> odyssey-grid 5701/TCP", "odyssey-simulator -> odyssey-timescaledb 5432/TCP",
                "odyssey-gateway -> odyssey-simulator 40125/UDP", "outside -> odyssey-simulator 40125/UDP",
                "odyssey-simulator -> outside 443/TCP"));
        }
        for (final String flow : allowed)
        {
            assertThat(network.allows(flow, peers)).as("%s: %s is allowed", ns, flow).isTrue();
        }
        for (final String flow : denied)
        {
            assertThat(network.allows(flow, peers)).as("%s: %s is denied", ns, flow).isFalse();
        }
    }

    /** A pod (labels in a namespace) or an address outside the cluster. */
    private record Peer(String label, String namespace, Map<String, Object> labels)
    {
        static Peer inNamespace(final String namespace, final Map<String, Object> labels)
        {
            return new Peer(namespace, namespace, labels);
        }

        static Peer outside()
        {
            return new Peer("outside", null, null);
        }
    }

    /** NetworkPolicy semantics (ingress and egress isolation, pod/namespace selectors, ipBlocks for outside addresses). */
    private static final class Network
    {
        private final List<Map<String, Object>> policies;
        private final List<Map<String, Object>> documents;
        private final String namespace;

        Network(final List<Map<String, Object>> documents, final String namespace)
        {
            this.documents = documents;
            this.namespace = namespace;
            this.policies = ofKind(documents, "NetworkPolicy");
            policies.forEach(p -> assertThat(DeploymentFiles.namespace(p)).isEqualTo(namespace));
        }

        Peer pod(final String workload)
        {
            final Map<String, Object> set = documents.stream().filter(d -> podSpec(d) != null && workload.equals(name(d)))
                .findFirst().orElseThrow(() -> new AssertionError("no workload " + workload));
            return new Peer(workload, namespace, podLabels(set));
        }

        boolean allows(final String flow, final Map<String, Peer> peers)
        {
            final Matcher m = Pattern.compile("(\\S+) -> (\\S+) (\\d+)/(TCP|UDP)").matcher(flow);
            assertThat(m.matches()).isTrue();
            final Peer from = Objects.requireNonNull(peers.get(m.group(1)), m.group(1));
            final Peer to = Objects.requireNonNull(peers.get(m.group(2)), m.group(2));
            final int port = Integer.parseInt(m.group(3));
            return direction(from, to, port, m.group(4), "Egress", "egress", "to") &&
                direction(to, from, port, m.group(4), "Ingress", "ingress", "from");
        }

        /** Whether the policies on {@code subject}'s side let the flow with {@code peer} through. */
        private boolean direction(final Peer subject, final Peer peer, final int port, final String protocol,
            final String type, final String rulesKey, final String peersKey)
        {
            if (!namespace.equals(subject.namespace))
            {
                return true;   // not ours: its own namespace's policies, not modelled, are taken to allow
            }
            final List<Map<String, Object>> selecting = policies.stream()
                .filter(p -> list(at(p, "spec.policyTypes")).contains(type) && selects(map(at(p, "spec.podSelector.matchLabels")), subject.labels))
                .toList();
            if (selecting.isEmpty())
            {
                return true;
            }
            for (final Map<String, Object> policy : selecting)
            {
                for (final Object rule : list(at(policy, "spec." + rulesKey)))
                {
                    if (portMatches(list(map(rule).get("ports")), port, protocol) && peerMatches(list(map(rule).get(peersKey)), peer))
                    {
                        return true;
                    }
                }
            }
            return false;
        }

        private boolean peerMatches(final List<Object> selectors, final Peer peer)
        {
            if (selectors.isEmpty())
            {
                return true;
            }
            for (final Object item : selectors)
            {
                final Map<String, Object> selector = map(item);
                if (selector.containsKey("ipBlock"))
                {
                    // ipBlocks are for addresses outside the cluster (how CNIs treat pod addresses in them varies).
                    if (peer.namespace == null && "0.0.0.0/0".equals(at(selector, "ipBlock.cidr")))
                    {
                        return true;
                    }
                    continue;
                }
                if (peer.namespace == null)
                {
                    continue;
                }
                final boolean namespaceOk = selector.containsKey("namespaceSelector") ?
                    selects(map(at(selector, "namespaceSelector.matchLabels")), Map.of("kubernetes.io/metadata.name", peer.namespace)) :
                    namespace.equals(peer.namespace);
                final boolean podOk = !selector.containsKey("podSelector") ||
                    selects(map(at(selector, "podSelector.matchLabels")), peer.labels);
                if (namespaceOk && podOk)
                {
                    return true;
                }
            }
            return false;
        }

        private static boolean portMatches(final List<Object> ports, final int port, final String protocol)
        {
            if (ports.isEmpty())
            {
                return true;
            }
            for (final Object item : ports)
            {
                final Map<String, Object> p = map(item);
                final int first = (Integer)p.get("port");
                final int last = p.get("endPort") == null ? first : (Integer)p.get("endPort");
                if (protocol.equals(p.getOrDefault("protocol", "TCP")) && port >= first && port <= last)
                {
                    return true;
                }
            }
            return false;
        }
    }

    /** matchLabels semantics: every selector label is on the object (an empty selector selects everything). */
    static boolean selects(final Map<String, Object> selector, final Map<String, Object> labels)
    {
        return labels != null && selector.entrySet().stream().allMatch(e -> Objects.equals(labels.get(e.getKey()), e.getValue()));
    }

    private static String envOf(final Object container, final String name)
    {
        return list(map(container).get("env")).stream().filter(e -> name.equals(map(e).get("name")))
            .map(e -> String.valueOf(map(e).get("value"))).findFirst()
            .orElseThrow(() -> new AssertionError(map(container).get("name") + " sets no " + name));
    }

    @Test
    void shouldRenderIntoAnotherNamespaceWithEveryReferenceFollowing() throws Exception
    {
        for (final String overlay : DeploymentFiles.OVERLAYS)
        {
            final List<Map<String, Object>> documents = renderInto(overlay, OTHER_NAMESPACE);
            assertThat(ofKind(documents, "Namespace")).singleElement().extracting(DeploymentFiles::name).isEqualTo(OTHER_NAMESPACE);
            assertThat(map(at(ofKind(documents, "Namespace").get(0), "metadata.labels")))
                .containsEntry("pod-security.kubernetes.io/enforce", "restricted");
            for (final Map<String, Object> document : documents)
            {
                if (!"Namespace".equals(document.get("kind")))
                {
                    assertThat(DeploymentFiles.namespace(document)).as("%s %s", document.get("kind"), name(document))
                        .isEqualTo(OTHER_NAMESPACE);
                }
            }
            // Every host name a role is given resolves to a Service (or a StatefulSet pod behind its headless Service)
            // of this render, by a name relative to the namespace or qualified with this namespace.
            final Map<String, Map<String, Object>> configMaps = new HashMap<>();
            ofKind(documents, "ConfigMap").forEach(c -> configMaps.put(name(c), map(c.get("data"))));
            final List<String> hosts = new ArrayList<>();
            for (final Map<String, Object> document : documents)
            {
                final Map<String, Object> pod = podSpec(document);
                if (pod == null)
                {
                    continue;
                }
                for (final Object container : list(pod.get("containers")))
                {
                    if (DATABASE_IMAGE.equals(map(container).get("image")))
                    {
                        continue;
                    }
                    final Map<String, String> env = DeploymentManifestsTest.environment(name(document), map(container), configMaps);
                    for (final String variable : List.of("ODYSSEY_GRID_MEMBERS", "ODYSSEY_SIM_ENDPOINTS", "ODYSSEY_MAVLINK_INGEST_ENDPOINTS"))
                    {
                        if (env.containsKey(variable))
                        {
                            for (final String endpoint : env.get(variable).split(","))
                            {
                                hosts.add(endpoint.substring(0, endpoint.lastIndexOf(':')));
                            }
                        }
                    }
                    if (env.containsKey("ODYSSEY_GRID_KUBERNETES_SERVICE_DNS"))
                    {
                        hosts.add(env.get("ODYSSEY_GRID_KUBERNETES_SERVICE_DNS"));
                    }
                    for (final String variable : List.of("ODYSSEY_ARCHIVER_DB_URL", "ODYSSEY_GATEWAY_DB_URL"))
                    {
                        if (env.containsKey(variable))
                        {
                            final Matcher url = Pattern.compile("jdbc:postgresql://([^:/]+)").matcher(env.get(variable));
                            assertThat(url.find()).as(env.get(variable)).isTrue();
                            hosts.add(url.group(1));
                        }
                    }
                }
            }
            for (final Map<String, Object> ingress : ofKind(documents, "Ingress"))
            {
                for (final Object rule : list(at(ingress, "spec.rules")))
                {
                    for (final Object path : list(at(rule, "http.paths")))
                    {
                        hosts.add((String)at(path, "backend.service.name"));
                    }
                }
            }
            // Grid DNS and members of each grid client, the database of the archiver and the gateway, the simulator's and
            // the MAVLink edge's ingest endpoints, the Ingress backend.
            assertThat(hosts).as("host references in %s", overlay).hasSize("kind".equals(overlay) ? 9 : 8);
            for (final String host : hosts)
            {
                assertThat(resolves(host, documents)).as("%s: %s resolves in namespace %s", overlay, host, OTHER_NAMESPACE).isTrue();
            }
            // Selectors of other namespaces name only namespaces that are not Odyssey's (DNS, monitoring).
            for (final Map<String, Object> policy : ofKind(documents, "NetworkPolicy"))
            {
                final String text = String.valueOf(policy);
                final Matcher m = Pattern.compile("kubernetes.io/metadata.name=([\\w-]+)").matcher(text);
                while (m.find())
                {
                    assertThat(m.group(1)).as(name(policy)).isIn("kube-system", "monitoring", OTHER_NAMESPACE);
                }
            }
        }
    }

    /** A host name as a pod in the namespace resolves it through its DNS search path. */
    private static boolean resolves(final String host, final List<Map<String, Object>> documents)
    {
        final String[] parts = host.split("\\.");
        // name, name.namespace, name.namespace.svc[.cluster-domain]
        final List<String> labels = new ArrayList<>(List.of(parts));
        final int svc = labels.indexOf("svc");
        if (svc >= 0)
        {
            if (svc == 0 || !labels.get(svc - 1).equals(OTHER_NAMESPACE))
            {
                return false;
            }
            labels.subList(svc - 1, labels.size()).clear();
        }
        final Set<String> services = Set.copyOf(ofKind(documents, "Service").stream().map(DeploymentFiles::name).toList());
        if (labels.size() == 1)
        {
            return services.contains(labels.get(0));
        }
        if (labels.size() == 2 && services.contains(labels.get(1)))
        {
            // <pod>.<headless service>: a replica of a StatefulSet governed by that Service.
            return ofKind(documents, "StatefulSet").stream().anyMatch(set -> labels.get(1).equals(at(set, "spec.serviceName")) &&
                labels.get(0).matches(Pattern.quote(name(set)) + "-\\d+") &&
                Integer.parseInt(labels.get(0).substring(name(set).length() + 1)) < (Integer)at(set, "spec.replicas"));
        }
        return false;
    }

    @Test
    void shouldExposeEachIngestNodeToDronesOutsideTheCluster() throws Exception
    {
        final List<Map<String, Object>> documents = render("cloud");
        final Map<String, Object> ingest = named(documents, "StatefulSet", "odyssey-ingest");
        final int replicas = (Integer)at(ingest, "spec.replicas");
        final Object udpPort = list(map(list(podSpec(ingest).get("containers")).get(0)).get("ports")).stream()
            .filter(p -> "UDP".equals(map(p).get("protocol"))).map(p -> map(p).get("containerPort")).findFirst().orElseThrow();
        for (int i = 0; i < replicas; i++)
        {
            final String pod = "odyssey-ingest-" + i;
            final List<Map<String, Object>> services = ofKind(documents, "Service").stream()
                .filter(s -> pod.equals(map(at(s, "spec.selector")).get("statefulset.kubernetes.io/pod-name")))
                .toList();
            assertThat(services).as("a Service for %s alone", pod).singleElement().satisfies(service ->
            {
                assertThat(at(service, "spec.type")).isEqualTo("LoadBalancer");
                // The drone's own address reaches the pod (answers go to the address its frames came from).
                assertThat(at(service, "spec.externalTrafficPolicy")).isEqualTo("Local");
                assertThat(list(at(service, "spec.ports"))).singleElement().satisfies(port ->
                {
                    assertThat(map(port).get("protocol")).isEqualTo("UDP");
                    assertThat(map(port).get("targetPort")).isEqualTo(udpPort);
                });
            });
        }
        assertThat(ofKind(render("kind"), "Service")).as("nothing public in the local cluster")
            .noneMatch(s -> "LoadBalancer".equals(at(s, "spec.type")));
    }

    @Test
    void shouldExposeTheMavlinkEdgeToVehiclesOutsideTheClusterAndSendToEveryIngestNode() throws Exception
    {
        final List<Map<String, Object>> documents = render("cloud");
        final Map<String, Object> edge = named(documents, "Deployment", "odyssey-mavlink-edge");
        final Map<String, Object> container = map(list(podSpec(edge).get("containers")).get(0));
        final Object udpPort = list(container.get("ports")).stream().filter(p -> "UDP".equals(map(p).get("protocol")))
            .map(p -> map(p).get("containerPort")).findFirst().orElseThrow();
        final List<Map<String, Object>> loadBalancers = ofKind(documents, "Service").stream()
            .filter(s -> "LoadBalancer".equals(at(s, "spec.type")) && selects(map(at(s, "spec.selector")), podLabels(edge)))
            .toList();
        assertThat(loadBalancers).as("a load balancer for the MAVLink edge").singleElement().satisfies(service ->
        {
            // The vehicle's own address reaches the edge: it answers to the address a vehicle's frames came from.
            assertThat(at(service, "spec.externalTrafficPolicy")).isEqualTo("Local");
            assertThat(list(at(service, "spec.ports"))).singleElement().satisfies(port ->
            {
                assertThat(map(port).get("protocol")).isEqualTo("UDP");
                assertThat(map(port).get("targetPort")).isEqualTo(udpPort);
            });
        });
        // One replica, never two at once: a vehicle's signing streams live in one process.
        assertThat(at(edge, "spec.replicas")).isEqualTo(1);
        assertThat(at(edge, "spec.strategy.type")).isEqualTo("Recreate");
        // Vehicles are sharded over the endpoints it is given: every ingest replica, by its own name.
        final int replicas = (Integer)at(named(documents, "StatefulSet", "odyssey-ingest"), "spec.replicas");
        final List<String> expected = new ArrayList<>();
        for (int i = 0; i < replicas; i++)
        {
            expected.add("odyssey-ingest-" + i + ".odyssey-ingest-headless:40123");
        }
        assertThat(List.of(envOf(container, "ODYSSEY_MAVLINK_INGEST_ENDPOINTS").split(","))).containsExactlyElementsOf(expected);
        // Its registry is a read-only ConfigMap file, where the role is told to read it.
        final String registry = envOf(container, "ODYSSEY_MAVLINK_VEHICLES");
        final Object mount = list(container.get("volumeMounts")).stream()
            .filter(m -> registry.startsWith(map(m).get("mountPath") + "/")).findFirst().orElseThrow();
        assertThat(map(mount).get("readOnly")).isEqualTo(true);
        assertThat(list(podSpec(edge).get("volumes")).stream().filter(v -> map(mount).get("name").equals(map(v).get("name")))
            .findFirst().orElseThrow()).satisfies(volume -> assertThat(at(volume, "configMap.name")).asString()
                .startsWith("odyssey-mavlink-vehicles"));
    }

    @Test
    void shouldServeTheDashboardOverTlsFromTheIngressHostInTheNamespace() throws Exception
    {
        for (final String namespace : List.of(DeploymentFiles.NAMESPACE, OTHER_NAMESPACE))
        {
            final List<Map<String, Object>> documents = namespace.equals(DeploymentFiles.NAMESPACE) ? render("cloud") :
                renderInto("cloud", namespace);
            final Map<String, Object> ingress = ofKind(documents, "Ingress").get(0);
            assertThat(DeploymentFiles.namespace(ingress)).as("the Ingress lives with the gateway Service").isEqualTo(namespace);
            final String host = (String)at(list(at(ingress, "spec.rules")).get(0), "host");
            assertThat(list(at(list(at(ingress, "spec.tls")).get(0), "hosts"))).containsExactly(host);
            assertThat((String)at(list(at(ingress, "spec.tls")).get(0), "secretName")).isNotBlank();
            assertThat(map(at(ingress, "metadata.annotations"))).containsKeys("cert-manager.io/cluster-issuer",
                "nginx.ingress.kubernetes.io/proxy-read-timeout");
            final Map<String, Object> gateway = named(documents, "Deployment", "odyssey-gateway");
            assertThat(envOf(list(podSpec(gateway).get("containers")).get(0), "ODYSSEY_GATEWAY_ALLOWED_ORIGINS"))
                .as("the dashboard served from the Ingress host may use the API").isEqualTo("https://" + host);
        }
    }
}
