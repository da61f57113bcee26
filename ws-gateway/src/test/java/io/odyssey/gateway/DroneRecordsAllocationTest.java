package io.odyssey.gateway;

import io.odyssey.grid.DroneState;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The binary fan-out's per-drone work allocates nothing: encoding each version once into the shared buffer (also
 * when the buffer starts a new generation) and copying records into frames. Measured with the thread's allocation
 * counter over many frames, after a warm-up that lets the buffers reach their size.
 */
class DroneRecordsAllocationTest
{
    private static final int DRONES = 1_000;

    @Test
    void shouldEncodeAndCopyDroneRecordsWithoutAllocating()
    {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final DroneView[][] versions = new DroneView[4][DRONES];
        for (int v = 0; v < versions.length; v++)
        {
            for (int d = 0; d < DRONES; d++)
            {
                versions[v][d] = new DroneView(new DroneState(d, v, 1, 2, 3, 52.5 + d * 1e-5, 13.4, 100f, 90f, 12f, 0f, 80f,
                    "CRUISING", 8, "ingest-" + (d % 3)), 4, d);
            }
        }
        final GatewayMetrics metrics = new GatewayMetrics();
        final DroneRecords records = new DroneRecords(new NodeTable(() -> { }), metrics);
        final FrameWriter writer = new FrameWriter(DRONES * DroneBinary.RECORD_LENGTH + 64);
        frames(records, writer, versions, 50);

        final long thread = Thread.currentThread().getId();
        final long before = threads.getThreadAllocatedBytes(thread);
        frames(records, writer, versions, 200);
        final long allocated = threads.getThreadAllocatedBytes(thread) - before;

        assertThat(metrics.recordsEncoded.get()).as("versions were encoded again as the generations turned").isPositive();
        assertThat(allocated).as("bytes allocated for 200 frames of 1,000 drones").isLessThan(1_024);
    }

    /** Frames of every drone, cycling through versions: each new version is encoded once, then copied. */
    private static void frames(final DroneRecords records, final FrameWriter writer, final DroneView[][] versions,
        final int frames)
    {
        for (int f = 0; f < frames; f++)
        {
            final DroneView[] fleet = versions[f % versions.length];
            writer.beginBinary(null);
            for (final DroneView view : fleet)
            {
                writer.record(records.buffer(), records.offsetOf(view, DRONES));
            }
            writer.finishBinary(DroneBinary.CHANGES, f + 1, false, fleet.length, 0, 0);
        }
    }
}
