package io.odyssey.ingest;

import io.odyssey.codecs.RejectReason;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.journal.TelemetryJournal;
import net.openhft.chronicle.queue.RollCycles;
import io.odyssey.runtime.RealTimeClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ingest hot path (decode, validate, sequence check, journal append, state table update, counters, latency recording) must not
 * allocate per frame: measured with the JVM's per-thread allocation counter over a hundred thousand frames.
 */
class TelemetryIngestAgentAllocationTest
{
    /** This test never lets a batch come due; one that did would be refused as by an absent grid. */
    private static final FleetWriter NO_GRID =
        batch -> CompletableFuture.failedFuture(new IllegalStateException("no grid in this test"));

    @TempDir
    Path journalRoot;

    @Test
    void shouldNotAllocatePerFrame()
    {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final IngestMetrics metrics = new IngestMetrics();
        // Only onFragment is driven, and the flush interval is never reached, so no batch is ever written. The journal
        // is real: appending accepted and refused frames is part of the path.
        final TelemetryJournal journal = new TelemetryJournal(journalRoot, RollCycles.FAST_DAILY);
        final TelemetryIngestAgent agent = new TelemetryIngestAgent(FrameSource.NONE, journal, NO_GRID,
            new RealTimeClock(), SystemNanoClock.INSTANCE, "test", 256, 10_000, new LatestStateTable(1_000), metrics);
        // As in a node: send times checked, and the quarantine budget both taken and spent (the truncated frames).
        agent.sentTimeWindow(java.util.concurrent.TimeUnit.SECONDS.toNanos(60));
        agent.quarantineBudget(1, 100_000);
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
        final TelemetryFrameWriter writer = new TelemetryFrameWriter();

        final long[] sequence = new long[1_000];
        final Runnable round = () ->
        {
            for (int drone = 0; drone < 1_000; drone++)
            {
                final int length = writer.telemetry(buffer, 0, drone + 1, ++sequence[drone], System.currentTimeMillis() * 1_000_000L,
                    52.5, 13.4, 50f, 180f, 12f, 80f, DroneStatus.CRUISING, (byte)0, 0f);
                agent.onFragment(buffer, 0, length, null);
            }
            // A stale frame, one sent at a time no clock explains and an invalid one go through the rejection path too.
            agent.onFragment(buffer, 0, writer.telemetry(buffer, 0, 1, 1, System.currentTimeMillis() * 1_000_000L,
                52.5, 13.4, 50f, 180f, 12f, 80f, DroneStatus.CRUISING, (byte)0, 0f), null);
            agent.onFragment(buffer, 0, writer.telemetry(buffer, 0, 2, Long.MAX_VALUE, 1L, 52.5, 13.4, 50f, 180f, 12f,
                80f, DroneStatus.CRUISING, (byte)0, 0f), null);
            agent.onFragment(buffer, 0, 3, null);
        };
        // Long enough for C2 on a loaded CI machine: the claim is about compiled code.
        for (int warmUp = 0; warmUp < 1_000; warmUp++)
        {
            round.run();
        }

        final long threadId = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(threadId);
        for (int measured = 0; measured < 100; measured++)
        {
            round.run();
        }
        final long allocated = threads.getThreadAllocatedBytes(threadId) - before;

        assertThat(metrics.framesAccepted.get()).isEqualTo(1_100 * 1_000L);
        assertThat(metrics.framesRejected[RejectReason.STALE_SEQUENCE.ordinal()].get()).isEqualTo(1_100);
        assertThat(metrics.framesRejected[RejectReason.SENT_TIME_OUT_OF_WINDOW.ordinal()].get()).isEqualTo(1_100);
        assertThat(metrics.framesRejected[RejectReason.TRUNCATED.ordinal()].get()).isEqualTo(1_100);
        // 100,300 frames: anything per frame would be megabytes. Allow a little for the rate-limited reject log lines.
        assertThat(allocated).as("bytes allocated for 100,300 frames").isLessThan(64 * 1024);
        assertThat(metrics.journalAppended.get()).isEqualTo(1_100 * 1_000L);
        final long truncatedSkipped = metrics.quarantineSkipped[RejectReason.TRUNCATED.ordinal()].get();
        assertThat(truncatedSkipped).as("the truncated frames outran their budget of 1 a second").isPositive();
        assertThat(metrics.quarantined.get()).isEqualTo(3 * 1_100L - truncatedSkipped);
        journal.close();
    }
}
