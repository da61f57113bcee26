package io.odyssey.ingest;

import io.odyssey.codecs.TelemetryFrameReader;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.grid.DroneState;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LatestStateTableTest
{
    private final LatestStateTable table = new LatestStateTable(3);
    private final TelemetryFrameReader reader = new TelemetryFrameReader();
    private final TelemetryFrameWriter writer = new TelemetryFrameWriter();
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[128]);

    @Test
    void shouldFreeTheSlotsOfSilentDronesThatNoLongerWaitForTheGridAndGiveThemToNewDrones()
    {
        for (long id = 1; id <= 3; id++)
        {
            final int slot = table.slotFor(id);
            update(slot, id, 1, 10.0);
            table.heard(slot, 1_000 + id, id * 100);
        }
        assertThat(table.slotFor(4)).as("full").isEqualTo(LatestStateTable.NO_SLOT);
        final Map<Long, Integer> evicted = new HashMap<>();
        assertThat(table.evictSilent(250, Long.MAX_VALUE, 3, evicted::put)).as("all three still wait for the grid").isZero();
        table.drainDirty(new HashMap<>(), new int[3], 0, "node");

        assertThat(table.evictSilent(250, Long.MAX_VALUE, 1, evicted::put)).isEqualTo(1);
        assertThat(table.evictSilent(250, Long.MAX_VALUE, 1, evicted::put)).isEqualTo(1);
        assertThat(table.evictSilent(250, Long.MAX_VALUE, 1, evicted::put)).as("heard at 300: stays").isZero();
        assertThat(table.evictSilent(350, 1_003, 3, evicted::put)).as("heard on the wall clock at 1003: stays").isZero();
        assertThat(evicted).containsOnlyKeys(1L, 2L);
        assertThat(table.size()).isEqualTo(1);
        assertThat(table.existingSlot(1)).isEqualTo(LatestStateTable.NO_SLOT);

        final int reused = table.slotFor(5);
        assertThat(reused).isIn(evicted.values());
        assertThat(table.sequence(reused)).as("a fresh drone in a reused slot").isEqualTo(Long.MIN_VALUE);
        assertThat(table.slotFor(6)).isIn(evicted.values()).isNotEqualTo(reused);
        assertThat(table.slotFor(7)).isEqualTo(LatestStateTable.NO_SLOT);
        assertThat(table.size()).isEqualTo(3);
    }

    @Test
    void shouldMarkADroneDirtyOnceHoweverOftenItChanges()
    {
        final int slot = table.slotFor(7);
        update(slot, 7, 1, 10.0);
        update(slot, 7, 2, 11.0);
        update(slot, 7, 3, 12.0);

        final Map<Long, DroneState> batch = new HashMap<>();
        final int[] slots = new int[3];
        assertThat(table.drainDirty(batch, slots, 99L, "node")).isEqualTo(1);
        assertThat(batch.get(7L).sequence()).isEqualTo(3);
        assertThat(batch.get(7L).latitude()).isEqualTo(12.0);
        assertThat(batch.get(7L).gridNanos()).isEqualTo(99L);
        assertThat(batch.get(7L).ingestNode()).isEqualTo("node");
        assertThat(table.dirtyCount()).isZero();
    }

    @Test
    void shouldRemarkDrainedSlotsWhenAFlushFails()
    {
        update(table.slotFor(1), 1, 1, 1.0);
        update(table.slotFor(2), 2, 1, 2.0);
        final int[] slots = new int[3];
        final int drained = table.drainDirty(new HashMap<>(), slots, 0, "n");
        for (int i = 0; i < drained; i++)
        {
            table.markDirty(slots[i]);
        }
        assertThat(table.dirtyCount()).isEqualTo(2);
    }

    @Test
    void shouldRefuseNewDronesWhenFullButKeepServingKnownOnes()
    {
        assertThat(table.slotFor(1)).isNotEqualTo(LatestStateTable.NO_SLOT);
        assertThat(table.slotFor(2)).isNotEqualTo(LatestStateTable.NO_SLOT);
        assertThat(table.slotFor(3)).isNotEqualTo(LatestStateTable.NO_SLOT);
        assertThat(table.slotFor(4)).isEqualTo(LatestStateTable.NO_SLOT);
        assertThat(table.slotFor(2)).isEqualTo(table.existingSlot(2));
        assertThat(table.size()).isEqualTo(3);
    }

    @Test
    void shouldNotMarkADroneDirtyWhenItIsOnlyHeard()
    {
        final int slot = table.slotFor(4);
        table.heard(slot, 1_000L, 77L);

        assertThat(table.lastHeardNanos(slot)).isEqualTo(77L);
        assertThat(table.dirtyCount()).isZero();
    }

    @Test
    void shouldListADroneChangedAgainAfterADrainInTheNextDrain()
    {
        final int slot = table.slotFor(7);
        update(slot, 7, 1, 10.0);
        table.drainDirty(new HashMap<>(), new int[3], 0, "n");
        update(slot, 7, 2, 11.0);

        final Map<Long, DroneState> batch = new HashMap<>();
        assertThat(table.drainDirty(batch, new int[3], 0, "n")).isEqualTo(1);
        assertThat(batch.get(7L).sequence()).isEqualTo(2);
    }

    @Test
    void shouldStartANewDroneBelowEverySequence()
    {
        assertThat(table.sequence(table.slotFor(5))).isEqualTo(Long.MIN_VALUE);
    }

    private void update(final int slot, final long drone, final long sequence, final double latitude)
    {
        final int length = writer.telemetry(buffer, 0, drone, sequence, 1L, latitude, 2.0, 3f, 4f, 5f, 6f,
            DroneStatus.CRUISING, (byte)0, 0f);
        assertThat(reader.read(buffer, 0, length)).isEqualTo(TelemetryFrameReader.TELEMETRY);
        table.update(slot, reader, 10L);
    }
}
