package io.odyssey.archiver;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.query.Predicates;
import io.aeron.ExclusivePublication;
import io.odyssey.codecs.CommandState;
import io.odyssey.codecs.CommandType;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.CommandPhase;
import io.odyssey.codecs.sbe.CommandReason;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.grid.FleetGrid;
import io.odyssey.grid.ledger.CommandLedger;
import io.odyssey.grid.ledger.CommandRecord;
import io.odyssey.ingest.EdgeIngest;
import io.odyssey.ingest.EdgeIngestConfig;
import io.odyssey.journal.CommandJournal;
import io.odyssey.journal.JournalLayout;
import io.odyssey.runtime.AeronTransport;
import io.odyssey.testing.FailOnErrorLog;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A drone that rebooted and numbers its own commands afresh (the worst case: the simulator did so before, real drones
 * may), through real parts: its failsafe return home is reported over Aeron UDP to a real ingest node, whose relay
 * records it in the ledger of a real Hazelcast member and journals its transitions, which the real archiver stores in
 * PostgreSQL. The second failsafe reuses the drone's number, yet gets a ledger id of its own, and every transition of
 * both is archived: none is skipped as a duplicate (which lost 93 transitions in one restart before).
 */
@ExtendWith(FailOnErrorLog.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DroneCommandArchiveIT
{
    private static final long DRONE = 7;
    private static final long OWN_NUMBER = -1;
    private static final double HOME_LAT = 52.52;
    private static final double HOME_LON = 13.405;

    @TempDir
    Path journals;

    private final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(256));
    /** The drone's key, shared with the ingest node, which takes only signed frames. */
    private static final Path KEYS = io.odyssey.codecs.sign.TestDroneKeys.file(1, 100);
    private final TelemetryFrameWriter writer = new TelemetryFrameWriter()
        .signWith(io.odyssey.codecs.sign.TestDroneKeys.signer(KEYS, 9));
    private ExclusivePublication publication;
    private long sequence;

    @Test
    void shouldGiveARebootedDronesFailsafeANewIdAndArchiveEveryTransitionOfBoth() throws Exception
    {
        final String cluster = "drone-command-archive-it-" + UUID.randomUUID();
        final int port = 20_000 + (int)(Math.random() * 12_000);
        final HazelcastInstance member = FleetGrid.newMember(FleetGrid.memberConfig(cluster, "127.0.0.1", port,
            List.of("127.0.0.1:" + port), 1));
        final EdgeIngestConfig ingestConfig = new EdgeIngestConfig();
        ingestConfig.clusterName = cluster;
        ingestConfig.gridMembers = List.of("127.0.0.1:" + port);
        ingestConfig.nodeId = "ingest-commands";
        ingestConfig.endpoint = "127.0.0.1:" + (port + 100);
        ingestConfig.statusPort = 0;
        ingestConfig.journalDir = journals.resolve("ingest-commands").toString();
        ingestConfig.droneKeys = KEYS.toString();
        // The drone's own commands are recorded authorised by the node, or its sweeps would refuse them.
        ingestConfig.commandKeyFile = journals.resolve("command.key").toString();
        io.odyssey.runtime.SecretFile.readOrCreate(io.odyssey.grid.ledger.CommandAuthority.KEY_FILE,
            java.nio.file.Path.of(ingestConfig.commandKeyFile), 32);
        final CommandLedger ledger = new CommandLedger(member);
        try (LocalPostgres postgres = LocalPostgres.start();
            EdgeIngest ingest = EdgeIngest.launch(ingestConfig);
            AeronTransport sender = AeronTransport.launchEmbedded(null, "drone-command-archive-it-drone"))
        {
            publication = sender.aeron().addExclusivePublication(AeronTransport.udpChannel(ingestConfig.endpoint), 1001);
            await().atMost(20, TimeUnit.SECONDS).until(publication::isConnected);

            final long first = failsafe(ledger);
            // The drone reboots and numbers its own commands from 1 again.
            final long second = failsafe(ledger);
            assertThat(second).as("a new command, not the first one again").isNotEqualTo(first);
            assertThat(List.of(first, second)).allSatisfy(id -> assertThat(id).isNegative().isGreaterThan(-(1L << 53)));
            final Collection<CommandRecord> own = ledger.map().values(Predicates.equal("droneId", DRONE));
            assertThat(own).hasSize(2).allSatisfy(command ->
            {
                assertThat(command.issuedBy()).isEqualTo("drone");
                assertThat(command.state()).isEqualTo(CommandState.COMPLETED);
                assertThat(command.parameters().droneCommandId()).isEqualTo(-1);
            });

            // Issued, accepted, in progress, completed: twice (the relay journals right after each ledger update).
            final long journaled = 8;
            await().atMost(30, TimeUnit.SECONDS).until(() -> commandJournalEntries(ingest.journalRoot()) == journaled);
            final ArchiverConfig config = new ArchiverConfig();
            config.name = "archiver-commands";
            config.journalDir = ingest.journalRoot().toString();
            config.dbUrl = postgres.createDatabase("drone_command_archive_it");
            config.dbUser = "postgres";
            config.statusPort = 0;
            config.maxRetryMs = 500;
            try (Archiver archiver = Archiver.launch(config))
            {
                await().atMost(60, TimeUnit.SECONDS).until(() -> archiver.commandTransitionsArchived() == journaled);
                assertThat(archiver.duplicatesSkipped()).as("no transition skipped as a duplicate").isZero();
                assertThat(archiver.deadLetters()).isZero();
            }
            try (Connection connection = DriverManager.getConnection(config.dbUrl, "postgres", "");
                Statement sql = connection.createStatement())
            {
                assertThat(queryLong(sql, "SELECT count(*) FROM command_transitions WHERE drone_id = " + DRONE))
                    .isEqualTo(journaled);
                assertThat(queryLong(sql, "SELECT count(*) FROM commands WHERE drone_id = " + DRONE +
                    " AND state = 'completed' AND issued_by = 'drone' AND params->>'droneCommandId' = '-1'")).isEqualTo(2);
            }
        }
        finally
        {
            member.shutdown();
        }
    }

    /**
     * The drone flies home on its own: it reports the start (its own number), progress and done, and its telemetry
     * shows it on the ground at home, so the ground completes the command.
     *
     * @return the ledger id the ground gave the command.
     */
    private long failsafe(final CommandLedger ledger)
    {
        status(CommandPhase.STARTED_BY_DRONE, 0f);
        final long id = until(ledger, command -> command.active());
        status(CommandPhase.IN_PROGRESS, 50f);
        await().atMost(30, TimeUnit.SECONDS).until(() -> ledger.get(id).state() == CommandState.IN_PROGRESS);
        telemetry(DroneStatus.LANDING);
        status(CommandPhase.DONE, 100f);
        await().atMost(30, TimeUnit.SECONDS).pollInterval(100, TimeUnit.MILLISECONDS).until(() ->
        {
            telemetry(DroneStatus.GROUNDED);
            return ledger.get(id).state() == CommandState.COMPLETED;
        });
        return id;
    }

    /** Waits for the drone's one command matching {@code wanted} that is not a known one, keeping the drone heard. */
    private long until(final CommandLedger ledger, final java.util.function.Predicate<CommandRecord> wanted)
    {
        final long[] found = new long[1];
        final BooleanSupplier seen = () ->
        {
            telemetry(DroneStatus.RETURNING);
            for (final CommandRecord command : ledger.map().values(Predicates.equal("droneId", DRONE)))
            {
                if (wanted.test(command))
                {
                    found[0] = command.id();
                    return true;
                }
            }
            return false;
        };
        await().atMost(30, TimeUnit.SECONDS).pollInterval(100, TimeUnit.MILLISECONDS).until(seen::getAsBoolean);
        return found[0];
    }

    private void status(final CommandPhase phase, final float progress)
    {
        offer(writer.commandStatus(buffer, 0, DRONE, OWN_NUMBER, nowNanos(), phase,
            phase == CommandPhase.STARTED_BY_DRONE ? CommandReason.FAILSAFE_LOW_BATTERY : CommandReason.NONE, progress, -1,
            CommandType.RETURN_HOME, HOME_LAT, HOME_LON, 0f));
    }

    private void telemetry(final DroneStatus status)
    {
        offer(writer.telemetry(buffer, 0, DRONE, ++sequence, nowNanos(), HOME_LAT, HOME_LON,
            status == DroneStatus.GROUNDED ? 0f : 20f, 0f, 0f, 15f, status, (byte)0, 0f));
    }

    private void offer(final int length)
    {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (publication.offer(buffer, 0, length) < 0)
        {
            assertThat(System.nanoTime()).as("offer within 10 s").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    private static long commandJournalEntries(final Path journalRoot)
    {
        long entries = 0;
        try (ChronicleQueue queue = SingleChronicleQueueBuilder.single(
            journalRoot.resolve(JournalLayout.COMMANDS).toFile()).readOnly(true).build())
        {
            final ExcerptTailer tailer = queue.createTailer();
            final long[] index = new long[1];
            while (CommandJournal.readNext(tailer, index) != null)
            {
                entries++;
            }
        }
        return entries;
    }

    private static long queryLong(final Statement sql, final String query) throws SQLException
    {
        try (ResultSet row = sql.executeQuery(query))
        {
            row.next();
            return row.getLong(1);
        }
    }

    private static long nowNanos()
    {
        return System.currentTimeMillis() * 1_000_000L;
    }
}
