package io.odyssey.runtime;

import java.util.LinkedHashMap;
import java.util.Map;

/** One named aspect of a process's health, evaluated on every {@code /health} request. */
@FunctionalInterface
public interface HealthCheck
{
    Result check();

    static Result evaluate(final HealthCheck check)
    {
        try
        {
            return check.check();
        }
        catch (final RuntimeException ex)
        {
            return Result.down(ex.toString());
        }
    }

    static Map<String, Result> evaluateAll(final Map<String, HealthCheck> checks)
    {
        final Map<String, Result> results = new LinkedHashMap<>();
        checks.forEach((name, check) -> results.put(name, evaluate(check)));
        return results;
    }

    /** Whether the process is ready: every check healthy, or down without taking the process's main job along. */
    static boolean allHealthy(final Map<String, Result> results)
    {
        return results.values().stream().allMatch(result -> result.healthy() || !result.critical());
    }

    /** The {@code /health} body every process serves: {@code {"status":"UP"|"DOWN","role":...,"checks":{...}}}. */
    static String render(final String role, final Map<String, Result> results)
    {
        final StringBuilder json = new StringBuilder("{\"status\":\"").append(allHealthy(results) ? "UP" : "DOWN")
            .append("\",\"role\":\"").append(Json.escape(role)).append("\",\"checks\":{");
        boolean first = true;
        for (final Map.Entry<String, Result> entry : results.entrySet())
        {
            if (!first)
            {
                json.append(',');
            }
            first = false;
            json.append('"').append(Json.escape(entry.getKey())).append("\":{\"healthy\":")
                .append(entry.getValue().healthy());
            if (!entry.getValue().critical())
            {
                json.append(",\"critical\":false");
            }
            json.append(",\"detail\":\"").append(Json.escape(entry.getValue().detail())).append("\"}");
        }
        return json.append("}}").toString();
    }

    /**
     * @param critical whether this check being down makes the whole process DOWN (503). A check that is not critical
     *                 is still shown as it is, e.g. the gateway's history database while unreachable: the live fleet
     *                 does not depend on it, and taking the gateway out of service for it would stop what works.
     */
    record Result(boolean healthy, String detail, boolean critical)
    {
        public Result(final boolean healthy, final String detail)
        {
            this(healthy, detail, true);
        }

        public static Result up(final String detail)
        {
            return new Result(true, detail);
        }

        public static Result down(final String detail)
        {
            return new Result(false, detail);
        }

        /** Down, shown as such, but not a reason to call the whole process DOWN. */
        public static Result degraded(final String detail)
        {
            return new Result(false, detail, false);
        }
    }
}
