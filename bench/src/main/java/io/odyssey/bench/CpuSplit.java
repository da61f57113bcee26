package io.odyssey.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.odyssey.runtime.ProcessCpu;

/**
 * Where this JVM's CPU goes while the harness runs every role in it: the process's CPU time between two snapshots,
 * split by the thread that used it. The rule that assigns a thread to a part:
 * <ol>
 *   <li>the JVM's own threads, which Java cannot see, from {@code /proc/self/task} (Linux): {@code GC Thread#…},
 *       {@code G1 …}, {@code VM Thread} and {@code VM Periodic Task} are {@code gc}; {@code C1/C2 CompilerThread…} and
 *       {@code Sweeper thread} are {@code jit};</li>
 *   <li>a Java thread in the thread group a role was started in ({@link #start}), or in a group below it, is that
 *       role's: a thread joins the group of the thread that creates it, so every thread a role's start or its own
 *       threads create (Hazelcast's, Aeron's, Undertow's, Chronicle's) is the role's — except the JDK's shared
 *       {@code ForkJoinPool.commonPool-worker-…}, which joins the group of whoever first needed it and is
 *       {@code other};</li>
 *   <li>outside the roles' groups: {@code main} is the {@code sender} (it paces and offers the simulated drones'
 *       frames), {@code HttpClient-…} threads the measured {@code client} (its WebSocket reads and parsing), anything
 *       else (reference handler, cleaners, JFR, process reaper…) {@code other};</li>
 *   <li>{@code unattributed}: the process's CPU time that no live thread accounts for — threads that ended between the
 *       snapshots, and the process clock's coarser resolution. It is printed, not spread over the others.</li>
 * </ol>
 * Thread CPU times are {@code ThreadMXBean}'s (ns); the process's is {@code getProcessCpuTime}. The parts add up to
 * the process's CPU by construction, the unattributed part being the remainder.
 */
final class CpuSplit
{
    static final String GC = "gc";
    static final String JIT = "jit";
    static final String SENDER = "sender";
    static final String CLIENT = "client";
    static final String OTHER = "other";
    static final String UNATTRIBUTED = "unattributed";
    static final String TOTAL = "total";

    private static final Pattern GC_THREAD = Pattern.compile("(GC Thread#|G1 |VM Thread|VM Periodic Task).*");
    private static final Pattern JIT_THREAD = Pattern.compile("(C1 CompilerThre|C2 CompilerThre|Sweeper thread).*");

    /** The groups roles were started in, by part name. */
    private final Map<ThreadGroup, String> roles = new LinkedHashMap<>();

    /**
     * Runs a role's start on a thread of its own group, so that the threads it starts, and those they start, are
     * counted as the role's.
     *
     * @param part the role's name in the split, e.g. {@code ingest}.
     */
    <T> T start(final String part, final Callable<T> start) throws Exception
    {
        final ThreadGroup group = roles.entrySet().stream().filter(entry -> entry.getValue().equals(part))
            .map(Map.Entry::getKey).findFirst().orElseGet(() ->
            {
                final ThreadGroup created = new ThreadGroup("bench-" + part);
                roles.put(created, part);
                return created;
            });
        final FutureTask<T> task = new FutureTask<>(start);
        final Thread thread = new Thread(group, task, "bench-start-" + part);
        thread.start();
        try
        {
            return task.get();
        }
        catch (final ExecutionException ex)
        {
            if (ex.getCause() instanceof Exception cause)
            {
                throw cause;
            }
            throw ex;
        }
    }

    /** The CPU time of every thread now, and the process's. */
    Snapshot snapshot()
    {
        final long process = ProcessCpu.nanos();
        final Map<String, Long> threads = new HashMap<>();
        final com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final List<Thread> live = liveThreads();
        final long[] ids = live.stream().mapToLong(Thread::getId).toArray();
        final long[] cpu = mx.getThreadCpuTime(ids);
        for (int i = 0; i < ids.length; i++)
        {
            final String part = javaThreadPart(live.get(i));
            if (part != null && cpu[i] > 0)
            {
                threads.put("java-" + ids[i] + '\t' + part, cpu[i]);
            }
        }
        jvmThreads(threads);
        return new Snapshot(process, threads);
    }

    /**
     * CPU time used between two snapshots, ns per part, with {@value #UNATTRIBUTED} (the process's CPU no live thread
     * accounts for) and {@value #TOTAL} (the process's).
     */
    static Map<String, Long> between(final Snapshot before, final Snapshot after)
    {
        final Map<String, Long> parts = new LinkedHashMap<>();
        long attributed = 0;
        for (final Map.Entry<String, Long> thread : after.threads().entrySet())
        {
            final long used = thread.getValue() - before.threads().getOrDefault(thread.getKey(), 0L);
            if (used > 0)
            {
                final String part = thread.getKey().substring(thread.getKey().indexOf('\t') + 1);
                parts.merge(part, used, Long::sum);
                attributed += used;
            }
        }
        final long total = after.processNanos() - before.processNanos();
        parts.put(UNATTRIBUTED, total - attributed);
        parts.put(TOTAL, total);
        return parts;
    }

    /** The part of a Java thread (see the class comment); null for the JVM's own, which {@code /proc} accounts for. */
    String javaThreadPart(final Thread thread)
    {
        final String name = thread.getName();
        if (GC_THREAD.matcher(name).matches() || JIT_THREAD.matcher(name).matches())
        {
            return null;
        }
        if (name.startsWith("ForkJoinPool.commonPool-worker"))
        {
            return OTHER;
        }
        for (ThreadGroup group = thread.getThreadGroup(); group != null; group = group.getParent())
        {
            final String role = roles.get(group);
            if (role != null)
            {
                return role;
            }
        }
        if (name.equals("main"))
        {
            return SENDER;
        }
        return name.startsWith("HttpClient-") ? CLIENT : OTHER;
    }

    /** The part of one of the JVM's own threads by its name in {@code /proc} (15 characters at most); null for others. */
    static String jvmThreadPart(final String name)
    {
        return GC_THREAD.matcher(name).matches() ? GC : JIT_THREAD.matcher(name).matches() ? JIT : null;
    }

    private static List<Thread> liveThreads()
    {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null)
        {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 64];
        int count;
        while ((count = root.enumerate(threads, true)) == threads.length)
        {
            threads = new Thread[threads.length * 2];
        }
        return java.util.Arrays.asList(threads).subList(0, count);
    }

    /** GC and JIT threads' CPU time from {@code /proc/self/task/<tid>/schedstat} (ns on CPU); none off Linux. */
    private static void jvmThreads(final Map<String, Long> into)
    {
        final Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks))
        {
            return;
        }
        try (Stream<Path> list = Files.list(tasks))
        {
            for (final Path task : (Iterable<Path>)list::iterator)
            {
                try
                {
                    final String part = jvmThreadPart(Files.readString(task.resolve("comm")).strip());
                    if (part != null)
                    {
                        final String schedstat = Files.readString(task.resolve("schedstat"));
                        into.put("task-" + task.getFileName() + '\t' + part,
                            Long.parseLong(schedstat.substring(0, schedstat.indexOf(' '))));
                    }
                }
                catch (final IOException | RuntimeException ended)
                {
                    // The thread ended while being read: its time is in the unattributed part.
                }
            }
        }
        catch (final IOException ex)
        {
            // Not readable here: GC and JIT stay in the unattributed part.
        }
    }

    /** @param threads CPU time ns by thread ("java-id" or "task-tid", a tab, its part). */
    record Snapshot(long processNanos, Map<String, Long> threads)
    {
    }
}
