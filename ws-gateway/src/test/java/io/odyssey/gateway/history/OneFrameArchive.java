package io.odyssey.gateway.history;

import io.odyssey.archiver.Archiver;
import io.odyssey.archiver.ArchiverConfig;
import io.odyssey.archiver.LocalPostgres;
import io.odyssey.codecs.TelemetryFrameWriter;
import io.odyssey.codecs.sbe.DroneStatus;
import io.odyssey.journal.TelemetryJournal;
import net.openhft.chronicle.queue.RollCycles;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * A fresh archive database made the way production makes one: a frame journaled as ingest does, then the real
 * archiver (its migrations, today's partitions, the row). Tests grow it further with plain SQL where they need bulk.
 */
final class OneFrameArchive
{
    private OneFrameArchive()
    {
    }

    /** @return the new database's JDBC URL. */
    static String create(final LocalPostgres postgres, final String name, final long droneId, final Instant at,
        final double lat, final double lon) throws Exception
    {
        final String url = postgres.createDatabase(name);
        final Path journal = Files.createTempDirectory(name + "-journal-");
        final UnsafeBuffer frame = new UnsafeBuffer(ByteBuffer.allocateDirect(128));
        final long atNanos = at.getEpochSecond() * 1_000_000_000L + at.getNano();
        try (TelemetryJournal telemetry = new TelemetryJournal(journal, RollCycles.FAST_HOURLY))
        {
            telemetry.appendTelemetry(frame, 0, new TelemetryFrameWriter().telemetry(frame, 0, droneId, 1, atNanos, lat,
                lon, 30f, 0f, 5f, 90f, DroneStatus.HOVERING, (byte)0, 0f), atNanos);
        }
        final ArchiverConfig config = new ArchiverConfig();
        config.name = name;
        config.journalDir = journal.toString();
        config.dbUrl = url;
        config.dbUser = "postgres";
        config.statusPort = 0;
        try (Archiver archiver = Archiver.launch(config))
        {
            await().atMost(60, TimeUnit.SECONDS).until(() -> archiver.rowsArchived() == 1);
        }
        return url;
    }
}
