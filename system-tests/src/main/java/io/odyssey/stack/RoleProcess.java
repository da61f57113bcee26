package io.odyssey.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One Odyssey role as a child JVM started from its jar ({@code <module>/target/odyssey-<module>.jar}) and configured
 * only by environment variables, as {@code ./odyssey cluster} and the containers run it: no {@code ODYSSEY_*} variable
 * of the calling process leaks in. Its output is appended to a log file of its own, so a restarted role keeps one log.
 * It can be stopped the polite way (SIGTERM, what an operator or Kubernetes does) or killed with SIGKILL, and started
 * again with the same settings and data.
 */
public final class RoleProcess
{
    private final String name;
    private final Path jar;
    private final String heap;
    private final Map<String, String> env;
    private final Path log;
    private Process process;
    private int starts;

    /**
     * @param name   what this instance is called in logs and reports, e.g. {@code grid-node-2}.
     * @param jar    the role's runnable jar.
     * @param heap   the JVM's heap limit, e.g. {@code 256m}.
     * @param env    the role's whole configuration.
     * @param log    where its output goes (appended).
     */
    public RoleProcess(final String name, final Path jar, final String heap, final Map<String, String> env, final Path log)
    {
        this.name = name;
        this.jar = jar;
        this.heap = heap;
        this.env = new LinkedHashMap<>(env);
        this.log = log;
    }

    public String name()
    {
        return name;
    }

    public Map<String, String> env()
    {
        return Map.copyOf(env);
    }

    public Path log()
    {
        return log;
    }

    /** How often this role has been started (a restart counts). */
    public int starts()
    {
        return starts;
    }

    public synchronized void start() throws IOException
    {
        if (isAlive())
        {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        if (!Files.isRegularFile(jar))
        {
            throw new IllegalStateException(jar + " is missing: build the roles first (./odyssey build)");
        }
        // A role out of memory dies (and is seen to) rather than limping on.
        final List<String> command = new ArrayList<>(List.of(javaExecutable(), "-Xmx" + heap,
            "-XX:+ExitOnOutOfMemoryError"));
        if (Runtime.version().feature() >= 24)
        {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-jar", jar.toString()));
        final ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(key -> key.startsWith("ODYSSEY_"));
        builder.environment().putAll(env);
        builder.redirectErrorStream(true);
        Files.createDirectories(log.getParent());
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        process = builder.start();
        starts++;
    }

    public synchronized boolean isAlive()
    {
        return process != null && process.isAlive();
    }

    public synchronized long pid()
    {
        return process == null ? -1 : process.pid();
    }

    /** {@code kill -9}: the process gets no chance to tidy up. Returns once it is gone. */
    public void kill() throws InterruptedException
    {
        final Process running;
        synchronized (this)
        {
            running = process;
        }
        if (running != null && running.isAlive())
        {
            running.destroyForcibly();
            if (!running.waitFor(30, TimeUnit.SECONDS))
            {
                throw new IllegalStateException(name + " (pid " + running.pid() + ") survived SIGKILL for 30 s");
            }
        }
    }

    /**
     * SIGTERM, as an operator or Kubernetes stops a process; SIGKILL if it has not exited within {@code timeoutMs}.
     *
     * @return how long it took to exit after SIGTERM, in ms, or -1 if it had to be killed.
     */
    public long stop(final long timeoutMs) throws InterruptedException
    {
        final Process running;
        synchronized (this)
        {
            running = process;
        }
        if (running == null || !running.isAlive())
        {
            return 0;
        }
        final long startNs = System.nanoTime();
        running.destroy();
        if (running.waitFor(timeoutMs, TimeUnit.MILLISECONDS))
        {
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        }
        kill();
        return -1;
    }

    /** The exit code of a process that ended, or null while it runs (or never ran). */
    public synchronized Integer exitCode()
    {
        return process == null || process.isAlive() ? null : process.exitValue();
    }

    static String javaExecutable()
    {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    public String toString()
    {
        return name + (isAlive() ? " (pid " + pid() + ")" : " (not running)");
    }
}
