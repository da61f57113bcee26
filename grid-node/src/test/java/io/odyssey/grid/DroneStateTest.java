package io.odyssey.grid;

import io.odyssey.codecs.sbe.DroneStatus;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A fleet-map entry's status as its readers see it: whatever text the grid holds, never an exception. */
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
}
