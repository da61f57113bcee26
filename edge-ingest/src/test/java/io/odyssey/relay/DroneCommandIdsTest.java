package io.odyssey.relay;

import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.sbe.CommandReason;
import io.odyssey.grid.ledger.CommandRecord;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class DroneCommandIdsTest
{
    @Test
    void shouldDeriveTheSameNegativeIdBelow2To53FromTheSameDroneAndNumberOnAnyNode()
    {
        final Set<Long> ids = new HashSet<>();
        for (long drone = 1; drone <= 1_000; drone++)
        {
            for (long number = -1; number >= -20; number--)
            {
                final long id = DroneCommandIds.ledgerId(drone, number, 0);
                assertThat(id).isNegative().isGreaterThanOrEqualTo(-DroneCommandIds.MAX_MAGNITUDE);
                assertThat(DroneCommandIds.ledgerId(drone, number, 0)).isEqualTo(id);
                ids.add(id);
            }
        }
        assertThat(ids).as("20,000 drone commands, as many ids (the same numbers on every drone)").hasSize(20_000);
        assertThat(DroneCommandIds.ledgerId(7, -1, 1)).isEqualTo(DroneCommandIds.ledgerId(7, -1, 0) - 1);
        assertThat(DroneCommandIds.ledgerId(Long.MAX_VALUE >> 11, Long.MIN_VALUE, DroneCommandIds.MAX_PROBES))
            .isNegative().isGreaterThanOrEqualTo(-DroneCommandIds.MAX_MAGNITUDE);
    }

    @Test
    void shouldKnowADronesCommandByTheNumberTheDroneGaveIt()
    {
        final CommandRecord own = CommandRecord.issued(DroneCommandIds.ledgerId(7, -5, 0), 7, CommandType.RETURN_HOME,
            CommandParameters.startedByDrone(-5, CommandReason.FAILSAFE_LOW_BATTERY), null, "drone", "ingest-1", 1L,
            Long.MAX_VALUE);
        assertThat(DroneCommandIds.droneFacingId(own)).isEqualTo(-5);
        assertThat(DroneCommandIds.isFor(own, 7, -5)).isTrue();
        assertThat(DroneCommandIds.isFor(own, 8, -5)).as("another drone's").isFalse();
        assertThat(DroneCommandIds.isFor(own, 7, -6)).isFalse();

        final CommandRecord legacy = CommandRecord.issued(-7_000_001, 7, CommandType.RETURN_HOME,
            CommandParameters.startedByDrone(0, CommandReason.NONE), null, "drone", "ingest-1", 1L, Long.MAX_VALUE);
        assertThat(DroneCommandIds.droneFacingId(legacy)).as("recorded under the drone's number").isEqualTo(-7_000_001);

        final CommandRecord fromTheGround = CommandRecord.issued(714, 7, CommandType.HOLD,
            CommandParameters.startedByDrone(-5, CommandReason.NONE), null,
            "ops", "127.0.0.1", 1L, 2L);
        assertThat(DroneCommandIds.droneFacingId(fromTheGround)).isEqualTo(714);
        assertThat(DroneCommandIds.isFor(fromTheGround, 7, -5)).isFalse();
    }
}
