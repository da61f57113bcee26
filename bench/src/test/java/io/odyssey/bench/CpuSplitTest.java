package io.odyssey.bench;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The harness's split of this JVM's CPU per role, on real threads burning known amounts of CPU time. */
class CpuSplitTest
{
    private static final long BURN_NS = TimeUnit.MILLISECONDS.toNanos(60);

    @Test
    void shouldCountTheCpuOfEveryThreadARoleStartsOrItsThreadsStartAsThatRoles() throws Exception
    {
        final CpuSplit cpu = new CpuSplit();
        final CountDownLatch burnt = new CountDownLatch(2);
        final CountDownLatch release = new CountDownLatch(1);
        final CpuSplit.Snapshot before = cpu.snapshot();
        // The role's start makes a thread, which makes another that does the work: a pool's worker, as Hazelcast's are.
        cpu.start("ingest", () ->
        {
            final Thread pool = new Thread(() ->
            {
                final Thread worker = new Thread(() ->
                {
                    burn();
                    burnt.countDown();
                    awaitQuietly(release);
                }, "some-library-worker");
                worker.start();
                awaitQuietly(release);
            }, "some-library-pool");
            pool.start();
            return pool;
        });
        final Thread measuredClient = new Thread(() ->
        {
            burn();
            burnt.countDown();
            awaitQuietly(release);
        }, "HttpClient-7-Worker-0");
        measuredClient.start();
        try
        {
            assertThat(burnt.await(60, TimeUnit.SECONDS)).isTrue();
            final Map<String, Long> split = CpuSplit.between(before, cpu.snapshot());

            assertThat(split.get("ingest")).isGreaterThanOrEqualTo(BURN_NS);
            assertThat(split.get(CpuSplit.CLIENT)).isGreaterThanOrEqualTo(BURN_NS);
            assertThat(split.keySet()).doesNotContain("bench-ingest", "main");
            final long parts = split.entrySet().stream().filter(part -> !part.getKey().equals(CpuSplit.TOTAL))
                .mapToLong(Map.Entry::getValue).sum();
            assertThat(parts).as("the parts, unattributed included, are the process's CPU").isEqualTo(split.get(CpuSplit.TOTAL));
        }
        finally
        {
            release.countDown();
        }
    }

    @Test
    void shouldLeaveTheCpuOfAThreadThatEndedUnattributedRatherThanGuessItsRole() throws Exception
    {
        final CpuSplit cpu = new CpuSplit();
        final CpuSplit.Snapshot before = cpu.snapshot();
        final Thread gone = cpu.start("grid", () ->
        {
            final Thread thread = new Thread(CpuSplitTest::burn, "short-lived");
            thread.start();
            return thread;
        });
        gone.join(TimeUnit.SECONDS.toMillis(60));
        assertThat(gone.isAlive()).isFalse();

        final Map<String, Long> split = CpuSplit.between(before, cpu.snapshot());

        assertThat(split.getOrDefault("grid", 0L)).isLessThan(BURN_NS / 2);
        // The process clock ticks coarser than the threads' (10 ms on Linux): the burn shows, less a tick or two.
        assertThat(split.get(CpuSplit.UNATTRIBUTED)).isGreaterThan(BURN_NS - TimeUnit.MILLISECONDS.toNanos(25));
    }

    @Test
    void shouldTellTheJvmsGcAndJitThreadsByTheirNames() throws Exception
    {
        assertThat(CpuSplit.jvmThreadPart("GC Thread#0")).isEqualTo(CpuSplit.GC);
        assertThat(CpuSplit.jvmThreadPart("G1 Conc#0")).isEqualTo(CpuSplit.GC);
        assertThat(CpuSplit.jvmThreadPart("VM Thread")).isEqualTo(CpuSplit.GC);
        assertThat(CpuSplit.jvmThreadPart("C2 CompilerThre")).isEqualTo(CpuSplit.JIT);
        assertThat(CpuSplit.jvmThreadPart("C1 CompilerThre")).isEqualTo(CpuSplit.JIT);
        assertThat(CpuSplit.jvmThreadPart("hz.ws-gateway-1")).isNull();

        final CpuSplit cpu = new CpuSplit();
        final CpuSplit.Snapshot before = cpu.snapshot();
        for (int i = 0; i < 3; i++)
        {
            System.gc();
        }
        final Map<String, Long> split = CpuSplit.between(before, cpu.snapshot());
        assertThat(split.getOrDefault(CpuSplit.GC, 0L)).as("full collections cost the GC threads CPU").isPositive();
    }

    /** Uses {@link #BURN_NS} of this thread's own CPU time, however long the loaded machine takes to give it. */
    private static void burn()
    {
        final java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final long start = threads.getCurrentThreadCpuTime();
        long sink = 0;
        while (threads.getCurrentThreadCpuTime() - start < BURN_NS)
        {
            for (int i = 0; i < 10_000; i++)
            {
                sink += i * 31L ^ sink;
            }
        }
        if (sink == 42)
        {
            System.out.println(sink);
        }
    }

    private static void awaitQuietly(final CountDownLatch latch)
    {
        try
        {
            latch.await(60, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
