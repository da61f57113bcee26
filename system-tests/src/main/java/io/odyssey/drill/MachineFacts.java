package io.odyssey.drill;

import io.odyssey.stack.LocalStack;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/** Where a result was measured (the same facts as {@code ./odyssey bench} writes): date, commit, CPU, memory, JDK. */
final class MachineFacts
{
    private MachineFacts()
    {
    }

    static String describe()
    {
        final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean();
        return "date: " + Instant.now().toString().replaceAll("\\.\\d+Z$", "Z") + "\n" +
            "commit: " + commit() + "\n" +
            "cpu: " + cpuModel() + " x " + Runtime.getRuntime().availableProcessors() + "\n" +
            "memory: " + Math.round(os.getTotalMemorySize() / (1024.0 * 1024 * 1024)) + " GiB\n" +
            "java: " + System.getProperty("java.vm.name") + " " + Runtime.version() + "\n";
    }

    private static String cpuModel()
    {
        try
        {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(line -> line.startsWith("model name"))
                .findFirst().map(line -> line.substring(line.indexOf(':') + 1).trim()).orElse("unknown");
        }
        catch (final Exception ex)
        {
            return "unknown";
        }
    }

    private static String commit()
    {
        try
        {
            final Process git = new ProcessBuilder("git", "rev-parse", "--short", "HEAD")
                .directory(LocalStack.repositoryRoot().toFile()).redirectErrorStream(true).start();
            final String out = new String(git.getInputStream().readAllBytes()).trim();
            return git.waitFor(10, TimeUnit.SECONDS) && git.exitValue() == 0 ? out : "unknown";
        }
        catch (final Exception ex)
        {
            return "unknown";
        }
    }
}
