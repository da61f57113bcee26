package io.odyssey.journal;

import io.odyssey.codecs.RejectReason;
import net.openhft.chronicle.core.time.SetTimeProvider;
import net.openhft.chronicle.core.time.SystemTimeProvider;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TelemetryJournalTest
{
    /** Retention tests' clock: half past an hour, hourly cycles. */
    private static final long HOUR = TimeUnit.HOURS.toMillis(1);
    private static final long NOW = 1_800_000_000_000L / HOUR * HOUR + HOUR / 2;
    private static final UnsafeBuffer FRAME = new UnsafeBuffer(new byte[16]);

    @TempDir
    Path root;

    @Test
    void shouldRefuseAJournalThatChronicleOpenedReadOnlyInsteadOfFailingEveryAppendLater()
    {
        final Path dir = root.resolve(JournalLayout.TELEMETRY);
        TelemetryJournal.open(dir, RollCycles.FAST_HOURLY, SystemTimeProvider.INSTANCE).close();
        // The state Chronicle falls back to, silently, when the directory is not writable or an export is missing.
        final SingleChronicleQueue readOnly = SingleChronicleQueueBuilder.single(dir.toFile()).readOnly(true).build();

        assertThatThrownBy(() -> TelemetryJournal.requireAppendable(readOnly, dir))
            .isInstanceOf(JournalNotWritableException.class)
            .hasMessageContaining("the journal " + dir + " opened read-only")
            .hasMessageContaining("--add-exports=java.base/sun.nio.ch=ALL-UNNAMED");
        assertThat(readOnly.isClosed()).as("closed when refused").isTrue();
    }

    @Test
    void shouldReadBackEveryAcceptedFrameAsAppendedFromHeapAndNativeMemory()
    {
        final UnsafeBuffer heap = new UnsafeBuffer(new byte[200]);
        final UnsafeBuffer direct = new UnsafeBuffer(ByteBuffer.allocateDirect(200));
        for (int i = 0; i < 200; i++)
        {
            heap.putByte(i, (byte)i);
            direct.putByte(i, (byte)(255 - i));
        }
        try (TelemetryJournal journal = new TelemetryJournal(root, RollCycles.FAST_HOURLY))
        {
            final long first = journal.appendTelemetry(heap, 10, 77, 1_000L);
            final long second = journal.appendTelemetry(direct, 3, 90, 2_000L);
            assertThat(second).isGreaterThan(first);

            final ExcerptTailer tailer = journal.telemetryQueue().createTailer();
            final JournalEntry entry = JournalEntry.telemetry();
            assertThat(entry.readNext(tailer)).isTrue();
            assertThat(entry.index()).isEqualTo(first);
            assertThat(entry.receivedAtNanos()).isEqualTo(1_000L);
            assertThat(entry.frameLength()).isEqualTo(77);
            for (int i = 0; i < 77; i++)
            {
                assertThat(entry.frame().getByte(i)).isEqualTo((byte)(10 + i));
            }
            assertThat(entry.readNext(tailer)).isTrue();
            assertThat(entry.index()).isEqualTo(second);
            assertThat(entry.frameLength()).isEqualTo(90);
            assertThat(entry.frame().getByte(0)).isEqualTo((byte)(255 - 3));
            assertThat(entry.frame().getByte(89)).isEqualTo((byte)(255 - 92));
            assertThat(entry.readNext(tailer)).isFalse();
        }
    }

    @Test
    void shouldReadClockedEntriesAndOlderOnesSideBySideWithTheRunTellingRestartsApart()
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[64]);
        for (int i = 0; i < 64; i++)
        {
            frame.putByte(i, (byte)(i + 1));
        }
        final long firstRun;
        try (TelemetryJournal journal = new TelemetryJournal(root, RollCycles.FAST_HOURLY))
        {
            // A journal an older version wrote, then this version's entries after an upgrade.
            journal.appendTelemetry(frame, 0, 40, 1_000L);
            journal.appendTelemetry(frame, 2, 50, 2_000L, -7_000L);
            firstRun = journal.runId();
        }
        try (TelemetryJournal journal = new TelemetryJournal(root, RollCycles.FAST_HOURLY))
        {
            assertThat(journal.runId()).isNotEqualTo(JournalLayout.NO_RUN);
            if (Files.isReadable(Path.of("/proc/sys/kernel/random/boot_id")))
            {
                assertThat(journal.runId()).as("a restart on the same boot shares the monotonic clock").isEqualTo(firstRun);
            }
            else
            {
                assertThat(journal.runId()).as("a restart where the boot is unknown is another run").isNotEqualTo(firstRun);
            }
            journal.appendTelemetry(frame, 0, 16, 3_000L, 5L);

            final ExcerptTailer tailer = journal.telemetryQueue().createTailer();
            final JournalEntry entry = JournalEntry.telemetry();
            assertThat(entry.readNext(tailer)).isTrue();
            assertThat(entry.receivedAtNanos()).isEqualTo(1_000L);
            assertThat(entry.runId()).isEqualTo(JournalLayout.NO_RUN);
            assertThat(entry.frameLength()).isEqualTo(40);
            assertThat(entry.frame().getByte(0)).isEqualTo((byte)1);

            assertThat(entry.readNext(tailer)).isTrue();
            assertThat(entry.receivedAtNanos()).isEqualTo(2_000L);
            assertThat(entry.runId()).isEqualTo(firstRun);
            assertThat(entry.monotonicNanos()).isEqualTo(-7_000L);
            assertThat(entry.frameLength()).as("the frame alone, the clock fields taken off").isEqualTo(50);
            assertThat(entry.frame().getByte(0)).isEqualTo((byte)3);
            assertThat(entry.frame().getByte(49)).isEqualTo((byte)52);

            assertThat(entry.readNext(tailer)).isTrue();
            assertThat(entry.runId()).isEqualTo(journal.runId());
            assertThat(entry.monotonicNanos()).isEqualTo(5L);
            assertThat(entry.frameLength()).isEqualTo(16);
            assertThat(entry.readNext(tailer)).isFalse();
        }
    }

    @Test
    void shouldQuarantineRefusedFramesWithTheirCauseAndCapTheirSize()
    {
        final UnsafeBuffer frame = new UnsafeBuffer(new byte[10_000]);
        frame.setMemory(0, 10_000, (byte)7);
        try (TelemetryJournal journal = new TelemetryJournal(root, RollCycles.FAST_HOURLY))
        {
            journal.appendQuarantined(frame, 0, 40, 5L, RejectReason.LATITUDE_OUT_OF_RANGE.ordinal());
            journal.appendQuarantined(frame, 0, 10_000, 6L, JournalLayout.CAUSE_MALFORMED);

            final ExcerptTailer tailer = journal.quarantineQueue().createTailer();
            final JournalEntry entry = JournalEntry.quarantine();
            assertThat(entry.readNext(tailer)).isTrue();
            assertThat(JournalLayout.causeName(entry.cause())).isEqualTo("LATITUDE_OUT_OF_RANGE");
            assertThat(entry.frameLength()).isEqualTo(40);
            assertThat(entry.originalLength()).isEqualTo(40);
            assertThat(entry.readNext(tailer)).isTrue();
            assertThat(JournalLayout.causeName(entry.cause())).isEqualTo("MALFORMED");
            assertThat(entry.receivedAtNanos()).isEqualTo(6L);
            assertThat(entry.frameLength()).isEqualTo(JournalLayout.QUARANTINE_MAX_FRAME_BYTES);
            assertThat(entry.originalLength()).isEqualTo(10_000);
            assertThat(entry.readNext(tailer)).isFalse();
        }
        // Nothing quarantined ever reaches the telemetry journal.
        try (TelemetryJournal journal = new TelemetryJournal(root, RollCycles.FAST_HOURLY))
        {
            assertThat(JournalEntry.telemetry().readNext(journal.telemetryQueue().createTailer())).isFalse();
        }
    }

    @Test
    void shouldDeleteOnlyCyclesPastRetentionThatEveryArchiverHasCommittedPast() throws Exception
    {
        final SetTimeProvider time = new SetTimeProvider(NOW - 5 * HOUR);
        try (TelemetryJournal journal = new TelemetryJournal(root, RollCycles.FAST_HOURLY, time))
        {
            final long fiveHoursAgo = journal.appendTelemetry(FRAME, 0, 16, 1);
            time.currentTimeMillis(NOW - 3 * HOUR);
            final long threeHoursAgo = journal.appendTelemetry(FRAME, 0, 16, 2);
            journal.appendQuarantined(FRAME, 0, 16, 2, 0);
            time.currentTimeMillis(NOW);
            journal.appendTelemetry(FRAME, 0, 16, 3);
            journal.appendQuarantined(FRAME, 0, 16, 3, 0);
            assertThat(cycleFiles(JournalLayout.TELEMETRY)).isEqualTo(3);

            // An archiver that is still in the oldest cycle holds every cycle back.
            JournalRetention.recordArchived(root, JournalLayout.TELEMETRY, "archiver-a", fiveHoursAgo);
            final JournalRetention retention = new JournalRetention(root, 2, () -> NOW, journal.telemetryQueue(),
                journal.quarantineQueue());
            assertThat(retention.run()).as("only the old quarantine cycle may go").isEqualTo(1);
            assertThat(cycleFiles(JournalLayout.TELEMETRY)).isEqualTo(3);
            assertThat(cycleFiles(JournalLayout.QUARANTINE)).isEqualTo(1);

            // Both archivers past the oldest cycle: it goes; the one three hours ago is not yet archived by b.
            JournalRetention.recordArchived(root, JournalLayout.TELEMETRY, "archiver-a", threeHoursAgo + 1);
            JournalRetention.recordArchived(root, JournalLayout.TELEMETRY, "archiver-b", threeHoursAgo);
            assertThat(retention.run()).isEqualTo(1);
            assertThat(cycleFiles(JournalLayout.TELEMETRY)).isEqualTo(2);

            // Retention 0 keeps everything.
            assertThat(new JournalRetention(root, 0, () -> NOW + 100 * HOUR, journal.telemetryQueue()).run()).isZero();

            // What is left still reads from the start.
            final JournalEntry entry = JournalEntry.telemetry();
            final ExcerptTailer tailer = journal.telemetryQueue().createTailer();
            assertThat(entry.readNext(tailer)).isTrue();
            assertThat(entry.receivedAtNanos()).isEqualTo(2);
        }
    }

    @Test
    void shouldKeepCyclesForAnArchiverThatIsGoneButCountItsRecordAsStale() throws Exception
    {
        final SetTimeProvider time = new SetTimeProvider(NOW - 5 * HOUR);
        try (TelemetryJournal journal = new TelemetryJournal(root, RollCycles.FAST_HOURLY, time))
        {
            final long fiveHoursAgo = journal.appendTelemetry(FRAME, 0, 16, 1);
            time.currentTimeMillis(NOW);
            final long latest = journal.appendTelemetry(FRAME, 0, 16, 2);
            // A renamed archiver: the old name's record stopped five hours ago, the new one is current.
            JournalRetention.recordArchived(root, JournalLayout.TELEMETRY, "archiver-old", fiveHoursAgo);
            JournalRetention.recordArchived(root, JournalLayout.TELEMETRY, "archiver-new", latest);
            final Path old = root.resolve(JournalRetention.ARCHIVED_DIR).resolve(JournalLayout.TELEMETRY)
                .resolve("archiver-old.index");
            Files.setLastModifiedTime(old, FileTime.fromMillis(NOW - 5 * HOUR));
            Files.setLastModifiedTime(old.resolveSibling("archiver-new.index"), FileTime.fromMillis(NOW - HOUR / 6));

            final JournalRetention retention = new JournalRetention(root, 2, () -> NOW, journal.telemetryQueue());
            assertThat(retention.run()).as("what the old archiver has not archived is kept").isZero();
            assertThat(cycleFiles(JournalLayout.TELEMETRY)).isEqualTo(2);
            assertThat(retention.staleRecords()).as("and its record is counted as stale").isOne();

            // Removed (as operations.md says to): the cycle goes, and nothing is stale any more.
            Files.delete(old);
            assertThat(retention.run()).isEqualTo(1);
            assertThat(retention.staleRecords()).isZero();
        }
    }

    private long cycleFiles(final String queue) throws Exception
    {
        try (Stream<Path> files = Files.list(root.resolve(queue)))
        {
            return files.filter(f -> f.toString().endsWith(".cq4")).count();
        }
    }

    @Test
    void shouldNameTheRunByTheBootWhereTheKernelNamesItAndNotOtherwise() throws Exception
    {
        final Path boot = root.resolve("boot_id");
        Files.writeString(boot, "b4f0f718-c620-4fb2-b92a-964c097928b0\n");
        final long id = TelemetryJournal.bootRunId(boot);
        assertThat(id).isNotEqualTo(JournalLayout.NO_RUN).isEqualTo(TelemetryJournal.bootRunId(boot));
        Files.writeString(boot, "0d1c2f59-8a0e-4e36-9a5c-5c7ff0a3c1d2\n");
        assertThat(TelemetryJournal.bootRunId(boot)).as("another boot, another run").isNotEqualTo(id);
        Files.writeString(boot, "not a boot id");
        assertThat(TelemetryJournal.bootRunId(boot)).isEqualTo(JournalLayout.NO_RUN);
        assertThat(TelemetryJournal.bootRunId(root.resolve("missing"))).isEqualTo(JournalLayout.NO_RUN);
    }
}
