package io.odyssey.runtime;

import org.agrona.concurrent.ShutdownSignalBarrier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The uniform lifecycle of every Odyssey process: validate configuration (fail fast naming the bad setting),
 * launch, log one line per lifecycle event, wait for SIGINT/SIGTERM, close in reverse order.
 * <p>
 * Each {@code main} is three lines: {@code ProcessLauncher.run("ingest", args, Config.ALL, EdgeIngest::launch)}.
 */
public final class ProcessLauncher
{
    private ProcessLauncher()
    {
    }

    /** Builds the running process; the returned resource is closed on shutdown. */
    @FunctionalInterface
    public interface Launch
    {
        AutoCloseable launch() throws Exception;
    }

    /**
     * Properties every Odyssey JVM wants (see docs/operations.md), set here so that {@code java -jar} needs no
     * flags; an explicit {@code -D} still wins.
     */
    public static void defaultSystemProperties()
    {
        System.getProperties().putIfAbsent("hazelcast.phone.home.enabled", "false");
        System.getProperties().putIfAbsent("hazelcast.logging.type", "slf4j");
        System.getProperties().putIfAbsent("org.jboss.logging.provider", "slf4j");
        System.getProperties().putIfAbsent("chronicle.analytics.disable", "true");
        // With fewer than three cores the JDK sizes the common pool at 1, and Hazelcast (like CompletableFuture) then
        // runs every async completion on a brand-new thread: a putAll over 271 partitions started 271 threads per
        // call and took both cores in system time. Two workers make it use the pool instead.
        System.getProperties().putIfAbsent("java.util.concurrent.ForkJoinPool.common.parallelism",
            String.valueOf(Math.max(2, Runtime.getRuntime().availableProcessors() - 1)));
    }

    public static void run(final String role, final String[] args, final List<Setting> settings, final Launch launch)
    {
        if (args.length > 0 && ("--help".equals(args[0]) || "-h".equals(args[0])))
        {
            System.out.println("Odyssey " + role + ": configured by environment variables (or -D system properties:"
                + " ODYSSEY_FOO_BAR is also -Dodyssey.foo.bar)\n");
            System.out.print(Setting.describe(settings));
            return;
        }
        defaultSystemProperties();
        final Logger log = LoggerFactory.getLogger("odyssey." + role);
        final long startNs = System.nanoTime();
        log.info("{} starting (pid {}, {})", role, ProcessHandle.current().pid(), Runtime.version());
        // Agrona 2's barrier holds the JVM's shutdown hook until it is closed: close it only once we have stopped,
        // and exit (on a failed start) only after it is closed.
        int exitCode = 0;
        try (ShutdownSignalBarrier barrier = new ShutdownSignalBarrier())
        {
            AutoCloseable running = null;
            try
            {
                running = launch.launch();
            }
            catch (final ConfigurationException ex)
            {
                log.error("{} refused to start: {}", role, ex.getMessage());
                exitCode = 2;
            }
            catch (final Throwable ex)
            {
                log.error("{} failed to start", role, ex);
                exitCode = 1;
            }
            if (running != null)
            {
                log.info("{} started in {} ms", role, (System.nanoTime() - startNs) / 1_000_000);
                barrier.await();
                log.info("{} stopping", role);
                try
                {
                    running.close();
                    log.info("{} stopped", role);
                }
                catch (final Throwable ex)
                {
                    log.error("{} did not stop cleanly", role, ex);
                }
            }
        }
        if (exitCode != 0)
        {
            System.exit(exitCode);
        }
    }
}
