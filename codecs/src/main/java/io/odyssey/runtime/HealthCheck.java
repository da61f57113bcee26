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

    static boolean allHealthy(final Map<String, Result> results)
    {
        return results.values().stream().allMatch(Result::healthy);
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
                .append(entry.getValue().healthy()).append(",\"detail\":\"")
                .append(Json.escape(entry.getValue().detail())).append("\"}");
        }
        return json.append("}}").toString();
    }

    record Result(boolean healthy, String detail)
    {
        public static Result up(final String detail)
        {
            return new Result(true, detail);
        }

        public static Result down(final String detail)
        {
            return new Result(false, detail);
        }
    }
}
