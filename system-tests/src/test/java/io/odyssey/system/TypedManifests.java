package io.odyssey.system;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.openshift.api.model.monitoring.v1.PodMonitor;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Strict typed parsing of Kubernetes manifests into the fabric8 models: each document must be a kind (and apiVersion)
 * we deploy, and no field anywhere may be unknown to the model. The models keep unknown fields in
 * {@code additionalProperties} instead of failing, so the whole object graph is walked and every such map must be
 * empty: a misspelt {@code readinessProbes} or a field at the wrong level is an error, as a strict API server would say.
 */
final class TypedManifests
{
    private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.ofEntries(
        Map.entry("v1/Namespace", Namespace.class),
        Map.entry("v1/ConfigMap", ConfigMap.class),
        Map.entry("v1/Secret", Secret.class),
        Map.entry("v1/Service", Service.class),
        Map.entry("apps/v1/StatefulSet", StatefulSet.class),
        Map.entry("apps/v1/Deployment", Deployment.class),
        Map.entry("batch/v1/Job", Job.class),
        Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
        Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
        Map.entry("networking.k8s.io/v1/Ingress", Ingress.class),
        Map.entry("monitoring.coreos.com/v1/PodMonitor", PodMonitor.class),
        Map.entry("monitoring.coreos.com/v1/PrometheusRule", PrometheusRule.class));
    private static final ObjectMapper JSON = new ObjectMapper()
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    private TypedManifests()
    {
    }

    /** Parses one document; the problems found (empty when it is a valid, fully known manifest). */
    static List<String> problems(final Map<String, Object> document)
    {
        final List<String> problems = new ArrayList<>();
        final String key = document.get("apiVersion") + "/" + document.get("kind");
        final Class<? extends HasMetadata> type = KINDS.get(key);
        final Object name = document.get("metadata") instanceof Map<?, ?> metadata ? metadata.get("name") : null;
        final String where = key + " " + name;
        if (type == null)
        {
            problems.add(where + ": not a kind and apiVersion we deploy (" + KINDS.keySet() + ")");
            return problems;
        }
        final HasMetadata parsed;
        try
        {
            parsed = JSON.convertValue(document, type);
        }
        catch (final IllegalArgumentException ex)
        {
            problems.add(where + ": " + ex.getMessage());
            return problems;
        }
        unknownFields(parsed, where, problems, new IdentityHashMap<>());
        return problems;
    }

    /** Walks the model: fabric8 objects (their getters), lists and maps. */
    private static void unknownFields(final Object node, final String path, final List<String> problems,
        final IdentityHashMap<Object, Boolean> seen)
    {
        if (node == null || seen.put(node, Boolean.TRUE) != null)
        {
            return;
        }
        if (node instanceof List<?> list)
        {
            for (int i = 0; i < list.size(); i++)
            {
                unknownFields(list.get(i), path + "[" + i + "]", problems, seen);
            }
            return;
        }
        if (node instanceof Map<?, ?> map)
        {
            map.forEach((k, v) -> unknownFields(v, path + "." + k, problems, seen));
            return;
        }
        if (!node.getClass().getName().startsWith("io.fabric8.kubernetes.api.model") &&
            !node.getClass().getName().startsWith("io.fabric8.openshift.api.model.monitoring"))
        {
            return;
        }
        for (final Method getter : node.getClass().getMethods())
        {
            if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers()) ||
                !getter.getName().startsWith("get") || getter.getName().equals("getClass"))
            {
                continue;
            }
            final Object value;
            try
            {
                value = getter.invoke(node);
            }
            catch (final IllegalAccessException | InvocationTargetException ex)
            {
                continue;
            }
            if (getter.getName().equals("getAdditionalProperties"))
            {
                if (value instanceof Map<?, ?> extra && !extra.isEmpty())
                {
                    problems.add(path + ": unknown field(s) " + extra.keySet());
                }
                continue;
            }
            final String field = Character.toLowerCase(getter.getName().charAt(3)) + getter.getName().substring(4);
            unknownFields(value, path + "." + field, problems, seen);
        }
    }
}
