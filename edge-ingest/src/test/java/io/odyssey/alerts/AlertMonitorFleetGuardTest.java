package io.odyssey.alerts;

import com.hazelcast.map.IMap;
import io.odyssey.grid.DroneState;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The live guard that tells a lost link from a hand-over to another ingest node, against what a grid client can put in
 * the fleet map. (A stand-in map answering {@code get} only: the guard reads nothing else.)
 */
class AlertMonitorFleetGuardTest
{
    private static final String NODE = "ingest-1";

    @Test
    void shouldTakeADroneHeardByAnotherNodeAsHandedOverAndOneHeardHereOrNowhereAsLost()
    {
        final AlertSink.LinkGuard guard = AlertMonitor.fleetGuard(map(Map.of(
            1L, state(1, "ingest-2"),
            2L, state(2, NODE))), NODE);

        assertThat(guard.stillOurs(1)).as("handed over to ingest-2").isFalse();
        assertThat(guard.stillOurs(2)).isTrue();
        assertThat(guard.stillOurs(3)).as("no state").isTrue();
    }

    /** Taken for a hand-over, a state of another drone filed under drone 5's key silenced drone 5's LOST_LINK. */
    @Test
    void shouldTakeAStateOfAnotherDroneFiledUnderTheKeyAsNoWordOfTheDrone()
    {
        final AlertSink.LinkGuard guard = AlertMonitor.fleetGuard(map(Map.of(5L, state(6, "ingest-2"))), NODE);

        assertThat(guard.stillOurs(5)).isTrue();
    }

    private static DroneState state(final long droneId, final String node)
    {
        return new DroneState(droneId, 1, 1, 2, 3, 52.5, 13.4, 100f, 90f, 12f, 0f, 80f, "CRUISING", 0, node);
    }

    @SuppressWarnings("unchecked")
    private static IMap<Long, DroneState> map(final Map<Long, DroneState> states)
    {
        return (IMap<Long, DroneState>)Proxy.newProxyInstance(IMap.class.getClassLoader(), new Class<?>[] {IMap.class},
            (proxy, method, args) ->
            {
                if (method.getName().equals("get") && args.length == 1)
                {
                    return states.get(args[0]);
                }
                throw new UnsupportedOperationException(method.getName());
            });
    }
}
