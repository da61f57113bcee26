package io.odyssey.grid.ledger;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.nio.serialization.genericrecord.GenericRecord;
import com.hazelcast.nio.serialization.genericrecord.GenericRecordBuilder;
import io.odyssey.codecs.CommandParameters;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.Waypoint;
import io.odyssey.codecs.sbe.CommandReason;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.UnreadableRecords;
import io.odyssey.runtime.Counter;
import io.odyssey.runtime.Metrics;
import io.odyssey.runtime.SafeText;
import io.odyssey.testing.FailOnErrorLog;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The ledger's bounds against a real member, through a real client as the gateway and the relays use it: the limit on
 * a drone's active commands, the bound on its final ones (never evicting an active one), the limit on commands a
 * drone starts itself, and text that could not be archived repaired on its way in.
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CommandLedgerIT
{
    private static final String CLUSTER = "command-ledger-it-" + UUID.randomUUID();
    private static final long T0 = 1_764_000_000_000_000_000L;
    private static final AtomicLong NEXT_DRONE = new AtomicLong(1_000);

    private static HazelcastInstance member;
    private static HazelcastInstance client;
    /** Another client of the grid, as anyone on its network may run: it writes the ledger map directly. */
    private static HazelcastInstance attacker;
    private static CommandLedger ledger;
    /** The ledger as a gateway or an ingest node holds it: with the command key. */
    private static CommandLedger sealed;
    private static Counter repaired;
    private static Counter unreadable;
    private static Counter unreadableOnMember;
    private static Counter unsealedRemoved;
    private static Counter trimDeferred;
    private static Counter leftOut;

    @BeforeAll
    static void start()
    {
        final int port = 17_701 + (int)(Math.random() * 2000);
        member = FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER, "127.0.0.1", port, List.of("127.0.0.1:" + port), 0));
        client = HazelcastClient.newHazelcastClient(FleetGrid.clientConfig(CLUSTER,
            List.of("127.0.0.1:" + member.getCluster().getLocalMember().getAddress().getPort()), "ledger-it-client"));
        final Metrics metrics = new Metrics("test");
        repaired = metrics.counter("odyssey_test_text_repaired_total", "repaired");
        unreadable = metrics.counter("odyssey_test_command_records_unreadable_total", "unreadable");
        ledger = new CommandLedger(client, repaired, null).countingUnreadable(unreadable);
        unsealedRemoved = metrics.counter("odyssey_test_command_records_unsealed_removed_total", "removed");
        trimDeferred = metrics.counter("odyssey_test_command_records_trim_deferred_total", "deferred");
        leftOut = metrics.counter("odyssey_test_command_records_unsealed_total", "left out");
        sealed = new CommandLedger(client, null, new CommandAuthority(new byte[32])).countingUnreadable(unreadable)
            .countingUnsealedRemoved(unsealedRemoved).countingTrimDeferred(trimDeferred).countingUnsealed(leftOut);
        attacker = HazelcastClient.newHazelcastClient(FleetGrid.clientConfig(CLUSTER,
            List.of("127.0.0.1:" + member.getCluster().getLocalMember().getAddress().getPort()), "ledger-it-attacker"));
        // As GridNode registers it: what the member's own entry processors could not read.
        unreadableOnMember = metrics.counter("odyssey_test_member_unreadable_total", "unreadable on the member");
        member.getUserContext().put(UnreadableRecords.MEMBER_CONTEXT_KEY,
            new UnreadableRecords("grid", unreadableOnMember));
    }

    @AfterAll
    static void stop()
    {
        if (attacker != null)
        {
            attacker.shutdown();
        }
        if (client != null)
        {
            client.shutdown();
        }
        if (member != null)
        {
            member.shutdown();
        }
    }

    @Test
    void shouldRefuseTheNextActiveCommandAtTheLimitAndAdmitOneAgainOnceOneIsFinal()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final CommandRecord first = ledger.issue(command(drone, CommandType.HOLD, null), 3).command();
        ledger.issue(command(drone, CommandType.RESUME, null), 3);
        ledger.issue(command(drone, CommandType.HOLD, "k-3"), 3);

        assertThatThrownBy(() -> ledger.issue(command(drone, CommandType.LAND, "k-4"), 3))
            .isInstanceOf(CommandLedger.ActiveLimitException.class)
            .hasMessageContaining("drone " + drone + " has 3 active commands");
        assertThat(ledger.list(drone, null, false, 100)).hasSize(3);
        // A repeat of a command already admitted is found, full or not; the refused one's key is free again.
        assertThat(ledger.issue(command(drone, CommandType.HOLD, "k-3"), 3).created()).isFalse();
        assertThat(client.getMap(CommandLedger.KEYS_MAP).containsKey("ops/k-4")).isFalse();
        // Another drone is not affected.
        assertThat(ledger.issue(command(NEXT_DRONE.incrementAndGet(), CommandType.LAND, null), 3).created()).isTrue();

        ledger.update(first.id(), CommandUpdate.moveTo(CommandState.CANCELLED, T0 + 5, "cancelled by operator"));
        assertThat(ledger.issue(command(drone, CommandType.LAND, "k-4"), 3).created()).isTrue();
        assertThat(ledger.list(drone, null, true, 100)).hasSize(3);
    }

    @Test
    void shouldKeepABoundedNumberOfFinalCommandsPerDroneOldestFirstAndNeverEvictAnActiveOne()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final CommandRecord active = ledger.issue(command(drone, CommandType.GOTO, null, T0)).command();
        final int total = CommandLedger.MAX_FINAL_PER_DRONE + 30;
        for (int i = 1; i <= total; i++)
        {
            // Refused before sending (a geofence): final from the start, as the gateway records them.
            final CommandRecord refused = command(drone, CommandType.GOTO, "fence-" + i, T0 + i)
                .rejectedBeforeSending(T0 + i, "the path crosses the keep-out geofence 'x'");
            ledger.issue(refused);
        }
        final List<CommandRecord> kept = ledger.list(drone, null, false, 10_000);
        assertThat(kept.stream().filter(c -> !c.active()).count()).isEqualTo(CommandLedger.MAX_FINAL_PER_DRONE);
        assertThat(kept).extracting(CommandRecord::id).contains(active.id());
        // The newest are kept; the evicted ones' keys went with them.
        assertThat(kept.stream().filter(c -> !c.active()).mapToLong(CommandRecord::issuedAtNanos).min().orElseThrow())
            .isEqualTo(T0 + total - CommandLedger.MAX_FINAL_PER_DRONE + 1);
        assertThat(client.getMap(CommandLedger.KEYS_MAP).containsKey("ops/fence-1")).isFalse();
        assertThat(client.getMap(CommandLedger.KEYS_MAP).containsKey("ops/fence-" + total)).isTrue();
    }

    @Test
    void shouldEvictFinalCommandsAlreadyInTheArchiveBeforeThoseNoJournalHasYet()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final List<CommandRecord> finals = new java.util.ArrayList<>();
        for (int i = 1; i <= CommandLedger.MAX_FINAL_PER_DRONE; i++)
        {
            finals.add(ledger.issue(
                command(drone, CommandType.GOTO, null, T0 + i).rejectedBeforeSending(T0 + i, "fence"))
                .command());
        }
        // A relay journaled the two newest: they are in the archive, the 98 older ones not yet.
        for (final CommandRecord journaled : finals.subList(finals.size() - 2, finals.size()))
        {
            ledger.update(journaled.id(), CommandUpdate.journaled(journaled.transitionCount()));
        }
        ledger.issue(command(drone, CommandType.GOTO, null, T0 + 1_000).rejectedBeforeSending(T0 + 1_000, "fence"));
        ledger.issue(command(drone, CommandType.GOTO, null, T0 + 1_001).rejectedBeforeSending(T0 + 1_001, "fence"));

        final List<Long> kept = ledger.list(drone, null, false, 10_000).stream().map(CommandRecord::id).toList();
        assertThat(kept).hasSize(CommandLedger.MAX_FINAL_PER_DRONE);
        assertThat(kept).doesNotContain(finals.get(finals.size() - 1).id(), finals.get(finals.size() - 2).id());
        assertThat(kept).contains(finals.get(0).id());
    }

    /**
     * A grid client plants final records for a drone, unsealed, dated after its real history and marked as no journal
     * has them, plus one that cannot be read: the bound on the drone's final commands must evict those first, never
     * the genuine records no journal has yet (the archive would lose that history).
     */
    @Test
    void shouldEvictRecordsAGridClientPlantedBeforeAnyGenuineFinalCommand()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final List<CommandRecord> genuine = new java.util.ArrayList<>();
        for (int i = 1; i <= 50; i++)
        {
            genuine.add(sealed.issue(command(drone, CommandType.GOTO, null, T0 + i)
                .rejectedBeforeSending(T0 + i, "fence")).command());
        }
        final IMap<Long, Object> planted = attacker.getMap(CommandLedger.COMMANDS_MAP);
        final List<Long> keys = new java.util.ArrayList<>();
        for (int i = 0; i < CommandLedger.MAX_FINAL_PER_DRONE; i++)
        {
            final long key = 5_000_000_000L + drone * 1_000 + i;
            planted.set(key, CommandRecord.issued(key, drone, CommandType.GOTO, CommandParameters.goTo(52.5, 13.4,
                    Double.NaN, Double.NaN), null, "ops", "127.0.0.1", T0 + 10_000 + i, T0 + 300_000_000_000L)
                .rejectedBeforeSending(T0 + 10_000 + i, "fence"));
            keys.add(key);
        }
        final long unreadableKey = 5_000_000_999L + drone * 1_000;
        planted.set(unreadableKey, planted(drone, T0 + 5_000).setInt64("id", unreadableKey).setBoolean("active", false)
            .setString("state", "HIJACKED").build());
        keys.add(unreadableKey);
        try
        {
            final long before = unsealedRemoved.get();
            // 50 genuine + 101 planted + this one: 52 over the bound, all of them planted.
            genuine.add(sealed.issue(command(drone, CommandType.GOTO, null, T0 + 30_000)
                .rejectedBeforeSending(T0 + 30_000, "fence")).command());

            for (final CommandRecord kept : genuine)
            {
                assertThat(sealed.get(kept.id())).as("genuine final %d", kept.id()).isNotNull();
            }
            assertThat(ledger.map().keySet(com.hazelcast.query.Predicates.equal("droneId", drone)))
                .hasSize(CommandLedger.MAX_FINAL_PER_DRONE);
            assertThat(planted.containsKey(unreadableKey)).as("planted, oldest first: the unreadable one too").isFalse();
            assertThat(unsealedRemoved.get() - before).isEqualTo(52);
        }
        finally
        {
            keys.forEach(planted::delete);
        }
    }

    /**
     * A grid client plants thousands of unsealed final records with a drone's id (cheap: one putAll): the drone's next
     * order read every one of them whole and checked its seal, ~80 µs a record, on the gateway's request thread (5,000
     * read and 4,951 removed by one order, ~0.3 s; the client can plant them again after every order). An order now
     * reads at most a batch of records it has not verified yet and evicts the planted ones among them; the rest wait
     * for the next orders (counted), no genuine record is evicted while any wait, and once they are gone the drone is
     * back to its bound, its oldest genuine records going first.
     */
    @Test
    void shouldReadABoundedNumberOfRecordsAnOrderHoweverManyAGridClientPlantedForTheDrone()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final List<CommandRecord> genuine = new java.util.ArrayList<>();
        for (int i = 1; i <= 90; i++)
        {
            genuine.add(sealed.issue(command(drone, CommandType.GOTO, null, T0 + i)
                .rejectedBeforeSending(T0 + i, "fence")).command());
        }
        final IMap<Long, CommandRecord> planted = attacker.getMap(CommandLedger.COMMANDS_MAP);
        final java.util.Map<Long, CommandRecord> batch = new java.util.HashMap<>();
        for (int i = 0; i < 5_000; i++)
        {
            final long key = 8_000_000_000L + drone * 10_000 + i;
            batch.put(key, plantedFinal(key, drone, T0 + 1_000 + i));
        }
        planted.putAll(batch);
        try
        {
            final long deferredBefore = trimDeferred.get();
            int largestRead = 0;
            int largestRemoved = 0;
            for (int order = 0; order < 60 && records(drone).stream().anyMatch(batch::containsKey); order++)
            {
                final long removedBefore = unsealedRemoved.get();
                final long readBefore = sealed.trimRecordsRead();
                genuine.add(sealed.issue(command(drone, CommandType.GOTO, null, T0 + 20_000 + order)
                    .rejectedBeforeSending(T0 + 20_000 + order, "fence")).command());
                largestRemoved = Math.max(largestRemoved, (int)(unsealedRemoved.get() - removedBefore));
                largestRead = Math.max(largestRead, (int)(sealed.trimRecordsRead() - readBefore));

                final java.util.Set<Long> there = records(drone);
                if (there.stream().anyMatch(batch::containsKey))
                {
                    assertThat(there).as("no genuine record evicted while planted ones are left")
                        .containsAll(genuine.stream().map(CommandRecord::id).toList());
                }
            }

            assertThat(largestRead).as("records read by one order")
                .isLessThanOrEqualTo(CommandLedger.TRIM_READ_RECORDS);
            assertThat(largestRemoved).as("planted records removed by one order")
                .isLessThanOrEqualTo(CommandLedger.TRIM_READ_RECORDS);
            assertThat(trimDeferred.get() - deferredBefore).as("left for later orders, counted").isPositive();
            assertThat(records(drone)).as("planted, all gone after a few dozen orders").noneMatch(batch::containsKey);
            assertThat(genuine.size()).as("the drone went over its bound meanwhile")
                .isGreaterThan(CommandLedger.MAX_FINAL_PER_DRONE);

            genuine.add(sealed.issue(command(drone, CommandType.GOTO, null, T0 + 30_000)
                .rejectedBeforeSending(T0 + 30_000, "fence")).command());
            assertThat(records(drone)).as("back to its bound, the oldest gone").containsExactlyInAnyOrderElementsOf(
                genuine.subList(genuine.size() - CommandLedger.MAX_FINAL_PER_DRONE, genuine.size()).stream()
                    .map(CommandRecord::id).toList());
        }
        finally
        {
            planted.removeAll(com.hazelcast.query.Predicates.in("__key", batch.keySet().toArray(new Long[0])));
        }
    }

    /**
     * A drone past its bound of final commands: every order read all of its ~100 final records whole to check their
     * seals (~8 ms an order). A record found genuine is not read again: the next orders read only the one new final.
     */
    @Test
    void shouldReadAGenuineFinalRecordOnceNotOnEveryOrderPastTheBound()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        for (int i = 1; i <= CommandLedger.MAX_FINAL_PER_DRONE + 1; i++)
        {
            sealed.issue(command(drone, CommandType.GOTO, null, T0 + i).rejectedBeforeSending(T0 + i, "fence"));
        }
        for (int order = 0; order < 5; order++)
        {
            final long readBefore = sealed.trimRecordsRead();
            sealed.issue(command(drone, CommandType.GOTO, null, T0 + 1_000 + order)
                .rejectedBeforeSending(T0 + 1_000 + order, "fence"));

            assertThat(sealed.trimRecordsRead() - readBefore).as("records read by order %d", order).isEqualTo(1);
        }
        final List<CommandRecord> kept = sealed.list(drone, null, false, 1_000);
        assertThat(kept).hasSize(CommandLedger.MAX_FINAL_PER_DRONE);
        assertThat(kept.get(kept.size() - 1).issuedAtNanos()).as("the oldest went").isEqualTo(T0 + 7);
    }

    /**
     * A grid client that replants 128 or more records after each of a drone's orders keeps every genuine final record
     * of it (no genuine one goes while some wait unread); after ~256 such orders the drone has more genuine finals
     * than a process remembers as verified (228) and reads in an order (128) together. Once the client stopped, every
     * order read the same 128 genuine records again (~10 ms), left some unread, evicted nothing, and the drone stayed
     * over its bound until the 24 h retention. The genuine records are written straight into the map here, as those
     * orders left them. A batch that holds nothing planted now lets the oldest genuine records go down to the bound.
     */
    @Test
    void shouldBringADroneWithMoreGenuineFinalsThanItRemembersBackToItsBound()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final CommandAuthority authority = new CommandAuthority(new byte[32]);
        final java.util.Map<Long, CommandRecord> history = new java.util.LinkedHashMap<>();
        final List<Long> issued = new java.util.ArrayList<>();
        for (int i = 1; i <= 400; i++)
        {
            final CommandRecord genuine = authority.authorise(command(drone, CommandType.GOTO, null, T0 + i)
                .rejectedBeforeSending(T0 + i, "fence"));
            history.put(genuine.id(), genuine);
            issued.add(genuine.id());
        }
        ledger.map().putAll(history);

        long lastRead = 0;
        for (int order = 0; order < 8; order++)
        {
            final long readBefore = sealed.trimRecordsRead();
            issued.add(sealed.issue(command(drone, CommandType.GOTO, null, T0 + 1_000 + order)
                .rejectedBeforeSending(T0 + 1_000 + order, "fence")).command().id());
            lastRead = sealed.trimRecordsRead() - readBefore;
        }

        assertThat(lastRead).as("records read by the last order").isEqualTo(1);
        assertThat(records(drone)).as("final records of the drone").hasSize(CommandLedger.MAX_FINAL_PER_DRONE);
        assertThat(records(drone)).as("back to its bound, the oldest gone").containsExactlyInAnyOrderElementsOf(
            issued.subList(issued.size() - CommandLedger.MAX_FINAL_PER_DRONE, issued.size()));
    }

    /** The keys of the drone's records in the ledger. */
    private static java.util.Set<Long> records(final long drone)
    {
        return ledger.map().keySet(com.hazelcast.query.Predicates.equal("droneId", drone));
    }

    @Test
    void shouldRefuseMoreCommandsStartedByTheDroneThanADroneRuns()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        for (int n = 1; n <= CommandLedger.MAX_DRONE_STARTED_ACTIVE; n++)
        {
            final CommandLedger.Issued recorded = ledger.recordDroneCommand(droneStarted(drone, n));
            assertThat(recorded.created()).isTrue();
            // The drone repeating its report finds the same record.
            assertThat(ledger.recordDroneCommand(droneStarted(drone, n)).created()).isFalse();
        }
        assertThat(ledger.recordDroneCommand(droneStarted(drone, 99))).isNull();
        assertThat(ledger.list(drone, null, true, 100)).hasSize(CommandLedger.MAX_DRONE_STARTED_ACTIVE);
    }

    @Test
    void shouldNotTakeACopyOfAnotherCommandUnderADronesNextIdForItsOwnReport()
    {
        // A grid client puts a sealed record of another command under the id the drone's next failsafe report will
        // have: the report was answered "a repeat" of that other command, and the drone's own was never recorded.
        final long drone = NEXT_DRONE.incrementAndGet();
        final CommandRecord other = sealed.issue(command(drone, CommandType.HOLD, null, T0)).command();
        final CommandRecord report = droneStarted(drone, 1);
        attacker.getMap(CommandLedger.COMMANDS_MAP).set(report.id(), ledger.get(other.id()));
        final CommandLedger.Issued recorded = ledger.recordDroneCommand(report);
        // Refused (counted by the relay) rather than taken for a repeat of the copy, which the sweep retires.
        if (recorded != null)
        {
            assertThat(recorded.command().id()).as("never the other command").isEqualTo(report.id());
        }
    }

    @Test
    void shouldRepairTextThatTheArchiveCouldNotStoreAndCountIt()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final long before = repaired.get();
        final CommandRecord hostile = CommandRecord.issued(ledger.newId(), drone, CommandType.RETURN_HOME,
            CommandParameters.NONE, "key\u0000", "ops", "10.0.0.1", T0, T0 + 60_000_000_000L)
            .issuedBecause("outside the keep-in geofence 'x\u0000\n'");
        final CommandRecord stored = ledger.issue(hostile).command();

        assertThat(stored.idempotencyKey()).isEqualTo("key\uFFFD");
        assertThat(stored.reason()).isEqualTo("outside the keep-in geofence 'x\uFFFD\uFFFD'");
        assertThat(stored.transitionReasons()[0]).isEqualTo("outside the keep-in geofence 'x\uFFFD\uFFFD'");
        assertThat(ledger.get(stored.id()).idempotencyKey()).isEqualTo("key\uFFFD");
        final CommandRecord failed = ledger.update(stored.id(),
            CommandUpdate.moveTo(CommandState.FAILED, T0 + 1, "lost\r\ncontact\u009B"));
        assertThat(failed.reason()).isEqualTo("lost\uFFFD\uFFFDcontact\uFFFD");
        for (final String reason : failed.transitionReasons())
        {
            assertThat(reason == null || SafeText.isSafe(reason, 1000)).isTrue();
        }
        assertThat(repaired.get() - before).isEqualTo(2);

        // What was storable already is stored as it was, and not counted.
        final CommandRecord plain = ledger.issue(command(drone, CommandType.GOTO, "plain-ключ")).command();
        assertThat(plain.idempotencyKey()).isEqualTo("plain-ключ");
        assertThat(plain.parameters()).isEqualTo(CommandParameters.goTo(52.5, 13.4, Double.NaN, Double.NaN));
        assertThat(repaired.get() - before).isEqualTo(2);
    }

    @Test
    void shouldAnswerARetryWithTheCommandOfTheRequestStillBetweenItsTwoWrites() throws Exception
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final CommandRecord first = CommandRecord.issued(ledger.newId(), drone, CommandType.HOLD, CommandParameters.NONE,
            "racing-k", "ops", "127.0.0.1", T0, T0 + 60_000_000_000L);
        // The first request has written its key and not yet its command.
        client.<String, Long>getMap(CommandLedger.KEYS_MAP).set("ops/racing-k", first.id());
        final CommandLedger patient = new CommandLedger(client, repaired, null).keyRaceTimeoutMs(120_000);

        final CompletableFuture<CommandLedger.Issued> retry = CompletableFuture.supplyAsync(() -> patient.issue(
            CommandRecord.issued(patient.newId(), drone, CommandType.HOLD, CommandParameters.NONE, "racing-k", "ops",
                "127.0.0.1", T0 + 1, T0 + 60_000_000_000L)));
        client.<Long, CommandRecord>getMap(CommandLedger.COMMANDS_MAP).set(first.id(), first);

        final CommandLedger.Issued answer = retry.get(60, TimeUnit.SECONDS);
        assertThat(answer.created()).isFalse();
        assertThat(answer.command().id()).isEqualTo(first.id());
    }

    @Test
    void shouldLetARetryTakeTheKeyOfARequestThatDiedBetweenItsTwoWrites()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final long neverWritten = ledger.newId();
        client.<String, Long>getMap(CommandLedger.KEYS_MAP).set("ops/orphan-k", neverWritten);
        final CommandLedger impatient = new CommandLedger(client, repaired, null).keyRaceTimeoutMs(100);

        final CommandLedger.Issued answer = impatient.issue(CommandRecord.issued(impatient.newId(), drone,
            CommandType.HOLD, CommandParameters.NONE, "orphan-k", "ops", "127.0.0.1", T0, T0 + 60_000_000_000L));

        assertThat(answer.created()).isTrue();
        assertThat(client.<String, Long>getMap(CommandLedger.KEYS_MAP).get("ops/orphan-k")).isEqualTo(answer.command().id());
    }

    @Test
    void shouldTakeTheLastHourForRecentCommandsFromItsClock()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final CommandRecord issued = ledger.issue(CommandRecord.issued(ledger.newId(), drone, CommandType.LAND,
            CommandParameters.NONE, null, "ops", "127.0.0.1", T0, T0 + 60_000_000_000L)).command();
        final long halfAnHourLater = T0 + TimeUnit.MINUTES.toNanos(30);
        final long twoHoursLater = T0 + TimeUnit.HOURS.toNanos(2);

        assertThat(new CommandLedger(client, repaired, null, () -> halfAnHourLater).recent(10_000))
            .extracting(CommandRecord::id).contains(issued.id());
        assertThat(new CommandLedger(client, repaired, null, () -> twoHoursLater).recent(10_000))
            .extracting(CommandRecord::id).doesNotContain(issued.id());
    }

    @Test
    void shouldAnswerAPageOfTheNewestCommandsInOrderFromTheMembersWhateverTheLedgerHolds()
    {
        // Issued after everything else in this class, in shuffled order, over many drones: the members sort and send
        // their first page only (a paging predicate); the page must still be the newest, newest first.
        final long later = T0 + TimeUnit.DAYS.toNanos(10);
        final java.util.Map<Long, CommandRecord> batch = new java.util.HashMap<>();
        final List<Long> order = new java.util.ArrayList<>();
        for (int i = 0; i < 3_000; i++)
        {
            order.add((long)i);
        }
        java.util.Collections.shuffle(order, new java.util.Random(7));
        final long[] idAt = new long[3_000];
        for (final long i : order)
        {
            final CommandRecord record = command(NEXT_DRONE.incrementAndGet(), CommandType.LAND, null, later + i * 1_000);
            idAt[(int)i] = record.id();
            batch.put(record.id(), record);
        }
        client.<Long, CommandRecord>getMap(CommandLedger.COMMANDS_MAP).putAll(batch);

        assertThat(ledger.list(0, null, false, 1)).extracting(CommandRecord::id).containsExactly(idAt[2_999]);
        assertThat(ledger.list(0, null, false, 5)).extracting(CommandRecord::id)
            .containsExactly(idAt[2_999], idAt[2_998], idAt[2_997], idAt[2_996], idAt[2_995]);
        assertThat(ledger.list(0, CommandState.ISSUED, true, 3)).extracting(CommandRecord::id)
            .containsExactly(idAt[2_999], idAt[2_998], idAt[2_997]);
        final CommandLedger tenDaysOn = new CommandLedger(client, repaired, null, () -> later + TimeUnit.MINUTES.toNanos(1));
        assertThat(tenDaysOn.recent(4)).extracting(CommandRecord::id)
            .containsExactly(idAt[2_999], idAt[2_998], idAt[2_997], idAt[2_996]);
        client.<Long, CommandRecord>getMap(CommandLedger.COMMANDS_MAP).executeOnKeys(batch.keySet(), entry ->
        {
            entry.setValue(null);
            return null;
        });
    }

    @Test
    void shouldKeepEveryTypedParameterOfACommandThroughTheGrid()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final CommandParameters mission = CommandParameters.mission(List.of(
            new Waypoint(52.5, 13.4, 60.0, 8.5, 5.0),
            new Waypoint(52.51, 13.41, Double.NaN, Double.NaN, Double.NaN)));
        final CommandRecord issued = ledger.issue(CommandRecord.issued(ledger.newId(), drone, CommandType.MISSION,
            mission, null, "ops", "127.0.0.1", T0, T0 + 60_000_000_000L)).command();
        final CommandRecord own = ledger.recordDroneCommand(droneStarted(drone, 1)).command();

        final CommandRecord read = ledger.get(issued.id());
        assertThat(read.type()).isEqualTo(CommandType.MISSION);
        assertThat(read.parameters()).isEqualTo(mission);
        assertThat(read.parameters().waypoints().get(1).altitude()).as("not given stays not given").isNaN();
        assertThat(ledger.get(own.id()).parameters())
            .isEqualTo(CommandParameters.startedByDrone(-1, CommandReason.FAILSAFE_LOW_BATTERY));
        // The same key again with the same typed parameters is the same command; with others it is a conflict.
        final CommandRecord keyed = CommandRecord.issued(ledger.newId(), drone, CommandType.MISSION, mission, "typed-k",
            "ops", "127.0.0.1", T0, T0 + 60_000_000_000L);
        assertThat(ledger.issue(keyed).created()).isTrue();
        assertThat(ledger.issue(CommandRecord.issued(ledger.newId(), drone, CommandType.MISSION,
            CommandParameters.mission(List.copyOf(mission.waypoints())), "typed-k", "ops", "127.0.0.1", T0,
            T0 + 60_000_000_000L)).created()).isFalse();
        assertThatThrownBy(() -> ledger.issue(CommandRecord.issued(ledger.newId(), drone, CommandType.MISSION,
            CommandParameters.mission(List.of(new Waypoint(52.5, 13.4, 60.0, 8.5, 5.0))), "typed-k", "ops",
            "127.0.0.1", T0, T0 + 60_000_000_000L))).isInstanceOf(CommandLedger.IdempotencyConflictException.class);
    }

    @Test
    void shouldReadARecordThePreviousVersionWroteWithItsParametersAsJsonText()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final long id = ledger.newId();
        final GenericRecord previous = GenericRecordBuilder.compact(CommandRecordSerializer.TYPE_NAME)
            .setInt64("id", id)
            .setInt64("droneId", drone)
            .setString("type", "goto")
            .setString("paramsJson", "{\"lat\":52.5,\"lon\":13.4,\"alt\":60.0}")
            .setString("state", "COMPLETED")
            .setBoolean("active", false)
            .setString("reason", null)
            .setFloat32("progress", 100f)
            .setInt32("waypointIndex", -1)
            .setString("idempotencyKey", null)
            .setString("issuedBy", "ops")
            .setString("issuedFrom", "127.0.0.1")
            .setInt64("issuedAtNanos", T0)
            .setInt64("expiresAtNanos", T0 + 60_000_000_000L)
            .setString("node", "ingest-1")
            .setInt32("attempts", 1)
            .setInt64("lastSentNanos", T0 + 1)
            .setFloat64("targetLatitude", 52.5)
            .setFloat64("targetLongitude", 13.4)
            .setFloat32("targetAltitude", 60f)
            .setInt64("doneAtNanos", T0 + 2)
            .setArrayOfString("transitionStates", new String[]{"ISSUED", "COMPLETED"})
            .setArrayOfInt64("transitionAtNanos", new long[]{T0, T0 + 3})
            .setArrayOfString("transitionReasons", new String[]{null, null})
            .setInt32("journaled", 2)
            .setString("authorisation", null)
            .setBoolean("unjournaled", false)
            .build();
        @SuppressWarnings("unchecked")
        final IMap<Long, Object> raw = (IMap<Long, Object>)(IMap<?, ?>)ledger.map();
        raw.set(id, previous);

        final CommandRecord read = ledger.get(id);
        assertThat(read.type()).isEqualTo(CommandType.GOTO);
        assertThat(read.parameters()).isEqualTo(CommandParameters.goTo(52.5, 13.4, 60.0, Double.NaN));
        assertThat(read.state()).isEqualTo(CommandState.COMPLETED);
    }

    /**
     * Anything that reaches the grid can put a record of the ledger's type with content this version cannot read: each
     * such entry is left out of every query (the relays' sweep, the gateway's lists) and counted, and every other
     * command is still found.
     */
    @Test
    void shouldLeaveOutAndCountUnreadableRecordsWhileEveryQueryStillFindsTheOtherCommands()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final long now = System.currentTimeMillis() * 1_000_000L;
        final CommandRecord good = ledger.issue(command(drone, CommandType.HOLD, null, now)).command();
        final CommandRecord goodFinal = ledger.issue(command(drone, CommandType.GOTO, null, now)
            .rejectedBeforeSending(now + 1, "fence")).command();
        @SuppressWarnings("unchecked")
        final IMap<Long, Object> raw = (IMap<Long, Object>)(IMap<?, ?>)ledger.map();
        final List<GenericRecordBuilder> planted = List.of(
            planted(drone, now).setString("state", "HIJACKED"),
            planted(drone, now).setString("state", null),
            planted(drone, now).setArrayOfString("transitionStates", new String[]{"ISSUED", "OWNED"}),
            planted(drone, now).setArrayOfString("transitionStates", null),
            planted(drone, now).setArrayOfInt64("transitionAtNanos", new long[0]),
            planted(drone, now).setFloat32("progress", Float.NaN),
            planted(drone, now).setFloat64("paramLatitude", 1e300),
            planted(drone, now).setArrayOfFloat64("waypointLatitudes", new double[200_000]),
            planted(drone, now).setInt32("waypointIndex", -7),
            planted(drone, now).setInt32("journaled", -1));
        for (final GenericRecordBuilder record : planted)
        {
            final long id = ledger.newId();
            raw.set(id, record.setInt64("id", id).build());
        }
        // A truncated record: the fields a query matches on, and nothing else.
        final long truncated = ledger.newId();
        raw.set(truncated, GenericRecordBuilder.compact(CommandRecordSerializer.TYPE_NAME)
            .setInt64("id", truncated).setInt64("droneId", drone).setBoolean("active", true)
            .setBoolean("unjournaled", true).setInt64("issuedAtNanos", now).setString("state", "ISSUED").build());
        final long before = unreadable.get();

        assertThat(ledger.active()).extracting(CommandRecord::id).contains(good.id())
            .doesNotContain(truncated);
        assertThat(ledger.list(drone, null, false, 100)).extracting(CommandRecord::id)
            .containsExactlyInAnyOrder(good.id(), goodFinal.id());
        assertThat(ledger.list(drone, CommandState.ISSUED, true, 100)).extracting(CommandRecord::id)
            .containsExactly(good.id());
        assertThat(ledger.recent(10_000)).extracting(CommandRecord::id).contains(good.id(), goodFinal.id());
        assertThat(ledger.unjournaledFinal()).extracting(CommandRecord::id).contains(goodFinal.id());
        assertThat(ledger.get(truncated)).isNull();
        assertThat(ledger.get(good.id())).isEqualTo(good);
        assertThat(unreadable.get() - before).isGreaterThanOrEqualTo(planted.size() + 1);
    }

    /**
     * A record this version cannot read, planted at a command id something will act on: a drone's answer naming it, a
     * drone reporting a command it started itself under that id, a retried order whose idempotency key points at it.
     * Each is refused or goes on without it (counted); none throws into the relay's or the gateway's thread.
     */
    @Test
    void shouldNeitherUpdateNorAnswerWithARecordThatCannotBeReadButCountItAndGoOn()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final long now = System.currentTimeMillis() * 1_000_000L;
        @SuppressWarnings("unchecked")
        final IMap<Long, Object> raw = (IMap<Long, Object>)(IMap<?, ?>)ledger.map();
        // A drone-started command's id (negative, from the drone's id and its own number), as a forged report would use.
        final long planted = droneStarted(drone, 1).id();
        raw.set(planted, planted(drone, now).setString("state", "HIJACKED").setInt64("id", planted).build());
        final long before = unreadable.get();
        final long beforeOnMember = unreadableOnMember.get();

        // Applied on the member, which reads the record there: it counts it, logs no ERROR, and the update is null.
        assertThat(ledger.update(planted, CommandUpdate.moveTo(CommandState.FAILED, now + 1, "lost contact"))).isNull();
        assertThat(ledger.recordDroneCommand(droneStarted(drone, 1))).isNull();
        client.<String, Long>getMap(CommandLedger.KEYS_MAP).set("ops/planted-k", planted);
        final CommandLedger.Issued retried = ledger.issue(CommandRecord.issued(ledger.newId(), drone, CommandType.HOLD,
            CommandParameters.NONE, "planted-k", "ops", "127.0.0.1", now, now + 60_000_000_000L));

        assertThat(retried.created()).isTrue();
        assertThat(client.<String, Long>getMap(CommandLedger.KEYS_MAP).get("ops/planted-k"))
            .isEqualTo(retried.command().id());
        assertThat(unreadableOnMember.get() - beforeOnMember).isEqualTo(1);
        assertThat(unreadable.get() - before).isGreaterThanOrEqualTo(2);
        // The planted record is still there, untouched: refusing to read it is not deleting it.
        assertThat(raw.containsKey(planted)).isTrue();
    }

    /**
     * A grid client plants records with a drone's id marked active: unreadable ones (a state no version has), readable
     * ones without a seal, and ones that claim the drone started them. None may count against the drone's limits, or
     * the drone is locked out of every order, stop and cancel included, and its failsafes refused, for good.
     */
    @Test
    void shouldNotLetRecordsAGridClientPlantedLockADroneOutOfItsOrdersOrItsFailsafes()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final IMap<Long, Object> planted = attacker.getMap(CommandLedger.COMMANDS_MAP);
        final List<Long> keys = new java.util.ArrayList<>();
        for (int i = 0; i < 16; i++)
        {
            final long hijacked = 7_000_000_000L + drone * 100 + i;
            planted.set(hijacked, planted(drone, 1_000).setInt64("id", hijacked).setString("state", "HIJACKED").build());
            final long unsealed = 8_000_000_000L + drone * 100 + i;
            planted.set(unsealed, planted(drone, 1_000).setInt64("id", unsealed).build());
            keys.add(hijacked);
            keys.add(unsealed);
        }
        for (int i = 0; i < CommandLedger.MAX_DRONE_STARTED_ACTIVE; i++)
        {
            final long droneStarted = -(9_000_000_000L + drone * 100 + i);
            planted.set(droneStarted, planted(drone, 1_000).setInt64("id", droneStarted)
                .setString("issuedBy", CommandLedger.DRONE_ISSUER).build());
            keys.add(droneStarted);
        }
        try
        {
            assertThat(sealed.issue(command(drone, CommandType.STOP, null), 2).created()).isTrue();
            assertThat(sealed.issue(command(drone, CommandType.HOLD, null), 2).created()).isTrue();
            // The genuine ones still count.
            assertThatThrownBy(() -> sealed.issue(command(drone, CommandType.LAND, null), 2))
                .isInstanceOf(CommandLedger.ActiveLimitException.class)
                .hasMessageContaining("has 2 active commands");
            assertThat(sealed.recordDroneCommand(droneStarted(drone, 1))).isNotNull();
        }
        finally
        {
            keys.forEach(planted::delete);
        }
    }

    /**
     * A grid client reads a drone's active order (sealed, so every copy verifies) and writes it back under 16 keys of
     * its own: the copies counted against the drone's limit, and the sweep (which updates by the record's id) never
     * moved them final, so every new order to the drone, stop included, was refused for good. A record counts only under
     * its own id: copies are left out (counted) of the limits and the sweep's list, and the sweep removes them.
     */
    @Test
    void shouldNotLetCopiesOfAnActiveOrderLockADroneOut()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final CommandRecord order = sealed.issue(command(drone, CommandType.GOTO, null), 16).command();
        final IMap<Long, CommandRecord> planted = attacker.getMap(CommandLedger.COMMANDS_MAP);
        final List<Long> keys = new java.util.ArrayList<>();
        for (int i = 1; i <= 16; i++)
        {
            keys.add(order.id() + 1_000_000_000_000L * i);
            planted.set(keys.get(keys.size() - 1), order);
        }
        try
        {
            final long leftOutBefore = leftOut.get();
            assertThat(sealed.issue(command(drone, CommandType.STOP, null), 16).created()).isTrue();
            assertThat(leftOut.get() - leftOutBefore).as("copies left out, counted").isPositive();

            final java.util.Collection<CommandRecord> active = sealed.active();
            assertThat(active).filteredOn(c -> c.droneId() == drone).as("each order once, under its own id")
                .hasSize(2);
            assertThat(sealed.retireUnreadableActive(active)).as("copies removed by the sweep")
                .isGreaterThanOrEqualTo(16);
            assertThat(keys).noneMatch(planted::containsKey);
            assertThat(sealed.get(order.id())).isEqualTo(order);
        }
        finally
        {
            keys.forEach(planted::delete);
        }
    }

    @Test
    void shouldRemoveRecordsMarkedActiveThatCannotBeReadAndNothingElse()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final IMap<Long, Object> planted = attacker.getMap(CommandLedger.COMMANDS_MAP);
        final long hijacked = 7_500_000_000L + drone;
        planted.set(hijacked, planted(drone, 1_000).setInt64("id", hijacked).setString("state", "HIJACKED").build());
        final CommandRecord genuine = sealed.issue(command(drone, CommandType.HOLD, null)).command();

        assertThat(sealed.retireUnreadableActive(sealed.active())).isGreaterThanOrEqualTo(1);

        assertThat(planted.containsKey(hijacked)).isFalse();
        assertThat(sealed.get(genuine.id())).isEqualTo(genuine);
        assertThat(sealed.retireUnreadableActive(sealed.active())).isZero();
    }

    /**
     * A command refused before it was sent (a geofence) is recorded, sealed, as the audit trail. The seal leaves the
     * state out; a grid client copying the record back as ISSUED must not get an order a relay would fly.
     */
    @Test
    void shouldNotMakeAnOrderOfACopyOfACommandRefusedBeforeItWasSent()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final CommandRecord refused = sealed.issue(command(drone, CommandType.GOTO, null)
            .rejectedBeforeSending(T0 + 1, "the path crosses the keep-out geofence 'stadium'")).command();
        assertThat(sealed.authorised(refused)).isFalse();

        final CommandRecord copy = CommandRecord.issued(refused.id(), refused.droneId(), refused.type(),
            refused.parameters(), refused.idempotencyKey(), refused.issuedBy(), refused.issuedFrom(),
            refused.issuedAtNanos(), refused.expiresAtNanos()).withAuthorisation(refused.authorisation());
        attacker.<Long, CommandRecord>getMap(CommandLedger.COMMANDS_MAP).set(copy.id(), copy);

        final CommandRecord revived = sealed.get(refused.id());
        assertThat(revived.state()).isEqualTo(CommandState.ISSUED);
        assertThat(sealed.authorised(revived)).as("a refusal copied back is no order").isFalse();
        assertThat(sealed.authorised(sealed.issue(command(drone, CommandType.GOTO, null)).command())).isTrue();
    }

    /**
     * Records a grid client planted with a drone's id are not its history: a list leaves them out (and reads on to fill
     * itself with genuine ones), and one dated far ahead does not top every list for good, even where no key can tell.
     */
    @Test
    void shouldListOnlyGenuineCommandsAroundRecordsAGridClientPlanted()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final IMap<Long, Object> planted = attacker.getMap(CommandLedger.COMMANDS_MAP);
        final CommandRecord older = sealed.issue(command(drone, CommandType.HOLD, null, T0)).command();
        final CommandRecord newer = sealed.issue(command(drone, CommandType.LAND, null, T0 + 1)).command();
        final List<Long> keys = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++)
        {
            final long key = 6_000_000_000L + drone * 100 + i;
            planted.set(key, planted(drone, T0 + 1_000 + i).setInt64("id", key).build());
            keys.add(key);
        }
        final long future = 6_000_000_099L + drone * 100;
        planted.set(future, planted(drone, Long.MAX_VALUE / 2).setInt64("id", future).build());
        keys.add(future);
        try
        {
            assertThat(sealed.list(drone, null, false, 2)).extracting(CommandRecord::id)
                .containsExactly(newer.id(), older.id());
            assertThat(ledger.list(drone, null, false, 1)).extracting(CommandRecord::id)
                .as("dated ahead of the clock: never listed").doesNotContain(future);
        }
        finally
        {
            keys.forEach(planted::delete);
        }
    }

    /**
     * A grid client reads a drone's newest sealed final record and writes it back under keys of its own, its state
     * changed (the seal leaves the state and the journal marks out, so every copy verified), and once more over the key
     * of an older genuine record: the drone's list showed that one command 20 times and none of its other real
     * finals (and the copies' altered state). A sealed record counts once, under its own id: copies are left out of
     * every list and counted, and the ingest sweep removes them as planted records.
     */
    @Test
    void shouldListADronesSealedCommandOnceWhateverCopiesOfItAGridClientWritesBack()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final List<CommandRecord> genuine = new java.util.ArrayList<>();
        for (int i = 1; i <= 30; i++)
        {
            genuine.add(sealed.issue(command(drone, CommandType.GOTO, null, T0 + i)
                .rejectedBeforeSending(T0 + i, "fence")).command());
        }
        final CommandRecord newest = sealed.get(genuine.get(genuine.size() - 1).id());
        final CommandRecord altered = CommandUpdate.journaled(newest.transitionCount()).apply(newest);
        final IMap<Long, CommandRecord> planted = attacker.getMap(CommandLedger.COMMANDS_MAP);
        final java.util.Map<Long, CommandRecord> copies = new java.util.HashMap<>();
        for (int i = 0; i < CommandLedger.MAX_FINAL_PER_DRONE; i++)
        {
            copies.put(-(drone * 1_000 + i), i % 2 == 0 ? newest : altered);
        }
        planted.putAll(copies);
        final CommandRecord overwritten = genuine.remove(0);
        planted.set(overwritten.id(), newest);
        try
        {
            final long leftOutBefore = leftOut.get();

            final List<CommandRecord> before = sealed.list(drone, null, false, 20);
            assertThat(before).extracting(CommandRecord::id).as("each command listed once, as recorded")
                .doesNotHaveDuplicates().isSubsetOf(genuine.stream().map(CommandRecord::id).toList());
            assertThat(before).extracting(CommandRecord::journaled).as("no altered copy listed")
                .doesNotContain(altered.journaled());
            assertThat(leftOut.get() - leftOutBefore).as("copies left out, counted").isPositive();

            // The ingest sweep removes them (a list reads four pages around what it leaves out: 101 copies of one
            // command fill them until then, as any records planted with the drone's id do).
            for (int pass = 0; pass < 60; pass++)
            {
                sealed.removeUnsealedFinal();
            }
            final List<Long> listed = sealed.list(drone, null, false, 20).stream().map(CommandRecord::id).toList();

            final List<Long> newestTwenty = new java.util.ArrayList<>(genuine.subList(genuine.size() - 20,
                genuine.size()).stream().map(CommandRecord::id).toList());
            java.util.Collections.reverse(newestTwenty);
            assertThat(listed).as("the drone's 20 newest commands, each once").containsExactlyElementsOf(newestTwenty);
        }
        finally
        {
            copies.keySet().forEach(planted::delete);
            planted.delete(overwritten.id());
        }
    }

    /**
     * Hundreds of unsealed final records a grid client planted with a drone's id, dated just after its real history:
     * every list of the drone comes back empty (it reads four pages around them, then gives up). Walking the
     * partitions as the ingest sweep does, a holder of the command key removes them, counts them, and the real history
     * is listed again; a record sealed under another key (before a rotation) goes too once journaled, while one no
     * journal holds yet (no relay named) stays until the sweep's journaling reached it.
     */
    @Test
    void shouldRemoveUnsealedFinalRecordsSoTheyNoLongerPushRealHistoryOffTheLists()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final CommandRecord older = sealed.issue(command(drone, CommandType.HOLD, null, T0)
            .rejectedBeforeSending(T0, "fence")).command();
        final CommandRecord newer = sealed.issue(command(drone, CommandType.LAND, null, T0 + 1)
            .rejectedBeforeSending(T0 + 1, "fence")).command();
        final IMap<Long, CommandRecord> planted = attacker.getMap(CommandLedger.COMMANDS_MAP);
        final List<Long> keys = new java.util.ArrayList<>();
        for (int i = 0; i < 300; i++)
        {
            final long key = 4_000_000_000L + drone * 1_000 + i;
            planted.set(key, plantedFinal(key, drone, T0 + 1_000 + i));
            keys.add(key);
        }
        final CommandRecord otherKey = new CommandAuthority(new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
            16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}).authorise(command(drone, CommandType.HOLD,
            null, T0 + 2).rejectedBeforeSending(T0 + 2, "fence"));
        planted.set(otherKey.id(), CommandUpdate.journaled(otherKey.transitionCount()).apply(otherKey));
        final CommandRecord awaitingJournal = command(drone, CommandType.HOLD, null, T0 + 3)
            .rejectedBeforeSending(T0 + 3, "fence");
        planted.set(awaitingJournal.id(), awaitingJournal);
        keys.add(otherKey.id());
        keys.add(awaitingJournal.id());
        try
        {
            assertThat(sealed.list(drone, null, false, 2)).as("the attack: no history listed").isEmpty();
            final long before = unsealedRemoved.get();

            int removed = 0;
            for (int pass = 0; pass < 60; pass++)
            {
                removed += sealed.removeUnsealedFinal();
            }

            assertThat(sealed.list(drone, null, false, 2)).extracting(CommandRecord::id)
                .containsExactly(newer.id(), older.id());
            assertThat(removed).isGreaterThanOrEqualTo(301);
            assertThat(unsealedRemoved.get() - before).isEqualTo(removed);
            assertThat(planted.containsKey(otherKey.id())).isFalse();
            assertThat(planted.containsKey(awaitingJournal.id())).as("kept until journaled").isTrue();
            assertThat(ledger.removeUnsealedFinal()).as("without the key nothing can be told").isZero();
        }
        finally
        {
            keys.forEach(planted::delete);
        }
    }

    /**
     * The map takes keys of any type: records a grid client planted under text keys (an unsealed final one, and a
     * sealed copy of a genuine one) threw in the walk (the cast of each key to a command id) every second on every
     * ingest node, before its geofence guard ran, and in a drone's bound on its final commands (every order of that
     * drone answered 500 once 101 of them were there). Both go, as planted records, and neither stops the rest.
     */
    @Test
    void shouldRemoveRecordsPlantedUnderKeysThatAreNoCommandIdWithoutFailingTheWalkOrTheBound()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final CommandRecord genuine = sealed.issue(command(drone, CommandType.HOLD, null, T0)
            .rejectedBeforeSending(T0, "fence")).command();
        final IMap<Object, Object> raw = attacker.getMap(CommandLedger.COMMANDS_MAP);
        final List<Object> keys = new java.util.ArrayList<>();
        for (int i = 0; i < CommandLedger.MAX_FINAL_PER_DRONE; i++)
        {
            final long id = 6_000_000_000L + drone * 1_000 + i;
            raw.set("text-" + i, plantedFinal(id, drone, T0 + 1_000 + i));
            keys.add("text-" + i);
        }
        raw.set("copy", sealed.get(genuine.id()));
        keys.add("copy");
        try
        {
            // The bound: 1 genuine + 101 planted + this one, over by 3; the planted go first, and the order is recorded.
            final CommandRecord next = sealed.issue(command(drone, CommandType.LAND, null, T0 + 50_000)
                .rejectedBeforeSending(T0 + 50_000, "fence")).command();
            assertThat(sealed.get(genuine.id())).isNotNull();
            assertThat(sealed.get(next.id())).isNotNull();

            int removed = 0;
            for (int pass = 0; pass < 60; pass++)
            {
                removed += sealed.removeUnsealedFinal();
            }

            for (final Object key : keys)
            {
                assertThat(raw.containsKey(key)).as("planted under %s", key).isFalse();
            }
            assertThat(removed).isGreaterThanOrEqualTo(CommandLedger.MAX_FINAL_PER_DRONE + 1 - 3);
            assertThat(sealed.list(drone, null, false, 5)).extracting(CommandRecord::id)
                .containsExactly(next.id(), genuine.id());
        }
        finally
        {
            keys.forEach(raw::delete);
        }
    }

    /**
     * A grid client with classes of its own writes records of a drone under keys of a class no member and no gateway
     * has (Java-serialized; the class here exists only as the client's bytes): one final naming a genuine record's id,
     * a sealed copy of the drone's newest, one marked active. A query naming keys reads each key it weighs on the
     * members, and those keys cannot be read there: the drone's orders past its bound, its lists, the relay's sweep
     * must neither fail nor stop for it; such keys are skipped and counted.
     */
    @Test
    void shouldGoOnOrderingAndListingADroneWhoseRecordsAGridClientKeyedWithAClassTheMembersLack()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final List<CommandRecord> genuine = new java.util.ArrayList<>();
        for (int i = 1; i <= CommandLedger.MAX_FINAL_PER_DRONE + 2; i++)
        {
            genuine.add(sealed.issue(command(drone, CommandType.GOTO, null, T0 + i)
                .rejectedBeforeSending(T0 + i, "fence")).command());
        }
        final IMap<Object, Object> raw = attacker.getMap(CommandLedger.COMMANDS_MAP);
        final List<Object> keys = List.of(foreignKey(drone * 10), foreignKey(drone * 10 + 1),
            foreignKey(drone * 10 + 2));
        raw.set(keys.get(0), plantedFinal(genuine.get(50).id(), drone, T0 + 60));
        raw.set(keys.get(1), sealed.get(genuine.get(genuine.size() - 1).id()));
        raw.set(keys.get(2), command(drone, CommandType.HOLD, null, T0 + 70));
        try
        {
            final long unreadableBefore = unreadable.get();
            for (int order = 0; order < 3; order++)
            {
                genuine.add(sealed.issue(command(drone, CommandType.GOTO, null, T0 + 1_000 + order)
                    .rejectedBeforeSending(T0 + 1_000 + order, "fence")).command());
            }
            assertThat(sealed.get(genuine.get(genuine.size() - 1).id())).as("the last order recorded").isNotNull();

            final List<Long> listed = sealed.list(drone, null, false, 3).stream().map(CommandRecord::id).toList();
            assertThat(listed).as("the drone's newest commands").containsExactly(
                genuine.get(genuine.size() - 1).id(), genuine.get(genuine.size() - 2).id(),
                genuine.get(genuine.size() - 3).id());

            for (int pass = 0; pass < 60; pass++)
            {
                sealed.removeUnsealedFinal();
            }
            sealed.retireUnreadableActive(sealed.active());
            assertThat(unreadable.get() - unreadableBefore).as("keys skipped, counted").isPositive();
            assertThat(sealed.get(genuine.get(genuine.size() - 2).id())).as("a genuine record kept").isNotNull();
        }
        finally
        {
            keys.forEach(raw::delete);
        }
    }

    /**
     * A grid client names its key's class with a name that ends with one of ours that runs on the members
     * ({@code x.io.odyssey.grid.ledger.CommandLedger$KeyOrder}, and with a space before our name, which a stream's
     * class name may hold): the members fail the drone's bound on it, and the ledger took the failure for a member
     * lacking our class: every order of the drone past its bound answered 503 (after being stored), with a false
     * "member cannot load KeyOrder" WARN. The orders go on; the keys are counted as left unread.
     */
    @Test
    void shouldTakeAKeyNamedLikeAClassOfOursThatRunsOnTheMembersForAPlantedOne()
    {
        for (final String name : new String[]{"x." + CommandLedger.KEY_ORDER_NAME, "x " + CommandLedger.KEY_ORDER_NAME,
            "x." + CommandLedger.class.getName() + "$NewestFirst"})
        {
            final long drone = NEXT_DRONE.incrementAndGet();
            for (int i = 1; i <= CommandLedger.MAX_FINAL_PER_DRONE; i++)
            {
                sealed.issue(command(drone, CommandType.GOTO, null, T0 + i).rejectedBeforeSending(T0 + i, "fence"));
            }
            final IMap<Object, Object> raw = attacker.getMap(CommandLedger.COMMANDS_MAP);
            final Object key = keyNamed(drone * 10, name);
            raw.set(key, plantedFinal(drone * 1_000_000L + 9, drone, T0 + 60));
            try
            {
                final long deferredBefore = trimDeferred.get();
                for (int order = 0; order < 3; order++)
                {
                    final CommandRecord issued = sealed.issue(command(drone, CommandType.GOTO, null, T0 + 1_000 + order)
                        .rejectedBeforeSending(T0 + 1_000 + order, "fence")).command();
                    assertThat(sealed.get(issued.id())).as("%s: the order recorded", name).isNotNull();
                }
                // Never read by the bound (no command id, by its stored type): counted as what each order left.
                assertThat(trimDeferred.get() - deferredBefore).as("%s: the key counted", name).isPositive();
            }
            finally
            {
                raw.delete(key);
            }
        }
    }

    /**
     * A grid client plants a final record of a drone under a key of a class no member has, the drone's id in it. The
     * bound on the drone's final commands named keys ("__key") in its member queries, so each order past the bound
     * made a member read that key and log an ERROR (and failed the bound: the drone grew past it for as long as the key
     * stayed). The members weigh keys with a predicate that takes an unreadable key for "not one of these": no ERROR
     * anywhere, and the drone's genuine records stay at the bound (the planted key cannot be named to delete, and is no
     * genuine record to keep).
     */
    @Test
    void shouldKeepADroneToItsBoundWithoutAMemberErrorWhateverKeyAGridClientPlantsWithItsId()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final List<Long> issued = new java.util.ArrayList<>();
        for (int i = 1; i <= CommandLedger.MAX_FINAL_PER_DRONE + 2; i++)
        {
            issued.add(sealed.issue(command(drone, CommandType.GOTO, null, T0 + i)
                .rejectedBeforeSending(T0 + i, "fence")).command().id());
        }
        final IMap<Object, Object> raw = attacker.getMap(CommandLedger.COMMANDS_MAP);
        // Several: two such keys tie in the members' order of a batch, where Hazelcast reads both keys itself.
        final List<Object> keys = List.of(foreignKey(drone * 10), foreignKey(drone * 10 + 1),
            foreignKey(drone * 10 + 2));
        for (int i = 0; i < keys.size(); i++)
        {
            raw.set(keys.get(i), plantedFinal(drone * 1_000_000L + 9 + i, drone, T0 + 60 + i));
        }
        try
        {
            for (int order = 0; order < 5; order++)
            {
                issued.add(sealed.issue(command(drone, CommandType.GOTO, null, T0 + 1_000 + order)
                    .rejectedBeforeSending(T0 + 1_000 + order, "fence")).command().id());
                assertThat(sealed.get(issued.get(issued.size() - 1))).as("the order recorded").isNotNull();
            }
            final java.util.Set<Object> left = new java.util.HashSet<>();
            for (final java.util.Iterator<Object> it = raw.keySet(
                com.hazelcast.query.Predicates.equal("droneId", drone)).iterator(); it.hasNext(); )
            {
                try
                {
                    left.add(it.next());
                }
                catch (final com.hazelcast.nio.serialization.HazelcastSerializationException unreadableKey)
                {
                    // A planted key: nobody here can read it.
                }
            }
            assertThat(left).as("the drone's genuine records back to the bound, the newest kept")
                .containsExactlyInAnyOrderElementsOf(
                    issued.subList(issued.size() - CommandLedger.MAX_FINAL_PER_DRONE, issued.size()));
        }
        finally
        {
            keys.forEach(raw::delete);
        }
    }

    /**
     * A page of the bound ends on its 128th key, and Hazelcast reads that entry (member and client) as the next page's
     * anchor. Keys that are no command id sorted last, so 128 or more of a class nobody has, written with a drone's id
     * in one putAll, made that anchor one nobody can read: the whole query failed, the bound waited, and the drone grew
     * a record per order for good. Such keys never reach the page now (decided from their stored type, never read).
     */
    @Test
    void shouldKeepADroneToItsBoundWhateverNumberOfKeysOfAClassNobodyHasAGridClientPlantsAtOnce()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final List<Long> issued = new java.util.ArrayList<>();
        for (int i = 1; i <= CommandLedger.MAX_FINAL_PER_DRONE + 2; i++)
        {
            issued.add(sealed.issue(command(drone, CommandType.GOTO, null, T0 + i)
                .rejectedBeforeSending(T0 + i, "fence")).command().id());
        }
        final IMap<Object, Object> raw = attacker.getMap(CommandLedger.COMMANDS_MAP);
        final java.util.Map<Object, Object> planted = new java.util.HashMap<>();
        for (int i = 0; i < 130; i++)
        {
            planted.put(foreignKey(drone * 1_000 + i), plantedFinal(drone * 1_000_000L + 9 + i, drone, T0 + 60 + i));
        }
        raw.putAll(planted);
        try
        {
            for (int order = 0; order < 5; order++)
            {
                issued.add(sealed.issue(command(drone, CommandType.GOTO, null, T0 + 1_000 + order)
                    .rejectedBeforeSending(T0 + 1_000 + order, "fence")).command().id());
            }
            assertThat(genuineKeysOf(raw, drone)).as("the drone's genuine records back to the bound, the newest kept")
                .containsExactlyInAnyOrderElementsOf(
                    issued.subList(issued.size() - CommandLedger.MAX_FINAL_PER_DRONE, issued.size()));
        }
        finally
        {
            planted.keySet().forEach(raw::delete);
        }
    }

    /**
     * Keys the members cannot read, compared while choosing a bound's page: Hazelcast does not keep a failed read, so
     * each comparison read (and failed on) a planted key again, N log N failed deserializations on a partition thread
     * per order for N planted keys. Counted by the key itself: orders past the bound and a list read none of them.
     */
    @Test
    void shouldNotReadAPlantedKeyOnTheMembersForAnOrderPastTheBoundOrAList()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        for (int i = 1; i <= CommandLedger.MAX_FINAL_PER_DRONE + 1; i++)
        {
            sealed.issue(command(drone, CommandType.GOTO, null, T0 + i).rejectedBeforeSending(T0 + i, "fence"));
        }
        final IMap<Object, Object> raw = attacker.getMap(CommandLedger.COMMANDS_MAP);
        final java.util.Map<Object, Object> planted = new java.util.HashMap<>();
        for (int i = 0; i < 40; i++)
        {
            planted.put(new CountingKey(drone * 1_000 + i),
                plantedFinal(drone * 1_000_000L + 9 + i, drone, T0 + 60 + i));
        }
        raw.putAll(planted);
        try
        {
            CountingKey.READS.set(0);
            for (int order = 0; order < 3; order++)
            {
                sealed.issue(command(drone, CommandType.GOTO, null, T0 + 1_000 + order)
                    .rejectedBeforeSending(T0 + 1_000 + order, "fence"));
            }
            sealed.list(drone, null, false, 5);
            assertThat(CountingKey.READS.get()).as("planted keys read (and failed) for 3 orders and a list").isZero();
        }
        finally
        {
            planted.keySet().forEach(raw::delete);
        }
    }

    /** A key that fails every read, as one of a class a member lacks does, and counts each attempt. */
    static final class CountingKey implements java.io.Serializable
    {
        private static final long serialVersionUID = 1L;
        static final AtomicLong READS = new AtomicLong();
        private final long n;

        CountingKey(final long n)
        {
            this.n = n;
        }

        private void readObject(final java.io.ObjectInputStream in) throws java.io.IOException
        {
            READS.incrementAndGet();
            throw new java.io.InvalidObjectException("planted key " + n);
        }
    }

    /** The keys holding records of {@code drone} that can be read (planted keys of classes nobody has skipped). */
    private static java.util.Set<Object> genuineKeysOf(final IMap<Object, Object> raw, final long drone)
    {
        final java.util.Set<Object> left = new java.util.HashSet<>();
        for (final java.util.Iterator<Object> it = raw.keySet(
            com.hazelcast.query.Predicates.equal("droneId", drone)).iterator(); it.hasNext(); )
        {
            try
            {
                left.add(it.next());
            }
            catch (final com.hazelcast.nio.serialization.HazelcastSerializationException unreadableKey)
            {
                // A planted key: nobody here can read it.
            }
        }
        return left;
    }

    /**
     * A planted key whose class name holds the name of every class of ours that runs on the members: each failure that
     * names one was probed (a query over no record per class named, one of them an entry processor on every partition),
     * so each order past the drone's bound cost ~5 more cluster-wide operations, for as long as the key stayed. A class
     * the members were found to run is remembered a minute: N orders, or N such failures, cost a probe per class.
     */
    @Test
    void shouldProbeEachClassOfOursAtMostOnceAMinuteWhateverAPlantedKeyNames()
    {
        final String all = String.join(" ", CommandLedger.oursOnMembers());
        final CommandLedger fresh = new CommandLedger(client, null, new CommandAuthority(new byte[32]))
            .countingUnreadable(unreadable);
        final long drone = NEXT_DRONE.incrementAndGet();
        for (int i = 1; i <= CommandLedger.MAX_FINAL_PER_DRONE + 1; i++)
        {
            fresh.issue(command(drone, CommandType.GOTO, null, T0 + i).rejectedBeforeSending(T0 + i, "fence"));
        }
        final IMap<Object, Object> raw = attacker.getMap(CommandLedger.COMMANDS_MAP);
        final Object key = keyNamed(drone * 10, "x " + all);
        raw.set(key, plantedFinal(drone * 1_000_000L + 9, drone, T0 + 60));
        try
        {
            for (int order = 0; order < 10; order++)
            {
                fresh.issue(command(drone, CommandType.GOTO, null, T0 + 1_000 + order)
                    .rejectedBeforeSending(T0 + 1_000 + order, "fence"));
            }
            final com.hazelcast.nio.serialization.HazelcastSerializationException failure =
                new com.hazelcast.nio.serialization.HazelcastSerializationException(
                    "java.lang.ClassNotFoundException: x " + all);
            for (int n = 0; n < 10; n++)
            {
                assertThat(fresh.membersLack(failure, CommandLedger.oursOnMembers()))
                    .as("members that run every class of ours lack none").isFalse();
            }
            assertThat(fresh.membersProbed()).as("probes over 10 orders and 10 failures naming every class of ours")
                .isLessThanOrEqualTo(CommandLedger.oursOnMembers().size());
        }
        finally
        {
            raw.delete(key);
        }
    }

    /**
     * ONE final record of any drone under a key of a class the members lack: the removal of evicted records named keys
     * ("__key") over every final record in the fleet, so it failed on each drone's bound and each sweep, with an ERROR
     * on a member every time (and fell back to deleting without the "still final" check). The removal names its keys
     * only, and still takes nothing that became active again.
     */
    @Test
    void shouldKeepADroneToItsBoundWithoutErrorsWhateverKeyAnotherDronesRecordIsUnder()
    {
        final long other = NEXT_DRONE.incrementAndGet();
        final long drone = NEXT_DRONE.incrementAndGet();
        final IMap<Object, Object> raw = attacker.getMap(CommandLedger.COMMANDS_MAP);
        final Object key = foreignKey(other * 10);
        raw.set(key, plantedFinal(other * 10, other, T0));
        try
        {
            final List<Long> issued = new java.util.ArrayList<>();
            for (int i = 1; i <= CommandLedger.MAX_FINAL_PER_DRONE + 3; i++)
            {
                issued.add(sealed.issue(command(drone, CommandType.GOTO, null, T0 + i)
                    .rejectedBeforeSending(T0 + i, "fence")).command().id());
            }
            assertThat(client.getMap(CommandLedger.COMMANDS_MAP).keySet(
                com.hazelcast.query.Predicates.equal("droneId", drone)))
                .as("the drone back to its bound, its oldest gone")
                .containsExactlyInAnyOrderElementsOf(
                    issued.subList(issued.size() - CommandLedger.MAX_FINAL_PER_DRONE, issued.size()));
        }
        finally
        {
            raw.delete(key);
        }
    }

    /**
     * The review of eviction by key: a final record planted as a value of a Compact type nobody here has comes back on
     * the member as a GenericRecord, which the eviction's processor read as a CommandRecord: a ClassCastException on
     * the member at every eviction of that drone, and every order of it past its bound answered 500 (the order already
     * stored). Now the processor takes whatever the value is, and one that is no record of ours is deleted.
     */
    @Test
    void shouldEvictAPlantedValueOfACompactTypeNobodyHasWithoutFailingTheDronesOrders()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final IMap<Object, Object> raw = attacker.getMap(CommandLedger.COMMANDS_MAP);
        final long key = drone * 1_000_000L + 7;
        raw.set(key, com.hazelcast.nio.serialization.genericrecord.GenericRecordBuilder.compact("evil")
            .setInt64("id", key).setInt64("droneId", drone).setBoolean("active", false)
            .setInt64("issuedAtNanos", T0).build());
        try
        {
            for (int i = 1; i <= CommandLedger.MAX_FINAL_PER_DRONE + 3; i++)
            {
                sealed.issue(command(drone, CommandType.GOTO, null, T0 + i).rejectedBeforeSending(T0 + i, "fence"));
            }
            assertThat(raw.containsKey(key)).as("the planted value evicted").isFalse();
        }
        finally
        {
            raw.delete(key);
        }
    }

    /**
     * A page of a list ends on an anchor the client reads: a grid client planted as many records as a list's limit
     * under keys of a class nobody here has, dated just ahead (inside what a list still asks for), and every list of the
     * drone failed (the gateway's {@code GET /api/v1/commands?droneId=} answered 500), then came back empty (the list
     * stopped paging there). The members leave such keys out of every list: the genuine record is listed.
     */
    @Test
    void shouldAnswerADronesListWhenAPageEndsOnAKeyOfAClassNobodyHereHas()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final int limit = 5;
        final CommandRecord genuine = sealed.issue(command(drone, CommandType.HOLD, null, T0)).command();
        final IMap<Object, Object> raw = attacker.getMap(CommandLedger.COMMANDS_MAP);
        final long ahead = System.currentTimeMillis() * 1_000_000L + TimeUnit.MINUTES.toNanos(4);
        final List<Object> keys = new java.util.ArrayList<>();
        for (int i = 0; i < limit + 1; i++)
        {
            keys.add(foreignKey(drone * 10 + i));
            raw.set(keys.get(i), plantedFinal(drone * 10 + i, drone, ahead + i));
        }
        try
        {
            assertThat(sealed.list(drone, null, false, limit)).extracting(CommandRecord::id)
                .as("the genuine record, no planted one").containsExactly(genuine.id());
            assertThat(ledger.list(drone, null, false, limit)).extracting(CommandRecord::id)
                .containsExactly(genuine.id());
        }
        finally
        {
            keys.forEach(raw::delete);
        }
    }

    /**
     * A grid client plants a few final records under keys of a class nobody here has, dated just ahead of now (inside
     * what a list still asks for), one naming another drone: the drone's list, the fleet list ({@code GET /commands})
     * and the first list of every {@code /ws/commands} watcher ({@link CommandLedger#recent}) came back short or empty
     * while they lasted (a member failed each query on them, an ERROR there each time, or the client stopped at one
     * as a page's anchor). Every list answers the honest drone's newest orders in full, no ERROR logged.
     */
    @Test
    void shouldListADronesNewestOrdersInFullWhateverKeysOfAClassNobodyHasAreDatedAheadOfThem()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final long other = NEXT_DRONE.incrementAndGet();
        final long now = System.currentTimeMillis() * 1_000_000L;
        // Dated after anything else in this class (some tests date records a few minutes ahead of now): the newest.
        final long at = now + TimeUnit.MINUTES.toNanos(4);
        final List<Long> newestFirst = new java.util.ArrayList<>();
        for (int i = 0; i < 8; i++)
        {
            newestFirst.add(0, sealed.issue(command(drone, CommandType.GOTO, null, at + i)
                .rejectedBeforeSending(at + i, "fence")).command().id());
        }
        final IMap<Object, Object> raw = attacker.getMap(CommandLedger.COMMANDS_MAP);
        final List<Object> keys = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            keys.add(foreignKey(drone * 100 + i));
            raw.set(keys.get(i), plantedFinal(drone * 100 + i, i == 2 ? other : drone, at + 100 + i));
        }
        try
        {
            // As many as the planted ones (a page of them alone), and more (a page ending on a genuine one).
            for (final int limit : new int[]{2, 3, 5})
            {
                final List<Long> newest = newestFirst.subList(0, limit);
                assertThat(sealed.list(drone, null, false, limit)).extracting(CommandRecord::id)
                    .as("the drone's list of %d", limit).containsExactlyElementsOf(newest);
                assertThat(sealed.list(0, null, false, limit)).extracting(CommandRecord::id)
                    .as("the fleet list of %d", limit).containsExactlyElementsOf(newest);
                assertThat(sealed.recent(limit)).extracting(CommandRecord::id)
                    .as("a new watcher's first list of %d", limit).containsExactlyElementsOf(newest);
            }
            assertThat(ledger.list(drone, null, false, 8)).extracting(CommandRecord::id)
                .as("the drone's list, read without the command key").containsExactlyElementsOf(newestFirst);
        }
        finally
        {
            keys.forEach(raw::delete);
        }
    }

    /**
     * A grid client stores, under command ids (Long keys, as every list asks for), values of a Compact type nobody has
     * ("evil", with a drone, an issue time just ahead of the drone's orders and "active"): the members read each as a
     * GenericRecord, the list's order read it as a command record and failed with a ClassCastException, and the
     * drone's list, the fleet list ({@code GET /api/v1/commands}) and every new {@code /ws/commands} watcher's first
     * list answered 500, with an ERROR on the member and one per request. Every list answers the drone's newest orders
     * in full, no ERROR logged, the planted values counted as unreadable.
     */
    @Test
    void shouldListADronesNewestOrdersInFullWhateverValuesOfACompactTypeNobodyHasAreStoredUnderCommandIds()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final long other = NEXT_DRONE.incrementAndGet();
        // Dated after anything else in this class (some tests date records a few minutes ahead of now): the newest.
        final long at = System.currentTimeMillis() * 1_000_000L + TimeUnit.MINUTES.toNanos(4) + 1_000;
        final List<Long> newestFirst = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++)
        {
            newestFirst.add(0, sealed.issue(command(drone, CommandType.GOTO, null, at + i)
                .rejectedBeforeSending(at + i, "fence")).command().id());
        }
        final IMap<Object, Object> raw = attacker.getMap(CommandLedger.COMMANDS_MAP);
        final List<Long> keys = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            final long key = drone * 1_000_000L + 500 + i;
            keys.add(key);
            raw.set(key, GenericRecordBuilder.compact("evil").setInt64("id", key)
                .setInt64("droneId", i == 2 ? other : drone).setBoolean("active", i == 0)
                .setInt64("issuedAtNanos", at + 100 + i).build());
        }
        try
        {
            final long unreadableBefore = unreadable.get();
            // As many as the planted ones (a page of them alone), and more (a page ending on a genuine one).
            for (final int limit : new int[]{2, 3, 5})
            {
                final List<Long> newest = newestFirst.subList(0, limit);
                assertThat(sealed.list(drone, null, false, limit)).extracting(CommandRecord::id)
                    .as("the drone's list of %d", limit).containsExactlyElementsOf(newest);
                assertThat(sealed.list(0, null, false, limit)).extracting(CommandRecord::id)
                    .as("the fleet list of %d", limit).containsExactlyElementsOf(newest);
                assertThat(sealed.recent(limit)).extracting(CommandRecord::id)
                    .as("a new watcher's first list of %d", limit).containsExactlyElementsOf(newest);
            }
            assertThat(ledger.list(drone, null, true, 5)).as("the drone's active orders: none").isEmpty();
            assertThat(ledger.list(drone, null, false, 6)).extracting(CommandRecord::id)
                .as("the drone's list, read without the command key").containsExactlyElementsOf(newestFirst);
            assertThat(unreadable.get()).as("the planted values counted as unreadable").isGreaterThan(unreadableBefore);
        }
        finally
        {
            keys.forEach(raw::delete);
        }
    }

    /**
     * The same values read by id and by the relays' journal pass: a grid client writes one of a Compact type nobody has
     * over a command's id (or a drone's next own id), marked final and unjournaled. The typed reads cast it: the
     * command's {@code GET /api/v1/commands/{id}}, the relay's read of a target or of a drone's own id, and every pass
     * of the relays' transition recorder over the unjournaled ones failed with a ClassCastException. Each reads it as
     * no record, counted as unreadable.
     */
    @Test
    void shouldReadAValueOfACompactTypeNobodyHasUnderACommandIdAsNoRecord()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final long id = sealed.issue(command(drone, CommandType.HOLD, null, T0)).command().id();
        final IMap<Object, Object> raw = attacker.getMap(CommandLedger.COMMANDS_MAP);
        raw.set(id, GenericRecordBuilder.compact("evil").setInt64("id", id).setInt64("droneId", drone)
            .setBoolean("active", false).setBoolean("unjournaled", true).setInt64("issuedAtNanos", T0).build());
        try
        {
            final long unreadableBefore = unreadable.get();
            assertThat(sealed.get(id)).as("the command by its id").isNull();
            assertThat(sealed.unjournaledFinal()).as("the final records no journal has yet")
                .allSatisfy(record -> assertThat(record.id()).isNotEqualTo(id));
            assertThat(unreadable.get()).as("counted as unreadable").isGreaterThanOrEqualTo(unreadableBefore + 2);
        }
        finally
        {
            raw.delete(id);
        }
    }

    /**
     * A key of a class this process and the members lack, as a grid client with that class writes it: a key of a
     * class it has, Java-serialized, with the class's name changed in the bytes to one nobody here can load.
     */
    private static Object foreignKey(final long n)
    {
        final com.hazelcast.internal.serialization.SerializationService serialization =
            ((com.hazelcast.spi.impl.SerializationServiceSupport)attacker).getSerializationService();
        final byte[] bytes = serialization.toData(new ForeignKey(n)).toByteArray();
        final byte[] name = ForeignKey.class.getName().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i + name.length <= bytes.length; i++)
        {
            if (java.util.Arrays.equals(bytes, i, i + name.length, name, 0, name.length))
            {
                bytes[i + name.length - 1] = 'z';
                return new com.hazelcast.internal.serialization.impl.HeapData(bytes);
            }
        }
        throw new IllegalStateException("no class name in the key's bytes");
    }

    /**
     * A key as a grid client writes it Java-serialized with any class name in its bytes (a stream names its class as
     * text, which the writer chooses): {@link ForeignKey}'s bytes with the name and its length rewritten.
     */
    private static Object keyNamed(final long n, final String className)
    {
        final com.hazelcast.internal.serialization.SerializationService serialization =
            ((com.hazelcast.spi.impl.SerializationServiceSupport)attacker).getSerializationService();
        final byte[] bytes = serialization.toData(new ForeignKey(n)).toByteArray();
        final byte[] name = ForeignKey.class.getName().getBytes(java.nio.charset.StandardCharsets.UTF_8);
        final byte[] wanted = className.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 2; i + name.length <= bytes.length; i++)
        {
            if (java.util.Arrays.equals(bytes, i, i + name.length, name, 0, name.length))
            {
                final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                out.write(bytes, 0, i - 2);
                out.write(wanted.length >>> 8);
                out.write(wanted.length & 0xff);
                out.write(wanted, 0, wanted.length);
                out.write(bytes, i + name.length, bytes.length - i - name.length);
                return new com.hazelcast.internal.serialization.impl.HeapData(out.toByteArray());
            }
        }
        throw new IllegalStateException("no class name in the key's bytes");
    }

    /** The template of {@link #foreignKey}: its name ends in "ForeignKez" on the grid. */
    static final class ForeignKey implements java.io.Serializable
    {
        private static final long serialVersionUID = 1L;
        private final long n;

        ForeignKey(final long n)
        {
            this.n = n;
        }
    }

    /**
     * A grid client chooses keys, so it can fill one partition: the walk read a whole block of partitions at a time,
     * at least one, and 1,000 planted records in one partition were read (and verified) in one call on the relay's
     * thread (200,000 would have held it ~16 s). A call now reads at most a batch, and the walk still clears them all.
     */
    @Test
    void shouldReadABatchOfRecordsACallHoweverManyAGridClientPutInOnePartition()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final IMap<Long, CommandRecord> planted = attacker.getMap(CommandLedger.COMMANDS_MAP);
        final com.hazelcast.partition.PartitionService partitions = client.getPartitionService();
        final int partition = partitions.getPartition(7_000_000_000L + drone * 10_000).getPartitionId();
        final java.util.Map<Long, CommandRecord> batch = new java.util.HashMap<>();
        for (long key = 7_000_000_000L + drone * 10_000; batch.size() < 1_000; key++)
        {
            if (partitions.getPartition(key).getPartitionId() == partition)
            {
                batch.put(key, plantedFinal(key, drone, T0 + key % 1_000_000));
            }
        }
        planted.putAll(batch);
        try
        {
            int removed = 0;
            int largest = 0;
            for (int pass = 0; pass < 200 && removed < batch.size(); pass++)
            {
                final int now = sealed.removeUnsealedFinal();
                largest = Math.max(largest, now);
                removed += now;
            }
            assertThat(largest).as("records removed by one call").isLessThanOrEqualTo(CommandLedger.UNSEALED_SCAN_RECORDS);
            assertThat(batch.keySet()).noneMatch(planted::containsKey);
        }
        finally
        {
            batch.keySet().forEach(planted::delete);
        }
    }

    /** A final record as a grid client plants it: unsealed, marked journaled (so no sweep keeps it for the archive). */
    private static CommandRecord plantedFinal(final long id, final long drone, final long at)
    {
        final CommandRecord record = CommandRecord.issued(id, drone, CommandType.HOLD, CommandParameters.NONE, null,
            "ops", "127.0.0.1", at, T0 + 300_000_000_000L).rejectedBeforeSending(at, "x");
        return CommandUpdate.journaled(record.transitionCount()).apply(record);
    }

    /** A record as this version writes it (without its id), for one field to be spoiled. */
    private static GenericRecordBuilder planted(final long drone, final long at)
    {
        return sound(drone, at).build().newBuilderWithClone();
    }

    private static GenericRecordBuilder sound(final long drone, final long at)
    {
        return GenericRecordBuilder.compact(CommandRecordSerializer.TYPE_NAME)
            .setInt64("droneId", drone)
            .setString("type", "goto")
            .setFloat64("paramLatitude", 52.5)
            .setFloat64("paramLongitude", 13.4)
            .setFloat64("paramAltitude", Double.NaN)
            .setFloat64("paramSpeed", Double.NaN)
            .setInt64("paramTargetCommandId", 0)
            .setInt64("paramDroneCommandId", 0)
            .setString("paramStartedBecause", null)
            .setArrayOfFloat64("waypointLatitudes", new double[0])
            .setArrayOfFloat64("waypointLongitudes", new double[0])
            .setArrayOfFloat64("waypointAltitudes", new double[0])
            .setArrayOfFloat64("waypointSpeeds", new double[0])
            .setArrayOfFloat64("waypointHoldSeconds", new double[0])
            .setString("state", "ISSUED")
            .setBoolean("active", true)
            .setString("reason", null)
            .setFloat32("progress", 0f)
            .setInt32("waypointIndex", -1)
            .setString("idempotencyKey", null)
            .setString("issuedBy", "ops")
            .setString("issuedFrom", "127.0.0.1")
            .setInt64("issuedAtNanos", at)
            .setInt64("expiresAtNanos", at + 60_000_000_000L)
            .setString("node", null)
            .setInt32("attempts", 0)
            .setInt64("lastSentNanos", 0)
            .setFloat64("targetLatitude", Double.NaN)
            .setFloat64("targetLongitude", Double.NaN)
            .setFloat32("targetAltitude", Float.NaN)
            .setInt64("doneAtNanos", 0)
            .setArrayOfString("transitionStates", new String[]{"ISSUED"})
            .setArrayOfInt64("transitionAtNanos", new long[]{at})
            .setArrayOfString("transitionReasons", new String[]{null})
            .setInt32("journaled", 0)
            .setString("authorisation", null)
            .setBoolean("unjournaled", true)
            .setInt64("id", 0);
    }

    private static CommandRecord command(final long drone, final CommandType type, final String key)
    {
        return command(drone, type, key, T0);
    }

    private static CommandRecord command(final long drone, final CommandType type, final String key, final long at)
    {
        return CommandRecord.issued(ledger.newId(), drone, type,
            type == CommandType.GOTO ? CommandParameters.goTo(52.5, 13.4, Double.NaN, Double.NaN) :
                CommandParameters.NONE,
            key, "ops", "127.0.0.1", at, at + 300_000_000_000L);
    }

    private static CommandRecord droneStarted(final long drone, final int n)
    {
        return CommandUpdate.progress(CommandState.ACCEPTED, T0 + n, 0f, -1, 52.5, 13.4, 30f).apply(
            CommandRecord.issued(-(drone * 1_000_000L + n), drone, CommandType.RETURN_HOME,
                CommandParameters.startedByDrone(-n, CommandReason.FAILSAFE_LOW_BATTERY), null,
                CommandLedger.DRONE_ISSUER,
                "ingest-1", T0 + n, Long.MAX_VALUE));
    }
}
