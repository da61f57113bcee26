package io.odyssey.grid;

import org.junit.jupiter.api.Test;

import java.util.AbstractMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sweep's removal on the member: by the fields the sweeping node saw unchanged, never by bytes, and only of the
 * keys it names. The removal against a real member (a state with a field this version does not know, one call a
 * sweep) is covered in edge-ingest's {@code FleetSweepClockIT}.
 */
class RemoveUnchangedDronesTest
{
    private final RemoveUnchangedDrones processor =
        new RemoveUnchangedDrones(new long[]{3, 9}, new long[]{5, 1}, new long[]{1_000, 2_000});

    @Test
    void shouldRemoveAStateStillWithTheSequenceAndReceiveTimeSeen()
    {
        final Map.Entry<Long, DroneState> entry = entry(9, 1, 2_000);
        assertThat(processor.process(entry)).isTrue();
        assertThat(entry.getValue()).isNull();
    }

    @Test
    void shouldKeepAStateWrittenSince()
    {
        final Map.Entry<Long, DroneState> newer = entry(3, 6, 1_000);
        final Map.Entry<Long, DroneState> heardAgain = entry(9, 1, 2_001);
        assertThat(processor.process(newer)).isFalse();
        assertThat(processor.process(heardAgain)).isFalse();
        assertThat(newer.getValue()).isNotNull();
        assertThat(heardAgain.getValue()).isNotNull();
    }

    @Test
    void shouldKeepADroneItWasNotGiven()
    {
        final Map.Entry<Long, DroneState> other = entry(4, 5, 1_000);
        assertThat(processor.process(other)).isFalse();
        assertThat(other.getValue()).isNotNull();
    }

    @Test
    void shouldRefuseIdsThatAreNotAscending()
    {
        assertThatThrownBy(() -> new RemoveUnchangedDrones(new long[]{9, 3}, new long[2], new long[2]))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RemoveUnchangedDrones(new long[]{3}, new long[2], new long[1]))
            .isInstanceOf(IllegalArgumentException.class);
    }

    private static Map.Entry<Long, DroneState> entry(final long droneId, final long sequence, final long ingestNanos)
    {
        return new AbstractMap.SimpleEntry<>(droneId, new DroneState(droneId, sequence, ingestNanos, ingestNanos,
            ingestNanos, 52.52, 13.405, 80f, 90f, 5f, 0f, 80f, "CRUISING", 8, "ingest-1"));
    }
}
