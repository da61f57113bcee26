package io.odyssey.grid;

import io.odyssey.codecs.sbe.DroneStatus;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fleet-map entry as its readers see it: whatever text the grid holds as a status, never an exception; whatever a
 * grid client filed under a key, a state only of the drone that key names.
 */
class DroneStateTest
{
    private static DroneState withStatus(final String status)
    {
        return new DroneState(7, 1, 1, 2, 3, 52.5, 13.4, 100f, 90f, 12f, 0f, 80f, status, 0, "ingest-1");
    }

    @Test
    void shouldReadEveryStatusADroneSends()
    {
        for (final DroneStatus status : DroneStatus.values())
        {
            if (status != DroneStatus.NULL_VAL)
            {
                assertThat(withStatus(status.name()).droneStatus()).isEqualTo(status);
            }
        }
    }

    @Test
    void shouldReadAStatusNoDroneSendsAsNone()
    {
        assertThat(withStatus("NOT_A_STATUS").droneStatus()).isEqualTo(DroneStatus.NULL_VAL);
        assertThat(withStatus("cruising").droneStatus()).as("names are exact").isEqualTo(DroneStatus.NULL_VAL);
        assertThat(withStatus("").droneStatus()).isEqualTo(DroneStatus.NULL_VAL);
        assertThat(withStatus(null).droneStatus()).isEqualTo(DroneStatus.NULL_VAL);
    }

    @Test
    void shouldTakeAStateFiledUnderItsOwnDroneId()
    {
        final DroneState state = withStatus("CRUISING");
        assertThat(DroneState.filedUnder((Object)7L, state)).isSameAs(state);
        assertThat(DroneState.filedUnder(7L, (Object)state)).isSameAs(state);
    }

    @Test
    void shouldFindNoStateUnderAKeyOfAnotherType()
    {
        // What a grid client's put(7, state) stores: the Integer key no reader's Long lookup ever meets.
        assertThat(DroneState.filedUnder((Object)7, withStatus("CRUISING"))).isNull();
        assertThat(DroneState.filedUnder("7", withStatus("CRUISING"))).isNull();
        assertThat(DroneState.filedUnder(null, withStatus("CRUISING"))).isNull();
    }

    @Test
    void shouldFindNoStateInAValueOfAnotherClass()
    {
        assertThat(DroneState.filedUnder((Object)7L, "a state")).isNull();
        assertThat(DroneState.filedUnder(7L, (Object)null)).isNull();
        assertThat(DroneState.filedUnder((Object)7L, null)).isNull();
    }

    @Test
    void shouldFindNoStateOfTheDroneUnderAKeyWhenTheStateNamesAnother()
    {
        // Drone 7's state filed under drone 8: it is no word of 8, and not drone 7's entry either.
        assertThat(DroneState.filedUnder((Object)8L, withStatus("CRUISING"))).isNull();
        assertThat(DroneState.filedUnder(8L, (Object)withStatus("CRUISING"))).isNull();
    }
}
