package io.odyssey.runtime;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a process says about itself, in the two senses an orchestrator needs apart:
 * <ul>
 *   <li>{@code GET /health/live} — <em>liveness</em>: the process is not wedged (its hot threads make progress or wait
 *   idle). No dependency is checked, so a grid outage or a full disk never gets a process restarted that would carry
 *   on by itself once the dependency is back.</li>
 *   <li>{@code GET /health/ready} — <em>readiness</em>: the liveness checks plus the dependency checks (grid,
 *   database, journal, UDP endpoint...): whether the process does its job now. {@code GET /health} is the same
 *   answer, kept for the scripts and probes written before the split.</li>
 * </ul>
 * Both answer 200 {@code {"status":"UP",...}} or 503 {@code {"status":"DOWN",...}} with one entry per check. Checks
 * are registered while the process starts and evaluated on every request, outside any lock of this class (a check
 * may call into a library that takes its own).
 */
public final class Health
{
    public static final String LIVE_PATH = "/health/live";
    public static final String READY_PATH = "/health/ready";
    /** The endpoint from before the split: readiness. */
    public static final String PATH = "/health";
    public static final String CONTENT_TYPE = "application/json";

    private final String role;
    private final Map<String, HealthCheck> live = new LinkedHashMap<>();
    private final Map<String, HealthCheck> ready = new LinkedHashMap<>();

    public Health(final String role)
    {
        this.role = role;
    }

    /** A check that turns {@code /health/live} (and readiness) DOWN: only what a restart would cure. */
    public synchronized Health live(final String name, final HealthCheck check)
    {
        live.put(name, check);
        return this;
    }

    /** A check that turns only {@code /health/ready} DOWN: a dependency, or work the process cannot do right now. */
    public synchronized Health ready(final String name, final HealthCheck check)
    {
        ready.put(name, check);
        return this;
    }

    public Report liveness()
    {
        final Map<String, HealthCheck> checks;
        synchronized (this)
        {
            checks = new LinkedHashMap<>(live);
        }
        return report(checks);
    }

    /** Readiness includes liveness: a wedged process does not do its job either. */
    public Report readiness()
    {
        final Map<String, HealthCheck> checks;
        synchronized (this)
        {
            checks = new LinkedHashMap<>(live);
            checks.putAll(ready);
        }
        return report(checks);
    }

    /**
     * The answer for one of {@link #LIVE_PATH}, {@link #READY_PATH} or {@link #PATH}.
     *
     * @return null for any other path.
     */
    public Report forPath(final String path)
    {
        return switch (path)
        {
            case LIVE_PATH -> liveness();
            case READY_PATH, PATH -> readiness();
            default -> null;
        };
    }

    private Report report(final Map<String, HealthCheck> checks)
    {
        final Map<String, HealthCheck.Result> results = HealthCheck.evaluateAll(checks);
        return new Report(HealthCheck.allHealthy(results) ? 200 : 503, HealthCheck.render(role, results));
    }

    /** An HTTP answer: 200 or 503 and its JSON body. */
    public record Report(int status, String body)
    {
        public boolean up()
        {
            return status == 200;
        }

        /**
         * The answer without its details (no role, no checks, no dependency names or addresses): what a process
         * facing anonymous callers tells them.
         */
        public Report statusOnly()
        {
            return new Report(status, up() ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}");
        }
    }
}
