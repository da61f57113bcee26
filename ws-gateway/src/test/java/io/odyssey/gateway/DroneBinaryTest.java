package io.odyssey.gateway;

import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.grid.DroneState;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A drone record's status byte (docs/api/websocket.md, offset 56), whatever text the fleet map holds. */
class DroneBinaryTest
{
    private static final int STATUS_OFFSET = 56;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[DroneBinary.RECORD_LENGTH]);

    @Test
    void shouldWriteEachStatusAsTheSchemasValue()
    {
        for (final DroneStatus status : DroneStatus.values())
        {
            if (status != DroneStatus.NULL_VAL)
            {
                DroneBinary.writeRecord(buffer, 0, withStatus(status.name()), 1L, 0);
                assertThat(buffer.getByte(STATUS_OFFSET) & 0xFF).as(status.name()).isEqualTo((int)status.value());
            }
        }
    }

    @Test
    void shouldWriteAStatusNoDroneSendsAsTheNullValue()
    {
        // Anything that reaches the grid can write the fleet map: such a status is "not had", as the contract says.
        for (final String unknown : new String[] {"NOT_A_STATUS", "cruising", "", null})
        {
            DroneBinary.writeRecord(buffer, 0, withStatus(unknown), 1L, 0);
            assertThat(buffer.getByte(STATUS_OFFSET) & 0xFF).as(String.valueOf(unknown)).isEqualTo(0xFF);
        }
    }

    private static DroneState withStatus(final String status)
    {
        return new DroneState(7, 1, 1, 2, 3, 52.5, 13.4, 100f, 90f, 12f, 0f, 80f, status, 0, "ingest-1");
    }
}
