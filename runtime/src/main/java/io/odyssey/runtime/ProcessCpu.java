package io.odyssey.runtime;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.function.LongSupplier;

/**
 * The CPU time this process has used, and what one unit of its work costs: every role exposes its own figure on
 * {@code /metrics} so that the cost of a drone update can be split per process without a profiler.
 */
public final class ProcessCpu
{
    private static final OperatingSystemMXBean OS = ManagementFactory.getOperatingSystemMXBean();

    private ProcessCpu()
    {
    }

    /** CPU time of the whole process since it started (every thread, ended ones too), ns; -1 when the JVM cannot tell. */
    public static long nanos()
    {
        return OS instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
    }

    /**
     * Registers two gauges: {@code <prefix>_cpu_seconds}, the process's CPU time since start, and
     * {@code <prefix>_cpu_ns_per_<unit>}, that over the units of work done since start (0 before the first).
     *
     * @param prefix    e.g. {@code odyssey_ingest}.
     * @param unit      the unit in the gauge's name, e.g. {@code frame}.
     * @param unitsHelp what is counted, for the help text, e.g. "telemetry frames accepted".
     * @param units     units of work done since start.
     */
    public static void register(final Metrics metrics, final String prefix, final String unit, final String unitsHelp,
        final LongSupplier units)
    {
        metrics.gauge(prefix + "_cpu_seconds", "CPU time the process used since it started, seconds", () -> nanos() / 1e9);
        metrics.gauge(prefix + "_cpu_ns_per_" + unit, "Process CPU time since start over " + unitsHelp + ", ns", () ->
        {
            final long done = units.getAsLong();
            return done <= 0 ? 0 : (double)nanos() / done;
        });
    }
}
