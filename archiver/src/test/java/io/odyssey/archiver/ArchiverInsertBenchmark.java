package io.odyssey.archiver;

import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.journal.TelemetryJournal;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyIn;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The archiver's ways into PostgreSQL + PostGIS, side by side on the same table in the same run, in rows per second:
 * <ul>
 *     <li>{@code archiver}: the real path, journal entries read, decoded and written by {@link JournalArchiver}
 *     (binary COPY + position update, one transaction per batch);</li>
 *     <li>{@code baselineBareCopy}: the baseline, the same kind of rows pre-encoded once and only COPYed;</li>
 *     <li>{@code batchedInsert}: JDBC batched INSERT with {@code reWriteBatchedInserts=true} (the usual alternative).</li>
 * </ul>
 * Needs the machine's PostgreSQL 15 with PostGIS (as the archiver tests do); the table is emptied before every
 * iteration so every method writes into a table of the same size.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED",
    "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "-Dchronicle.analytics.disable=true"})
public class ArchiverInsertBenchmark
{
    static final int BATCH = 10_000;
    /** Enough journal for every archiver invocation of a run at well above the expected rate. */
    private static final int JOURNAL_ENTRIES = 6_000_000;

    private LocalPostgres postgres;
    private Path journalRoot;
    private SingleChronicleQueue queue;
    private JournalArchiver archiver;
    private Connection connection;
    private final PgBinaryCopy copy = new PgBinaryCopy(2 << 20);
    private long sequence;
    private long baseNanos;

    @Setup
    public void setUp() throws Exception
    {
        postgres = LocalPostgres.start();
        // Today, like live telemetry: every method writes into the same daily partition.
        baseNanos = System.currentTimeMillis() * 1_000_000L;
        final String url = postgres.createDatabase("archiver_bench");
        journalRoot = Files.createTempDirectory("odyssey-bench-journal-");
        final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
        final TelemetryFrameWriter writer = new TelemetryFrameWriter();
        final long start = System.currentTimeMillis() * 1_000_000L;
        try (TelemetryJournal journal = new TelemetryJournal(journalRoot, RollCycles.FAST_DAILY))
        {
            for (int i = 0; i < JOURNAL_ENTRIES; i++)
            {
                final long sentAt = start + i * 1_000L;
                journal.appendTelemetry(frame, 0, writer.telemetry(frame, 0, 1 + i % 1_000, 1 + i / 1_000, sentAt,
                    52.5 + (i % 1_000) * 1e-4, 13.4, 100f, 90f, 12f, 80f, DroneStatus.CRUISING, (byte)0, 0f), sentAt + 1_000_000L);
            }
        }
        final ArchiverConfig config = new ArchiverConfig();
        config.name = "bench";
        config.journalDir = journalRoot.toString();
        config.dbUrl = url;
        config.dbUser = "postgres";
        config.batchRows = BATCH;
        final Migrations migrations = new Migrations(0);
        queue = net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder
            .single(journalRoot.resolve("telemetry").toFile()).build();
        migrations.ensure(url, config);
        final ArchiverMetrics metrics = new ArchiverMetrics();
        archiver = new JournalArchiver(config, () -> Archiver.connect(url, config), queue, new TelemetryTable(metrics.rows, metrics.partitionStrays),
            metrics);
        connection = Archiver.connect(url + "?reWriteBatchedInserts=true", config);
        connection.setAutoCommit(false);
    }

    @Setup(Level.Iteration)
    public void emptyTable() throws SQLException
    {
        try (Statement sql = connection.createStatement())
        {
            sql.execute("TRUNCATE telemetry");
        }
        connection.commit();
    }

    @TearDown
    public void tearDown() throws Exception
    {
        connection.close();
        archiver.stop();
        archiver.closeConnection();
        queue.close();
        postgres.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int archiver() throws Exception
    {
        return archiver.archiveOnce();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long baselineBareCopy() throws SQLException
    {
        copy.begin();
        for (int i = 0; i < BATCH; i++)
        {
            final long seq = ++sequence;
            final long sentAt = baseNanos + seq * 1_000L;
            copy.row(14).timestampFromEpochNanos(sentAt).timestampFromEpochNanos(sentAt + 1_000_000L)
                .int8(1_000_000 + i).int8(seq).float8(52.5).float8(13.4).float4(100f).float4(90f).float4(12f)
                .float4(0f).float4(80f).int2((short)2).int2((short)0).int8(seq);
        }
        copy.end();
        final CopyIn in = connection.unwrap(PGConnection.class).getCopyAPI()
            .copyIn("COPY telemetry (" + TelemetryTable.COLUMNS + ") FROM STDIN (FORMAT binary)");
        in.writeToCopy(copy.array(), 0, copy.length());
        final long rows = in.endCopy();
        connection.commit();
        return rows;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int batchedInsert() throws SQLException
    {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO telemetry (" + TelemetryTable.COLUMNS +
            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"))
        {
            for (int i = 0; i < BATCH; i++)
            {
                final long seq = ++sequence;
                final long sentAt = baseNanos + seq * 1_000L;
                insert.setTimestamp(1, Timestamp.from(Instant.ofEpochSecond(0, sentAt)));
                insert.setTimestamp(2, Timestamp.from(Instant.ofEpochSecond(0, sentAt + 1_000_000L)));
                insert.setLong(3, 2_000_000 + i);
                insert.setLong(4, seq);
                insert.setDouble(5, 52.5);
                insert.setDouble(6, 13.4);
                insert.setFloat(7, 100f);
                insert.setFloat(8, 90f);
                insert.setFloat(9, 12f);
                insert.setFloat(10, 0f);
                insert.setFloat(11, 80f);
                insert.setShort(12, (short)2);
                insert.setShort(13, (short)0);
                insert.setLong(14, seq);
                insert.addBatch();
            }
            final int[] counts = insert.executeBatch();
            connection.commit();
            return counts.length;
        }
    }
}
