package io.odyssey.grid;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.grid.ledger.CommandUpdate;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A rolling restart of the grid, as Kubernetes does it to the grid StatefulSet: three real members, each in turn shut
 * down gracefully (its partitions migrate to the others first), the cluster waited on until it is safe (every
 * partition's backup in sync), the member started again and waited on until it holds its share — while a client keeps
 * writing every drone's state in batches, as ingest does, and keeps issuing commands into the ledger and moving
 * earlier ones on, as the gateway and the relays do. Afterwards every write the grid acknowledged is accounted for:
 * every drone at (at least) the sequence last acknowledged for it, every acknowledged command there, in (at least) the
 * state last acknowledged for it. Writes refused while members come and go are counted and tried again, as the
 * processes do; the ones acknowledged are the grid's promise, and none may be lost.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class GridRollingRestartIT
{
    private static final String CLUSTER = "grid-rolling-restart-it-" + UUID.randomUUID();
    private static final int DRONES = 2_000;
    private static final int MEMBERS = 3;

    private final int port = 15_701 + (int)(Math.random() * 2_000);
    private final List<String> addresses = List.of("127.0.0.1:" + port, "127.0.0.1:" + (port + 1), "127.0.0.1:" + (port + 2));

    /** Per drone, the highest sequence the grid has acknowledged. */
    private final AtomicLongArray acknowledgedSequence = new AtomicLongArray(DRONES + 1);
    /** Per command id, the state the grid has acknowledged last. */
    private final Map<Long, CommandState> acknowledgedCommands = new ConcurrentHashMap<>();
    private final AtomicLong fleetBatches = new AtomicLong();
    private final AtomicLong fleetBatchesRefused = new AtomicLong();
    private final AtomicLong commandWrites = new AtomicLong();
    private final AtomicLong commandWritesRefused = new AtomicLong();
    private final AtomicReference<Throwable> writerFailure = new AtomicReference<>();
    private volatile boolean writing = true;

    @Test
    // Provoked by the restarts themselves: a member that has just left still had a partition-iterating operation in
    // flight, and the member it reached refuses it (Hazelcast logs that at ERROR; the caller retries on the new
    // owner). Seen once in a clean CI run under load. What the test asserts, no acknowledged write lost, is unchanged.
    @FailOnErrorLog.ExpectedErrors("PartitionIteratingOperation .*Not Member! this: ")
    void shouldLoseNoAcknowledgedFleetEntryOrLedgerCommandWhileEveryMemberIsRestartedInTurnUnderLoad() throws Exception
    {
        final GridNode[] nodes = new GridNode[MEMBERS];
        HazelcastInstance client = null;
        final List<Thread> writers = new ArrayList<>();
        try
        {
            for (int i = 0; i < MEMBERS; i++)
            {
                nodes[i] = GridNode.launch(config());
            }
            awaitSafeCluster(nodes, MEMBERS);
            client = HazelcastClient.newHazelcastClient(FleetGrid.clientConfig(CLUSTER, addresses, "rolling-restart-writer"));
            final IMap<Long, DroneState> fleet = FleetGrid.fleetMap(client);
            final CommandLedger ledger = new CommandLedger(client);
            writers.add(writer("fleet-writer", () -> writeFleet(fleet)));
            writers.add(writer("ledger-writer", () -> writeLedger(ledger)));
            await().atMost(60, TimeUnit.SECONDS).until(() -> fleetBatches.get() >= 5 && commandWrites.get() >= 20);

            for (int i = 0; i < MEMBERS; i++)
            {
                final long batchesBefore = fleetBatches.get();
                final long commandsBefore = commandWrites.get();
                nodes[i].close();
                nodes[i] = null;
                awaitSafeCluster(nodes, MEMBERS - 1);
                // Load went on while the member was away, not only before and after.
                await().atMost(60, TimeUnit.SECONDS).until(() ->
                    fleetBatches.get() >= batchesBefore + 3 && commandWrites.get() >= commandsBefore + 10);
                nodes[i] = GridNode.launch(config());
                awaitSafeCluster(nodes, MEMBERS);
                final GridNode restarted = nodes[i];
                await().atMost(60, TimeUnit.SECONDS).until(() ->
                    FleetGrid.fleetMap(restarted.instance()).getLocalMapStats().getOwnedEntryCount() > 0);
                assertThat(writerFailure.get()).as("writers").isNull();
            }

            final long batchesAfterRoll = fleetBatches.get();
            await().atMost(60, TimeUnit.SECONDS).until(() -> fleetBatches.get() >= batchesAfterRoll + 3);
            writing = false;
            for (final Thread writer : writers)
            {
                writer.join(60_000);
                assertThat(writer.isAlive()).as(writer.getName() + " stopped").isFalse();
            }
            assertThat(writerFailure.get()).as("writers").isNull();
            awaitSafeCluster(nodes, MEMBERS);

            final Map<Long, DroneState> states = fleet.getAll(droneIds());
            assertThat(states).as("every drone still in the fleet map").hasSize(DRONES);
            for (long id = 1; id <= DRONES; id++)
            {
                assertThat(states.get(id).sequence()).as("drone %d: at least its last acknowledged state", id)
                    .isGreaterThanOrEqualTo(acknowledgedSequence.get((int)id));
            }
            final Map<Long, CommandRecord> commands = ledger.map().getAll(acknowledgedCommands.keySet());
            assertThat(commands).as("every acknowledged command still in the ledger").hasSize(acknowledgedCommands.size());
            acknowledgedCommands.forEach((id, state) ->
                assertThat(commands.get(id).state().ordinal()).as("command %d: at least %s", id, state)
                    .isGreaterThanOrEqualTo(state.ordinal()));
            System.out.printf("rolling restart of %d members: %d fleet batches of %d drones acknowledged (%d refused and " +
                "retried), %d ledger writes acknowledged (%d refused), %d commands accounted for%n", MEMBERS,
                fleetBatches.get(), DRONES, fleetBatchesRefused.get(), commandWrites.get(), commandWritesRefused.get(),
                commands.size());
        }
        finally
        {
            writing = false;
            for (final Thread writer : writers)
            {
                writer.join(60_000);
            }
            if (client != null)
            {
                client.shutdown();
            }
            for (final GridNode node : nodes)
            {
                if (node != null)
                {
                    node.close();
                }
            }
        }
    }

    /** Every drone's newest state in one batch per round (ingest's shape), each round a higher sequence. */
    private void writeFleet(final IMap<Long, DroneState> fleet) throws InterruptedException
    {
        long sequence = 0;
        while (writing)
        {
            sequence++;
            final Map<Long, DroneState> batch = new HashMap<>(DRONES * 2);
            for (long id = 1; id <= DRONES; id++)
            {
                batch.put(id, FleetGridIT.state(id, sequence));
            }
            try
            {
                fleet.setAllAsync(batch).toCompletableFuture().get(30, TimeUnit.SECONDS);
                for (int id = 1; id <= DRONES; id++)
                {
                    acknowledgedSequence.set(id, sequence);
                }
                fleetBatches.incrementAndGet();
            }
            catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException |
                RuntimeException ex)
            {
                // A member leaving mid-batch: the next round writes newer states anyway, as ingest's retry does.
                fleetBatchesRefused.incrementAndGet();
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
    }

    /** New commands (the gateway's issue) and earlier ones marked sent (a relay's update), alternately. */
    private void writeLedger(final CommandLedger ledger) throws InterruptedException
    {
        final List<Long> issued = new ArrayList<>();
        int round = 0;
        while (writing)
        {
            round++;
            try
            {
                if (round % 2 == 1 || issued.isEmpty())
                {
                    final long now = System.currentTimeMillis() * 1_000_000L;
                    final CommandRecord command = CommandRecord.issued(
                        ledger.newId(), 1 + round % DRONES, CommandType.HOLD,
                        CommandParameters.NONE,
                        null, "rolling-restart-it", "test", now, now + TimeUnit.HOURS.toNanos(1));
                    ledger.issue(command);
                    acknowledgedCommands.put(command.id(), CommandState.ISSUED);
                    issued.add(command.id());
                }
                else
                {
                    final long id = issued.get(round % issued.size());
                    if (acknowledgedCommands.get(id) == CommandState.ISSUED)
                    {
                        final CommandRecord sent = ledger.update(id, CommandUpdate.sent("rolling-restart-it",
                            System.currentTimeMillis() * 1_000_000L));
                        if (sent != null)
                        {
                            acknowledgedCommands.put(id, sent.state());
                        }
                    }
                }
                commandWrites.incrementAndGet();
            }
            catch (final RuntimeException ex)
            {
                commandWritesRefused.incrementAndGet();
                TimeUnit.MILLISECONDS.sleep(50);
            }
        }
    }

    private Thread writer(final String name, final Work work)
    {
        final Thread thread = new Thread(() ->
        {
            try
            {
                work.run();
            }
            catch (final Throwable ex)
            {
                writerFailure.compareAndSet(null, ex);
            }
        }, name);
        thread.start();
        return thread;
    }

    @FunctionalInterface
    private interface Work
    {
        void run() throws Exception;
    }

    private static void awaitSafeCluster(final GridNode[] nodes, final int expected)
    {
        await().atMost(120, TimeUnit.SECONDS).until(() ->
        {
            for (final GridNode node : nodes)
            {
                if (node != null && (node.instance().getCluster().getMembers().size() != expected ||
                    !node.instance().getPartitionService().isClusterSafe()))
                {
                    return false;
                }
            }
            return true;
        });
    }

    private GridNodeConfig config()
    {
        final GridNodeConfig config = new GridNodeConfig();
        config.clusterName = CLUSTER;
        config.members = addresses;
        config.port = port;
        config.statusPort = 0;
        return config;
    }

    private static Set<Long> droneIds()
    {
        final Set<Long> ids = new HashSet<>();
        for (long id = 1; id <= DRONES; id++)
        {
            ids.add(id);
        }
        return ids;
    }
}
