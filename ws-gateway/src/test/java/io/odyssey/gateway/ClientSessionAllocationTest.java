package io.odyssey.gateway;

import io.odyssey.grid.DroneState;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.function.IntConsumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A session's per-drone work allocates nothing: marking a changed drone (the Hazelcast event thread's part) and
 * putting it in a binary frame (the fan-out's). What a frame allocates is the frame itself (its bytes, handed to the
 * connection), once per frame, not per drone. Measured with the thread's allocation counter, after a warm-up that lets
 * the session's arrays reach the fleet's size.
 */
class ClientSessionAllocationTest
{
    private static final int DRONES = 1_000;
    private static final int SESSIONS = 10;

    @Test
    void shouldMarkAndSendChangedDronesWithoutAllocatingPerDrone()
    {
        final com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final GatewayMetrics metrics = new GatewayMetrics();
        final FleetView fleet = new FleetView(() -> { }, () -> { });
        final DroneRecords records = new DroneRecords(new NodeTable(() -> { }), metrics);
        final FrameWriter writer = new FrameWriter(DRONES * DroneBinary.RECORD_LENGTH + 64);
        final DroneJson encoder = new DroneJson();
        final CountingLink link = new CountingLink();
        final ClientSession[] sessions = new ClientSession[SESSIONS];
        for (int i = 0; i < SESSIONS; i++)
        {
            sessions[i] = new ClientSession(link, metrics, Long.MAX_VALUE, Long.MAX_VALUE, 0, 0, true);
            sessions[i].requestSnapshot(null);
        }
        final long[] measured = new long[1];
        final long thread = Thread.currentThread().getId();
        long sequence = 0;
        for (int frame = 0; frame < 250; frame++)
        {
            sequence++;
            final DroneView[] versions = new DroneView[DRONES];
            for (int d = 0; d < DRONES; d++)
            {
                versions[d] = fleet.merge(new DroneState(d, sequence, 1, 2, 3, 52.5 + d * 1e-5, 13.4, 100f, 90f, 12f, 0f,
                    80f, "CRUISING", 8, "ingest-" + (d % 3)), 4);
            }
            final long before = threads.getThreadAllocatedBytes(thread);
            for (final ClientSession session : sessions)
            {
                for (final DroneView view : versions)
                {
                    session.onChange(view, frame);
                }
                session.flush(fleet, frame, writer, encoder, records, () -> 5);
            }
            if (frame >= 50)
            {
                measured[0] += threads.getThreadAllocatedBytes(thread) - before;
            }
        }

        final long frames = 200L * SESSIONS;
        assertThat(link.frames).isEqualTo(250L * SESSIONS + SESSIONS);
        final long frameBytes = (long)(DRONES * DroneBinary.RECORD_LENGTH + DroneBinary.HEADER_LENGTH);
        assertThat(measured[0]).as("bytes allocated for %d frames of %d drones, beyond the frames' own bytes", frames, DRONES)
            .isLessThan(frames * (frameBytes + 256));
    }

    /** Takes every frame at once without keeping it. */
    private static final class CountingLink implements ClientSession.Link
    {
        long frames;

        public void sendText(final ByteBuffer frame, final IntConsumer written)
        {
            frames++;
            written.accept(frame.remaining());
        }

        public void sendBinary(final ByteBuffer frame, final IntConsumer written)
        {
            sendText(frame, written);
        }

        public void close(final int code, final String reason)
        {
        }

        public void ping()
        {
        }
    }
}
