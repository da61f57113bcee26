package io.odyssey.runtime;

import java.lang.management.BufferPoolMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The JVM's own state on every process's {@code /metrics}: heap against its limit, the off-heap memory Aeron, Agrona
 * and Chronicle live in (direct and mapped buffers), garbage collection and threads. A process that is running out
 * of heap slows down in GC long before it fails; this is where an operator sees it coming (the "heap nearly full"
 * alert). Read at scrape time, off every hot path.
 */
final class JvmGauges
{
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

    private JvmGauges()
    {
    }

    static void register(final Metrics metrics)
    {
        metrics.gauge("odyssey_jvm_heap_used_bytes", "Heap in use, bytes", () -> MEMORY.getHeapMemoryUsage().getUsed());
        metrics.gauge("odyssey_jvm_heap_committed_bytes", "Heap the JVM holds from the operating system, bytes",
            () -> MEMORY.getHeapMemoryUsage().getCommitted());
        // -1 when the JVM has no limit (it always has one with -Xmx or a container's memory limit).
        metrics.gauge("odyssey_jvm_heap_max_bytes", "The heap's limit, bytes (-1: none)",
            () -> MEMORY.getHeapMemoryUsage().getMax());
        metrics.gauge("odyssey_jvm_nonheap_used_bytes", "Non-heap memory in use (metaspace, code cache), bytes",
            () -> MEMORY.getNonHeapMemoryUsage().getUsed());
        metrics.gauge("odyssey_jvm_direct_buffer_bytes", "Direct (off-heap) buffers in use, bytes: Aeron's and Agrona's",
            () -> bufferPool("direct"));
        metrics.gauge("odyssey_jvm_mapped_buffer_bytes", "Memory-mapped files in use, bytes: Chronicle's journal, Aeron's logs",
            () -> bufferPool("mapped"));
        final List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
        metrics.gauge("odyssey_jvm_gc_collections", "Garbage collections since start (all collectors)",
            () -> sum(collectors, GarbageCollectorMXBean::getCollectionCount));
        metrics.gauge("odyssey_jvm_gc_seconds", "Time spent in garbage collection since start (all collectors), seconds",
            () -> sum(collectors, GarbageCollectorMXBean::getCollectionTime) / 1000.0);
        metrics.gauge("odyssey_jvm_threads", "Live threads", () -> ManagementFactory.getThreadMXBean().getThreadCount());
    }

    private static long bufferPool(final String name)
    {
        for (final BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class))
        {
            if (name.equals(pool.getName()))
            {
                return pool.getMemoryUsed();
            }
        }
        return -1;
    }

    private static long sum(final List<GarbageCollectorMXBean> collectors, final ToLongFunction<GarbageCollectorMXBean> value)
    {
        long total = 0;
        for (final GarbageCollectorMXBean collector : collectors)
        {
            total += Math.max(0, value.applyAsLong(collector));   // -1: this collector cannot tell
        }
        return total;
    }
}
