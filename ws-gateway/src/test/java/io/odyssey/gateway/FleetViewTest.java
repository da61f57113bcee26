package io.odyssey.gateway;

import io.odyssey.grid.DroneState;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The fleet view's slots: one per drone for as long as it stays, reused only once released, and bounded. */
class FleetViewTest
{
    private final AtomicInteger stale = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final FleetView fleet = new FleetView(3, stale::incrementAndGet, refused::incrementAndGet);

    @Test
    void shouldKeepADroneInItsSlotAcrossVersionsAndIgnoreOlderOnes()
    {
        final DroneView first = fleet.merge(state(7, 1), 10);
        fleet.merge(state(8, 1), 10);
        final DroneView second = fleet.merge(state(7, 2), 11);

        assertThat(second.slot).isEqualTo(first.slot);
        assertThat(fleet.atSlot(first.slot)).isSameAs(second);
        assertThat(fleet.get(7)).isSameAs(second);
        assertThat(fleet.merge(state(7, 2), 12)).as("same sequence").isNull();
        assertThat(fleet.merge(state(7, 1), 12)).as("older").isNull();
        assertThat(stale).hasValue(2);
        assertThat(fleet.atSlot(first.slot)).isSameAs(second);
        assertThat(fleet.size()).isEqualTo(2);
        assertThat(fleet.slotLimit()).isEqualTo(2);
    }

    /** A reload decided to remove the version it looked at; the applier put a newer one in meanwhile: it stays. */
    @Test
    void shouldKeepANewerVersionWhenRemovingTheOneLookedAt()
    {
        final DroneView lookedAt = fleet.merge(state(7, 1), 10);
        final DroneView newer = fleet.merge(state(7, 2), 11);

        assertThat(fleet.remove(7, lookedAt)).isFalse();
        assertThat(fleet.get(7)).isSameAs(newer);
        assertThat(fleet.atSlot(newer.slot)).isSameAs(newer);

        assertThat(fleet.remove(7, newer)).isTrue();
        assertThat(fleet.get(7)).isNull();
        assertThat(fleet.atSlot(newer.slot)).isNull();
    }

    @Test
    void shouldEmptyASlotAtOnceButGiveItToAnotherDroneOnlyOnceReleased()
    {
        final DroneView a = fleet.merge(state(1, 1), 10);
        final DroneView removed = fleet.remove(1);
        assertThat(removed).isSameAs(a);
        assertThat(fleet.atSlot(a.slot)).isNull();
        assertThat(fleet.get(1)).isNull();
        assertThat(fleet.remove(1)).as("removed already").isNull();

        final DroneView b = fleet.merge(state(2, 1), 10);
        assertThat(b.slot).as("the slot is still the removed drone's").isNotEqualTo(a.slot);

        fleet.release(a.slot);
        final DroneView c = fleet.merge(state(3, 1), 10);
        assertThat(c.slot).isEqualTo(a.slot);
        assertThat(fleet.atSlot(a.slot)).isSameAs(c);
        assertThat(fleet.slotLimit()).isEqualTo(2);
    }

    @Test
    void shouldRefuseNewDronesWhileEverySlotIsTakenAndStillUpdateThoseItHolds()
    {
        fleet.merge(state(1, 1), 10);
        fleet.merge(state(2, 1), 10);
        fleet.merge(state(3, 1), 10);

        assertThat(fleet.merge(state(4, 1), 10)).isNull();
        assertThat(refused).hasValue(1);
        assertThat(fleet.get(4)).isNull();
        assertThat(fleet.byId()).containsOnlyKeys(1L, 2L, 3L);
        assertThat(fleet.merge(state(2, 2), 11)).as("a drone it holds").isNotNull();

        fleet.release(fleet.remove(1).slot);
        assertThat(fleet.merge(state(4, 2), 12)).isNotNull();
        assertThat(stale).hasValue(0);
    }

    @Test
    void shouldGrowPastAPageOfSlots()
    {
        final FleetView big = new FleetView(FleetView.PAGE_SIZE * 3, () -> { }, () -> { });
        for (int id = 0; id < FleetView.PAGE_SIZE * 2 + 5; id++)
        {
            assertThat(big.merge(state(id, 1), 1).slot).isEqualTo(id);
        }
        assertThat(big.atSlot(FleetView.PAGE_SIZE * 2 + 4).id()).isEqualTo(FleetView.PAGE_SIZE * 2 + 4);
        assertThat(big.atSlot(FleetView.PAGE_SIZE * 3 - 1)).isNull();
    }

    static DroneState state(final long id, final long seq)
    {
        return new DroneState(id, seq, 1, 2, 3, 1.0, 1.0, 10f, 90f, 5f, 0f, 80f, "CRUISING", 0, "n");
    }
}
