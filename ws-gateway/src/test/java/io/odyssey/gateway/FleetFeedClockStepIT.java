package io.odyssey.gateway;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.FleetGrid;
import io.odyssey.runtime.ProgressWatch;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static io.odyssey.gateway.GatewayIT.state;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway's reload drops the drones its view held from before the reload that the map no longer has. Which ones
 * were "from before" was decided on the gateway's wall clock: stepped back an hour (NTP, a VM restored from a
 * snapshot), every drone applied before the step looked newer than the reload for that hour, and a drone whose removal
 * the gateway missed stayed on every screen meanwhile.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FleetFeedClockStepIT
{
    private static final String CLUSTER = "fleet-feed-clock-it-" + UUID.randomUUID();
    private static final int GRID_PORT = 20_000 + (int)(Math.random() * 12_000);

    @Test
    void shouldDropADroneTheMapNoLongerHasAtTheNextReloadAfterTheWallClockSteppedBack() throws Exception
    {
        // A member without the fleet change feed: the gateway hears of changes only by reloading, as when every
        // message about a removal was lost (a plain topic drops messages when a member's event queue is full).
        final HazelcastInstance member = Hazelcast.newHazelcastInstance(FleetGrid.memberConfig(CLUSTER, "127.0.0.1",
            GRID_PORT, List.of("127.0.0.1:" + GRID_PORT), 0));
        final AtomicLong step = new AtomicLong();
        try
        {
            final IMap<Long, DroneState> fleet = FleetGrid.fleetMap(member);
            fleet.set(1L, state(1, 1, 52.5, 13.4));
            fleet.set(2L, state(2, 1, 52.5, 13.5));
            final ProgressWatch progress = new ProgressWatch("fan-out", TimeUnit.SECONDS.toNanos(30));
            try (FleetFeed feed = new FleetFeed(member, () -> System.currentTimeMillis() * 1_000_000L + step.get(),
                System::nanoTime, new GatewayMetrics(), progress, new ProgressWatch("fleet-apply", TimeUnit.SECONDS.toNanos(30)),
                GatewayConfig.FLEET_RELOAD_MAX_ENTRIES.intValue()))
            {
                feed.start();
                assertThat(feed.fleet().byId()).containsOnlyKeys(1L, 2L);

                step.addAndGet(-TimeUnit.HOURS.toNanos(1));
                fleet.delete(2L);
                feed.resyncLater();

                await().atMost(10, TimeUnit.SECONDS).until(() -> !feed.fleet().byId().containsKey(2L));
                assertThat(feed.fleet().byId()).containsOnlyKeys(1L);
            }
        }
        finally
        {
            member.shutdown();
        }
    }
}
