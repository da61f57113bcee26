package io.odyssey.mavlink.edge;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class RefusalLogTest
{
    private static final InetSocketAddress FROM = new InetSocketAddress("127.0.0.1", 14_551);
    private final List<String> lines = new ArrayList<>();
    private final RefusalLog log = new RefusalLog(lines::add);

    @Test
    void shouldWriteOneLinePerVehicleAMinuteTellingHowManyWereRefusedMeanwhile()
    {
        final long t0 = -5_000_000_000L;
        log.refused(3, 9003, Refusal.BAD_SIGNATURE, FROM, t0);
        for (int i = 1; i <= 1_000; i++)
        {
            log.refused(3, 9003, Refusal.BAD_SIGNATURE, FROM, t0 + i * 1_000_000L);
        }
        log.refused(3, 9003, Refusal.REPLAYED, FROM, t0 + RefusalLog.INTERVAL_NS - 1);
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).startsWith("refused 1 frame of MAVLink system id 3 (drone 9003), the last one " +
            "bad_signature from ").contains("127.0.0.1:14551: not signed with drone 9003's key");

        log.refused(3, 9003, Refusal.REPLAYED, FROM, t0 + RefusalLog.INTERVAL_NS);
        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).startsWith("refused 1002 frames of MAVLink system id 3 (drone 9003) since the last " +
            "such line, the last one replayed from ");
    }

    @Test
    void shouldNotLetOneVehicleSilenceTheLinesOfAnother()
    {
        log.refused(1, 9001, Refusal.BAD_SIGNATURE, FROM, 0);
        log.refused(1, 9001, Refusal.BAD_SIGNATURE, FROM, 1);
        log.refused(2, 0, Refusal.UNKNOWN_VEHICLE, FROM, 2);
        log.refused(2, 0, Refusal.UNKNOWN_VEHICLE, FROM, 3);

        assertThat(lines).hasSize(2);
        assertThat(lines.get(1)).contains("system id 2,", "unknown_vehicle", "ODYSSEY_MAVLINK_VEHICLES");
    }

    @Test
    void shouldTellTheOperatorWhereToLookForTheVehiclesKey()
    {
        assertThat(RefusalLog.hint(Refusal.NO_KEY, 9001)).contains("drone 9001", "ODYSSEY_MAVLINK_DRONE_KEYS");
        assertThat(RefusalLog.hint(Refusal.UNSIGNED, 9001)).contains("--setup-signing");
    }
}
