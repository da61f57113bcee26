package io.odyssey.grid;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The fleet map's guard against going back in time, on its own (the grid runs it on the partition owner). */
class KeepNewestStateInterceptorTest
{
    private final KeepNewestStateInterceptor interceptor = new KeepNewestStateInterceptor();

    private static DroneState state(final long sequence, final double lat)
    {
        return new DroneState(7, sequence, 1, 2, 3, lat, 13.4, 100f, 90f, 12f, 0f, 80f, "CRUISING", 0, "ingest-1");
    }

    @Test
    void shouldLetANewerStateReplaceTheStoredOne()
    {
        assertThat(interceptor.interceptPut(state(5, 52.5), state(6, 52.6))).as("null: the write goes ahead").isNull();
    }

    @Test
    void shouldKeepTheStoredStateWhenAnOlderOrEqualSequenceArrives()
    {
        final DroneState stored = state(9, 52.5);
        assertThat(interceptor.interceptPut(stored, state(8, 0.0))).isSameAs(stored);
        assertThat(interceptor.interceptPut(stored, state(9, 0.0))).as("a replay of the same sequence").isSameAs(stored);
    }

    /**
     * A grid client files a state of another drone, with a sequence no real one reaches, under this drone's key: the
     * drone's own next state must take the key back (it was refused for the whole drone expiry).
     */
    @Test
    void shouldLetADronesOwnStateReplaceAStateOfAnotherDroneFiledUnderItsKey()
    {
        final DroneState planted = new DroneState(8, 1L << 40, 1, 2, 3, -45.0, 100.0, 100f, 90f, 12f, 0f, 80f, "CRUISING", 0,
            "forger");
        assertThat(interceptor.interceptPut(planted, state(6, 52.6))).as("null: the drone's own write goes ahead").isNull();
    }

    @Test
    void shouldLetTheFirstStateOfADroneIn()
    {
        assertThat(interceptor.interceptPut(null, state(1, 52.5))).isNull();
    }

    @Test
    void shouldLeaveValuesThatAreNotDroneStatesAlone()
    {
        assertThat(interceptor.interceptPut("not a state", state(1, 52.5))).isNull();
        assertThat(interceptor.interceptPut(state(9, 52.5), "not a state")).isNull();
    }

    @Test
    void shouldStoreAStateHeardInTheFutureAsHeardNow()
    {
        // Written by anything on the grid's network: heard at the end of time, it would never expire (and, with the
        // highest sequence, no real state could replace it).
        final DroneState forged = new DroneState(7, Long.MAX_VALUE, 1, Long.MAX_VALUE, 3, -89.0, 0.0, 100f, 90f, 12f, 0f,
            80f, "CRUISING", 0, "forger");
        final long clampedBefore = KeepNewestStateInterceptor.clamped();
        final long before = System.currentTimeMillis() * 1_000_000L;
        final DroneState stored = (DroneState)interceptor.interceptPut(null, forged);
        final long after = System.currentTimeMillis() * 1_000_000L;
        assertThat(stored.ingestNanos()).isBetween(before, after);
        assertThat(stored).isEqualTo(forged.heardAt(stored.ingestNanos()));

        // Within the skew tolerated, the time heard stands (null: the write goes ahead as it is).
        final DroneState aheadALittle = new DroneState(7, 10, 1, after + KeepNewestStateInterceptor.MAX_AHEAD_NS / 2, 3,
            52.5, 13.4, 100f, 90f, 12f, 0f, 80f, "CRUISING", 0, "ingest-1");
        assertThat(interceptor.interceptPut(state(9, 52.5), aheadALittle)).isNull();
        assertThat(KeepNewestStateInterceptor.clamped() - clampedBefore).as("the forged state counted, not the other")
            .isEqualTo(1);
    }

    @Test
    void shouldBeOneInterceptorHoweverOftenAMemberAddsIt()
    {
        assertThat(new KeepNewestStateInterceptor()).isEqualTo(interceptor).hasSameHashCodeAs(interceptor);
    }
}
