package io.odyssey.grid;

import org.junit.jupiter.api.Test;

import java.util.AbstractMap;
import java.util.List;
import java.util.Map;

import static io.odyssey.grid.FleetGridIT.state;
import static org.assertj.core.api.Assertions.assertThat;

/** The batch processor on its own, on plain entries: the member runs the same calls on a partition's thread. */
class KeepNewestBatchTest
{
    @Test
    void shouldWriteOnlyAStateNewerThanTheStoredOne()
    {
        final KeepNewestBatch batch = new KeepNewestBatch(List.of(state(1, 5), state(2, 5), state(3, 5)));
        final Map.Entry<Long, DroneState> older = new AbstractMap.SimpleEntry<>(1L, state(1, 4));
        final Map.Entry<Long, DroneState> same = new AbstractMap.SimpleEntry<>(2L, state(2, 5));
        final Map.Entry<Long, DroneState> newer = new AbstractMap.SimpleEntry<>(3L, state(3, 6));
        final Map.Entry<Long, DroneState> absent = new AbstractMap.SimpleEntry<>(4L, null);

        for (final Map.Entry<Long, DroneState> entry : List.of(older, same, newer, absent))
        {
            assertThat(batch.process(entry)).as("nothing to answer").isNull();
        }

        assertThat(older.getValue().sequence()).isEqualTo(5);
        assertThat(same.getValue()).as("a replay of the stored sequence changes nothing").isEqualTo(state(2, 5));
        assertThat(newer.getValue().sequence()).as("the stored state is newer").isEqualTo(6);
        assertThat(absent.getValue()).as("a drone the batch does not carry").isNull();
    }

    @Test
    void shouldLetTheFirstStateOfADroneIn()
    {
        final Map.Entry<Long, DroneState> entry = new AbstractMap.SimpleEntry<>(9L, null);
        new KeepNewestBatch(List.of(state(9, 1))).process(entry);
        assertThat(entry.getValue().sequence()).isEqualTo(1);
    }

    @Test
    void shouldGiveTheBackupOnlyWhatThisThreadWroteForTheOperation()
    {
        final KeepNewestBatch batch = new KeepNewestBatch(List.of(state(1, 5), state(2, 5), state(3, 5)));
        batch.process(new AbstractMap.SimpleEntry<>(1L, state(1, 4)));
        batch.process(new AbstractMap.SimpleEntry<>(2L, state(2, 9)));   // refused: not in the backup

        final KeepNewestBatch backup = (KeepNewestBatch)batch.getBackupProcessor();
        assertThat(backup.size()).isEqualTo(1);
        assertThat(batch.getBackupProcessor()).as("asked twice per operation, one answer").isSameAs(backup);
        assertThat(backup.getBackupProcessor()).as("a backup has no backup").isNull();

        final Map.Entry<Long, DroneState> onReplica = new AbstractMap.SimpleEntry<>(1L, state(1, 4));
        backup.process(onReplica);
        assertThat(onReplica.getValue().sequence()).isEqualTo(5);

        // The next operation on this thread (another partition's) starts its own list.
        batch.process(new AbstractMap.SimpleEntry<>(3L, null));
        assertThat(((KeepNewestBatch)batch.getBackupProcessor()).size()).isEqualTo(1);
    }

    @Test
    void shouldKeepTheNewestWhenABatchCarriesOneDroneTwice()
    {
        final Map.Entry<Long, DroneState> entry = new AbstractMap.SimpleEntry<>(1L, null);
        new KeepNewestBatch(List.of(state(1, 7), state(1, 3))).process(entry);
        assertThat(entry.getValue().sequence()).isEqualTo(7);
    }
}
