package io.odyssey.ingest;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import com.hazelcast.nio.serialization.genericrecord.GenericRecordBuilder;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.DroneStateSerializer;
import io.odyssey.grid.RemoveUnchangedDrones;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.KeepNewestStateInterceptor;
import io.odyssey.grid.UnreadableRecords;
import io.odyssey.runtime.Metrics;
import io.odyssey.testing.FailOnErrorLog;
import org.agrona.concurrent.EpochNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fleet map sweep on an ingest node whose wall clock steps (an NTP correction, a VM restored from a snapshot, an
 * operator setting the date) or whose drones are heard by a host whose clock runs apart. Judged on the receive times
 * the hearing node writes against this node's wall clock, a step forward removed every drone of the fleet at the next
 * sweep (each came back at its next frame), a host an hour behind had its live drones removed at every sweep, and a
 * step back kept silent drones on every screen for the step's length. A real member, the sweep on a grid client as on
 * an ingest node, run by hand on a wall clock and a monotonic clock the test sets.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FleetSweepClockIT
{
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final long HOUR = TimeUnit.HOURS.toNanos(1);
    private static final long EXPIRY = 300 * SECOND;

    /** The node's monotonic clock: only the test moves it. */
    private final AtomicLong monotonic = new AtomicLong(42);
    /** How far the node's wall clock has been stepped. */
    private final AtomicLong stepped = new AtomicLong();
    private final long start = System.currentTimeMillis() * 1_000_000L;
    /** The node's wall clock: real time passes with the monotonic clock, the steps on top. */
    private final EpochNanoClock wall = () -> start + (monotonic.get() - 42) + stepped.get();

    private TestGrid grid;
    private HazelcastInstance client;
    private IMap<Long, DroneState> fleet;
    private IngestMetrics metrics;
    private FleetSweep sweep;

    @BeforeEach
    void start()
    {
        grid = TestGrid.start("fleet-sweep-clock-it");
        client = HazelcastClient.newHazelcastClient(FleetGrid.clientConfig(grid.member().getConfig().getClusterName(),
            List.of("127.0.0.1:" + grid.member().getCluster().getLocalMember().getAddress().getPort()), "sweeper"));
        fleet = FleetGrid.fleetMap(client);
        metrics = new IngestMetrics();
        sweep = new FleetSweep(fleet, FleetGrid.alertsMap(client), EXPIRY, wall, monotonic::get,
            new UnreadableRecords("fleet state", null), metrics.fleetEntriesExpired, metrics.orphanAlertsRemoved,
            metrics.fleetSweepFailures);
    }

    @AfterEach
    void stop()
    {
        client.shutdown();
        grid.close();
    }

    @Test
    void shouldKeepDronesHeardWithinTheExpiryWhenTheWallClockStepsForward()
    {
        heard(1, 1, wall.nanoTime());
        heard(2, 1, wall.nanoTime());
        sweep.run();

        // An hour forward; drone 1 is heard again a second later (by a node whose clock is right).
        stepped.set(HOUR);
        elapse(SECOND);
        heard(1, 2, wall.nanoTime() - HOUR);
        sweep.run();
        assertThat(fleet.keySet()).as("an hour's step is no silence").containsExactlyInAnyOrder(1L, 2L);
        assertThat(metrics.fleetEntriesExpired.get()).isZero();

        // Drone 2 has been silent for the expiry on this node's own time (as it was at the step), drone 1 not.
        elapse(EXPIRY - SECOND);
        sweep.run();
        assertThat(fleet.keySet()).containsExactlyInAnyOrder(1L, 2L);
        elapse(1);
        sweep.run();
        assertThat(fleet.keySet()).as("drone 2 silent for more than the expiry").containsExactly(1L);
        assertThat(metrics.fleetEntriesExpired.get()).isEqualTo(1);
    }

    @Test
    void shouldKeepADroneHeardByAHostWhoseClockIsBehind()
    {
        // Another node hears drone 3 every sweep; its clock is an hour behind this one's.
        for (int i = 1; i <= 5; i++)
        {
            heard(3, i, wall.nanoTime() - HOUR);
            sweep.run();
            assertThat(fleet.containsKey(3L)).as("heard at sweep " + i).isTrue();
            elapse(EXPIRY / 4);
        }
        assertThat(metrics.fleetEntriesExpired.get()).isZero();
    }

    @Test
    void shouldRemoveASilentDroneAtTheExpiryWhenTheWallClockStepsBack()
    {
        heard(4, 1, wall.nanoTime());
        sweep.run();
        stepped.set(-HOUR);
        elapse(EXPIRY);
        sweep.run();
        assertThat(fleet.containsKey(4L)).isTrue();
        elapse(1);
        sweep.run();
        assertThat(fleet.containsKey(4L)).as("silent for more than the expiry on this node's own time, an hour's step "
            + "back or not").isFalse();
        assertThat(metrics.fleetEntriesExpired.get()).isEqualTo(1);
    }

    @Test
    void shouldRemoveADroneLeftByANodeThatDiedOnlyOnceThisNodeHasSeenItUnchangedForTheExpiry()
    {
        // Written an hour ago by a node that is gone: this node (just started) does not know for how long it has been.
        heard(5, 7, wall.nanoTime() - HOUR);
        sweep.run();
        elapse(EXPIRY);
        sweep.run();
        assertThat(fleet.containsKey(5L)).isTrue();
        elapse(1);
        sweep.run();
        assertThat(fleet.containsKey(5L)).isFalse();
    }

    @Test
    void shouldRemoveASilentDroneWhoseStateCarriesACompactFieldThisVersionDoesNotKnow()
    {
        // A state with one more field: it reads as a valid DroneState, but re-serialised without that field its bytes
        // never match the stored ones, so a removal conditional on the value read never removed it. The members of
        // this version store what their interceptor read, re-serialised; during an upgrade, every entry a member of
        // the other version stored carries that version's schema, and a grid client's write through such a member
        // keeps its own: as here, without the interceptor.
        grid.fleet().removeInterceptor(KeepNewestStateInterceptor.class.getName() +
            new KeepNewestStateInterceptor().hashCode());
        @SuppressWarnings("unchecked")
        final IMap<Long, Object> raw = (IMap<Long, Object>)(IMap<?, ?>)fleet;
        final long heardAt = wall.nanoTime();
        raw.set(6L, GenericRecordBuilder.compact(DroneStateSerializer.TYPE_NAME)
            .setInt64("droneId", 6).setInt64("sequence", 3).setInt64("sentAtNanos", heardAt)
            .setInt64("ingestNanos", heardAt).setInt64("gridNanos", heardAt).setFloat64("latitude", 52.52)
            .setFloat64("longitude", 13.405).setFloat32("altitude", 80f).setFloat32("heading", 90f)
            .setFloat32("groundSpeed", 5f).setFloat32("climbRate", 0f).setFloat32("battery", 80f)
            .setString("status", "CRUISING").setInt32("flags", 8).setString("ingestNode", "ingest-next")
            .setInt32("windSpeed", 7).build());
        assertThat(fleet.get(6L).sequence()).as("a valid state to this version").isEqualTo(3);
        sweep.run();
        elapse(EXPIRY + 1);
        sweep.run();
        assertThat(fleet.containsKey(6L)).as("silent for more than the expiry, whatever fields it carries").isFalse();
        assertThat(metrics.fleetEntriesExpired.get()).isEqualTo(1);
    }

    @Test
    void shouldRemoveEverySilentDroneWithOneCallToTheGridPerSweep()
    {
        // Each call is a round trip on the node's one housekeeping thread (journal retention and key reloads wait):
        // planted entries must not cost one each.
        final AtomicInteger calls = new AtomicInteger();
        final FleetSweep counted = new FleetSweep(counting(fleet, calls), FleetGrid.alertsMap(client), EXPIRY, wall,
            monotonic::get, new UnreadableRecords("fleet state", null), metrics.fleetEntriesExpired,
            metrics.orphanAlertsRemoved, metrics.fleetSweepFailures);
        final int drones = 200;
        for (int id = 100; id < 100 + drones; id++)
        {
            heard(id, 1, wall.nanoTime());
        }
        counted.run();
        elapse(EXPIRY + 1);
        calls.set(0);
        counted.run();
        assertThat(fleet.size()).as("every silent drone removed").isZero();
        assertThat(metrics.fleetEntriesExpired.get()).isEqualTo(drones);
        assertThat(calls.get()).as("calls to the fleet map in the sweep that removed " + drones + " drones: one read, "
            + "one removal").isEqualTo(2);
    }

    @Test
    void shouldFallBackToConditionalRemovalsWhenAMemberOfThePreviousVersionLacksTheProcessor()
    {
        // A member of the previous version cannot load the processor: Hazelcast answers with the class it lacked.
        final AtomicInteger calls = new AtomicInteger();
        final IMap<Long, DroneState> previousMembers = counting(fleet, calls, "executeOnKeys",
            new HazelcastSerializationException(new ClassNotFoundException(RemoveUnchangedDrones.class.getName())));
        final FleetSweep onPrevious = new FleetSweep(previousMembers, FleetGrid.alertsMap(client), EXPIRY, wall,
            monotonic::get, new UnreadableRecords("fleet state", null), metrics.fleetEntriesExpired,
            metrics.orphanAlertsRemoved, metrics.fleetSweepFailures);
        heard(7, 1, wall.nanoTime());
        heard(8, 1, wall.nanoTime());
        onPrevious.run();
        elapse(EXPIRY + 1);
        heard(8, 2, wall.nanoTime());
        onPrevious.run();
        assertThat(fleet.keySet()).as("the silent drone removed, the one heard since kept").containsExactly(8L);
        assertThat(metrics.fleetEntriesExpired.get()).isEqualTo(1);
        assertThat(metrics.fleetSweepFailures.get()).isZero();
    }

    /** The map, counting every call made to it. */
    private static IMap<Long, DroneState> counting(final IMap<Long, DroneState> map, final AtomicInteger calls)
    {
        return counting(map, calls, null, null);
    }

    /** The map, counting every call made to it, and throwing {@code failure} from each call of method {@code failing}. */
    @SuppressWarnings("unchecked")
    private static IMap<Long, DroneState> counting(final IMap<Long, DroneState> map, final AtomicInteger calls,
        final String failing, final RuntimeException failure)
    {
        return (IMap<Long, DroneState>)Proxy.newProxyInstance(FleetSweepClockIT.class.getClassLoader(),
            new Class<?>[]{IMap.class}, (proxy, method, args) ->
            {
                calls.incrementAndGet();
                if (method.getName().equals(failing))
                {
                    throw failure;
                }
                try
                {
                    return method.invoke(map, args);
                }
                catch (final InvocationTargetException ex)
                {
                    throw ex.getCause();
                }
            });
    }

    private void heard(final long droneId, final long sequence, final long heardAt)
    {
        fleet.set(droneId, new DroneState(droneId, sequence, heardAt, heardAt, heardAt, 52.52, 13.405, 80f, 90f, 5f,
            0f, 80f, "CRUISING", 8, "ingest-elsewhere"));
    }

    private void elapse(final long nanos)
    {
        monotonic.addAndGet(nanos);
    }
}
