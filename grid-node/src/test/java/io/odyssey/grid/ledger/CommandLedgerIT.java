package io.odyssey.grid.ledger;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import io.odyssey.grid.FleetGrid;
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
    private static CommandLedger ledger;
    private static Counter repaired;

    @BeforeAll
    static void start()
    {
        final int port = 17_701 + (int)(Math.random() * 2000);
        member = FleetGrid.newMember(FleetGrid.memberConfig(CLUSTER, "127.0.0.1", port, List.of("127.0.0.1:" + port), 0));
        client = HazelcastClient.newHazelcastClient(FleetGrid.clientConfig(CLUSTER,
            List.of("127.0.0.1:" + member.getCluster().getLocalMember().getAddress().getPort()), "ledger-it-client"));
        repaired = new Metrics("test").counter("odyssey_test_text_repaired_total", "repaired");
        ledger = new CommandLedger(client, repaired, null);
    }

    @AfterAll
    static void stop()
    {
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
        final CommandRecord first = ledger.issue(command(drone, "hold", null), 3).command();
        ledger.issue(command(drone, "resume", null), 3);
        ledger.issue(command(drone, "hold", "k-3"), 3);

        assertThatThrownBy(() -> ledger.issue(command(drone, "land", "k-4"), 3))
            .isInstanceOf(CommandLedger.ActiveLimitException.class)
            .hasMessageContaining("drone " + drone + " has 3 active commands");
        assertThat(ledger.list(drone, null, false, 100)).hasSize(3);
        // A repeat of a command already admitted is found, full or not; the refused one's key is free again.
        assertThat(ledger.issue(command(drone, "hold", "k-3"), 3).created()).isFalse();
        assertThat(client.getMap(CommandLedger.KEYS_MAP).containsKey("ops/k-4")).isFalse();
        // Another drone is not affected.
        assertThat(ledger.issue(command(NEXT_DRONE.incrementAndGet(), "land", null), 3).created()).isTrue();

        ledger.update(first.id(), CommandUpdate.moveTo(CommandState.CANCELLED, T0 + 5, "cancelled by operator"));
        assertThat(ledger.issue(command(drone, "land", "k-4"), 3).created()).isTrue();
        assertThat(ledger.list(drone, null, true, 100)).hasSize(3);
    }

    @Test
    void shouldKeepABoundedNumberOfFinalCommandsPerDroneOldestFirstAndNeverEvictAnActiveOne()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final CommandRecord active = ledger.issue(command(drone, "goto", null, T0)).command();
        final int total = CommandLedger.MAX_FINAL_PER_DRONE + 30;
        for (int i = 1; i <= total; i++)
        {
            // Refused before sending (a geofence): final from the start, as the gateway records them.
            final CommandRecord refused = command(drone, "goto", "fence-" + i, T0 + i)
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
            finals.add(ledger.issue(command(drone, "goto", null, T0 + i).rejectedBeforeSending(T0 + i, "fence")).command());
        }
        // A relay journaled the two newest: they are in the archive, the 98 older ones not yet.
        for (final CommandRecord journaled : finals.subList(finals.size() - 2, finals.size()))
        {
            ledger.update(journaled.id(), CommandUpdate.journaled(journaled.transitionCount()));
        }
        ledger.issue(command(drone, "goto", null, T0 + 1_000).rejectedBeforeSending(T0 + 1_000, "fence"));
        ledger.issue(command(drone, "goto", null, T0 + 1_001).rejectedBeforeSending(T0 + 1_001, "fence"));

        final List<Long> kept = ledger.list(drone, null, false, 10_000).stream().map(CommandRecord::id).toList();
        assertThat(kept).hasSize(CommandLedger.MAX_FINAL_PER_DRONE);
        assertThat(kept).doesNotContain(finals.get(finals.size() - 1).id(), finals.get(finals.size() - 2).id());
        assertThat(kept).contains(finals.get(0).id());
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
    void shouldRepairTextThatTheArchiveCouldNotStoreAndCountIt()
    {
        final long drone = NEXT_DRONE.incrementAndGet();
        final long before = repaired.get();
        final CommandRecord hostile = CommandRecord.issued(ledger.newId(), drone, "return-to-home",
            "{\"reason\":\"outside the keep-in geofence 'x\\u0000\\n'\"}", "key\u0000", "ops", "10.0.0.1", T0,
            T0 + 60_000_000_000L);
        final CommandRecord stored = ledger.issue(hostile).command();

        assertThat(stored.idempotencyKey()).isEqualTo("key\uFFFD");
        assertThat(stored.paramsJson()).isEqualTo("{\"reason\":\"outside the keep-in geofence 'x\uFFFD\uFFFD'\"}");
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
        final CommandRecord plain = ledger.issue(command(drone, "goto", "plain-ключ")).command();
        assertThat(plain.idempotencyKey()).isEqualTo("plain-ключ");
        assertThat(plain.paramsJson()).isEqualTo("{\"lat\":52.5,\"lon\":13.4}");
        assertThat(repaired.get() - before).isEqualTo(2);
    }

    private static CommandRecord command(final long drone, final String type, final String key)
    {
        return command(drone, type, key, T0);
    }

    private static CommandRecord command(final long drone, final String type, final String key, final long at)
    {
        return CommandRecord.issued(ledger.newId(), drone, type, "goto".equals(type) ? "{\"lat\":52.5,\"lon\":13.4}" : "{}",
            key, "ops", "127.0.0.1", at, at + 300_000_000_000L);
    }

    private static CommandRecord droneStarted(final long drone, final int n)
    {
        return CommandUpdate.progress(CommandState.ACCEPTED, T0 + n, 0f, -1, 52.5, 13.4, 30f).apply(
            CommandRecord.issued(-(drone * 1_000_000L + n), drone, "return-to-home",
                "{\"startedBy\":\"drone\",\"reason\":\"failsafe low battery\"}", null, CommandLedger.DRONE_ISSUER,
                "ingest-1", T0 + n, Long.MAX_VALUE));
    }
}
