package io.odyssey.system;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.odyssey.runtime.Metrics;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.odyssey.system.DeploymentFiles.ROOT;
import static io.odyssey.system.DeploymentFiles.at;
import static io.odyssey.system.DeploymentFiles.list;
import static io.odyssey.system.DeploymentFiles.map;
import static io.odyssey.system.DeploymentFiles.name;
import static io.odyssey.system.DeploymentFiles.ofKind;
import static io.odyssey.system.DeploymentFiles.podSpec;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The monitoring files (deploy/monitoring: the alert rules, the PrometheusRule, the Grafana dashboard, the scrape
 * configurations) against the code: every expression parses as PromQL, every metric it selects is one the processes
 * declare, every process is scraped in Compose and in Kubernetes. {@code ClusterFailoverIT} holds the same selectors
 * against the {@code /metrics} of real processes, label values included.
 */
class MonitoringFilesTest
{
    static final Path MONITORING = ROOT.resolve("deploy/monitoring");
    static final Path RULES = MONITORING.resolve("prometheus/odyssey-rules.yml");
    static final Path PROMETHEUS_RULE = MONITORING.resolve("prometheus-rule.yaml");
    static final Path DASHBOARD = MONITORING.resolve("grafana/odyssey-dashboard.json");
    /** Labels a scrape adds to every series; the processes do not export them. */
    static final Set<String> TARGET_LABELS = Set.of("instance", "job", "namespace", "pod", "container", "endpoint", "service");
    private static final Pattern METRIC_NAME = Pattern.compile("\"(odyssey_[a-z0-9_]+)[\"{]");

    /** Every selector of every expression of the monitoring files: {where, expr, selectors: [{name, matchers}], errors}. */
    static List<Map<String, Object>> selectors() throws Exception
    {
        return list(DeploymentFiles.nodeJson("promql-selectors.mjs", RULES.toString(), PROMETHEUS_RULE.toString(),
            DASHBOARD.toString())).stream().map(DeploymentFiles::map).toList();
    }

    @Test
    void shouldAlertOnWhatAnOperatorNeeds() throws Exception
    {
        final Map<String, Object> rules = DeploymentFiles.readYaml(RULES);
        final Map<String, Object> operatorRule = DeploymentFiles.readYaml(PROMETHEUS_RULE);
        assertThat(operatorRule).containsEntry("kind", "PrometheusRule");
        assertThat(at(operatorRule, "spec.groups")).as("the PrometheusRule carries the rule file's groups, word for word")
            .isEqualTo(rules.get("groups"));
        final Map<String, Map<String, Object>> alerts = new HashMap<>();
        for (final Object group : list(rules.get("groups")))
        {
            for (final Object rule : list(map(group).get("rules")))
            {
                alerts.put((String)map(rule).get("alert"), map(rule));
            }
        }
        // The issue's list: ingest refusing frames, archiver lag, journal disk filling, grid members missing, gateway
        // clients dropped, command expiries; and what else stops the data: journal appends failing, grid or database away.
        assertThat(alerts).containsKeys("OdysseyIngestRefusingFrames", "OdysseyArchiverLagging", "OdysseyJournalDiskLow",
            "OdysseyJournalDiskFillingUp", "OdysseyGridMembersMissing", "OdysseyGatewayDroppingClients",
            "OdysseyCommandsExpiring", "OdysseyIngestJournalFailing", "OdysseyIngestGridUnreachable",
            "OdysseyArchiverDatabaseUnreachable");
        alerts.forEach((name, rule) ->
        {
            assertThat(at(rule, "labels.severity")).as(name).isIn("warning", "critical");
            assertThat((String)at(rule, "annotations.summary")).as(name).isNotBlank();
            assertThat((String)at(rule, "annotations.description")).as(name).isNotBlank();
        });
    }

    @Test
    void shouldUseOnlyMetricsTheCodeExports() throws Exception
    {
        final Set<String> exported = declaredMetrics();
        // The summary's count series and the code's own names: what the registry renders.
        assertThat(exported).contains("odyssey_hop_latency_seconds", "odyssey_ingest_frames_rejected_total");
        final Set<String> hops = declaredHops();
        final Set<String> quantiles = renderedQuantiles();
        int count = 0;
        for (final Map<String, Object> expression : selectors())
        {
            final String where = (String)expression.get("where");
            assertThat(list(expression.get("errors"))).as("%s: %s", where, expression.get("expr")).isEmpty();
            for (final Object item : list(expression.get("selectors")))
            {
                final Map<String, Object> selector = map(item);
                assertThat(exported).as("%s selects %s", where, selector.get("name")).contains((String)selector.get("name"));
                for (final Object matcher : list(selector.get("matchers")))
                {
                    final String label = (String)map(matcher).get("label");
                    final String value = (String)map(matcher).get("value");
                    if ("hop".equals(label))
                    {
                        assertThat(hops).as("%s: hop", where).contains(value);
                    }
                    if ("quantile".equals(label))
                    {
                        assertThat(quantiles).as("%s: quantile", where).contains(value);
                    }
                }
                count++;
            }
        }
        assertThat(count).isGreaterThan(40);

        // And the check can fail: a made-up metric or broken PromQL in a rule file is reported.
        final Path broken = Files.createTempFile("rules-", ".yml");
        try
        {
            Files.writeString(broken, """
                groups:
                  - name: broken
                    rules:
                      - alert: MadeUp
                        expr: rate(odyssey_made_up_total[5m]) > 0
                      - alert: Unparsable
                        expr: sum(rate(odyssey_ingest_frames_received_total[5m]) by
                """);
            final List<Object> results = list(DeploymentFiles.nodeJson("promql-selectors.mjs", broken.toString()));
            assertThat(exported).doesNotContain((String)at(list(map(results.get(0)).get("selectors")).get(0), "name"));
            assertThat(list(map(results.get(1)).get("errors"))).isNotEmpty();
        }
        finally
        {
            Files.delete(broken);
        }
    }

    /** The metric names the processes register: the string literals of their main sources. */
    static Set<String> declaredMetrics() throws Exception
    {
        final Set<String> names = new HashSet<>();
        try (Stream<Path> files = Files.walk(ROOT))
        {
            for (final Path file : files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/java/")).toList())
            {
                final Matcher m = METRIC_NAME.matcher(Files.readString(file));
                while (m.find())
                {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }

    private static Set<String> declaredHops() throws Exception
    {
        final Set<String> hops = new HashSet<>();
        final Pattern hop = Pattern.compile("\\.hop\\(\"([a-z_]+)\"");
        try (Stream<Path> files = Files.walk(ROOT))
        {
            for (final Path file : files.filter(p -> p.toString().endsWith(".java") && p.toString().contains("/src/main/java/")).toList())
            {
                final Matcher m = hop.matcher(Files.readString(file));
                while (m.find())
                {
                    hops.add(m.group(1));
                }
            }
        }
        return hops;
    }

    /** The quantile labels the metrics registry writes for a latency hop. */
    private static Set<String> renderedQuantiles()
    {
        final Metrics metrics = new Metrics("test");
        metrics.hop("h", "a hop");
        final Matcher m = Pattern.compile("quantile=\"([^\"]+)\"").matcher(metrics.renderPrometheus());
        final Set<String> quantiles = new HashSet<>();
        while (m.find())
        {
            quantiles.add(m.group(1));
        }
        return quantiles;
    }

    @Test
    void shouldScrapeEveryProcessInComposeAndInKubernetes() throws Exception
    {
        // Compose: one target per long-running Odyssey service, at its role's status port (a one-shot such as db-init,
        // started with a command of its own, has exited before anything could scrape it).
        final Map<String, Object> services = map(DeploymentManifestsTest.compose().get("services"));
        final Set<String> expected = new HashSet<>();
        services.forEach((name, service) ->
        {
            if (DeploymentManifestsTest.COMPOSE_IMAGE.equals(map(service).get("image")) && map(service).get("command") == null)
            {
                final Map<String, String> env = new HashMap<>();
                map(map(service).get("environment")).forEach((k, v) -> env.put(k, String.valueOf(v)));
                expected.add(name + ":" + DeploymentManifestsTest.statusPort(env.get("ODYSSEY_ROLE"), env));
            }
        });
        final Map<String, Object> prometheus = DeploymentFiles.readYaml(MONITORING.resolve("prometheus/prometheus.yml"));
        final Set<String> targets = list(prometheus.get("scrape_configs")).stream()
            .flatMap(c -> list(map(c).get("static_configs")).stream()).flatMap(s -> list(map(s).get("targets")).stream())
            .map(String::valueOf).collect(Collectors.toSet());
        assertThat(targets).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(list(prometheus.get("rule_files"))).containsExactly("/etc/prometheus/odyssey-rules.yml");
        assertThat(list(at(services.get("prometheus"), "volumes"))).contains(
            "./deploy/monitoring/prometheus/odyssey-rules.yml:/etc/prometheus/odyssey-rules.yml:ro");

        // Kubernetes: the PodMonitor selects every Odyssey pod and names every status port.
        final List<Map<String, Object>> documents = DeploymentFiles.render("cloud");
        final Map<String, Object> podMonitor = ofKind(documents, "PodMonitor").get(0);
        final Set<String> endpoints = list(at(podMonitor, "spec.podMetricsEndpoints")).stream()
            .map(e -> (String)map(e).get("port")).collect(Collectors.toSet());
        for (final Map<String, Object> document : documents)
        {
            final Map<String, Object> pod = podSpec(document);
            if (pod == null || name(document).equals("odyssey-timescaledb"))
            {
                continue;
            }
            assertThat(KubernetesPolicyTest.selects(map(at(podMonitor, "spec.selector.matchLabels")), DeploymentFiles.podLabels(document)))
                .as("the PodMonitor selects %s", name(document)).isTrue();
            for (final Object container : list(pod.get("containers")))
            {
                final Map<String, String> env = new HashMap<>();
                list(map(container).get("env")).forEach(e -> env.put((String)map(e).get("name"), String.valueOf(map(e).get("value"))));
                final int status = DeploymentManifestsTest.statusPort(env.get("ODYSSEY_ROLE"), env);
                final String portName = list(map(container).get("ports")).stream()
                    .filter(p -> Integer.valueOf(status).equals(map(p).get("containerPort")))
                    .map(p -> (String)map(p).get("name")).findFirst().orElseThrow();
                assertThat(endpoints).as("%s/%s: port %s is scraped", name(document), map(container).get("name"), portName)
                    .contains(portName);
            }
        }
        assertThat(ofKind(documents, "PrometheusRule")).singleElement().satisfies(rule ->
            assertThat(at(rule, "spec.groups")).isEqualTo(DeploymentFiles.readYaml(RULES).get("groups")));
    }

    @Test
    void shouldProvisionTheDashboardInGrafana() throws Exception
    {
        final String json = Files.readString(DASHBOARD);
        final Map<String, Object> dashboard = map(new ObjectMapper().readValue(json, Object.class));
        assertThat(dashboard).containsEntry("uid", "odyssey-fleet").containsKey("title");
        assertThat(String.valueOf(at(dashboard, "templating"))).contains("type=datasource", "query=prometheus");
        final List<Object> panels = list(dashboard.get("panels")).stream().filter(p -> !"row".equals(map(p).get("type"))).toList();
        assertThat(panels).hasSizeGreaterThanOrEqualTo(12);
        for (final Object panel : panels)
        {
            // The data source by variable: the same JSON works with Compose's Prometheus and a cluster's.
            assertThat(at(panel, "datasource.uid")).as((String)map(panel).get("title")).isEqualTo("${datasource}");
            assertThat(list(map(panel).get("targets"))).as((String)map(panel).get("title")).isNotEmpty();
        }
        // What the issue asks to see: per-hop latency, rates, lag, fleet counts.
        assertThat(json).contains("odyssey_hop_latency_seconds", "rate(odyssey_ingest_frames_received_total",
            "odyssey_archiver_lag_seconds", "odyssey_ingest_drones");

        // Compose's Grafana provisions it; the Kubernetes component ships it to Grafana's dashboard sidecar unchanged.
        final Map<String, Object> grafana = map(map(DeploymentManifestsTest.compose().get("services")).get("grafana"));
        assertThat(list(grafana.get("volumes"))).contains(
            "./deploy/monitoring/grafana/provisioning:/etc/grafana/provisioning:ro",
            "./deploy/monitoring/grafana/odyssey-dashboard.json:/var/lib/grafana/dashboards/odyssey-dashboard.json:ro");
        final Map<String, Object> provider = DeploymentFiles.readYaml(MONITORING.resolve("grafana/provisioning/dashboards/odyssey.yml"));
        assertThat(at(list(provider.get("providers")).get(0), "options.path")).isEqualTo("/var/lib/grafana/dashboards");
        final Map<String, Object> configMap = DeploymentFiles.named(DeploymentFiles.render("cloud"), "ConfigMap", "odyssey-grafana-dashboard");
        assertThat(map(at(configMap, "metadata.labels"))).containsEntry("grafana_dashboard", "1");
        assertThat(map(configMap.get("data"))).containsEntry("odyssey-dashboard.json", json);
    }
}
