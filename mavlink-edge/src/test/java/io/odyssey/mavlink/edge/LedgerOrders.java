package io.odyssey.mavlink.edge;

import com.hazelcast.map.IMap;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandType;
import io.odyssey.grid.DroneState;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.runtime.Counter;
import io.odyssey.simulator.Simulator;

import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/** Orders put in the ledger as a gateway does, and what the tests of MAVLink vehicles wait for around them. */
final class LedgerOrders
{
    private final CommandLedger ledger;
    private final IMap<Long, DroneState> fleet;
    private final String issuer;

    LedgerOrders(final CommandLedger ledger, final IMap<Long, DroneState> fleet, final String issuer)
    {
        this.ledger = ledger;
        this.fleet = fleet;
        this.issuer = issuer;
    }

    /** Waits until the vehicle flies its patrol (up, and not on its way down or home). */
    DroneState airborne(final long drone)
    {
        await().atMost(120, TimeUnit.SECONDS).until(() ->
        {
            final DroneState state = fleet.get(drone);
            return state != null && !"GROUNDED".equals(state.status()) && !"TAKING_OFF".equals(state.status()) &&
                !"LANDING".equals(state.status()) && !"RETURNING".equals(state.status()) && state.altitude() > 20;
        });
        return fleet.get(drone);
    }

    /** An order for {@code drone}, valid for a minute. */
    CommandRecord issue(final long drone, final CommandType type, final CommandParameters parameters)
    {
        final long now = System.currentTimeMillis() * 1_000_000L;
        final CommandRecord command = CommandRecord.issued(ledger.newId(), drone, type, parameters, null, issuer,
            "test", now, now + TimeUnit.SECONDS.toNanos(60));
        return ledger.issue(command).command();
    }

    CommandRecord awaitFinal(final CommandRecord command)
    {
        await().atMost(180, TimeUnit.SECONDS).until(() -> ledger.get(command.id()).state().isFinal());
        return ledger.get(command.id());
    }

    /** A simulator counter's total over its labels. */
    static long simulatorCounter(final Simulator simulator, final String name)
    {
        long total = 0;
        for (final Counter counter : simulator.metrics().counters())
        {
            total += counter.name().equals(name) ? counter.get() : 0;
        }
        return total;
    }
}
